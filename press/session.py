"""What one process keeps between builds, made by each process and closed when it is done."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment

from . import fonts, i18n
from .config import Config
from .i18n import Language
from .render import environment


class Session:
    """The Jinja environments and the print engine of one process (the watch loop, a worker)."""

    def __init__(self) -> None:
        self.environments: dict[tuple[Path, str], Environment] = {}
        self.languages: dict[str, Language] = {}
        self.loaded = None  # the Engine, made on the first print: --check never loads WeasyPrint
        self.files: dict[str, Path] | None = None
        self.covered: dict[tuple, frozenset[int]] = {}

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def templates(self, folder: Path, language: Language) -> Environment:
        """The Jinja environment of a templates folder, in a language."""
        key = (folder, language.catalog)
        if key not in self.environments:
            self.environments[key] = environment(folder, language)
        return self.environments[key]

    def language(self, tag: str) -> Language:
        """A brief's language, its catalog read once."""
        if tag not in self.languages:
            self.languages[tag] = i18n.language(tag)
        return self.languages[tag]

    def coverage(self, config: Config) -> frozenset[int]:
        """The characters the fonts of the copy's stylesheets have."""
        key = tuple((path, path.stat().st_mtime_ns) for path in config.styles)
        if key not in self.covered:
            self.covered = {
                key: fonts.coverage(fonts.used_by(config.styles, self.fonts()), fonts.cache_home())
            }
        return self.covered[key]

    def fonts(self) -> dict[str, Path]:
        """The pinned fonts' files, by name."""
        if self.files is None:
            self.files = fonts.font_files()
        return self.files

    def engine(self):
        """The print engine: WeasyPrint with the stylesheets and fonts loaded."""
        if self.loaded is None:
            from .engine import Engine

            self.loaded = Engine(self.fonts())
        return self.loaded

    def close(self) -> None:
        """Release what the session holds (WeasyPrint's temporary font files among it)."""
        if self.loaded is not None:
            self.loaded.close()
            self.loaded = None
        self.environments.clear()
        self.languages.clear()
