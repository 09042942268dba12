"""Every page right: notes at the foot of their call's page, calls never alone, numbers that agree
between the copies, text that extracts as written, and a measure the design brief allows."""

import random
import re

import pikepdf
import pymupdf
import pytest
from conftest import ROOT, run
from helpers import (
    FILLS,
    FRONT,
    filled_paths,
    page_texts,
    source_sentences,
    squash,
    structure_nodes,
    tagged_texts,
    write,
)

# A brief of many notes, called at every place of a line: the end of a paragraph, mid-line, after
# emphasis, after a space.
NOTES = FRONT + "## Notes everywhere\n\n" + "\n\n".join(
    f"Paragraph {i} runs on for a while so that its lines fill the measure and a note's call "
    f"falls where the line happens to end, as real briefs do, and it ends on *target{i}*"
    f"{' ' if i % 3 else ''}[^n{i}]" + (" and goes on a little." if i % 2 else "")
    for i in range(1, 41)
) + "\n\n" + "\n".join(
    f"[^n{i}]: Note text {i}" + (f", with [a source](https://example.org/s{i})." if i % 5 == 0 else ".")
    for i in range(1, 41)
)  # fmt: skip


@pytest.fixture(scope="module")
def notes(tmp_path_factory):
    """The brief of many notes, built as the distributable and the print copy."""
    folder = tmp_path_factory.mktemp("notes")
    source = write(folder, NOTES, "notes-2024-02.md")
    for options in ([], ["--print"]):
        status, _, stderr = run([str(source), "-o", str(folder), "--html", *options])
        assert status == 0, stderr
    return folder


def spans(pdf, page: int) -> list[tuple[float, float, float, str]]:
    """(left, baseline, size, text) of each span of a page, in points."""
    with pymupdf.open(pdf) as document:
        return [
            (span["bbox"][0], span["origin"][1], span["size"], span["text"])
            for block in document[page].get_text("dict")["blocks"]
            for line in block.get("lines", [])
            for span in line["spans"]
        ]


def test_a_call_is_never_alone_at_the_start_of_a_line(notes):
    pdf = notes / "notes-2024-02.pdf"
    for page in range(1, len(page_texts(pdf))):
        found = spans(pdf, page)
        left = min(x for x, _, size, _ in found if size > 9)
        starts = {}
        for x, y, size, text in sorted(found):
            starts.setdefault(round(y), (x, size, text))
        calls = [(x, t) for x, size, t in starts.values() if size < 7 and t.strip().isdigit()]
        assert not [c for c in calls if c[0] < left + 2], page


def test_each_note_is_at_the_foot_of_its_calls_page_in_both_copies(notes):
    for name in ("notes-2024-02.pdf", "notes-2024-02-print.pdf"):
        pages = [re.sub(r"\s+", " ", text) for text in page_texts(notes / name)]
        for i in range(1, 41):
            (called,) = [
                n for n, text in enumerate(pages) if re.search(rf"target{i}{i}(?!\d)", text)
            ]
            assert f"{i}. Note text {i}" in pages[called], (name, i)


def test_the_print_copy_numbers_its_notes_as_the_distributable_and_letters_its_sources(notes):
    def markers(name: str) -> list[str]:
        text = "\n".join(page_texts(notes / name))
        return re.findall(r"^(\w+)\. (?:Note text \d+|https://\S+)", text, re.MULTILINE)

    distributable, printed = markers("notes-2024-02.pdf"), markers("notes-2024-02-print.pdf")
    assert distributable == [str(i) for i in range(1, 41)]
    assert [m for m in printed if m.isdigit()] == distributable
    # A link inside a note prints its address there, in brackets: no source note of its own.
    assert [m for m in printed if not m.isdigit()] == []
    text = "\n".join(page_texts(notes / "notes-2024-02-print.pdf"))
    assert "Note text 5, with a source (https://example.org/s5)." in re.sub(r"\s+", " ", text)


def test_the_html_copy_lists_the_notes_after_the_text_linked_both_ways(notes):
    html = (notes / "notes-2024-02.html").read_text(encoding="utf-8")
    calls = re.findall(r'<a aria-label="[^"]*" href="#note:(\d+)" id="call:(\d+)">', html)
    items = re.findall(r'<li id="note:(\d+)"><a aria-label="[^"]*" href="#call:(\d+)">', html)
    assert calls == items == [(str(i), str(i)) for i in range(1, 41)]
    assert html.index('<section id="notes">') > html.rindex("target40")


def test_text_extracts_as_it_is_written(kazakhstan):
    pages = page_texts(kazakhstan.pdf)
    text = "\n".join(pages)
    assert "non-peaceful" in text and "\u2010" not in text  # found by a search, hyphen-minus
    assert "\u25bc" not in pages[0]  # the scale's marker is drawn, not a character to read out
    assert tagged_texts(kazakhstan.pdf, "/H1") == ["Kazakhstan"]  # the title a paragraph apart
    assert squash("Overview of recent restrictions to civic freedoms") in [
        squash(p) for p in tagged_texts(kazakhstan.pdf, "/P")
    ]


