"""Briefs from Monitor material as a new user writes them: long and note-heavy (English), French,
Portuguese and Arabic, each built as the distributable, the print copy and the HTML copy."""

import itertools
import re

import pikepdf
import pymupdf
import pypdfium2
import pytest
from conftest import ROOT, build_brief
from helpers import (
    early_breaks,
    html_tree,
    kids,
    marked_texts,
    note_gaps,
    outloud,
    page_texts,
    read_aloud,
    read_in_order,
    reading_order,
    squash,
    structure_nodes,
    structure_texts,
    tagged_texts,
)

from press import lineends, tagfix
from press.frontmatter import read
from press.written import words

LONG = ROOT / "tests" / "briefs" / "long"


@pytest.fixture(scope="session", params=["en", "fr", "pt", "ar"])
def long_brief(request, tmp_path_factory):
    """A brief built in both PDF copies, with the HTML copy."""
    out = tmp_path_factory.mktemp(f"long-{request.param}")
    built = [build_brief(LONG / f"{request.param}.md", out, *o) for o in ([], ["--print"])]
    return request.param, built


def definitions(lang: str) -> int:
    """How many notes the brief defines."""
    return len(re.findall(r"^\[\^[^\]]+\]:", (LONG / f"{lang}.md").read_text(), re.M))


def test_every_copy_builds(long_brief):
    """The print copy too, wherever its pages break (it failed on a note's anchor)."""
    for built in long_brief[1]:
        assert built.status == 0, built.stderr
        assert "error" not in built.stderr


def test_large_print_builds_its_figures_two_to_a_row_above_the_text(long_brief, tmp_path):
    """Large print: four key figures side by side left a column narrower than a word (the
    Portuguese brief failed); they open page 2, two to a row, the text below them."""
    lang, _ = long_brief
    built = build_brief(LONG / f"{lang}.md", tmp_path, "--copy", "large")
    assert built.status == 0, built.stderr
    with pymupdf.open(built.pdf) as document:
        second = squash(document[1].get_text())
    values = [f["value"] for f in read(LONG / f"{lang}.md").meta["figures"]]
    assert values and all(squash(v) in second for v in values)


def test_a_note_is_printed_once_however_often_it_is_called(long_brief):
    lang, (distributable, _) = long_brief
    items = html_tree(distributable.html).findall(".//section[@id='notes']/ol/li")
    assert len(items) == definitions(lang)
    numbers = re.findall(r'href="#fn:(\d+)"', distributable.html.read_text())
    assert max(map(int, numbers)) == definitions(lang) < len(numbers)


def test_no_notes_number_stands_alone_on_its_line(long_brief):
    for built in long_brief[1]:
        with pymupdf.open(built.pdf) as document:
            alone = [
                text
                for page in document
                for block in page.get_text("dict")["blocks"]
                for line in block.get("lines", [])
                if (text := "".join(s["text"] for s in line["spans"]).strip())
                and all(s["size"] < 9 and "Bold" in s["font"] for s in line["spans"])
                and re.fullmatch(r"\d+\.", text)  # a note's marker, with nothing beside it
            ]
        assert not alone


def test_short_columns_stay_on_one_line(long_brief):
    lang, (distributable, _) = long_brief
    if lang == "ar":
        pytest.skip("the Arabic brief has no table")  # it passed on an empty list of dates
    source = (LONG / f"{lang}.md").read_text()
    dates = [m.strip() for m in re.findall(r"^\| ([^|]{1,20}) \|", source, re.M)][1:]
    lines = "\n".join(page_texts(distributable.pdf)).splitlines()
    assert dates  # the table's first column: else the loop below asserts nothing
    for date in dates:
        assert any(
            date.replace(" ", "") in line.replace(" ", "").replace("\u202f", "") for line in lines
        ), date


def test_french_punctuation_never_starts_or_ends_a_line(long_brief):
    lang, built = long_brief
    if lang != "fr":
        pytest.skip("French typography")
    for copy in built:
        lines = [line.strip() for line in "\n".join(page_texts(copy.pdf)).splitlines()]
        assert not [line for line in lines if re.match(r"[:;?!%»]", line)]
        assert not [line for line in lines if line.endswith("«")]
        text = "\n".join(lines)
        assert "\u202f»" in text and "«\u202f" in text and '"' not in text


