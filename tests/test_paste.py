"""A brief pasted from Word (press/paste.py): `--check` names what Word's layout left at its
line, with the Markdown to write; `--fix` writes that into a copy to review."""

import re

from conftest import ROOT, run
from helpers import FRONT, write
from hypothesis import given, settings
from hypothesis import strategies as st

from press import i18n, paste

PASTED = (
    "CIVICUS Monitor Watchlist\n\nAbout the CIVICUS Monitor\n\n"
    "CLOSED REPRESSED OBSTRUCTED NARROWED OPEN\n\n"
    "RIGHTS VIOLATIONS DURING PROTESTS\n\n"
    "In January 2022, protests began in the town of Zhanaozen over a rise in fuel prices.\n\n"
    "**Arrests of protesters**\n\n"
    "The authorities detained thousands of people.\n\n"
    "\t•\tmore than 10,000 people were detained\n"
    "\t•\tat least 227 people were killed\n\n"
    "RECOMMENDATIONS\n\n"
    "1)\tRelease everyone detained for peaceful protest.\n"
    "2)\tInvestigate the use of force.\n"
)  # as a new user pastes from Word, with Word's line ends (CRLF) below


def test_check_names_each_line_word_left_with_what_to_write(tmp_path):
    path = tmp_path / "pasted-2022-03.md"
    path.write_bytes((FRONT + PASTED).replace("\n", "\r\n").encode())
    status, _, stderr = run(["--check", str(path)])
    assert status == 0
    start = FRONT.count("\n") + 1
    said = {
        int(line): (code, message)
        for line, message, code in re.findall(rf"{path}:(\d+): warning: (.*) \[(paste\.[\w-]+)\]", stderr)
        if code != "paste.no-headings"  # at the body's first line, with the line there
    }  # fmt: skip
    assert f"{path}:{start}: warning: no '##' heading" in stderr
    expected = {
        0: "paste.layout", 2: "paste.layout", 4: "paste.layout", 6: "paste.heading",
        10: "paste.heading", 14: "paste.tab-bullet", 15: "paste.tab-bullet", 17: "paste.heading",
        19: "paste.numbered", 20: "paste.numbered",
    }  # fmt: skip
    assert {line - start: code for line, (code, _) in said.items() if line >= start} == expected
    assert "'## Rights violations during protests'" in said[start + 6][1]
    assert "'### Arrests of protesters'" in said[start + 10][1]


def test_fix_writes_a_copy_that_builds_and_leaves_the_brief_alone(tmp_path):
    path = write(tmp_path, FRONT + PASTED)
    before = path.read_bytes()
    out = tmp_path / "out"
    for _ in range(2):  # the second run replaces its own copy
        status, stdout, _ = run(["--fix", "-o", str(out), str(path)])
        assert status == 0 and "7 lines rewritten" in stdout
    assert path.read_bytes() == before
    fixed = out / f"{path.stem}.fixed.md"
    status, _, stderr = run(["--check", str(fixed)])
    assert not re.search(r"paste\.(heading|tab-bullet|numbered|bullet|no-headings)", stderr)
    assert "## Rights violations during protests\n" in fixed.read_text()
    status, _, stderr = run(["--fix", "-o", str(tmp_path), str(path)])
    assert status == 2 and "own folder" in stderr  # a copy beside it would be read as a brief


def test_the_test_briefs_and_the_first_brief_look_pasted_nowhere():
    """No false alarm on briefs written as Markdown, in six languages."""
    briefs = [
        ROOT / "content" / "kazakhstan-2022-03.md",
        *(ROOT / "tests" / "briefs").rglob("*.md"),
    ]
    _, _, stderr = run(["--check", *map(str, briefs)])
    assert len(briefs) > 8 and "paste." not in stderr


WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=10)
SENTENCE = st.lists(WORDS, min_size=3, max_size=12).map(lambda w: " ".join(w).capitalize() + ".")


@settings(max_examples=50, deadline=None)
@given(st.lists(SENTENCE, min_size=1, max_size=6), st.lists(WORDS, min_size=1, max_size=6))
def test_a_line_in_capitals_alone_is_a_heading_and_prose_is_prose(paragraphs, title):
    """Any paragraph of prose is left alone; any short line of capitals standing alone is a
    heading to write with '##', and the fix changes no other line."""
    heading = " ".join(title).upper()
    body = "\n\n".join(["## Introduction", *paragraphs, heading, *paragraphs])
    found = paste.read(body, i18n.language("en"))
    assert [(p.line, p.code) for p in found] == [(3 + 2 * len(paragraphs), "paste.heading")]
    fixed = paste.fixed(body, found).split("\n")
    assert fixed[found[0].line - 1] == "## " + paste.sentence_case(heading)
    assert [a for a, b in zip(body.split("\n"), fixed, strict=True) if a != b] == [heading]
