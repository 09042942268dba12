"""The checks an author meets in `--check`: each read off the Markdown tree, at its own line."""

import shutil

import pytest
from conftest import ROOT, SAMPLE, run
from helpers import FRONT, write
from hypothesis import given
from hypothesis import strategies as st

from press.checks.page import first_lines
from press.checks.source import Source, images, links, recommendations
from press.config import Config
from press.convert import convert
from press.frontmatter import read
from press.i18n import language
from press.sourcemap import SourceMap

GOOD = (
    FRONT
    + """## Introduction

Text with a [real link](https://example.org/x).

## Recommendations

### To the authorities:

- Do one thing.
"""
)

# A non-programmer's typical mistakes: each is one line at the right line of the right file.
MISTAKES = [
    (GOOD.replace("rating: narrowed", "rating: narowed"), "5", "error", "unknown rating 'narowed'; allowed: closed, repressed, obstructed, narrowed, open", "front.rating"),
    (GOOD.replace("title: A title", "title: A: title: x"), "3", "error", "front matter is not valid YAML: mapping values are not allowed here; a value with ': ' in it needs quotes: title: \"Before: after\"", "front.syntax"),
    (GOOD.replace("Text with", "![A chart](chart.png)\n\nText with"), "10:1", "error", "image chart.png does not exist", "image.missing"),
    (GOOD.replace("Text with", "![](chart.svg)\n\nText with"), "10:1", "error", "image chart.svg has no alt text: say what it shows in ![...]", "image.alt"),
    (GOOD.replace("## Introduction", "## Introduction\n\n#### Too deep"), "10", "warning", "heading level skipped: h2 to h4", "heading.skip"),
    (GOOD.replace("[real link](https://example.org/x)", "[a link](#)"), "10:13", "warning", "placeholder link (#) has no address yet", "link.placeholder"),
    (GOOD.replace("[real link](https://example.org/x)", "[see](#nowhere)"), "10:13", "error", "link to #nowhere, but no heading has that id", "link.anchor"),
    (GOOD.replace("(https://example.org/x)", "(report.pdf)"), "10:13", "warning", "link to 'report.pdf' leads nowhere in a PDF: give its full address, or (#)", "link.nowhere"),
    (GOOD.replace("### To the authorities:\n\n- Do one thing.\n", "Nothing yet.\n"), "12", "error", "recommendations need an audience: '### To …:' and a list", "recommendations.audience"),
    (GOOD.replace("- Do one thing.\n", ""), "14", "error", "this audience has no recommendations: add a '- ' list", "recommendations.empty"),
    (GOOD + "\n## Introduction\n\nAgain.\n", "18", "warning", "repeats the heading of line 8", "heading.repeat"),
    (GOOD.replace("Text with", "Text[^gone] with"), "10:5", "error", "footnote [^gone] has no note: add '[^gone]: …'", "note.undefined"),
    (GOOD + "\n[^lost]: A note nobody calls.\n", "18:1", "warning", "note [^lost] is never called, so it is not printed: call or remove it", "note.unused"),
    (GOOD + "\n## About the CIVICUS Monitor\n\nAgain.\n", "18", "error", "the id 'about-the-civicus-monitor' is also the layout's; rename this heading", "heading.clash"),
    (GOOD.replace("## Introduction", "# Title again\n\n## Introduction"), "8", "warning", "'#' is the cover's title; start sections with '##'", "heading.h1"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "where", "level", "message", "code"), MISTAKES)
def test_check_points_at_the_mistake(tmp_path, text, where, level, message, code):
    shutil.copy(SAMPLE.parent / "chart.svg", tmp_path)
    path = write(tmp_path, text)
    status, stdout, stderr = run(["--check", str(path)])
    assert stderr.splitlines() == [f"{path}:{where}: {level}: {message} [{code}]"]
    assert status == (1 if level == "error" else 0)
    assert f"checked 1: {int(level == 'error')} errors" in stdout and f"({code} 1)" in stdout
    assert not list(tmp_path.glob("*.pdf")) and not (ROOT / "build" / "brief.pdf").exists()


