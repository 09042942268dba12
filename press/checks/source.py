"""Checks of what the Markdown says, read off its facts (press/extension.py's Fact): links,
images, headings, notes, recommendations, the language; each at its line, before any layout."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from .. import locator, paste
from ..config import MAX_FETCH_BYTES
from ..convert import Converted
from ..extension import Fact, leads_somewhere
from ..filetypes import gps_position
from ..frontmatter import HIDDEN_RE, Brief
from ..i18n import Language, catalogs
from ..problems import ERROR, WARNING, Problem
from ..sanitize import SCHEME_RE

NOWHERE = "give its full address, or (#)"  # what to do with a link that leads nowhere


@dataclass(frozen=True)
class Source:
    """What these checks read: the brief, its converted body (with its facts), its language, and
    whether it is `--check` that asks (some things only it names)."""

    brief: Brief
    body: Converted
    language: Language
    checking: bool = False


def language(source: Source) -> list[Problem]:
    """A brief's language has a catalog, or its layout is written in English."""
    brief, lang = source.brief, source.language
    if lang.catalog != "en" or lang.tag.split("-")[0] == "en":
        return []
    new = f"locales/{lang.tag.split('-')[0]}/LC_MESSAGES/messages.po"
    message = (
        f"the layout has no catalog for '{lang.tag}', so its words are in English; "
        f"catalogs: {', '.join(catalogs())} (add {new})"
    )
    return [Problem(brief.path, brief.lines.get("lang", 1), WARNING, "lang.catalog", message)]


def links(source: Source) -> list[Problem]:
    """Links that lead nowhere yet (placeholders `(#)`, relative paths), or hide characters."""
    brief, body = source.brief, source.body
    found = []
    for fact in facts(body, "link"):
        # As in front matter: a right-to-left override made "…/gpj.exe" print as "exe.jpg".
        if HIDDEN_RE.search(fact.value):
            hidden = ", ".join(
                f"U+{ord(c):04X}" for c in sorted(set(HIDDEN_RE.findall(fact.value)))
            )
            message = f"link address holds invisible or reordering characters ({hidden})"
            found.append(problem(brief, fact, ERROR, "link.hidden", message))
        elif fact.value in ("#", ""):
            message = "placeholder link (#) has no address yet"
            found.append(problem(brief, fact, WARNING, "link.placeholder", message))
        elif not leads_somewhere(fact.value):
            message = f"link to '{fact.value}' leads nowhere in a PDF: {NOWHERE}"
            found.append(problem(brief, fact, WARNING, "link.nowhere", message))
    return found


def images(source: Source) -> list[Problem]:
    """Every image exists in the brief's folder and says what it shows."""
    brief, body = source.brief, source.body
    found, folder = [], brief.path.resolve().parent
    for fact in facts(body, "image"):
        src = fact.value

        def fail(code: str, message: str, fact: Fact = fact) -> None:
            found.append(problem(brief, fact, ERROR, code, message))

        if not (fact.alt or "").strip():
            fail("image.alt", f"image {src} has no alt text: say what it shows in ![...]")
        if SCHEME_RE.match(src):
            fail("image.address", f"image {src} is an address: put the file beside the brief")
            continue
        try:
            path = (folder / unquote(src)).resolve()
            path.exists()
        except (OSError, ValueError) as error:  # a NUL byte, a name too long for the disk
            fail("image.missing", f"image {src} cannot be a file's name ({error})")
            continue
        if not path.is_relative_to(folder):
            fail("image.outside", f"image {src} is outside the brief's folder")
        elif not path.exists():
            fail("image.missing", f"image {src} does not exist")
        elif not path.is_file():
            fail("image.missing", f"image {src} is not a regular file")
        elif path.stat().st_size > MAX_FETCH_BYTES:
            fail("image.size", f"image {src} is larger than {MAX_FETCH_BYTES // 2**20} MiB")
        elif gps_position(path.read_bytes()):
            message = (
                f"image {src} records where it was taken (GPS); the press leaves it out of "
                "what it publishes, but the file beside the brief still holds it"
            )
            found.append(problem(brief, fact, WARNING, "image.position", message))
    return found


def headings(source: Source) -> list[Problem]:
    """Headings start at `##`, skip no level, and no `##` repeats another."""
    brief, body = source.brief, source.body
    found, level, seen = [], 1, {}  # the cover's title is the h1
    for fact in facts(body, "heading"):
        if fact.level == 1:
            message = "'#' is the cover's title; start sections with '##'"
            found.append(problem(brief, fact, WARNING, "heading.h1", message))
        elif fact.level > level + 1:
            message = f"heading level skipped: h{level} to h{fact.level}"
            found.append(problem(brief, fact, WARNING, "heading.skip", message))
        if fact.level == 2 and fact.value in seen:
            message = f"repeats the heading of line {seen[fact.value]}"
            found.append(problem(brief, fact, WARNING, "heading.repeat", message))
        if fact.level == 2:
            seen.setdefault(fact.value, fact.line)
        level = fact.level
    return found


