"""The press's Python-Markdown extension: small tree processors, each one structural change."""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from html import escape, unescape
from html.parser import HTMLParser

import markdown
from markdown.extensions import Extension, toc
from markdown.extensions.footnotes import NBSP_PLACEHOLDER
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from .i18n import N_
from .sourcemap import SourceMap
from .typeset import (
    STASH_RE,
    Isolates,
    LineEnds,
    LongWords,
    Positions,
    ShortColumns,
    Spaces,
    ancestors,
    parent_map,
)

REAL_LINK = re.compile(r"(https?:|mailto:)", re.IGNORECASE)
NOTE_CALL_RE = re.compile(r"\[\^([^\]]+)\]")
NOTE_LINKS = ("footnote-ref", "footnote-backref")  # a note's call and its way back
WORD_JOINER = "\u2060"


def leads_somewhere(href: str) -> bool:
    """A web or mail address, or an anchor in the brief: a link a PDF can follow."""
    return bool(REAL_LINK.match(href) or re.match(r"#.", href))


def unescaped(text: str) -> str:
    """Text with Python-Markdown's placeholders for backslash escapes and `&` undone."""
    return toc.unescape(text).replace(markdown.util.AMP_SUBSTITUTE, "&")


def published(href: str) -> str:
    """An address as the press prints and links it: a mail address is the address alone
    (a `mailto:` link kept `?attach=/etc/passwd` for a mail program to act on)."""
    return href.split("?", 1)[0] if href.lower().startswith("mailto:") else href


def href_of(element: etree.Element) -> str:
    """A link's address as written (an e-mail autolink's is in character references)."""
    return unescape(unescaped(element.get("href", "")))


@dataclass(frozen=True)
class Fact:
    """One thing of the tree the checks look at, with its place in the source."""

    kind: str  # "link", "image", "heading", "list", "id" (raw HTML's), "call" (with no note),
    # "uncalled" (a note no call names)
    line: int
    column: int | None = None
    value: str = ""  # a link's address, an image's path, a heading's text, a call's name
    alt: str | None = None  # an image's alternative text
    level: int = 0  # a heading's level
    slug: str = ""  # a heading's id
    items: int = 0  # a list's number of items


def heading_key(text: str) -> str:
    """A heading as headings are compared: case, spaces and a closing colon aside."""
    return " ".join(text.casefold().rstrip(" :：").split())


def section_id(heading: str, recommendations: set[str], taken: set[str], counts: dict) -> str:
    """A `##` section's id: `recommendations` for the recommendations' heading in any language,
    else its heading's slug, numbered where an earlier section took it; taken and counts kept."""
    key = heading_key(heading)  # "Recommendations", or "Recommendations to …"
    named = any(key == r or key.startswith(r + " ") for r in recommendations)
    slug = base = "recommendations" if named else slugify_unicode(heading, "-") or "section"
    while slug in taken:  # the next number for this base, not every one again
        counts[base] = counts.get(base, 1) + 1
        slug = f"{base}-{counts[base]}"
    taken.add(slug)
    return slug


class Sections(Treeprocessor):
    """Wrap each `##` heading and what follows it in `<section id="slug">`; list them in toc.

    The recommendations' section, in whichever language its heading is, is
    `<section id="recommendations">`: a heading that is, or starts with, the word for it; its
    lists are ordered lists, each recommendation numbered.
    """

    def __init__(
        self, md: markdown.Markdown, toc: list[tuple[str, str]], recommendations: set[str]
    ):
        super().__init__(md)
        self.toc, self.recommendations = toc, recommendations

    def run(self, root: etree.Element) -> None:
        section, kept, taken, counts = None, [], set(), {}
        for child in list(root):
            if child.tag == "h2":
                heading = plain_text(self.md, child)
                slug = section_id(heading, self.recommendations, taken, counts)
                self.toc.append((slug, heading))
                section = etree.Element("section", id=slug)
                kept.append(section)
            if section is not None and child.tag != "section":
                section.append(child)
            else:
                kept.append(child)
        root[:] = kept
        for recommendations in root.findall("section[@id='recommendations']"):
            for listing in recommendations.findall("ul"):  # numbered: an ordered list
                listing.tag = "ol"
                for item in listing.findall("li"):  # its number starts the first line
                    if len(item) and not (item.text or "").strip():
                        if item[0].tag == "p" and len(item) == 1:
                            unwrap(item, item[0])
                        else:  # a quotation, a list, paragraphs: the first beside the number
                            item.set("class", "opens-with-block")


