"""Stage 4, print: WeasyPrint lays out the page and writes the PDF; what it logs is a problem."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote, unquote

from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.logger import LOGGER
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError

from . import i18n, pdffix, system, written
from .config import Config
from .extension import SPLIT_BLOCKS
from .fetcher import BRIEF_URL, RootedFetcher, brief_images
from .fonts import isolate
from .frontmatter import Brief
from .problems import ERROR, WARNING, BriefError, Problem

# WeasyPrint's own failures on unusual input: a clean message, not a traceback.
ENGINE_FAILURES = (ValueError, TypeError, AttributeError, IndexError, KeyError, AssertionError)


@dataclass(frozen=True)
class Printed:
    """A brief's PDF as bytes, not yet written, and what WeasyPrint said on the way."""

    pdf: bytes
    pages: int
    problems: list[Problem]
    setup: list[str]  # what is wrong with the machine rather than the brief


class Collector(logging.Handler):
    """Keep WeasyPrint's log records while it works: it logs problems instead of raising them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> Collector:
        LOGGER.addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        LOGGER.removeHandler(self)


class NativeErrors:
    """What C libraries print to the process's stderr while inside (Pango's CRITICAL lines),
    kept instead of reaching the terminal: WeasyPrint's own messages go through logging."""

    def __enter__(self) -> NativeErrors:
        self.lines: list[str] = []
        self.saved = os.dup(2)
        self.file = tempfile.TemporaryFile()
        os.dup2(self.file.fileno(), 2)
        return self

    def __exit__(self, *exc) -> None:
        os.dup2(self.saved, 2)
        os.close(self.saved)
        self.file.seek(0)
        text = self.file.read(65536).decode("utf-8", "replace")
        self.file.close()
        self.lines = [line for line in text.splitlines() if line.strip()]


KEPT_STYLES = 4  # sets of stylesheets kept parsed: each copy's, and a custom folder's


class Engine:
    """WeasyPrint for one process: its stylesheets and fonts parsed once, again when they change."""

    def __init__(self, fonts: dict[str, Path]) -> None:
        system.import_weasyprint()
        isolate()
        self.fonts = fonts
        self.epoch = os.environ.get("SOURCE_DATE_EPOCH")  # the user's own, if set
        self.styles: dict[tuple, tuple[list[CSS], FontConfiguration, list[Problem]]] = {}

    def close(self) -> None:
        """Drop the parsed fonts; WeasyPrint removes their temporary folder once none is held."""
        self.styles.clear()
        gc.collect()

    def stylesheets(self, config: Config) -> Sheets:
        """The copy's stylesheets, their fonts and colour profiles, and the problems found
        reading them; the last sheet is FOLLOW, for a cover that runs over (used only then)."""
        files = tuple((path, path.stat().st_mtime_ns) for path in config.styles)
        key = (files, config.profile)
        if key not in self.styles:
            fetcher = RootedFetcher([config.styles_dir], self.fonts, config.profile)
            fonts, profiles, styles, problems = FontConfiguration(), {}, [], []
            for path in (*config.styles, config.styles_dir / FOLLOW):  # one at a time:
                # WeasyPrint's messages lack the file
                with Collector() as collector:
                    try:
                        sheet = CSS(filename=path, url_fetcher=fetcher, font_config=fonts,
                                    color_profiles=profiles)  # fmt: skip
                    except FatalURLFetchingError as error:  # an @import the fetcher refused
                        message = str(error.__cause__ or error)
                        raise BriefError(path, 1, "fetch.refused", message) from None
                    styles.append(sheet)
                problems += [css_problem(path, record) for record in collector.records]
            # Each copy's stylesheets kept (a series in several copies), a changed file's dropped.
            paths = [path for path, _ in files]
            for stale in [k for k in self.styles if [p for p, _ in k[0]] == paths]:
                del self.styles[stale]
            while len(self.styles) >= KEPT_STYLES:
                del self.styles[next(iter(self.styles))]
            self.styles[key] = Sheets(styles, fonts, profiles, problems)
        return self.styles[key]

    def print(self, brief: Brief, page: str, config: Config, lines: dict[str, int]) -> Printed:
        """Lay out the page and write the PDF in memory; fail on any error WeasyPrint logs.

        Lines gives the brief's line of each image, where a message about it is reported.
        """
        styles, fonts, profiles, problems = self.stylesheets(config)
        place = Places(brief, lines, config.styles)
        fetcher = RootedFetcher([brief.path.parent, config.styles_dir], self.fonts)
        options = config.pdf_options()
        with Collector() as collector, NativeErrors() as native:
            try:
                html = HTML(
                    string=brief_images(page, brief.path.resolve().parent, config.out_dir),
                    base_url=config.target(brief.path, "html").resolve().as_uri(),
                    url_fetcher=fetcher,
                )
                laid = {"font_config": fonts, "color_profiles": profiles, **options}
                document = render_keeping_notes(html, styles[:-1], **laid)
                if cover_runs_over(document):
                    document = render_keeping_notes(html, styles, **laid)
                place.fail_on_errors(collector.records)
                said = written.read(page, i18n.language(brief.meta["lang"]), config.copy.addresses)
                placed: list[tuple[str, int, float]] = []
                finisher = pdffix.finisher(brief, config, said, placed)
                # fontTools, which subsets fonts when HarfBuzz cannot, stamps this time into them.
                os.environ["SOURCE_DATE_EPOCH"] = self.epoch or str(epoch(brief.meta["date"]))
                pdf = document.write_pdf(finisher=finisher, **options)
                place.fail_on_errors(collector.records)
            except FatalURLFetchingError as error:
                raise place.error(str(error.__cause__ or error), "fetch.refused") from None
            except RecursionError:
                message = "content is nested too deeply to lay out"
                raise BriefError(brief.path, 1, "limit.depth", message) from None
            except ENGINE_FAILURES as error:
                message = f"WeasyPrint cannot lay out this brief ({type(error).__name__}: {error})"
                raise BriefError(brief.path, 1, "engine.failure", message) from None
        if native.lines:  # Pango's, say, on an SVG's absurd font size: a warning, once
            said = re.sub(r"^[\d:.]+: ", "", native.lines[0].split("**: ", 1)[-1])  # its clock
            message = f"the text engine complained while laying out ({said})"
            problems = [*problems, Problem(brief.path, 1, WARNING, "engine.warning", message)]
        problems = [*problems, *place.resolutions(placed)]
        setup, logged = [], []
        for record in collector.records:
            if record.getMessage().startswith(system.HARFBUZZ_MISSING):
                setup = [system.HARFBUZZ_ADVICE]
            elif record.getMessage().startswith(".notdef glyph"):  # a box the checks missed
                logged.append(place.problem(record.getMessage(), ERROR, "glyph.missing"))
            else:
                logged.append(place.problem(record.getMessage(), WARNING, "engine.warning"))
        return Printed(pdf, len(document.pages), problems + logged, setup)


