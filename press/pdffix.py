"""Repairs to the PDF WeasyPrint 70 writes, made in its finisher hook before the file is written.

Each repair is small, names the upstream gap it covers, and is tested in tests/test_pdffix.py.
"""

from __future__ import annotations

import re
import uuid

import pydyf

from .config import PRINT_BLEED
from .frontmatter import Brief


def finisher(brief: Brief, print_copy: bool):
    """What is done to the PDF objects before they are written."""

    def finish(document, pdf: pydyf.PDF) -> None:
        mark_page_furniture_as_artifacts(pdf)
        flag_links_to_print(pdf)
        if print_copy:
            exact_bleed_box(pdf)
            stable_document_id(brief, pdf)

    return finish


def number(reference: bytes) -> int:
    """The object number of a reference such as b'12 0 R'."""
    return int(reference.split()[0])


def mark_page_furniture_as_artifacts(pdf: pydyf.PDF) -> None:
    """Make the running heads and folios Artifacts, which screen readers skip.

    WeasyPrint 70 tags page-margin content as elements that no element of the structure tree
    holds (an Artifact element would need PDF 2.0; see its pdf/tags.py); PDF/UA-1 marks such
    content as an Artifact in the page's content stream instead.
    """

    def resolve(value):
        return pdf.objects[number(value)] if isinstance(value, bytes) else value

    if "StructTreeRoot" not in pdf.catalog:
        return
    root = resolve(pdf.catalog["StructTreeRoot"])
    held, todo = set(), [root]
    while todo:
        kids = todo.pop().get("K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            if isinstance(kid, bytes) and number(kid) not in held:
                held.add(number(kid))
                todo.append(resolve(kid))
    nums = resolve(root["ParentTree"])["Nums"]
    marks_of_page = dict(zip(nums[::2], nums[1::2], strict=True))
    for page in pdf.objects:
        if not (isinstance(page, dict) and page.get("Type") == "/Page"):
            continue
        marks = resolve(marks_of_page[page["StructParents"]])
        loose = {mcid for mcid, ref in enumerate(marks) if number(ref) not in held}
        for mcid in loose:
            marks[mcid] = "null"
        operations = resolve(page["Contents"]).stream  # pydyf.Stream's list of operations
        for i, operation in enumerate(operations):
            if isinstance(operation, pydyf.Dictionary) and operation.get("MCID") in loose:
                operations[i - 1 : i + 1] = ["/Artifact", pydyf.Dictionary({"Type": "/Pagination"})]


def flag_links_to_print(pdf: pydyf.PDF) -> None:
    """Links print as they show: WeasyPrint 70 leaves the annotations' Print flag unset."""
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Subtype") == "/Link":
            obj["F"] = 4  # Print


def exact_bleed_box(pdf: pydyf.PDF) -> None:
    """The print copy's BleedBox 3 mm past the trim, whatever media the crop marks need."""
    for obj in pdf.objects:
        if isinstance(obj, dict) and "TrimBox" in obj:
            left, top, right, bottom = obj["TrimBox"]
            b = PRINT_BLEED
            obj["BleedBox"] = pydyf.Array([left - b, top - b, right + b, bottom + b])


def stable_document_id(brief: Brief, pdf: pydyf.PDF) -> None:
    """PDF/X's document ID from the brief's name and words: WeasyPrint 70 writes a random one."""
    # Not from its path: the same brief gets the same ID in any folder, on any machine.
    seed = brief.path.name + "\n" + brief.markdown
    stable_id = f"xmp.did:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}".encode()
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.extra.get("Type") == "/Metadata":
            xmp = b"".join(obj.stream)
            obj.stream = [re.sub(rb"xmp\.did:[0-9a-f-]{36}", stable_id, xmp)]
