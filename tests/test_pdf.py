"""What the built PDFs contain: text, rating, structure, metadata, fonts, geometry."""

import itertools
import re

import pikepdf
import pypdfium2
import pytest
from conftest import KAZAKHSTAN, ROOT, run
from helpers import (
    FILLS,
    MM,
    body_text,
    embedded_fonts,
    html_tree,
    layout_meta,
    link_tags,
    link_uris,
    page_texts,
    source_sentences,
    squash,
    structure_elements,
    tagged_texts,
    write,
)

from press.config import RATINGS
from press.frontmatter import read

A4 = (595.28, 841.89)


def test_builds_cleanly(brief):
    assert brief.status == 0, brief.stderr
    assert brief.pdf.read_bytes().startswith(b"%PDF-")
    assert "Traceback" not in brief.stderr


def test_weasyprint_logged_nothing(brief):
    """stderr holds the placeholder-link summary alone: WeasyPrint logged nothing."""
    source = brief.source.read_text(encoding="utf-8")
    first = next(i for i, line in enumerate(source.splitlines(), 1) if "](#)" in line)
    count = source.count("](#)")
    noun = "links (#) have" if count > 1 else "link (#) has"
    summary = (
        f"{first}: warning: {count} placeholder {noun} no address yet; --check lists them "
        "[link.placeholder]"
    )
    assert brief.stderr.splitlines() == [f"{brief.source}:{summary}".replace(f"{ROOT}/", "")]


def test_check_reports_each_placeholder_link_at_its_place(kazakhstan):
    source = KAZAKHSTAN.read_text(encoding="utf-8")
    status, _, stderr = run(["--check", str(KAZAKHSTAN)])
    assert status == 0
    expected = [
        f"content/kazakhstan-2022-03.md:{n}:{m.start() + 1}: warning: placeholder link (#) "
        "has no address yet [link.placeholder]"
        for n, line in enumerate(source.splitlines(), 1)
        for m in re.finditer(r"\[[^\]]*\]\(#\)", line)
    ]
    assert stderr.splitlines() == expected and len(expected) == 34


def test_every_sentence_of_the_source_is_in_the_pdf(kazakhstan):
    source = (ROOT / "tests" / "source" / "brief-kazakhstan-2022-03.txt").read_text(
        encoding="utf-8"
    )
    text = squash(body_text(kazakhstan.pdf, "CIVICUS Monitor Watchlist — Kazakhstan"))
    missing = [s for s in source_sentences(source) if squash(s) not in text]
    assert not missing


def test_every_sentence_of_the_content_file_is_in_the_pdf(brief):
    body = brief.source.read_text(encoding="utf-8").split("---", 2)[2]
    body = re.sub(r"^!\[.*$|^\|.*\|$|^\[\^\w+\]: ", "", body, flags=re.M)
    meta = layout_meta(brief.source)
    text = squash(body_text(brief.pdf, f"{meta['series']} — {meta['country']}"))
    assert [s for s in source_sentences(body) if squash(s) not in text] == []


def test_the_current_rating_is_marked_in_html_and_pdf(brief):
    meta = layout_meta(brief.source)
    current = html_tree(brief.html).findall(".//ol[@id='scale']/li[@aria-current='true']")
    assert [li.get("data-rating") for li in current] == [meta["rating"]]
    steps = [li.get("data-rating") for li in html_tree(brief.html).findall(".//ol[@id='scale']/li")]
    assert steps == list(RATINGS)
    cover = squash(page_texts(brief.pdf)[0])
    assert squash(f"{meta['country']} is rated {meta['rating']}") in cover
    assert squash(f"{meta['rating']} current rating") in cover


