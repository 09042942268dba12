"""`--import`: a Word file into a brief. The Word files are written here by pandoc's own .docx
writer (Word's heading, footnote and table styles, comments and tracked changes as Word stores
them), from the test briefs or from a paste-like page; docs/word.md measures files made by Word.
"""

import re
import subprocess
import zipfile
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pypandoc
import pytest
from conftest import ROOT, run
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from press import word
from press.config import Config
from press.convert import convert
from press.frontmatter import read
from press.i18n import language

LONG = ROOT / "tests" / "briefs" / "long"
QUOTES = str.maketrans("‘’“”«»", '\'\'""""')


def word_file(folder: Path, markdown: str, name: str = "brief.docx") -> Path:
    """A .docx that pandoc writes from its own Markdown, in folder (pictures read from there)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "source.md").write_text(markdown, encoding="utf-8")
    command = [pypandoc.get_pandoc_path(), "-f", "markdown", "-t", "docx", "-o", name]
    subprocess.run([*command, "source.md"], cwd=folder, check=True)
    return folder / name


def picture_folder(folder: Path) -> Path:
    """A folder holding road.png, a picture to put in a Word file."""
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (1200, 800), (90, 120, 150)).save(folder / "road.png")
    return folder


def as_in_word(brief: Path) -> str:
    """A brief's body as a Word author has it: sections in Heading 1, sub-sections in Heading 2."""
    body = read(brief).markdown
    return re.sub(r"^(#{2,6}) ", lambda m: m[1][1:] + " ", body, flags=re.M)


def structure(brief: Path) -> dict:
    """What an import must carry, read from the brief as the press converts it."""
    meta = read(brief)
    html = convert(meta, Config(out_dir=brief.parent / "out"), language(meta.meta["lang"])).html
    notes = re.findall(
        r'<span class="footnote" id="fn:[^"]*">(.*?)</span><span class="note-ref">', html, re.S
    )
    text = re.sub(r"<[^>]+>", " ", html).translate(QUOTES)
    return {
        "headings": [(int(n), words(t)) for n, t in re.findall(r"<h(\d)[^>]*>(.*?)</h\1>", html)],
        "notes": [words(note) for note in notes],
        "addresses": Counter(re.findall(r'href="(https?://[^"]+)"', html)),
        "cells": [words(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, re.S)],
        "pictures": re.findall(r'<img[^>]*alt="([^"]*)"', html),
        "words": words(text),
    }


def words(html: str) -> list[str]:
    """The words of some HTML, its tags, the note calls and back-links left aside."""
    html = re.sub(
        r'<sup[^>]*class="footnote-ref"[^>]*>.*?</sup>|<a[^>]*footnote-backref.*?</a>', "", html
    )
    text = re.sub(r"<[^>]+>", " ", html).translate(QUOTES)
    return re.findall(r"\w+|[^\w\s]", text)


def serbia(content: Path, rating: str = "open") -> list[str]:
    """The arguments that make an imported brief Serbia's of December 2025, into content."""
    return [
        "--country",
        "Serbia",
        "--date",
        "2025-12",
        "--rating",
        rating,
        "--content",
        str(content),
    ]


def imported(tmp_path: Path, docx: Path, lang: str = "en", *more: str) -> tuple[Path, str, str]:
    """Import a Word file into tmp_path/content; the brief's path, stdout and stderr."""
    content = tmp_path / "content"
    argv = ["--import", str(docx), *serbia(content, "repressed"), "--lang", lang, *more]
    status, stdout, stderr = run(argv)
    assert status == 0, stderr
    return content / "serbia-2025-12.md", stdout, stderr


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_whole_brief_from_word_carries_every_word_note_heading_table_and_address(tmp_path, lang):
    source = LONG / f"{lang}.md"
    docx = word_file(tmp_path / "word", as_in_word(source))
    brief, stdout, _ = imported(tmp_path, docx, lang)
    before, after = structure(source), structure(brief)
    for part in ("headings", "notes", "addresses", "cells", "pictures", "words"):
        assert after[part] == before[part], part
    assert before["notes"] and before["cells"] and before["addresses"]
    defined = len(re.findall(r"^\[\^[^\]]+\]:", read(source).markdown, re.M))
    assert f"{defined} notes" in stdout
    status, _, stderr = run([str(brief), "-o", str(tmp_path / "out")])
    assert status == 0, stderr
    assert "error" not in stderr