def plain_text(md: markdown.Markdown, element: etree.Element) -> str:
    """An element's text as a reader sees it: raw HTML and entities Markdown set aside restored."""

    def words(node: etree.Element) -> str:
        if node.find("a[@class='footnote-ref']") is not None:  # a note's call number
            return node.tail or ""
        return (node.text or "") + "".join(map(words, node)) + (node.tail or "")

    text = (element.text or "") + "".join(map(words, element))
    stash = md.htmlStash.rawHtmlBlocks
    text = unescaped(STASH_RE.sub(lambda m: str(stash[int(m[1])]), text))
    text = re.sub(r"\x02[^\x03]*\x03", "", text)
    return " ".join(unescape(toc.strip_tags(text)).split())


class RawHtml(HTMLParser):
    """A piece of raw HTML read tag by tag, as browsers read it: a malformed marked section
    (`<![ x`) is a bogus comment, where Python's parser stops on an assertion."""

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        end = self.rawdata.find(">", i)
        return -1 if end < 0 else end + 1


class RawTags(RawHtml):
    """The links, images and ids of a piece of raw HTML: (tag or "id", attributes)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag in ("a", "img"):
            self.found.append((tag, attributes))
        if attributes.get("id"):
            self.found.append(("id", attributes))


class Declassed(RawHtml):
    """A piece of raw HTML without class attributes: the press's classes are its own (a raw
    `<span class="footnote">` was a note, shifting every number; `class="source"` was hidden in
    one copy and shown in the other)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=False)
        self.parts: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(self.rebuilt(tag, attrs, ">"))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(self.rebuilt(tag, attrs, " />"))

    def rebuilt(self, tag: str, attrs: list[tuple[str, str | None]], end: str) -> str:
        """A start tag as written but for its class."""
        if not any(name == "class" for name, _ in attrs):
            return self.get_starttag_text()
        kept = "".join(
            f" {name}" if value is None else f' {name}="{escape(value)}"'
            for name, value in attrs
            if name != "class"
        )
        return f"<{tag}{kept}{end}"

    def unknown_decl(self, data: str) -> None:
        self.parts.append(f"<![{data}]>")

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_entityref(self, name: str) -> None:
        self.parts.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.parts.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.parts.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.parts.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.parts.append(f"<?{data}>")


class RawClasses(Treeprocessor):
    """Strip class attributes from the raw HTML Python-Markdown set aside (see Declassed)."""

    def run(self, root: etree.Element) -> None:
        stash = self.md.htmlStash.rawHtmlBlocks
        for n, raw in enumerate(stash):
            if isinstance(raw, str) and "class" in raw.lower():
                stash[n] = "".join(Declassed(raw).parts)


# A link's text: brackets may nest (an image inside a link, `[a [b] c]`), lines may break.
# Atomic and possessive: a text with an unclosed `[` is refused at once, not in exponential time
# (each `(…)` after a bracket could be read two ways, and every way was tried).
LINK_TEXT = r"(?:[^\[\]]++|(?>\[(?:[^\[\]]++|\[[^\]]*+\])*+\](?:\([^)]*+\))?))*+"


def target_pattern(
    md: markdown.Markdown, prefix: str, target: str, labels: list[str]
) -> re.Pattern:
    """How a link's or image's target may be written: inline, as raw HTML or by reference (its
    references' labels)."""
    t = "".join(rf"\\?{re.escape(c)}" if c in md.ESCAPED_CHARS else re.escape(c) for c in target)
    forms = [rf"{prefix}\[{LINK_TEXT}\]\(\s*<?{t}", rf"\b(?:href|src)\s*=\s*[\"']?{t}", rf"<{t}>"]
    if target.startswith("mailto:"):
        forms.append(rf"<{re.escape(target[7:])}>")
    for label in map(re.escape, labels):
        forms += [rf"{prefix}\[{LINK_TEXT}\]\[{label}\]", rf"(?<!\])\[{label}\](?![(:\[])"]
    return re.compile("|".join(forms), re.IGNORECASE)


