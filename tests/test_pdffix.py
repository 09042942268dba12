"""The repairs of press/pdffix.py, each on the built PDFs: the gap it covers must stay closed."""

import re
import uuid

import pikepdf
import pytest
from helpers import MM, artifact_texts, layout_meta, squash

from press.frontmatter import read


def test_running_heads_and_folios_are_artifacts_and_nothing_else_is(brief):
    meta = layout_meta(brief.source)
    pages = artifact_texts(brief.pdf)
    assert pages[0] == []
    for number, texts in enumerate(pages[1:], 2):
        head = squash(f"{meta['series']} — {meta['country']}")
        assert [squash(t) for t in texts] == [head, squash(f"Page {number} of {len(pages)}")]


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
