"""Where the things of a brief's Markdown tree stand in its source: one small forward scanner.

Python-Markdown decides what is a link, an image or a heading; its tree has no line numbers.
The checks walk the tree in document order and ask the scanner for each thing's place: the next
occurrence of its source form after the previous thing's, in the text outside code and comments.
"""

from __future__ import annotations

import re

FENCE_RE = re.compile(r" {0,3}(`{3,}|~{3,})")
CODE_SPAN_RE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")
LIST_ITEM_RE = re.compile(r" {0,3}([-*+]|\d+[.)])\s")
NOTE_RE = re.compile(r" {0,3}\[\^([^\]]+)\]:")
SETEXT_RE = re.compile(r" {0,3}(=+|-+)\s*$")


def blank(text: str) -> str:
    """Text of the same length with every character but line ends a space."""
    return re.sub(r"[^\n]", " ", text)


def visible(markdown: str) -> list[str]:
    """The Markdown's lines with code blocks, code spans and HTML comments blanked."""
    markdown = re.sub(r"<!--.*?-->", lambda m: blank(m[0]), markdown, flags=re.S)
    lines, fence, context = markdown.split("\n"), None, ""
    for i, line in enumerate(lines):
        opening = FENCE_RE.match(line)
        if fence:
            if opening and opening[1][0] == fence[0] and len(opening[1]) >= len(fence):
                fence = None
            lines[i] = blank(line)
        elif opening:
            fence, lines[i] = opening[1], blank(line)
        elif line.startswith(("    ", "\t")) and line.strip():
            # Indented after a blank line, it is code, unless it continues a list item or a note.
            after_blank = i == 0 or not lines[i - 1].strip()
            if context == "code" or (context == "" and after_blank):
                context, lines[i] = "code", blank(line)
        elif line.strip():
            context = "block" if LIST_ITEM_RE.match(line) or NOTE_RE.match(line) else ""
        if context != "code" and not fence:
            lines[i] = CODE_SPAN_RE.sub(lambda m: blank(m[0]), lines[i])
    return lines


class SourceMap:
    """Finds things of the tree in the source, each after the one before it."""

    def __init__(self, markdown: str, first_line: int):
        self.lines = visible(markdown)
        self.first = first_line
        self.cursor = (0, 0)  # (line index, column) just past the last thing found
        self.notes = {
            m[1]: (i, 0) for i, line in enumerate(self.lines) if (m := NOTE_RE.match(line))
        }

    def find(self, pattern: re.Pattern, note: str | None = None) -> tuple[int, int]:
        """(line, column) of the pattern's next match; the cursor's place when there is none.

        Inside a footnote the search starts at the note's definition and leaves the body's
        cursor where it is.
        """
        start = self.notes.get(note, self.cursor) if note else self.cursor
        line, column = start
        for index in range(line, len(self.lines)):
            match = pattern.search(self.lines[index], column if index == line else 0)
            if match:
                place = (index, match.end())
                if note:
                    self.notes[note] = place
                else:
                    self.cursor = place
                return self.first + index, match.start() + 1
            if note and index > line and NOTE_RE.match(self.lines[index]):
                break  # the next note's definition: this one has ended
        return self.first + line, 0

    def heading(self, level: int) -> int:
        """The line of the next heading of this level (ATX `##` or setext underline)."""
        atx = re.compile(rf"^ {{0,3}}(?:>\s*)*#{{{level}}}(?:\s|$)")
        line, _ = self.cursor
        for index in range(line, len(self.lines)):
            text = self.lines[index]
            underline = (
                SETEXT_RE.match(self.lines[index + 1]) if index + 1 < len(self.lines) else None
            )
            setext = underline and text.strip() and level == (1 if underline[1][0] == "=" else 2)
            if atx.match(text) or setext:
                self.cursor = (index + (2 if setext else 1), 0)
                return self.first + index
        return self.first + line

    def first_words(self) -> int:
        """The line of the brief's first words after the front matter."""
        return next((self.first + i for i, t in enumerate(self.lines) if t.strip()), self.first)
