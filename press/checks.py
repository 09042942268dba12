"""What an author should fix, read off the Markdown tree's facts: each check a short function."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from html import unescape
from html.entities import html5
from pathlib import Path
from urllib.parse import unquote

from .config import MAX_FETCH_BYTES, Config
from .convert import Converted
from .extension import Fact, leads_somewhere
from .filetypes import gps_position, is_svg
from .frontmatter import HIDDEN_RE, Brief
from .i18n import Language, catalogs
from .problems import ERROR, WARNING, Problem
from .sanitize import SCHEME_RE

ID_RE = re.compile(r'\bid="([^"]+)"')
TAG_RE = re.compile(r"<[^>]*>")
SVG_TEXT_RE = re.compile(r"<(?:[\w.-]+:)?text\b[^>]*>(.*?)</(?:[\w.-]+:)?text>", re.S)
NOWHERE = "give its full address, or (#)"  # what to do with a link that leads nowhere


def facts(body: Converted, kind: str) -> list[Fact]:
    """The facts of one kind, in document order."""
    return [fact for fact in body.facts if fact.kind == kind]


def problem(brief: Brief, fact: Fact, level: str, code: str, message: str) -> Problem:
    """A problem at a fact's place in the brief."""
    return Problem(brief.path, fact.line, level, code, message, fact.column)


def links(brief: Brief, body: Converted) -> list[Problem]:
    """Links that lead nowhere yet (placeholders `(#)`, relative paths), or hide characters."""
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


def images(brief: Brief, body: Converted) -> list[Problem]:
    """Every image exists in the brief's folder and says what it shows."""
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


def headings(brief: Brief, body: Converted) -> list[Problem]:
    """Headings start at `##`, skip no level, and no `##` repeats another."""
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


def notes(brief: Brief, body: Converted) -> list[Problem]:
    """Every footnote call has its note (an undefined one would print as `[^x]`), and every note
    a call (Python-Markdown drops a note nobody calls)."""
    found = []
    for fact in facts(body, "call"):
        message = f"footnote [^{fact.value}] has no note: add '[^{fact.value}]: …'"
        found.append(problem(brief, fact, ERROR, "note.undefined", message))
    for fact in facts(body, "uncalled"):
        message = f"note [^{fact.value}] is never called, so it is not printed: call or remove it"
        found.append(problem(brief, fact, WARNING, "note.unused", message))
    return found


def recommendations(brief: Brief, body: Converted) -> list[Problem]:
    """The recommendations section holds `###` audiences, each with a non-empty list."""
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
            items += fact.level
    return found


def is_recommendations(heading: Fact) -> bool:
    """Whether a `##` heading opens the recommendations (convert named its section so)."""
    return heading.slug == "recommendations"


def ids(brief: Brief, body: Converted, page: str) -> list[Problem]:
    """Ids are unique on the page (a heading may clash with the layout's); #links find one."""
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


def size(brief: Brief, pdf: bytes, config: Config) -> list[Problem]:
    """The distributable copy keeps to its size budget: it goes out as an e-mail attachment."""
    if not config.copy.budget or not config.max_bytes or len(pdf) <= config.max_bytes:
        return []
    message = (
        f"the PDF would be {human(len(pdf))}, over the {human(config.max_bytes)} budget; "
        "make images smaller or raise it with --max-size"
    )
    return [Problem(brief.path, 1, ERROR, "limit.size", message)]


def human(n: int) -> str:
    """Bytes in KB or MiB, as people read them."""
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 1024:.0f} KB"


def glyphs(
    brief: Brief, converted: Converted, page: str, covered: frozenset[int], config: Config
) -> list[Problem]:
    """Every character the page shows is in one of the press's fonts: no box, no machine's font."""
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


HEADING_RE = re.compile(r"<h2[^>]*>(.*?)</h2>", re.S)  # set in capitals (brief.css)
REFERENCE_RE = r"&#(?:[xX]0*([0-9a-fA-F]{1,6})|0*([0-9]{1,7}));"
ENTITIES: dict[str, list[str]] = {}  # a character → the names of its references
for _name, _value in html5.items():
    ENTITIES.setdefault(_value, []).append(_name)


