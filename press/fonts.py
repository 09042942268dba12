"""The pinned fonts: the only fonts a brief is ever set in."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from .problems import SetupError

FONT_PACKAGES = ("font_source_sans_pro", "font_source_serif_pro")


def font_files() -> dict[str, Path]:
    """Font file name → path, from the pinned font packages only."""
    fonts = {}
    for package in FONT_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise SetupError(f"the font package {package} is not installed: run make")
        for path in (Path(spec.origin).parent / "files").glob("*.otf"):
            fonts[path.name] = path
    return fonts
