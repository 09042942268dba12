"""The repairs of press/pdffix.py, tagfix.py and written.py, each on the built PDFs: the gap it
covers must stay closed."""

import re
import uuid

import pikepdf
import pypdfium2
import pytest
from conftest import ROOT, SAMPLE, run
from helpers import (
    FRONT,
    MM,
    artifact_texts,
    html_tree,
    kids,
    layout_meta,
    letters,
    link_uris,
    marked_texts,
    outloud,
    read_aloud,
    squash,
    structure_nodes,
    structure_texts,
    write,
)
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from press.frontmatter import read


def test_running_heads_and_folios_are_artifacts_and_nothing_else_is(brief):
    meta = layout_meta(brief.source)
    pages = artifact_texts(brief.pdf)
    assert len(pages) > 1 and pages[0] == []
    repeated = ["year", "event", "organisationsaffected"]  # the sample's table header, page 3
    for number, texts in enumerate(pages[1:], 2):
        head = squash(f"{meta['series']} — {meta['country']}")
        furniture = [head, squash(f"Page {number} of {len(pages)}")]
        found = [squash(t) for t in texts]
        assert found in (furniture, [*repeated, *furniture], [*furniture, *repeated]), number


def test_every_link_is_flagged_to_print(sample, sample_print):
    for pdf in (sample.pdf, sample_print.pdf):
        with pikepdf.open(pdf) as document:
            links = [a for page in document.pages for a in page.get("/Annots", [])
                     if a.get("/Subtype") == "/Link"]  # fmt: skip
            assert links and all(int(a.F) & 4 for a in links)


def test_print_copy_boxes(print_copy):
    with pikepdf.open(print_copy.pdf) as pdf:
        for page in pdf.pages:
            trim = [float(v) for v in page.TrimBox]
            bleed = [float(v) for v in page.BleedBox]
            media = [float(v) for v in page.MediaBox]
            assert trim[2] - trim[0] == pytest.approx(595.28, abs=0.1)
            assert trim[3] - trim[1] == pytest.approx(841.89, abs=0.1)
            grow = [trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3]]
            assert grow == pytest.approx([3 * MM] * 4, abs=0.01)
            assert media[0] < bleed[0] and media[2] > bleed[2]  # room for the crop marks


def test_the_print_copys_document_id_comes_from_the_brief(print_copy):
    brief = read(print_copy.source)
    expected = uuid.uuid5(uuid.NAMESPACE_URL, brief.path.name + "\n" + brief.markdown)
    with pikepdf.open(print_copy.pdf) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode()
    assert re.findall(r"xmp\.did:[0-9a-f-]{36}", xmp) == [f"xmp.did:{expected}"]


def test_table_headers_have_a_scope(sample):
    with pikepdf.open(sample.pdf) as pdf:
        headers = [n for n in structure_nodes(pdf) if n.get("/S") == "/TH"]
        assert headers and {str(n.A.Scope) for n in headers} == {"/Column"}
        assert all(str(n.A.O) == "/Table" and "/ID" in n for n in headers)


def test_every_list_item_holds_its_label_then_its_body(brief):
    with pikepdf.open(brief.pdf) as pdf:
        items = [n for n in structure_nodes(pdf) if n.get("/S") == "/LI"]
        shapes = {tuple(str(k.S) for k in n.K if isinstance(k, pikepdf.Dictionary)) for n in items}
        assert items and shapes <= {("/Lbl", "/LBody"), ("/LBody",)}
        # Each body's kids point back to it (the recommendations' bodies are the repair's).
        for body in (k for n in items for k in n.K if k.get("/S") == "/LBody"):
            assert all(
                kid.P.objgen == body.objgen for kid in body.K if isinstance(kid, pikepdf.Dictionary)
            )


