"""Repairs to the fonts' ToUnicode maps WeasyPrint 70 writes, by which a text extractor, a search
or a copy gets the characters of each glyph (a screen reader reads ActualText: press/written.py).
Run in its finisher hook (press/pdffix.py); tested in tests/test_long.py, tests/test_languages.py.
"""

from __future__ import annotations

import io
import re
import unicodedata
from functools import partial

import pydyf
from fontTools.ttLib import TTFont

from .tagfix import marks, number, refs, resources, tree

ENTRY_RE = re.compile(rb"<([0-9a-fA-F]{4})> <((?:[0-9a-fA-F]{4})*)>")
RIGHT_TO_LEFT = {"R", "AL", "NSM"}  # letters written right to left, and the marks on them


def cmaps(pdf: pydyf.PDF):
    """Each font's ToUnicode stream, with the font."""
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Type") == "/Font" and "ToUnicode" in obj:
            yield obj, pdf.objects[number(obj["ToUnicode"])]


def unmapped_glyphs_named_by_their_font(pdf: pydyf.PDF) -> None:
    """Map a glyph WeasyPrint left without characters to those the font's own cmap gives it,
    a presentation form as its letters ("ﻼ" as "لا").

    WeasyPrint 70 maps a glyph to the text of its cluster up to the next glyph's: of two glyphs
    in one cluster (a lam-alef ligature and the vowel mark between its letters, "قتيلًا"), one
    gets nothing (outloud TXT-003), and an extractor shows a stray letter ("قتيȇ").
    """
    for font, cmap in cmaps(pdf):
        if not any(ENTRY_RE.fullmatch(line) and line.endswith(b"<>") for line in cmap.stream):
            continue
        program = embedded(pdf, font)
        if program is None:
            continue
        with TTFont(io.BytesIO(program), lazy=True) as face:
            order = {name: gid for gid, name in enumerate(face.getGlyphOrder())}
            drawn = {order[name]: chr(code) for code, name in sorted(face.getBestCmap().items())}

        cmap.stream = [ENTRY_RE.sub(partial(named, drawn), line) for line in cmap.stream]


def named(drawn: dict[int, str], match: re.Match) -> bytes:
    """A ToUnicode entry; where it maps to nothing, to what the font's cmap says the glyph is."""
    text = unicodedata.normalize("NFKC", drawn.get(int(match[1], 16), ""))
    if match[2] or not text:
        return match[0]
    return b"<" + match[1] + b"> <" + text.encode("utf-16-be").hex().encode() + b">"


def embedded(pdf: pydyf.PDF, font: dict) -> bytes | None:
    """The font program a Type 0 font embeds (a subset, its glyph ids and cmap kept)."""
    descendants = font.get("DescendantFonts")
    if not descendants:
        return None
    descendant = pdf.objects[number(descendants[0])]
    descriptor = pdf.objects[number(descendant["FontDescriptor"])]
    stream = descriptor.get("FontFile2") or descriptor.get("FontFile3")
    return b"".join(pdf.objects[number(stream)].stream) if stream else None


def right_to_left_glyphs_in_extraction_order(pdf: pydyf.PDF) -> None:
    """Map a glyph drawn for several right-to-left characters (a lam-alef ligature, a letter with
    its vowel mark) to them in the order a text extractor turns them round.

    WeasyPrint 70 paints right-to-left lines in visual order and maps each glyph to its text in
    logical order; Poppler and MuPDF read the line's characters and reverse them all, a glyph's
    text too: "البلاد" came out "البالد", every lam-alef of a brief turned round (upstream #2841).
    Measured on the long Arabic brief, its words as written: 1850 → 2018 of 2021 (MuPDF),
    1722 → 1886 (Poppler).
    """
    for _, cmap in cmaps(pdf):
        cmap.stream = [ENTRY_RE.sub(extraction_order, line) for line in cmap.stream]


def extraction_order(match: re.Match) -> bytes:
    """A ToUnicode entry, its characters reversed where there are several, all right to left."""
    text = bytes.fromhex(match[2].decode()).decode("utf-16-be")
    if len(text) > 1 and {unicodedata.bidirectional(c) for c in text} <= RIGHT_TO_LEFT:
        text = text[::-1]
    return b"<" + match[1] + b"> <" + text.encode("utf-16-be").hex().encode() + b">"


TEXT_RE = re.compile(rb"<([0-9a-fA-F]*)>")


def mark_texts(pdf: pydyf.PDF) -> dict[tuple[bytes, int], str]:
    """The text each marked sequence shows, as its fonts' ToUnicode maps read it, by (page,
    MCID): what the structure tree's elements say, for repairs that match them to the page."""
    maps: dict[bytes, dict[int, str]] = {}
    found: dict[tuple[bytes, int], str] = {}
    for reference in pdf.page_references:
        page = pdf.objects[number(reference)]
        fonts = resources(pdf, page, "Font")
        glyphs: dict[int, str] = {}
        mcid = None
        for item in pdf.objects[number(page["Contents"])].stream:
            if isinstance(item, pydyf.Dictionary) and "MCID" in item:
                mcid = item["MCID"]
            elif not isinstance(item, bytes):
                continue
            elif item.endswith(b" Tf"):
                font = fonts.get(item.split()[0][1:].decode())
                if font not in maps:
                    maps[font] = to_unicode(pdf, pdf.objects[number(font)]) if font else {}
                glyphs = maps[font]
            elif item == b"EMC":
                mcid = None
            elif mcid is not None and item.endswith((b"TJ", b"Tj")):
                codes = b"".join(TEXT_RE.findall(item)).decode()
                text = "".join(
                    glyphs.get(int(codes[i : i + 4], 16), "") for i in range(0, len(codes), 4)
                )
                found[reference, mcid] = found.get((reference, mcid), "") + text
    return found


def to_unicode(pdf: pydyf.PDF, font: dict) -> dict[int, str]:
    """A font's ToUnicode map: glyph → characters."""
    if "ToUnicode" not in font:
        return {}
    cmap = pdf.objects[number(font["ToUnicode"])]
    return {
        int(m[1], 16): bytes.fromhex(m[2].decode()).decode("utf-16-be")
        for line in cmap.stream
        if (m := ENTRY_RE.fullmatch(line))
    }


NUMBERING = {"•": "/Disc", "◦": "/Circle", "▪": "/Square", "–": "/None"}


def lists_numbered_as_shown(pdf: pydyf.PDF) -> None:
    """Give each list its ListNumbering, from what its first label shows: a number is Decimal,
    a bullet Disc. WeasyPrint 70 writes none (PDF/UA-1 asks it of a list with labels).
    No upstream issue found."""
    shown = None
    for element in tree(pdf):
        if element.get("S") != "/L" or "A" in element:
            continue
        labels = [e for item in refs(pdf, element) for e in refs(pdf, item) if e["S"] == "/Lbl"]
        if not labels:
            continue
        shown = shown if shown is not None else mark_texts(pdf)
        text = "".join(shown.get(mark, "") for mark in marks(pdf, labels[0])).strip()
        numbering = "/Decimal" if text[:1].isdigit() else NUMBERING.get(text[:1], "/None")
        element["A"] = pydyf.Dictionary({"O": "/List", "ListNumbering": numbering})
