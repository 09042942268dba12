#!/usr/bin/env python3
"""Build CIVICUS Monitor Watchlist briefs: Markdown with front matter → tagged PDF.

Four stages, one direction: read → convert → render → print.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import dataclasses
import datetime as dt
import gc
import io
import logging
import mimetypes
import os
import re
import signal
import stat
import sys
import tempfile
import threading
import time
import traceback
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from functools import lru_cache, partial
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import markdown
import nh3
import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from markdown.extensions import Extension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import slugify, slugify_unicode
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

ROOT = Path(__file__).resolve().parent
RATINGS = ("closed", "repressed", "obstructed", "narrowed", "open")
PDF_VARIANTS = (
    "pdf/a-1b", "pdf/a-2b", "pdf/a-3b", "pdf/a-2u", "pdf/a-3u", "pdf/a-4u",
    "pdf/a-1a", "pdf/a-2a", "pdf/a-3a", "pdf/a-4e", "pdf/a-4f", "pdf/ua-1", "pdf/ua-2",
    "pdf/x-1a", "pdf/x-3", "pdf/x-4", "pdf/x-5g",
)  # fmt: skip
DATE_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
LANG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
FONT_PACKAGES = ("font_source_sans_pro", "font_source_serif_pro")
# Limits: a clear error instead of a crash, a MemoryError or an hour of work.
MAX_BRIEF_BYTES = 2 * 2**20  # ten times the longest brief of the series
MAX_DEPTH = 40  # WeasyPrint recurses per box; ~137 nested boxes overflow its stack
MAX_FETCH_BYTES = 20 * 2**20  # an image or stylesheet
MAX_PIXELS = 40_000_000  # width x height of an image: 20 cm square at 800 dpi
MAX_SECONDS = 120  # one brief's build (--timeout): a 300-page brief takes 40 s
MM = 72 / 25.4
PRINT_BLEED = 3 * MM  # BleedBox of the print copy; styles/print.css extends artwork by as much

# key: (required, default, meaning shown in errors)
SCHEMA: dict[str, tuple[bool, object, str]] = {
    "country": (True, None, "the country's name"),
    "title": (True, None, "the brief's title"),
    "date": (True, None, "YYYY-MM or YYYY-MM-DD"),
    "rating": (True, None, "one of " + ", ".join(RATINGS)),
    "series": (False, "CIVICUS Monitor Watchlist", "the series name"),
    "doctype": (False, "A country research brief from the CIVICUS Monitor", "the cover's doctype"),
    "lang": (False, "en", "a language tag such as en or ru"),
    "author": (False, "CIVICUS Monitor", "the PDF's author"),
    "layout": (False, "brief", "a template name in templates/"),
    "figures": (False, [], "a list of {value, label} key figures stated in the text"),
    "contents": (False, False, "true for a contents page after the cover"),
}


@dataclass(frozen=True)
class Problem:
    """Something found in a brief: an error stops it, a warning is reported."""

    path: Path | str
    line: int
    level: str  # "error" or "warning"
    message: str
    column: int | None = None

    def __str__(self) -> str:
        where = f"{self.line}:{self.column}" if self.column else f"{self.line}"
        return f"{display(self.path)}:{where}: {self.level}: {self.message}"


class BriefError(Exception):
    """A user's mistake that stops the brief, reported as `path:line: error: message`."""

    def __init__(self, path: Path | str, line: int, message: str):
        super().__init__(message)
        self.problem = Problem(path, line, "error", message)

    def __str__(self) -> str:
        return str(self.problem)


@dataclass
class Config:
    """Everything a build needs, passed explicitly from stage to stage."""

    out_dir: Path = ROOT / "build"
    html: bool = False
    preview: bool = False
    print_copy: bool = False  # the press-ready copy instead of the distributable one
    pdf_variant: str | None = None  # default: pdf/ua-1, or pdf/x-4 for the print copy
    max_bytes: int | None = 2**20  # size budget of the distributable copy
    check: bool = False  # stop before printing: report problems only
    timeout: float = MAX_SECONDS  # seconds one brief may take
    strict: bool = False  # warnings are errors
    templates: Path = ROOT / "templates"
    styles_dir: Path = ROOT / "styles"
    cache_dir: Path = field(default_factory=lambda: cache_home())  # parsed hyphenation patterns

    @property
    def styles(self) -> list[Path]:
        """The stylesheets, in cascade order."""
        names = ["brief.css", "print.css"] if self.print_copy else ["brief.css"]
        return [self.styles_dir / name for name in names]

    @property
    def suffix(self) -> str:
        """What the output's stem gets after the brief's."""
        return "-print" if self.print_copy else ""

    def target(self, path: Path, extension: str = "pdf") -> Path:
        """Where a brief's output goes."""
        return self.out_dir / f"{path.stem}{self.suffix}.{extension}"

    def pdf_options(self) -> dict:
        """WeasyPrint's options for this copy."""
        if self.print_copy:
            return {
                "pdf_variant": self.pdf_variant or "pdf/x-4",
                "pdf_tags": True,
                "output_intent": "srgb",
                "optimize_images": True,
                "dpi": 300,
            }
        return {"pdf_variant": self.pdf_variant or "pdf/ua-1", "optimize_images": True, "dpi": 200}


@dataclass
class Brief:
    """One brief as read from disk: where it is, its front matter and its Markdown."""

    path: Path
    meta: dict
    markdown: str
    body_line: int  # line of the file where the Markdown starts
    toc: list[tuple[str, str]] = field(default_factory=list)  # (slug, heading) per `##`
    problems: list[Problem] = field(default_factory=list)


