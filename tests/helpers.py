"""Readers for what a built brief contains: text, structure, fonts."""

import ctypes
import itertools
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pikepdf
import pypdfium2
import pypdfium2.raw as pdfium_c
import tinyhtml5

# Hyphens are dropped to compare words a line may break: PDFium reports a hyphen that ends a
# line as U+FFFE.
HYPHENS = "-\u00ad\ufffe"

MM = 72 / 25.4  # PDF points in a millimetre

# The rating colours as styles/brief.css fills the scale's steps (RGB).
FILLS = {
    "closed": (0xE7, 0x1D, 0x26),
    "repressed": (0xE4, 0x6C, 0x16),
    "obstructed": (0xF6, 0xAB, 0x17),
    "narrowed": (0xAC, 0xAF, 0x3D),
    "open": (0x00, 0x9D, 0x5C),
}


# The front matter of the small briefs the tests write.
# No map: Testland is on none (the cover map has tests of its own); the body starts on line 8.
FRONT = "---\ncountry: Testland\ntitle: A title\ndate: 2024-02\nrating: narrowed\nmap: false\n---\n"


def layout_meta(source: Path) -> dict:
    """A brief's front matter with the layout's English defaults filled in, as the PDF shows them."""
    from press.frontmatter import read

    meta = dict(read(source).meta)
    meta["series"] = meta["series"] or "CIVICUS Monitor Watchlist"
    meta["doctype"] = meta["doctype"] or "A country research brief from the CIVICUS Monitor"
    return meta


def write(folder: Path, text: str | bytes, name: str = "brief.md") -> Path:
    """Write a brief (text as UTF-8, or bytes as they are) into a folder; return its path."""
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def page_texts(pdf: Path) -> list[str]:
    """The text of each page, as PDFium extracts it."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


# The press sets straight quotes as the language's: compare them as one mark.
QUOTES = str.maketrans("’‘“”„«»", '\'\'"""""')


def squash(text: str) -> str:
    """Compare text without case, whitespace, hyphens, or a quotation mark's shape."""
    return re.sub(rf"[\s{re.escape(HYPHENS)}]+", "", text).translate(QUOTES).casefold()


def source_sentences(markdown: str) -> list[str]:
    """Each sentence of a plain-text or Markdown source, links and emphasis removed.

    Footnote calls end a fragment: in the PDF their number stands in the text.
    """
    text = re.sub(r"\[\^\w+\]", "\n", markdown)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\*+|^#+ |^- |^> ", "", text, flags=re.M)
    text = re.sub(r"(?<=\S)\n(?=\S)", " ", text)  # join the lines of a paragraph
    sentences = []
    for line in text.splitlines():
        sentences += [s for s in re.split(r"(?<=[.!?:])\s+", line.strip()) if s]
    return sentences


def body_text(pdf: Path, running_head: str) -> str:
    """The text of all pages without running heads and folios, which interrupt sentences."""
    head = squash(running_head)
    lines = "\n".join(page_texts(pdf)).splitlines()
    return "\n".join(
        line
        for line in lines
        if squash(line) != head and not re.fullmatch(r"Page \d+ of \d+\s*", line)
    )


def html_tree(path: Path):
    """The built HTML as an ElementTree (namespace-free)."""
    return tinyhtml5.parse(path.read_text(encoding="utf-8"), namespace_html_elements=False)


def embedded_fonts(pdf: Path) -> list[pikepdf.Dictionary]:
    """Every font dictionary used on any page, descendant fonts included."""
    fonts = {}
    with pikepdf.open(pdf) as document:
        for page in document.pages:
            for font in page.Resources.get("/Font", {}).values():
                for f in [font, *font.get("/DescendantFonts", [])]:
                    fonts[str(f.BaseFont)] = {
                        "name": str(f.BaseFont),
                        "embedded": "/FontDescriptor" in f
                        and any(
                            k in f.FontDescriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
                        ),
                    }
    return list(fonts.values())


