"""How the words of a brief are set in its lines: isolated runs, long words, spaces at line ends."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE

STASH_RE = HTML_PLACEHOLDER_RE  # raw HTML that Python-Markdown set aside


class Positions:
    """Where children stand in their parents, read once per parent: for changes made from the
    last child to the first, which leave the earlier ones where they were."""

    def __init__(self) -> None:
        self.known: dict[int, dict[int, int]] = {}

    def index(self, parent: etree.Element, child: etree.Element) -> int:
        """The child's index in its parent, as it was when the parent was first asked about."""
        if id(parent) not in self.known:
            self.known[id(parent)] = {id(c): i for i, c in enumerate(parent)}
        return self.known[id(parent)][id(child)]


def parent_map(root: etree.Element) -> dict[etree.Element, etree.Element]:
    """Each element's parent: ElementTree keeps none."""
    return {child: parent for parent in root.iter() for child in parent}


def ancestors(element: etree.Element, parents: dict) -> list[etree.Element]:
    """An element's ancestors, nearest first."""
    found = []
    while element in parents:
        element = parents[element]
        found.append(element)
    return found


# A run of left-to-right words in a right-to-left text: Latin or Cyrillic letters and digits, with
# the spaces and punctuation between them, starting and ending with a letter, a digit or `%`.
LTR = r"A-Za-z0-9\u00c0-\u024f\u0400-\u052f"
SHORT_RUN = 40  # characters: a name or a figure, never broken over two lines
LRI, PDI = "\u2066", "\u2069"  # left-to-right isolate, and its end
RTL_RE = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")  # Hebrew, Arabic, Syriac …
LTR_RUN_RE = re.compile(rf"[{LTR}](?:[{LTR}\s.,:;'’&/+\-()%]*[{LTR}%)])?")


def latin(text: str) -> bool:
    """Whether a text holds left-to-right words (not figures alone) and no right-to-left letter."""
    return bool(re.search(r"[^\W\d_]", text)) and not RTL_RE.search(text)


class Isolates(Treeprocessor):
    """In a right-to-left brief, set each run of Latin words and numbers apart (`dir="ltr"`), so
    that the Arabic around it keeps its order and its punctuation stays at its own end."""

    def run(self, root: etree.Element) -> None:
        # Not inside a link: WeasyPrint 70 tags a link's inner span apart from its annotation
        # (upstream #185), and a note's call is a link of digits.
        links = {id(e) for a in root.iter("a") for e in a.iter()}
        urls = []  # long Latin links (addresses), set as lines of their own
        for element in list(root.iter()):
            isolated = element.tag in ("code", "pre", "span") and element.get("dir")
            if element.tag == "a" and latin("".join(element.itertext())):
                # A link of Latin words: isolated by characters inside it, as no span can be.
                element.text = LRI + (element.text or "")
                if len(element):
                    element[-1].tail = (element[-1].tail or "") + PDI
                else:
                    element.text += PDI
                if element.find("span[@class='long']") is not None:
                    urls.append(element)
            if not (isolated or id(element) in links):
                respan(element, self.isolate, element.tag not in ("code", "pre"))
        # WeasyPrint 70 orders each line apart: an address broken over lines inside right-to-left
        # text had its parts astray ("-https://…", "./concerns…"); a block of its own is one run.
        parents, where = parent_map(root), Positions()
        for link in reversed(urls):  # from the last: the others stay put
            parent = parents[link]
            if parent.get("class") in ("address", "source"):  # a line of its own already
                continue
            holder = etree.Element("span", {"class": "url"})
            parent[where.index(parent, link)] = holder
            holder.append(link)
            stop = re.match(r"[.,;:!?،؛]*", link.tail or "")[0]  # the sentence's, on its line
            holder.tail, link.tail = (link.tail or "")[len(stop) :] or None, stop or None

    def isolate(self, text: str | None) -> tuple[str | None, list[etree.Element]]:
        """A text's runs, each in a span: the text before them, and the spans."""
        if not text or STASH_RE.search(text):
            return text, []
        runs = [r for m in LTR_RUN_RE.finditer(text) if (r := balanced(m.start(), m[0]))]
        spans = []
        for n, (start, end) in enumerate(runs):
            span = etree.Element("span", {"dir": "ltr"})
            if end - start <= SHORT_RUN:  # WeasyPrint 70 orders each line apart: one line
                span.set("class", "run")
            span.text = text[start:end]
            span.tail = text[end : runs[n + 1][0] if n + 1 < len(runs) else len(text)]
            spans.append(span)
        return (text[: runs[0][0]] if runs else text), spans


