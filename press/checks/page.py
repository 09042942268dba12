"""Checks of the page the layout made, before it is printed: ids, and a glyph in the press's
fonts for every character it shows (its SVG images' text too)."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass
from html import unescape
from html.entities import html5
from urllib.parse import unquote

from ..config import MAX_FETCH_BYTES, Config
from ..convert import Converted
from ..filetypes import is_svg
from ..frontmatter import Brief
from ..problems import ERROR, WARNING, Problem
from .source import facts, problem

ID_RE = re.compile(r'\bid="([^"]+)"')
TAG_RE = re.compile(r"<[^>]*>")
SVG_TEXT_RE = re.compile(r"<(?:[\w.-]+:)?text\b[^>]*>(.*?)</(?:[\w.-]+:)?text>", re.S)
HEADING_RE = re.compile(r"<h2[^>]*>(.*?)</h2>", re.S)  # set in capitals (brief.css)
REFERENCE_RE = r"&#(?:[xX]0*([0-9a-fA-F]{1,6})|0*([0-9]{1,7}));"
REFERENCES = re.compile(rf"{REFERENCE_RE}|&[a-z][a-z0-9]*;?", re.IGNORECASE)
ENTITIES: dict[str, list[str]] = {}  # a character → the names of its references
for _name, _value in html5.items():
    ENTITIES.setdefault(_value, []).append(_name)
# Characters that shaping consumes or that mark a place, never drawn: soft hyphen, zero-width
# space, joiners, direction marks and controls, word joiner, byte-order mark, variation selectors.
INVISIBLE_RE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufe00-\ufe0f\ufeff]"
)


@dataclass(frozen=True)
class Laid:
    """What these checks read: the brief, its body, the page's HTML, the characters the fonts
    cover, the configuration."""

    brief: Brief
    body: Converted
    html: str
    covered: frozenset[int]
    config: Config


def ids(laid: Laid) -> list[Problem]:
    """Ids are unique on the page (a heading may clash with the layout's); #links find one."""
    brief, body, page = laid.brief, laid.body, laid.html
    found, on_page = [], ID_RE.findall(page)
    clashing = {i for i in on_page if on_page.count(i) > 1}
    for fact in facts(body, "heading"):
        if fact.slug in clashing:
            message = f"the id '{fact.slug}' is also the layout's; rename this heading"
            found.append(problem(brief, fact, ERROR, "heading.clash", message))
    for fact in facts(body, "id"):
        if fact.value in clashing:
            message = f"the id '{fact.value}' is used more than once on the page; rename it"
            found.append(problem(brief, fact, ERROR, "id.duplicate", message))
    for fact in facts(body, "link"):
        if fact.value.startswith("#") and len(fact.value) > 1 and fact.value[1:] not in on_page:
            message = f"link to {fact.value}, but no heading has that id"
            found.append(problem(brief, fact, ERROR, "link.anchor", message))
    return found


def glyphs(laid: Laid) -> list[Problem]:
    """Every character the page shows is in one of the press's fonts: no box, no machine's font."""
    brief, page, covered, config = laid.brief, laid.html, laid.covered, laid.config
    body = page[page.find("<body") :]
    text = unescape(TAG_RE.sub(" ", body))
    # What the style sets in capitals: `##` headings (raw HTML's too), the series and the country in
    # the running heads.
    capitals = " ".join(
        [str(brief.meta["country"]), str(brief.meta.get("series") or "")]
        + [unescape(TAG_RE.sub(" ", h)) for h in HEADING_RE.findall(body)]
    )
    missing = {c for c in set(text) | set(capitals.upper()) if missing_glyph(c, covered)}
    places: dict[int, set[str]] = {}
    sources = [(brief.lines.get(key, 1), str(value)) for key, value in brief.meta.items()]
    sources += [(n, text) for n, text in enumerate(brief.markdown.split("\n"), brief.body_line)]
    for char, line in first_lines(missing, sources).items():
        places.setdefault(line, set()).add(char)
    advice = "the PDF would show a box; write it another way"
    return [
        Problem(brief.path, line, level(config), "glyph.missing", f"{nothing_has(chars)}: {advice}")
        for line, chars in sorted(places.items())
    ]


def svg_glyphs(laid: Laid) -> list[Problem]:
    """The text of an SVG image is set in the press's fonts too: each character must be in one."""
    brief, body, covered, config = laid.brief, laid.body, laid.covered, laid.config
    found, folder = [], brief.path.resolve().parent
    for fact in facts(body, "image"):
        with contextlib.suppress(OSError, ValueError):
            path = (folder / unquote(fact.value)).resolve()
            # What the image checks refuse is not read: a FIFO would never end.
            if not (path.is_relative_to(folder) and path.is_file()):
                continue
            if path.stat().st_size > MAX_FETCH_BYTES or not is_svg(data := path.read_bytes()):
                continue
            chars = {c for c in svg_text(data) if missing_glyph(c, covered)}
            if chars:
                message = f"image {fact.value}: {nothing_has(chars)} in its text"
                found.append(problem(brief, fact, level(config), "glyph.missing", message))
    return found


def first_lines(chars: set[str], sources: list[tuple[int, str]]) -> dict[str, int]:
    """The first line where each character stands: itself, in either case, or as a reference
    (`&#x2603;`, `&#9731;`, `&starf;`). Each line is read once, a character at a time: the time
    grows with the brief, not with how many characters are looked for (a thousand once took two
    minutes, a pattern each for each line)."""
    forms: dict[str, set[str]] = {}  # a form, case folded → the characters it stands for
    for char in chars:
        for form in {char, char.lower(), *(f"&{n}" for n in ENTITIES.get(char, ()))}:
            forms.setdefault(form.casefold(), set()).add(char)
    found, left = {char: 1 for char in chars}, set(chars)
    for line, text in sources:
        if not left:
            break
        hits = {char for c in set(text) for char in forms.get(c.casefold(), ())}
        for match in REFERENCES.finditer(text) if "&" in text else ():
            if match[1] or match[2]:
                code = int(match[1], 16) if match[1] else int(match[2])
                hits |= {chr(code)} if code < 0x110000 else set()
            else:  # a named reference, with or without its semicolon
                name = match[0].casefold()
                hits |= forms.get(name, set()) | forms.get(name.rstrip(";"), set())
        for char in hits & left:
            found[char] = line
        left -= hits
    return found


def svg_text(data: bytes) -> str:
    """The text an SVG draws: of its <text> elements (any namespace), CDATA and entities read."""
    import xml.etree.ElementTree as etree

    try:  # expat expands internal entities (within limits) and reads no external one
        root = etree.fromstring(data)
    except (etree.ParseError, ValueError):
        texts = SVG_TEXT_RE.findall(data.decode("utf-8", "replace"))
        return " ".join(unescape(TAG_RE.sub(" ", t)) for t in texts)
    drawn = [
        e for e in root.iter() if isinstance(e.tag, str) and e.tag.rsplit("}", 1)[-1] == "text"
    ]
    return " ".join("".join(e.itertext()) for e in drawn)


def level(config: Config) -> str:
    """A missing glyph stops a build; `--check` names it as a warning."""
    return WARNING if config.check else ERROR


def missing_glyph(char: str, covered: frozenset[int]) -> bool:
    """Whether a character needs a glyph that no font of the press has: a control character
    other than HTML's white space (BEL, ESC, DEL, NEL) is drawn as a box too."""
    if ord(char) in covered or char in " \t\n\r\f" or INVISIBLE_RE.match(char):
        return False
    return unicodedata.category(char) not in ("Zs", "Zl", "Zp")


def nothing_has(chars: set[str]) -> str:
    """'no font of the press has ☃ (U+2603 SNOWMAN), …'."""
    names = [f"{c} (U+{ord(c):04X} {unicodedata.name(c, 'unnamed')})" for c in sorted(chars)]
    return "no font of the press has " + ", ".join(names)


CHECKS = (
    ids,
    glyphs,
    svg_glyphs,
)  # in the order they report


def run(context: Laid) -> list[Problem]:
    """Every check of this room on one context."""
    return [problem for check in CHECKS for problem in check(context)]