def kids(node: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    """A structure node's children that are objects (not marked-content ids), in order."""
    found = node.get("/K", [])
    found = list(found) if isinstance(found, pikepdf.Array) else [found]
    return [k for k in found if isinstance(k, pikepdf.Dictionary)]


def structure_nodes(document: pikepdf.Pdf):
    """Every object of an open PDF's structure tree, in document order."""
    stack = [document.Root.StructTreeRoot]
    while stack:
        node = stack.pop()
        yield node
        stack += reversed(kids(node))


def structure_elements(pdf: Path) -> list[tuple[str, dict]]:
    """The tagged structure tree, flattened in document order: (type, attributes)."""
    with pikepdf.open(pdf) as document:
        return [
            (str(node.S), {k: str(v) for k, v in node.items() if k == "/Alt"})
            for node in structure_nodes(document)
            if "/S" in node
        ]


def link_tags(pdf: Path) -> list[list[str]]:
    """For each /Link structure element, the subtypes of the annotations it holds."""
    with pikepdf.open(pdf) as document:
        return [
            [str(k.Obj.Subtype) for k in kids(node) if k.get("/Type") == "/OBJR"]
            for node in structure_nodes(document)
            if node.get("/S") == "/Link"
        ]


def link_uris(pdf: Path) -> list[str]:
    """The addresses of every link annotation, in page order."""
    with pikepdf.open(pdf) as document:
        return [
            str(a.A.URI)
            for page in document.pages
            for a in page.get("/Annots", [])
            if "/URI" in a.get("/A", {})
        ]


def artifact_texts(pdf: Path) -> list[list[str]]:
    """Per page, the text of each text object marked as an Artifact (which screen readers skip)."""

    def utf16(call, *args) -> str:
        size = call(*args, None, 0)
        buffer = ctypes.create_string_buffer(max(size, 1) * 2)
        call(*args, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)), size)
        return buffer.raw.decode("utf-16-le").split("\x00")[0]

    def mark_name(text_object, index: int) -> str:
        mark = pdfium_c.FPDFPageObj_GetMark(text_object, index)
        buffer, length = ctypes.create_string_buffer(512), ctypes.c_ulong()
        pointer = ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort))
        pdfium_c.FPDFPageObjMark_GetName(mark, pointer, 512, ctypes.byref(length))
        return buffer.raw[: length.value].decode("utf-16-le").rstrip("\x00")

    pages = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        for page in document:
            textpage, texts = page.get_textpage(), []
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]):
                marks = range(pdfium_c.FPDFPageObj_CountMarks(obj.raw))
                if "Artifact" in {mark_name(obj.raw, i) for i in marks}:
                    texts.append(utf16(pdfium_c.FPDFTextObj_GetText, obj.raw, textpage.raw))
            pages.append(texts)
    finally:
        document.close()
    return pages


def marked_texts(pdf: Path) -> dict[tuple[int, int], str]:
    """The text painted in each marked-content sequence: {(page index, MCID): text}."""
    found: dict[tuple[int, int], str] = {}
    document = pypdfium2.PdfDocument(pdf)
    try:
        for number, page in enumerate(document):
            textpage = page.get_textpage()
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]):
                mcid = pdfium_c.FPDFPageObj_GetMarkedContentID(obj.raw)
                size = pdfium_c.FPDFTextObj_GetText(obj.raw, textpage.raw, None, 0)
                buffer = ctypes.create_string_buffer(max(size, 1) * 2)
                pointer = ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort))
                pdfium_c.FPDFTextObj_GetText(obj.raw, textpage.raw, pointer, size)
                # PDFium writes \x02 for a hyphen it guesses ends a line: the file says "-".
                text = buffer.raw.decode("utf-16-le").split("\x00")[0].replace("\x02", "-")
                found[number, mcid] = found.get((number, mcid), "") + text
    finally:
        document.close()
    return found


def tagged_texts(pdf: Path, kind: str) -> list[str]:
    """The text of each structure element of a kind (`/Lbl`, `/TH`…), in document order."""
    return structure_texts(pdf, lambda node: node.get("/S") == kind)


