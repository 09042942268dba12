#!/usr/bin/env python3
"""Build CIVICUS Monitor Watchlist briefs: Markdown with front matter → tagged PDF.

Four stages, one direction: read → convert → render → print.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import mimetypes
import os
import re
import stat
import sys
import tempfile
import time
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import markdown
import nh3
import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
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
PLACEHOLDER_RE = re.compile(r"\]\(#\)")
FONT_PACKAGES = ("font_source_sans_pro", "font_source_serif_pro")
MAX_DEPTH = 40  # WeasyPrint recurses per box; ~137 nested boxes overflow its stack.
MAX_FETCH_BYTES = 20 * 1024 * 1024
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


class BriefError(Exception):
    """A user's mistake, reported as `path:line: error: message`."""

    def __init__(self, path: Path | str, line: int, message: str):
        super().__init__(message)
        self.path, self.line, self.message = path, line, message

    def __str__(self) -> str:
        return f"{display(self.path)}:{self.line}: error: {self.message}"


@dataclass
class Config:
    """Everything a build needs, passed explicitly from stage to stage."""

    out_dir: Path = ROOT / "build"
    html: bool = False
    preview: bool = False
    print_copy: bool = False  # the press-ready copy instead of the distributable one
    pdf_variant: str | None = None  # default: pdf/ua-1, or pdf/x-4 for the print copy
    max_bytes: int | None = 2**20  # size budget of the distributable copy
    templates: Path = ROOT / "templates"
    styles_dir: Path = ROOT / "styles"

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
    warnings: list[str] = field(default_factory=list)


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
    raw = path.read_bytes()
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
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
        data = yaml.load(source, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(error, "problem", None) or str(error)
        raise BriefError(path, line, f"front matter is not valid YAML: {problem}") from None
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise BriefError(path, 2, "front matter must be 'key: value' lines")
    lines = {str(k.value): k.start_mark.line + 2 for k, _ in node.value}
    meta = {}
    for key in data:
        if str(key) not in SCHEMA:
            allowed = ", ".join(SCHEMA)
            raise BriefError(
                path, lines.get(str(key), 2), f"unknown key '{key}'; allowed: {allowed}"
            )
    for key, (required, default, meaning) in SCHEMA.items():
        if key not in data:
            if required:
                raise BriefError(path, 1, f"missing required key '{key}' ({meaning})")
            meta[key] = default
            continue
        meta[key] = check_value(path, lines[key], key, data[key], meaning)
    return meta


def check_value(path: Path, line: int, key: str, value: object, meaning: str) -> object:
    """Return the value of one front-matter key in its checked form."""
    if key == "date":
        return parse_date(path, line, value)
    if key == "figures":
        ok = isinstance(value, list) and all(
            isinstance(f, dict) and set(f) == {"value", "label"} for f in value
        )
        if not ok:
            raise BriefError(path, line, f"'figures' must be {meaning}")
        return [{"value": str(f["value"]), "label": str(f["label"])} for f in value]
    if key == "contents":
        if not isinstance(value, bool):
            raise BriefError(path, line, "'contents' must be true or false")
        return value
    if not isinstance(value, str | int | float) or isinstance(value, bool) or str(value) == "":
        raise BriefError(path, line, f"'{key}' must be text: {meaning}")
    value = str(value).strip()
    if key == "rating" and value.lower() not in RATINGS:
        raise BriefError(path, line, f"unknown rating '{value}'; allowed: {', '.join(RATINGS)}")
    if key == "lang" and not LANG_RE.match(value):
        raise BriefError(path, line, f"'lang' must be {meaning}, not '{value}'")
    if key == "layout" and not re.fullmatch(r"[a-z][a-z0-9_-]*", value):
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
    """Wrap each `##` heading and what follows it in `<section id="slug">`."""

    def run(self, root: etree.Element) -> None:
        section, self.md.press_toc = None, []
        for child in list(root):
            if child.tag == "h2":
                heading = "".join(child.itertext()).strip()
                slug = base = slugify_unicode(heading, "-") or "section"
                while slug in (s for s, _ in self.md.press_toc):
                    slug = f"{base}-{len(self.md.press_toc)}"
                self.md.press_toc.append((slug, heading))
                section = etree.Element("section", id=slug)
                root.insert(list(root).index(child), section)
            if section is not None and child.tag != "section":
                root.remove(child)
                section.append(child)


class Footnotes(Treeprocessor):
    """Move each footnote's text to its call, as an inline element floated to the page foot."""

    def run(self, root: etree.Element) -> None:
        notes = root.find("./div[@class='footnote']")
        if notes is None:
            return
        root.remove(notes)
        bodies = {li.get("id"): li for li in notes.iter("li")}
        for parent in list(root.iter()):
            for sup in list(parent):
                ref = sup.find("a[@class='footnote-ref']") if sup.tag == "sup" else None
                if ref is None:
                    continue
                note = etree.Element("span", {"class": "footnote"})
                note.tail = sup.tail
                for i, para in enumerate(bodies[ref.get("href", "#")[1:]].findall("p")):
                    for link in para.findall("a[@class='footnote-backref']"):
                        para.remove(link)
                    if i:
                        etree.SubElement(note, "br")
                    inline_into(note, para)
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


class Links(Treeprocessor):
    """Make `#` and relative links placeholder `<a>`s (no href): nothing to follow in a PDF."""

    def run(self, root: etree.Element) -> None:
        for link in root.iter("a"):
            href = link.get("href", "")
            if href == "#" or not re.match(r"(#.|https?:|mailto:)", href):
                link.attrib.pop("href", None)


class SourceNotes(Treeprocessor):
    """Follow each real link with its address: the print copy shows it as a source note."""

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for link in [child for child in parent if child.tag == "a" and child.get("href")]:
                if link.get("href").startswith("#"):
                    continue
                note = etree.Element("span", {"class": "source"})
                note.text, note.tail, link.tail = link.get("href"), link.tail, None
                parent.insert(list(parent).index(link) + 1, note)


class ImagePaths(Treeprocessor):
    """Make image paths, written relative to the brief, relative to the HTML's folder."""

    def __init__(self, md: markdown.Markdown, source: Path, out_dir: Path):
        super().__init__(md)
        self.source, self.out_dir = source.resolve().parent, out_dir.resolve()

    def run(self, root: etree.Element) -> None:
        for img in root.iter("img"):
            src = img.get("src", "")
            if src and not re.match(r"[a-zA-Z][\w+.-]*:|/", src):
                path = os.path.relpath(self.source / unquote(src), self.out_dir)
                img.set("src", quote(Path(path).as_posix()))


class PressExtension(Extension):
    """Register the press's tree changes after inline parsing, before prettifying."""

    def __init__(self, source: Path, out_dir: Path):
        super().__init__()
        self.source, self.out_dir = source, out_dir

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(ImagePaths(md, self.source, self.out_dir), "press-images", 18)
        md.treeprocessors.register(Footnotes(md), "press-footnotes", 17)
        md.treeprocessors.register(Links(md), "press-links", 16.6)
        md.treeprocessors.register(SourceNotes(md), "press-source-notes", 16.5)
        md.treeprocessors.register(Figures(md), "press-figures", 16)
        md.treeprocessors.register(Sections(md), "press-sections", 15)


ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dfn", "dl",
    "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "section", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id", "lang", "title"},
    "a": {"href"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "span": {"class"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "time": {"datetime"},
}


def convert(brief: Brief, config: Config) -> str:
    """Markdown → sanitized HTML body, with sections, page-foot notes and figures."""
    md = markdown.Markdown(
        extensions=[
            "footnotes",
            "tables",
            "sane_lists",
            PressExtension(brief.path, config.out_dir),
        ],
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )
    html = md.convert(brief.markdown)
    brief.toc = getattr(md, "press_toc", [])
    html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
    )
    check_depth(brief, html)
    brief.warnings += placeholder_warnings(brief)
    return html


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
            brief.path, brief.body_line, f"content nested {deepest} deep; at most {MAX_DEPTH}"
        )


