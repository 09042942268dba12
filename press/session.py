"""What one process keeps between builds, made by each process and closed when it is done."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment

from .render import environment


class Session:
    """The Jinja environments and the print engine of one process (the watch loop, a worker)."""

    def __init__(self) -> None:
        self.environments: dict[Path, Environment] = {}
        self.loaded = None  # the Engine, made on the first print: --check never loads WeasyPrint

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def templates(self, folder: Path) -> Environment:
        """The Jinja environment of a templates folder."""
        if folder not in self.environments:
            self.environments[folder] = environment(folder)
        return self.environments[folder]

    def engine(self):
        """The print engine: WeasyPrint with the stylesheets and fonts loaded."""
        if self.loaded is None:
            from .engine import Engine

            self.loaded = Engine()
        return self.loaded

    def close(self) -> None:
        """Release what the session holds (WeasyPrint's temporary font files among it)."""
        if self.loaded is not None:
            self.loaded.close()
            self.loaded = None
        self.environments.clear()