PASTED = """\
CIVICUS MONITOR WATCHLIST

Serbia

Obstructed

# INTRODUCTION

Police used tear gas.[^1] [The press was attacked]{.comment-start id="0" author="Ana"}Reporters
were beaten[]{.comment-end id="0"} in Belgrade.

**Detentions in July**

More than [400]{.insertion author="Ana" date="2025-07-01T00:00:00Z"}[300]{.deletion
author="Ana" date="2025-07-01T00:00:00Z"} people were detained.

![Students block a road in Novi Sad](road.png)

![](road.png)

- Students
    - Faculties
- Farmers

| City | Protests |
|------|----------|
| Niš  | 12       |

RECOMMENDATIONS

1. Release everyone detained.

# About the CIVICUS Monitor

The CIVICUS Monitor rates civic space in 198 countries.

[^1]: Amnesty International, [report](https://www.amnesty.org/en/latest/news/).
"""


@pytest.fixture(scope="module")
def pasted(tmp_path_factory):
    """A Word file as an author makes one: headings by look, the cover and About pasted in, a
    comment, tracked changes, pictures (one without a description), a nested list, a table."""
    folder = tmp_path_factory.mktemp("pasted")
    docx = word_file(picture_folder(folder / "word"), PASTED)
    brief, stdout, stderr = imported(folder, docx)
    return brief, stdout, stderr


def test_headings_by_style_and_by_look_in_sentence_case(pasted):
    brief, stdout, _ = pasted
    body = read(brief).markdown
    assert re.findall(r"^#+ .*", body, re.M) == [
        "## Introduction",
        "### Detentions in July",
        "## Recommendations",
    ]
    assert "2 headings found by their look" in stdout


def test_the_layouts_own_text_is_left_out_and_named(pasted):
    brief, _, stderr = pasted
    body = read(brief).markdown
    for words_ in ("WATCHLIST", "Obstructed", "About the CIVICUS", "rates civic space"):
        assert words_ not in body
    assert "\nSerbia\n" not in body
    left = re.findall(r"warning: left out, the layout prints it: '(.*)' \[import.layout\]", stderr)
    assert left == [
        "CIVICUS MONITOR WATCHLIST",
        "Serbia",
        "Obstructed",
        "About the CIVICUS Monitor",
        "The CIVICUS Monitor rates civic space in 198 countries.",
    ]


def test_changes_accepted_and_comments_listed_never_printed(pasted):
    brief, _, stderr = pasted
    body = read(brief).markdown
    assert "More than 400 people" in body and "300" not in body
    assert "The press was attacked" not in body and "Reporters were beaten" in body
    assert "2 tracked changes accepted" in stderr
    assert "comment by Ana, not printed: The press was attacked [import.comment]" in stderr


def test_notes_links_lists_tables_and_pictures_carried(pasted):
    brief, _, _ = pasted
    body = read(brief).markdown
    assert "[^1]: Amnesty International, [report](https://www.amnesty.org/en/latest/news/)." in body
    assert re.search(r"^- Students\n\n? {2,4}- Faculties", body, re.M)
    assert re.search(r"^\| Niš +\| 12 +\|$", body, re.M)
    assert "![Students block a road in Novi Sad](serbia-2025-12-1.png)" in body
    assert (brief.parent / "serbia-2025-12-1.png").is_file()
    assert "![](serbia-2025-12-2.png)" in body  # no description in Word: the author writes one
    status, _, stderr = run([str(brief), "--check"])  # what is left to fill in, and only that
    assert status == 1
    assert re.findall(r"\[([\w.-]+)\]$", stderr, re.M) == ["image.alt", "recommendations.audience"]
    assert "serbia-2025-12-2.png has no alt text" in stderr


