"""`--import`: a Word file (.docx) into a brief. Pandoc reads it into its document tree; here its
tracked changes are accepted and counted, its comments listed, its headings found by style and by
look, the layout's own text (the cover, About, the scale) left out; pandoc writes the Markdown.
Pandoc is the `import` dependency group's (`make import`): `make pdf` never needs it.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from textwrap import shorten
from xml.etree import ElementTree

from . import paste, scaffold
from .extension import heading_key, section_id
from .filetypes import raster_type
from .frontmatter import HIDDEN_RE, split, validate
from .i18n import Language
from .problems import BriefError, SetupError, display

# What the press reads: notes, pipe tables, and HTML for a table pipes cannot hold (cells of
# several paragraphs, merged cells); the sanitizer keeps only a table's own tags.
WRITER = "markdown_strict+footnotes+pipe_tables+raw_html"
SECONDS = 120  # a Word file pandoc cannot read in two minutes is not a brief
HEAP = "1G"  # nor one it cannot read in a gigabyte (a zip bomb: pandoc stops, says so)
UNWRAPPED = {"Span", "Underline", "SmallCaps", "Strikeout"}  # the brief's own styles set these
BREAKS = {"Space", "SoftBreak", "LineBreak"}
COLON = {"t": "Str", "c": ":"}
ABOUT = "About the CIVICUS Monitor"  # the layout's panel: pasted, its whole section goes
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_PART = 16 * 2**20
SUFFIXES = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
            "image/svg+xml": ".svg"}  # fmt: skip
SVG_START_RE = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
                          rb"(?:<!DOCTYPE[^>]*>\s*)?<svg[\s>]", re.S)  # fmt: skip
FENCE_RE = re.compile(r"^( {0,3})([`~])(?=\2\2)", re.M)


@dataclass
class Imported:
    """What an import wrote, and what it says about it: one line each, `path: level: message`."""

    path: Path
    pictures: list[Path] = field(default_factory=list)
    report: list[str] = field(default_factory=list)


@dataclass
class Marks:
    """What Word's review left in the file: tracked changes accepted, comments taken out."""

    changes: int = 0
    notes_lost: int = 0  # in a caption or the title, which hold no note
    notes_inline: int = 0  # in a table with merged cells, set in brackets
    notes_shared: int = 0  # repeated word for word, one note called again


def pandoc() -> str:
    """Pandoc's program, as the `import` group installs it."""
    try:
        import pypandoc
    except ImportError:
        raise SetupError(
            "--import reads Word files with pandoc: run `make import …`, or install the "
            "import group (pip install --group import)"
        ) from None
    try:
        return pypandoc.get_pandoc_path()
    except (OSError, RuntimeError) as error:  # installed without its program
        raise SetupError(f"--import needs pandoc, which was not found ({error}): run "
                         "`make import …` again") from None  # fmt: skip


def run_pandoc(source: Path, arguments: list[str], given: bytes | None = None) -> bytes:
    """Pandoc's output, in its sandbox (no file but the named ones read or written) and its
    limits; its error an error at the Word file."""
    command = [pandoc(), "+RTS", f"-M{HEAP}", "-RTS", "--sandbox", *arguments]
    try:
        done = subprocess.run(command, input=given, capture_output=True, timeout=SECONDS)
    except subprocess.TimeoutExpired:
        raise BriefError(source, 1, "import.read", f"not read in {SECONDS} s") from None
    if done.returncode:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["unknown error"]
        if "Heap exhausted" in done.stderr.decode("utf-8", "replace"):
            raise BriefError(source, 1, "import.size", f"too large to read in {HEAP}B of memory")
        raise BriefError(source, 1, "import.read", f"not a Word file pandoc can read: {why[-1]}")
    return done.stdout


def read_docx(source: Path, media: Path) -> dict:
    """A Word file as pandoc's document tree, with its tracked changes and comments marked and its
    pictures written into media."""
    arguments = ["--from=docx", "--to=json", "--track-changes=all", f"--extract-media={media}"]
    return json.loads(run_pandoc(source, [*arguments, str(source.resolve())]))