PHRASES = {"/Span", "/Link", "/NonStruct", "/Reference", "/Quote", "/Code", "/Em", "/Strong"}


def structure_texts(pdf: Path, wanted, actual: bool = False) -> list[str]:
    """The text of each structure element wanted, in document order: its marked contents' and
    its kids'; with actual, an element's ActualText instead where it has one."""
    painted = marked_texts(pdf)
    with pikepdf.open(pdf) as document:
        pages = {page.objgen: i for i, page in enumerate(document.pages)}

        def text(node: pikepdf.Dictionary) -> str:
            apart = " " if actual and node.get("/S", "/Span") not in PHRASES else ""  # a block
            if actual and "/ActualText" in node:
                return apart + str(node.ActualText) + apart
            found = node.get("/K", pikepdf.Array())
            found = list(found) if isinstance(found, pikepdf.Array) else [found]
            page = pages.get(node.Pg.objgen) if "/Pg" in node else None
            return apart + "".join(
                painted.get((pages[k.Pg.objgen], int(k.MCID)), "")
                if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/MCR"
                else text(k) if isinstance(k, pikepdf.Dictionary)
                else painted.get((page, int(k)), "")
                for k in found
            ) + apart  # fmt: skip

        return [text(node) for node in structure_nodes(document) if wanted(node)]


def filled_paths(pdf: Path, page: int = 0) -> list[tuple[tuple[int, int, int], tuple]]:
    """Each opaque filled path of a page: its fill colour (RGB) and bounds (left, bottom, right, top)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        found = []
        for obj in document[page].get_objects(max_depth=8):
            if obj.type != pdfium_c.FPDF_PAGEOBJ_PATH:
                continue
            rgba = [ctypes.c_uint() for _ in range(4)]
            pdfium_c.FPDFPageObj_GetFillColor(obj.raw, *map(ctypes.byref, rgba))
            if rgba[3].value == 255:
                found.append((tuple(c.value for c in rgba[:3]), obj.get_bounds()))
        return found
    finally:
        document.close()


def early_breaks(pdf: Path) -> list[tuple[int, str, str]]:
    """Lines of body text that end although the next line's first word would have fitted.

    (page, the line's last word, the next line's first word), for lines of one paragraph: the same
    start, one leading apart. Notes, headings and running heads are left aside by their size.
    """
    import pymupdf

    found = []
    with pymupdf.open(pdf) as document:
        for number, page in enumerate(document):
            lines = []  # (left, right, baseline, words with their widths)
            for block in page.get_text("dict")["blocks"]:
                for line in block.get("lines", []):
                    spans = [s for s in line["spans"] if s["text"].strip()]
                    if spans and 9.5 <= max(s["size"] for s in spans) <= 11:  # body text
                        text = "".join(s["text"] for s in line["spans"]).strip()
                        left, right = line["bbox"][0], line["bbox"][2]
                        lines.append((left, right, spans[0]["origin"][1], text))
            if not lines:
                continue
            edge = max(right for _, right, _, _ in lines)
            for (left, right, y, text), after in itertools.pairwise(
                sorted(lines, key=lambda found: found[2])
            ):
                if not 10 < after[2] - y < 17 or abs(after[0] - left) > 2 or text.endswith("-"):
                    continue
                word = after[3].split(" ")[0]
                width = (after[1] - after[0]) * len(word) / len(after[3])  # its share of the line
                if edge - right > width + 6:
                    found.append((number + 1, text.split(" ")[-1], word))
    return found


def is_muted(fill: tuple) -> bool:
    """Whether a fill MuPDF reports is the --muted grey: #575757 on screen, the print copy's
    K 71 % as MuPDF shows it through the output intent (about 42 % grey)."""
    return max(fill) - min(fill) < 0.03 and 0.3 < sum(fill) / len(fill) < 0.5


def note_gaps(pdf: Path) -> dict[int, float]:
    """For each page with page-foot notes, the space in millimetres between the last line of its
    text and the rule above its notes."""
    import pymupdf

    gaps = {}
    with pymupdf.open(pdf) as document:
        for number, page in enumerate(document):
            # The notes' area: WeasyPrint draws its top rule as a fill of the whole area.
            rules = [
                item["rect"]
                for item in page.get_drawings()
                if item.get("fill") and is_muted(item["fill"])
                and item["rect"].width > 100
                and item["rect"].y0 > 150
            ]  # fmt: skip
            if not rules:
                continue
            rule = min(r.y0 for r in rules)
            bottoms = [
                line["bbox"][3]
                for block in page.get_text("dict")["blocks"]
                for line in block.get("lines", [])
                if 100 < line["bbox"][3] < rule
            ]
            if bottoms:
                gaps[number + 1] = (rule - max(bottoms)) / MM
    return gaps


def common_font_size(pdf: Path) -> float:
    """The font size, in points, that most characters after the cover are set in: the body's."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        sizes = Counter()
        for page in list(document)[1:]:
            text = page.get_textpage()
            sizes.update(
                # pdfium gives the size the text is set in before the page's matrix (¾ pt a px).
                round(pdfium_c.FPDFText_GetFontSize(text.raw, i) * 0.75, 2)
                for i in range(text.count_chars())
                if not text.get_text_range(i, 1).isspace()
            )
        return sizes.most_common(1)[0][0]
    finally:
        document.close()


