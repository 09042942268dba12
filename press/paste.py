"""A brief pasted from Word, read line by line: what looks like Word's layout but is not yet
Markdown (a heading in capitals or bold, a bullet after a tab, a numbered line, the cover or the
About text the layout prints itself), each with the Markdown to write where that is unambiguous.
`--check` reports them (press/checks/source.py); `--fix` writes a copy with those rewritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .i18n import N_, Language

FENCE_RE = re.compile(r"^\s*(```|~~~)")
PUNCTUATION = ".,:;!?()[]«»“”‘’\"'"
BOLD_RE = re.compile(r"^(\*\*|__)(?P<text>[^*_].{0,78}?)\1[:.]?$")
TAB_BULLET_RE = re.compile(r"^(?:\t| {4,})\s*[•·▪◦o\-*–]\s+(?P<text>\S.*)$")
BULLET_RE = re.compile(r"^[•·▪◦]\s*(?P<text>\S.*)$")
NUMBERED_RE = re.compile(
    r"^\s*(?P<number>\d{1,2})[.)]\t+(?P<text>\S.*)$|^\s*(?P<n2>\d{1,2})\)\s+(?P<t2>\S.*)$"
)
FIXED_MARK = "# written by build.py --fix from"  # a YAML comment: the copy is the press's
MARKDOWN_RE = re.compile(r"^\s*(#|\||>|[-*+] |\d+\. |!\[|\[\^|<)")
# The layout's own words, which it prints on the cover and in the About panel (brief.html).
LAYOUT = (
    N_("CIVICUS Monitor Watchlist"),
    N_("About the CIVICUS Monitor"),
    N_("Key figures"),
    N_("current rating"),
    N_("A country research brief from the CIVICUS Monitor"),
    *(N_("closed"), N_("repressed"), N_("obstructed"), N_("narrowed"), N_("open")),
)


@dataclass(frozen=True)
class Pasted:
    """A line that Word's layout left: where, what it is, what to write (None: the author
    decides), and why."""

    line: int  # in the Markdown body, from 1
    code: str
    fix: str | None
    message: str


def read(markdown: str, language: Language) -> list[Pasted]:
    """What in a brief's Markdown looks pasted from Word."""
    lines = markdown.replace("\r\n", "\n").split("\n")
    found, fenced, listed = [], False, False
    layout = layout_words(language)
    keep = acronyms(lines)
    for at, text in enumerate(lines):
        if FENCE_RE.match(text):
            fenced = not fenced
        if fenced or not text.strip():
            continue  # a list goes on past a blank line
        alone = (at == 0 or not lines[at - 1].strip()) and (
            at + 1 == len(lines) or not lines[at + 1].strip()
        )
        listed = bool(re.match(r"^\s*([-*+]|\d+\.)\s", text)) or (listed and text[:1].isspace())
        found += rules(at + 1, text, alone, listed, layout, keep)
    if found and not any(re.match(r"^##\s", text) for text in lines):  # pasted, and flat
        message = "no '##' heading: the brief has no sections, no bookmarks, no contents"
        found.append(Pasted(1, "paste.no-headings", None, message))
    return found


def layout_words(language: Language) -> set[str]:
    """The layout's own words, in the brief's language and in English, as `plain` gives them."""
    return {plain(language.gettext(words)) for words in LAYOUT} | {plain(w) for w in LAYOUT}