def test_calls_side_by_side_read_as_two_numbers(long_brief):
    lang, (distributable, _) = long_brief
    pairs = len(re.findall(r"\]\[\^", (LONG / f"{lang}.md").read_text()))
    tree = html_tree(distributable.html)
    assert pairs and len(tree.findall(".//span[@class='note-call follows']")) == pairs


def test_no_line_ends_early_before_a_notes_call(long_brief):
    """A call and the word it follows never wait for the next line where they fit on this one.
    (A line may still end a word early after a call or emphasis, WeasyPrint #2308: the text after
    an inline element cannot be broken where its last space hangs past the line's end.)"""
    for built in long_brief[1]:
        early = [e for e in early_breaks(built.pdf) if re.search(r"\d$", e[2])]
        assert not early, early


def test_a_page_ends_short_only_where_the_design_wants_it(long_brief):
    """Text runs down to its notes: a page stops short only before the recommendations, which
    start a page, and at the end (a note cited four times once took four times the room)."""
    for built in long_brief[1]:
        with pymupdf.open(built.pdf) as document:
            recommendations = document.get_toc()[-1][2]  # the last section starts its page
            pages = len(document)
        gaps = note_gaps(built.pdf)
        short = {
            p: round(g) for p, g in gaps.items() if g > 40 and p not in (recommendations - 1, pages)
        }
        assert gaps and not short, short


def test_addresses_read_in_order_in_a_right_to_left_print_copy(long_brief):
    """Each address printed in the Arabic print copy reads as written, wherever its lines break."""
    lang, (_, printed) = long_brief
    if lang != "ar":
        pytest.skip("right to left")
    text = re.sub(r"\s+", "", "".join(page_texts(printed.pdf))).replace(
        "\ufffe", "-"
    )  # a line's hyphen
    addresses = set(re.findall(r"\]\((https?://[^)\s]+)\)", (LONG / "ar.md").read_text()))
    assert addresses and not [a for a in addresses if a not in text]


def test_each_note_is_read_right_after_the_block_that_calls_it(long_brief):
    """A note's Note element follows the paragraph (item, heading, table) of its first call,
    before anything else: a screen reader meets it there, not at the page's end."""
    for built in long_brief[1]:
        with pikepdf.open(built.pdf) as document:
            notes = [n for n in structure_nodes(document) if n.get("/S") == "/Note"]
            assert notes
            for note in notes:
                siblings = kids(note.P)
                at = [s.objgen for s in siblings].index(note.objgen)
                before = [s for s in reversed(siblings[:at]) if s.get("/S") not in (None, "/Note")]
                block = before[0] if before else note.P  # a note ends the item's body it is in
                assert str(note.ID) in calls_in(block), (built.pdf.name, str(note.ID))


def test_a_note_opens_with_its_number_as_its_label_and_lists_hold_only_items(long_brief):
    """A Note's number is its Lbl; a note called in a list item ends the item's body, since an
    item holds only its label and its body (PDF/UA-1: L > LI > Lbl, LBody)."""
    for built in long_brief[1]:
        numbers = {}
        with pikepdf.open(built.pdf) as document:
            for node in structure_nodes(document):
                if node.get("/S") == "/Note":
                    first = kids(node)[0]
                    assert first.S == "/Lbl", str(node.ID)
                    numbers[str(node.ID)] = first
                if node.get("/S") == "/LI":
                    assert [k.S for k in kids(node)] in (["/Lbl", "/LBody"], ["/LBody"])
        labels = tagged_texts(built.pdf, "/Lbl")
        assert len(labels) >= len(numbers) > 10