class Facts(Treeprocessor):
    """Note each link, image, heading, list and unknown footnote call, in document order."""

    def __init__(self, md: markdown.Markdown, source: SourceMap, facts: list[Fact]):
        super().__init__(md)
        self.source, self.facts = source, facts

    def run(self, root: etree.Element) -> None:
        self.labels: dict[str, list[str]] = {}  # each address's reference labels
        for label, (href, _) in self.md.references.items():
            self.labels.setdefault(href, []).append(label)
        self.walk(root, None, "")

    def walk(self, element: etree.Element, note: str | None, slug: str) -> None:
        if element.tag == "li" and (element.get("id") or "").startswith("fn:"):
            note = element.get("id")[3:]
        if element.tag in ("h1", "h2", "h3", "h4", "h5", "h6") and not note:
            level, text = int(element.tag[1]), plain_text(self.md, element)
            line = self.source.heading(level)
            self.facts.append(Fact("heading", line, None, text, None, level, slug))
        elif element.tag in ("ul", "ol") and not note:
            self.facts.append(Fact("list", 0, items=len(element.findall("li"))))
        elif element.tag == "a" and element.get("class") not in NOTE_LINKS:
            self.add("link", "", href_of(element), None, note)
        elif element.tag == "img":
            self.add("image", "!", element.get("src", ""), element.get("alt", ""), note)
        if element.tag not in ("code", "pre"):
            self.text(element.text, note)
        for child in element:
            section = element.get("id", "") if element.tag == "section" else ""
            self.walk(child, note, section if child.tag == "h2" else "")
            self.text(child.tail, note)

    def add(self, kind: str, prefix: str, target: str, alt: str | None, note: str | None) -> None:
        pattern = target_pattern(self.md, prefix, target, self.labels.get(target, []))
        line, column = self.source.find(pattern, note, container=kind == "link")
        self.facts.append(Fact(kind, line, column, target, alt))

    def text(self, text: str | None, note: str | None) -> None:
        """Raw HTML set aside in the text, and footnote calls Markdown found no note for."""
        for match in re.finditer(rf"{STASH_RE.pattern}|{NOTE_CALL_RE.pattern}", text or ""):
            if match[1] is None:
                pattern = re.compile(re.escape(match[0]))
                line, column = self.source.find(pattern, note)
                self.facts.append(Fact("call", line, column, match[2]))
                continue
            for tag, attributes in RawTags(
                str(self.md.htmlStash.rawHtmlBlocks[int(match[1])])
            ).found:
                if tag == "a" and "href" in attributes:
                    self.add("link", "", attributes["href"], None, note)
                elif tag == "img":
                    self.add("image", "!", attributes.get("src", ""), attributes.get("alt"), note)
                elif tag == "id":
                    pattern = re.compile(rf"\bid\s*=\s*[\"']?{re.escape(attributes['id'])}")
                    line, column = self.source.find(pattern, note)
                    self.facts.append(Fact("id", line, column, attributes["id"]))


