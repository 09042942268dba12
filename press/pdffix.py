"""Repairs to the PDF WeasyPrint 70 writes, made in its finisher hook before the file is written.

Each repair is small, names the upstream gap it covers, and is tested in tests/test_pdffix.py.
"""

from __future__ import annotations

import hashlib
import html
import re
import uuid
from html.parser import HTMLParser

import pydyf

from . import i18n
from .config import DECLARES_UA, MM, Config
from .extension import SPLIT_BLOCKS, letters
from .frontmatter import Brief
from .i18n import N_, Language


def finisher(
    brief: Brief,
    config: Config,
    names: dict[str, str],
    headings: list[str],
    paragraphs: dict,
):
    """What is done to the PDF objects before they are written; names describes the places
    the brief's links lead to (`described()`), headings and paragraphs are the `h2`s' and
    `p`s' words as written."""

    def finish(document, pdf: pydyf.PDF) -> None:
        tag_notes(document, pdf)
        join_split_elements(
            document, pdf
        )  # before: a repeated table header it drops becomes an Artifact
        notes_read_with_their_page(pdf)
        links_hold_their_annotations(pdf)
        contents_as_toc(pdf)
        captions_inside_figures(pdf)
        figure_boxes_in_points(pdf)
        mark_page_furniture_as_artifacts(pdf)
        scope_table_headers(pdf)
        wrap_list_bodies(pdf)
        drop_empty_elements(pdf)
        flag_links_to_print(pdf)
        describe_links(pdf, names)
        headings_as_written(pdf, headings)
        paragraphs_as_written(pdf, paragraphs)
        paragraphs_in_their_language(pdf, paragraphs)
        numbers_as_labels(pdf, names.get("recommendations"))
        id_tree(pdf)
        if config.variant in DECLARES_UA:
            declare_pdf_ua(pdf, pdf_a=config.variant.startswith("pdf/a"))
        if config.copy.bleed_mm:
            exact_bleed_box(pdf, config.copy.bleed_mm * MM)
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


def tag_notes(document, pdf: pydyf.PDF) -> None:
    """Tag each page-foot note a Note with its ID, the target of its call's link.

    WeasyPrint 70 tags a page's notes as a NonStruct of Spans after its text (upstream #2482).
    The notes of a page are its anchors named `fn:` and `src:`, top to bottom (Page.anchors).
    """
    root = (
        pdf.objects[number(pdf.catalog["StructTreeRoot"])]
        if "StructTreeRoot" in pdf.catalog
        else None
    )
    if root is None:
        return
    pages = {reference: i for i, reference in enumerate(pdf.page_references)}
    top = pdf.objects[number(root["K"][0])]
    for area in (pdf.objects[number(k)] for k in top["K"] if isinstance(k, bytes)):
        if area.get("S") != "/NonStruct" or area.get("Pg") not in pages:
            continue
        anchors = document.pages[pages[area["Pg"]]].anchors
        names = sorted(
            (n for n in anchors if n.startswith(("fn:", "src:"))), key=lambda n: anchors[n][1]
        )
        notes = [pdf.objects[number(k)] for k in area["K"] if isinstance(k, bytes)]
        if names and len(names) == len(notes) and all(n.get("S") == "/Span" for n in notes):
            for note, name in zip(notes, names, strict=True):
                note["S"], note["ID"] = "/Note", pydyf.String(name)


HEADINGS = {"/H1", "/H2", "/H3", "/H4", "/H5", "/H6"}


def elements(pdf: pydyf.PDF, node: dict):
    """A structure element and those below it, in reading order."""
    yield node
    for kid in node.get("K", []) if isinstance(node.get("K"), list) else []:
        element = pdf.objects[number(kid)] if isinstance(kid, bytes) else None
        if isinstance(element, dict) and element.get("Type") != "/OBJR":
            yield from elements(pdf, element)


