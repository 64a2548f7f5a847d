"""Run benchmarks and print their tables: ``python -m benchmarks [NAME ...]``.

Each ``benchmarks/bench_NAME.py`` has a ``main(argv)`` that prints a table. With no NAME,
every benchmark runs in turn; ``python -m benchmarks NAME --option ...`` passes the options
to that one benchmark (``python -m benchmarks.bench_NAME --help`` lists them).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import benchmarks


def available() -> list[str]:
    return sorted(
        info.name.removeprefix("bench_")
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name.startswith("bench_")
    )


def main(argv: list[str]) -> int:
    first_option = next((i for i, arg in enumerate(argv) if arg.startswith("-")), len(argv))
    names, options = argv[:first_option] or available(), argv[first_option:]
    if options and len(names) != 1:
        print(
            "options go to one benchmark: python -m benchmarks NAME --option ...", file=sys.stderr
        )
        return 2
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; available: {available()}", file=sys.stderr)
        return 2
    for name in names:
        print(f"\n## {name}\n")
        started = time.perf_counter()
        importlib.import_module(f"benchmarks.bench_{name}").main(options)
        print(f"\n({name}: {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