def write_markdown(source: Path, document: dict) -> str:
    """The document tree as the press's Markdown."""
    arguments = ["--from=json", f"--to={WRITER}", "--wrap=none"]
    return run_pandoc(source, arguments, json.dumps(document).encode()).decode("utf-8")


def plain(nodes: list) -> str:
    """The text of some inlines, their styles left aside."""
    words = []
    for node in nodes:
        kind, content = node["t"], node.get("c")
        if kind == "Str":
            words.append(content)
        elif kind in BREAKS:
            words.append(" ")
        elif kind in ("Span", "Link", "Image", "Quoted", "Cite"):
            words.append(plain(content[1]))
        elif kind in ("Code", "Math"):
            words.append(content[1])
        elif kind not in ("Note", "RawInline") and isinstance(content, list):
            words.append(plain(content))
    return "".join(words)


def accepted(node, marks: Marks):
    """The tree with tracked changes accepted and counted, comments taken out, pictures without
    Word's sizes (the page sets them) and the styles the brief's own set unwrapped."""
    if isinstance(node, dict):
        return {key: accepted(value, marks) for key, value in node.items()}
    if not isinstance(node, list):
        return node
    kept = []
    for item in node:
        kind = item.get("t") if isinstance(item, dict) else None
        if kind == "Span":
            (_, classes, _), inlines = item["c"]
            if "deletion" in classes:
                marks.changes += 1
                continue
            if "comment-start" in classes:  # its words are the comment's: comments() lists them
                continue
            marks.changes += "insertion" in classes
            kept += accepted(inlines if "comment-end" not in classes else [], marks)
        elif kind in UNWRAPPED:
            kept += accepted(item["c"], marks)
        elif kind == "Image":
            _, alt, target = item["c"]
            kept.append({"t": "Image", "c": [["", [], []], accepted(alt, marks), target]})
        elif kind == "Figure":
            marks.notes_lost += notes_in(item["c"][1])
            kept += accepted(figure(item), marks)
        else:
            kept.append(accepted(item, marks))
    return kept


def figure(block: dict) -> list[dict]:
    """A captioned picture as the press writes one, `![alt](file "caption")`: the caption as the
    alt text where Word has no description, and as the caption where it says more."""
    _, (_, caption_blocks), content = block["c"]
    caption = " ".join(plain(b["c"]) for b in caption_blocks if b["t"] in ("Para", "Plain"))
    paragraphs = []
    for inner in content:
        for image in of_kind(inner, "Image"):
            _, alt, (address, title) = image["c"]
            alt = alt if plain(alt).strip() else [{"t": "Str", "c": caption.strip()}]
            said = caption.strip() and caption.strip() != plain(alt).strip()
            target = [address, caption.strip() if said else title]
            image = {"t": "Image", "c": [["", [], []], alt, target]}
            paragraphs.append({"t": "Para", "c": [image]})
    return paragraphs


def comments(source: Path) -> list[tuple[str, str]]:
    """Every comment in a Word file, (author, text), read from its comments part: pandoc leaves
    out a comment anchored to no text."""
    try:
        with zipfile.ZipFile(source) as archive:
            part = archive.getinfo("word/comments.xml")
            if part.file_size > MAX_PART:
                return [("", f"comments not read: their part is over {MAX_PART // 2**20} MiB")]
            root = ElementTree.fromstring(archive.read(part))
    except KeyError:
        return []  # no comments
    except (zipfile.BadZipFile, ElementTree.ParseError, OSError, RuntimeError, ValueError,
            NotImplementedError, EOFError, zlib.error):  # fmt: skip
        return [("", "Word's comments could not be read: read them in Word")]
    found = []
    for comment in root.iter(f"{W}comment"):
        paragraphs = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in comment.iter(f"{W}p")]
        found.append((comment.get(f"{W}author", ""), " ".join(filter(None, paragraphs))))
    return found