def check_lines(tmp_path, body: str) -> list[str]:
    """`line:col: message [code]` of each problem --check finds in a brief with this body."""
    path = write(tmp_path, FRONT + body)
    return [line.split(":", 1)[1] for line in run(["--check", str(path)])[2].splitlines()]


def test_link_and_image_syntax_in_code_is_not_checked(tmp_path):
    body = (
        "Write links as `[text](#)` or ``![alt](missing.png)``.\n\n"
        "```markdown\n[a placeholder](#)\n\n![](missing.png)\n```\n\n"
        "    [indented code](#)\n    ![](missing.png)\n\n"
        "<!-- [a comment](#) ![](missing.png) -->\n\n"
        "After them, [a real placeholder](#).\n"
    )
    assert check_lines(tmp_path, body) == [
        "21:13: warning: placeholder link (#) has no address yet [link.placeholder]"
    ]


def test_links_are_found_at_their_own_place(tmp_path):
    body = (
        'A [ref][r] and [inline](#), then <a href="#">raw</a>.\n\n'
        "- an item with [a link](#)\n\n"
        "    continued with [another](#)\n\n"
        "A note.[^n] And <someone@example.org>.\n\n"
        "[r]: #\n"
        "[^n]: With [a link in the note](#) and ![](gone.png).\n"
    )
    assert check_lines(tmp_path, body) == [
        "8:3: warning: placeholder link (#) has no address yet [link.placeholder]",
        "8:16: warning: placeholder link (#) has no address yet [link.placeholder]",
        "8:37: warning: placeholder link (#) has no address yet [link.placeholder]",
        "10:16: warning: placeholder link (#) has no address yet [link.placeholder]",
        "12:20: warning: placeholder link (#) has no address yet [link.placeholder]",
        "17:12: warning: placeholder link (#) has no address yet [link.placeholder]",
        "17:40: error: image gone.png has no alt text: say what it shows in ![...] [image.alt]",
        "17:40: error: image gone.png does not exist [image.missing]",
    ]


def test_a_heading_that_clashes_with_the_layout_is_reported_at_its_line(tmp_path):
    body = "## Intro\n\nText.\n\n## Key figures\n\nMore.\n\n## About the CIVICUS Monitor\n\nEnd.\n"
    path = write(
        tmp_path, FRONT.replace("map: false\n", "map: false\nfigures:\n  - {value: 1, label: a}\n")
    )
    path.write_text(path.read_text() + body)
    lines = run(["--check", str(path)])[2].splitlines()
    assert [line.split(":")[1] for line in lines] == ["14", "18"]
    assert all("[heading.clash]" in line for line in lines)


def test_setext_headings_and_headings_in_quotes_are_found(tmp_path):
    body = "Intro\n-----\n\nText.\n\n> #### Deep in a quote\n\nA [link](#).\n"
    assert check_lines(tmp_path, body) == [
        "13: warning: heading level skipped: h2 to h4 [heading.skip]",
        "15:3: warning: placeholder link (#) has no address yet [link.placeholder]",
    ]


def test_recommendations_with_nested_lists_and_later_sections(tmp_path):
    body = (
        "## Recommendations\n\n### To the authorities:\n\n- One.\n    - Detail.\n\n"
        "### To donors:\n\n#### In particular\n\n- Two.\n\n## Annex\n\nText.\n"
    )
    brief = read(write(tmp_path, FRONT + body))
    body = convert(brief, Config(out_dir=tmp_path), language("en"))
    assert recommendations(Source(brief, body, language("en"))) == []


def test_checks_need_only_the_tree(tmp_path):
    """The checks run on what convert returns: no layout, no PDF."""
    brief = read(write(tmp_path, GOOD.replace("(https://example.org/x)", "(#)")))
    body = convert(brief, Config(out_dir=tmp_path), language("en"))
    source = Source(brief, body, language("en"))
    assert [(p.line, p.code) for p in links(source)] == [(10, "link.placeholder")]
    assert images(source) == []


