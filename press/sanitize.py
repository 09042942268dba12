"""The HTML allow-list: what raw HTML in a brief may keep once Markdown has converted it."""

from __future__ import annotations

import os
import re
from functools import partial
from pathlib import Path
from urllib.parse import quote, unquote

import nh3

from .config import MAX_SPAN
from .extension import leads_somewhere, published
from .frontmatter import HIDDEN_RE

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dfn", "dl",
    "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "section", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
}  # fmt: skip
ATTRIBUTES = {
    "*": {"id", "lang", "title"},
    "a": {"href", "aria-label"},  # the press names a link whose text is a bare number
    "img": {"src", "alt", "width", "height"},
    "li": {"class"},
    "ol": {"start"},
    "span": {"class", "dir"},
    "td": {"align", "class", "colspan", "rowspan"},
    "th": {"align", "class", "colspan", "rowspan", "scope"},
    "time": {"datetime"},
}
SCHEME_RE = re.compile(r"[a-zA-Z][\w+.-]*:")  # an address, not a path beside the brief
BARE_LINK_RE = re.compile(r"<a>(.*?)</a>", re.DOTALL)


def sanitize(html: str, folder: Path, out_dir: Path) -> str:
    """Keep only the allowed tags and attributes; image paths made relative to the HTML copy."""
    html = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        attribute_filter=partial(filter_attribute, folder.resolve(), out_dir.resolve()),
    )
    # A raw HTML link whose address was dropped is written as a bare <a>, and links never nest
    # once parsed: its text alone, as a Markdown link that leads nowhere is.
    return BARE_LINK_RE.sub(r"\1", html)


def filter_attribute(folder: Path, out_dir: Path, tag: str, name: str, value: str) -> str | None:
    """Keep links that lead somewhere, image paths relative to the HTML, sane table spans."""
    if tag == "a" and name == "href":
        value = published(value)
        return value if leads_somewhere(value) and not HIDDEN_RE.search(value) else None
    if tag == "img" and name == "src":
        if SCHEME_RE.match(value) or value.startswith("/"):
            return value  # refused by the checks and the fetcher, with the brief's line
        return quote(Path(os.path.relpath(folder / unquote(value), out_dir)).as_posix())
    if tag == "li" and name == "class":  # the one class the press gives an item
        return value if value == "opens-with-block" else None
    if tag in ("td", "th") and name == "class":  # and a cell
        return value if value == "short" else None
    if name == "dir":
        return value if value in ("ltr", "rtl", "auto") else None
    if name in ("colspan", "rowspan"):
        return value if value.isdigit() and 0 < int(value) <= MAX_SPAN else "1"
    return value