def look(block: dict) -> str | None:
    """'caps' or 'bold' for a paragraph that reads as a heading: short, alone, in capitals or
    all in bold."""
    if block["t"] not in ("Para", "Plain"):
        return None
    inlines = [node for node in block["c"] if node["t"] not in BREAKS]
    text = plain(block["c"]).strip()
    if not text or len(text) > 80 or len(text.split()) > 12:
        return None
    if len(inlines) == 1 and inlines[0]["t"] == "Strong" and text[-1:] not in ".,;":
        return "bold"
    if paste.in_capitals(text):
        return "caps"
    return None


def sentence_cased(inlines: list, keep: frozenset) -> list:
    """Inlines in capitals in sentence case, their notes, links and emphasis kept: a word with a
    digit or one the text writes in capitals elsewhere (UN, EU) kept as it is."""
    first = True

    def walk(nodes: list) -> list:
        nonlocal first
        out = []
        for node in nodes:
            kind = node["t"]
            if kind == "Str":
                word = paste.cased(node["c"], keep)
                if first and any(c.isalpha() for c in word):
                    at = next(i for i, c in enumerate(word) if c.isalpha())
                    word, first = word[:at] + word[at].upper() + word[at + 1 :], False
                out.append({"t": "Str", "c": word})
            elif kind in ("Emph", "Strong"):
                out.append({"t": kind, "c": walk(node["c"])})
            elif kind == "Link":
                attributes, content, target = node["c"]
                out.append({"t": "Link", "c": [attributes, walk(content), target]})
            else:
                out.append(node)
        return out

    return walk(inlines)


def headings(blocks: list[dict], keep: frozenset) -> tuple[list[dict], int]:
    """The blocks with headings by look made headings, every level moved so that the top is `##`
    and capitals in sentence case, what a heading holds kept; how many were found by look."""
    styled = [b["c"][0] for b in blocks if b["t"] == "Header"]
    looks = [look(b) for b in blocks]
    top = min(styled, default=2)
    levels = {"caps": 2, "bold": 3 if styled or "caps" in looks else 2}
    shaped = []
    for block, seen in zip(blocks, looks, strict=True):
        if block["t"] == "Header":
            level, attributes, inlines = block["c"]
            level = min(level - top + 2, 6)
        elif seen:
            level, attributes, inlines = levels[seen], ["", [], []], block["c"]
            if seen == "bold":
                inlines = next(n for n in inlines if n["t"] == "Strong")["c"]
            while inlines and (inlines[-1]["t"] in BREAKS or inlines[-1] == COLON):
                inlines = inlines[:-1]
        else:
            shaped.append(block)
            continue
        if paste.in_capitals(plain(inlines)):
            inlines = sentence_cased(inlines, keep)
        if plain(inlines).strip() or holds(inlines):  # Word's empty heading paragraphs go
            shaped.append({"t": "Header", "c": [level, attributes, inlines]})
    return shaped, sum(bool(seen) for seen in looks)


def anchors(blocks: list[dict], recommendations: set[str]) -> tuple[list[dict], int]:
    """The blocks with a link to a heading led to its section's id as the press makes it (a
    `###` to the `##` it is under), and a link to any other place in the file (a Word bookmark)
    made a placeholder, `(#)`, which `--check` lists; how many were."""
    ids, taken, counts, section = {}, set(), {}, ""
    for block in blocks:
        if block["t"] == "Header":
            level, (name, _, _), inlines = block["c"]
            if level == 2:
                section = section_id(plain(inlines).strip(), recommendations, taken, counts)
            if name and section:
                ids[name] = section
    unlinked = 0

    def relink(node):
        nonlocal unlinked
        if isinstance(node, dict):
            return {key: relink(value) for key, value in node.items()}
        if not isinstance(node, list):
            return node
        kept = []
        for item in node:
            if isinstance(item, dict) and item.get("t") == "Link":
                attributes, inlines, (address, title) = item["c"]
                if address.startswith("#"):
                    unlinked += address[1:] not in ids
                    target = ["#" + ids.get(address[1:], ""), title]
                    item = {"t": "Link", "c": [attributes, inlines, target]}
            kept.append(relink(item))
        return kept

    return relink(blocks), unlinked