def placeholder_warnings(brief: Brief) -> list[str]:
    """One warning per `(#)` link, naming its line."""
    warnings = []
    for offset, line in enumerate(brief.markdown.split("\n")):
        for _ in PLACEHOLDER_RE.finditer(line):
            where = f"{display(brief.path)}:{brief.body_line + offset}"
            warnings.append(f"{where}: warning: placeholder link (#) has no address yet")
    return warnings


# ---------------------------------------------------------------- 3. render


def environment(config: Config) -> Environment:
    """The Jinja environment: autoescaped, strict about undefined names."""
    env = Environment(
        loader=FileSystemLoader(config.templates),
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
    env = environment(config)
    if name not in env.list_templates():
        layouts = sorted(t[:-5] for t in env.list_templates() if t != "base.html")
        raise BriefError(brief.path, 1, f"unknown layout '{brief.meta['layout']}'; have: {layouts}")
    try:
        return env.get_template(name).render(
            meta=brief.meta,
            ratings=RATINGS,
            toc=brief.toc,
            body=Markup(body),  # the one place content is marked safe: sanitized in convert()
        )
    except TemplateError as error:
        line = getattr(error, "lineno", None) or 1
        raise BriefError(f"templates/{name}", line, f"template error: {error}") from None


# ---------------------------------------------------------------- 4. print


def font_dirs() -> dict[str, Path]:
    """Font file name → path, from the pinned font packages only."""
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
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.records.append(record)


def fetcher_class():
    """Build the rooted fetcher class (WeasyPrint is imported lazily)."""
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
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})

    return RootedFetcher


