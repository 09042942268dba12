"""Checks of the printed PDF: its size budget, and no text past the page's edges."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Config
from ..frontmatter import Brief
from ..problems import ERROR, Problem, human


@dataclass(frozen=True)
class Printed:
    """What these checks read: the brief, the PDF's bytes, the configuration."""

    brief: Brief
    pdf: bytes
    config: Config


def size(printed: Printed) -> list[Problem]:
    """The distributable copy keeps to its size budget: it goes out as an e-mail attachment."""
    brief, pdf, config = printed.brief, printed.pdf, printed.config
    if not config.copy.budget or not config.max_bytes or len(pdf) <= config.max_bytes:
        return []
    message = (
        f"the PDF would be {human(len(pdf))}, over the {human(config.max_bytes)} budget; "
        "make images smaller or raise it with --max-size"
    )
    return [Problem(brief.path, 1, ERROR, "limit.size", message)]


def overflow(printed: Printed) -> list[Problem]:
    """Nothing is set past the page's edges: what no line break fits is an error at its line."""
    brief, pdf = printed.brief, printed.pdf
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


CHECKS = (
    size,
    overflow,
)  # in the order they report


def run(context: Printed) -> list[Problem]:
    """Every check of this room on one context."""
    return [problem for check in CHECKS for problem in check(context)]
