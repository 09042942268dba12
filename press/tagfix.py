"""Repairs to the structure tree WeasyPrint 70 writes, made in its finisher hook (press/pdffix.py).

Each repair is small, names the upstream gap it covers, and is tested on the structure tree in
tests/test_pdffix.py, tests/test_long.py or tests/test_pages.py.
"""

from __future__ import annotations

from functools import partial

import pydyf

from . import i18n, paintorder
from .extension import SPLIT_BLOCKS


def number(reference: bytes) -> int:
    """The object number of a reference such as b'12 0 R'."""
    return int(reference.split()[0])


def resolve(pdf: pydyf.PDF, value):
    """The object a reference names; any other value as it is."""
    return pdf.objects[number(value)] if isinstance(value, bytes) else value


def resources(pdf: pydyf.PDF, page: dict, kind: str) -> dict:
    """A page's resources of one kind (`Font`, `XObject`) by name."""
    return resolve(pdf, resolve(pdf, page["Resources"]).get(kind, {}))


def parent_tree(pdf: pydyf.PDF) -> dict:
    """The structure tree's ParentTree: its Nums, each key then what it stands for."""
    return resolve(pdf, resolve(pdf, pdf.catalog["StructTreeRoot"])["ParentTree"])


def marks_of(pdf: pydyf.PDF, page: dict) -> list:
    """A page's entry of the ParentTree: the element each of its MCIDs belongs to (none for a
    page that marks nothing)."""
    nums = parent_tree(pdf)["Nums"]
    keys = nums[::2]
    if page.get("StructParents") not in keys:
        return []
    return resolve(pdf, nums[keys.index(page["StructParents"]) * 2 + 1])


def as_artifacts(operations: list, kinds: dict) -> None:
    """Mark sequences of a page's content stream Artifacts: kinds gives, for each MCID to mark,
    what tells its Artifact's properties from the operations that start with it."""
    for at, operation in enumerate(operations):
        if isinstance(operation, pydyf.Dictionary) and operation.get("MCID") in kinds:
            operations[at - 1 : at + 1] = ["/Artifact", kinds[operation["MCID"]](operations[at:])]


def layout(_operations: list) -> pydyf.Dictionary:
    """An Artifact of the layout: a leader, a box that paints nothing."""
    return pydyf.Dictionary({"Type": "/Layout"})


def elements(pdf: pydyf.PDF, node: dict):
    """A structure element and those below it, in reading order."""
    yield node
    for kid in node.get("K", []) if isinstance(node.get("K"), list) else []:
        element = pdf.objects[number(kid)] if isinstance(kid, bytes) else None
        if isinstance(element, dict) and element.get("Type") != "/OBJR":
            yield from elements(pdf, element)


def tree(pdf: pydyf.PDF) -> list[dict]:
    """Every element of the structure tree, in reading order."""
    root = pdf.objects[number(pdf.catalog["StructTreeRoot"])]
    return [e for document in root["K"] for e in elements(pdf, pdf.objects[number(document)])]


def right_to_left(pdf: pydyf.PDF) -> bool:
    """Whether the document's language is written right to left."""
    return i18n.language(str(pdf.catalog["Lang"].string)).direction == "rtl"


def refs(pdf: pydyf.PDF, element: dict) -> list[dict]:
    """The structure elements an element holds."""
    kids = element.get("K", []) if isinstance(element.get("K"), list) else []
    return [
        pdf.objects[number(k)]
        for k in kids
        if isinstance(k, bytes) and "S" in pdf.objects[number(k)]
    ]