def outloud(pdf: Path) -> dict:
    """What the PDF/UA and WCAG machine checks find in a PDF."""
    checker = Path(sys.executable).with_name("outloud")
    result = subprocess.run([str(checker), "--json", "-", "--fail-on", "never", str(pdf)],
                            capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(result.stdout)["results"][0]


def read_aloud(pdf: Path) -> str:
    """The document's text in structure order as a screen reader gets it: an element's
    ActualText where it has one, else its marked contents' text and its kids'."""
    return structure_texts(
        pdf, lambda node: "/Type" in node and node.Type == "/StructTreeRoot", actual=True
    )[0]


def letters(text: str) -> str:
    """A text's letters, in order, in lower case: what stays of its words whatever the layout
    does with spaces, hyphens, quotation marks and capitals."""
    text = re.sub(r"\[\^[^\]]+\]|\]\([^)]*\)", " ", text)
    return "".join(c for c in text.casefold() if c.isalpha() or c == SOURCE)


SOURCE = "\0"  # where the print copy calls a source note, by a letter or two


def reading_order(markdown: str, printed: bool) -> list[str]:
    """The brief's blocks in the order a screen reader should meet them: each note's text right
    after the paragraph, item, heading or table that first calls it. The print copy sets a
    note's addresses in the note, after their links' words."""
    body = markdown.split("---", 2)[2]
    definition = r"^\[\^([^\]]+)\]:[ \t]*(.*(?:\n(?: {4}|\t).*)*)"
    notes = dict(re.findall(definition, body, re.M))
    if printed:
        link = re.compile(r"\[([^\]]*)\]\((https?://[^)]*)\)")
        notes = {
            k: link.sub(lambda m: m[1] if m[1] == m[2] else f"{m[1]} {m[2]}", v)
            for k, v in notes.items()
        }
        body = re.sub(r"\]\(https?://[^)]*\)", SOURCE, body)
    body = re.sub(definition, "", body, flags=re.M)
    order, seen = [], set()
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*+]|\d+\.) )", body):
        order.append(block)
        for name in re.findall(r"\[\^([^\]]+)\]", block):
            if name not in seen:
                seen.add(name)
                order.append(notes[name])
    return [found for block in order if (found := letters(block))]


def read_in_order(read: str, expected: list[str]) -> list[str]:
    """The blocks of reading_order not found whole, in order, in the text read: [] when all are;
    else the first missing, with what was read where it should be."""
    read, at = letters(read), 0
    for block in expected:
        found = re.compile(re.escape(block).replace(SOURCE, r"[^\W\d_]{0,2}")).search(read, at)
        if not found:
            return [block[:60], read[at : at + 200]]
        at = found.end()
    return []