def balanced(start: int, run: str) -> tuple[int, int] | None:
    """A run's (start, end) without the closing brackets it does not open itself."""
    opened, closed, end = run.count("("), run.count(")"), len(run)
    while end and run[end - 1] == ")" and closed > opened:
        end, closed = end - 1, closed - 1
        while end and run[end - 1] in " .,:;'’&/+-":
            end -= 1
    return (start, start + end) if end and opened == closed else None


LONG_WORD = 32  # letters: past this, hyphenating a word costs WeasyPrint more than linear time
LONG_WORD_RE = re.compile(rf"[^\s\x02\x03]{{{LONG_WORD},}}")


class LongWords(Treeprocessor):
    """Mark words too long to hyphenate (`<span class="long">`): they break where a line ends.

    WeasyPrint's hyphenation of one word takes super-linear time in its length (5,000 letters:
    a minute); a word this long is an address, a code or a mistake, not a word to hyphenate.
    """

    def run(self, root: etree.Element) -> None:
        for element in list(root.iter()):
            respan(element, self.mark, element.tag not in ("code", "pre"))

    def mark(self, text: str | None) -> tuple[str | None, list[etree.Element]]:
        """A text's long words, each in a span: the text before them, and the spans."""
        if STASH_RE.search(text or ""):
            return text, []
        words, spans = list(LONG_WORD_RE.finditer(text or "")), []
        for n, match in enumerate(words):
            span = etree.Element("span", {"class": "long"})
            span.text = match[0]
            span.tail = text[match.end() : words[n + 1].start() if n + 1 < len(words) else None]
            spans.append(span)
        return (text[: words[0].start()] if words else text), spans


def respan(element: etree.Element, split, text_too: bool = True) -> None:
    """Split an element's text (when asked) and its children's tails into spans, as `split`
    says, in one pass: inserting each where it goes would take time growing with the square
    of the element's children."""
    children = []
    if text_too:
        element.text, spans = split(element.text)
        children += spans
    for child in list(element):
        child.tail, spans = split(child.tail)
        children += [child, *spans]
    element[:] = children


# What holds lines of text, whose spaces the stylesheet keeps where a line ends (`pre-wrap`).
LINES = {"p", "li", "td", "th", "h2", "h3", "h4", "h5", "h6", "figcaption", "dt", "dd"}
BLOCKS = LINES | {"ul", "ol", "dl", "blockquote", "pre", "table", "figure", "div", "hr", "br"}
SPACES_RE = re.compile(r"[ \t\n\r\f\v]+")
# In raw HTML: the spaces around a block's tags, which CSS would drop and pre-wrap keeps.
RAW_BLOCK_TAG_RE = re.compile(
    r"\s*(</?(?:p|div|table|thead|tbody|tfoot|tr|td|th|caption|ul|ol|li|dl|dt|dd|blockquote"
    r"|h[1-6]|figure|figcaption|section|br|hr)\b[^>]*>)\s*",
    re.IGNORECASE,
)