def notes(source: Source) -> list[Problem]:
    """Every footnote call has its note (an undefined one would print as `[^x]`), and every note
    a call (Python-Markdown drops a note nobody calls)."""
    brief, body = source.brief, source.body
    found = []
    for fact in facts(body, "call"):
        message = f"footnote [^{fact.value}] has no note: add '[^{fact.value}]: …'"
        found.append(problem(brief, fact, ERROR, "note.undefined", message))
    for fact in facts(body, "uncalled"):
        message = f"note [^{fact.value}] is never called, so it is not printed: call or remove it"
        found.append(problem(brief, fact, WARNING, "note.unused", message))
    return found


def recommendations(source: Source) -> list[Problem]:
    """The recommendations section holds `###` audiences, each with a non-empty list."""
    brief, body = source.brief, source.body
    found, section, audience, audiences, items = [], None, None, 0, 0
    for fact in [*body.facts, Fact("heading", 0, level=2)]:  # the end closes the last section
        heading = fact.level if fact.kind == "heading" else 0
        if section is not None and 1 <= heading <= 3:
            if audience is not None and not items:
                message = "this audience has no recommendations: add a '- ' list"
                found.append(problem(brief, audience, ERROR, "recommendations.empty", message))
            audience = None
            if heading <= 2 and not audiences:
                message = "recommendations need an audience: '### To …:' and a list"
                found.append(problem(brief, section, ERROR, "recommendations.audience", message))
            section = section if heading == 3 else None
        if heading == 2 and is_recommendations(fact):
            section, audiences = fact, 0
        elif heading == 3 and section is not None:
            audience, audiences, items = fact, audiences + 1, 0
        elif fact.kind == "list" and audience is not None:
            items += fact.items
    return found


def pasted(source: Source) -> list[Problem]:
    """What a paste from Word left that Markdown does not read as meant (press/paste.py), each
    with what to write; `--fix` writes the unambiguous ones into a copy."""
    brief = source.brief
    return [
        Problem(brief.path, brief.body_line + p.line - 1, WARNING, p.code, p.message)
        for p in paste.read(brief.markdown, source.language)
    ]


def is_recommendations(heading: Fact) -> bool:
    """Whether a `##` heading opens the recommendations (convert named its section so)."""
    return heading.slug == "recommendations"


def facts(body: Converted, kind: str) -> list[Fact]:
    """The facts of one kind, in document order."""
    return [fact for fact in body.facts if fact.kind == kind]


def problem(brief: Brief, fact: Fact, level: str, code: str, message: str) -> Problem:
    """A problem at a fact's place in the brief."""
    return Problem(brief.path, fact.line, level, code, message, fact.column)


def image_lines(body: Converted) -> dict[str, int]:
    """The line of each image's first use, by the path it is written with."""
    lines: dict[str, int] = {}
    for fact in facts(body, "image"):
        lines.setdefault(unquote(fact.value), fact.line)
    return lines


def image_paths(brief: Brief, body: Converted) -> list[Path]:
    """The files of the brief's images, for the watch loop to follow."""
    folder, paths = brief.path.resolve().parent, []
    for src in image_lines(body):
        if not SCHEME_RE.match(src):
            with contextlib.suppress(OSError, ValueError):
                paths.append((folder / src).resolve())
    return paths


def country_map(source: Source) -> list[Problem]:
    """The cover's map finds its country, unless the brief asks for none: named by `--check`,
    while a build goes on without a map, quietly."""
    meta = source.brief.meta
    if not source.checking or not meta["map"]:
        return []
    code = locator.find(meta["country"], meta["iso"])
    if code and locator.rings_of(code):
        return []
    message = (f"the cover has no map: '{meta['country']}' is no country name the press knows; "
               "give its ISO code (iso: KZ), or map: false") if not code else (
               f"the cover has no map: Natural Earth's boundaries do not draw {code} on its own; "
               "map: false says so")  # fmt: skip
    line = source.brief.lines.get("country", 1)
    return [Problem(source.brief.path, line, WARNING, "cover.map", message)]


CHECKS = (
    language,
    country_map,
    links,
    images,
    headings,
    notes,
    recommendations,
    pasted,
)  # in the order they report


def run(context: Source) -> list[Problem]:
    """Every check of this room on one context."""
    return [problem for check in CHECKS for problem in check(context)]