@pytest.mark.parametrize("variant", ["pdf/a-3u", "pdf/a-2b", "pdf/a-2u"])
def test_a_pdf_a_copy_stays_tagged_and_declares_pdf_ua_1(tmp_path, variant):
    status, _, stderr = run([str(SAMPLE), "-o", str(tmp_path), "--pdf-variant", variant])
    assert status == 0, stderr
    pdf = tmp_path / f"{SAMPLE.stem}.pdf"
    with pikepdf.open(pdf) as document:
        meta = document.open_metadata()
        assert meta.get("pdfaid:part") == variant[6] and meta.get("pdfuaid:part") == "1"
        # PDF/A admits the PDF/UA schema because the file describes it.
        assert (
            b"<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" in document.Root.Metadata.read_bytes()
        )
        assert document.Root.MarkInfo.Marked is True and "/StructTreeRoot" in document.Root
    assert outloud(pdf)["findings"] == []


def test_the_print_copy_declares_pdf_ua_1_beside_pdf_x(print_copy):
    with pikepdf.open(print_copy.pdf) as pdf:
        meta = pdf.open_metadata()
        assert (meta.get("pdfuaid:part"), meta.get("pdfxid:GTS_PDFXVersion")) == ("1", "PDF/X-4")
        assert b"pdfaExtension" not in pdf.Root.Metadata.read_bytes()  # PDF/X needs none
    assert outloud(print_copy.pdf)["findings"] == []


@pytest.mark.parametrize("variant", ["pdf/a-1b", "pdf/a-4u"])
def test_variants_of_other_pdf_versions_declare_no_pdf_ua(tmp_path, variant):
    status, _, stderr = run([str(SAMPLE), "-o", str(tmp_path), "--pdf-variant", variant])
    assert status == 0, stderr
    with pikepdf.open(tmp_path / f"{SAMPLE.stem}.pdf") as pdf:
        assert pdf.open_metadata().get("pdfuaid:part") is None
        assert "/StructTreeRoot" in pdf.Root  # but tagged still


def test_what_a_page_break_splits_is_one_element(sample):
    with pikepdf.open(sample.pdf) as pdf:
        nodes = list(structure_nodes(pdf))
        kinds = [str(n.get("/S")) for n in nodes if "/S" in n]
        assert kinds.count("/Part") == 1  # main, over four pages
        sections = [n for n in nodes if n.get("/S") == "/Sect"]
        assert sections and all(str(n.K[0].S) == "/H2" for n in sections)  # each opens with its h2
        (table,) = [n for n in nodes if n.get("/S") == "/Table"]  # one table over two pages
        assert [str(k.S) for k in table.K] == ["/THead", "/TBody"]  # one body, as one head
        ids = {str(n.ID) for n in nodes if n.get("/S") == "/TH"}
        cells = [n for n in nodes if n.get("/S") == "/TD"]
        assert len(cells) == 36 * 3 and all({str(h) for h in c.A.Headers} <= ids for c in cells)
        for node in nodes:  # every kid points back to its parent
            for kid in node.get("/K", []) if isinstance(node.get("/K"), pikepdf.Array) else []:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    assert kid.P.objgen == node.objgen
    # The header row repeated on page 3 is an Artifact: read once, where the table starts.
    page_3 = [squash(t) for t in artifact_texts(sample.pdf)[2]]
    assert "organisationsaffected" in page_3 and len(page_3) == 5