class Footnotes(Treeprocessor):
    """Move each footnote's text to its call, as an inline element floated to the page foot.

    The PDF's call is a link to the note (`.note-call`); the HTML copy's (`.note-ref`) links to
    a copy of it in `<section id="notes">` after the text, which only it shows: a screen has no
    page foot.
    """

    def __init__(
        self, md: markdown.Markdown, heading: str, source: SourceMap, facts: list, gettext=str
    ):
        super().__init__(md)
        self.heading, self.source, self.facts, self.gettext = heading, source, facts, gettext

    def run(self, root: etree.Element) -> None:
        holder = root.find(".//div[@class='footnote']/..")
        if holder is None:
            return
        for heading in (h for h in root.iter() if h.tag in ("h2", "h3", "h4", "h5", "h6")):
            if heading.find(".//a[@class='footnote-ref']") is not None:  # its bookmark: no call
                heading.set("title", plain_text(self.md, heading))
        notes = holder.find("div[@class='footnote']")
        holder.remove(notes)
        for parent in list(notes.iter()):  # the "↩" back-links: a page-foot note needs none
            for link in parent.findall("a[@class='footnote-backref']"):
                parent.remove(link)
            for text in ("text", "tail"):  # and the space before them
                setattr(parent, text, (getattr(parent, text) or "").replace(NBSP_PLACEHOLDER, ""))
        bodies = {li.get("id"): li for li in notes.iter("li") if li.get("id", "").startswith("fn:")}
        parents = parent_map(root)
        numbers: dict[str, int] = {}  # a note's name → its number, given at its first call
        times: dict[int, int] = {}  # how often each number has been called so far
        calls, listing = [], []
        for sup in [s for s in root.iter("sup") if s.find("a[@class='footnote-ref']") is not None]:
            name = sup.find("a[@class='footnote-ref']").get("href", "#")[1:]
            first = name not in numbers
            n = numbers.setdefault(name, len(numbers) + 1)
            times[n] = times.get(n, 0) + 1
            back = f"call:{n}" if times[n] == 1 else f"call:{n}-{times[n]}"
            # A note called again keeps its number: its words are printed once, at its first call.
            note = self.note(bodies, name, n) if first else None
            calls.append((sup, n, back, note))
            if note is not None:
                listing.append((n, back, note))
        where = Positions()
        for sup, n, back, note in reversed(calls):  # from the last: the others stay put
            links = [a for a in ancestors(sup, parents) if a.tag == "a"]
            place = links[-1] if links else sup  # a call in a link's text: after it, never inside
            parent = parents[place]
            if place is sup:
                index, tail = where.index(parent, sup), sup.tail
                parent.remove(sup)
            else:
                sup.text = None
                sup[:] = []
                unwrap(parents[sup], sup)  # its tail stays in the link
                index, tail, place.tail = where.index(parent, place) + 1, place.tail, None
            follows = hold_to_word(parent, index)
            call = etree.Element("span", {"class": "note-call follows" if follows else "note-call"})
            call.text = WORD_JOINER  # no break before the number, not even after "." or ","
            label = self.gettext(N_("Note %(number)s")) % {"number": n}  # not a bare number
            etree.SubElement(call, "a", href=f"#fn:{n}", **{"aria-label": label}).text = str(n)
            ref = etree.Element("span", {"class": "note-ref follows" if follows else "note-ref"})
            etree.SubElement(
                ref, "a", href=f"#note:{n}", id=back, **{"aria-label": label}
            ).text = str(n)
            group = [call, note, ref] if note is not None else [call, ref]
            if (tail or "").startswith(" "):  # see hold_to_word
                space = etree.Element("span", {"class": "after-call"})
                space.text, tail = " ", tail[1:]
                group.append(space)
            parent[index:index] = group
            group[-1].tail = tail or None
        if listing:
            root.append(self.endnotes(listing))
        inner = {a.get("href", "#")[1:] for b in bodies.values() for a in b.iter("a")}
        for name in bodies.keys() - numbers.keys() - inner:  # defined, never called: lost
            line, column = self.source.place(self.source.notes[name[3:]][0])
            self.facts.append(Fact("uncalled", line, column, name[3:]))

    def note(self, bodies: dict, name: str, n: int) -> etree.Element:
        """A note's words as an inline element, its own notes in brackets."""
        note = etree.Element("span", {"class": "footnote", "id": f"fn:{n}"})
        blocks = [copy.deepcopy(b) for b in bodies[name] if len(b) or b.text]
        for i, block in enumerate(blocks):
            if i:
                etree.SubElement(note, "br")
            if block.tag != "p":  # a list or table in a note: its words, on one line
                words = etree.Element("p")
                words.text = " ".join(" ".join(block.itertext()).split())
                block = words
            inline_into(note, block)
        for inner in list(note.iter("sup")):  # a note's own notes, in brackets
            call = inner.find("a[@class='footnote-ref']")
            if call is not None and call.get("href", "#")[1:] in bodies:
                text = self.words(bodies, call.get("href")[1:], set())
                inner.remove(call)
                inner.tag, inner.text = "span", f" ({text})"
                inner.attrib.pop("id", None)
        return note

    def endnotes(self, notes: list[tuple[int, str, etree.Element]]) -> etree.Element:
        """The notes as a list after the text, each linked to and from its first call."""
        section = etree.Element("section", id="notes")
        etree.SubElement(section, "h2").text = self.heading
        listing = etree.SubElement(section, "ol")
        for n, back, note in notes:
            item = etree.SubElement(listing, "li", id=f"note:{n}")
            label = self.gettext(N_("Back to note %(number)s in the text")) % {"number": n}
            etree.SubElement(item, "a", href=f"#{back}", **{"aria-label": label}).text = str(n)
            body = copy.deepcopy(note)
            body.tag, body.attrib, body.tail = "span", {}, None
            body.text = " " + (body.text or "")
            item.append(body)
        return section

    def words(self, bodies: dict, name: str, seen: set[str]) -> str:
        """A note's words, the notes it calls in brackets after theirs, however deep."""
        body = copy.deepcopy(bodies[name])
        for sup in list(body.iter("sup")):
            call = sup.find("a[@class='footnote-ref']")
            inner = call.get("href", "#")[1:] if call is not None else ""
            if inner in bodies and inner not in seen | {name}:
                text = self.words(bodies, inner, seen | {name})
                sup.remove(call)
                sup.tag, sup.text = "span", f" ({text})"
        return plain_text(self.md, body)