def test_an_import_never_overwrites_and_writes_nothing_when_it_cannot(tmp_path):
    folder = picture_folder(tmp_path / "word")
    picture = word_file(folder, "# A\n\n![A road](road.png)\n", "picture.docx")
    docx = word_file(folder, "# A\n\nText.\n")
    content = tmp_path / "content"
    content.mkdir()
    (content / "serbia-2025-12-1.png").write_bytes(b"mine")
    argv = serbia(str(content))
    status, _, stderr = run(["--import", str(picture), *argv])
    assert status == 1 and "serbia-2025-12-1.png:1: error: already exists" in stderr
    assert (content / "serbia-2025-12-1.png").read_bytes() == b"mine"
    assert sorted(p.name for p in content.iterdir()) == ["serbia-2025-12-1.png"]
    assert run(["--import", str(docx), *argv])[0] == 0
    brief = content / "serbia-2025-12.md"
    before = brief.read_bytes()
    status, _, stderr = run(["--import", str(docx), *argv])
    assert status == 1 and "already exists; not overwritten [file.exists]" in stderr
    assert brief.read_bytes() == before


def test_what_is_not_a_word_file_is_an_error_at_it(tmp_path):
    fake = tmp_path / "notes.docx"
    fake.write_text("plain text")
    argv = serbia(str(tmp_path / "c"))
    status, _, stderr = run(["--import", str(fake), *argv])
    assert status == 1 and stderr.startswith(f"{fake}:1: error: not a Word file pandoc can read")
    status, _, stderr = run(["--import", str(tmp_path / "none.docx"), *argv])
    assert status == 1 and "no such file [import.read]" in stderr
    assert not (tmp_path / "c").exists()
    assert run(["--import", str(fake), "--date", "2025-12", "--rating", "open"])[0] == 2


def test_a_word_file_that_unpacks_to_a_flood_is_refused_in_memory(tmp_path):
    """200 KB that unpack to 200 MB of text: pandoc stops at its heap's limit, said at the file."""
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(word_file(tmp_path / "word", "# A\n\nText.\n")) as small:
        parts = {info.filename: small.read(info) for info in small.infolist()}
    flood = b"<w:p><w:r><w:t>" + b"a" * (200 * 2**20) + b"</w:t></w:r></w:p>"
    parts["word/document.xml"] = parts["word/document.xml"].replace(
        b"<w:body>", b"<w:body>" + flood
    )
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    argv = serbia(str(tmp_path / "c"))
    status, _, stderr = run(["--import", str(bomb), *argv])
    assert (
        status == 1
        and stderr == f"{bomb}:1: error: too large to read in 1GB of memory [import.size]\n"
    )
    assert not (tmp_path / "c").exists()


def test_without_pandoc_the_import_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "pypandoc", None)
    argv = ["--import", str(tmp_path / "x.docx"), *serbia(tmp_path)]
    (tmp_path / "x.docx").write_bytes(b"PK")
    status, _, stderr = run(argv)
    assert status == 2 and "make import" in stderr


def test_a_picture_the_press_cannot_print_is_left_out_and_said(tmp_path):
    (tmp_path / "image1.emf").write_bytes(b"\x01\x00\x00\x00" + bytes(80))
    Image.new("RGB", (4, 4)).save(tmp_path / "image2.png")
    found = [{"t": "Image", "c": [["", [], []], [], [str(tmp_path / n), ""]]}
             for n in ("image1.emf", "image2.png")]  # fmt: skip
    files, left = word.picture_files(found, tmp_path, "kenya-2024-05")
    assert list(files) == ["kenya-2024-05-2.png"]
    assert len(left) == 1 and "image1.emf" in left[0]
    assert found[0] == {"t": "Str", "c": ""}


def test_a_picture_outside_pandocs_media_folder_is_never_read(tmp_path):
    secret = tmp_path / "secret.png"
    Image.new("RGB", (4, 4)).save(secret)
    media = tmp_path / "media"
    media.mkdir()
    found = [{"t": "Image", "c": [["", [], []], [], [str(secret), ""]]}]
    files, left = word.picture_files(found, media, "kenya-2024-05")
    assert files == {} and left