def test_a_paragraph_list_item_or_quotation_a_page_break_splits_is_one_element(tmp_path):
    long = "A sentence that runs on to fill the lines of the measure with words. " * 30
    body = f"## Split\n\n{long}\n\n" + "".join(f"- Item {i}. {long[:400]}\n" for i in range(12))
    body += f"\n> {long}\n>\n> {long}\n\n{long}\n\n{long}\n"
    source = write(tmp_path, FRONT + body, "split-2024-02.md")
    status, _, stderr = run([str(source), "-o", str(tmp_path), "--html"])
    assert status == 0, stderr
    tree = html_tree(tmp_path / "split-2024-02.html")
    expected = {kind: len(list(tree.iter(tag))) for tag, kind in
                [("p", "/P"), ("li", "/LI"), ("blockquote", "/BlockQuote")]}  # fmt: skip
    expected["/L"] = len(list(tree.iter("ul"))) + len(list(tree.iter("ol")))
    with pikepdf.open(tmp_path / "split-2024-02.pdf") as pdf:
        pages = len(pdf.pages)
        nodes = [n for n in structure_nodes(pdf) if "/S" in n]
        found = {kind: sum(1 for n in nodes if str(n.S) == kind) for kind in expected}
        items = [n for n in nodes if n.S == "/LI"]
        spread = {n.Pg.objgen for n in nodes if n.S in ("/P", "/LI") and "/Pg" in n}
        shapes = {tuple(str(k.S) for k in n.K) for n in items}  # one body each, however split
        assert shapes <= {("/LBody",), ("/Lbl", "/LBody")}
    assert pages >= 4 and len(spread) >= 3  # it did run over pages
    assert found == expected


@pytest.mark.parametrize("rows", [30, 36])
def test_two_tables_of_the_same_columns_across_a_page_break_stay_two(tmp_path, rows):
    """30 rows end the first table at a page's foot; 36 split it, and the second follows."""
    first = "| Year | Event |\n|---|---|\n" + "".join(
        f"| {2000 + i} | Event {i} |\n" for i in range(rows)
    )
    second = "| Name | Status |\n|---|---|\n" + "".join(
        f"| Group {i} | Dissolved |\n" for i in range(3)
    )
    source = write(
        tmp_path, FRONT + f"## Tables\n\nIntro paragraph.\n\n{first}\n{second}", "t-2024-02.md"
    )
    status, _, stderr = run([str(source), "-o", str(tmp_path)])
    assert status == 0, stderr
    with pikepdf.open(tmp_path / "t-2024-02.pdf") as pdf:
        tables = [n for n in structure_nodes(pdf) if n.get("/S") == "/Table"]
        heads = [[k for k in t.K if k.S == "/THead"] for t in tables]
        bodies = [[k for k in t.K if k.S == "/TBody"] for t in tables]
        pages = {row.Pg.objgen for body in bodies[0] for row in kids(body)}
    assert len(tables) == 2 and [len(h) for h in heads] == [1, 1]
    assert [len(b) for b in bodies] == [1, 1]
    assert len(pages) == (2 if rows == 36 else 1)  # the split one is one table over two pages


def test_the_id_tree_names_every_element_with_an_id(sample):
    """The sample's notes and table headers have IDs (the Kazakhstan brief has none)."""
    with pikepdf.open(sample.pdf) as document:
        with_ids = {
            str(node.ID): node.objgen for node in structure_nodes(document) if "/ID" in node
        }
        names = list(document.Root.StructTreeRoot.IDTree.Names)
        listed = {
            str(name): node.objgen for name, node in zip(names[::2], names[1::2], strict=True)
        }
        keys = [bytes(name) for name in names[::2]]
    assert with_ids and listed == with_ids
    assert keys == sorted(keys)  # a name tree's keys, in order


