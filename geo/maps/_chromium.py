"""Headless Debian Chromium through Playwright with every non-local request blocked.

Shared by the browser tests, the render benchmark and the README screenshot.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
_LOCAL = ("file:", "data:", "blob:", "about:")


@contextmanager
def chromium_context(*, width: int = 1280, height: int = 800) -> Iterator[tuple[object, list[str]]]:
    """A Playwright browser context and the list of requests it blocked (non-local URLs)."""
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []
    with tempfile.TemporaryDirectory(prefix="geo-chromium-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=list(CHROMIUM_ARGS),
            viewport={"width": width, "height": height},
        )
        try:

            def route(route_obj) -> None:
                url = route_obj.request.url
                if url.startswith(_LOCAL):
                    route_obj.continue_()
                else:
                    blocked.append(url)
                    route_obj.abort()

            context.route("**/*", route)
            context.on("request", lambda r: None)
            yield context, blocked
        finally:
            context.close()


def file_url(path: str | Path) -> str:
    return Path(path).resolve().as_uri()


def screenshot(html: str | Path, png: str | Path, *, width: int = 1280, height: int = 800) -> Path:
    """Open a rendered map (offline file) and save a PNG once its events are painted."""
    target = Path(png)
    target.parent.mkdir(parents=True, exist_ok=True)
    with chromium_context(width=width, height=height) as (context, _blocked):
        page = context.new_page()
        page.goto(file_url(html))
        page.wait_for_selector(".geo-map[data-geo-ready='1']", timeout=60_000)
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        page.screenshot(path=str(target))
    return target
