"""`--import`: a Word file (.docx) into a brief. Pandoc reads it into its document tree; here its
tracked changes are accepted and counted, its comments listed, its headings found by style and by
look, the layout's own text (the cover, About, the scale) left out; pandoc writes the Markdown.
Pandoc is the `import` dependency group's (`make import`): `make pdf` never needs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import yaml
from markdown.extensions.toc import slugify_unicode

from . import paste, scaffold
from .filetypes import is_svg, raster_type
from .frontmatter import split, validate
from .i18n import Language
from .outputs import temporary
from .problems import BriefError, SetupError

# What the press reads: notes, pipe tables, and HTML for a table pipes cannot hold (cells of
# several paragraphs, merged cells); the sanitizer keeps only a table's own tags.
WRITER = "markdown_strict+footnotes+pipe_tables+raw_html"
SECONDS = 120  # a Word file pandoc cannot read in two minutes is not a brief
HEAP = "1G"  # nor one it cannot read in a gigabyte (a zip bomb: pandoc stops, says so)
UNWRAPPED = {"Span", "Underline", "SmallCaps", "Strikeout"}  # the brief's own styles set these
BREAKS = {"Space", "SoftBreak", "LineBreak"}
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_PART = 16 * 2**20


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
    comments: int = 0


def pandoc() -> str:
    """Pandoc's program, as the `import` group installs it."""
    try:
        import pypandoc
    except ImportError:
        raise SetupError(
            "--import reads Word files with pandoc: run `make import …`, or install the "
            "import group (pip install --group import)"
        ) from None
    return pypandoc.get_pandoc_path()


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
    """The tree with tracked changes accepted, comments taken out into marks, pictures without
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
            if "comment-start" in classes:  # its words are the comment's
                marks.comments += 1
                continue
            marks.changes += "insertion" in classes
            kept += accepted(inlines if "comment-end" not in classes else [], marks)
        elif kind in UNWRAPPED:
            kept += accepted(item["c"], marks)
        elif kind == "Image":
            _, alt, target = item["c"]
            kept.append({"t": "Image", "c": [["", [], []], accepted(alt, marks), target]})
        elif kind == "Figure":
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
        for image in pictures(inner, []):
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
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        return []
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
    if paste.CAPS_RE.match(text):
        return "caps"
    return None


def heading(level: int, text: str) -> dict:
    """A heading block of plain words."""
    words = []
    for word in text.split():
        words += [{"t": "Space"}, {"t": "Str", "c": word}]
    return {"t": "Header", "c": [level, ["", [], []], words[1:]]}


def headings(blocks: list[dict]) -> tuple[list[dict], int]:
    """The blocks with headings by look made headings, every level moved so that the top is `##`
    and capitals in sentence case; how many were found by look."""
    styled = [b["c"][0] for b in blocks if b["t"] == "Header"]
    looks = [look(b) for b in blocks]
    top = min(styled, default=2)
    caps = 2 if styled or "caps" in looks else None
    levels = {"caps": 2, "bold": 3 if caps else 2}
    shaped = []
    for block, seen in zip(blocks, looks, strict=True):
        if block["t"] == "Header":
            level, attributes, inlines = block["c"]
            text = plain(inlines).strip()
            block = {"t": "Header", "c": [min(level - top + 2, 6), attributes, inlines]}
            if text and not any(c.islower() for c in text):
                block = heading(block["c"][0], paste.sentence_case(text))
        elif seen:
            text = plain(block["c"]).strip().rstrip(":")
            block = heading(levels[seen], paste.sentence_case(text) if seen == "caps" else text)
        shaped.append(block)
    return shaped, sum(bool(seen) for seen in looks)


def anchors(blocks: list[dict]) -> tuple[list[dict], int]:
    """The blocks with a link to a heading led to the heading's id as the press makes it, and a
    link to any other place in the file (a Word bookmark) made a placeholder, `(#)`, which
    `--check` lists; how many were."""
    ids = {}
    for block in blocks:
        if block["t"] == "Header" and block["c"][1][0]:
            ids[block["c"][1][0]] = slugify_unicode(plain(block["c"][2]), "-") or "section"
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
            if key in numbers:
                shared += 1
                return {"t": "RawInline", "c": ["markdown", f"[^{numbers[key]}]"]}
            numbers[key] = len(numbers) + 1  # pandoc numbers the notes it writes from 1
        return {key: share(value) for key, value in node.items()}

    return share(blocks), shared


def title_of(document: dict, blocks: list[dict]) -> tuple[str | None, list[dict]]:
    """The brief's title: Word's Title style, or a first heading no other heading is level with
    (then taken out of the body)."""
    title = document["meta"].get("title", {})
    if title.get("t") == "MetaInlines":
        return plain(title["c"]).strip() or None, blocks
    headers = [b for b in blocks if b["t"] == "Header"]
    if headers and blocks[0] is headers[0] and len(headers) > 1:
        level = headers[0]["c"][0]
        if all(h["c"][0] > level for h in headers[1:]):
            return plain(headers[0]["c"][2]).strip(), blocks[1:]
    return None, blocks


def layout_left_out(blocks: list[dict], language: Language, cover: set[str]) -> tuple[list, int]:
    """The blocks without what the layout prints itself: a line of its words (the cover, the
    scale), an About section, and before the first heading the country, title and date."""
    layout = {paste.plain(language.gettext(w)) for w in paste.LAYOUT}
    layout |= {paste.plain(w) for w in paste.LAYOUT}
    kept, dropped, skipping, before = [], 0, None, True
    for block in blocks:
        text = words_of(block)
        level = block["c"][0] if block["t"] == "Header" else None
        if level is not None:
            before = False
            if skipping is not None and level <= skipping:
                skipping = None
        pasted = paste.rules(1, text.strip(), True, False, layout) if text.strip() else []
        if level is not None and pasted and pasted[0].code == "paste.layout":
            skipping = level  # the About text: its heading and what follows it
        layout_line = pasted and pasted[0].code == "paste.layout"
        if skipping is not None or layout_line or (before and paste.plain(text) in cover):
            dropped += 1
        elif bare(block):
            continue  # an empty paragraph, Word's spacing
        else:
            kept.append(block)
    return kept, dropped


def words_of(block: dict) -> str:
    """A heading's or paragraph's text; '' for any other block."""
    if block["t"] == "Header":
        return plain(block["c"][2])
    return plain(block["c"]) if block["t"] in ("Para", "Plain") else ""


def bare(block: dict) -> bool:
    """Whether a paragraph is empty: no words, no picture, no note (Word's spacing)."""
    return block["t"] in ("Para", "Plain") and not plain(block["c"]).strip() and not holds(block)


def holds(node) -> bool:
    """Whether a part of the tree holds a picture or a note's call."""
    if isinstance(node, dict):
        kinds = ("Image", "Note", "RawInline")  # a note called again is a raw call
        return node.get("t") in kinds or any(holds(v) for v in node.values())
    return isinstance(node, list) and any(holds(item) for item in node)


def pictures(node, found: list[dict]) -> list[dict]:
    """Every picture in a part of the tree, in reading order."""
    if isinstance(node, dict):
        if node.get("t") == "Image":
            found.append(node)
        for value in node.values():
            pictures(value, found)
    elif isinstance(node, list):
        for item in node:
            pictures(item, found)
    return found


def import_docx(
    source: Path, country: str, date: str, rating: str, language: Language, folder: Path
) -> Imported:
    """Write the Word file as a brief into folder, its pictures beside it; never overwrite."""
    date = date.strip()
    name = scaffold.file_name(folder, country, date)
    stem = name.removesuffix(".md")
    if not source.is_file():
        raise BriefError(source, 1, "import.read", "no such file")
    with tempfile.TemporaryDirectory(prefix="press-import-") as media:
        marks = Marks()
        document = read_docx(source, Path(media))
        blocks = accepted(document["blocks"], marks)
        title, blocks = title_of(document, blocks)
        cover = {paste.plain(w) for w in (country, title or "", date) if w}
        blocks, dropped = layout_left_out(blocks, language, cover)
        blocks, by_look = headings(blocks)
        blocks, unlinked = anchors(blocks)
        blocks, _ = shared_notes(blocks)
        files, left = picture_files(pictures(blocks, []), Path(media), stem)
        blocks = [block for block in blocks if not bare(block)]
        body = write_markdown(source, {**document, "blocks": blocks})
        text = front(country, title, date, rating, language) + "\n" + body
        validate(folder, split(folder, text)[0])
        written = write(folder / name, text, files)
    report = [f"{source.name}: {what}" for what in summary(body, by_look, dropped)]
    if marks.changes:
        report.append(f"{source.name}: warning: {marks.changes} tracked changes accepted: read "
                      "the brief against Word's final text [import.changes]")  # fmt: skip
    for author, words in comments(source):
        report.append(f"{source.name}: warning: comment{' by ' + author if author else ''}, "
                      f"not printed: {words} [import.comment]")  # fmt: skip
    if unlinked:
        report.append(f"{source.name}: warning: {unlinked} links to a place in Word that is not "
                      "a heading (a bookmark) made placeholders, (#): --check lists them "
                      "[import.link]")  # fmt: skip
    for what in left:
        report.append(f"{source.name}: warning: {what} [import.picture]")
    return Imported(folder / name, written, report)


def summary(body: str, by_look: int, dropped: int) -> list[str]:
    """What was carried across, in counts, and what was left out."""
    import re

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
    if dropped:
        lines.append(f"note: {dropped} paragraphs left out: the cover, About text or rating "
                     "scale, which the layout prints itself")  # fmt: skip
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
        suffix = path.suffix.lower()
        kind = "svg" if is_svg(data) else safe_type(path.name, data)
        if not kind:
            left.append(f"picture {number} ({path.name}) is not a PNG, JPEG, GIF, WebP or SVG "
                        "the press can print: left out; save it as PNG and add it")  # fmt: skip
            image.update({"t": "Str", "c": ""})  # its paragraph, if that is all, dropped
            continue
        name = f"{stem}-{number}{suffix if suffix != '.jpeg' else '.jpg'}"
        files[name] = data
        image["c"][2] = [name, image["c"][2][1]]
    return files, left


def safe_type(name: str, data: bytes) -> str | None:
    """A raster picture's type, or None for what is none (or too large to decode)."""
    try:
        return raster_type(name, data)
    except ValueError:
        return None


def front(country: str, title: str | None, date: str, rating: str, language: Language) -> str:
    """The new brief's front matter, as `--new` writes it."""
    _ = language.gettext
    meta = {"country": country, "title": title or _("Overview of recent restrictions to civic "
            "freedoms"), "date": date, "rating": rating}  # fmt: skip
    if language.tag != "en":
        meta["lang"] = language.tag
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000) + "---\n"


def write(path: Path, text: str, files: dict[str, bytes]) -> list[Path]:
    """The brief and its pictures, each in place whole and never over another file; none of them
    when one cannot be."""
    folder = path.parent
    targets = [folder / name for name in files] + [path]
    if taken := next((t for t in targets if t.exists()), None):
        raise BriefError(taken, 1, "file.exists", "already exists; not overwritten")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BriefError(folder, 1, "file.folder", f"cannot write here: {error}") from None
    done: list[Path] = []
    try:
        for target, data in [*((folder / n, d) for n, d in files.items()), (path, text.encode())]:
            staged = temporary(folder)
            try:
                staged.write_bytes(data)
                os.link(staged, target)
            finally:
                staged.unlink(missing_ok=True)
            done.append(target)
    except FileExistsError as error:
        for target in done:
            target.unlink(missing_ok=True)
        raise BriefError(Path(error.filename or path), 1, "file.exists", "already exists; "
                         "not overwritten") from None  # fmt: skip
    return done[:-1]