def print_pdf(brief: Brief, html: str, config: Config, target: Path) -> int:
    """Lay out the HTML with WeasyPrint, write the PDF atomically; return its page count."""
    from weasyprint import CSS, HTML
    from weasyprint.logger import LOGGER
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError

    fetcher = fetcher_class()([brief.path.parent, config.styles_dir], font_dirs())
    collector = Collector()
    LOGGER.addHandler(collector)
    fonts = FontConfiguration()
    try:
        styles = [
            CSS(filename=path, url_fetcher=fetcher, font_config=fonts) for path in config.styles
        ]
        document = HTML(
            string=html,
            base_url=config.target(brief.path, "html").resolve().as_uri(),
            url_fetcher=fetcher,
        ).render(stylesheets=styles, font_config=fonts, **config.pdf_options())
        fail_on_errors(brief, collector.records)
        finisher = finish_print_copy(brief) if config.print_copy else None
        pdf = document.write_pdf(finisher=finisher, **config.pdf_options())
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
    brief.warnings += [
        str(located(brief, r.getMessage())).replace(": error: ", ": warning: ", 1)
        for r in collector.records
    ]
    if config.max_bytes and not config.print_copy and len(pdf) > config.max_bytes:
        raise BriefError(
            brief.path,
            1,
            f"the PDF would be {size(len(pdf))}, over the {size(config.max_bytes)} budget; "
            "make images smaller or raise it with --max-size",
        )
    write_atomically(target, pdf)
    return len(document.pages)


def finish_print_copy(brief: Brief):
    """Make the print copy's boxes exact and its PDF/X document ID stable."""
    import uuid

    import pydyf

    stable_id = f"xmp.did:{uuid.uuid5(uuid.NAMESPACE_URL, brief.path.resolve().as_uri())}".encode()

    def finish(document, pdf) -> None:
        for obj in pdf.objects:
            if isinstance(obj, dict) and "TrimBox" in obj:
                left, top, right, bottom = obj["TrimBox"]
                bleed = PRINT_BLEED
                obj["BleedBox"] = pydyf.Array(
                    [left - bleed, top - bleed, right + bleed, bottom + bleed]
                )
            elif isinstance(obj, pydyf.Stream) and obj.extra.get("Type") == "/Metadata":
                xmp = b"".join(obj.stream)
                obj.stream = [re.sub(rb"xmp\.did:[0-9a-f-]{36}", stable_id, xmp)]

    return finish


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


def build(path: Path, config: Config) -> tuple[Brief, int]:
    """Run the four stages for one brief; return it and its page count."""
    brief = read(path)
    html = render(brief, convert(brief, config), config)
    if config.html:
        write_atomically(config.target(path, "html"), html)
        write_screen_assets(config)
    pages = print_pdf(brief, html, config, config.target(path))
    if config.preview:
        preview(config.target(path), config.out_dir / "preview")
    return brief, pages


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


def parser() -> argparse.ArgumentParser:
    """The command line."""
    cli = argparse.ArgumentParser(
        prog="build.py",
        description="Build Watchlist briefs (Markdown with front matter) into tagged PDF/UA-1.",
        epilog="exit status:\n  0  every brief built\n"
        "  1  a brief has an error, printed as path:line: error: message\n  2  usage error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.add_argument("files", nargs="*", type=Path, metavar="FILE",
                     help="briefs to build (default: every content/*.md)")  # fmt: skip
    cli.add_argument("-o", "--out", type=Path, default=ROOT / "build", metavar="DIR",
                     help="output folder (default: build/)")  # fmt: skip
    cli.add_argument("--html", action="store_true",
                     help="also write DIR/<stem>.html, the HTML handed to WeasyPrint")  # fmt: skip
    cli.add_argument("--preview", action="store_true",
                     help="also render every page to DIR/preview/<stem>-<n>.png")  # fmt: skip
    cli.add_argument("--print", dest="print_copy", action="store_true",
                     help="build the press-ready copy DIR/<stem>-print.pdf: PDF/X-4, 3 mm "
                     "bleed, crop marks, links as source notes")  # fmt: skip
    cli.add_argument("--pdf-variant", metavar="VARIANT", choices=PDF_VARIANTS,
                     help="PDF variant instead of pdf/ua-1 (pdf/x-4 with --print): "
                     + ", ".join(PDF_VARIANTS))  # fmt: skip
    cli.add_argument("--max-size", type=parse_size, default=2**20, metavar="SIZE",
                     help="fail when the distributable PDF is larger (default 1MiB)")  # fmt: skip
    return cli


def main(argv: list[str] | None = None) -> int:
    """Build the briefs named on the command line; return the exit status."""
    args = parser().parse_args(argv)
    files = args.files or sorted((ROOT / "content").glob("*.md"))
    config = Config(
        out_dir=args.out,
        html=args.html,
        preview=args.preview,
        print_copy=args.print_copy,
        pdf_variant=args.pdf_variant,
        max_bytes=args.max_size,
    )
    status = 0
    for path in files:
        start = time.perf_counter()
        try:
            if not path.is_file():
                raise BriefError(path, 1, "no such file")
            brief, pages = build(path, config)
        except BriefError as error:
            print(error, file=sys.stderr)
            status = 1
            continue
        for warning in brief.warnings:
            print(warning, file=sys.stderr)
        out = config.target(path)
        seconds = time.perf_counter() - start
        print(f"{display(out)}: {pages} pages, {size(out.stat().st_size)}, {seconds:.1f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