def rules(
    line: int, text: str, alone: bool, listed: bool, layout: set[str], keep: frozenset = frozenset()
) -> list[Pasted]:
    """What one line is, if it is one of Word's (keep: the words to keep in capitals)."""
    stripped = text.strip()
    if MARKDOWN_RE.match(text) and not TAB_BULLET_RE.match(text):
        return []  # written as Markdown already: a heading named like the layout's is the
        # heading check's (heading.clash)
    if is_layout(stripped, layout):
        message = f"'{stripped}' is the layout's own text, which it prints: remove it here"
        return [Pasted(line, "paste.layout", None, message)]
    words = {plain(word) for word in stripped.split()}
    if len(words) > 1 and words <= layout:  # the rating scale, its steps on one line
        message = "the rating scale is the layout's own, which it prints: remove it here"
        return [Pasted(line, "paste.layout", None, message)]
    if match := TAB_BULLET_RE.match(text):
        if listed:
            return []
        fix = f"- {match['text']}"
        message = f"a bullet after a tab or indent is read as code, not a list: write '{fix[:40]}'"
        return [Pasted(line, "paste.tab-bullet", fix, message)]
    if match := BULLET_RE.match(stripped):
        fix = f"- {match['text']}"
        return [Pasted(line, "paste.bullet", fix, f"Word's bullet: write '{fix[:40]}'")]
    if match := NUMBERED_RE.match(text):
        number, words = match["number"] or match["n2"], match["text"] or match["t2"]
        fix = f"{number}. {words}"
        message = f"a numbered line that is not yet a list: write '{fix[:40]}'"
        return [Pasted(line, "paste.numbered", fix, message)]
    if alone and (match := BOLD_RE.match(stripped)):
        fix = f"### {match['text'].strip()}"
        message = f"a bold line alone reads as a sub-heading: write '{fix[:50]}'"
        return [Pasted(line, "paste.heading", fix, message)]
    if alone and in_capitals(stripped) and len(stripped) <= 80 and len(stripped.split()) <= 12:
        fix = f"## {sentence_case(stripped, keep)}"
        message = f"a line in capitals alone reads as a heading: write '{fix[:50]}'"
        return [Pasted(line, "paste.heading", fix, message)]
    return []


def is_layout(text: str, layout: set[str]) -> bool:
    """Whether a line is the layout's own: its words, or the cover's dateline (a date, then the
    doctype: 'March 2022 | A country research brief from the CIVICUS Monitor')."""
    words = plain(text)
    if words in layout:
        return True
    for phrase in layout:
        head = words[: -len(phrase)] if len(phrase) > 20 and words.endswith(phrase) else None
        if head and len(head) <= 14 and any(c.isdigit() for c in head):
            return True
    return False


def in_capitals(text: str) -> bool:
    """Whether a text is set in capitals: two letters of a cased script at least, none small
    (Arabic has no capitals; Cyrillic and Greek have)."""
    cased = [c for c in text if c.isupper() or c.islower()]
    return len(cased) >= 2 and not any(c.islower() for c in cased)


def acronyms(lines: list[str]) -> frozenset[str]:
    """The words a text writes in capitals inside lines that are not in capitals: UN, EU, NGO."""
    found = set()
    for line in lines:
        if not in_capitals(line):
            found |= {w.strip(PUNCTUATION) for w in line.split() if in_capitals(w)}
    return frozenset(found)


def cased(word: str, keep: frozenset) -> str:
    """A word of a line in capitals in lower case, unless it has a digit (COVID-19) or the text
    writes it in capitals elsewhere (UN, EU)."""
    kept = any(c.isdigit() for c in word) or word.strip(PUNCTUATION) in keep
    return word if kept else word.lower()


def sentence_case(text: str, keep: frozenset = frozenset()) -> str:
    """'RIGHTS VIOLATIONS DURING PROTESTS' → 'Rights violations during protests'; a word with a
    digit (COVID-19) or one the text writes in capitals elsewhere (UN, EU) kept as it is."""
    words = [cased(word, keep) for word in text.split()]
    first = words[0]
    return " ".join([first[:1].upper() + first[1:], *words[1:]])


def plain(text: str) -> str:
    """A line as compared with the layout's words: letters only, in lower case."""
    return "".join(c for c in text.casefold() if c.isalnum())


def fixed(markdown: str, found: list[Pasted]) -> str:
    """The Markdown with each unambiguous line rewritten, a blank line kept around a heading."""
    lines = markdown.replace("\r\n", "\n").split("\n")
    for pasted in found:
        if pasted.fix is not None:
            lines[pasted.line - 1] = pasted.fix
    return "\n".join(lines)
