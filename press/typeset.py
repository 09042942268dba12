"""How the words of a brief are set in its lines: isolated runs, long words, spaces at line ends."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown.treeprocessors import Treeprocessor

STASH_RE = re.compile(r"\x02wzxhzdk:(\d+)\x03")  # raw HTML that Python-Markdown set aside


# A run of left-to-right words in a right-to-left text: Latin or Cyrillic letters and digits, with
# the spaces and punctuation between them, starting and ending with a letter, a digit or `%`.
LTR = r"A-Za-z0-9\u00c0-\u024f\u0400-\u052f"
LTR_RUN_RE = re.compile(rf"[{LTR}](?:[{LTR}\s.,:;'’&/+\-()%]*[{LTR}%)])?")


class Isolates(Treeprocessor):
    """In a right-to-left brief, set each run of Latin words and numbers apart (`dir="ltr"`), so
    that the Arabic around it keeps its order and its punctuation stays at its own end."""

    def run(self, root: etree.Element) -> None:
        # Not inside a link: WeasyPrint 70 tags a link's inner span apart from its annotation
        # (upstream #185), and a note's call is a link of digits.
        links = {id(e) for a in root.iter("a") for e in a.iter()}
        for element in list(root.iter()):
            isolated = element.tag in ("code", "pre", "span") and element.get("dir")
            if isolated or id(element) in links:
                continue
            if element.tag not in ("code", "pre"):
                element.text = self.isolate(element, element.text, 0)
            for child in list(element):
                child.tail = self.isolate(element, child.tail, list(element).index(child) + 1)

    def isolate(self, parent: etree.Element, text: str | None, index: int) -> str | None:
        """Wrap the runs of a text in spans inserted at index; return the text before them."""
        if not text or STASH_RE.search(text):
            return text
        runs = [r for m in LTR_RUN_RE.finditer(text) if (r := balanced(m.start(), m[0]))]
        for n, (start, end) in enumerate(runs):
            span = etree.Element("span", {"dir": "ltr"})
            span.text = text[start:end]
            span.tail = text[end : runs[n + 1][0] if n + 1 < len(runs) else len(text)]
            parent.insert(index + n, span)
        return text[: runs[0][0]] if runs else text


def balanced(start: int, run: str) -> tuple[int, int] | None:
    """A run's (start, end) without the closing brackets it does not open itself."""
    while run.endswith(")") and run.count(")") > run.count("("):
        run = run[:-1].rstrip(" .,:;'’&/+-")
    return (start, start + len(run)) if run and run.count("(") == run.count(")") else None


LONG_WORD = 32  # letters: past this, hyphenating a word costs WeasyPrint more than linear time
LONG_WORD_RE = re.compile(rf"[^\s\x02\x03]{{{LONG_WORD},}}")


class LongWords(Treeprocessor):
    """Mark words too long to hyphenate (`<span class="long">`): they break where a line ends.

    WeasyPrint's hyphenation of one word takes super-linear time in its length (5,000 letters:
    a minute); a word this long is an address, a code or a mistake, not a word to hyphenate.
    """

    def run(self, root: etree.Element) -> None:
        for element in list(root.iter()):
            if element.tag not in ("code", "pre") and not STASH_RE.search(element.text or ""):
                element.text = self.mark(element, element.text, 0)
            for child in list(element):
                if not STASH_RE.search(child.tail or ""):
                    child.tail = self.mark(element, child.tail, list(element).index(child) + 1)

    def mark(self, parent: etree.Element, text: str | None, index: int) -> str | None:
        """Wrap each long word of a text in a span inserted at index; return the text before."""
        words = list(LONG_WORD_RE.finditer(text or ""))
        for n, match in enumerate(words):
            span = etree.Element("span", {"class": "long"})
            span.text = match[0]
            span.tail = text[match.end() : words[n + 1].start() if n + 1 < len(words) else None]
            parent.insert(index + n, span)
        return text[: words[0].start()] if words else text


# What holds lines of text, whose spaces the stylesheet keeps where a line ends (`pre-wrap`).
LINES = {"p", "li", "td", "th", "h2", "h3", "h4", "h5", "h6", "figcaption", "dt", "dd"}
BLOCKS = LINES | {"ul", "ol", "dl", "blockquote", "pre", "table", "figure", "div", "hr"}
SPACES_RE = re.compile(r"[ \t\n\r\f\v]+")


class LineEnds(Treeprocessor):
    """Collapse the spaces of the lines' text here, so that the stylesheet can keep them.

    WeasyPrint 70 drops the space where a line ends unless `white-space` preserves it; the
    tagged text then reads "civicfreedoms" across a line. With `pre-wrap` the space stays, and
    every other space and newline is as collapsed as CSS would have made it.
    """

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag not in LINES:
                continue
            for node in element.iter():
                if node.tag == "pre" or (node is not element and node.tag in LINES):
                    continue
                node.text = self.collapse(node.text, first=node is element or node.tag in BLOCKS)
                for child in node:
                    child.tail = self.collapse(child.tail, first=False, after=child.tag in BLOCKS)
            last = element[-1] if len(element) else None
            if last is None:
                element.text = (element.text or "").rstrip(" ") or None
            elif last.tail:
                last.tail = last.tail.rstrip(" ") or None

    def collapse(self, text: str | None, first: bool, after: bool = False) -> str | None:
        """A text's runs of white space as one space; none at a line's start or after a block."""
        if not text:
            return text
        for index in STASH_RE.findall(text):  # raw inline HTML, kept aside until serializing
            raw = self.md.htmlStash.rawHtmlBlocks[int(index)]
            if isinstance(raw, str) and "<pre" not in raw.lower():
                self.md.htmlStash.rawHtmlBlocks[int(index)] = SPACES_RE.sub(" ", raw)
        text = SPACES_RE.sub(" ", text)
        return (text.lstrip(" ") if first or after else text) or None