def test_every_list_with_labels_says_how_they_number(long_brief):
    """ListNumbering from the labels shown: numbers Decimal (the recommendations), bullets Disc."""

    def first_label(node: pikepdf.Dictionary) -> bool:
        return (
            node.get("/S") == "/Lbl"
            and node.P.get("/S") == "/LI"
            and kids(node.P.P)[0].objgen == node.P.objgen
        )

    for built in long_brief[1]:
        shown = [t.strip()[:1] for t in structure_texts(built.pdf, first_label)]
        with pikepdf.open(built.pdf) as document:
            numbering = [
                str(n.A.ListNumbering)
                for n in structure_nodes(document)
                if n.get("/S") == "/L" and any(k.S == "/Lbl" for k in kids(kids(n)[0]))
            ]
        found = list(zip(shown, numbering, strict=True))
        expected = {"•": "/Disc", "–": "/None"}
        assert "/Decimal" in numbering, built.pdf.name
        assert all(n == ("/Decimal" if c.isdigit() else expected[c]) for c, n in found), found


def test_artifacts_say_what_they_are(long_brief):
    """Each page after the cover has a running head (Pagination, Header) and a folio (Footer);
    the contents' leaders are Layout; nothing else is an artifact but a table's repeated head."""
    lang, built = long_brief
    for copy in built:
        with pikepdf.open(copy.pdf) as document:
            kinds = [
                [
                    (str(operands[1].get("/Type")), str(operands[1].get("/Subtype", "")))
                    for operands, op in pikepdf.parse_content_stream(page)
                    if str(op) == "BDC" and operands[0] == "/Artifact"
                ]
                for page in document.pages
            ]
        for page in kinds[1:]:
            assert page.count(("/Pagination", "/Header")) == 1, copy.pdf.name
            assert page.count(("/Pagination", "/Footer")) == 1, copy.pdf.name
        leaders = sum(page.count(("/Layout", "")) for page in kinds)
        assert (leaders > 100) == (lang == "en")  # the English brief asks for contents
        heads = [k for page in kinds for k in page if k == ("/Pagination", "")]
        if not re.search(r"^\|[ -|]+\|$", (LONG / f"{lang}.md").read_text(), re.M):
            assert heads == [], copy.pdf.name  # no table, no header row repeated


def test_a_link_is_one_link_with_one_annotation_on_each_page(long_brief):
    """A link set over several lines, or a contents entry (words, leader, page number), is one
    Link, its lines' boxes in one annotation's QuadPoints: one stop for a keyboard, one link
    for a screen reader."""
    for built in long_brief[1]:
        with pikepdf.open(built.pdf) as document:
            nodes = list(structure_nodes(document))
            for link in (n for n in nodes if n.get("/S") == "/Link"):
                pages = [k.Pg.objgen for k in kids(link) if k.get("/Type") == "/OBJR"]
                assert pages and len(pages) == len(set(pages)), built.pdf.name
            for parent in (n for n in nodes if "/S" in n):
                targets = [
                    str(k.Obj.get("/Dest") or k.Obj.A.URI)
                    for link in kids(parent) if link.get("/S") == "/Link"
                    for k in kids(link)[-1:] if k.get("/Type") == "/OBJR"
                ]  # fmt: skip
                assert all(a != b for a, b in itertools.pairwise(targets)), built.pdf.name
            annotations = [a for page in document.pages for a in page.get("/Annots", [])]
            assert len(annotations) == sum(n.get("/Type") == "/OBJR" for n in nodes)


def test_every_mark_an_element_holds_shows_something(long_brief):
    """No element holds a marked sequence that paints nothing (147 did in the English brief,
    beside each note's call): a screen reader would meet an empty element."""
    for built in long_brief[1]:
        painted = marked_texts(built.pdf)
        with pikepdf.open(built.pdf) as document:
            pages = {page.objgen: n for n, page in enumerate(document.pages)}
            held = [
                (pages[node.Pg.objgen], int(k))
                for node in structure_nodes(document)
                if "/Pg" in node and node.get("/S") != "/Figure"
                for k in (node.K if isinstance(node.get("/K"), pikepdf.Array) else [])
                if isinstance(k, int)
            ]
        assert len(held) > 100 and [m for m in held if painted.get(m, "") == ""] == []