def test_table_headers_are_never_hyphenated(tmp_path):
    table = "| Cities affected | Cumulative total | Organisations | Accountability |\n|---|---|---|---|\n"
    table += "| a | b | c | d |\n" * 3
    source = write(tmp_path, FRONT + "## Table\n\n" + table, "table-2024-02.md")
    status, _, stderr = run([str(source), "-o", str(tmp_path)])
    assert status == 0, stderr
    headers = tagged_texts(tmp_path / "table-2024-02.pdf", "/TH")
    assert len(headers) == 4 and not [h for h in headers if "-" in h]


def test_the_body_measure_is_within_the_design_briefs_55_to_85_characters(kazakhstan):
    lengths = []
    for page in range(1, len(page_texts(kazakhstan.pdf)) - 1):  # the body's pages
        lines = {}
        for _, y, size, text in spans(kazakhstan.pdf, page):
            if 10 < size < 11:  # the body's type
                lines.setdefault(round(y), []).append(text)
        full = ["".join(parts) for parts in lines.values()][:-1]
        lengths += [len(line) for line in full if len(line) > 50]  # not a paragraph's last
    assert lengths and 55 <= sum(lengths) / len(lengths) <= 80
    assert max(lengths) <= 92  # a line of narrow letters, at worst


@pytest.mark.parametrize("name", ["notes-2024-02.pdf", "notes-2024-02-print.pdf"])
def test_each_note_is_a_note_element_with_an_id_its_call_links_to(notes, name):
    with pikepdf.open(notes / name) as pdf:
        ids = [str(n.ID) for n in structure_nodes(pdf) if n.get("/S") == "/Note"]
        assert ids == [f"fn:{i}" for i in range(1, 41)]  # in reading order; links in notes: none
        called = [
            str(a.Dest) for page in pdf.pages for a in page.get("/Annots", []) if "/Dest" in a
        ]
        assert called == ids  # each call a link to its note, in the order of the text


def test_the_print_copys_source_notes_are_notes_too(tmp_path):
    text = (
        FRONT
        + "## Links\n\n"
        + "".join(f"See [page {i}](https://example.org/{i}).[^n{i}] " for i in range(1, 4))
    )
    text += "\n\n" + "\n".join(f"[^n{i}]: Note {i}." for i in range(1, 4))
    source = write(tmp_path, text, "links-2024-02.md")
    status, _, stderr = run([str(source), "-o", str(tmp_path), "--print"])
    assert status == 0, stderr
    with pikepdf.open(tmp_path / "links-2024-02-print.pdf") as pdf:
        ids = [str(n.ID) for n in structure_nodes(pdf) if n.get("/S") == "/Note"]
    assert ids == ["src:1", "fn:1", "src:2", "fn:2", "src:3", "fn:3"]
    printed = squash("\n".join(page_texts(tmp_path / "links-2024-02-print.pdf")))
    assert squash("See page 1a.1 See page 2b.2 See page 3c.3") in printed  # call: letter, number
    assert squash("a. https://example.org/1 1. Note 1. b. https://example.org/2") in printed


def test_the_tagged_text_keeps_the_space_where_a_line_ends(kazakhstan):
    """A screen reader reads the tagged text: "civic freedoms", not "civicfreedoms"."""

    def words(text: str) -> str:  # hyphens aside: PDFium reports a line's hyphen as U+0002
        return " ".join(re.sub(r"[-\u00ad\u0002]", "", text).split())

    kinds = ("/H1", "/H2", "/H3", "/P", "/LBody")
    tagged = " ".join(words(t) for kind in kinds for t in tagged_texts(kazakhstan.pdf, kind))
    tagged = tagged.casefold()  # the headings are set in capitals
    source = (ROOT / "tests" / "source" / "brief-kazakhstan-2022-03.txt").read_text(
        encoding="utf-8"
    )
    sentences = [words(s).casefold() for s in source_sentences(source) if len(s) > 40]
    assert sentences and [s for s in sentences if s not in tagged] == []
    assert "Overview of recent restrictions to civic freedoms" in tagged_texts(kazakhstan.pdf, "/P")