INLINE = {"/Span", "/Link", "/Em", "/Strong", "/Code", "/Quote", "/Reference", "/Lbl"}
IN_TABLES = {"/TD", "/TH", "/TR", "/THead", "/TBody", "/TFoot"}


def notes_read_with_their_page(pdf: pydyf.PDF) -> None:
    """Read the notes of a page after the last paragraph (item, table…) whose text is on it.

    WeasyPrint 70 tags the notes of a page after the page's text (upstream #2482), which the
    press joins into one element per section: a note called on page 2 was read after the last
    recommendation. Read after the call's own paragraph, a note would be read before the rest
    of its page, which WeasyPrint paints first: the tree and the page would part (outloud's
    ORD-001); here they keep the same order, page by page, as a reader of the page does.
    """
    root = pdf.objects[number(pdf.catalog["StructTreeRoot"])]
    areas = [
        area
        for document in root["K"]
        for area in elements(pdf, pdf.objects[number(document)])
        if area.get("S") == "/NonStruct"
        and area.get("K")
        and all(pdf.objects[number(k)].get("S") == "/Note" for k in area["K"])
    ]
    held = {id(area) for area in areas}
    last: dict[bytes, dict] = {}  # a page → the last block whose text is on it

    def walk(node: dict) -> None:
        for kid in node.get("K", []) if isinstance(node.get("K"), list) else []:
            element = pdf.objects[number(kid)] if isinstance(kid, bytes) else kid
            if isinstance(kid, int) and "Pg" in node:  # a marked sequence of the node's page
                last[node["Pg"]] = block_of(node)
            elif isinstance(element, dict) and element.get("Type") == "/MCR":
                last[element["Pg"]] = block_of(node)
            elif isinstance(element, dict) and element.get("S") and id(element) not in held:
                walk(element)

    def block_of(node: dict) -> dict:
        while node.get("S") in INLINE or node.get("S") in IN_TABLES:
            node = pdf.objects[number(node["P"])]
        return node

    walk(root)
    for area in areas:
        block = last.get(area.get("Pg"))
        if block is None or "P" not in block:
            continue
        parent = pdf.objects[number(block["P"])]
        at = parent["K"].index(block.reference) + 1
        parent["K"] = pydyf.Array([*parent["K"][:at], *area["K"], *parent["K"][at:]])
        for note in area["K"]:
            pdf.objects[number(note)]["P"] = block["P"]
        above = pdf.objects[number(area["P"])]
        above["K"] = pydyf.Array(k for k in above["K"] if k != area.reference)


def claim(pdf: pydyf.PDF, element: dict, kids: list) -> None:
    """Point the ParentTree's entries for these kids (annotations' OBJRs, marked contents of
    the element's page) at the element that now holds them."""
    root = pdf.objects[number(pdf.catalog["StructTreeRoot"])]
    tree = (
        pdf.objects[number(root["ParentTree"])]
        if isinstance(root["ParentTree"], bytes)
        else root["ParentTree"]
    )
    nums = tree["Nums"]
    at = {nums[i]: i + 1 for i in range(0, len(nums), 2)}  # a key → where its value is
    for kid in kids:
        kid = pdf.objects[number(kid)] if isinstance(kid, bytes) else kid
        if isinstance(kid, dict) and kid.get("Type") == "/OBJR":
            nums[at[pdf.objects[number(kid["Obj"])]["StructParent"]]] = element.reference
        elif isinstance(kid, int) and "Pg" in element:
            marks = nums[at[pdf.objects[number(element["Pg"])]["StructParents"]]]
            marks = pdf.objects[number(marks)] if isinstance(marks, bytes) else marks
            marks[kid] = element.reference