def test_an_element_that_holds_only_lines_holds_their_text(long_brief):
    """A paragraph of plain lines holds their marked contents itself, not one Span per line."""
    for built in long_brief[1]:
        with pikepdf.open(built.pdf) as document:
            nodes = [n for n in structure_nodes(document) if "/S" in n]
            lines_only = [
                n for n in nodes
                if n.S in ("/P", "/H2", "/H3", "/LBody") and "/ActualText" not in n
                and kids(n) and all(is_line(k) for k in kids(n))
            ]  # fmt: skip
            holding = [n for n in nodes if n.S == "/P" and not kids(n)]
        assert lines_only == [], built.pdf.name
        assert holding or long_brief[0] == "ar"  # Arabic paragraphs are read as written


def is_line(node: pikepdf.Dictionary) -> bool:
    """A Span of one line's text and nothing else."""
    held = node.get("/K")
    return (
        node.get("/S") == "/Span"
        and set(node.keys()) <= {"/Type", "/S", "/P", "/Pg", "/K"}
        and isinstance(held, pikepdf.Array)
        and all(isinstance(k, int) for k in held)
    )


def calls_in(node: pikepdf.Dictionary) -> set[str]:
    """The notes an element and those below it link to."""
    found = set()
    for kid in kids(node):
        if kid.get("/Type") == "/OBJR" and "/Dest" in kid.Obj:
            found.add(str(kid.Obj.Dest))
        elif "/S" in kid:
            found |= calls_in(kid)
    return found


def test_the_text_read_in_structure_order_is_the_briefs_in_order(long_brief):
    """Every block of the brief, its notes', is read whole and in order, each note right after
    the block that calls it (ActualText where an element has it: Arabic as written, headings
    in their case). The layout's own lines (cover, contents, sources) may come between."""
    lang, built = long_brief
    for copy, printed in zip(built, [False, True], strict=True):
        expected = reading_order((LONG / f"{lang}.md").read_text(), printed)
        assert len(expected) > 40
        assert read_in_order(read_aloud(copy.pdf), expected) == [], copy.pdf.name


def test_moving_the_notes_to_their_calls_changes_no_pixel(long_brief, tmp_path, monkeypatch):
    """The notes are painted where they are read (press/paintorder.py), and each line's end
    says what it stands for (press/lineends.py): the page looks the same."""
    lang, (distributable, _) = long_brief
    if lang != "en":
        pytest.skip("the English brief has the most notes")
    monkeypatch.setattr(tagfix, "notes_read_after_their_calls", lambda pdf: None)
    monkeypatch.setattr(lineends, "line_ends_as_written", lambda pdf, text: None)
    unmoved = build_brief(LONG / "en.md", tmp_path)
    with pikepdf.open(unmoved.pdf) as document:
        notes = [n for n in structure_nodes(document) if n.get("/S") == "/Note"]
        kept = [n for n in notes if str(n.ID) in calls_in(kids(n.P)[kids(n.P).index(n) - 1])]
        assert len(kept) < len(notes) / 2  # the repair was off: most were read at the page's end
    before, after = pypdfium2.PdfDocument(unmoved.pdf), pypdfium2.PdfDocument(distributable.pdf)
    assert len(before) == len(after) > 10
    for a, b in zip(before, after, strict=True):
        assert a.render().to_pil().tobytes() == b.render().to_pil().tobytes()


def test_the_machine_checks_find_no_link_order_or_structure_finding(long_brief):
    """outloud on both copies: no error; no link (LNK), reading-order (ORD), tag (TAG) or list
    (LST) finding, and none on the glyphs' mappings (TXT), Arabic's too."""
    _, built = long_brief
    for copy in built:
        findings = outloud(copy.pdf)["findings"]
        assert [f for f in findings if f["severity"] == "error"] == [], copy.pdf.name
        kinds = {f["rule"].split("-")[0] for f in findings}
        assert kinds == set(), (copy.pdf.name, findings)


NOTE_WORD = {"en": "Note", "fr": "Note", "pt": "Nota", "ar": "الحاشية"}