def shared_notes(blocks: list[dict]) -> tuple[list[dict], int]:
    """The blocks with a note that repeats an earlier one word for word called by the earlier's
    number (Word has no note called twice; a brief's Markdown has); how many were."""
    numbers: dict[str, int] = {}
    shared = 0

    def share(node):
        nonlocal shared
        if isinstance(node, list):
            return [share(item) for item in node]
        if not isinstance(node, dict):
            return node
        if node.get("t") == "Note":
            key = json.dumps(node["c"], sort_keys=True)
            if key in numbers and len(plain_blocks(node["c"])) >= 40:  # not "Ibid."
                shared += 1
                return {"t": "RawInline", "c": ["markdown", f"[^{numbers[key]}]"]}
            numbers[key] = len(numbers) + 1  # pandoc numbers the notes it writes from 1
        return {key: share(value) for key, value in node.items()}

    return share(blocks), shared


def title_of(meta: dict, blocks: list[dict]) -> tuple[list | None, list[dict]]:
    """The brief's title, as inlines: Word's Title style, or a first heading no other heading
    is level with (then taken out of the body)."""
    title = meta.get("title", {})
    if title.get("t") == "MetaInlines":
        return title["c"], blocks
    headers = [b for b in blocks if b["t"] == "Header"]
    if headers and blocks[0] is headers[0] and len(headers) > 1:
        level = headers[0]["c"][0]
        if all(h["c"][0] > level for h in headers[1:]):
            return headers[0]["c"][2], blocks[1:]
    return None, blocks


def plain_blocks(blocks: list) -> str:
    """The text of some blocks (a note's), one space between them."""
    return " ".join(words_of(b) for b in blocks).strip()


