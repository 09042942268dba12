"""The pinned fonts: the only fonts a brief is ever set in, and the characters they have.

Source Serif 4 and Source Sans 3 are Adobe's own static fonts, Noto Naskh Arabic the Noto project's
(version 1.00, which draws each letter as one glyph: see docs/tags.md), all from npm (pinned in
fonts/package-lock.json, installed by `make` into fonts/node_modules). WeasyPrint sees no other
font: `isolate()` points Fontconfig at a configuration without the machine's fonts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from pathlib import Path

from .config import ROOT
from .outputs import commit
from .problems import SetupError

NPM_FONTS = ROOT / "fonts" / "node_modules"
NPM_PACKAGES = {  # a package → its font files
    "source-serif": "OTF/*.otf",
    "source-sans": "OTF/*.otf",
    "@embedpdf/fonts-arabic": "fonts/*.ttf",
}
FONT_URL_RE = re.compile(r"url\(font:([^)\s]+)\)")
# Fontconfig's configuration with no folder of fonts: only the stylesheets' @font-face fonts.
NO_MACHINE_FONTS = Path(__file__).with_name("fonts.conf")


def font_files() -> dict[str, Path]:
    """Font file name → path, from the pinned font packages only."""
    fonts = {}
    for package, files in NPM_PACKAGES.items():
        found = {path.name: path for path in (NPM_FONTS / package).glob(files)}
        if not found:
            raise SetupError(f"the fonts are not installed ({NPM_FONTS / package}): run make")
        fonts |= found
    return fonts


def isolate() -> None:
    """Let WeasyPrint's Fontconfig see none of the machine's fonts (read when it starts one)."""
    os.environ["FONTCONFIG_FILE"] = str(NO_MACHINE_FONTS)


def used_by(stylesheets: tuple[Path, ...], fonts: dict[str, Path]) -> list[Path]:
    """The font files the stylesheets' @font-face rules name."""
    names = {n for path in stylesheets for n in FONT_URL_RE.findall(path.read_text("utf-8"))}
    return sorted(fonts[name] for name in names if name in fonts)


def coverage(paths: list[Path], cache: Path) -> frozenset[int]:
    """The characters the fonts have: read from their cmaps once per machine, then cached."""
    identity = "\n".join(f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in paths)
    cached = cache / f"coverage-{hashlib.sha256(identity.encode()).hexdigest()[:16]}.json"
    try:
        ranges = json.loads(cached.read_text(encoding="utf-8"))
        return frozenset(c for start, end in ranges for c in range(start, end + 1))
    except (OSError, ValueError, TypeError):
        pass
    from fontTools.ttLib import TTFont

    codes: set[int] = set()
    for path in paths:
        with TTFont(path, lazy=True) as font:
            codes |= set(font.getBestCmap())
    with contextlib.suppress(OSError):  # no cache, no harm: the next build reads the fonts again
        commit({cached: json.dumps(ranges_of(codes)).encode()}, cache)
    return frozenset(codes)


def ranges_of(codes: set[int]) -> list[tuple[int, int]]:
    """Code points as (first, last) runs."""
    runs: list[list[int]] = []
    for code in sorted(codes):
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return [(a, b) for a, b in runs]


def cache_home() -> Path:
    """The press's cache folder: $XDG_CACHE_HOME/watchlist-press, by default ~/.cache/…."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "watchlist-press"