def claim(pdf: pydyf.PDF, element: dict, kids: list) -> None:
    """Point the ParentTree's entries for these kids (annotations' OBJRs, marked contents of
    the element's page) at the element that now holds them."""
    nums = parent_tree(pdf)["Nums"]
    at = {nums[i]: i + 1 for i in range(0, len(nums), 2)}  # a key → where its value is
    for kid in kids:
        kid = resolve(pdf, kid)
        if isinstance(kid, dict) and kid.get("Type") == "/OBJR":
            nums[at[pdf.objects[number(kid["Obj"])]["StructParent"]]] = element.reference
        elif isinstance(kid, int) and "Pg" in element:
            marks_of(pdf, pdf.objects[number(element["Pg"])])[kid] = element.reference
        elif isinstance(kid, dict) and kid.get("Type") == "/MCR":
            marks_of(pdf, pdf.objects[number(kid["Pg"])])[kid["MCID"]] = element.reference


def is_link_annotation(pdf: pydyf.PDF, kid) -> bool:
    """Whether a structure element's kid is an object reference to a link annotation."""
    kid = resolve(pdf, kid)
    if not (isinstance(kid, dict) and kid.get("Type") == "/OBJR"):
        return False
    return pdf.objects[number(kid["Obj"])].get("Subtype") == "/Link"