def test_a_figure_holds_its_caption_and_its_box_is_where_it_is_drawn(sample):
    """The sample's chart: a Figure holding its Caption, its BBox in points around what draws
    it (its paths) on its page."""
    with pikepdf.open(sample.pdf) as document:
        pages = {page.objgen: n for n, page in enumerate(document.pages)}
        figures = [
            (pages[n.Pg.objgen], [float(v) for v in n.A.BBox], [str(k.get("/S")) for k in kids(n)])
            for n in structure_nodes(document)
            if n.get("/S") == "/Figure"
        ]
    assert any("/Caption" in inner for _, _, inner in figures)
    document = pypdfium2.PdfDocument(sample.pdf)
    try:
        for page, (x1, y1, x2, y2), _ in figures:
            width, height = document[page].get_size()
            assert 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height
            drawn = [  # pictures are paths (a raster one fills with its pattern), not text
                o.get_bounds()
                for o in document[page].get_objects(max_depth=5)
                if o.type != pypdfium2.raw.FPDF_PAGEOBJ_TEXT
            ]
            inside = [
                b for b in drawn
                if x1 - 1 <= b[0] and b[2] <= x2 + 1 and y1 - 1 <= b[1] and b[3] <= y2 + 1
            ]  # fmt: skip
            astride = [  # crossing the box's edge: the box is not the picture's
                b for b in drawn
                if b[0] < x2 and x1 < b[2] and b[1] < y2 and y1 < b[3] and b not in inside
            ]  # fmt: skip
            assert inside and not astride, (page, (x1, y1, x2, y2), astride)
    finally:
        document.close()


def test_the_catalogue_names_the_language_the_next_key_and_no_guess(sample, sample_print):
    for built in (sample, sample_print):
        with pikepdf.open(built.pdf) as document:
            assert document.open_metadata().get("dc:language") == {str(document.Root.Lang)}
            root = document.Root.StructTreeRoot
            keys = list(root.ParentTree.Nums)[::2]
            assert int(root.ParentTreeNextKey) == max(int(k) for k in keys) + 1
            assert document.Root.MarkInfo.Suspects is False


def long_words(brief: str) -> list[str]:
    """Words of a test brief that hyphenation may break: nine letters or more, and compounds
    with a hyphen of their own, which must stay."""
    body = (ROOT / "tests" / "briefs" / brief).read_text().split("---", 2)[2]
    word = r"(?<![\w\-])(?:[^\W\d_]{9,}|[^\W\d_]{2,}(?:-[^\W\d_]{2,})+)(?![\w\-])"
    return sorted({w for w in re.findall(word, body) if w[0].islower()})


LONG_WORDS = {
    "en": long_words("long/en.md"),
    "fr": long_words("long/fr.md"),
    "pt": long_words("long/pt.md"),
    "ru": long_words("languages/ru.md"),
    "es": long_words("languages/es.md"),
}


@settings(
    max_examples=10,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a build a try: no shrinking
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data(), lang=st.sampled_from(sorted(LONG_WORDS)), printed=st.booleans())
def test_every_word_is_read_as_written_where_its_line_ends(tmp_path_factory, data, lang, printed):
    """A paragraph, an item, a table cell and a note of long words, in the distributable or the
    print copy: each is read word for word. A word the hyphenation breaks says its hyphen is a
    soft one (U+00AD, which a reader drops), a compound keeps its own; a note's line keeps the
    space where it ends (press/lineends.py)."""
    words = data.draw(st.lists(st.sampled_from(LONG_WORDS[lang]), min_size=40, max_size=60))
    text = " ".join(words)
    body = f"## Words[^1]\n\n{text}\n\n- {text}\n- And\n\n| Words |\n|---|\n| {text} |\n\n[^1]: {text}\n"
    out = tmp_path_factory.mktemp("words")
    source = write(out, FRONT.replace("---\n", f"---\nlang: {lang}\n", 1) + body)
    status, _, stderr = run([str(source), "-o", str(out), *(["--print"] if printed else [])])
    assert status == 0, stderr
    pdf = out / ("brief-print.pdf" if printed else "brief.pdf")
    blocks = ("/P", "/LBody", "/TD", "/Note")
    read = structure_texts(pdf, lambda node: node.get("/S") in blocks, actual=True)
    found = [t.replace("\u00ad", "").split() for t in read if letters(text) in letters(t)]
    found = [said[1:] if said[0].rstrip(".") == "1" else said for said in found]  # a note's number
    assert len(found) == 4
    for said in found:
        assert len(said) == len(words), said
        assert [(a, b) for a, b in zip(said, words, strict=True) if a != b] == []