def links_hold_their_annotations(pdf: pydyf.PDF) -> None:
    """Hang each link annotation from its Link, not from a Span inside it.

    Where a link's text is an element of its own (the print copy's addresses, a right-to-left
    brief's Latin runs) and breaks over lines, WeasyPrint 70 hangs the annotations of the later
    lines from that element's Span; PDF/UA-1 wants every link annotation in a Link (outloud
    LNK-001). No upstream issue found.
    """
    for holder in [obj for obj in pdf.objects if isinstance(obj, dict) and "S" in obj]:
        if holder["S"] == "/Link" or not isinstance(holder.get("K"), list):
            continue
        annotations = [k for k in holder["K"] if is_link_annotation(pdf, k)]
        link = holder
        while annotations and link.get("S") != "/Link" and "P" in link:
            link = pdf.objects[number(link["P"])]
        if not annotations or link.get("S") != "/Link":
            continue
        holder["K"] = pydyf.Array(k for k in holder["K"] if k not in annotations)
        link["K"] = pydyf.Array([*link["K"], *annotations])
        claim(pdf, link, annotations)


def contents_as_toc(pdf: pydyf.PDF) -> None:
    """Tag the contents page a TOC of TOCI, each entry one Link, its leader an Artifact.

    The contents' entries are links whose ::after holds a leader and a page number: WeasyPrint
    70 tags them as a list, each item three nested Links, the innermost holding each leader dot,
    which a screen reader read out one by one (555 in the long test brief). Here the entry's
    Link holds its words, its page number and all three annotations; the dots, held by no
    element, become Artifacts (mark_page_furniture_as_artifacts). No upstream issue found.
    """
    for listing in [o for o in pdf.objects if isinstance(o, dict) and o.get("S") == "/L"]:
        entries = [entry_link(pdf, item) for item in refs(pdf, listing)]
        if not entries or None in entries:
            continue
        listing["S"] = "/TOC"
        for item, (outer, number_, leader) in zip(refs(pdf, listing), entries, strict=True):
            item["S"], item["K"] = "/TOCI", pydyf.Array([outer.reference])
            outer["P"] = item.reference
            own = [k for k in outer["K"] if k != number_.reference]
            taken = [k for k in number_["K"] if k != leader.reference]
            if number_.get("Pg") != outer.get("Pg"):  # its page's marks, named with their page
                taken = [
                    pydyf.Dictionary({"Type": "/MCR", "Pg": number_["Pg"], "MCID": k})
                    if isinstance(k, int) else k
                    for k in taken
                ]  # fmt: skip
            annotation = [k for k in leader["K"] if is_link_annotation(pdf, k)]
            outer["K"] = pydyf.Array([*own, *taken, *annotation])
            claim(pdf, outer, [*taken, *annotation])


def refs(pdf: pydyf.PDF, element: dict) -> list[dict]:
    """The structure elements an element holds."""
    kids = element.get("K", []) if isinstance(element.get("K"), list) else []
    return [
        pdf.objects[number(k)]
        for k in kids
        if isinstance(k, bytes) and "S" in pdf.objects[number(k)]
    ]


def entry_link(pdf: pydyf.PDF, item: dict) -> tuple[dict, dict, dict] | None:
    """A contents entry's Links: its words', its page number's, its leader's; else None."""
    if item.get("S") != "/LI":
        return None
    body = refs(pdf, item)
    body = refs(pdf, body[0]) if len(body) == 1 and body[0]["S"] == "/LBody" else body
    chain = []
    while len(body) == 1 and body[0]["S"] == "/Link" and len(chain) < 3:
        chain.append(body[0])
        body = refs(pdf, body[0])
    return tuple(chain) if len(chain) == 3 and not body else None


PX = 0.75  # PDF points in a CSS pixel (WeasyPrint's scale at zoom 1)


def figure_boxes_in_points(pdf: pydyf.PDF) -> None:
    """A Figure's BBox in the page's coordinates: WeasyPrint 70 writes it in CSS pixels from the
    top of the page (a box at y 680 on a page 595 points wide). No upstream issue found."""
    for figure in [o for o in pdf.objects if isinstance(o, dict) and o.get("S") == "/Figure"]:
        box = figure.get("A", {}).get("BBox") if isinstance(figure.get("A"), dict) else None
        if box is None or "Pg" not in figure:
            continue
        page = pdf.objects[number(figure["Pg"])]
        top = float((page.get("TrimBox") or page["MediaBox"])[3])
        x1, y1, x2, y2 = (float(v) for v in box)
        figure["A"]["BBox"] = pydyf.Array(
            [round(x1 * PX, 3), round(top - y2 * PX, 3), round(x2 * PX, 3), round(top - y1 * PX, 3)]
        )


