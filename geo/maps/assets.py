"""Pinned JavaScript/CSS assets: fetched from the npm registry, cached, verified, inlined.

A map rendered with ``offline=True`` carries every asset inline, so the HTML file makes no
network request. The assets are exact versions of registry packages (the same URLs folium
links to in the default CDN mode), verified by sha256 both as a tarball and per file.

Fetching happens only when asked::

    python -m geo.maps.assets fetch            # from registry.npmjs.org
    python -m geo.maps.assets fetch --mirror DIR   # from DIR/<name>-<version>.tgz (npm pack)
    python -m geo.maps.assets status

The cache lives in ``geo.settings.user_cache_dir() / "assets"`` (``$GEO_CACHE_DIR``).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import sys
import tarfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from branca.element import CssLink, Element, Figure, JavascriptLink
from folium.template import Template

from geo._files import atomic_path
from geo.report import GeoError
from geo.settings import user_cache_dir

FETCH_COMMAND = "python -m geo.maps.assets fetch"


@dataclass(frozen=True)
class Package:
    """An npm package tarball, pinned by version and sha256."""

    name: str
    version: str
    sha256: str

    @property
    def filename(self) -> str:
        return f"{self.name.split('/')[-1]}-{self.version}.tgz"

    @property
    def url(self) -> str:
        return f"https://registry.npmjs.org/{self.name}/-/{self.filename}"


@dataclass(frozen=True)
class Asset:
    """One file inside a pinned package, known by the CDN URL folium would link to."""

    url: str
    package: Package
    member: str
    sha256: str


LEAFLET = Package(
    "leaflet", "1.9.3", "10d016716b56048661eaf9cde004dc82e80bd3613b52c4f53cf5aec73088006c"
)

ASSETS: dict[str, Asset] = {
    a.url: a
    for a in (
        Asset(
            "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
            LEAFLET,
            "package/dist/leaflet.js",
            "5819285cec137b229c94e1ee5ad73e8b6b84345a4367d60f75fe477fe0fb7b03",
        ),
        Asset(
            "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css",
            LEAFLET,
            "package/dist/leaflet.css",
            "90b693d86392a4779c861b28cf307e7e59c3fb35328c4d8b95f58f814d38c722",
        ),
        Asset(
            "leaflet/images/layers.png",
            LEAFLET,
            "package/dist/images/layers.png",
            "1dbbe9d028e292f36fcba8f8b3a28d5e8932754fc2215b9ac69e4cdecf5107c6",
        ),
        Asset(
            "leaflet/images/layers-2x.png",
            LEAFLET,
            "package/dist/images/layers-2x.png",
            "066daca850d8ffbef007af00b06eac0015728dee279c51f3cb6c716df7c42edf",
        ),
        Asset(
            "leaflet/images/marker-icon.png",
            LEAFLET,
            "package/dist/images/marker-icon.png",
            "574c3a5cca85f4114085b6841596d62f00d7c892c7b03f28cbfa301deb1dc437",
        ),
        Asset(
            "leaflet/images/marker-icon-2x.png",
            LEAFLET,
            "package/dist/images/marker-icon-2x.png",
            "00179c4c1ee830d3a108412ae0d294f55776cfeb085c60129a39aa6fc4ae2528",
        ),
        Asset(
            "leaflet/images/marker-shadow.png",
            LEAFLET,
            "package/dist/images/marker-shadow.png",
            "264f5c640339f042dd729062cfc04c17f8ea0f29882b538e3848ed8f10edb4da",
        ),
    )
}
PACKAGES: tuple[Package, ...] = (LEAFLET,)


def cache_dir(path: str | os.PathLike | None = None) -> Path:
    """Where package tarballs are kept (``<user cache>/assets`` unless given)."""
    return Path(path) if path is not None else user_cache_dir() / "assets"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tarball(package: Package, cache: Path) -> Path:
    path = cache / package.filename
    if not path.is_file():
        raise GeoError(
            f"offline asset package {package.name}@{package.version} is not in the cache "
            f"{str(cache)!r}; run '{FETCH_COMMAND}' (or '{FETCH_COMMAND} --mirror DIR')"
        )
    return path


@lru_cache(maxsize=32)
def _member_bytes(tarball: Path, mtime: float, member: str, sha256: str) -> bytes:
    del mtime  # part of the cache key only: a re-fetched tarball is read again
    with tarfile.open(tarball, "r:gz") as tar:
        extracted = tar.extractfile(member)
        if extracted is None:
            raise GeoError(f"{member!r} is missing from {str(tarball)!r}")
        data = extracted.read()
    if _sha256(data) != sha256:
        raise GeoError(
            f"{member!r} in {str(tarball)!r} has sha256 {_sha256(data)}, expected {sha256}; "
            f"delete the file and run '{FETCH_COMMAND}'"
        )
    return data


def asset_bytes(url: str, *, cache: str | os.PathLike | None = None) -> bytes:
    """The verified content of a pinned asset, read from the cache (never from the network).

    Raises
    ------
    GeoError
        When ``url`` is not a pinned asset, or its package is not cached (the message gives
        the command that fetches it).
    """
    asset = ASSETS.get(url)
    if asset is None:
        pinned = sorted(u for u in ASSETS if u.startswith("http"))
        raise GeoError(
            f"an offline map needs {url!r}, which geo has no pinned copy of (pinned: {pinned}); "
            "render with offline=False or drop the element that links it"
        )
    tarball = _tarball(asset.package, cache_dir(cache))
    return _member_bytes(tarball, tarball.stat().st_mtime, asset.member, asset.sha256)


def _inline_css(url: str, cache: str | os.PathLike | None) -> str:
    css = asset_bytes(url, cache=cache).decode("utf-8")
    if "leaflet" not in url:
        return css

    # Leaflet's layer-control icons; marker-icon.png stays a relative URL because Leaflet
    # derives its default icon path from it (and a file:// miss is not a network request).
    def data_uri(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("marker-icon"):
            return match.group(0)
        png = asset_bytes(f"leaflet/images/{name}", cache=cache)
        return f"url(data:image/png;base64,{base64.b64encode(png).decode('ascii')})"

    return re.sub(r"url\(images/([\w.-]+\.png)\)", data_uri, css)


class RawHTML(Element):
    """Markup placed in the page as is (not compiled as a Jinja template, so large
    inline scripts cost nothing to add and their braces mean nothing to Jinja)."""

    _template = Template("{{ this.markup }}")

    def __init__(self, markup: str) -> None:
        super().__init__()
        self._name = "RawHTML"
        self.markup = markup


class OfflineAssets(Element):
    """Replace every linked JS/CSS asset in the page header with its pinned content inline.

    Added to the map's Figure after the map, so it renders after every element has added
    its links; an asset geo has no pinned copy of is an error, not a silent CDN link.
    """

    def __init__(self, *, cache: str | os.PathLike | None = None) -> None:
        super().__init__()
        self._name = "OfflineAssets"
        self.cache = cache

    def render(self, **kwargs) -> str:
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise GeoError("OfflineAssets must be added to a Figure")
        children = figure.header._children
        for name, child in list(children.items()):
            if isinstance(child, JavascriptLink):
                js = asset_bytes(child.url, cache=self.cache).decode("utf-8")
                if ASSETS[child.url].member == "package/dist/leaflet.js":
                    js += _default_icons(self.cache)
                inline = RawHTML(f"<script>{_guard_script(js)}</script>")
            elif isinstance(child, CssLink):
                inline = RawHTML(f"<style>{_inline_css(child.url, self.cache)}</style>")
            else:
                continue
            inline._parent = figure.header
            children[name] = inline
        return ""


def _png_uri(name: str, cache: str | os.PathLike | None) -> str:
    png = asset_bytes(f"leaflet/images/{name}", cache=cache)
    return f"data:image/png;base64,{base64.b64encode(png).decode('ascii')}"


def _default_icons(cache: str | os.PathLike | None) -> str:
    # Leaflet's default marker (folium.Marker) points at images beside leaflet.css; offline,
    # it gets them as data URIs so a marker a user adds shows without any request.
    icons = {
        "iconUrl": _png_uri("marker-icon.png", cache),
        "iconRetinaUrl": _png_uri("marker-icon-2x.png", cache),
        "shadowUrl": _png_uri("marker-shadow.png", cache),
    }
    return f"\nL.Icon.Default.imagePath = '';\nL.Icon.Default.mergeOptions({json.dumps(icons)});\n"


def _guard_script(js: str) -> str:
    # An inline script ends at the first "</script"; pinned files are checked to contain
    # none, this keeps a future one from breaking the page.
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)


def fetch_assets(
    *, cache: str | os.PathLike | None = None, mirror: str | os.PathLike | None = None
) -> list[Path]:
    """Put every pinned package tarball in the cache, verified by sha256.

    Parameters
    ----------
    cache
        Cache directory (default ``<user cache>/assets``).
    mirror
        A directory holding the tarballs (``npm pack leaflet@1.9.3`` output); when given,
        nothing is downloaded.

    Returns
    -------
    list of Path
        The cached tarballs.
    """
    target = cache_dir(cache)
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for package in PACKAGES:
        path = target / package.filename
        if path.is_file() and _sha256(path.read_bytes()) == package.sha256:
            paths.append(path)
            continue
        if mirror is not None:
            source = Path(mirror) / package.filename
            if not source.is_file():
                raise GeoError(f"mirror {str(mirror)!r} has no {package.filename}")
            if _sha256(source.read_bytes()) != package.sha256:
                raise GeoError(
                    f"{str(source)!r} has sha256 {_sha256(source.read_bytes())}, "
                    f"expected {package.sha256}"
                )
            with atomic_path(path) as tmp:
                shutil.copyfile(source, tmp)
        else:
            import pooch

            pooch.retrieve(
                package.url,
                known_hash=f"sha256:{package.sha256}",
                fname=package.filename,
                path=target,
                progressbar=False,
            )
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo.maps.assets", description=__doc__)
    parser.add_argument("command", choices=("fetch", "status"))
    parser.add_argument("--mirror", help="directory with the package tarballs (npm pack)")
    parser.add_argument("--cache-dir", help="asset cache (default: <user cache>/assets)")
    args = parser.parse_args(argv)
    try:
        if args.command == "fetch":
            for path in fetch_assets(cache=args.cache_dir, mirror=args.mirror):
                print(f"cached {path}")
        else:
            for package in PACKAGES:
                path = cache_dir(args.cache_dir) / package.filename
                ok = path.is_file() and _sha256(path.read_bytes()) == package.sha256
                print(f"{package.name}@{package.version}: {'ok' if ok else 'missing'} ({path})")
    except GeoError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