def nodes(tree) -> Iterator[dict]:
    """Every node of a part of pandoc's tree, in reading order."""
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from nodes(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from nodes(item)


def of_kind(tree, *kinds: str) -> list[dict]:
    """The nodes of some kinds in a part of the tree, in reading order."""
    return [node for node in nodes(tree) if node.get("t") in kinds]


def notes_in(tree) -> int:
    """How many notes a part of the tree holds."""
    return len(of_kind(tree, "Note"))


def layout_left_out(
    blocks: list[dict], language: Language, cover: set[str]
) -> tuple[list, list[str]]:
    """The blocks without what the layout prints itself: a paragraph or heading of its words
    (the cover's, the scale), the About section whole, and before the first heading the
    country, title and date; the words of each left out."""
    layout = paste.layout_words(language)
    about = {paste.plain(w) for w in (ABOUT, language.gettext(ABOUT))}
    kept, dropped, skipping, before = [], [], None, True
    for block in blocks:
        text = words_of(block).strip()
        level = block["c"][0] if block["t"] == "Header" else None
        if level is not None:
            before = False
            if skipping is not None and level <= skipping:
                skipping = None
            if paste.plain(text) in about:
                skipping = level  # the About text: its heading and what follows it
        scale = len(text.split()) > 1 and {paste.plain(w) for w in text.split()} <= layout
        if skipping is not None or (text and paste.is_layout(text, layout)) or scale:
            dropped.append(text or block["t"])
        elif before and text and paste.plain(text) in cover:
            dropped.append(text)
        elif not bare(block):  # an empty paragraph is Word's spacing
            kept.append(block)
    return kept, dropped


def tables(blocks: list[dict], marks: Marks) -> list[dict]:
    """Tables the press's Markdown holds: a cell's paragraphs joined into one, so that it stays
    a pipe table whose notes are notes; in a table with merged cells (HTML, where Markdown
    notes are not read) a note's words set in the cell, in brackets, counted."""

    def cells(table: dict):
        _, _, _, head, bodies, foot = table["c"]
        rows = head[1] + [row for body in bodies for row in body[2] + body[3]] + foot[1]
        for row in rows:
            yield from row[1]

    def walk(node):
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        if node.get("t") != "Table":
            return {key: walk(value) for key, value in node.items()}
        table = json.loads(json.dumps(node))
        for cell in cells(table):
            if len(cell[4]) > 1 or any(b["t"] not in ("Plain", "Para") for b in cell[4]):
                inlines = []
                for block in cell[4]:
                    part = block["c"] if block["t"] in ("Plain", "Para") else as_words(block)
                    inlines += ([{"t": "Space"}] if inlines else []) + part
                cell[4] = [{"t": "Plain", "c": inlines}]
        if any(cell[2] > 1 or cell[3] > 1 for cell in cells(table)):
            table = bracketed_notes(table, marks)
        return table

    return walk(blocks)


def as_words(node) -> list[dict]:
    """A part of the tree that is no paragraph (a list in a cell) as its words."""
    found = []
    for word in words_in(node):
        found += [{"t": "Space"}, {"t": "Str", "c": word}]
    return found[1:]


def words_in(tree) -> list[str]:
    """Every word of a part of the tree, in order."""
    return [node["c"] for node in of_kind(tree, "Str")]


def bracketed_notes(node, marks: Marks):
    """A part of the tree with each note's words set where it is called, in brackets."""
    if isinstance(node, list):
        out = []
        for item in node:
            if isinstance(item, dict) and item.get("t") == "Note":
                marks.notes_inline += 1
                out += [{"t": "Space"}, {"t": "Str", "c": f"[{' '.join(words_in(item['c']))}]"}]
            else:
                out.append(bracketed_notes(item, marks))
        return out
    if isinstance(node, dict):
        return {key: bracketed_notes(value, marks) for key, value in node.items()}
    return node


def words_of(block: dict) -> str:
    """A heading's or paragraph's text; '' for any other block."""
    if block["t"] == "Header":
        return plain(block["c"][2])
    return plain(block["c"]) if block["t"] in ("Para", "Plain") else ""


def bare(block: dict) -> bool:
    """Whether a paragraph is empty: no words, no picture, no note (Word's spacing)."""
    return block["t"] in ("Para", "Plain") and not plain(block["c"]).strip() and not holds(block)


def holds(tree) -> bool:
    """Whether a part of the tree holds a picture or a note's call (a note called again is a
    raw call)."""
    return bool(of_kind(tree, "Image", "Note", "RawInline"))


def import_docx(
    source: Path, country: str, date: str, rating: str, language: Language, folder: Path
) -> Imported:
    """Write the Word file as a brief into folder, its pictures beside it; never overwrite."""
    date = date.strip()
    name = scaffold.file_name(folder, country, date)
    stem, path = name.removesuffix(".md"), folder / name
    if not source.is_file():
        why = "not a file" if source.exists() else "no such file"
        raise BriefError(source, 1, "import.read", why)
    said = comments(source)  # before anything is written: a part that cannot be read says so
    marks = Marks()
    with tempfile.TemporaryDirectory(prefix="press-import-") as media:
        document = read_docx(source, Path(media))
        blocks = accepted(document["blocks"], marks)
        title, blocks = title_of(accepted(document["meta"], marks), blocks)
        marks.notes_lost += notes_in(title or [])
        title_text = " ".join(HIDDEN_RE.sub("", plain(title or [])).split()) or None
        cover = {paste.plain(w) for w in (country, title_text or "", date) if w}
        blocks, dropped = layout_left_out(blocks, language, cover)
        keep = paste.acronyms([words_of(b) for b in blocks if b["t"] != "Header"])
        blocks, by_look = headings(blocks, keep)
        blocks = tables(blocks, marks)
        blocks, marks.notes_shared = shared_notes(blocks)
        names = {"Recommendations", language.gettext("Recommendations")}
        blocks, unlinked = anchors(blocks, {heading_key(n) for n in names})
        files, left = picture_files(of_kind(blocks, "Image"), Path(media), stem)
        blocks = [block for block in blocks if not bare(block)]
        body = unfenced(write_markdown(source, {**document, "blocks": blocks}))
        text = scaffold.front_matter(country, date, rating, language, title_text) + "\n" + body
        validate(source, split(source, text)[0])
        scaffold.create({**{folder / n: data for n, data in files.items()}, path: text.encode()})
    report = [f"{display(source)}: {line}" for line in summary(body, by_look, marks)]
    warnings = [
        *(f"left out, the layout prints it: '{shorten(text, 60, placeholder='…')}' [import.layout]"
          for text in dropped),
        *([f"{marks.changes} tracked changes accepted: read the brief against Word's final "
           "text [import.changes]"] if marks.changes else []),
        *(f"comment{' by ' + author if author else ''}, not printed: {words} [import.comment]"
          for author, words in said),
        *([f"{unlinked} links to a place in Word that is not a heading (a bookmark) made "
           "placeholders, (#): --check lists them [import.link]"] if unlinked else []),
        *([f"{marks.notes_lost} notes in the title or a caption, which hold none, left out: "
           "put them in the text [import.note]"] if marks.notes_lost else []),
        *([f"{marks.notes_inline} notes in a table with merged cells set in brackets where "
           "they are called: Markdown reads no note there [import.note]"]
          if marks.notes_inline else []),
        *(f"{what} [import.picture]" for what in left),
    ]  # fmt: skip
    report += [f"{display(source)}:1: warning: {line}" for line in warnings]
    return Imported(path, [folder / n for n in files], report)


def unfenced(markdown: str) -> str:
    """Markdown with a line of Word's that opens with three backticks or tildes (a separator)
    kept as text: the press reads fenced code, pandoc's strict Markdown does not."""
    return FENCE_RE.sub(lambda m: m[1] + ("&#96;" if m[2] == "`" else "&#126;"), markdown)


def summary(body: str, by_look: int, marks: Marks) -> list[str]:
    """What was carried across, in counts."""
    counts = {
        "headings": len(re.findall(r"^#{2,6} ", body, re.M)),
        "notes": len(re.findall(r"^\[\^[^\]]+\]:", body, re.M)),
        "tables": len(re.findall(r"^\|(?=.*-)[-:| ]+\|$", body, re.M)) + body.count("<table"),
        "pictures": len(re.findall(r"!\[", body)),
        "links": len(re.findall(r"(?<!!)\[[^\]]*\]\(|<https?://", body)),
    }
    lines = [", ".join(f"{n} {what}" for what, n in counts.items())]
    if by_look:
        lines.append(f"note: {by_look} headings found by their look (bold or capitals alone)")
    if marks.notes_shared:
        lines.append(f"note: {marks.notes_shared} notes repeated word for word are one note, "
                     "called again")  # fmt: skip
    return lines


def picture_files(found: list[dict], media: Path, stem: str) -> tuple[dict[str, bytes], list]:
    """Each picture's file, named `<stem>-<n>.<ext>` beside the brief, its address rewritten; a
    picture the press cannot print (EMF, WMF) left out, said why."""
    files, left = {}, []
    for number, image in enumerate(found, 1):
        path = Path(image["c"][2][0])
        try:
            data = path.read_bytes() if path.resolve().is_relative_to(media.resolve()) else b""
        except OSError:
            data = b""
        try:
            kind = "image/svg+xml" if SVG_START_RE.match(data) else raster_type(path.name, data)
        except ValueError as error:  # too many pixels to decode
            kind, why = None, str(error)
        else:
            why = "not a PNG, JPEG, GIF, WebP or SVG the press can print"
        if kind not in SUFFIXES:
            left.append(f"picture {number} ({path.name}): {why}; left out, add it as PNG")
            image.update({"t": "Str", "c": ""})  # its paragraph, if that is all, dropped
            continue
        name = f"{stem}-{number}{SUFFIXES[kind]}"  # the type's, never the file's own name's
        files[name] = data
        image["c"][2] = [name, image["c"][2][1]]
    return files, left