def captions_inside_figures(pdf: pydyf.PDF) -> None:
    """A figure and its caption, one Figure element holding its Caption.

    WeasyPrint 70 tags an HTML figure as a NonStruct holding the image's Figure (in a
    NonStruct of its own) beside the Caption; a reader then meets a picture, and later some
    text, not a figure and its caption. No upstream issue found.
    """
    for caption in [o for o in pdf.objects if isinstance(o, dict) and o.get("S") == "/Caption"]:
        holder = pdf.objects[number(caption["P"])]
        others = [k for k in refs(pdf, holder) if k is not caption]
        while len(others) == 1 and others[0].get("S") == "/NonStruct":
            others = refs(pdf, others[0])
        if holder.get("S") != "/NonStruct" or len(others) != 1 or others[0]["S"] != "/Figure":
            continue
        image = others[0]
        marks = [k for k in image["K"] if isinstance(k, int)]
        holder.update({"S": "/Figure", "Pg": image["Pg"], "A": image["A"]})
        if "Alt" in image:
            holder["Alt"] = image["Alt"]
        kids = [k for k in image["K"] if not isinstance(k, bytes)]
        first = holder["K"].index(caption.reference) == 0  # a caption above its picture
        holder["K"] = pydyf.Array(
            [caption.reference, *kids] if first else [*kids, caption.reference]
        )
        claim(pdf, holder, marks)


def drop_empty_elements(pdf: pydyf.PDF) -> None:
    """Take out of the tree the Spans, items and their bodies that hold nothing (TAG-020).

    WeasyPrint 70 tags a generated box with no text (the print copy's source-note call, whose
    content is none) as an empty Span, and an item of an empty line an empty LBody; a Span
    left with nothing once its annotations hang from its Link is one too.
    """
    emptied = True
    while emptied:  # an item whose body goes is empty in turn
        emptied = False
        for node in [o for o in pdf.objects if isinstance(o, dict) and o.get("S") in EMPTIABLE]:
            if node.get("K") not in (None, []) or node.keys() & {"Alt", "ActualText"}:
                continue
            parent = pdf.objects[number(node["P"])] if "P" in node else {}
            if isinstance(parent.get("K"), list) and node.reference in parent["K"]:
                parent["K"] = pydyf.Array(k for k in parent["K"] if k != node.reference)
                emptied = True


EMPTIABLE = {"/Span", "/LBody", "/LI"}


def is_link_annotation(pdf: pydyf.PDF, kid) -> bool:
    """Whether a structure element's kid is an object reference to a link annotation."""
    kid = pdf.objects[number(kid)] if isinstance(kid, bytes) else kid
    if not (isinstance(kid, dict) and kid.get("Type") == "/OBJR"):
        return False
    return pdf.objects[number(kid["Obj"])].get("Subtype") == "/Link"


