"""Lists nested as CommonMark, GitHub and editors' previews nest them: by the item's text column.

Python-Markdown nests a list only four spaces in; an item indented by two or three, as most
editors write it, is read as the text of the item above ("Item - sub-item"). This preprocessor
re-indents each list line to four spaces a level, from where the item above starts its text.
"""

from __future__ import annotations

import re

from markdown.preprocessors import Preprocessor

ITEM_RE = re.compile(r"^( *)([-*+]|\d{1,9}\.)( {1,4}(?=\S)|(?= {5})| *$)")
FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
INDENT = 4  # Python-Markdown's tab_length


class ListIndents(Preprocessor):
    """Re-indent nested list items (and their paragraphs) to four spaces a level."""

    def run(self, lines: list[str]) -> list[str]:
        out, columns, fence, blank = [], [], None, False  # columns: each open item's text column
        for line in lines:
            if fence:  # inside a fenced code block: as written
                fence = None if line.lstrip().startswith(fence) else fence
                out.append(line)
                continue
            if match := FENCE_RE.match(line):
                fence = match[1][0] * 3
            indent = len(line) - len(line.lstrip(" "))
            item = ITEM_RE.match(line)
            if not line.strip():
                out.append(line)
                blank = True
                continue
            while columns and indent < columns[-1] and (item or blank):
                columns.pop()  # not inside the item above: a sibling of an outer one, or no list
            if item and (columns or indent < INDENT):  # an indented item starts no list
                depth = len(columns)
                marker = item[2] + (item[3] or " ")
                columns.append(indent + len(marker))
                line = " " * (INDENT * depth) + marker + line[item.end() :]
            elif columns and columns[-1] <= indent < INDENT * len(columns):
                # A paragraph of the item above, short of Python-Markdown's four spaces a level
                # (one at those already, or further in, stays as written: a code block in an item).
                line = " " * (INDENT * len(columns) + indent - columns[-1]) + line.lstrip(" ")
            elif blank:
                columns = []
            out.append(line)
            blank = False
        return out
