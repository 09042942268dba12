"""The repairs to the PDF WeasyPrint 70 writes, made in its finisher hook before the file is
written: the structure tree's (press/tagfix.py), the words it lacks (press/written.py), and the
file's own (below). Each names the upstream gap it covers and is tested in tests/test_pdffix.py,
tests/test_long.py or tests/test_pages.py.
"""

from __future__ import annotations

import hashlib
import html
import re
import uuid

import pydyf

from . import inks, lineends, tagfix, tounicode, written
from .config import DECLARES_UA, MM, Config
from .frontmatter import Brief
from .tagfix import number


def finisher(brief: Brief, config: Config, page: written.Page, placed: list):
    """What is done to the PDF objects before they are written; page is what the HTML says
    that the tags need (press/written.py); placed gets, for a copy for paper, each raster
    image's pixels and the resolution it prints at (inks.placed_images)."""

    def finish(document, pdf: pydyf.PDF) -> None:
        tagfix.tag_notes(document, pdf)
        # Before: a repeated table header it drops becomes an Artifact.
        tagfix.join_split_elements(document, pdf)
        tagfix.notes_read_after_their_calls(pdf)
        tagfix.notes_read_with_their_page(pdf)  # those that could not be
        tagfix.links_hold_their_annotations(pdf)
        tagfix.contents_as_toc(pdf)
        tagfix.one_link_one_annotation(pdf)
        tagfix.captions_inside_figures(pdf)
        tagfix.figure_boxes_in_points(pdf)
        tagfix.mark_page_furniture_as_artifacts(pdf)
        tagfix.scope_table_headers(pdf)
        tagfix.wrap_list_bodies(pdf)
        tagfix.blank_marks_as_artifacts(pdf)
        tagfix.drop_empty_elements(pdf)
        written.describe_links(pdf, page.names)
        written.headings_as_written(pdf, page.headings)
        written.paragraphs_as_written(pdf, page.paragraphs)
        written.spaced_paragraphs_as_written(pdf, page.paragraphs)
        written.paragraphs_in_their_language(pdf, page.paragraphs)
        written.phrases_in_their_language(pdf, page.paragraphs)
        tagfix.numbers_as_labels(pdf, page.names.get("recommendations"))
        lineends.line_ends_as_written(pdf, page.text)  # before: its lines stay Spans
        tagfix.lines_into_their_elements(pdf)
        tagfix.id_tree(pdf)
        flag_links_to_print(pdf)
        if inks.cmyk_intent(pdf):
            inks.registered_condition(pdf)
            inks.registration_marks(pdf)
            inks.rgb_as_cmyk(pdf, config.profile)
            inks.images_in_srgb(pdf)
        if config.variant.startswith(("pdf/a", "pdf/x")):
            inks.no_interpolation(pdf)
        if config.variant.startswith("pdf/x"):
            placed.extend(inks.placed_images(pdf))
        tounicode.unmapped_glyphs_named_by_their_font(pdf)
        tounicode.right_to_left_glyphs_in_extraction_order(pdf)
        tounicode.lists_numbered_as_shown(pdf)
        catalogued(pdf)
        if config.variant in DECLARES_UA:
            declare_pdf_ua(pdf, pdf_a=config.variant.startswith("pdf/a"))
        if config.copy.bleed_mm:
            exact_bleed_box(pdf, config.copy.bleed_mm * MM)
        stable_document_id(brief, pdf)

    return finish


