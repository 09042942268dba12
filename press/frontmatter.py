"""Stage 1, read: split a brief into front matter and Markdown; validate the front matter."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from iso3166 import countries_by_alpha2

from . import i18n
from .config import MAX_BRIEF_BYTES, RATINGS
from .problems import BriefError

DATE_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
LANG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
LAYOUT_RE = re.compile(r"[a-z][a-z0-9_-]*")

# key: (required, default, meaning shown in errors)
SCHEMA: dict[str, tuple[bool, object, str]] = {
    "country": (True, None, "the country's name"),
    "title": (True, None, "the brief's title"),
    "date": (True, None, "YYYY-MM or YYYY-MM-DD"),
    "rating": (True, None, "one of " + ", ".join(RATINGS)),
    "series": (False, None, "the series name (default: the layout's, in the brief's language)"),
    "doctype": (False, None, "the cover's doctype (default: the layout's)"),
    "lang": (False, "en", "a language tag such as en, es-419 or ru"),
    "author": (False, "CIVICUS Monitor", "the PDF's author"),
    "layout": (False, "brief", "a template name in templates/"),
    "figures": (False, [], "a list of {value, label} key figures stated in the text"),
    "contents": (False, False, "true for a contents page after the cover"),
    "recommendations": (False, None, "the heading of the recommendations, when not the usual"),
    "iso": (False, None, "the country's ISO 3166 code (KZ), when its name is not one CLDR knows"),
    "map": (False, True, "false for a cover without the country's map"),
}


@dataclass(frozen=True)
class Brief:
    """One brief as read from disk: where it is, its checked front matter and its Markdown."""

    path: Path
    meta: dict
    markdown: str
    body_line: int  # line of the file where the Markdown starts
    lines: dict[str, int] = field(default_factory=dict)  # front-matter key → its line


def read(path: Path) -> Brief:
    """Read a brief from disk: decoded, split and validated."""
    try:
        if not path.is_file():
            raise BriefError(path, 1, "file.missing", "no such file")
        size = path.stat().st_size
    except OSError as error:  # a name too long for the file system, a folder not to be read
        raise BriefError(path, 1, "file.missing", f"cannot be read: {error.strerror}") from None
    if size > MAX_BRIEF_BYTES:
        limit = f"{MAX_BRIEF_BYTES // 2**20} MiB"
        raise BriefError(path, 1, "file.size", f"the brief is larger than {limit}; split it")
    front, markdown, body_line = split(path, decode(path, path.read_bytes()))
    meta, lines = validate(path, front)
    return Brief(path, meta, markdown, body_line, lines)


def decode(path: Path, raw: bytes) -> str:
    """A brief's bytes as text with `\\n` line ends, or an error at the line that is not UTF-8."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BriefError(path, 1, "file.encoding", "the file is UTF-16 text; save it as UTF-8")
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        raise BriefError(path, line, "file.encoding", "a NUL byte: not a text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise BriefError(path, line, "file.encoding", "not UTF-8 text; save it as UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split(path: Path, text: str) -> tuple[str, str, int]:
    """(front matter, Markdown, line where the Markdown starts) of a brief's text."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        message = "a brief starts with front matter: a line '---', keys, '---'"
        raise BriefError(path, 1, "front.missing", message)
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() in ("---", "...")), None)
    if end is None:
        raise BriefError(path, 1, "front.missing", "the front matter has no closing '---' line")
    return "\n".join(lines[1:end]), "\n".join(lines[end + 1 :]), end + 2


def validate(path: Path, source: str) -> tuple[dict, dict[str, int]]:
    """Load front matter with the safe loader, check it against SCHEMA; the values and lines."""
    node = compose(path, source)
    if not isinstance(node, yaml.MappingNode):
        raise BriefError(path, 2, "front.syntax", "front matter must be 'key: value' lines")
    data, lines = {}, {}
    for key_node, value_node in node.value:
        key, line = str(key_node.value), key_node.start_mark.line + 2
        if key not in SCHEMA or not isinstance(key_node, yaml.ScalarNode):
            message = f"unknown key '{key}'; allowed: {', '.join(SCHEMA)}"
            raise BriefError(path, line, "front.key", message)
        if key in data:
            message = f"'{key}' is given twice (also on line {lines[key]})"
            raise BriefError(path, line, "front.key", message)
        data[key], lines[key] = construct(path, line, value_node), line
    meta = {}
    for key, (required, default, meaning) in SCHEMA.items():
        if key in data:
            meta[key] = check_value(path, lines[key], key, data[key], meaning)
        elif required:
            raise BriefError(path, 1, "front.key", f"missing required key '{key}' ({meaning})")
        else:
            meta[key] = default
    return meta, lines


def compose(path: Path, source: str) -> yaml.Node | None:
    """Parse front matter into YAML nodes, refusing aliases (a YAML bomb's fuse)."""
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.reader.ReaderError as error:
        line = source[: error.position].count("\n") + 2
        message = f"a control character (#x{error.character:04x}) is not allowed"
        raise BriefError(path, line, "front.syntax", message) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = " ".join(str(getattr(error, "problem", None) or error).split())
        line = mark.line + 2 if mark else 1
        message = f"front matter is not valid YAML: {problem}"
        if "mapping values are not allowed" in problem:
            message += "; a value with ': ' in it needs quotes: title: \"Before: after\""
        raise BriefError(path, line, "front.syntax", message) from None
    except RecursionError:
        raise BriefError(path, 2, "front.syntax", "front matter is nested too deeply") from None
    seen, stack = set(), [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            message = "anchors and aliases (& and *) are not allowed here"
            raise BriefError(path, node.start_mark.line + 2, "front.syntax", message)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack += [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return root


UNREADABLE = (yaml.YAMLError, ValueError, TypeError, KeyError, OverflowError, RecursionError)


def construct(path: Path, line: int, node: yaml.Node) -> object:
    """The Python value of one front-matter node, with the safe loader's types only."""
    try:
        return yaml.SafeLoader("").construct_object(node, deep=True)
    except UNREADABLE as error:
        message = " ".join(str(getattr(error, "problem", None) or error).split())
        raise BriefError(
            path, line, "front.value", f"this value cannot be read: {message}"
        ) from None


def check_value(path: Path, line: int, key: str, value: object, meaning: str) -> object:
    """Return the value of one front-matter key in its checked form."""

    def fail(message: str, code: str = "front.value"):
        raise BriefError(path, line, code, message)

    if key == "date":
        return parse_date(path, line, value)
    if key == "figures":
        if not is_figures(value):
            fail(f"'figures' must be {meaning}")
        figures = [{k: str(v).strip() for k, v in f.items()} for f in value]
        for figure in figures:
            for part, text in figure.items():
                check_text(path, line, f"a figure's {part}", text, LONGEST[f"figure {part}"])
        return figures
    if key in ("contents", "map"):
        if not isinstance(value, bool):
            fail(f"'{key}' must be true or false")
        return value
    if key == "iso" and not (isinstance(value, str) and value.upper() in countries_by_alpha2):
        fail(f"'iso' must be {meaning}, not {str(value)[:20]!r}")
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        fail(f"'{key}' must be text: {meaning}")
    if isinstance(value, int) and value.bit_length() > 64:
        fail(f"'{key}' is a number too long to be {meaning}")
    value = str(value).strip()
    if not value:
        fail(f"'{key}' is empty: give {meaning}")
    check_text(path, line, f"'{key}'", value, LONGEST.get(key, 200))
    if key == "rating" and value.lower() not in RATINGS:
        fail(f"unknown rating '{value}'; allowed: {', '.join(RATINGS)}", "front.rating")
    if key == "lang" and not (LANG_RE.match(value) and i18n.known(value)):
        have = ", ".join(i18n.catalogs())
        fail(f"unknown language '{value}'; the layout has catalogs for {have}", "front.lang")
    if key == "layout" and (value == "base" or not LAYOUT_RE.fullmatch(value)):
        fail(f"'layout' must be {meaning}, not '{value}'")
    return value.lower() if key == "rating" else value


# The most characters a value may have: the longest real ones, with room to spare. A country's
# name is set at 48 pt on the cover; the longest UN member's is 56 characters.
LONGEST = {"country": 80, "title": 250, "series": 120, "doctype": 160, "author": 120,
           "figure value": 24, "figure label": 120, "recommendations": 120}  # fmt: skip
# Control characters, bidi marks, embeddings, overrides and isolates, zero-width and format
# characters, lone surrogates: invisible, they would reorder, hide or break the words of a cover,
# a running head, the PDF's title or a new brief's file name. (Joiners, which Persian needs, stay.)
HIDDEN_RE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


def check_text(
    path: Path, line: int, what: str, value: str, longest: int, code: str = "front.value"
) -> None:
    """A text of the brief's (its front matter's, a chart's) has no hidden characters and is not
    absurdly long."""
    if hidden := HIDDEN_RE.search(value):
        message = f"{what} holds an invisible character (U+{ord(hidden[0]):04X}); remove it"
        raise BriefError(path, line, code, message)
    if len(value) > longest:
        message = f"{what} has {len(value)} characters, more than {longest}; shorten it"
        raise BriefError(path, line, code, message)


def is_figures(value: object) -> bool:
    """Whether a value is a list of {value, label} pairs of text or numbers."""
    return isinstance(value, list) and all(
        isinstance(f, dict)
        and set(f) == {"value", "label"}
        and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in f.values())
        for f in value
    )


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
    message = f"bad date '{value}'; write YYYY-MM or YYYY-MM-DD, e.g. 2022-03"
    raise BriefError(path, line, "front.date", message)