def test_the_cover_carries_the_rating_colour_to_the_edges(brief):
    rating = read(brief.source).meta["rating"]
    document = pypdfium2.PdfDocument(brief.pdf)
    image = document[0].render(scale=0.5).to_pil().convert("RGB")
    document.close()
    for x, y in [(1, 1), (image.width - 2, 1), (image.width // 2, 40)]:
        assert image.getpixel((x, y)) == FILLS[rating]


def test_recommendations_per_audience(brief):
    """Each `###` audience of the source is a heading followed by its own list."""
    source = brief.source.read_text(encoding="utf-8").split("## Recommendations", 1)[1]
    expected = {}
    for line in source.splitlines():
        if line.startswith("### "):
            audience = line[4:].strip()
            expected[audience] = 0
        elif line.startswith("- "):
            expected[audience] += 1
    section = html_tree(brief.html).find(".//section[@id='recommendations']")
    found, audience = {}, None
    for child in section:
        if child.tag == "h3":
            audience = "".join(child.itertext()).strip()
        elif child.tag == "ol":
            found[audience] = len(child.findall("li"))
    assert found == expected
    # Each number a list label of an item, its text the item's body: Lbl and LBody in each LI.
    labels = tagged_texts(brief.pdf, "/Lbl")
    numbers = [str(n) for count in found.values() for n in range(1, count + 1)]
    assert [label.strip() for label in labels[-len(numbers) :]] == numbers


SHAPES = {
    # A brief's recommendations as authors write them: each item's first words, as numbered.
    "tight": "- First, a plain item.\n- Second, a plain item.\n- Third, a plain item.\n",
    "loose": "- First, a plain item.\n\n- Second, a plain item.\n\n- Third, a plain item.\n",
    "blocks": (
        "- First, a plain item.\n\n"
        "-   > Second, opening with a quotation.\n\n    Its explanation.\n\n"
        "-   - Third, opening with a list.\n"
    ),
}


def numbers_and_their_lines(pdf) -> list[tuple[str, str]]:
    """Each number hung left of the recommendations' text, with the text beside it (within 6 pt,
    under half a line: a nested item starts lower by its rule and padding)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        text = document[len(document) - 1].get_textpage()
        chars = [
            (text.get_text_range(i, 1), text.get_charbox(i)) for i in range(text.count_chars())
        ]
    finally:
        document.close()
    left = min(box[0] for char, box in chars if char.strip())
    found = []
    for char, (x0, y0, _, _) in chars:
        if char.isdigit() and x0 < left + 3 * MM:
            beside = [
                (box[0], c) for c, box in chars if abs(box[1] - y0) < 6 and box[0] > x0 + 5 * MM
            ]
            found.append((-y0, char, "".join(c for _, c in sorted(beside)).strip()))
    return [(char, line) for _, char, line in sorted(found)]  # top to bottom


@pytest.mark.parametrize("shape", SHAPES)
def test_each_recommendation_number_stands_beside_its_items_first_line(tmp_path, shape):
    """Tight or loose (items apart by blank lines), or opening with a block: 1, 2, 3, each beside
    its item's first line, never on a line of its own."""
    head = KAZAKHSTAN.read_text(encoding="utf-8").split("## Recommendations")[0]
    brief = f"{head}## Recommendations\n\n### To the authorities:\n\n{SHAPES[shape]}"
    source = write(tmp_path, brief, "shapes-2022-03.md")
    status, _, stderr = run([str(source), "-o", str(tmp_path)])
    assert status == 0, stderr
    found = numbers_and_their_lines(tmp_path / "shapes-2022-03.pdf")
    assert [number for number, _ in found] == ["1", "2", "3"]
    for (number, line), words in zip(found, ["First", "Second", "Third"], strict=True):
        assert words in line.replace(" ", ""), (number, line)


def test_key_figures_stand_apart_however_long_their_values(tmp_path):
    values = ["1,500,000", "250,000", "12", "3", "4"]
    figures = "figures:\n" + "".join(f'  - value: "{v}"\n    label: people\n' for v in values)
    text = re.sub(r"figures:\n(  .*\n)+", figures, KAZAKHSTAN.read_text(encoding="utf-8"))
    source = write(tmp_path, text, "figures-2022-03.md")
    status, _, stderr = run([str(source), "-o", str(tmp_path)])
    assert status == 0, stderr
    document = pypdfium2.PdfDocument(tmp_path / "figures-2022-03.pdf")
    try:
        page = document[0].get_textpage()
        chars = [
            (page.get_text_range(i, 1), page.get_charbox(i)) for i in range(page.count_chars())
        ]
    finally:
        document.close()
    joined, spans, at = "".join(c for c, _ in chars), [], 0
    for value in values:  # the first is found nowhere else on the cover
        at = joined.index(value, at)
        boxes = [box for _, box in chars[at : at + len(value)]]
        spans.append((min(b[0] for b in boxes), max(b[2] for b in boxes)))
        at += len(value)
    for (_, right), (left, _) in itertools.pairwise(spans):
        assert right + 3 * MM < left  # a rule and its padding between them


def test_every_h2_is_a_section_with_an_id(brief):
    tree = html_tree(brief.html)
    main = tree.find(".//main")
    assert len(main) and [child.tag for child in main] == ["section"] * len(main)
    for section in main:
        assert section.get("id") and section[0].tag == "h2"


def test_metadata(brief):
    meta = layout_meta(brief.source)
    with pikepdf.open(brief.pdf) as pdf:
        info = pdf.docinfo
        assert str(info["/Title"]) == f"{meta['country']}: {meta['title']}"
        assert str(info["/Author"]) == meta["author"]
        assert str(info["/Subject"]) == f"{meta['series']}. {meta['doctype']}."
        assert meta["country"] in str(info["/Keywords"]) and meta["rating"] in str(
            info["/Keywords"]
        )
        stamp = meta["date"].strftime("D:%Y%m%d000000")
        assert str(info["/CreationDate"]).startswith(stamp)
        assert str(info["/ModDate"]).startswith(stamp)
        assert str(pdf.Root.Lang) == meta["lang"]
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True


def test_tagged_pdf_ua(brief):
    with pikepdf.open(brief.pdf) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in pdf.Root
        assert pdf.open_metadata().get("pdfuaid:part") == "1"
    kinds = {kind for kind, _ in structure_elements(brief.pdf)}
    assert {"/H1", "/H2", "/P", "/L", "/LI"} <= kinds


def test_every_link_tag_holds_a_link_annotation(brief):
    """A /Link tag is a link a reader can follow: placeholder links (#) are their text alone."""
    with pikepdf.open(brief.pdf) as pdf:
        links = [a for page in pdf.pages for a in page.get("/Annots", []) if a.Subtype == "/Link"]
        notes = [str(a.Dest) for a in links if "/Dest" in a]  # a note's call, to its note
    assert link_tags(brief.pdf) == [["/Link"]] * len(links)
    assert len(links) == len(link_uris(brief.pdf)) + len(notes)
    assert notes == [f"fn:{n}" for n in range(1, len(notes) + 1)]


def test_bookmarks_follow_the_headings(brief):
    tree = html_tree(brief.html)
    for notes in tree.iter("section"):  # the HTML copy's list of notes: not in the PDF
        if notes.get("id") == "notes":
            notes.clear()
    headings = [
        "".join(h.itertext()).strip() for h in tree.iter() if h.tag in ("h1", "h2", "h3", "h4")
    ]
    with pikepdf.open(brief.pdf) as pdf, pdf.open_outline() as outline:
        titles, items = [], list(outline.root)
        while items:
            item = items.pop(0)
            titles.append(item.title)
            items[:0] = item.children
    assert [squash(t) for t in titles] == [squash(h) for h in headings]


def test_pages_are_a4(brief):
    with pikepdf.open(brief.pdf) as pdf:
        for page in pdf.pages:
            box = [float(v) for v in page.MediaBox]
            assert box[2] - box[0] == pytest.approx(A4[0], abs=0.1)
            assert box[3] - box[1] == pytest.approx(A4[1], abs=0.1)


def test_running_heads_and_folios(brief):
    meta = layout_meta(brief.source)
    pages = page_texts(brief.pdf)
    assert len(pages) > 1 and "page 1 of" not in squash(pages[0])
    for number, text in enumerate(pages[1:], 2):
        assert squash(f"Page {number} of {len(pages)}") in squash(text)
        assert squash(f"{meta['series']} — {meta['country']}") in squash(text)


def test_only_the_pinned_fonts_embedded_and_subset(brief):
    fonts = embedded_fonts(brief.pdf)
    assert fonts
    for font in fonts:
        assert re.fullmatch(
            r"/[A-Z]{6}\+Press-(Sans|Serif|Serif-Subhead|Arabic)(-[A-Za-z-]+)?", font["name"]
        ), font
        assert font["embedded"], font


def test_sample_footnotes_sit_at_the_foot_of_their_page(sample):
    pages = page_texts(sample.pdf)
    document = pypdfium2.PdfDocument(sample.pdf)
    for call, note in [("It carries a footnote", "belongs at the foot of the page"),
                       ("all present", "a footnote in Cyrillic")]:  # fmt: skip
        number = next(i for i, text in enumerate(pages) if call in text)
        assert note in pages[number]
        textpage = document[number].get_textpage()
        searcher = textpage.search(note)
        first = searcher.get_next()
        box = textpage.get_charbox(first[0])
        assert box[1] < 841.89 * 0.2  # in the bottom fifth of the page (PDF y grows upwards)
    document.close()


def test_sample_table_header_repeats(sample):
    pages = [text for text in page_texts(sample.pdf) if "Sample event number" in text]
    assert len(pages) >= 2
    assert all("Year Event Organisations affected" in text for text in pages)


def test_sample_figure_has_alt_and_caption(sample):
    figures = [attrs for kind, attrs in structure_elements(sample.pdf) if kind == "/Figure"]
    alts = {attrs.get("/Alt") for attrs in figures}
    assert "A bar chart of registered organisations by year, rising from 12 to 30" in alts
    assert "A small square marker" in alts
    assert "Registered organisations by year (sample data)" in " ".join(page_texts(sample.pdf))
    figure = html_tree(sample.html).find(".//figure")
    assert figure.find("figcaption").text == "Registered organisations by year (sample data)"


def test_sample_cyrillic_text_and_links(sample):
    text = " ".join(page_texts(sample.pdf))
    assert "Коммерциялық емес ұйымдар туралы заң" in text
    assert "Қазақстан Республикасы" in text
    assert link_uris(sample.pdf) == ["https://example.org/brief"]
    with pikepdf.open(sample.pdf) as document:
        flags = [int(a.F) for page in document.pages for a in page.get("/Annots", [])]
    assert flags == [4, 4, 4]  # Print: the links (two notes' calls) print as they show
