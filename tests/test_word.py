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
from hypothesis import given
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


def imported(tmp_path: Path, docx: Path, lang: str = "en", *more: str) -> tuple[Path, str, str]:
    """Import a Word file into tmp_path/content; the brief's path, stdout and stderr."""
    content = tmp_path / "content"
    argv = ["--import", str(docx), "--country", "Serbia", "--date", "2025-12",
            "--rating", "repressed", "--lang", lang, "--content", str(content), *more]  # fmt: skip
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


def test_the_layouts_own_text_is_left_out(pasted):
    brief, stdout, _ = pasted
    body = read(brief).markdown
    for words_ in ("WATCHLIST", "Obstructed", "About the CIVICUS", "rates civic space"):
        assert words_ not in body
    assert "\nSerbia\n" not in body
    assert "paragraphs left out" in stdout


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
    argv = [
        "--country",
        "Serbia",
        "--date",
        "2025-12",
        "--rating",
        "open",
        "--content",
        str(content),
    ]
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
    argv = [
        "--country",
        "Serbia",
        "--date",
        "2025-12",
        "--rating",
        "open",
        "--content",
        str(tmp_path / "c"),
    ]
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
    argv = [
        "--country",
        "Serbia",
        "--date",
        "2025-12",
        "--rating",
        "open",
        "--content",
        str(tmp_path / "c"),
    ]
    status, _, stderr = run(["--import", str(bomb), *argv])
    assert (
        status == 1
        and stderr == f"{bomb}:1: error: too large to read in 1GB of memory [import.size]\n"
    )
    assert not (tmp_path / "c").exists()


def test_without_pandoc_the_import_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "pypandoc", None)
    argv = ["--import", str(tmp_path / "x.docx"), "--country", "Serbia", "--date", "2025-12",
            "--rating", "open", "--content", str(tmp_path)]  # fmt: skip
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


@given(levels)
def test_heading_levels_start_at_two_and_keep_their_steps(given_levels):
    blocks = [word.heading(level, f"Heading {i}") for i, level in enumerate(given_levels)]
    shaped, _ = word.headings(blocks)
    after = [block["c"][0] for block in shaped]
    assert min(after) == 2 and max(after) <= 6
    steps = zip(pairwise(given_levels), pairwise(after), strict=True)
    for (a, b), (c, d) in steps:
        if max(a, b) - min(given_levels) + 2 <= 6:
            assert d - c == b - a