levels = st.lists(st.integers(1, 6), min_size=1, max_size=12)


def header(level: int, *inlines: dict) -> dict:
    """A heading block of pandoc's tree."""
    return {"t": "Header", "c": [level, ["", [], []], list(inlines)]}


def words_(text: str) -> list[dict]:
    """Words as pandoc's inlines."""
    found = []
    for each in text.split():
        found += [{"t": "Space"}, {"t": "Str", "c": each}]
    return found[1:]


@given(levels)
def test_heading_levels_start_at_two_and_keep_their_steps(given_levels):
    blocks = [header(level, *words_(f"Heading {i}")) for i, level in enumerate(given_levels)]
    shaped, _ = word.headings(blocks, frozenset())
    after = [block["c"][0] for block in shaped]
    assert min(after) == 2 and max(after) <= 6
    steps = zip(pairwise(given_levels), pairwise(after), strict=True)
    for (a, b), (c, d) in steps:
        if max(a, b) - min(given_levels) + 2 <= 6:
            assert d - c == b - a


NOTE = {"t": "Note", "c": [{"t": "Para", "c": words_("Amnesty International, 2025.")}]}
LINK = {"t": "Link", "c": [["", [], []], words_("ASSEMBLY"), ["https://example.org/", ""]]}


def test_a_heading_in_capitals_keeps_its_note_link_and_acronyms_in_sentence_case():
    inlines = [*words_("FREEDOM OF PEACEFUL"), {"t": "Space"}, LINK, {"t": "Space"}]
    inlines += [*words_("IN THE EU AND UN"), NOTE]
    shaped, _ = word.headings([header(1, *inlines)], frozenset({"EU", "UN"}))
    (heading,) = shaped
    assert word.plain(heading["c"][2]) == "Freedom of peaceful assembly in the EU and UN"
    assert NOTE in heading["c"][2] and any(n["t"] == "Link" for n in heading["c"][2])


@settings(max_examples=60)
@given(
    st.text(alphabet="абвгдежзийклмнопрстуфхцчшщыэюя ", min_size=3, max_size=60),
    st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهوي ", min_size=3, max_size=60),
)
def test_a_short_paragraph_in_a_script_with_small_letters_or_none_is_no_heading(ru, ar):
    for text in (ru.capitalize(), ar):
        if text.strip():
            assert word.look({"t": "Para", "c": words_(text)}) is None
    assert word.look({"t": "Para", "c": words_("СВОБОДА СОБРАНИЙ")}) == "caps"


def test_a_section_that_names_the_watchlist_is_kept_and_about_goes_whole(tmp_path):
    page = (
        "# Why Serbia is on the CIVICUS Monitor Watchlist\n\nIt was added in 2025.[^1]\n\n"
        "## Key figures\n\nA sentence of the author's own.\n\n"
        "# About the CIVICUS Monitor\n\nBoilerplate.\n\n## The ratings\n\nMore boilerplate.\n\n"
        "# Recommendations\n\n- Act.\n\n[^1]: CIVICUS Monitor, 2025.\n"
    )
    brief, _, stderr = imported(tmp_path, word_file(tmp_path / "word", page))
    body = read(brief).markdown
    assert "## Why Serbia is on the CIVICUS Monitor Watchlist" in body
    assert "It was added in 2025.[^1]" in body and "A sentence of the author’s own." in body
    assert "Key figures" not in body and "oilerplate" not in body and "The ratings" not in body
    assert stderr.count("[import.layout]") == 5


def test_notes_in_a_table_of_merged_cells_are_set_in_brackets_and_the_brief_builds(tmp_path):
    page = (
        "# Detentions\n\n"
        "+--------+--------+\n| City   | Count  |\n+========+========+\n"
        "| Both cities[^1]  |\n+--------+--------+\n| Niš    | 12     |\n+--------+--------+\n\n"
        "Text.[^2]\n\n[^1]: Civic Initiatives, monitoring report, 2025.\n\n[^2]: A second note.\n"
    )
    brief, _, stderr = imported(tmp_path, word_file(tmp_path / "word", page))
    body = read(brief).markdown
    assert "[Civic Initiatives, monitoring report, 2025.]" in body and "Text.[^1]" in body
    assert "1 notes in a table with merged cells" in stderr
    status, _, stderr = run([str(brief), "-o", str(tmp_path / "out")])
    assert status == 0, stderr