RELAYOUTS = 3  # at most, for notes WeasyPrint lost: each a rare page break


def render_keeping_notes(html: HTML, styles: list[CSS], **options) -> Document:
    """Lay out the page; where WeasyPrint lost a page-foot note, again with its block kept whole.

    WeasyPrint 70 drops a note when the line that calls it fits on its page only once the page's
    earlier notes are moved to the next (layout/block.py: after "report footnotes", the line is
    kept without laying out its own notes); the call then links to no anchor. A paragraph kept
    whole (`break-inside: avoid`) is laid out another way, and its note is placed.
    """
    kept: list[CSS] = []
    for _ in range(RELAYOUTS + 1):
        document = html.render(stylesheets=[*styles, *kept], **options)
        anchors = {name for page in document.pages for name in page.anchors}
        lost = [
            box.element
            for page in document.pages
            for kind, target, _, box in page.links
            if kind == "internal" and NOTE_ID_RE.fullmatch(target) and target not in anchors
        ]
        blocks = holders(html.etree_element, lost)
        if not blocks:
            return document
        rules = "".join(f"[id='{block}'] {{ break-inside: avoid }}" for block in blocks)
        kept.append(CSS(string=rules))
    return document


PRINT_PPI = 300  # what a print shop asks of a photograph at the size it prints
LEAST_PPI = 150  # under it, pixels show as steps: an error with --strict


class Sheets(NamedTuple):
    """A copy's stylesheets, read once for the builds of a session."""

    styles: list[CSS]
    fonts: FontConfiguration
    profiles: dict  # the @color-profile rules' profiles, by name
    problems: list[Problem]


FOLLOW = "figures-follow.css"  # the key figures after the cover


def cover_runs_over(document: Document) -> bool:
    """Whether the cover ran onto a second page: the text, or its contents, opens on the third.
    A long title, four figures with long labels or a long About text in some languages do not
    fit on the cover, and the figures that did not would stand alone on a page."""
    for at, page in enumerate(document.pages):
        if page.anchors.keys() & {"the-text", "contents"}:
            return at > 1
    return False


NOTE_ID_RE = re.compile(r"(?:fn|src):\d+")  # a page-foot note's id (press/extension.py)
BLOCK_ID_RE = re.compile(rf"(?:{'|'.join(SPLIT_BLOCKS)}):\d+")  # the ids BlockIds gives


def holders(root, elements: list) -> set[str]:
    """The ids of the nearest named blocks that hold these elements."""
    parents = {child: parent for parent in root.iter() for child in parent}
    found = set()
    for element in elements:
        while element in parents and not BLOCK_ID_RE.fullmatch(element.get("id") or ""):
            element = parents[element]
        if BLOCK_ID_RE.fullmatch(element.get("id") or ""):
            found.add(element.get("id"))
    return found