def test_the_line_set_in_spaced_capitals_is_read_as_words(brief):
    """The cover's series line, set in capitals 0.2 em apart, is read as its words are written,
    not letter by letter ("C I V I C U S"), which is what its glyphs give an extractor."""
    series = layout_meta(brief.source)["series"]
    read = read_aloud(brief.pdf)
    assert f" {series} " in read
    assert re.search(r"(?:\b\w ){4}", read) is None


def test_a_hyphen_of_the_word_itself_stays_whichever_hyphen_it_is(tmp_path):
    """A compound written with U+2010 ("e‐mail") that ends a line keeps its hyphen, though the
    page also writes the word without one ("email") and its line is a word alone."""
    body = "People use email daily.\n\n" + " ".join(["Send an *e\u2010mail* to the office."] * 14)
    source = write(tmp_path, FRONT + body + "\n")
    assert run([str(source), "-o", str(tmp_path)])[0] == 0
    shown = marked_texts(tmp_path / "brief.pdf")
    assert any(t.endswith(("e-", "e\u2010")) for t in shown.values())  # a line ends there
    read = " ".join(read_aloud(tmp_path / "brief.pdf").split())
    assert "e\u00admail" not in read and read.count("e\u2010mail to") == 14


def test_a_space_after_a_link_is_read_where_a_line_ends(tmp_path):
    """The distributable hides the source letter the print copy calls after a link: the space
    after the link is found in the words the page shows, and read where a line ends there."""
    body = " ".join(
        f"The [report number {n}](https://example.org/r{n}) said so." for n in range(14)
    )
    source = write(tmp_path, FRONT + body + "\n")
    assert run([str(source), "-o", str(tmp_path)])[0] == 0
    read = " ".join(read_aloud(tmp_path / "brief.pdf").split())
    assert re.findall(r"\d+said", read) == [] and read.count(" said so.") == 14


def test_a_link_across_a_page_break_claims_each_mark_once(tmp_path):
    """Links set over a page break, joined into one Link with the paragraph they are in: each
    page's marked sequences are claimed by one element, named with their own page (outloud
    TAG-022 found MCID 0 of a page claimed by its heading and by a link from the page before)."""
    words = "a report on the right to protest in the capital"
    body = "## Words\n\n" + " ".join(
        f"[{words} number {n}](https://example.org/r{n}) and" for n in range(160)
    )
    source = write(tmp_path, FRONT + body + "\n")
    assert run([str(source), "-o", str(tmp_path)])[0] == 0
    pdf = tmp_path / "brief.pdf"
    with pikepdf.open(pdf) as document:
        pages = {page.objgen: n for n, page in enumerate(document.pages)}
        assert len(pages) > 3
        claims = []
        for node in structure_nodes(document):
            kids = node.get("/K", [])
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, int):
                    claims.append((pages[node.Pg.objgen], kid))
                elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                    claims.append((pages[kid.Pg.objgen], int(kid.MCID)))
        assert len(claims) == len(set(claims))
    assert [f for f in outloud(pdf)["findings"] if f["rule"].startswith("TAG")] == []


def test_an_address_written_out_is_a_link_a_reader_can_follow(tmp_path):
    """A note's address pasted as text is a link in the PDF (outloud LNK-010 named each address
    shown without one), printed once in the print copy."""
    body = (
        "A report.[^1] Another.[^2]\n\n"
        '[^1]: Amnesty International, "A report", https://example.org/r/2024/, 2024.\n'
        "[^2]: At https://example.org/s\n"  # its last word: the note's way back follows it
    )
    source = write(tmp_path, FRONT + body)
    for options, pdf in (([], "brief.pdf"), (["--print"], "brief-print.pdf")):
        assert run([str(source), "-o", str(tmp_path), *options])[0] == 0
        assert link_uris(tmp_path / pdf) == ["https://example.org/r/2024/", "https://example.org/s"]
        assert [f for f in outloud(tmp_path / pdf)["findings"] if f["rule"].startswith("LNK")] == []