def test_short_notes_alike_stay_two_and_long_ones_are_one(tmp_path):
    long = "Amnesty International, Serbia: authorities must end unlawful force, July 2025."
    page = f"# A\n\nOne.[^1] Two.[^2] Three.[^3] Four.[^4]\n\n[^1]: {long}\n\n[^2]: Ibid.\n\n[^3]: {long}\n\n[^4]: Ibid.\n"
    brief, stdout, _ = imported(tmp_path, word_file(tmp_path / "word", page))
    body = read(brief).markdown
    assert "One.[^1] Two.[^2] Three.[^1] Four.[^3]" in body
    assert "note: 1 notes repeated word for word are one note" in stdout


def test_links_to_headings_lead_to_the_sections_the_press_names(tmp_path):
    page = (
        "# Contexte\n\nVoir [les recommandations](#recommandations) et [le détail](#un-détail).\n\n"
        "## Un détail\n\nTexte.\n\n# Recommandations\n\n## Aux autorités :\n\n- Agir.\n"
    )
    brief, _, stderr = imported(tmp_path, word_file(tmp_path / "word", page), "fr")
    body = read(brief).markdown
    assert "[les recommandations](#recommendations)" in body
    assert "[le détail](#contexte)" in body  # a `###` is found in its `##` section
    status, _, stderr = run(["--check", str(brief)])
    assert status == 0 and "link." not in stderr


def test_a_line_of_tildes_in_word_is_text_not_code(tmp_path):
    page = "# A\n\nBefore.\n\n&#126;&#126;&#126;\n\nBetween.[^1]\n\n&#126;&#126;&#126;\n\nAfter.\n\n[^1]: A note.\n"
    brief, _, _ = imported(tmp_path, word_file(tmp_path / "word", page))
    status, _, stderr = run([str(brief), "-o", str(tmp_path / "out"), "--html"])
    assert status == 0, stderr
    page = (tmp_path / "out" / "serbia-2025-12.html").read_text("utf-8")
    assert "<pre" not in page and "Between." in page and "~~~" in page


def test_a_picture_is_named_by_its_type_never_by_the_name_in_the_word_file(tmp_path):
    (tmp_path / "rId9.md").write_bytes(b"---\ncountry: Injected\n---\n<!-- <svg> -->\n")
    (tmp_path / "rId8.md").write_bytes(
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'
    )
    found = [
        {"t": "Image", "c": [["", [], []], [], [str(tmp_path / n), ""]]}
        for n in ("rId9.md", "rId8.md")
    ]
    files, left = word.picture_files(found, tmp_path, "kenya-2024-05")
    assert list(files) == ["kenya-2024-05-2.svg"] and "rId9.md" in left[0]


def test_comments_that_cannot_be_read_are_said_not_a_traceback(tmp_path):
    docx = word_file(
        tmp_path / "word",
        '# A\n\n[Note]{.comment-start id="0" author="Ana"}Text[]{.comment-end id="0"}.\n',
    )
    with zipfile.ZipFile(docx) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    raw = bytearray(broken.read_bytes())
    at = raw.index(b"word/comments.xml") + len(b"word/comments.xml")  # the local header's name
    raw[at + 5 : at + 25] = bytes(20)  # its deflated bytes, spoiled
    broken.write_bytes(bytes(raw))
    assert word.comments(broken) == [("", "Word's comments could not be read: read them in Word")]


def test_import_is_alone_on_its_command_line(tmp_path):
    docx = word_file(tmp_path / "word", "# A\n\nText.\n")
    argv = ["--import", str(docx), *serbia(tmp_path / "c")]
    for more in (["--check"], ["--new", "Kenya"], [str(docx)]):
        status, _, stderr = run([*argv, *more])
        assert status == 2 and "usage:" in stderr
    assert not (tmp_path / "c").exists()
