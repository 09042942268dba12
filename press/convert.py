"""Stage 2, convert: Markdown → sanitized HTML, with the facts the checks look at."""

from __future__ import annotations

import re
from dataclasses import dataclass

import markdown
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.smarty import SmartyExtension
from markdown.extensions.tables import TableExtension

from .charts import Charts
from .config import MAX_DEPTH, Config
from .extension import Fact, PressExtension, heading_key
from .frontmatter import Brief
from .i18n import Language
from .indent import ListIndents
from .problems import BriefError
from .sanitize import sanitize
from .sourcemap import SourceMap
from .typeset import quotes

TAG_RE = re.compile(r"<(/?)([a-z0-9]+)[^>]*?(/?)>")
VOID = ("br", "img", "hr")


@dataclass(frozen=True)
class Converted:
    """A brief's body as HTML, its sections and the facts found on the way."""

    html: str
    toc: list[tuple[str, str]]  # (id, heading) of each `##` section
    facts: list[Fact]


def convert(brief: Brief, config: Config, language: Language) -> Converted:
    """Markdown → sanitized HTML body, with sections, page-foot notes and figures."""
    source = SourceMap(brief.markdown, brief.body_line)
    rtl = language.direction == "rtl"
    headings = recommendations_headings(brief, language)
    notes = language.gettext("Notes")
    press = PressExtension(
        source, headings, rtl, notes=notes, lang=language.tag, gettext=language.gettext
    )
    opening, closing = quotes(language.tag)
    # Straight quotes typed become the language's; a straight apostrophe becomes ’.
    smarty = SmartyExtension(
        smart_dashes=False,
        smart_ellipses=False,
        substitutions={"left-double-quote": opening, "right-double-quote": closing},
    )
    md = markdown.Markdown(
        # Instances, not names: looking names up scans every package's entry points.
        extensions=[
            # A marker no brief can type (Python-Markdown strips STX and ETX from the source):
            # a paragraph reading "///Footnotes Go Here///" was replaced by the notes.
            FootnoteExtension(PLACE_MARKER="\x02press-notes\x03"),
            FencedCodeExtension(),
            TableExtension(use_align_attribute=True),
            SaneListExtension(),
            smarty,
            press,
        ],
        output_format="html",
    )
    # After Python-Markdown's whitespace normalising (30), before fenced code (25) and HTML (20).
    md.preprocessors.register(ListIndents(md), "press-list-indents", 28)
    # Before fenced code (25): a ```chart block is the press's, not code.
    charts = Charts(md, brief.path, brief.body_line, language.tag, rtl)
    md.preprocessors.register(charts, "press-charts", 27)
    try:
        html = md.convert(brief.markdown)
    except RecursionError:
        raise BriefError(
            brief.path, source.first_words(), "limit.depth", "nested too deeply"
        ) from None
    # Before the allow-list too: its time grows with the square of the tags left open.
    check_depth(brief, depth(html), source)
    html = charts.placed(sanitize(html, brief.path.parent, config.out_dir))
    check_depth(brief, depth(html), source)
    return Converted(html, press.toc, press.facts)


def check_depth(brief: Brief, deepest: int, source: SourceMap) -> None:
    """Refuse nesting deeper than the layout engine can take."""
    if deepest > MAX_DEPTH:
        message = f"content nested {deepest} deep; at most {MAX_DEPTH}"
        raise BriefError(brief.path, source.first_words(), "limit.depth", message)


def recommendations_headings(brief: Brief, language: Language) -> set[str]:
    """How the recommendations' `##` heading may read: in English, in the brief's language, or
    as the front matter's `recommendations` names it."""
    names = {"Recommendations", language.gettext("Recommendations"), brief.meta["recommendations"]}
    return {heading_key(name) for name in names if name}


def depth(html: str) -> int:
    """How deeply the elements of sanitized HTML nest."""
    level = deepest = 0
    for match in TAG_RE.finditer(html):
        if match[2] not in VOID and not match[3]:
            level += -1 if match[1] else 1
            deepest = max(deepest, level)
    return deepest