def hold_to_word(parent: etree.Element, index: int) -> bool:
    """Drop the space typed before a call at index: `word [^1]` is set `word¹`.

    A word joiner at the start of the call holds it to the word (after "." or "," the Unicode
    rules would let a line break before a number). Not a span around both, kept from breaking
    (`nowrap`): WeasyPrint 70 then ends lines early around it (#2025, #2308). For the same reason
    the space after a call is an element of its own, whose space may end a line (`.after-call`).
    Returns whether the call follows another straight away (`[^a][^b]`), which reads as one number
    unless set apart.
    """
    before = parent[index - 1] if index else None
    text = (parent.text if before is None else before.tail) or ""
    if before is None:
        parent.text = text.rstrip() or None
    else:
        before.tail = text.rstrip() or None
    call = before is not None and before.tag == "sup"  # the call before, not yet set
    return call and before.find("a[@class='footnote-ref']") is not None and not text.strip()


def inline_into(target: etree.Element, para: etree.Element) -> None:
    """Append a paragraph's text and children to an inline element."""
    if len(target):
        last = target[-1]
        last.tail = (last.tail or "") + (para.text or "")
    else:
        target.text = (target.text or "") + (para.text or "")
    for child in list(para):
        target.append(child)
    if len(target):
        target[-1].tail = (target[-1].tail or "").rstrip()
    else:
        target.text = (target.text or "").rstrip()


class Placeholders(Treeprocessor):
    """Set a link that leads nowhere (`(#)`, a relative path) as its text: nothing to follow."""

    # In a PDF a link with no address is a /Link tag with no link annotation: a screen reader
    # announces a link that cannot be followed. The source keeps `[text](#)`; --check lists it.
    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for index in reversed(range(len(parent))):  # from the last: the others stay put
                if parent[index].tag == "a" and not leads_somewhere(href_of(parent[index])):
                    unwrap(parent, parent[index], index)