def test_the_scanner_skips_what_is_not_prose():
    source = SourceMap("a\n\n    code [x](#)\n\n```\n[y](#)\n```\n[z](#) `[w](#)`", 5)
    lines = source.text.split("\n")
    assert lines[2].strip() == "" and lines[5].strip() == ""
    assert lines[7] == "[z](#)" + " " * 9
    assert source.first_words() == 5


def test_the_scanner_follows_markdown_where_it_is_unusual(tmp_path):
    body = (
        "##Tight heading with [a link](#)\n\n"  # 8: a heading to Python-Markdown
        "- ## A heading in a list item\n\n"  # 10
        "A [link [with] brackets](#) and [![badge](x.png)](#).\n\n"  # 12
        "A link whose text\n[runs over\ntwo lines](#) here.\n\n"  # 14-16
        "[^1]: A note defined early, with [its link](#).\n\n"  # 18
        "A call.[^1] Then [a body link](#) and `<!--` in code, [after it](#).\n"  # 20
    )
    assert check_lines(tmp_path, body) == [
        "8:22: warning: placeholder link (#) has no address yet [link.placeholder]",
        "12:3: warning: placeholder link (#) has no address yet [link.placeholder]",
        "12:33: warning: placeholder link (#) has no address yet [link.placeholder]",
        "12:34: error: image x.png does not exist [image.missing]",
        "15:1: warning: placeholder link (#) has no address yet [link.placeholder]",
        "18:34: warning: placeholder link (#) has no address yet [link.placeholder]",
        "20:18: warning: placeholder link (#) has no address yet [link.placeholder]",
        "20:55: warning: placeholder link (#) has no address yet [link.placeholder]",
    ]


def test_escaped_characters_in_addresses_are_read_as_written(tmp_path):
    body = "## My_section\n\nSee [it](#my\\_section) and [a file](foo\\_bar.html).\n"
    assert check_lines(tmp_path, body) == [
        "10:28: warning: link to 'foo_bar.html' leads nowhere in a PDF: give its full address, "
        "or (#) [link.nowhere]"
    ]


def test_ids_given_twice_in_raw_html_are_reported_at_their_place(tmp_path):
    body = 'A <span id="x">one</span> and <span id="x">two</span>.\n\n<p id="cover">c</p>\n'
    assert check_lines(tmp_path, body) == [
        "8:9: error: the id 'x' is used more than once on the page; rename it [id.duplicate]",
        "8:37: error: the id 'x' is used more than once on the page; rename it [id.duplicate]",
        "10:4: error: the id 'cover' is used more than once on the page; rename it [id.duplicate]",
    ]


@pytest.mark.parametrize("name", ["a%00b.png", "x" * 300 + ".png"])
def test_an_image_name_no_disk_can_hold_is_an_error(tmp_path, name):
    (line,) = check_lines(tmp_path, f"![A map]({name})\n")
    assert line.startswith(f"8:1: error: image {name} cannot be a file's name") and line.endswith(
        "[image.missing]"
    )


REFERENCE_FORMS = [
    lambda c: c,
    lambda c: c.upper() if len(c.upper()) == 1 else c,  # ß's capitals are "SS": not it
    lambda c: f"&#x{ord(c):x};",
    lambda c: f"&#X{ord(c):04X};",
    lambda c: f"&#{ord(c)};",
]


@given(
    placed=st.lists(
        st.tuples(
            st.sampled_from("☃★éßŊɖ中ж"),
            st.integers(0, len(REFERENCE_FORMS) - 1),
            st.integers(1, 30),
        ),
        max_size=12,
    ),
    named=st.booleans(),
)
def test_a_missing_character_is_found_at_its_first_line_however_written(placed, named):
    """first_lines reads each line once; an oracle reads every form of every character."""
    lines = {n: f"Line {n} " for n in range(1, 31)}
    for char, form, line in placed:
        lines[line] += REFERENCE_FORMS[form](char) + " "
    if named:
        lines[7] += "&starf; "  # ★ by its name
    chars = set("☃★éßŊɖ中ж")
    found = first_lines(chars, sorted(lines.items()))
    for char in chars:
        spelled = [line for c, _, line in placed if c == char]
        if named and char == "★":
            spelled.append(7)
        assert found[char] == min(spelled, default=1)