def display(path: Path | str) -> str:
    """A path relative to the working directory when it is inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------- 1. read


def read(path: Path) -> Brief:
    """Split and validate the front matter; return the brief."""
    if path.stat().st_size > MAX_BRIEF_BYTES:
        limit = f"{MAX_BRIEF_BYTES // 2**20} MiB"
        raise BriefError(path, 1, f"the brief is larger than {limit}; split it into several")
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BriefError(path, 1, "the file is UTF-16 text; save it as UTF-8")
    if b"\0" in raw:
        raise BriefError(
            path, raw[: raw.index(b"\0")].count(b"\n") + 1, "a NUL byte: not a text file"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise BriefError(path, line, "the file is not UTF-8 text; save it as UTF-8") from None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        raise BriefError(path, 1, "a brief starts with front matter: a line '---', keys, '---'")
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() in ("---", "..."))
    except StopIteration:
        raise BriefError(path, 1, "the front matter has no closing '---' line") from None
    meta = validate(path, "\n".join(lines[1:end]))
    return Brief(path, meta, "\n".join(lines[end + 1 :]), end + 2)


def validate(path: Path, source: str) -> dict:
    """Load front matter with the safe loader and check it against SCHEMA."""
    node = compose(path, source)
    if not isinstance(node, yaml.MappingNode):
        raise BriefError(path, 2, "front matter must be 'key: value' lines")
    data, lines = {}, {}
    for key_node, value_node in node.value:
        key, line = str(key_node.value), key_node.start_mark.line + 2
        if key not in SCHEMA or not isinstance(key_node, yaml.ScalarNode):
            raise BriefError(path, line, f"unknown key '{key}'; allowed: {', '.join(SCHEMA)}")
        if key in data:
            raise BriefError(path, line, f"'{key}' is given twice (also on line {lines[key]})")
        data[key], lines[key] = construct(path, line, value_node), line
    meta = {}
    for key, (required, default, meaning) in SCHEMA.items():
        if key not in data:
            if required:
                raise BriefError(path, 1, f"missing required key '{key}' ({meaning})")
            meta[key] = default
            continue
        meta[key] = check_value(path, lines[key], key, data[key], meaning)
    return meta


def compose(path: Path, source: str) -> yaml.Node | None:
    """Parse front matter into YAML nodes, refusing aliases (a YAML bomb's fuse)."""
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.reader.ReaderError as error:
        line = source[: error.position].count("\n") + 2
        message = f"a control character (#x{error.character:04x}) is not allowed"
        raise BriefError(path, line, message) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = " ".join(str(getattr(error, "problem", None) or error).split())
        line = mark.line + 2 if mark else 1
        raise BriefError(path, line, f"front matter is not valid YAML: {problem}") from None
    except RecursionError:
        raise BriefError(path, 2, "front matter is nested too deeply") from None
    seen, stack = set(), [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            line = node.start_mark.line + 2
            raise BriefError(path, line, "anchors and aliases (& and *) are not allowed here")
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack += [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return root


def construct(path: Path, line: int, node: yaml.Node) -> object:
    """The Python value of one front-matter node, with the safe loader's types only."""
    try:
        return yaml.SafeLoader("").construct_object(node, deep=True)
    except (
        yaml.YAMLError,
        ValueError,
        TypeError,
        KeyError,
        OverflowError,
        RecursionError,
    ) as error:
        message = " ".join(str(getattr(error, "problem", None) or error).split())
        raise BriefError(path, line, f"this value cannot be read: {message}") from None


def check_value(path: Path, line: int, key: str, value: object, meaning: str) -> object:
    """Return the value of one front-matter key in its checked form."""
    if key == "date":
        return parse_date(path, line, value)
    if key == "figures":
        ok = isinstance(value, list) and all(
            isinstance(f, dict)
            and set(f) == {"value", "label"}
            and all(
                isinstance(v, str | int | float) and not isinstance(v, bool) for v in f.values()
            )
            for f in value
        )
        if not ok:
            raise BriefError(path, line, f"'figures' must be {meaning}")
        return [{k: str(v).strip() for k, v in f.items()} for f in value]
    if key == "contents":
        if not isinstance(value, bool):
            raise BriefError(path, line, "'contents' must be true or false")
        return value
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise BriefError(path, line, f"'{key}' must be text: {meaning}")
    if isinstance(value, int) and value.bit_length() > 64:
        raise BriefError(path, line, f"'{key}' is a number too long to be {meaning}")
    value = str(value).strip()
    if not value:
        raise BriefError(path, line, f"'{key}' is empty: give {meaning}")
    if key == "rating" and value.lower() not in RATINGS:
        raise BriefError(path, line, f"unknown rating '{value}'; allowed: {', '.join(RATINGS)}")
    if key == "lang" and not LANG_RE.match(value):
        raise BriefError(path, line, f"'lang' must be {meaning}, not '{value}'")
    if key == "layout" and (value == "base" or not re.fullmatch(r"[a-z][a-z0-9_-]*", value)):
        raise BriefError(path, line, f"'layout' must be {meaning}, not '{value}'")
    return value.lower() if key == "rating" else value


def parse_date(path: Path, line: int, value: object) -> dt.date:
    """Accept YAML dates and 'YYYY-MM' / 'YYYY-MM-DD' strings."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = DATE_RE.match(str(value).strip())
    try:
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3] or 1))
    except ValueError:
        pass
    raise BriefError(path, line, f"bad date '{value}'; write YYYY-MM or YYYY-MM-DD, e.g. 2022-03")


# ---------------------------------------------------------------- 2. convert


class Sections(Treeprocessor):
    """Wrap each `##` heading and what follows it in `<section id="slug">`; list them in toc."""

    def __init__(self, md: markdown.Markdown, toc: list[tuple[str, str]]):
        super().__init__(md)
        self.toc = toc

    def run(self, root: etree.Element) -> None:
        section = None
        for child in list(root):
            if child.tag == "h2":
                heading = plain_text(self.md, child)
                slug = base = slugify_unicode(heading, "-") or "section"
                taken, n = {s for s, _ in self.toc}, 1
                while slug in taken:
                    n += 1
                    slug = f"{base}-{n}"
                self.toc.append((slug, heading))
                section = etree.Element("section", id=slug)
                root.insert(list(root).index(child), section)
            if section is not None and child.tag != "section":
                root.remove(child)
                section.append(child)


def plain_text(md: markdown.Markdown, element: etree.Element) -> str:
    """An element's text as a reader sees it: raw HTML and entities Markdown set aside restored."""

    def words(node: etree.Element) -> str:
        if node.find("a[@class='footnote-ref']") is not None:  # a note's call number
            return node.tail or ""
        return (node.text or "") + "".join(map(words, node)) + (node.tail or "")

    text = (element.text or "") + "".join(map(words, element))
    stash = md.htmlStash.rawHtmlBlocks
    text = re.sub(r"\x02wzxhzdk:(\d+)\x03", lambda m: str(stash[int(m[1])]), text)
    text = re.sub(r"\x02[^\x03]*\x03", "", text.replace(markdown.util.AMP_SUBSTITUTE, "&"))
    return " ".join(unescape(re.sub(r"<[^>]*>", "", text)).split())


class Footnotes(Treeprocessor):
    """Move each footnote's text to its call, as an inline element floated to the page foot."""

    def run(self, root: etree.Element) -> None:
        holder = root.find(".//div[@class='footnote']/..")
        if holder is None:
            return
        notes = holder.find("div[@class='footnote']")
        holder.remove(notes)
        for parent in list(notes.iter()):  # the "↩" back-links: a page-foot note needs none
            for link in parent.findall("a[@class='footnote-backref']"):
                parent.remove(link)
        bodies = {li.get("id"): li for li in notes.iter("li")}
        for parent in list(root.iter()):
            for sup in list(parent):
                ref = sup.find("a[@class='footnote-ref']") if sup.tag == "sup" else None
                if ref is None:
                    continue
                note = etree.Element("span", {"class": "footnote"})
                note.tail = sup.tail
                for i, block in enumerate(bodies[ref.get("href", "#")[1:]]):
                    if i:
                        etree.SubElement(note, "br")
                    if block.tag != "p":  # a list or table in a note: its words, on one line
                        words = etree.Element("p")
                        words.text = " ".join(" ".join(block.itertext()).split())
                        block = words
                    inline_into(note, block)
                for inner in note.iter("sup"):  # a note's own notes: their text in brackets
                    call = inner.find("a[@class='footnote-ref']")
                    if call is not None and call.get("href", "#")[1:] in bodies:
                        text = plain_text(self.md, bodies[call.get("href")[1:]])
                        inner.remove(call)
                        inner.tag, inner.text = "span", f" ({text})"
                parent.insert(list(parent).index(sup), note)
                parent.remove(sup)


def inline_into(target: etree.Element, para: etree.Element) -> None:
    """Append a paragraph's text and children to an inline element."""
    if len(target):
        last = target[-1]
        last.tail = (last.tail or "") + (para.text or "")
    else:
        target.text = (target.text or "") + (para.text or "")
    for child in list(para):
        target.append(child)
    if len(target):
        target[-1].tail = (target[-1].tail or "").rstrip()
    else:
        target.text = (target.text or "").rstrip()


class Figures(Treeprocessor):
    """Turn a paragraph holding one titled image into a figure with a caption."""

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for para in list(parent):
                if para.tag != "p" or len(para) != 1 or (para.text or "").strip():
                    continue
                img = para[0]
                if img.tag != "img" or (img.tail or "").strip() or not img.get("title"):
                    continue
                figure = etree.Element("figure")
                caption = etree.SubElement(figure, "figcaption")
                caption.text = img.attrib.pop("title")
                figure.insert(0, img)
                img.tail = None
                parent.insert(list(parent).index(para), figure)
                parent.remove(para)


class Placeholders(Treeprocessor):
    """Set a link that leads nowhere (`(#)`, a relative path) as its text: nothing to follow."""

    # In a PDF a link with no address is a /Link tag with no link annotation: a screen reader
    # announces a link that cannot be followed. The source keeps `[text](#)`; --check lists it.
    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for link in [child for child in parent if child.tag == "a"]:
                # An e-mail autolink's address is written as character references.
                href = unescape(link.get("href", "").replace(markdown.util.AMP_SUBSTITUTE, "&"))
                if not leads_somewhere(href):
                    unwrap(parent, link)


def unwrap(parent: etree.Element, child: etree.Element) -> None:
    """Put a child's text and children in its place in the parent."""
    index, inner = list(parent).index(child), list(child)
    if inner:  # the child's tail follows its last element
        inner[-1].tail = (inner[-1].tail or "") + (child.tail or "")
    text = (child.text or "") + ("" if inner else child.tail or "")
    if index:
        parent[index - 1].tail = (parent[index - 1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    parent.remove(child)
    for offset, element in enumerate(inner):
        parent.insert(index + offset, element)


def leads_somewhere(href: str) -> bool:
    """A web or mail address, or an anchor in the brief: a link a PDF can follow."""
    return bool(REAL_LINK.match(href) or re.match(r"#.", href))


class SourceNotes(Treeprocessor):
    """Follow each real link with its address: the print copy shows it as a source note."""

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for link in [child for child in parent if child.tag == "a"]:
                if not REAL_LINK.match(link.get("href", "")):
                    continue
                note = etree.Element("span", {"class": "source"})
                note.text, note.tail, link.tail = link.get("href"), link.tail, None
                parent.insert(list(parent).index(link) + 1, note)


class PressExtension(Extension):
    """Register the press's tree changes after inline parsing, before prettifying."""

    def __init__(self, toc: list[tuple[str, str]]):
        super().__init__()
        self.toc = toc

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Sections first: a heading's id and contents entry must not take in its notes.
        md.treeprocessors.register(Sections(md, self.toc), "press-sections", 18)
        md.treeprocessors.register(Footnotes(md), "press-footnotes", 17)
        md.treeprocessors.register(Placeholders(md), "press-placeholders", 16.7)
        md.treeprocessors.register(SourceNotes(md), "press-source-notes", 16.5)
        md.treeprocessors.register(Figures(md), "press-figures", 16)


ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dfn", "dl",
    "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "section", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id", "lang", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "span": {"class"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "time": {"datetime"},
}


REAL_LINK = re.compile(r"(https?:|mailto:)", re.IGNORECASE)
BARE_LINK_RE = re.compile(r"<a>(.*?)</a>", re.DOTALL)
SCHEME_RE = re.compile(r"[a-zA-Z][\w+.-]*:")  # an address, not a path beside the brief
MAX_SPAN = 50  # a table cell's colspan or rowspan


def filter_attribute(source: Path, out_dir: Path, tag: str, name: str, value: str) -> str | None:
    """Keep links that lead somewhere, image paths relative to the HTML, sane table spans."""
    if tag == "a" and name == "href":
        # Raw HTML's links that lead nowhere lose their address (Markdown's are unwrapped).
        return value if leads_somewhere(value) else None
    if tag == "img" and name == "src":
        if SCHEME_RE.match(value) or value.startswith("/"):
            return value  # refused by the checks and the fetcher, with the brief's line
        return quote(Path(os.path.relpath(source / unquote(value), out_dir.resolve())).as_posix())
    if name in ("colspan", "rowspan"):
        return value if value.isdigit() and 0 < int(value) <= MAX_SPAN else "1"
    return value


def convert(brief: Brief, config: Config) -> str:
    """Markdown → sanitized HTML body, with sections, page-foot notes and figures."""
    brief.toc.clear()
    md = markdown.Markdown(
        # Instances, not names: looking names up scans every package's entry points.
        extensions=[
            FootnoteExtension(),
            TableExtension(use_align_attribute=True),
            SaneListExtension(),
            PressExtension(brief.toc),
        ],
        output_format="html",
    )
    try:
        html = md.convert(brief.markdown)
    except RecursionError:
        raise BriefError(brief.path, first_line(brief), "content nested too deeply") from None
    html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        attribute_filter=partial(filter_attribute, brief.path.resolve().parent, config.out_dir),
    )
    # A raw HTML link whose address nh3 dropped is written as a bare <a>, and links never nest
    # once parsed: its text alone, as Placeholders leaves a Markdown link that leads nowhere.
    html = BARE_LINK_RE.sub(r"\1", html)
    check_depth(brief, html)
    brief.problems += check(brief)
    return html


def first_line(brief: Brief) -> int:
    """The line of the brief's first words after the front matter."""
    return next((n for n, text in source_lines(brief) if text.strip()), brief.body_line)


def check_depth(brief: Brief, html: str) -> None:
    """Refuse nesting deeper than the layout engine can take."""
    depth = deepest = 0
    for match in re.finditer(r"<(/?)([a-z0-9]+)[^>]*?(/?)>", html):
        if match[2] in ("br", "img", "hr") or match[3]:
            continue
        depth += -1 if match[1] else 1
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise BriefError(
            brief.path, first_line(brief), f"content nested {deepest} deep; at most {MAX_DEPTH}"
        )


IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\"<>]*?)>?(?:\s+\"[^\"]*\")?\s*\)")
ID_RE = re.compile(r'\bid="([^"]+)"')
ANCHOR_RE = re.compile(r"\]\(#([^)\s]+)\)")
LINK_RE = re.compile(r"\]\(\s*(?:<([^>]*)>|([^)\s]*))")  # a link's target, once images are blanked
REFERENCE_RE = re.compile(r" {0,3}\[[^\]^][^\]]*\]:\s*(?:<([^>]*)>|(\S*))")  # [name]: target
RAW_LINK_RE = re.compile(r"<a\s[^>]*?\bhref\s*=\s*[\"']?([^\"'\s>]*)", re.IGNORECASE)
CODE_SPAN_RE = re.compile(r"(`+).+?\1")
NOWHERE = "give its full address, or (#)"  # what to do with a link that leads nowhere
HEADING_RE = re.compile(r"(#{1,6})\s+\S")
FENCE_RE = re.compile(r"(```|~~~)")


def source_lines(brief: Brief):
    """(line number, text) of each Markdown line outside code fences."""
    fenced = False
    for offset, text in enumerate(brief.markdown.split("\n")):
        if FENCE_RE.match(text.lstrip()):
            fenced = not fenced
        elif not fenced:
            yield brief.body_line + offset, text


def check(brief: Brief) -> list[Problem]:
    """What an author should fix: links, images, headings, anchors, recommendations."""
    problems, level, headings = [], 1, {}  # the cover's title is the h1
    for line, text in source_lines(brief):
        at = partial(Problem, brief.path, line)
        problems += [at("warning", m) for m in link_problems(text)]
        for alt, src in IMAGE_RE.findall(text):
            problems += check_image(brief, at, alt, src)
        if heading := HEADING_RE.match(text):
            depth = len(heading[1])
            if depth == 2 and text in headings:
                problems.append(at("warning", f"repeats the heading of line {headings[text]}"))
            headings.setdefault(text, line)
            if depth == 1:
                problems.append(at("warning", "'#' is the cover's title; start sections with '##'"))
            elif depth > level + 1:
                problems.append(at("warning", f"heading level skipped: h{level} to h{depth}"))
            level = depth
    return problems + check_notes(brief) + check_recommendations(brief)


def link_problems(text: str) -> list[str]:
    """What is wrong with the link targets of a line: a placeholder, or a path leading nowhere."""
    text = CODE_SPAN_RE.sub("", text)
    text = IMAGE_RE.sub(lambda image: " " * len(image[0]), text)  # `](…)` of an image is no link
    targets = [a or b for a, b in LINK_RE.findall(text)] + RAW_LINK_RE.findall(text)
    if reference := REFERENCE_RE.match(text):
        targets.append(reference[1] or reference[2])
    problems = []
    for target in targets:
        if target in ("#", ""):
            problems.append("placeholder link (#) has no address yet")
        elif not leads_somewhere(target):
            problems.append(f"link to '{target}' leads nowhere in a PDF: {NOWHERE}")
    return problems


def check_notes(brief: Brief) -> list[Problem]:
    """Every footnote call has its note: an undefined one would print as `[^x]`."""
    lines = list(source_lines(brief))
    defined = {m[1] for _, text in lines if (m := re.match(r"\[\^([^\]]+)\]:", text))}
    return [
        Problem(brief.path, line, "error", f"footnote [^{name}] has no note: add '[^{name}]: …'")
        for line, text in lines
        for name in re.findall(r"\[\^([^\]]+)\](?!:)", text)
        if name not in defined
    ]


def check_ids(brief: Brief, page: str) -> None:
    """Ids are unique on the page (a heading may clash with the layout's) and #links find one."""
    ids = ID_RE.findall(page)
    headings = {slug: line for line, slug in heading_slugs(brief)}
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        message = f"the id '{duplicate}' is also the layout's; rename this heading"
        brief.problems.append(Problem(brief.path, headings.get(duplicate, 1), "error", message))
    for line, text in source_lines(brief):
        for anchor in ANCHOR_RE.findall(text):
            if anchor not in ids:
                message = f"link to #{anchor}, but no heading has that id"
                brief.problems.append(Problem(brief.path, line, "error", message))


def heading_slugs(brief: Brief):
    """(line, id) of each `##` heading, as the Sections step names it."""
    for line, text in source_lines(brief):
        if text.startswith("## "):
            yield line, slugify_unicode(re.sub(r"\[\^[^\]]*\]", "", text[3:]), "-")


def check_image(brief: Brief, at, alt: str, src: str) -> list[Problem]:
    """An image must exist in the brief's folder and say what it shows."""
    problems = []
    if not alt.strip():
        problems.append(at("error", f"image {src} has no alt text: say what it shows in ![...]"))
    if SCHEME_RE.match(src):
        problems.append(at("error", f"image {src} is an address: put the file beside the brief"))
        return problems
    path = (brief.path.parent / unquote(src)).resolve()
    if not path.is_relative_to(brief.path.resolve().parent):
        problems.append(at("error", f"image {src} is outside the brief's folder"))
    elif not path.exists():
        problems.append(at("error", f"image {src} does not exist"))
    elif not path.is_file():
        problems.append(at("error", f"image {src} is not a regular file"))
    elif path.stat().st_size > MAX_FETCH_BYTES:
        problems.append(at("error", f"image {src} is larger than {MAX_FETCH_BYTES // 2**20} MiB"))
    return problems


def check_recommendations(brief: Brief) -> list[Problem]:
    """`## Recommendations` holds `###` audiences, each with a non-empty list."""
    problems, inside, audience, items, section_line = [], False, None, 0, 1
    for line, text in [*source_lines(brief), (None, "## end")]:
        depth = len(heading[1]) if (heading := HEADING_RE.match(text)) else 0
        if depth in (2, 3) and inside and audience is not None and not items:
            message = "this audience has no recommendations: add a '- ' list"
            problems.append(Problem(brief.path, audience, "error", message))
        if depth == 2:
            if inside and audience is None:
                message = "recommendations need an audience: '### To …:' and a list"
                problems.append(Problem(brief.path, section_line, "error", message))
            inside = text.strip().lower() == "## recommendations"
            section_line, audience, items = line, None, 0
        elif depth == 3 and inside:
            audience, items = line, 0
        elif inside and re.match(r"\s*([-*+]|\d+\.)\s+\S", text):
            items += 1
    return problems


# ---------------------------------------------------------------- 3. render


@lru_cache
def environment(templates: Path) -> Environment:
    """The Jinja environment: autoescaped, strict; one per process, reloading changed templates."""
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["month_year"] = lambda d: d.strftime("%B %Y")
    return env


def render(brief: Brief, body: str, config: Config) -> str:
    """Put the body into the layout the front matter names."""
    name = f"{brief.meta['layout']}.html"
    env = environment(config.templates)
    if name not in env.list_templates():
        layouts = sorted(t[:-5] for t in env.list_templates() if t != "base.html")
        raise BriefError(brief.path, 1, f"unknown layout '{brief.meta['layout']}'; have: {layouts}")
    try:
        page = env.get_template(name).render(
            meta=brief.meta,
            ratings=RATINGS,
            toc=brief.toc,
            body=Markup(body),  # the one place content is marked safe: sanitized in convert()
        )
        check_ids(brief, page)
        return page
    except TemplateError as error:
        where = template_location(error, config.templates / name)
        raise BriefError(*where, f"template: {error}") from None


def template_location(error: TemplateError, fallback: Path) -> tuple[Path, int]:
    """The template file and line an error comes from (Jinja rewrites tracebacks to them)."""
    if getattr(error, "filename", None) and getattr(error, "lineno", None):
        return Path(error.filename), error.lineno
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(".html")]
    if frames:
        return Path(frames[-1].filename), frames[-1].lineno or 1
    return fallback, 1


# ---------------------------------------------------------------- 4. print


@lru_cache(maxsize=1)
def load_weasyprint() -> None:
    """Import WeasyPrint quickly, and tune the cycle collector for its short-lived objects."""
    import ctypes.util
    import subprocess

    # WeasyPrint makes millions of objects: at the default threshold (700) the cycle collector
    # runs thousands of times, 15 % of a cold build.
    gc.set_threshold(10_000)
    if "weasyprint" in sys.modules:
        return
    # WeasyPrint tries several names per library, and for each miss ctypes runs ldconfig, gcc
    # and ld: 22 lookups, about 0.2 s of a cold build. A name the listing lacks is a miss here
    # too, and WeasyPrint goes on to its next name (the soname, which dlopen finds itself).
    listing = ""
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        if sys.platform == "linux":
            command = ["/sbin/ldconfig", "-p"]
            # Bytes decoded as file names are: a directory's name need not be UTF-8.
            listing = os.fsdecode(subprocess.run(command, capture_output=True, check=True).stdout)
    original = ctypes.util.find_library

    def find_library(name: str) -> str | None:
        match = re.search(rf"\s(lib{re.escape(name)}\.\S+)\s", listing)
        return match.group(1) if match else None

    if listing:
        ctypes.util.find_library = find_library
    try:
        import weasyprint  # noqa: F401
    finally:
        ctypes.util.find_library = original


def cache_home() -> Path:
    """The press's cache folder: $XDG_CACHE_HOME/watchlist-press, by default ~/.cache/…."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "watchlist-press"


def load_patterns(lang: str, cache_dir: Path) -> None:
    """Hand pyphen a language's hyphenation patterns, parsed once per machine rather than per build.

    Parsing a dictionary takes pyphen 0.07 s, a tenth of a cold build; unmarshalling the parsed
    patterns from the cache takes 0.007 s. WeasyPrint then finds them in pyphen's own cache.
    """
    import hashlib
    import marshal

    import pyphen

    name = pyphen.language_fallback(lang)
    path = pyphen.LANGUAGES.get(name)
    if path is None or path in pyphen.hdcache:
        return
    key = f"{pyphen.__version__} {marshal.version}\n".encode() + path.read_bytes()
    cached = cache_dir / f"{path.stem}-{hashlib.sha256(key).hexdigest()[:16]}.marshal"
    try:
        maxlen, table = marshal.loads(cached.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        patterns = pyphen.hdcache[path] = pyphen.HyphDict(path)
        numbers = (n for _, values in patterns.patterns.values() for n in values)
        if all(type(n) is int for n in numbers):  # a few languages store more than numbers
            with contextlib.suppress(OSError):  # no cache, no harm: the next build parses again
                cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
                write_atomically(cached, marshal.dumps((patterns.maxlen, patterns.patterns)))
        return
    patterns = pyphen.HyphDict.__new__(pyphen.HyphDict)  # what __init__ would make of the file
    patterns.patterns, patterns.maxlen, patterns.cache = table, maxlen, {}
    pyphen.hdcache[path] = patterns


@lru_cache(maxsize=1)
def font_dirs() -> dict[str, Path]:
    """Font file name → path, from the pinned font packages only (looked up once per process)."""
    import importlib.util

    fonts = {}
    for package in FONT_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise BriefError(ROOT / "pyproject.toml", 1, f"font package {package} is not installed")
        for path in (Path(spec.origin).parent / "files").glob("*.otf"):
            fonts[path.name] = path
    return fonts


class Collector(logging.Handler):
    """Keep WeasyPrint's log records: it logs problems instead of raising them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@lru_cache(maxsize=1)
def fetcher_class():
    """Build the rooted fetcher class once (WeasyPrint is imported lazily)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class RootedFetcher(URLFetcher):
        """Serve only files under the given roots, and pinned fonts as `font:NAME`."""

        def __init__(self, roots: list[Path], fonts: dict[str, Path]):
            super().__init__(fail_on_errors=True)
            self.roots, self.fonts = [r.resolve() for r in roots], fonts

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "font" and parts.path in self.fonts:
                path = self.fonts[parts.path]
            elif parts.scheme == "file" and not parts.netloc:
                path = Path(unquote(parts.path)).resolve()
                if not any(path.is_relative_to(root) for root in self.roots):
                    raise ValueError(f"refused {url}: outside the brief's folder")
            else:
                raise ValueError(f"refused {url}: only the brief's own files are read")
            try:
                info = path.stat()
            except OSError:
                raise ValueError(f"{url}: no such file") from None
            if not stat.S_ISREG(info.st_mode):
                raise ValueError(f"refused {url}: not a regular file")
            if info.st_size > MAX_FETCH_BYTES:
                raise ValueError(f"refused {url}: larger than {MAX_FETCH_BYTES // 2**20} MiB")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            data = path.read_bytes()
            if mime.startswith("image/") and mime != "image/svg+xml":
                check_pixels(url, data)
            return URLFetcherResponse(path.as_uri(), data, {"Content-Type": mime})

    return RootedFetcher


_STYLESHEETS: dict[tuple, tuple[list, object, list[Problem]]] = {}


def release_fonts() -> None:
    """Drop the cached fonts; WeasyPrint removes their temporary folder once no cycle holds them."""
    _STYLESHEETS.clear()
    gc.collect()


atexit.register(release_fonts)  # before the modules the clean-up needs are torn down


def start_worker() -> None:
    """In a worker process, make and release its own fonts (workers leave without atexit)."""
    from multiprocessing.util import Finalize

    # Fonts forked from the parent stay untouched: releasing them would delete the parent's files.
    _INHERITED.append(dict(_STYLESHEETS))
    _STYLESHEETS.clear()
    Finalize(None, release_fonts, exitpriority=0)


_INHERITED: list[dict] = []


def stylesheets(config: Config) -> tuple[list, object, list[Problem]]:
    """Parse the stylesheets and load their fonts once per process, again only when they change."""
    from weasyprint import CSS
    from weasyprint.logger import LOGGER
    from weasyprint.text.fonts import FontConfiguration

    key = tuple((path, path.stat().st_mtime_ns) for path in config.styles)
    if key not in _STYLESHEETS:
        fetcher = fetcher_class()([config.styles_dir], font_dirs())
        fonts, styles, problems = FontConfiguration(), [], []
        for path in config.styles:
            collector = Collector()
            LOGGER.addHandler(collector)
            try:
                styles.append(CSS(filename=path, url_fetcher=fetcher, font_config=fonts))
            finally:
                LOGGER.removeHandler(collector)
            problems += [css_problem(path, record) for record in collector.records]
        _STYLESHEETS.clear()
        _STYLESHEETS[key] = styles, fonts, problems
    return _STYLESHEETS[key]


def css_problem(path: Path, record: logging.LogRecord) -> Problem:
    """A stylesheet warning at its `line:col`, which WeasyPrint gives without the file."""
    message = record.getMessage()
    where = re.search(r"\bat (\d+):(\d+)", message)
    line, column = (int(where[1]), int(where[2])) if where else (1, None)
    level = "error" if record.levelno >= logging.ERROR else "warning"
    return Problem(path, line, level, message, column)


def check_pixels(url: str, data: bytes) -> None:
    """Refuse a raster image too large to decode, reading only its header."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Image.DecompressionBombError:
        raise ValueError(f"refused {url}: too many pixels to decode safely") from None
    except (UnidentifiedImageError, OSError, ValueError):
        return  # not a raster image (a font, a stylesheet, an SVG) or unreadable: WeasyPrint says
    if width * height > MAX_PIXELS:
        raise ValueError(f"refused {url}: {width}x{height} pixels, more than {MAX_PIXELS:,}")


def roomy_frame_stack(function, *args):
    """Call the function with its callees' frames in one large chunk of the frame stack."""
    return function(*args)


# CPython 3.11 keeps frames in 16 KB chunks and frees a chunk when the call that opened it returns:
# WeasyPrint's layout loops cross a chunk boundary about 20 000 times in a brief's build, each an
# munmap and an mmap (python/cpython#142183, fixed in 2026 releases of 3.13 and 3.14). A frame
# that asks for 32 000 stack slots gets a 512 KB chunk; WeasyPrint's calls fit in what it leaves.
roomy_frame_stack.__code__ = roomy_frame_stack.__code__.replace(co_stacksize=32_000)


def print_pdf(brief: Brief, html: str, config: Config, target: Path) -> tuple[int, int]:
    """Lay out the HTML with WeasyPrint, write the PDF atomically; return its pages and bytes."""
    load_weasyprint()
    load_patterns(brief.meta["lang"], config.cache_dir)
    from weasyprint import HTML
    from weasyprint.logger import LOGGER
    from weasyprint.urls import FatalURLFetchingError

    styles, fonts, style_problems = stylesheets(config)
    brief.problems += style_problems
    fetcher = fetcher_class()([brief.path.parent, config.styles_dir], font_dirs())
    collector = Collector()
    LOGGER.addHandler(collector)
    try:
        document = HTML(
            string=html,
            base_url=config.target(brief.path, "html").resolve().as_uri(),
            url_fetcher=fetcher,
        ).render(stylesheets=styles, font_config=fonts, **config.pdf_options())
        fail_on_errors(brief, collector.records)
        pdf = document.write_pdf(finisher=finisher(brief, config), **config.pdf_options())
        fail_on_errors(brief, collector.records)
    except FatalURLFetchingError as error:
        raise located(brief, str(error.__cause__ or error)) from None
    except RecursionError:
        raise BriefError(brief.path, 1, "content is nested too deeply to lay out") from None
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, AssertionError) as error:
        # WeasyPrint's own failures on unusual input: a clean message, not a traceback.
        message = f"WeasyPrint cannot lay out this brief ({type(error).__name__}: {error})"
        raise BriefError(brief.path, 1, message) from None
    finally:
        LOGGER.removeHandler(collector)
    for record in collector.records:
        error = located(brief, record.getMessage())
        brief.problems.append(dataclasses.replace(error.problem, level="warning"))
    if config.max_bytes and not config.print_copy and len(pdf) > config.max_bytes:
        raise BriefError(
            brief.path,
            1,
            f"the PDF would be {size(len(pdf))}, over the {size(config.max_bytes)} budget; "
            "make images smaller or raise it with --max-size",
        )
    gate(brief, config)
    write_atomically(target, pdf)
    return len(document.pages), len(pdf)


def finisher(brief: Brief, config: Config):
    """What is done to the PDF objects before they are written."""

    def finish(document, pdf) -> None:
        mark_page_furniture_as_artifacts(pdf)
        for obj in pdf.objects:  # links print as they show: WeasyPrint 70 leaves the flag unset
            if isinstance(obj, dict) and obj.get("Subtype") == "/Link":
                obj["F"] = 4  # Print
        if config.print_copy:
            finish_print_copy(brief, pdf)
        deflate_streams(pdf)

    return finish


def mark_page_furniture_as_artifacts(pdf) -> None:
    """Make the running heads and folios Artifacts, which screen readers skip."""
    import pydyf

    # WeasyPrint 70 tags page-margin content as elements that no element of the structure tree
    # holds (an Artifact element would need PDF 2.0); PDF/UA-1 marks it in the page instead.
    def number(reference: bytes) -> int:
        return int(reference.split()[0])

    def resolve(value):
        return pdf.objects[number(value)] if isinstance(value, bytes) else value

    if "StructTreeRoot" not in pdf.catalog:
        return
    root = resolve(pdf.catalog["StructTreeRoot"])
    held, todo = set(), [root]
    while todo:
        kids = todo.pop().get("K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            if isinstance(kid, bytes) and number(kid) not in held:
                held.add(number(kid))
                todo.append(resolve(kid))
    nums = resolve(root["ParentTree"])["Nums"]
    marks_of_page = dict(zip(nums[::2], nums[1::2], strict=True))
    for page in pdf.objects:
        if not (isinstance(page, dict) and page.get("Type") == "/Page"):
            continue
        marks = resolve(marks_of_page[page["StructParents"]])
        loose = {mcid for mcid, ref in enumerate(marks) if number(ref) not in held}
        for mcid in loose:
            marks[mcid] = "null"
        operations = resolve(page["Contents"]).stream
        for i, operation in enumerate(operations):
            if isinstance(operation, pydyf.Dictionary) and operation.get("MCID") in loose:
                operations[i - 1 : i + 1] = ["/Artifact", pydyf.Dictionary({"Type": "/Pagination"})]


def deflate_streams(pdf) -> None:
    """Compress the streams at zlib's default level, not pydyf's 9: 8 ms a brief, not 23 ms,
    for streams 2 % larger."""
    import zlib

    import pydyf

    def as_bytes(item) -> bytes | None:  # as pydyf writes the kinds WeasyPrint puts in streams
        if isinstance(item, bytes):
            return item
        if isinstance(item, str):
            return item.encode("ascii")
        return item.data if isinstance(item, pydyf.Object) else None

    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.compress:
            items = [as_bytes(item) for item in obj.stream]
            if None not in items:  # anything else is left for pydyf to write
                obj.stream, obj.compress = [zlib.compress(b"\n".join(items))], False
                obj.extra["Filter"] = "/FlateDecode"


def finish_print_copy(brief: Brief, pdf) -> None:
    """Make the print copy's boxes exact and its PDF/X document ID stable."""
    import uuid

    import pydyf

    # From the brief's words, not its path: the same brief gets the same ID on any machine.
    seed = brief.path.name + "\n" + brief.markdown
    stable_id = f"xmp.did:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}".encode()
    for obj in pdf.objects:
        if isinstance(obj, dict) and "TrimBox" in obj:
            left, top, right, bottom = obj["TrimBox"]
            b = PRINT_BLEED
            obj["BleedBox"] = pydyf.Array([left - b, top - b, right + b, bottom + b])
        elif isinstance(obj, pydyf.Stream) and obj.extra.get("Type") == "/Metadata":
            xmp = b"".join(obj.stream)
            obj.stream = [re.sub(rb"xmp\.did:[0-9a-f-]{36}", stable_id, xmp)]


def size(n: int) -> str:
    """Bytes in KB or MiB, as people read them."""
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 1024:.0f} KB"


def parse_size(text: str) -> int:
    """'1MiB', '500KB', '2000000' → bytes (for --max-size)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(|B|KB|KiB|MB|MiB)\s*", text, re.I)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 1MiB or 500KB)")
    units = {"": 1, "b": 1, "kb": 1000, "kib": 1024, "mb": 10**6, "mib": 2**20}
    return int(float(match[1]) * units[match[2].lower()])


def fail_on_errors(brief: Brief, records: list[logging.LogRecord]) -> None:
    """Turn the first ERROR WeasyPrint logged into a build failure."""
    for record in records:
        if record.levelno >= logging.ERROR:
            raise located(brief, record.getMessage().rstrip(": "))


def located(brief: Brief, message: str) -> BriefError:
    """An error at the Markdown line naming the file a message is about, URLs made relative."""
    folder = brief.path.resolve().parent.as_uri() + "/"
    message = message.replace(folder, "")
    line = 1
    for name in re.findall(r"[\w.-]+\.\w+", unquote(message)):
        hits = [i for i, text in enumerate(brief.markdown.split("\n")) if name in text]
        if hits:
            line = brief.body_line + hits[0]
            break
    return BriefError(brief.path, line, message)


def write_atomically(target: Path, data: bytes | str) -> None:
    """Write beside the target, then rename over it: never a half-written file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data.encode() if isinstance(data, str) else data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- command line


@dataclass
class Result:
    """What building (or checking) one brief came to, as the command line reports it."""

    path: Path
    problems: list[Problem]
    pages: int = 0
    size: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(p.level == "error" for p in self.problems)


class TimeLimit(BaseException):
    """A build ran past its time limit (a BaseException: WeasyPrint must not swallow it)."""


_EXPIRED = threading.Event()  # set when the time limit passes, in case its exception was swallowed


@contextlib.contextmanager
def time_limit(seconds: float):
    """Interrupt the work inside after so many seconds (main thread only, where signals go)."""
    _EXPIRED.clear()
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        _EXPIRED.set()
        raise TimeLimit

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Failed(Exception):
    """A brief with errors (or, in strict mode, warnings): nothing is written."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def gate(brief: Brief, config: Config) -> None:
    """Stop a brief that has errors, or warnings in strict mode, or that ran out of time."""
    if _EXPIRED.is_set():  # the signal may have struck inside code that ignores exceptions
        raise TimeLimit
    if config.strict:
        brief.problems = [dataclasses.replace(p, level="error") for p in brief.problems]
    if any(p.level == "error" for p in brief.problems):
        raise Failed(brief.problems)


def build(path: Path, config: Config) -> Result:
    """Run the four stages for one brief (only the first three with --check)."""
    start = time.perf_counter()
    try:
        with time_limit(config.timeout):
            if not path.is_file():
                raise BriefError(path, 1, "no such file")
            brief = read(path)
            html = render(brief, convert(brief, config), config)
            gate(brief, config)
            if config.check:
                return Result(path, brief.problems, seconds=time.perf_counter() - start)
            pages, written = roomy_frame_stack(print_pdf, brief, html, config, config.target(path))
            if config.html:  # only beside a PDF that was written
                write_atomically(config.target(path, "html"), html_copy(brief, html, config))
                write_screen_assets(config)
            if config.preview:
                preview(config.target(path), config.out_dir / "preview")
    except TimeLimit:
        message = f"the build took longer than {config.timeout:g} s (--timeout); nothing written"
        return Result(path, [Problem(path, 1, "error", message)])
    except BriefError as error:
        return Result(path, [error.problem])
    except Failed as failure:
        return Result(path, failure.problems)
    except Exception as error:  # a bug of ours: still one line, not a traceback
        message = f"internal error ({type(error).__name__}: {error}); please report it"
        return Result(path, [Problem(path, 1, "error", message)])
    return Result(path, brief.problems, pages, written, time.perf_counter() - start)


def report(result: Result, config: Config) -> None:
    """Print a brief's problems and its one line: placeholder links summed up when building."""
    placeholders = [p for p in result.problems if p.message.startswith("placeholder link")]
    for problem in result.problems:
        if problem not in placeholders or config.check or problem.level == "error":
            print(problem, file=sys.stderr)
    if placeholders and not config.check and result.ok:
        first = placeholders[0]
        count = f"{len(placeholders)} placeholder links (#) have"
        if len(placeholders) == 1:
            count = "1 placeholder link (#) has"
        where = f"{display(first.path)}:{first.line}"
        print(f"{where}: warning: {count} no address yet; --check lists them", file=sys.stderr)
    if config.check:
        errors = sum(p.level == "error" for p in result.problems)
        summary = f"{errors} errors, {len(result.problems) - errors} warnings"
        print(f"{display(result.path)}: {summary}, {len(placeholders)} placeholder links (#)")
    elif result.ok:
        out = config.target(result.path)
        print(f"{display(out)}: {result.pages} pages, {size(result.size)}, {result.seconds:.1f} s")


def build_all(files: list[Path], config: Config, jobs: int) -> list[Result]:
    """Build the briefs, in worker processes when there are several; report each as it ends."""
    if jobs <= 1 or len(files) <= 1:
        results = []
        for path in files:
            results.append(build(path, config))
            report(results[-1], config)
        return results
    from concurrent.futures import ProcessPoolExecutor, as_completed

    workers = min(jobs, len(files))
    with ProcessPoolExecutor(max_workers=workers, initializer=start_worker) as pool:
        futures = [pool.submit(build, path, config) for path in files]
        results = []
        for future in as_completed(futures):
            results.append(future.result())
            report(results[-1], config)
    return results


def summary(results: list[Result], seconds: float) -> str:
    """One line for a series: built, failed, pages, bytes, seconds."""
    built = [r for r in results if r.ok]
    pages, total = sum(r.pages for r in built), sum(r.size for r in built)
    return (
        f"built {len(built)}, failed {len(results) - len(built)}, {pages} pages, "
        f"{size(total)}, {seconds:.1f} s"
    )


def watch(files: list[Path], config: Config, stop=None, interval: float = 0.3) -> None:
    """Rebuild on every save of a brief, its images, a template or a style, in this process."""

    def stamps() -> dict[Path, int]:
        watched = [*files, *config.templates.glob("*.html"), *config.styles_dir.glob("*.css")]
        watched += [p for f in files if f.is_file() for p in f.parent.iterdir() if p.is_file()]
        return {p: p.stat().st_mtime_ns for p in watched if p.exists()}

    seen = stamps()
    build_all(files, config, jobs=1)
    print(f"watching {len(seen)} files; Ctrl-C stops", file=sys.stderr, flush=True)
    while not (stop and stop.is_set()):
        time.sleep(interval)
        now = stamps()
        if now != seen:
            changed = {p for p in now.keys() | seen.keys() if now.get(p) != seen.get(p)}
            seen = now
            shared = any(p.suffix in (".html", ".css") for p in changed)
            build_all(
                [
                    f
                    for f in files
                    if shared or f in changed or f.parent in {c.parent for c in changed}
                ],
                config,
                jobs=1,
            )
            sys.stderr.flush()
            sys.stdout.flush()


SKELETON = """---
{front_matter}---

## Introduction

Write what happened and why it matters for civic space in {country}.

## Freedom of peaceful assembly

Write about protests and how the authorities responded.

## Freedom of expression

Write about journalists, media and online speech.

## Freedom of association

Write about civil society organisations and human rights defenders.

## Recommendations

### To the authorities of {country}:

- Write the first recommendation.

### To the international community:

- Write the first recommendation.
"""


def new_brief(country: str, date: str, rating: str, folder: Path) -> Path:
    """Write a new brief with valid front matter and the series' sections; never overwrite."""
    meta = {"country": country, "title": "Overview of recent restrictions to civic freedoms",
            "date": date, "rating": rating}  # fmt: skip
    front_matter = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    text = SKELETON.format(front_matter=front_matter, country=country)
    slug = slugify(country, "-") or "brief"
    path = folder / f"{slug}-{date}.md"
    validate(path, text.split("---")[1])  # the same checks as any brief
    if path.exists():
        raise BriefError(path, 1, "already exists; not overwritten")
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as out:
        out.write(text)
    return path


class ImageSources(HTMLParser):
    """The `src` of every image in an HTML text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.sources: set[str] = set()
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.update(value for name, value in attrs if name == "src" and value)


def html_copy(brief: Brief, html: str, config: Config) -> str:
    """The HTML with the brief's images copied to DIR/assets/<stem>/, so the folder moves whole."""
    folder = brief.path.resolve().parent
    for src in sorted(ImageSources(html).sources):
        if SCHEME_RE.match(src) or src.startswith("/"):
            continue
        image = (config.out_dir / unquote(src)).resolve()
        if not image.is_relative_to(folder) or not image.is_file():
            continue  # the build refused it already
        name = image.relative_to(folder).as_posix()
        write_atomically(config.out_dir / "assets" / brief.path.stem / name, image.read_bytes())
        html = html.replace(f'src="{src}"', f'src="{quote(f"assets/{brief.path.stem}/{name}")}"')
    return html


def write_screen_assets(config: Config) -> None:
    """Give the HTML copy its screen stylesheet and fonts in DIR/assets/."""
    assets = config.out_dir / "assets"
    css = (config.styles_dir / "brief.css").read_text(encoding="utf-8")
    write_atomically(assets / "brief.css", css.replace("url(font:", "url(fonts/"))
    fonts = font_dirs()
    for name in sorted(set(re.findall(r"url\(font:([\w.-]+)\)", css))):
        target = assets / "fonts" / name
        if not target.exists():
            write_atomically(target, fonts[name].read_bytes())


def preview(pdf: Path, folder: Path, dpi: int = 96) -> list[Path]:
    """Render every page of a PDF to `folder/<stem>-<n>.png`."""
    import pypdfium2

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{pdf.stem}-*.png"):
        old.unlink()
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for number, page in enumerate(document, 1):
            pages.append(folder / f"{pdf.stem}-{number}.png")
            page.render(scale=dpi / 72).to_pil().save(pages[-1], optimize=True)
        return pages
    finally:
        document.close()


def positive(text: str) -> float:
    """A number of seconds above zero (for --timeout)."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"not a number of seconds above 0: {text!r}")
    return seconds


def parser() -> argparse.ArgumentParser:
    """The command line."""
    cli = argparse.ArgumentParser(
        prog="build.py",
        description="Build Watchlist briefs (Markdown with front matter) into tagged PDF/UA-1.",
        epilog="exit status:\n  0  every brief built (or checked without errors)\n"
        "  1  a brief has an error, printed as path:line: error: message\n  2  usage error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = cli.add_argument
    add("files", nargs="*", type=Path, metavar="FILE", help="briefs (default: every content/*.md)")
    add(
        "-o",
        "--out",
        type=Path,
        default=ROOT / "build",
        metavar="DIR",
        help="output folder (default: build/)",
    )
    add("--html", action="store_true", help="also write DIR/<stem>.html, the HTML copy")
    add("--preview", action="store_true", help="also render pages to DIR/preview/<stem>-<n>.png")
    add("--print", dest="print_copy", action="store_true",
        help="the press-ready copy DIR/<stem>-print.pdf: PDF/X-4, 3 mm bleed, crop marks, "
        "links as source notes")  # fmt: skip
    add("--pdf-variant", metavar="VARIANT", choices=PDF_VARIANTS,
        help="instead of pdf/ua-1 (pdf/x-4 with --print): " + ", ".join(PDF_VARIANTS))  # fmt: skip
    add("--max-size", type=parse_size, default=2**20, metavar="SIZE",
        help="fail when the distributable PDF is larger (default 1MiB)")  # fmt: skip
    add("--check", action="store_true",
        help="report every problem (path:line: error|warning: message); write nothing")  # fmt: skip
    add("--strict", action="store_true", help="treat warnings as errors")
    add("--timeout", type=positive, default=MAX_SECONDS, metavar="SECONDS",
        help=f"give up on a brief after so long (default {MAX_SECONDS})")  # fmt: skip
    add("--watch", action="store_true", help="rebuild on every save of a brief, template or style")
    add("-j", "--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
        help="worker processes for several briefs (default: number of cores)")  # fmt: skip
    add("--new", metavar="COUNTRY", help="write content/<country>-<date>.md, a new brief")
    add("--date", metavar="YYYY-MM", help="the new brief's date (with --new)")
    add("--rating", choices=RATINGS, help="the new brief's rating (with --new)")
    return cli


def main(argv: list[str] | None = None) -> int:
    """Build, check, watch or start briefs as the command line asks; return the exit status."""
    cli = parser()
    args = cli.parse_args(argv)
    if args.new:
        if not (args.date and args.rating):
            cli.error("--new COUNTRY needs --date YYYY-MM and --rating RATING")
        try:
            print(display(new_brief(args.new, args.date, args.rating, ROOT / "content")))
        except BriefError as error:
            print(error, file=sys.stderr)
            return 1
        return 0
    files = args.files or sorted((ROOT / "content").glob("*.md"))
    config = Config(
        out_dir=args.out,
        html=args.html,
        preview=args.preview,
        print_copy=args.print_copy,
        pdf_variant=args.pdf_variant,
        max_bytes=args.max_size,
        check=args.check,
        strict=args.strict,
        timeout=args.timeout,
    )
    if args.watch:
        with contextlib.suppress(KeyboardInterrupt):
            watch(files, config)
        return 0
    start = time.perf_counter()
    results = build_all(files, config, args.jobs)
    if config.check:
        problems = [p for r in results for p in r.problems]
        errors = sum(p.level == "error" for p in problems)
        print(f"checked {len(results)}: {errors} errors, {len(problems) - errors} warnings")
    elif len(results) > 1:
        print(summary(results, time.perf_counter() - start))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    status = main()
    # A build leaves a large heap whose teardown takes 0.1 s: run the exit handlers (one removes
    # WeasyPrint's temporary fonts), flush, and leave without it.
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None when the command was started with it closed
                stream.flush()
        except (OSError, ValueError):
            status = status or 120  # what Python's own exit gives when it cannot flush
    os._exit(status)