def test_each_link_is_described_by_where_it_leads(long_brief):
    """A screen reader reads an annotation's description: a note's number in the brief's
    language, a heading's words, an address; never an id such as fn:3."""
    lang, built = long_brief
    for copy in built:
        with pikepdf.open(copy.pdf) as document:
            links = [a for page in document.pages for a in page.get("/Annots", [])]
            inside = [(str(a.Dest), str(a.Contents)) for a in links if "/Dest" in a]
            outside = [(str(a.A.URI), str(a.Contents)) for a in links if "/A" in a]
        assert inside and all(text != dest for dest, text in inside)
        notes = [(dest, text) for dest, text in inside if dest.startswith("fn:")]
        assert notes and all(text == f"{NOTE_WORD[lang]} {dest[3:]}" for dest, text in notes)
        assert all(address == text for address, text in outside)


def test_the_contents_are_a_toc_each_entry_one_link_read_without_its_leader(long_brief):
    lang, built = long_brief
    if lang != "en":
        pytest.skip("the English brief asks for contents")
    headings = re.findall(r"^## (.+)$", (LONG / "en.md").read_text(), re.M)
    for copy in built:
        with pikepdf.open(copy.pdf) as document:
            (toc,) = [n for n in structure_nodes(document) if n.get("/S") == "/TOC"]
            entries = kids(toc)
            assert [e.S for e in entries] == ["/TOCI"] * len(headings)
            assert all([k.S for k in kids(e)] == ["/Reference"] for e in entries)
            assert all([k.S for k in kids(kids(e)[0])] == ["/Link"] for e in entries)
        texts = tagged_texts(copy.pdf, "/TOCI")
        assert all(re.fullmatch(r"[^.]*?\s*\d+", t.replace("…", "")) for t in texts), texts
        assert [re.sub(r"\s*\d+$", "", t) for t in texts] == [h.strip() for h in headings]


def test_headings_set_in_capitals_are_read_as_written(long_brief):
    """The stylesheet sets `##` headings in capitals; their tags carry the words as written."""
    lang, built = long_brief
    written = [h.strip() for h in re.findall(r"^## (.+)$", (LONG / f"{lang}.md").read_text(), re.M)]
    for copy in built:
        with pikepdf.open(copy.pdf) as document:
            read = [str(n.ActualText) for n in structure_nodes(document) if n.get("/S") == "/H2"]
        # As printed: the language's quotation marks and spaces (squash() reads past them).
        assert [squash(h) for h in read[-len(written) :]] == [squash(h) for h in written]
        assert all(h != h.upper() or h == h.lower() for h in read[-len(written) :])  # cased


def test_each_recommendation_is_read_with_its_number_as_its_label(long_brief):
    """Left to right the number is the item's marker; right to left a ::before the press tags
    as the label: in both, the Lbl elements are the recommendations' numbers, in order."""
    lang, built = long_brief
    text = (LONG / f"{lang}.md").read_text()
    part = re.split(r"^## .*$", text, flags=re.M)[-1]  # the recommendations end each brief
    part = re.split(r"^\[\^", part, flags=re.M)[0]  # before the notes' definitions
    counts = [len(re.findall(r"^(?:-|\d+\.) ", block, re.M)) for block in part.split("\n### ")]
    expected = [str(n) for count in counts if count for n in range(1, count + 1)]
    for copy in built:
        labels = [t.strip(" \t\u2060.") for t in tagged_texts(copy.pdf, "/Lbl")]
        assert labels[-len(expected) :] == expected, copy.pdf.name


@pytest.fixture(scope="module")
def english_large(tmp_path_factory):
    """The long English brief in large print, beside its distributable."""
    out = tmp_path_factory.mktemp("long-large")
    return [build_brief(LONG / "en.md", out, *o) for o in ([], ["--copy", "large"])]


def test_large_print_lists_the_notes_after_the_text_and_fills_its_pages(english_large):
    """At 14 pt WeasyPrint 70 sent lines that call notes to the next page: 59 pages for the
    distributable's 19, most two-thirds empty. The notes listed after the text, as the HTML copy
    has them, the text fills its pages: the area of a line grows by (4/3)², so about 1.8 times
    the pages."""
    screen, large = english_large
    assert large.status == 0, large.stderr
    texts = page_texts(large.pdf)
    assert len(texts) <= 2 * len(page_texts(screen.pdf))
    listed = " ".join(texts[-4:])
    assert all(f"{n}." in listed for n in range(1, definitions("en") + 1))
    with pikepdf.open(large.pdf) as document:
        assert not [n for n in structure_nodes(document) if n.get("/S") == "/Note"]
        links = [str(a.Contents) for p in document.pages for a in p.get("/Annots", [])]
    assert "Note 1" in links and "Back to note 1 in the text" in links
    assert outloud(large.pdf)["findings"] == []