def mark_page_furniture_as_artifacts(pdf: pydyf.PDF) -> None:
    """Make the running heads and folios Artifacts, which screen readers skip.

    WeasyPrint 70 tags page-margin content as elements that no element of the structure tree
    holds (an Artifact element would need PDF 2.0; see its pdf/tags.py); PDF/UA-1 marks such
    content as an Artifact in the page's content stream instead.
    """

    if "StructTreeRoot" not in pdf.catalog:
        return
    held, todo = set(), [resolve(pdf, pdf.catalog["StructTreeRoot"])]
    while todo:
        kids = todo.pop().get("K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            if isinstance(kid, bytes) and number(kid) not in held:
                held.add(number(kid))
                todo.append(resolve(pdf, kid))
    for page in pdf.objects:
        if not (isinstance(page, dict) and page.get("Type") == "/Page"):
            continue
        marks = marks_of(pdf, page)
        loose = {mcid for mcid, ref in enumerate(marks) if number(ref) not in held}
        owners = {mcid: resolve(pdf, marks[mcid]) for mcid in loose}
        for mcid in loose:
            marks[mcid] = "null"
        height = float(page["MediaBox"][3]) / PX  # in CSS pixels, as the text is placed
        kinds = {mcid: partial(artifact, pdf, owners[mcid], height=height) for mcid in loose}
        as_artifacts(resolve(pdf, page["Contents"]).stream, kinds)  # pydyf's list of operations


def artifact(pdf: pydyf.PDF, owner: dict, rest: list, height: float) -> pydyf.Dictionary:
    """What a sequence no element holds is: a contents entry's leader (its Link), a table's
    header row repeated, else a running head or a folio, known by where its text is set."""
    if owner.get("S") == "/Link":
        return layout(rest)
    above = owner
    while above.get("S") not in (None, "/THead", "/Table") and "P" in above:
        above = pdf.objects[number(above["P"])]
    if above.get("S") in ("/THead", "/Table"):
        return pydyf.Dictionary({"Type": "/Pagination"})
    placed = next((op for op in rest if isinstance(op, bytes) and op.endswith(b" Tm")), None)
    top = placed is not None and float(placed.split()[5]) < height / 2
    return pydyf.Dictionary({"Type": "/Pagination", "Subtype": "/Header" if top else "/Footer"})


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
                numbered_by_a_label(pdf, note)


HEADINGS = {"/H1", "/H2", "/H3", "/H4", "/H5", "/H6"}


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
                    one_body(pdf, before, after)
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


def one_body(pdf: pydyf.PDF, before: dict, after: dict) -> None:
    """A table's body across a page break as one TBody: its rows on the later page join the
    earlier page's body, and the later page's TBody goes."""
    bodies = [pdf.objects[number(k)] for k in (before["K"][-1:] + after["K"][:1])]
    if len(bodies) == 2 and all(b.get("S") == "/TBody" for b in bodies):
        first, rest = bodies
        first["K"] = pydyf.Array([*first["K"], *rest["K"]])
        for row in rest["K"]:
            pdf.objects[number(row)]["P"] = first.reference
        after["K"] = pydyf.Array(after["K"][1:])


def relink_headers(pdf: pydyf.PDF, table: dict, ids: dict) -> None:
    """Point a table fragment's cells at the header row that stands for theirs."""
    todo = [table]
    while todo:
        node = todo.pop()
        headers = node.get("A", {}).get("Headers") if node.get("S") == "/TD" else None
        if headers is not None:
            node["A"]["Headers"] = pydyf.Array(ids.get(str(h), h) for h in headers)
        todo += [pdf.objects[number(k)] for k in node.get("K", []) if isinstance(k, bytes)]


INLINE = {"/Span", "/Link", "/Em", "/Strong", "/Code", "/Quote", "/Reference", "/Lbl"}


IN_TABLES = {"/TD", "/TH", "/TR", "/THead", "/TBody", "/TFoot"}


def marks(pdf: pydyf.PDF, element: dict, into: set | None = None) -> list[tuple[bytes, int]]:
    """The marked sequences (page, MCID) an element and those below it hold, in reading order;
    with into, only those below it of these kinds (its phrases: press/lineends.py)."""
    found = []
    for kid in element.get("K", []) if isinstance(element.get("K"), list) else []:
        node = resolve(pdf, kid)
        if (mark := mark_of(element, node)) is not None:
            found.append(mark)
        elif isinstance(node, dict) and node.get("S") and (into is None or node["S"] in into):
            found += marks(pdf, node, into)
    return found


def mark_of(element: dict, kid) -> tuple[bytes, int] | None:
    """The marked sequence (page, MCID) an element's kid (resolved) is, if it is one."""
    if isinstance(kid, int) and "Pg" in element:
        return element["Pg"], kid
    if isinstance(kid, dict) and kid.get("Type") == "/MCR":
        return kid["Pg"], kid["MCID"]
    return None


def notes_read_after_their_calls(pdf: pydyf.PDF) -> None:
    """Read each note right after the paragraph (item, heading, table) that calls it, and paint
    it there (press/paintorder.py), so that the page and its tags keep one order.

    WeasyPrint 70 tags and paints a page's notes after the page's text (upstream #2482): a
    screen reader met a note called on page 2 after the last recommendation. A note that
    cannot move unchanged in look stays for notes_read_with_their_page.
    """
    calls: dict[str, dict] = {}  # a note's ID → the block that calls it first
    notes = []
    for element in tree(pdf):
        if element.get("S") == "/Note" and "ID" in element:
            notes.append(element)
        for kid in element.get("K", []) if isinstance(element.get("K"), list) else []:
            if is_link_annotation(pdf, kid):
                annotation = pdf.objects[number(pdf.objects[number(kid)]["Obj"])]
                dest = annotation.get("Dest")
                if isinstance(dest, pydyf.String):
                    calls.setdefault(str(dest.string), block_of(pdf, element))
    placed: dict[int, list[dict]] = {}  # a block → the notes read after it
    by_page: dict[bytes, list] = {}
    for note in notes:
        block, held = calls.get(str(note["ID"].string)), marks(pdf, note)
        pages = {page for page, _ in held}
        if block is None or block.get("S") == "/Note" or "P" not in block or len(pages) != 1:
            continue
        (page,) = pages
        there = [mcid for on, mcid in marks(pdf, block) if on == page]
        if there or earlier(pdf, block, page):  # its page full, WeasyPrint put it on the next
            after = there[-1] if there else None  # None: before the page's first text
            by_page.setdefault(page, []).append((note, block, [(m, after) for _, m in held]))
    for page, found in by_page.items():
        contents = pdf.objects[number(pdf.objects[number(page)]["Contents"])]
        moved = paintorder.move(contents.stream, [m for _, _, ms in found for m in ms])
        if moved is None:
            continue
        contents.stream = moved
        for note, block, _ in found:
            placed.setdefault(id(block), [block]).append(note)
    for block, *read_after in placed.values():
        for note in read_after:
            area = pdf.objects[number(note["P"])]
            area["K"] = pydyf.Array(k for k in area["K"] if k != note.reference)
        if block.get("S") == "/LBody":  # an item holds its label and body only: the body ends
            block["K"] = pydyf.Array([*block["K"], *(n.reference for n in read_after)])
            for note in read_after:
                note["P"] = block.reference
            continue
        parent = pdf.objects[number(block["P"])]
        for note in read_after:
            note["P"] = block["P"]
        at = parent["K"].index(block.reference) + 1
        parent["K"] = pydyf.Array(
            [*parent["K"][:at], *(n.reference for n in read_after), *parent["K"][at:]]
        )


def numbered_by_a_label(pdf: pydyf.PDF, note: dict) -> None:
    """A note's number (its marker, which WeasyPrint 70 tags a NonStruct) as the note's Lbl, its
    first element: out of the Span of the note's first line where it is in one (a note that
    opens with a run of Latin in Arabic)."""
    first = refs(pdf, note)[:1]
    inner = refs(pdf, first[0])[:1] if first and first[0].get("S") == "/Span" else []
    if inner and inner[0].get("S") == "/NonStruct" and first[0]["K"][0] == inner[0].reference:
        line, first = first[0], inner
        line["K"] = pydyf.Array(line["K"][1:])
        note["K"] = pydyf.Array([inner[0].reference, *note["K"]])
        inner[0]["P"] = note.reference
    if first and first[0].get("S") == "/NonStruct":
        first[0]["S"] = "/Lbl"


def earlier(pdf: pydyf.PDF, block: dict, page: bytes) -> bool:
    """Whether a block's text is all on pages before this one."""
    order = {reference: i for i, reference in enumerate(pdf.page_references)}
    held = marks(pdf, block)
    return bool(held) and all(order[on] < order[page] for on, _ in held)


def block_of(pdf: pydyf.PDF, node: dict) -> dict:
    """The paragraph, item, heading or table an inline element or a cell is in."""
    while node.get("S") in INLINE or node.get("S") in IN_TABLES:
        node = pdf.objects[number(node["P"])]
    return node


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
        for area in tree(pdf)
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
                last[node["Pg"]] = block_of(pdf, node)
            elif isinstance(element, dict) and element.get("Type") == "/MCR":
                last[element["Pg"]] = block_of(pdf, node)
            elif isinstance(element, dict) and element.get("S") and id(element) not in held:
                walk(element)

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


def one_link_one_annotation(pdf: pydyf.PDF) -> None:
    """A link set over several lines (or, on the contents page, as words, leader and page
    number) as one Link with one annotation per page, its lines' boxes in QuadPoints.

    WeasyPrint 70 tags each line of a link a Link of its own and gives each box an annotation
    (the print copy's addresses: 84 annotations for 20 addresses, some twice over the same
    box): a keyboard stops at each, a screen reader announces each. No upstream issue found.
    """
    for parent in [e for e in tree(pdf) if isinstance(e.get("K"), list)]:
        kept, last = [], None
        for kid in parent["K"]:
            link = pdf.objects[number(kid)] if isinstance(kid, bytes) else None
            target = destination(pdf, link) if link and link.get("S") == "/Link" else None
            if target is not None and last is not None and target == destination(pdf, last):
                kids = on_its_page(link, last)
                last["K"] = pydyf.Array([*last["K"], *kids])
                for moved in refs(pdf, link):
                    moved["P"] = last.reference
                claim(pdf, last, kids)
                continue
            kept.append(kid)
            last = link if target is not None else None
        parent["K"] = pydyf.Array(kept)
    for link in [e for e in tree(pdf) if e.get("S") == "/Link"]:
        merge_annotations(pdf, link)


def on_its_page(element: dict, holder: dict) -> list:
    """An element's kids as another element on another page holds them: a marked sequence
    named with its page (an MCR), not by its MCID alone, which would name the holder's page's."""
    if element.get("Pg") == holder.get("Pg"):
        return list(element["K"])
    return [
        pydyf.Dictionary({"Type": "/MCR", "Pg": element["Pg"], "MCID": kid})
        if isinstance(kid, int) else kid
        for kid in element["K"]
    ]  # fmt: skip


def destination(pdf: pydyf.PDF, link: dict) -> str | None:
    """Where a Link's first annotation leads: a place's name or an address."""
    for kid in link.get("K", []):
        if is_link_annotation(pdf, kid):
            annotation = pdf.objects[number(pdf.objects[number(kid)]["Obj"])]
            target = annotation.get("Dest") or annotation.get("A", {}).get("URI")
            return str(target.string) if isinstance(target, pydyf.String) else str(target)
    return None


def merge_annotations(pdf: pydyf.PDF, link: dict) -> None:
    """A Link's annotations on one page as one: the union of their boxes, each in QuadPoints."""
    by_page: dict[bytes, list] = {}
    for kid in link["K"]:
        if is_link_annotation(pdf, kid):
            objr = pdf.objects[number(kid)]
            by_page.setdefault(objr["Pg"], []).append(kid)
    for page_reference, kids in by_page.items():
        if len(kids) < 2:
            continue
        annotations = [pdf.objects[number(pdf.objects[number(k)]["Obj"])] for k in kids]
        boxes = []
        for annotation in annotations:
            x1, y1, x2, y2 = (float(v) for v in annotation["Rect"])
            box = (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
            if box not in boxes:
                boxes.append(box)
        first = annotations[0]
        lows, highs = (
            [min(b[i] for b in boxes) for i in (0, 1)],
            [max(b[i] for b in boxes) for i in (2, 3)],
        )
        first["Rect"] = pydyf.Array([*lows, *highs])
        first["QuadPoints"] = pydyf.Array(
            v for x1, y1, x2, y2 in boxes for v in (x1, y2, x2, y2, x1, y1, x2, y1)
        )
        gone = {pdf.objects[number(k)]["Obj"] for k in kids[1:]}
        link["K"] = pydyf.Array(k for k in link["K"] if k not in kids[1:])
        page = pdf.objects[number(page_reference)]
        page["Annots"] = pydyf.Array(a for a in page["Annots"] if a not in gone)
        forget(pdf, [pdf.objects[number(a)]["StructParent"] for a in gone])
        for annotation in annotations[1:]:
            annotation.clear()  # written as an empty dictionary, referred to by nothing


def forget(pdf: pydyf.PDF, keys: list[int]) -> None:
    """Take these keys out of the ParentTree."""
    found = parent_tree(pdf)
    nums = found["Nums"]
    pairs = [(k, v) for k, v in zip(nums[::2], nums[1::2], strict=True) if k not in keys]
    found["Nums"] = pydyf.Array(x for pair in pairs for x in pair)


def contents_as_toc(pdf: pydyf.PDF) -> None:
    """Tag the contents page a TOC of TOCI, each entry one Reference to one Link, its leader an
    Artifact.

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
            reference = pydyf.Dictionary(
                {"Type": "/StructElem", "S": "/Reference", "P": item.reference, "Pg": outer["Pg"]}
            )
            reference["K"] = pydyf.Array([outer.reference])
            pdf.add_object(reference)  # a TOCI holds a Reference, not a Link (ISO 32000-1 14.8.4.3)
            item["S"], item["K"] = "/TOCI", pydyf.Array([reference.reference])
            outer["P"] = reference.reference
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
    for figure in [e for e in tree(pdf) if e.get("S") == "/Figure"]:
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
        holder.update({"S": "/Figure", "Pg": image["Pg"], "A": pydyf.Dictionary(image["A"])})
        if "Alt" in image:
            holder["Alt"] = image["Alt"]
        kids = [k for k in image["K"] if not isinstance(k, bytes)]
        first = holder["K"].index(caption.reference) == 0  # a caption above its picture
        holder["K"] = pydyf.Array(
            [caption.reference, *kids] if first else [*kids, caption.reference]
        )
        claim(pdf, holder, marks)


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
    if heading is None or not right_to_left(pdf):
        return
    titles = [e for e in tree(pdf) if e.get("S") == "/H2" and "ActualText" in e]
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


def blank_marks_as_artifacts(pdf: pydyf.PDF) -> None:
    """A marked sequence that paints nothing, an Artifact and no element's: WeasyPrint 70 marks
    boxes with no glyph (one beside each note's call, 147 in the long English brief), which a
    screen reader meets as empty elements. No upstream issue found."""
    for reference in pdf.page_references:
        page = pdf.objects[number(reference)]
        holders = marks_of(pdf, page)
        operations = pdf.objects[number(page["Contents"])].stream
        blank = {
            mcid
            for mcid, holder in enumerate(holders)
            if holder != "null" and paintorder.paints_nothing(operations, mcid)
        }
        for mcid in blank:
            element = pdf.objects[number(holders[mcid])]
            element["K"] = pydyf.Array(
                k for k in element["K"]
                if not (k == mcid and element.get("Pg") == reference)
                and not (isinstance(k, dict) and k.get("MCID") == mcid and k.get("Pg") == reference)
            )  # fmt: skip
            holders[mcid] = "null"
        as_artifacts(operations, dict.fromkeys(blank, layout))


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


EMPTIABLE = {"/Span", "/LBody", "/LI", "/NonStruct"}


LINE_KEYS = {"Type", "S", "P", "Pg", "K"}  # a Span that says nothing of its own
GROUPS = {"/Document", "/Part", "/Art", "/Sect", "/L", "/LI", "/Table", "/THead", "/TBody"}
GROUPS |= {"/TFoot", "/TR", "/TOC", "/TOCI"}  # elements that hold elements, never text


def lines_into_their_elements(pdf: pydyf.PDF) -> None:
    """The text of each line in the element it is a line of, where all that element holds is
    lines: WeasyPrint 70 wraps every line of a paragraph (a heading, a link…) in a Span of its
    own, 1124 in the long English brief, which a screen reader's tree and the file carry for
    nothing. Where the element holds other elements too (a link, a note's call) the lines stay
    Spans: checkers that read an element's own text before its kids' (outloud ORD-001) would
    read the sentence out of order. A Span with a language or an alternative stays, and so do
    the lines of an element read as written (ActualText), which MuPDF would otherwise put in
    their place, turned round as a right-to-left line is. No upstream issue found."""
    for parent in [
        e for e in tree(pdf) if e.get("S") not in GROUPS and e.get("K") and "ActualText" not in e
    ]:
        lines = refs(pdf, parent)
        if not lines or not all(is_line(line) for line in lines):
            continue
        marks = []
        for kid in parent["K"]:
            line = pdf.objects[number(kid)] if isinstance(kid, bytes) else None
            if line is None or "S" not in line:
                marks.append(kid)
            else:
                marks += on_its_page(line, parent)
        parent["K"] = pydyf.Array(marks)
        claim(pdf, parent, marks)


def is_line(element: dict) -> bool:
    """Whether an element is a Span of one line's text and nothing else."""
    kids = element.get("K")
    return (
        element.get("S") == "/Span"
        and set(element) <= LINE_KEYS
        and bool(kids)
        and all(isinstance(k, int) for k in kids)
    )


def id_tree(pdf: pydyf.PDF) -> None:
    """List the elements that have an ID (notes, table headers) in the tree's IDTree, where a
    reader finds the element an ID names: WeasyPrint 70 gives IDs and no IDTree (ISO 32000-1
    14.7.2). No upstream issue found."""
    if "StructTreeRoot" not in pdf.catalog:
        return
    named = sorted(  # those the tree holds: a repeated header row's are out of it
        (element["ID"].string, element.reference) for element in tree(pdf) if "ID" in element
    )
    if named:
        names = pydyf.Array(x for name, ref in named for x in (pydyf.String(name), ref))
        root = pdf.objects[number(pdf.catalog["StructTreeRoot"])]
        root["IDTree"] = pydyf.Dictionary({"Names": names})