def join_split_elements(document, pdf: pydyf.PDF) -> None:
    """One section, paragraph, list or table across a page break, as one element (upstream #2903).

    WeasyPrint 70 builds the structure tree page by page: what a page break splits becomes two
    elements. A section always opens with its heading, so one that follows its kind from the
    page before without one is its rest. A paragraph, list, item, quotation or table is split
    where its id (press/extension.py, BlockIds) is an anchor of both pages (Page.anchors); a
    table's repeated header row, dropped from the tree, becomes an Artifact.
    """
    pages = {reference: i for i, reference in enumerate(pdf.page_references)}
    split: dict[tuple[str, int], int] = {}  # (tag, page): how many of its kind run on from it
    ends: dict[int, int] = {}  # the page a joined element ends on
    for i, (page, following) in enumerate(zip(document.pages, document.pages[1:], strict=False)):
        for name in page.anchors.keys() & following.anchors.keys():
            kind = SPLIT_BLOCKS.get(name.split(":")[0]) if ":" in name else None
            if kind:
                split[kind, i] = split.get((kind, i), 0) + 1

    def resolve(reference):
        return pdf.objects[number(reference)] if isinstance(reference, bytes) else None

    def heads(table: dict) -> list[dict]:
        found = [resolve(k) for k in table["K"] if (resolve(k) or {}).get("S") == "/THead"]
        rows = [resolve(r) for head in found for r in head["K"] if resolve(r)]
        return [
            resolve(c) for row in rows for c in row["K"] if (resolve(c) or {}).get("S") == "/TH"
        ]

    def rest_of(before: dict, after: dict) -> bool:
        if before.get("S") != after.get("S") or before.get("Pg") == after.get("Pg"):
            return False
        first = resolve(after["K"][0]) if after["K"] else None
        if after["S"] in ("/Sect", "/Part", "/Art"):
            return first is not None and first.get("S") not in HEADINGS
        if after["S"] == "/Table" and not (
            first is not None
            and first.get("S") == "/THead"
            and len(heads(after)) == len(heads(before))
        ):
            return False
        if after["S"] == "/LBody":  # an item's body, of an item joined already
            return True
        key = (after["S"], ends.get(id(before), pages.get(before.get("Pg"), -2)))
        follows = split.get(key) and pages.get(after.get("Pg")) == key[1] + 1
        if follows and all(isinstance(k, bytes) for k in after["K"]):  # no marks to re-parent
            split[key] -= 1
            ends[id(before)] = key[1] + 1  # where it ends now, should it run on again
            return True
        return False

    def join(parent: dict) -> None:
        kept, notes = [], []  # notes: the pages' notes, which WeasyPrint tags after their text
        for reference in parent.get("K", []):
            before, after = resolve(kept[-1]) if kept else None, resolve(reference)
            if before is not None and (after or {}).get("S") == "/NonStruct":
                notes.append(reference)  # held back until it is known whether the text runs on
                continue
            if before is not None and after is not None and rest_of(before, after):
                if after["S"] == "/Table":  # its header row repeated: the first one's stands
                    ids = {
                        str(n.get("ID")): m.get("ID")
                        for n, m in zip(heads(after), heads(before), strict=True)
                    }
                    after["K"] = pydyf.Array(
                        k for k in after["K"] if resolve(k).get("S") != "/THead"
                    )
                    relink_headers(pdf, after, ids)
                for kid in after["K"]:
                    if resolve(kid) is not None and "P" in resolve(kid):
                        resolve(kid)["P"] = before.reference
                before["K"].extend(after["K"])
            else:
                kept, notes = [*kept, *notes, reference], []
        kept += notes
        parent["K"] = pydyf.Array(kept)
        for reference in kept:
            if (resolve(reference) or {}).get("Type") == "/StructElem":
                join(resolve(reference))

    root = resolve(pdf.catalog.get("StructTreeRoot"))
    if root is not None:
        for document in root["K"]:
            join(resolve(document))


def relink_headers(pdf: pydyf.PDF, table: dict, ids: dict) -> None:
    """Point a table fragment's cells at the header row that stands for theirs."""
    todo = [table]
    while todo:
        node = todo.pop()
        headers = node.get("A", {}).get("Headers") if node.get("S") == "/TD" else None
        if headers is not None:
            node["A"]["Headers"] = pydyf.Array(ids.get(str(h), h) for h in headers)
        todo += [pdf.objects[number(k)] for k in node.get("K", []) if isinstance(k, bytes)]