def catalogued(pdf: pydyf.PDF) -> None:
    """What WeasyPrint 70 leaves out of the catalogue and the metadata: the document's language
    in the XMP (dc:language, as a library's catalogue reads it), the structure tree's next
    ParentTree key, and that no tag is a guess (MarkInfo Suspects false)."""
    if "StructTreeRoot" not in pdf.catalog:
        return
    root = pdf.objects[number(pdf.catalog["StructTreeRoot"])]
    root["ParentTreeNextKey"] = max(tagfix.parent_tree(pdf)["Nums"][::2], default=-1) + 1
    pdf.catalog["MarkInfo"]["Suspects"] = "false"
    language = html.escape(str(pdf.catalog["Lang"].string))
    said = DC_LANGUAGE.format(language).encode()
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.extra.get("Type") == "/Metadata":
            xmp = b"".join(obj.stream)
            if b"<dc:language>" not in xmp:
                obj.stream = [xmp.replace(b"</rdf:RDF>", said + b"</rdf:RDF>", 1)]


DC_LANGUAGE = (
    '<rdf:Description rdf:about=""><dc:language><rdf:Bag><rdf:li>{}</rdf:li></rdf:Bag>'
    "</dc:language></rdf:Description>"
)


def flag_links_to_print(pdf: pydyf.PDF) -> None:
    """Links print as they show: WeasyPrint 70 leaves the annotations' Print flag unset."""
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Subtype") == "/Link":
            obj["F"] = 4  # Print


def exact_bleed_box(pdf: pydyf.PDF, b: float) -> None:
    """The BleedBox b points past the trim, whatever media the crop marks need."""
    for obj in pdf.objects:
        if isinstance(obj, dict) and "TrimBox" in obj:
            left, top, right, bottom = obj["TrimBox"]
            obj["BleedBox"] = pydyf.Array([left - b, top - b, right + b, bottom + b])


def stable_document_id(brief: Brief, pdf: pydyf.PDF) -> None:
    """PDF/X's document ID from the brief's name and words: WeasyPrint 70 writes a random one
    (in the XMP of PDF/X only; elsewhere there is none to replace)."""
    # Not from its path: the same brief gets the same ID in any folder, on any machine.
    seed = (brief.path.name + "\n" + brief.markdown).encode("utf-8", "surrogateescape")
    # uuid5 itself, on bytes: a file name that is not UTF-8 reaches Python as lone surrogates.
    digest = hashlib.sha1(uuid.NAMESPACE_URL.bytes + seed, usedforsecurity=False).digest()
    stable_id = f"xmp.did:{uuid.UUID(bytes=digest[:16], version=5)}".encode()
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.extra.get("Type") == "/Metadata":
            xmp = b"".join(obj.stream)
            obj.stream = [re.sub(rb"xmp\.did:[0-9a-f-]{36}", stable_id, xmp)]


PDF_UA_PART = b"""<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">\
<pdfuaid:part>1</pdfuaid:part></rdf:Description>"""


# PDF/A admits only the schemas it lists or describes in the file: this describes PDF/UA's.
PDF_UA_SCHEMA = b"""<rdf:Description rdf:about="" \
xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" \
xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" \
xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#"><pdfaExtension:schemas><rdf:Bag>\
<rdf:li rdf:parseType="Resource">\
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>\
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>\
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix><pdfaSchema:property><rdf:Seq>\
<rdf:li rdf:parseType="Resource"><pdfaProperty:name>part</pdfaProperty:name>\
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>\
<pdfaProperty:category>internal</pdfaProperty:category>\
<pdfaProperty:description>Part of ISO 14289 the file conforms to</pdfaProperty:description>\
</rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas>\
</rdf:Description>"""


def declare_pdf_ua(pdf: pydyf.PDF, pdf_a: bool) -> None:
    """Declare PDF/UA-1 beside a PDF/A or PDF/X claim, as WeasyPrint 70 does for PDF/UA alone.

    Its XMP names one variant only; a tagged PDF/A-2, PDF/A-3 or PDF/X-4 copy may claim both.
    """
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.extra.get("Type") == "/Metadata":
            xmp = b"".join(obj.stream)
            if b"pdfuaid:part" not in xmp:
                claim = PDF_UA_PART + (PDF_UA_SCHEMA if pdf_a else b"")
                obj.stream = [xmp.replace(b"</rdf:RDF>", claim + b"</rdf:RDF>", 1)]
