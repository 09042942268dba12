"""How many of a brief's words three text extractors get as written from its PDFs, without the
tags (a search, a copy, an indexer), and how many a reader of the tags gets, the structure tree
read in order with its ActualText, as a screen reader does: `python -m bench.extract BRIEF.md
FILE.pdf…`. The figures in docs/tags.md come from it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pymupdf
import pypdfium2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from helpers import read_aloud  # the tests' reader of the structure tree

WORD = r"[^\W\d_]+"  # letters, and the marks on them


def source_words(brief: Path) -> list[str]:
    """The words of a brief's Markdown, without its front matter, note names and addresses."""
    text = brief.read_text(encoding="utf-8").split("---", 2)[2]
    return re.findall(WORD, re.sub(r"\[\^[^\]]+\]|\([^)\s]*\)", " ", text))


def extracted(pdf: Path) -> dict[str, set[str]]:
    """The words each extractor finds in a PDF."""
    with pymupdf.open(pdf) as document:
        mupdf = "".join(page.get_text() for page in document)
    pdfium = pypdfium2.PdfDocument(pdf)
    try:
        chrome = "".join(page.get_textpage().get_text_range() for page in pdfium)
    finally:
        pdfium.close()
    poppler = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True)
    tags = read_aloud(pdf).replace("\u00ad", "")  # a soft hyphen, which a reader drops
    texts = {"MuPDF": mupdf, "Poppler": poppler.stdout, "PDFium": chrome, "tags": tags}
    return {name: set(re.findall(WORD, text)) for name, text in texts.items()}


def main(argv: list[str]) -> None:
    """Print, for each PDF, how many of the brief's words each extractor gets as written."""
    words = source_words(Path(argv[0]))
    for pdf in argv[1:]:
        found = extracted(Path(pdf))
        counts = ", ".join(f"{n} {sum(w in got for w in words)}" for n, got in found.items())
        print(f"{pdf}: {len(words)} words; {counts}")


if __name__ == "__main__":
    main(sys.argv[1:])