def scope_table_headers(pdf: pydyf.PDF) -> None:
    """Give each table header its Scope: a column's in the table head, a row's in the body.

    WeasyPrint 70 links each cell to its headers by ID but writes no Scope, which PDF/UA-1
    (Matterhorn 15-003) and screen readers expect of every TH.
    """
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("S") == "/TH":
            row = pdf.objects[number(obj["P"])]
            group = pdf.objects[number(row["P"])].get("S")
            obj.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
            obj["A"]["Scope"] = "/Row" if group in ("/TBody", "/TFoot") else "/Column"


def wrap_list_bodies(pdf: pydyf.PDF) -> None:
    """Put what follows an item's label in an LBody, as PDF/UA-1 has every list item hold.

    WeasyPrint 70 gives an item whose marker is inside its lines (the recommendations' numbers,
    hung by a tab) no LBody: its Lbl and its text are siblings (upstream #2505, #2497).
    """
    for item in [obj for obj in pdf.objects if isinstance(obj, dict) and obj.get("S") == "/LI"]:
        kids = [pdf.objects[number(kid)] for kid in item["K"]]
        if any(kid.get("S") == "/LBody" for kid in kids):
            continue
        body = pydyf.Dictionary({"Type": "/StructElem", "S": "/LBody", "P": item.reference})
        body["K"] = pydyf.Array(kid.reference for kid in kids if kid.get("S") != "/Lbl")
        if "Pg" in item:
            body["Pg"] = item["Pg"]
        pdf.add_object(body)
        for kid in kids:
            if kid.get("S") != "/Lbl":
                kid["P"] = body.reference
        item["K"] = pydyf.Array(
            [*(k.reference for k in kids if k.get("S") == "/Lbl"), body.reference]
        )


def numbers_as_labels(pdf: pydyf.PDF, heading: str | None) -> None:
    """In a right-to-left brief, each recommendation's number its item's label (Lbl).

    There the number is a `::before` (styles/brief.css says why), which WeasyPrint 70 tags as a
    NonStruct holding a Span at the start of the item's body: read as the body's first words,
    not as its label. Only the items of the section under the recommendations' heading whose
    body opens with such a group and goes on are changed (a key figure's value is no label).
    """
    if heading is None or i18n.language(str(pdf.catalog["Lang"].string)).direction != "rtl":
        return
    root = pdf.objects[number(pdf.catalog["StructTreeRoot"])]
    everything = [e for d in root["K"] for e in elements(pdf, pdf.objects[number(d)])]
    titles = [e for e in everything if e.get("S") == "/H2" and "ActualText" in e]
    sections = [pdf.objects[number(e["P"])] for e in titles if e["ActualText"].string == heading]
    for item in [i for s in sections for i in elements(pdf, s) if i.get("S") == "/LI"]:
        kids = refs(pdf, item)
        if len(kids) != 1 or kids[0]["S"] != "/LBody":
            continue
        body = kids[0]
        inside = refs(pdf, body)
        if len(inside) < 2 or len(body["K"]) != len(inside) or inside[0]["S"] != "/NonStruct":
            continue
        if [k["S"] for k in refs(pdf, inside[0])] != ["/Span"] or len(inside[0]["K"]) != 1:
            continue
        label = inside[0]
        label["S"], label["P"] = "/Lbl", item.reference
        body["K"] = pydyf.Array(k for k in body["K"] if k != label.reference)
        item["K"] = pydyf.Array([label.reference, body.reference])


def flag_links_to_print(pdf: pydyf.PDF) -> None:
    """Links print as they show: WeasyPrint 70 leaves the annotations' Print flag unset."""
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Subtype") == "/Link":
            obj["F"] = 4  # Print


def id_tree(pdf: pydyf.PDF) -> None:
    """List the elements that have an ID (notes, table headers) in the tree's IDTree, where a
    reader finds the element an ID names: WeasyPrint 70 gives IDs and no IDTree (ISO 32000-1
    14.7.2). No upstream issue found."""
    if "StructTreeRoot" not in pdf.catalog:
        return
    root = pdf.objects[number(pdf.catalog["StructTreeRoot"])]
    named = sorted(  # those the tree holds: a repeated header row's are out of it
        (element["ID"].string, element.reference)
        for document in root["K"]
        for element in elements(pdf, pdf.objects[number(document)])
        if "ID" in element
    )
    if named:
        names = pydyf.Array(x for name, ref in named for x in (pydyf.String(name), ref))
        root["IDTree"] = pydyf.Dictionary({"Names": names})


