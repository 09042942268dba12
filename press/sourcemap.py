"""Where the things of a brief's Markdown tree stand in its source: one small forward scanner.

Python-Markdown decides what is a link, an image or a heading; its tree has no line numbers.
The checks walk the tree in document order and ask the scanner for each thing's place: the next
occurrence of its source form after the previous thing's, in the text outside code and comments
(and, for a thing inside a footnote, within that note's definition).
"""

from __future__ import annotations

import bisect
import re

FENCE_RE = re.compile(r" {0,3}(`{3,}|~{3,})")
LIST_ITEM_RE = re.compile(r" {0,3}([-*+]|\d+\.)\s")
NOTE_RE = re.compile(r"^ {0,3}\[\^([^\]]+)\]:", re.M)
# A code span (never across a blank line) or an HTML comment, whichever opens first.
INLINE_RE = re.compile(r"(`+)(?!`)(?:(?!\n[ \t]*\n).)*?(?<!`)\1(?!`)|<!--.*?-->", re.S)
WINDOW = 2**16  # how far past the last thing the next is looked for: bounds a search that fails
SETEXT_RE = re.compile(r"^ {0,3}\S.*\n {0,3}(=+|-+)[ \t]*$", re.M)


def blank(text: str) -> str:
    """Text of the same length with every character but line ends a space."""
    return re.sub(r"[^\n]", " ", text)


def visible(markdown: str) -> str:
    """The Markdown with code blocks, code spans and HTML comments blanked, lengths kept."""
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
    return INLINE_RE.sub(lambda m: blank(m[0]), "\n".join(lines))


def note_spans(text: str) -> dict[str, tuple[int, int]]:
    """Where each footnote's definition starts and ends in the text."""
    spans, found = {}, list(NOTE_RE.finditer(text))
    for n, match in enumerate(found):
        limit = found[n + 1].start() if n + 1 < len(found) else len(text)
        # The note ends at the first unindented line after a blank line.
        end = re.compile(r"\n[ \t]*\n(?=[^\s])").search(text, match.end(), limit)
        spans[match[1]] = (match.start(), end.start() if end else limit)
    return spans


class SourceMap:
    """Finds the things of the tree in the source, each after the one before it."""

    def __init__(self, markdown: str, first_line: int):
        self.text = visible(markdown)
        self.first = first_line
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", self.text)]
        self.cursor = 0  # offset just past the last thing found in the body
        self.headings = 0  # offset where the next heading is looked for
        self.notes = note_spans(self.text)
        self.in_notes = {name: start for name, (start, _) in self.notes.items()}
        self.spans = sorted(self.notes.values())  # the notes' definitions, in order
        # Setext headings' underlines found once, not scanned for again at each heading.
        self.setext: dict[str, list[int]] = {"=": [], "-": []}
        for match in SETEXT_RE.finditer(self.text):
            self.setext[match[1][0]].append(match.start())

    def place(self, offset: int) -> tuple[int, int]:
        """(line, column) of an offset."""
        index = bisect.bisect_right(self.starts, offset) - 1
        return self.first + index, offset - self.starts[index] + 1

    def find(
        self, pattern: re.Pattern, note: str | None = None, container: bool = False
    ) -> tuple[int, int | None]:
        """(line, column) of the pattern's next match; the cursor's line when there is none.

        Inside a footnote the search runs within the note's definition; in the body it skips
        the notes' definitions. After a container (a link, which may hold an image) the next
        search starts inside it.
        """
        if note in self.notes:
            start, end = self.in_notes[note], self.notes[note][1]
            match = pattern.search(self.text, start, end)
            if match:
                self.in_notes[note] = match.start() + 1 if container else match.end()
                return self.place(match.start())
            return self.place(start)[0], None
        position = self.cursor
        while match := pattern.search(self.text, position, position + WINDOW):
            n = bisect.bisect_right(self.spans, (match.start(), len(self.text) + 1)) - 1
            if n < 0 or not self.spans[n][0] <= match.start() < self.spans[n][1]:
                self.cursor = match.start() + 1 if container else match.end()
                return self.place(match.start())
            position = self.spans[n][1]  # inside a note's definition: past it
        return self.place(self.cursor)[0], None

    def heading(self, level: int) -> int:
        """The line of the next heading of this level (ATX `##`, also in a quote or a list item,
        or a setext underline); the body's cursor goes to its start, for the things in it."""
        atx = re.compile(rf"^ {{0,3}}(?:>[ \t]?)*(?:(?:[-*+]|\d+\.)[ \t]+)*#{{{level}}}(?!#)", re.M)
        line_of_cursor = self.starts[bisect.bisect_right(self.starts, self.cursor) - 1]
        begin = max(self.headings, line_of_cursor)
        candidates = [m.start() for m in [atx.search(self.text, begin)] if m]
        if level <= 2:
            starts = self.setext["=" if level == 1 else "-"]
            candidates += starts[bisect.bisect_left(starts, begin) :][:1]
        if not candidates:
            return self.place(self.cursor)[0]
        start = min(candidates)
        self.cursor = max(self.cursor, start)
        self.headings = self.text.find("\n", start) + 1 or len(self.text)
        return self.place(start)[0]

    def first_words(self) -> int:
        """The line of the brief's first words after the front matter."""
        match = re.search(r"\S", self.text)
        return self.place(match.start())[0] if match else self.first