def unwrap(parent: etree.Element, child: etree.Element, index: int | None = None) -> None:
    """Put a child (at index, when known) its text and children in its place in the parent."""
    index = list(parent).index(child) if index is None else index
    inner = list(child)
    if inner:  # the child's tail follows its last element
        inner[-1].tail = (inner[-1].tail or "") + (child.tail or "")
    text = (child.text or "") + ("" if inner else child.tail or "")
    if index:
        parent[index - 1].tail = (parent[index - 1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    parent.remove(child)
    for offset, element in enumerate(inner):
        parent.insert(index + offset, element)


class SourceNotes(Treeprocessor):
    """Follow each real link with its address: the print copy shows it as a source note.

    A link inside a note gets its address in brackets in the note instead; a link whose text is
    its address gets nothing, the address being printed already.
    """

    def __init__(self, md: markdown.Markdown, rtl: bool = False):
        super().__init__(md)
        self.rtl = rtl

    def run(self, root: etree.Element) -> None:
        in_notes = {
            id(a) for n in root.iter("span") if n.get("class") == "footnote" for a in n.iter("a")
        }
        endnotes = {id(a) for n in root.findall("section[@id='notes']") for a in n.iter("a")}
        parents = parent_map(root)
        found = []  # in reading order: the letters follow the text
        for link in root.iter("a"):
            href = published(link.get("href", ""))
            if not REAL_LINK.match(href) or written_out(link, href) or id(link) in endnotes:
                continue
            inline = id(link) in in_notes
            found.append((link, href, inline))
        where, sources = Positions(), sum(not inline for _, _, inline in found)
        for link, href, inline in reversed(found):  # from the last: the others stay put
            parent = parents[link]
            note = etree.Element("span", {"class": "address" if inline else "source"})
            if not inline:  # the print copy's source note: its anchor names it in the tags
                note.set("id", f"src:{sources}")
            address = etree.SubElement(note, "a", href=href)  # a link still, in a PDF viewer
            address.text = href
            if inline:
                note.text, address.tail = " (", ")"
            note.tail, link.tail = link.tail, None
            if inline and self.rtl:  # the address a line of its own (print.css): the stop first
                stop = re.match(r"[.,;:!?،؛]*", note.tail or "")[0]
                link.tail, note.tail = stop or None, (note.tail or "")[len(stop) :] or None
            added = [note]
            if not inline:  # its call, a link to it like a note's (print.css shows it)
                call = etree.Element("span", {"class": "source-call"})
                etree.SubElement(call, "a", href=f"#src:{sources}").text = letters(sources)
                call.tail, note.tail = note.tail, None
                added.append(call)
                sources -= 1
            index = where.index(parent, link) + 1
            parent[index:index] = added


# An address written out in the text, as pasted from Word: up to a space, a bracket, a quote or
# a control character (Python-Markdown's placeholders: a note's way back follows its last word).
BARE_ADDRESS_RE = r"(?<![\w/@.:=\"'-])https?://[^\s<>\"'`\[\]{}|\\^\x00-\x1f\x7f]+"
TRAILING = ".,;:!?…»”’\"'"  # what ends a sentence after an address, not the address


class BareAddresses(InlineProcessor):
    """An address written out (`https://…`) a link to itself, as `<https://…>` makes one: a
    reader can follow it, the print copy does not print it twice, and outloud finds no address
    without its link (LNK-010). Its sentence's last stop and an unmatched bracket stay out."""

    ANCESTOR_EXCLUDES = ("a",)

    def handleMatch(self, m: re.Match, data: str):
        address = m[0]
        while address[-1] in TRAILING or (
            address[-1] == ")" and address.count(")") > address.count("(")
        ):
            address = address[:-1]
        link = etree.Element("a", {"href": address})
        link.text = AtomicString(address)
        return link, m.start(0), m.start(0) + len(address)


def letters(n: int) -> str:
    """A source note's mark: a, b … z, aa, ab …, as CSS's lower-alpha counts."""
    mark = ""
    while n:
        n, digit = divmod(n - 1, 26)
        mark = chr(ord("a") + digit) + mark
    return mark


def written_out(link: etree.Element, href: str) -> bool:
    """Whether a link's text is its own address (give or take the scheme and a final slash)."""
    text = "".join(link.itertext()).strip()
    bare = re.sub(r"^[a-z]+://|^mailto:|/$", "", href, flags=re.IGNORECASE)
    return text in (href, bare, bare + "/") or re.sub(r"^[a-z]+://|/$", "", text) == bare


class Figures(Treeprocessor):
    """Turn a paragraph holding one titled image into a figure with a caption."""

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for index in reversed(range(len(parent))):  # from the last: the others stay put
                para = parent[index]
                if para.tag != "p" or len(para) != 1 or (para.text or "").strip():
                    continue
                img = para[0]
                if img.tag != "img" or (img.tail or "").strip() or not img.get("title"):
                    continue
                figure = etree.Element("figure")
                caption = etree.SubElement(figure, "figcaption")
                caption.text = img.attrib.pop("title")
                figure.insert(0, img)
                img.tail = None
                figure.tail = para.tail
                parent[index] = figure


class BlockIds(Treeprocessor):
    """Name each paragraph, list, item, quotation and table (`id="p:3"`) that has no id.

    A page's anchors (WeasyPrint's Page.anchors) then tell what a page break split: the id is
    on both pages, and the PDF's finisher joins the two halves in the tags (press/tagfix.py).
    Not the paragraph Python-Markdown holds raw HTML in: it is replaced by it whole.
    """

    def run(self, root: etree.Element) -> None:
        counts: dict[str, int] = {}
        for element in root.iter():
            raw = element.tag == "p" and STASH_RE.fullmatch((element.text or "").strip())
            if element.tag in SPLIT_BLOCKS and "id" not in element.attrib and not raw:
                counts[element.tag] = counts.get(element.tag, 0) + 1
                element.set("id", f"{element.tag}:{counts[element.tag]}")


# The blocks a page break may split, with the structure element each is tagged as: their ids
# let press/tagfix.py join a split one again.
SPLIT_BLOCKS = {
    "p": "/P",
    "ul": "/L",
    "ol": "/L",
    "li": "/LI",
    "blockquote": "/BlockQuote",
    "table": "/Table",
}


class PressExtension(Extension):
    """Register the press's tree processors after inline parsing, before serializing."""

    def __init__(
        self,
        source: SourceMap,
        recommendations: set[str],
        rtl: bool = False,
        notes: str = "Notes",
        lang: str = "en",
        gettext=str,
    ):
        super().__init__()
        self.source, self.recommendations, self.rtl, self.lang = source, recommendations, rtl, lang
        self.notes = notes  # the heading of the HTML copy's notes
        self.gettext = gettext  # the layout's words in the brief's language
        self.toc: list[tuple[str, str]] = []  # (id, heading) of each `##` section
        self.facts: list[Fact] = []

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After `[text](address)` (160), `<address>` (120) and raw HTML (90): an address no
        # link or tag holds; before emphasis (60), whose underscores an address may have.
        md.inlinePatterns.register(BareAddresses(BARE_ADDRESS_RE, md), "press-bare-addresses", 85)
        # Sections first: a heading's id and contents entry must not take in its notes. Facts
        # before the notes move to their calls and before links that lead nowhere are unwrapped.
        md.treeprocessors.register(RawClasses(md), "press-raw-classes", 19)
        sections = Sections(md, self.toc, self.recommendations)
        md.treeprocessors.register(sections, "press-sections", 18)
        md.treeprocessors.register(Facts(md, self.source, self.facts), "press-facts", 17.5)
        footnotes = Footnotes(md, self.notes, self.source, self.facts, self.gettext)
        md.treeprocessors.register(footnotes, "press-footnotes", 17)
        md.treeprocessors.register(Placeholders(md), "press-placeholders", 16.7)
        md.treeprocessors.register(SourceNotes(md, self.rtl), "press-source-notes", 16.5)
        md.treeprocessors.register(Figures(md), "press-figures", 16)
        md.treeprocessors.register(LongWords(md), "press-long-words", 15.5)
        md.treeprocessors.register(ShortColumns(md), "press-short-columns", 15.4)
        md.treeprocessors.register(Spaces(md, self.lang), "press-spaces", 15.3)
        if self.rtl:  # after Python-Markdown's unescaping (0): "5\*" is "5*", not "5" and "42"
            md.treeprocessors.register(Isolates(md), "press-isolates", -1)
        # After Python-Markdown's prettifier (10), whose newlines between blocks it removes.
        md.treeprocessors.register(LineEnds(md), "press-line-ends", 5)
        md.treeprocessors.register(BlockIds(md), "press-block-ids", 4)