def headings_as_written(pdf: pydyf.PDF, headings: list[str]) -> None:
    """Give each H2 its words as written (ActualText): the stylesheet sets them in capitals,
    which WeasyPrint 70 stores, and a screen reader would read "RIGHTS VIOLATIONS DURING
    PROTESTS" as capitals, or letter by letter. The H2s are the page's `h2`s, in order; where
    their numbers differ nothing is guessed."""
    root = pdf.objects[number(pdf.catalog["StructTreeRoot"])]
    found = [
        element
        for document in root["K"]
        for element in elements(pdf, pdf.objects[number(document)])
        if element.get("S") == "/H2"
    ]
    if len(found) == len(headings) - 1:  # the notes' list, its heading last, is not shown
        headings = headings[:-1]
    if len(found) == len(headings):
        for element, words in zip(found, headings, strict=True):
            element["ActualText"] = pydyf.String(words)


H2_RE = re.compile(r"<h2\b([^>]*)>(.*?)</h2>", re.S)


def written_headings(page: str) -> list[str]:
    """The words of the page's `h2`s as the brief and the layout write them, in order; the
    last the heading of the notes listed after the text, which only some copies show."""
    found = []
    for attributes, text in H2_RE.findall(page):
        title = TITLE_RE.search(attributes)
        words = title[1] if title else re.sub(r"<[^>]*>", "", text)
        found.append(" ".join(html.unescape(words).split()))
    return found


def paragraphs_in_their_language(pdf: pydyf.PDF, paragraphs: dict) -> None:
    """Give each P written in another language than the brief's its /Lang, which a screen
    reader reads it by: a brief marks such a passage `<p lang="ru">…</p>` (docs/tags.md).
    WeasyPrint 70 writes the document's language only (upstream #2482). The Ps are the page's
    `p`s in order; where their numbers differ nothing is guessed."""
    page = str(pdf.catalog["Lang"].string)
    root = pdf.objects[number(pdf.catalog["StructTreeRoot"])]
    found = [
        e for d in root["K"] for e in elements(pdf, pdf.objects[number(d)]) if e.get("S") == "/P"
    ]
    if len(found) == len(paragraphs["languages"]):
        for element, lang in zip(found, paragraphs["languages"], strict=True):
            if lang and lang != page:
                element["Lang"] = pydyf.String(lang)


def paragraphs_as_written(pdf: pydyf.PDF, paragraphs: dict) -> None:
    """In a right-to-left brief, give each P, H3 and H4, each item's body that holds no
    paragraph or list, and each note its words as written (ActualText).

    WeasyPrint 70 maps an Arabic glyph to the first text it drew it for (upstream #2841), so a
    shared glyph reads as another letter, a ligature repeats one; and the space where a
    right-to-left line ends is lost (#2308, styles/brief.css): "إللكترونية", "تعديللتشريعات". The
    elements are the page's `p`s and `li`s in order; where their numbers differ nothing is
    guessed.
    """
    if i18n.language(str(pdf.catalog["Lang"].string)).direction != "rtl":
        return
    root = pdf.objects[number(pdf.catalog["StructTreeRoot"])]
    everything = [e for d in root["K"] for e in elements(pdf, pdf.objects[number(d)])]
    bodies = [
        e
        for e in everything
        if e.get("S") == "/LBody"
        and not any(k.get("S") in ("/P", "/L") for k in elements(pdf, e) if k is not e)
    ]
    kinds = [([e for e in everything if e.get("S") == f"/{k.upper()}"], paragraphs[k])
             for k in ("p", "h3", "h4")]  # fmt: skip
    for found, words in [*kinds, (bodies, paragraphs["li"])]:
        if len(found) == len(words):
            for element, text in zip(found, words, strict=True):
                element["ActualText"] = pydyf.String(text)
    for note in (e for e in everything if e.get("S") == "/Note" and "ID" in e):
        name = str(note["ID"].string)
        if name in paragraphs["notes"]:  # its number, then its words
            number_ = name.split(":")[1] if name.startswith("fn:") else letters(int(name[4:]))
            note["ActualText"] = pydyf.String(f"{number_} {paragraphs['notes'][name]}")


