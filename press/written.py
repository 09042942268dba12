"""What the page says, for the tags: where each link leads, and the words of its headings,
paragraphs, items and notes as written, which the finisher gives the structure elements WeasyPrint
70 tags without them (press/pdffix.py).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pydyf

from .extension import letters
from .i18n import N_, Language
from .tagfix import elements, marks, refs, right_to_left, tree
from .tounicode import mark_texts


@dataclass(frozen=True)
class Page:
    """What the page's HTML says that the tags need."""

    names: dict[str, str]  # where each link leads (`described`)
    headings: list[str]  # each `h2`'s words as written
    paragraphs: dict  # each `p`'s, `li`'s, `h3`'s, `h4`'s and note's words, each `p`'s language
    text: str  # all its words, as written (`words`)


def read(page: str, language: Language, addresses: bool = False) -> Page:
    """What the page's HTML says that the tags need; addresses, whether the copy prints each
    link's address and calls its source note (the print copy), which the others hide."""
    return Page(
        described(page, language),
        written_headings(page),
        written_paragraphs(page, addresses),
        words(page, addresses),
    )


def words(page: str, addresses: bool = False) -> str:
    """The words of a page's body as a PDF of it shows them (`Words`)."""
    return Words(page, HIDDEN if addresses else HIDDEN | ADDRESSES).text()


# What no PDF shows: the HTML copy's own calls, way past the cover and list of notes; and what
# only a copy that prints addresses shows (styles/brief.css, styles/print.css).
HIDDEN = frozenset({"note-ref", "skip", "notes"})
ADDRESSES = frozenset({"source", "source-call", "address"})
BLOCKS = {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "td"}
BLOCKS |= {"th", "caption", "h1", "h2", "h3", "h4", "h5", "h6", "section", "header", "footer"}
BLOCKS |= {"nav", "main", "figure", "figcaption", "blockquote", "aside", "br", "hr", "img"}