ARABIC_WORD = r"[\u0621-\u064A\u064B-\u065F\u0670-\u06D3]+"


def test_a_text_extractor_gets_every_lam_alef_word_as_written(long_brief):
    """Without the tags, MuPDF reads a right-to-left line's characters and turns them round: a
    glyph drawn for lam-alef must map to them in that order, or "البلاد" comes out "البالد"."""
    lang, built = long_brief
    if lang != "ar":
        pytest.skip("right to left")
    word = r"[\u0621-\u065F\u0670]+"
    source = re.sub(r"\(https?://[^)]*\)", " ", (LONG / "ar.md").read_text().split("---", 2)[2])
    words = [w for w in re.findall(word, source) if re.search("ل[اأإآ]", w)]
    assert len(words) > 100
    for copy in built:
        with pymupdf.open(copy.pdf) as document:
            extracted = set(re.findall(word, "".join(page.get_text() for page in document)))
        assert [w for w in words if w not in extracted] == [], copy.pdf.name


def test_a_screen_reader_gets_every_arabic_word_as_written(long_brief):
    """Read in structure order (ActualText where an element has it), every Arabic word of the
    brief, its notes' too, is there as written: no letter another, none repeated, no two words
    run together where a line ended (WeasyPrint #2841, #2308)."""
    lang, built = long_brief
    if lang != "ar":
        pytest.skip("right to left")
    source = (LONG / "ar.md").read_text().split("---", 2)[2]
    source = re.sub(r"\[\^[^\]]+\]|\(https?://[^)]*\)|\(#\)|[#*\[\]>:]", " ", source)
    words = [w for w in re.findall(ARABIC_WORD, source) if len(w) > 1]
    assert len(words) > 1000
    for copy in built:
        read = set(re.findall(ARABIC_WORD, read_aloud(copy.pdf)))
        assert [w for w in words if w not in read] == [], copy.pdf.name


LATIN_WORD = r"[^\W\d_]+(?:[-'’][^\W\d_]+)*"  # a word, a compound, an elision


def test_every_word_read_in_structure_order_is_a_word_the_brief_writes(long_brief):
    """Read as a screen reader reads the tags, no two words run together where a note's line
    ended ("teachersand") and no word the hyphenation broke is read in pieces ("prosec-uted"):
    its hyphen is a soft one in the tree (U+00AD, dropped), a hyphen in the page's content, which
    a text extractor such as Poppler joins across the line (press/lineends.py)."""
    lang, built = long_brief
    if lang == "ar":
        pytest.skip("right to left: each block is read as written")
    for copy in built:
        written = words(copy.html.read_text(), addresses=copy is built[1]).casefold()
        known = set(re.findall(LATIN_WORD, written))
        read = read_aloud(copy.pdf)
        assert read.count("\u00ad") > 20  # the hyphenation broke words
        said = re.findall(LATIN_WORD, read.replace("\u00ad", "").casefold())
        unknown = [w for w in said if w not in known]
        if copy is built[1]:  # a source's letter called after a link's words: "Monitor" "a"
            unknown = [w for w in unknown if not {w[:-1], w[:-2]} & known]
        assert unknown == [], copy.pdf.name
        painted = marked_texts(copy.pdf)
        with pikepdf.open(copy.pdf) as document:
            pages = {page.objgen: i for i, page in enumerate(document.pages)}
            for node in structure_nodes(document):
                if str(node.get("/ActualText", "")).endswith("\u00ad"):
                    shown = painted[pages[node.Pg.objgen], int(node.K[0])]
                    assert str(node.ActualText) == shown[:-1] + "\u00ad" and shown[-1] == "-"