def first_lines(chars: set[str], sources: list[tuple[int, str]]) -> dict[str, int]:
    """The first line where each character stands: itself, in either case, or as a reference.
    One pattern for all of them, each line read once (a thousand characters once took two
    minutes, a pattern each for each line)."""
    forms: dict[str, set[str]] = {}  # a form, case folded → the characters it stands for
    for char in chars:
        for form in {char, char.lower(), *(f"&{n}" for n in ENTITIES.get(char, ()))}:
            forms.setdefault(form.casefold(), set()).add(char)
    found = {char: 1 for char in chars}
    if not chars:
        return found
    literal = "|".join(map(re.escape, sorted(forms, key=len, reverse=True)))
    pattern = re.compile(f"{REFERENCE_RE}|{literal}", re.IGNORECASE)
    left = set(chars)
    for line, text in sources:
        for match in pattern.finditer(text):
            if match[1] or match[2]:
                code = int(match[1], 16) if match[1] else int(match[2])
                hits = {chr(code)} if code < 0x110000 else set()
            else:
                hits = forms.get(match[0].casefold(), set())
            for char in hits & left:
                found[char] = line
            left -= hits
        if not left:
            break
    return found


def svg_glyphs(brief: Brief, body: Converted, covered: frozenset[int], config: Config) -> list:
    """The text of an SVG image is set in the press's fonts too: each character must be in one."""
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


# Characters that shaping consumes or that mark a place, never drawn: soft hyphen, zero-width
# space, joiners, direction marks and controls, word joiner, byte-order mark, variation selectors.
INVISIBLE_RE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufe00-\ufe0f\ufeff]"
)


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


def language(brief: Brief, lang: Language) -> list[Problem]:
    """A brief's language has a catalog, or its layout is written in English."""
    if lang.catalog != "en" or lang.tag.split("-")[0] == "en":
        return []
    new = f"locales/{lang.tag.split('-')[0]}/LC_MESSAGES/messages.po"
    message = (
        f"the layout has no catalog for '{lang.tag}', so its words are in English; "
        f"catalogs: {', '.join(catalogs())} (add {new})"
    )
    return [Problem(brief.path, brief.lines.get("lang", 1), WARNING, "lang.catalog", message)]


def overflow(brief: Brief, pdf: bytes) -> list[Problem]:
    """Nothing is set past the page's edges: what no line break fits is an error at its line."""
    import pypdfium2
    import pypdfium2.raw

    outside: dict[int, set[str]] = {}
    document = pypdfium2.PdfDocument(pdf)
    try:
        for number, page in enumerate(document, 1):
            left, bottom, right, top = page.get_trimbox()
            textpage = page.get_textpage()
            texts = page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_TEXT], textpage=textpage)
            for text in texts:
                x0, y0, x1, y1 = text.get_bounds()
                if x0 < left - 1 or x1 > right + 1 or y0 < bottom - 1 or y1 > top + 1:
                    outside.setdefault(number, set()).add(" ".join(text.extract().split()))
    finally:
        document.close()
    found = []
    for number, texts in sorted(outside.items()):
        longest = sorted(texts, key=len, reverse=True)
        sample = " ".join(longest)[:40]
        line = next((n for t in longest if len(t) > 2 and (n := source_line(brief, t))), None)
        line = line or likeliest_line(brief, texts)
        message = f"text runs off page {number}: “{sample}…”; shorten it or let it break"
        found.append(Problem(brief.path, line, ERROR, "layout.overflow", message))
    return found


def likeliest_line(brief: Brief, texts: set[str]) -> int:
    """The body's line that holds the most of some pieces of text (a table row cut up), else 1."""
    lines = brief.markdown.split("\n")
    hits = [sum(t in line for t in texts) for line in lines]
    best = max(range(len(lines)), key=hits.__getitem__, default=0)
    return brief.body_line + best if hits and hits[best] >= 3 else 1


def source_line(brief: Brief, text: str) -> int | None:
    """The first line of the brief's body, or else of its front matter, holding a piece of text."""
    piece = text[:20]
    body = [(n, line) for n, line in enumerate(brief.markdown.split("\n"), brief.body_line)]
    front = [(brief.lines.get(key, 1), str(value)) for key, value in brief.meta.items()]
    return next((n for n, line in body + front if piece in " ".join(line.split())), None)