class Words(HTMLParser):
    """The words of a page's body as a PDF of it shows them, each block's apart from the next's;
    a phrase's tags (a link, emphasis, a note's call) join what is on either side of them."""

    def __init__(self, page: str, hidden: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden, self.found, self.stack = hidden, [], []  # stack: each open tag left out?
        self.feed(page)

    def handle_starttag(self, tag: str, attrs) -> None:
        named = set((dict(attrs).get("class") or "").split()) | {dict(attrs).get("id")}
        out = tag in ("head", "style", "script") or bool(named & self.hidden)
        if tag not in VOID:
            self.stack.append(out or any(self.stack[-1:]))
        if tag in BLOCKS:
            self.found.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()
        if tag in BLOCKS:
            self.found.append(" ")

    def handle_data(self, data: str) -> None:
        if not any(self.stack[-1:]):
            self.found.append(data)

    def text(self) -> str:
        """The words found."""
        return "".join(self.found)


# A heading with an id, or a section's, which opens with its heading.
HEADING_RE = re.compile(
    r'<(?:section\b[^>]*\bid="([^"]+)"[^>]*>\s*<(h[1-6])\b([^>]*)'
    r'|(h[1-6])\b([^>]*\bid="([^"]+)"[^>]*))>(.*?)</(?:\2|\4)>',
    re.S,
)


TITLE_RE = re.compile(r'\btitle="([^"]*)"')  # a heading that calls a note: its words alone


NOTE_RE = re.compile(r'\bid="(fn|src|note|call):(\d+)(?:-\d+)?"')


def described(page: str, language: Language) -> dict[str, str]:
    """What each place a link may lead to is called: a heading by its words, a note by its
    number ("Note 3"), a print copy's source note by its letter ("Source c"), a note's call by
    the way back to it (large print lists its notes after the text)."""
    names = {}
    for section, _, opening, _, attributes, heading, text in HEADING_RE.findall(page):
        id_, attributes = (section, opening) if section else (heading, attributes)
        names[id_] = heading_words(attributes, text)
    for kind, n in NOTE_RE.findall(page):
        if kind in ("fn", "note"):  # a page-foot note; a note in a list after the text
            names[f"{kind}:{n}"] = language.gettext(N_("Note %(number)s")) % {"number": n}
        elif kind == "call":  # a note's first call, where the list's number leads back
            back = language.gettext(N_("Back to note %(number)s in the text"))
            names[f"call:{n}"] = back % {"number": n}
        else:
            letter = letters(int(n))
            names[f"src:{n}"] = language.gettext(N_("Source %(letter)s")) % {"letter": letter}
    return names


def describe_links(pdf: pydyf.PDF, names: dict[str, str]) -> None:
    """Describe each link to a place in the brief by that place ("Note 3", a heading's words):
    WeasyPrint 70 describes it by its id (`fn:3`, `introduction`), which a screen reader reads
    out as the link's description. A link to an address keeps the address."""
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Subtype") == "/Link":
            dest = obj.get("Dest")
            if isinstance(dest, pydyf.String) and str(dest.string) in names:
                obj["Contents"] = pydyf.String(names[str(dest.string)])


H2_RE = re.compile(r"<h2\b([^>]*)>(.*?)</h2>", re.S)


def written_headings(page: str) -> list[str]:
    """The words of the page's `h2`s as the brief and the layout write them, in order; the
    last the heading of the notes listed after the text, which only some copies show."""
    return [heading_words(attributes, text) for attributes, text in H2_RE.findall(page)]


def heading_words(attributes: str, html_text: str) -> str:
    """A heading's words: its title's when it has one (it calls a note), else its text's."""
    title = TITLE_RE.search(attributes)
    words = title[1] if title else re.sub(r"<[^>]*>", "", html_text)
    return " ".join(html.unescape(words).split())


def in_order(found: list[dict], values: list[str], key: str) -> None:
    """Give the elements found, in order, the values of the page's elements they stand for;
    where their numbers differ, none: nothing is guessed."""
    if len(found) == len(values):
        for element, value in zip(found, values, strict=True):
            if value:
                element[key] = pydyf.String(value)


def headings_as_written(pdf: pydyf.PDF, headings: list[str]) -> None:
    """Give each H2 its words as written (ActualText): the stylesheet sets them in capitals,
    which WeasyPrint 70 stores, and a screen reader would read "RIGHTS VIOLATIONS DURING
    PROTESTS" as capitals, or letter by letter. The H2s are the page's `h2`s, in order; where
    their numbers differ nothing is guessed."""
    found = [element for element in tree(pdf) if element.get("S") == "/H2"]
    if len(found) == len(headings) - 1:  # the notes' list, its heading last, is not shown
        headings = headings[:-1]
    in_order(found, headings, "ActualText")


class Paragraphs(HTMLParser):
    """The words of each `p`, `li` that holds no block, `h3`, `h4`, caption and cell of a page
    (WRITTEN) as a reader of the page meets them, in order: a note's words (a Note of its own)
    and what only the HTML copy shows left out."""

    def __init__(self, page: str, left_out: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.left_out = left_out  # the classes of what a reader of the page does not meet here
        self.found: dict[str, list[str]] = {kind: [] for kind in WRITTEN}
        self.notes: dict[str, str] = {}  # a page-foot note's words, by its id
        self.note: tuple[str, list[str]] | None = None  # the note open: its id, its words
        self.note_depth = 0  # how many elements were open where it opened
        self.open: list[tuple[str, list[str]]] = []  # the `p`s and `li`s open, innermost last
        self.skipping = 0  # depth inside an element left out
        self.stack: list[bool] = []  # for each open element: whether it is left out
        self.langs: list[str] = [""]  # the language of each open element, the page's first
        self.languages: list[str] = []  # each `p`'s language, in order
        self.spaced: list[bool] = []  # whether each `p` is set in spaced capitals (SPACED)
        self.phrases: list[tuple[str, str]] = []  # each span in another language, its words
        self.phrase: list[tuple[str, list[str], int]] = []  # those open: language, words, depth
        self.feed(page)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        skipped = bool(classes & self.left_out) or self.skipping > 0
        if "footnote" in classes and self.note is None:
            self.note = (dict(attrs).get("id") or "", [])
            self.note_depth = len(self.stack)
        self.stack.append(skipped)
        self.skipping += skipped
        lang = dict(attrs).get("lang")
        if tag == "span" and lang and lang != self.langs[-1] and not skipped:
            self.phrase.append((lang, [], len(self.stack) - 1))  # the span is on the stack
        self.langs.append(lang or self.langs[-1])
        if tag == "p":
            self.languages.append(self.langs[-1])
            self.spaced.append(dict(attrs).get("id") in SPACED)
        if tag in ("p", "ul", "ol") and self.open and self.open[-1][0] == "li":
            self.open[-1] = ("li with blocks", self.open[-1][1])
        if (kind := KINDS.get(tag, tag)) in self.found:
            self.open.append((kind, []))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or not self.stack:
            return
        self.skipping -= self.stack.pop()
        self.langs.pop()
        if self.phrase and self.phrase[-1][2] == len(self.stack):
            lang, words, _ = self.phrase.pop()
            self.phrases.append((lang, " ".join("".join(words).split())))
        if self.note is not None and len(self.stack) == self.note_depth:
            name, words = self.note
            self.notes[name] = " ".join("".join(words).split())
            self.note = None
        if KINDS.get(tag, tag) in self.found and self.open:
            kind, words = self.open.pop()
            if kind in self.found:
                # A word joiner holds a note's call to its word on the page; read apart.
                self.found[kind].append(" ".join("".join(words).replace("\u2060", " ").split()))

    def handle_data(self, data: str) -> None:
        if self.note is not None:
            self.note[1].append(data)
        for _, words, _ in self.phrase if not self.skipping else []:
            words.append(data)
        if self.open and not self.skipping:
            for _, words in self.open:  # an item's words are its paragraphs' too
                words.append(data)


# The `p`s the stylesheet sets in capitals spaced apart (styles/brief.css), which extractors read
# as letters: "C I V I C U S M O N I T O R".
SPACED = frozenset({"series"})


# The page's elements whose words are read, by the element of the structure tree each is, and
# the tags read as another's.
WRITTEN = {"p": "/P", "li": "/LI", "h3": "/H3", "h4": "/H4", "caption": "/Caption"}
WRITTEN |= {"th": "/TH", "td": "/TD"}
KINDS = {"figcaption": "caption"}


LEFT_OUT = frozenset({"footnote", "note-ref", "source", "address", "skip"})  # see Paragraphs
# (a note, and a print copy's source note, are Notes of their own; its address is in them)


VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "source", "col", "area", "base"}


def written_paragraphs(page: str, addresses: bool = False) -> dict[str, list[str] | dict[str, str]]:
    """The words of the page's `p`s and `li`s as written, in order, and of its page-foot notes
    by id (`Paragraphs`), without what the copy hides (`read`)."""
    left_out = LEFT_OUT if addresses else LEFT_OUT | ADDRESSES
    read = Paragraphs(page.split('<section id="notes">', 1)[0], left_out)
    return {
        **read.found,
        "notes": read.notes,
        "languages": read.languages,
        "spaced": read.spaced,
        "phrases": read.phrases,
    }


def paragraphs_as_written(pdf: pydyf.PDF, paragraphs: dict) -> None:
    """In a right-to-left brief, give each P, H3 and H4, each table's and figure's caption,
    each table cell, each item's body that holds no paragraph or list, and each note its words
    as written (ActualText).

    WeasyPrint 70 maps an Arabic glyph to the first text it drew it for (upstream #2841), so a
    shared glyph reads as another letter, a ligature repeats one; and the space where a
    right-to-left line ends is lost (#2308, styles/brief.css): "إللكترونية", "تعديللتشريعات". The
    elements are the page's `p`s, `li`s, captions and cells in order; where their numbers
    differ nothing is guessed. Read by its glyphs, a chart's title "… (%)" was ")%(…".
    """
    if not right_to_left(pdf):
        return
    everything = tree(pdf)
    bodies = [
        e
        for e in everything
        if e.get("S") == "/LBody"
        and not any(k.get("S") in ("/P", "/L") for k in elements(pdf, e) if k is not e)
    ]
    kinds = [([e for e in everything if e.get("S") == WRITTEN[k]], paragraphs[k])
             for k in ("p", "h3", "h4", "caption", "th", "td")]  # fmt: skip
    for found, words in [*kinds, (bodies, paragraphs["li"])]:
        in_order(found, words, "ActualText")
    for note in (e for e in everything if e.get("S") == "/Note" and "ID" in e):
        name = str(note["ID"].string)
        if name in paragraphs["notes"]:  # its number, then its words
            number_ = name.split(":")[1] if name.startswith("fn:") else letters(int(name[4:]))
            note["ActualText"] = pydyf.String(f"{number_} {paragraphs['notes'][name]}")


def spaced_paragraphs_as_written(pdf: pydyf.PDF, paragraphs: dict) -> None:
    """Give each P set in spaced capitals (the cover's series line) its words as written
    (ActualText): WeasyPrint 70 stores the capitals, and the space between two letters 0.2 em
    apart is a word's to a text extractor ("C I V I C U S"). The Ps are the page's `p`s in
    order; where their numbers differ nothing is guessed."""
    found = [element for element in tree(pdf) if element.get("S") == "/P"]
    words = [
        w if spaced else "" for w, spaced in zip(paragraphs["p"], paragraphs["spaced"], strict=True)
    ]
    in_order(found, words, "ActualText")


def paragraphs_in_their_language(pdf: pydyf.PDF, paragraphs: dict) -> None:
    """Give each P written in another language than the brief's its /Lang, which a screen
    reader reads it by: a brief marks such a passage `<p lang="ru">…</p>` (docs/tags.md).
    WeasyPrint 70 writes the document's language only (upstream #2482). The Ps are the page's
    `p`s in order; where their numbers differ nothing is guessed."""
    page = str(pdf.catalog["Lang"].string)
    found = [element for element in tree(pdf) if element.get("S") == "/P"]
    languages = ["" if lang == page else lang for lang in paragraphs["languages"]]
    in_order(found, languages, "Lang")


def phrases_in_their_language(pdf: pydyf.PDF, paragraphs: dict) -> None:
    """Give each Span of a phrase written in another language than the text around it its
    /Lang: a brief marks such a phrase `<span lang="kk">Шал, кет!</span>` (docs/tags.md), in a
    paragraph, an item, a heading or a table cell (where the block is not read as written).

    WeasyPrint 70 tags a `span` as one Span for each line it sets it on, and writes no language
    (upstream #2482). The Spans that hold others are lines of a `span` (or a note's call); each is
    matched, in reading order, to the first phrase from the one reached whose letters hold its own
    (what its glyphs say, press/tounicode.py); a line that none holds is not one.
    """
    phrases = paragraphs["phrases"]
    if not phrases:
        return
    shown, at, everything = mark_texts(pdf), 0, tree(pdf)
    notes = {id(e) for n in everything if n.get("S") == "/Note" for e in elements(pdf, n)}
    for line in everything:
        kids = refs(pdf, line)
        if line.get("S") != "/Span" or not kids or id(line) in notes:
            continue  # a line of text, not a span's; the notes' phrases are not read (LEFT_OUT)
        if any(kid.get("S") == "/Link" for kid in kids):
            continue  # a note's call, a source's letter: a number or a letter any phrase holds
        text = letters_of("".join(shown.get(mark, "") for mark in marks(pdf, line)))
        for i in range(at, len(phrases)) if text else []:
            # A right-to-left phrase in a left-to-right line: its glyphs in the order painted.
            if text in letters_of(phrases[i][1]) or text[::-1] in letters_of(phrases[i][1]):
                line["Lang"], at = pydyf.String(phrases[i][0]), i
                break


def letters_of(text: str) -> str:
    """A text's letters and digits, in lower case: what lines of it keep, however broken."""
    return "".join(c for c in text.casefold() if c.isalnum())