def epoch(date: dt.date) -> int:
    """Seconds since 1970 at the start of a day, in UTC."""
    return int(dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC).timestamp())


def css_problem(path: Path, record: logging.LogRecord) -> Problem:
    """A stylesheet warning at its `line:col`, which WeasyPrint gives without the file."""
    message = record.getMessage()
    where = re.search(r"\bat (\d+):(\d+)", message)
    line, column = (int(where[1]), int(where[2])) if where else (1, None)
    level = ERROR if record.levelno >= logging.ERROR else WARNING
    return Problem(path, line, level, "style", message, column)


# The ids the press gives notes and blocks (press/extension.py), as an author knows them.
INTERNAL_IDS = [
    (
        re.compile(r"No anchor #(fn|src):(\d+) for internal URI reference"),
        r"\1:\2 was lost at a page break",
    ),
    (re.compile(r"#?fn:(\d+)"), r"note \1"),
    (re.compile(r"#?src:(\d+)"), r"source note \1"),
    (re.compile(r"#?(?:call|note):(\d+)(?:-\d+)?"), r"the call of note \1"),
    (re.compile(rf"#?(?:{'|'.join(SPLIT_BLOCKS)}):\d+"), "a block of the text"),
]


class Places:
    """Where something WeasyPrint said is about: the brief's line of the image it names, the line
    of a stylesheet that names the file, else the brief's first line."""

    def __init__(self, brief: Brief, lines: dict[str, int], styles: tuple[Path, ...]):
        self.brief, self.lines, self.styles = brief, lines, styles

    def problem(self, message: str, level: str, code: str) -> Problem:
        """The message as a problem at its place."""
        message = message.replace(self.brief.path.resolve().parent.as_uri() + "/", "")
        message = message.replace(BRIEF_URL, "")
        for pattern, words in INTERNAL_IDS:  # an author never meets the press's own ids
            message = pattern.sub(words, message)
        for src in sorted(self.lines, key=len, reverse=True):  # an image the brief names
            if re.search(rf"(^|[\s'/]){re.escape(src)}($|[\s':])", message):
                return Problem(self.brief.path, self.lines[src], level, code, message)
        for name in re.findall(r"[\w%.-]+\.\w+", message):
            name = unquote(name)
            for src, line in self.lines.items():
                if src == name or src.endswith("/" + name):
                    return Problem(self.brief.path, line, level, code, message)
            for style in self.styles:
                text = style.read_text(encoding="utf-8").split("\n")
                hits = [n for n, line in enumerate(text, 1) if name in line]
                if hits:
                    return Problem(style, hits[0], level, code, message)
        return Problem(self.brief.path, 1, level, code, message)

    def resolutions(self, placed: list[tuple[str, int, float]]) -> list[Problem]:
        """A warning at its line for each image that prints under PRINT_PPI pixels per inch,
        soft on paper, which `--strict` makes an error only under LEAST_PPI, stepped; the image
        known by its XObject's name, which WeasyPrint makes from the md5 of its address
        (weasyprint/images.py), so each use is its own."""
        found, soft = [], [(name, width, ppi) for name, width, ppi in placed if ppi < PRINT_PPI]
        named = self.image_names() if soft else {}  # worked out only where one is soft
        for name, width, ppi in soft:
            level = f"under {LEAST_PPI}" if ppi < LEAST_PPI else f"under {PRINT_PPI}"
            wider = round(width * PRINT_PPI / ppi)
            message = (
                f"an image prints at {ppi:.0f} pixels per inch ({level}): on paper it looks "
                f"soft; give one {wider} pixels wide or set it smaller"
            )
            line = named.get(name[1:33], 1)
            found.append(
                Problem(self.brief.path, line, WARNING, "image.resolution", message,
                        strict=ppi < LEAST_PPI)
            )  # fmt: skip
        return found

    def image_names(self) -> dict[str, int]:
        """The md5 of each image's address as the page gives it to WeasyPrint, and its line."""
        folder, found = self.brief.path.resolve().parent, {}
        for src, line in sorted(self.lines.items(), key=lambda item: item[1]):
            path = (folder / unquote(src)).resolve()
            if path.is_relative_to(folder):
                address = BRIEF_URL + quote(path.relative_to(folder).as_posix())
                found.setdefault(
                    hashlib.md5(address.encode(), usedforsecurity=False).hexdigest(), line
                )
        return found

    def error(self, message: str, code: str = "engine.error") -> BriefError:
        """The message as an error that stops the brief."""
        found = self.problem(message, ERROR, code)
        return BriefError(found.path, found.line, code, found.message)

    def fail_on_errors(self, records: list[logging.LogRecord]) -> None:
        """Turn the first ERROR WeasyPrint logged into a build failure."""
        for record in records:
            if record.levelno >= logging.ERROR:
                raise self.error(record.getMessage().rstrip(": "))