class Paragraphs(HTMLParser):
    """The words of each `p`, and of each `li` that holds no block, of a page as a reader of
    the page meets them, in order: a note's words (a Note of its own) and what only the HTML
    copy shows left out."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, list[str]] = {"p": [], "li": [], "h3": [], "h4": []}
        self.notes: dict[str, str] = {}  # a page-foot note's words, by its id
        self.note: tuple[str, list[str]] | None = None  # the note open: its id, its words
        self.open: list[tuple[str, list[str]]] = []  # the `p`s and `li`s open, innermost last
        self.skipping = 0  # depth inside an element left out
        self.stack: list[bool] = []  # for each open element: whether it is left out
        self.langs: list[str] = [""]  # the language of each open element, the page's first
        self.languages: list[str] = []  # each `p`'s language, in order
        self.feed(page)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        skipped = bool(classes & LEFT_OUT) or self.skipping > 0
        if "footnote" in classes and self.note is None:
            self.note = (dict(attrs).get("id") or "", [])
            self.note_depth = len(self.stack)
        self.stack.append(skipped)
        self.skipping += skipped
        self.langs.append(dict(attrs).get("lang") or self.langs[-1])
        if tag == "p":
            self.languages.append(self.langs[-1])
        if tag in ("p", "ul", "ol") and self.open and self.open[-1][0] == "li":
            self.open[-1] = ("li with blocks", self.open[-1][1])
        if tag in self.found:
            self.open.append((tag, []))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or not self.stack:
            return
        self.skipping -= self.stack.pop()
        self.langs.pop()
        if self.note is not None and len(self.stack) == self.note_depth:
            name, words = self.note
            self.notes[name] = " ".join("".join(words).split())
            self.note = None
        if tag in self.found and self.open:
            kind, words = self.open.pop()
            if kind in self.found:
                self.found[kind].append(" ".join("".join(words).replace("\u2060", "").split()))

    def handle_data(self, data: str) -> None:
        if self.note is not None:
            self.note[1].append(data)
        if self.open and not self.skipping:
            for _, words in self.open:  # an item's words are its paragraphs' too
                words.append(data)


LEFT_OUT = frozenset({"footnote", "note-ref", "source", "address", "skip"})  # see Paragraphs
VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "source", "col", "area", "base"}


def written_paragraphs(page: str) -> dict[str, list[str] | dict[str, str]]:
    """The words of the page's `p`s and `li`s as written, in order, and of its page-foot notes
    by id (`Paragraphs`)."""
    read = Paragraphs(page.split('<section id="notes">', 1)[0])
    return {**read.found, "notes": read.notes, "languages": read.languages}


def describe_links(pdf: pydyf.PDF, names: dict[str, str]) -> None:
    """Describe each link to a place in the brief by that place ("Note 3", a heading's words):
    WeasyPrint 70 describes it by its id (`fn:3`, `introduction`), which a screen reader reads
    out as the link's description. A link to an address keeps the address."""
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Subtype") == "/Link":
            dest = obj.get("Dest")
            if isinstance(dest, pydyf.String) and str(dest.string) in names:
                obj["Contents"] = pydyf.String(names[str(dest.string)])


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
        title = TITLE_RE.search(attributes)
        words = title[1] if title else re.sub(r"<[^>]*>", "", text)
        names[id_] = " ".join(html.unescape(words).split())
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
