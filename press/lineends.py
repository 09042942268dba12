"""What the text says where a line ends inside an element: a word broken by the hyphenation says
its hyphen is a soft one, and a line whose closing space WeasyPrint 70 dropped says the space.

Tagged PDF asks that "an incidental word division" at a line's end "be represented by a soft
hyphen character", U+00AD, distinct from a hard hyphen (ISO 32000-1, 14.8.2.2.3): WeasyPrint 70
draws its hyphen as U+002D, which a screen reader reads out ("prosec-uted") and a search misses.
A note's lines, whose spaces are not kept (styles/brief.css, WeasyPrint #2308), lose the space
where they end, and their words run together ("teachersand"). Each such line is held in a Span
whose ActualText is its words, ending in "\u00ad" for the hyphen, or in the space. Which it is,
the page's HTML decides (`written.Page.text`): the words on either side of the line's end are
found there with a space between them, or joined.
Run in the finisher (press/pdffix.py); tested in tests/test_pdffix.py and tests/test_long.py.
"""

from __future__ import annotations

import re
import unicodedata

import pydyf

from .tagfix import INLINE, mark_of, marks, marks_of, number, resolve, tree
from .tounicode import mark_texts

SOFT_HYPHEN = "\u00ad"
HYPHENS = ("-", "\u2010")  # what the hyphenation draws, as the fonts' ToUnicode maps read it
CONTEXT = 12  # characters each side of a line's end that must be found as the page writes them
IGNORED_RE = re.compile("[\u00ad\u200b\u2060\ufeff]")


def squashed(text: str) -> str:
    """A text as compared here: its spaces one, no invisible character, in lower case."""
    return " ".join(IGNORED_RE.sub("", text).split()).casefold()


def written_as(before: str, after: str, page: str) -> str | None:
    """What the end of a line showing `before`, followed in its element by one showing `after`,
    stands for in the page's words (squashed): a soft hyphen, a space, or nothing but what shows.
    A hyphen found between the two words on the page is a hard one, whichever hyphen it is."""
    if not before or not after or before[-1].isspace() or after[0].isspace():
        return None
    if any(unicodedata.bidirectional(c) in ("R", "AL") for c in before + after):
        return None  # painted in visual order; read as written (press/written.py)
    tail, head = squashed(before)[-CONTEXT:], squashed(after)[:CONTEXT]
    if tail.endswith(HYPHENS) and tail[-2:-1].isalpha() and head[:1].isalpha():
        hard = any(tail[:-1] + hyphen + head in page for hyphen in (*HYPHENS, "\u2011"))
        return SOFT_HYPHEN if tail[:-1] + head in page and not hard else None
    if f"{tail} {head}" in page and tail + head not in page:
        return " "
    return None


PHRASES = INLINE | {"/NonStruct"}  # WeasyPrint 70 tags emphasis as NonStruct, one a line


def line_ends_as_written(pdf: pydyf.PDF, page_text: str) -> None:
    """Give each line whose end the tagged text misreads its words as written (ActualText)."""
    page, shown = squashed(page_text), mark_texts(pdf)
    for element in tree(pdf):
        if element.get("S") in PHRASES:
            continue
        lines = marks(pdf, element, PHRASES)  # its own: its blocks' (a note in an item) apart
        for at, mark in enumerate(lines[:-1]):
            before, after = shown.get(mark, ""), shown.get(lines[at + 1], "")
            if (meant := written_as(before, after, page)) == SOFT_HYPHEN:
                line_says(pdf, mark, before[:-1] + SOFT_HYPHEN)
            elif meant is not None:
                line_says(pdf, mark, before + meant)


def line_says(pdf: pydyf.PDF, mark: tuple[bytes, int], words: str) -> None:
    """Give a line its words as written (ActualText) on the Span that holds its marked sequence:
    in the structure tree, which a screen reader reads, not in the page's content, which a text
    extractor reads (Poppler joins a word broken by a hyphen it sees, not by a soft one)."""
    reference, mcid = mark
    holder = pdf.objects[number(marks_of(pdf, pdf.objects[number(reference)])[mcid])]
    if holder.get("S") != "/Span" or len(holder["K"]) != 1:
        holder = lines_as_spans(pdf, holder)[mark]
    holder["ActualText"] = pydyf.String(words)


def lines_as_spans(pdf: pydyf.PDF, holder: dict) -> dict[tuple[bytes, int], dict]:
    """Hold each marked sequence an element holds itself (a link's lines) in a Span of its own,
    as WeasyPrint 70 holds a paragraph's: a checker reads an element's own text before its
    kids' (outloud ORD-001). The Spans, by (page, MCID)."""
    spans, kids = {}, []
    for kid in holder["K"]:
        if (mark := mark_of(holder, resolve(pdf, kid))) is None:
            kids.append(kid)
            continue
        page, mcid = mark
        span = pydyf.Dictionary(
            {"Type": "/StructElem", "S": "/Span", "P": holder.reference, "Pg": page,
             "K": pydyf.Array([mcid])}
        )  # fmt: skip
        pdf.add_object(span)
        marks_of(pdf, pdf.objects[number(page)])[mcid] = span.reference
        spans[page, mcid] = span
        kids.append(span.reference)
    holder["K"] = pydyf.Array(kids)
    return spans
