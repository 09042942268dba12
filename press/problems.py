"""What the press finds wrong: problems with a place, a level and a code."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ERROR, WARNING = "error", "warning"
# Control characters and bidi controls: raw in a terminal they can move the cursor, erase
# earlier lines or reorder text, so a brief could print fake messages.
# A file name's bytes that are not UTF-8 come as lone surrogates, which no terminal can print.
UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def printable(text: str) -> str:
    """Text with its control characters written as escapes, safe to print in a terminal."""
    return UNPRINTABLE.sub(escape, text)


def escape(match: re.Match) -> str:
    """`\\x1b` for a control character, `\\u202e` for a bidi control, `\\xff` for a raw byte."""
    code = ord(match[0])
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}" if code > 0xFF else f"\\x{code:02x}"


@dataclass(frozen=True)
class Problem:
    """Something found in a brief, a template or a stylesheet: an error stops the brief.

    The code (`link.placeholder`, `image.missing`) names the kind of problem for summaries and
    for `--strict`; the message says what to do.
    """

    path: Path | str
    line: int
    level: str
    code: str
    message: str
    column: int | None = None
    strict: bool = True  # whether `--strict` makes it an error: not a print copy's advice

    def __str__(self) -> str:
        where = f"{self.line}:{self.column}" if self.column else f"{self.line}"
        text = f"{display(self.path)}:{where}: {self.level}: {self.message} [{self.code}]"
        return printable(text)

    def as_error(self) -> Problem:
        """The same problem, stopping the brief."""
        return Problem(self.path, self.line, ERROR, self.code, self.message, self.column)

    def in_strict_mode(self) -> Problem:
        """The problem as `--strict` reports it: an error, unless it is advice."""
        return self.as_error() if self.strict else self


class BriefError(Exception):
    """A problem that stops the brief where it is found."""

    def __init__(self, path: Path | str, line: int, code: str, message: str):
        super().__init__(message)
        self.problem = Problem(path, line, ERROR, code, message)

    def __str__(self) -> str:
        return str(self.problem)


class SetupError(Exception):
    """The machine lacks something the press needs: not a problem of any brief."""


def display(path: Path | str) -> str:
    """A path relative to the working directory when it is inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def has_errors(problems: list[Problem]) -> bool:
    """Whether any of the problems stops the brief."""
    return any(p.level == ERROR for p in problems)


@dataclass
class Result:
    """What building (or checking) one brief came to, as the command line reports it."""

    path: Path
    problems: list[Problem]
    pages: int = 0
    size: int = 0
    seconds: float = 0.0
    inputs: frozenset[Path] = frozenset()  # the files it was made from: the brief, its images
    setup: list[str] = field(default_factory=list)  # what is wrong with the machine

    @property
    def ok(self) -> bool:
        return not has_errors(self.problems)


def human(n: int) -> str:
    """Bytes in KB or MiB, as people read them."""
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 1024:.0f} KB"