def test_a_headings_note_stays_out_of_its_bookmark_and_contents_entry(tmp_path):
    brief = FRONT.replace("map: false\n", "map: false\ncontents: true\n", 1)
    brief += (
        "## Introduction[^1]\n\nText.[^2]\n\n### Detail[^3]\n\nMore.\n\n[^1]: On the heading.\n"
    )
    brief += "[^2]: On the text.\n[^3]: On the subheading.\n"
    source = write(tmp_path, brief, "heading-2024-02.md")
    status, _, stderr = run([str(source), "-o", str(tmp_path)])
    assert status == 0, stderr
    with pikepdf.open(tmp_path / "heading-2024-02.pdf") as pdf, pdf.open_outline() as outline:
        titles, items = [], list(outline.root)
        while items:
            item = items.pop(0)
            titles.append(item.title)
            items[:0] = item.children
    assert titles[-2:] == ["Introduction", "Detail"]
    text = "\n".join(page_texts(tmp_path / "heading-2024-02.pdf"))
    assert "1. On the heading." in text and "3. On the subheading." in text


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_scale_marks_the_current_rating_in_either_direction(tmp_path, lang):
    """The marker's centre lies inside the current step, for every rating (WeasyPrint 70 put a
    right-to-left marker one step over)."""
    for rating, fill in FILLS.items():
        front = FRONT.replace("rating: narrowed", f"rating: {rating}\nlang: {lang}")
        source = write(tmp_path, front + "## A\n\nText.\n", f"{rating}-{lang}.md")
        status, _, stderr = run([str(source), "-o", str(tmp_path)])
        assert status == 0, stderr
        paths = filled_paths(tmp_path / f"{rating}-{lang}.pdf")
        steps = [
            bounds
            for colour, bounds in paths
            if colour == fill and 40 < bounds[2] - bounds[0] < 150
        ]
        markers = [b for colour, b in paths if colour == (0, 0, 0) and b[2] - b[0] < 12]
        assert len(steps) == 1 and len(markers) == 1, (rating, steps, markers)
        (left, bottom, right, top), marker = steps[0], markers[0]
        centre = (marker[0] + marker[2]) / 2
        assert left + 10 < centre < right - 10 and bottom < marker[1] < top, (rating, lang)


def stress(seed: int) -> str:
    """A brief of 40 notes called again and again, in paragraphs, lists, tables, quotations and
    headings: where its pages break depends on the seed."""
    rng = random.Random(seed)
    words = str.split("the authorities detained several journalists and activists after the protests in "
             "the capital while civil society groups reported intimidation")  # fmt: skip

    def sentence() -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(6, 16))).capitalize()

    def call() -> str:
        return f"[^n{rng.randint(1, 40)}]"

    blocks = []
    for i in range(80):
        kind = rng.random()
        if i % 15 == 0:
            blocks.append(f"## Section {i}")
        if kind < 0.1:
            rows = (
                f"| {d} Mar 2024 | {sentence()}.{call()} {sentence()}. |"
                for d in range(1, rng.randint(3, 9))
            )
            blocks.append("| Date | What |\n|---|---|\n" + "\n".join(rows))
        elif kind < 0.2:
            blocks.append("\n".join(f"- {sentence()}.{call()}" for _ in range(rng.randint(2, 6))))
        elif kind < 0.25:
            blocks.append(f"> {sentence()}.{call()} {sentence()}.")
        elif kind < 0.3:
            blocks.append(f"### {sentence()[:30]}{call()}")
        else:
            blocks.append(" ".join(
                sentence() + "." + (call() if rng.random() < 0.5 else "") + (call() if rng.random() < 0.15 else "")
                for _ in range(rng.randint(2, 8))
            ))  # fmt: skip
    notes = "\n".join(
        f"[^n{i}]: Note {i}, " + "a longer explanation of the source and its findings, " * rng.randint(0, 5)
        + f"[link](https://example.org/{i}/a-long-address-for-the-source-{i})."
        for i in range(1, 41)
    )  # fmt: skip
    return FRONT + "\n\n".join(blocks) + "\n\n" + notes + "\n"


@pytest.mark.parametrize(("seed", "options"), [(3, ["--print"]), (6, [])])
def test_no_note_is_lost_where_a_page_breaks(tmp_path, seed, options):
    """WeasyPrint 70 dropped a note whose line fitted once earlier notes moved on; the call then
    led nowhere and the build stopped ("No anchor #fn:10"). Every note is placed, at its call."""
    source = write(tmp_path, stress(seed), f"stress{seed}-2024-02.md")
    status, _, stderr = run([str(source), "-o", str(tmp_path), *options])
    assert status == 0, stderr
    called = set(re.findall(r"\[\^(n\d+)\](?!:)", source.read_text()))
    text = "\n".join(page_texts(next(tmp_path.glob("*.pdf"))))
    numbers = {int(n) for n in re.findall(r"(\d+)\. Note \d+", text)}
    assert numbers == set(range(1, len(called) + 1))


def test_messages_name_notes_as_an_author_knows_them():
    from press.engine import Places
    from press.frontmatter import Brief

    places = Places(Brief(ROOT / "brief.md", {}, "", 1), {}, ())
    said = places.problem("No anchor #fn:35 for internal URI reference", "error", "engine.error")
    assert said.message == "note 35 was lost at a page break"
    said = places.problem("Anchor defined twice: p:3, src:2", "warning", "engine.warning")
    assert said.message == "Anchor defined twice: a block of the text, source note 2"
