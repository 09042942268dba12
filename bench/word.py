"""What two Word readers carry of real Word files: pandoc (the press's `--import`) and mammoth.
`python -m bench.word FILE.docx…` prints a Markdown table of notes, tables, pictures, list items,
links and comments each kept, and the time each took; docs/word.md holds its numbers.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

import mammoth

from press.i18n import language
from press.word import import_docx


def with_pandoc(path: Path) -> tuple[dict[str, int], float]:
    """What the press's import keeps of a Word file, and its seconds."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        imported = import_docx(path, "Kenya", "2024-05", "open", language("en"), Path(folder))
        seconds = time.perf_counter() - start
        body = imported.path.read_text("utf-8").split("\n---\n", 1)[1]
        report = "\n".join(imported.report)
    counts = {
        "notes": len(re.findall(r"^\[\^[^\]]+\]:", body, re.M)),
        "tables": len(re.findall(r"^\|(?=.*-)[-:| ]+\|$", body, re.M)) + body.count("<table"),
        "pictures": body.count("!["),
        "list items": len(re.findall(r"^\s*(?:[-*]|\d+\.)\s", body, re.M)),
        "links": len(re.findall(r"(?<!!)\[[^\]]*\]\(|<https?://", body)),
        "comments": report.count("[import.comment]"),
    }
    return counts, seconds


def with_mammoth(path: Path) -> tuple[dict[str, int], float]:
    """What mammoth's HTML keeps of a Word file (comments asked for), and its seconds."""
    start = time.perf_counter()
    with path.open("rb") as file:
        html = mammoth.convert_to_html(file, style_map="comment-reference => sup").value
    seconds = time.perf_counter() - start
    notes = len(re.findall(r'<li id="(?:footnote|endnote)-', html))
    counts = {
        "notes": notes,
        "tables": html.count("<table"),
        "pictures": html.count("<img"),
        "list items": html.count("<li") - notes,
        "links": len(re.findall(r'<a href="(?!#)', html)),
        "comments": len(re.findall(r'<dt id="comment-', html)),
    }
    return counts, seconds


def main(paths: list[str]) -> None:
    """Print the table for some Word files."""
    kinds = ["notes", "tables", "pictures", "list items", "links", "comments"]
    print("| file | " + " | ".join(kinds) + " | ms |")
    print("|---" * (len(kinds) + 2) + "|")
    for name in paths:
        path = Path(name)
        (a, sa), (b, sb) = with_pandoc(path), with_mammoth(path)
        cells = [f"{a[k]} / {b[k]}" for k in kinds]
        print(f"| {path.name} | " + " | ".join(cells) + f" | {sa * 1000:.0f} / {sb * 1000:.0f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