class LineEnds(Treeprocessor):
    """Collapse the spaces of the lines' text here, so that the stylesheet can keep them.

    WeasyPrint 70 drops the space where a line ends unless `white-space` preserves it; the
    tagged text then reads "civicfreedoms" across a line. With `pre-wrap` the space stays, and
    every other space is as CSS would have made it: one between words, none where a line or a
    block starts or ends, code blocks as written.
    """

    def run(self, root: etree.Element) -> None:
        parents = parent_map(root)
        for element in root.iter():
            inside = any(a.tag in LINES or a.tag == "pre" for a in ancestors(element, parents))
            if element.tag in LINES and not inside:
                self.collapse(element)

    def collapse(self, element: etree.Element) -> None:
        """Collapse the texts of an element and its descendants in reading order."""
        slots, last, space = self.slots(element), None, True
        for node, attr, starts in slots:
            if starts:
                self.trim(last)
                last, space = None, True
            if node.tag == "img" and attr == "text":  # an image is a word of the line
                last, space = None, False
            text = self.raw(getattr(node, attr))
            if not text:
                continue
            text = SPACES_RE.sub(" ", text)
            text = text.lstrip(" ") if space else text
            setattr(node, attr, text or None)
            if text:
                last, space = (node, attr), text.endswith(" ")
        self.trim(last)

    def slots(self, element: etree.Element, starts: bool = True) -> list:
        """Each text and tail of an element's tree, in order: (node, attribute, starts a line)."""
        found = [(element, "text", starts)]
        for child in element:
            if child.tag != "pre":  # as written
                found += self.slots(child, child.tag in BLOCKS)
            found.append((child, "tail", child.tag in BLOCKS))
        return found

    def trim(self, slot: tuple[etree.Element, str] | None) -> None:
        """No space at the end of a line's last text."""
        if slot is not None:
            node, attr = slot
            setattr(node, attr, (getattr(node, attr) or "").rstrip(" ") or None)

    def raw(self, text: str | None) -> str | None:
        """A text, the raw HTML it holds (set aside until serializing) collapsed as well."""
        for index in STASH_RE.findall(text or ""):
            raw = self.md.htmlStash.rawHtmlBlocks[int(index)]
            if isinstance(raw, str) and "<pre" not in raw.lower():
                raw = RAW_BLOCK_TAG_RE.sub(r"\1", SPACES_RE.sub(" ", raw))
                self.md.htmlStash.rawHtmlBlocks[int(index)] = raw
        return text


SHORT_CELL = 20  # characters: "Late November 2024", "24-25 out. 2024"


class ShortColumns(Treeprocessor):
    """Mark the cells of a table's short columns (`class="short"`), which are set on one line.

    WeasyPrint sizes a table's columns between their narrowest and widest content: beside a
    column of sentences a column of dates gets its longest word's width, and "Late Nov 2024"
    takes three lines while the text beside it has room.
    """

    def run(self, root: etree.Element) -> None:
        for table in root.iter("table"):
            rows = list(table.iter("tr"))
            width = max((len(row) for row in rows), default=0)
            for column in range(width):
                cells = [row[column] for row in rows if len(row) > column]
                if all(len("".join(c.itertext()).strip()) <= SHORT_CELL for c in cells):
                    for cell in cells:
                        cell.set("class", "short")


# Quotation marks by language, as CLDR's delimiters give them (Arabic as the Monitor's Arabic
# pages write them); a language not listed takes the English ones.
QUOTES = {"en": "“”", "es": "«»", "fr": "«»", "pt": "“”", "ru": "«»", "ar": "«»", "de": "„“"}
NNBSP, NBSP = "\u202f", "\u00a0"
# French spacing, as the Imprimerie nationale sets it: a space typed before ; ! ? and inside
# « » becomes a narrow no-break space, before : a no-break one; "6 %" keeps its sign.
FRENCH = [
    (re.compile(r"[ \t\n]+([;!?»%])"), NNBSP + r"\1"),
    (re.compile(r"(?<=[^\s\u202f])»"), NNBSP + "»"),
    (re.compile(r"«[ \t\n]*(?=\S)"), "«" + NNBSP),
    (re.compile(r"[ \t\n]+:"), NBSP + ":"),
]
# A number's groups ("10 000", "4 353") stay on one line, in any language.
GROUPS_RE = re.compile(r"(?<=\d) (?=\d{3}(?!\d))")


def french(tag: str) -> bool:
    """Whether a language tag is French (fr, fr-CA …)."""
    return tag.split("-")[0].lower() == "fr"


def quotes(tag: str) -> tuple[str, str]:
    """A language's opening and closing quotation marks."""
    marks = QUOTES.get(tag.split("-")[0].lower(), QUOTES["en"])
    if french(tag):
        return marks[0] + NNBSP, NNBSP + marks[1]
    return marks[0], marks[1]


class Spaces(Treeprocessor):
    """The no-break spaces a language's typography wants, added to the text as written."""

    def __init__(self, md, tag: str):
        super().__init__(md)
        self.rules = FRENCH if french(tag) else []

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag not in ("code", "pre") and element.get("class") != "long":
                element.text = self.space(element.text)
            if element.get("class") != "address":
                for child in element:
                    child.tail = self.space(child.tail)

    def space(self, text: str | None) -> str | None:
        """A text with its spaces made no-break where the rules say."""
        if not text:
            return text
        for pattern, replacement in self.rules:
            text = pattern.sub(replacement, text)
        return GROUPS_RE.sub(NNBSP, text)
