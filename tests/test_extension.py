"""The Markdown transforms, source → HTML, without a layout or a PDF."""

import re
from html import unescape
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from press.config import Config
from press.convert import convert
from press.frontmatter import Brief
from press.i18n import language
from press.problems import BriefError


def converted(markdown: str, folder: Path = Path("/tmp/briefs")) -> str:
    """The body HTML convert makes of some Markdown, for a brief in a folder."""
    brief = Brief(folder / "brief.md", {"recommendations": None}, markdown, 8)
    return convert(brief, Config(out_dir=folder / "out"), language("en")).html


def html(markdown: str, folder: Path = Path("/tmp/briefs")) -> str:
    """The body HTML without the ids that name each block for the tags (tested on their own)."""
    return re.sub(r' id="(?:p|ul|ol|li|blockquote|table):\d+"', "", converted(markdown, folder))


def text(markdown: str) -> str:
    """The body HTML without the list of notes the HTML copy shows after the text."""
    return html(markdown).split('\n<section id="notes">')[0]


SPACE = '<span class="after-call"> </span>'  # the space after a call, where a line may end


def ref(n: int, words: str | None = None) -> str:
    """A note's call: the PDF's link to the note, the note itself at its first call, and the HTML
    copy's link to its copy after the text."""
    note = f'<span class="footnote" id="fn:{n}">{words}</span>' if words is not None else ""
    return (
        f'<span class="note-call">\u2060<a aria-label="Note {n}" href="#fn:{n}">{n}</a></span>{note}'
        f'<span class="note-ref"><a aria-label="Note {n}" href="#note:{n}" id="call:{n}">{n}</a></span>'
    )


def toc(markdown: str) -> list[tuple[str, str]]:
    """The (id, heading) of each section."""
    return convert(
        Brief(Path("/tmp/brief.md"), {"recommendations": None}, markdown, 8),
        Config(),
        language("en"),
    ).toc


def test_each_h2_opens_a_section_with_its_id():
    assert html("Lead.\n\n## First part\n\nA.\n\n### Sub\n\nB.\n\n## Second\n\nC.") == (
        "<p>Lead.</p>\n"
        '<section id="first-part">\n<h2>First part</h2>\n<p>A.</p>\n<h3>Sub</h3>\n<p>B.</p>\n'
        '</section>\n<section id="second">\n<h2>Second</h2>\n<p>C.</p>\n</section>'
    )


def test_repeated_and_odd_headings_get_distinct_ids():
    headings = (
        "## Intro 2\n\n## Intro\n\n## Intro\n\n## Q&amp;A <em>now</em>\n\n## Intro[^1]\n\n[^1]: n"
    )
    assert toc(headings) == [
        ("intro-2", "Intro 2"),
        ("intro", "Intro"),
        ("intro-3", "Intro"),
        ("qa-now", "Q&A now"),
        ("intro-4", "Intro"),
    ]
    assert toc("## Қазақстан\n\nText.") == [("қазақстан", "Қазақстан")]


def test_a_footnote_moves_to_its_call_as_a_page_foot_note():
    assert text("Text.[^a] More.\n\n[^a]: The *note*.") == (
        f"<p>Text.{ref(1, 'The <em>note</em>.')}{SPACE}More.</p>"
    )


def test_the_html_copys_notes_follow_the_text_each_linked_to_and_from_its_call():
    out = html("One.[^a] Two.[^b] Three.[^a]\n\n[^a]: Note *a*.\n[^b]: See [it](https://e.org/b).")
    assert out.split("\n", 1)[1] == (
        '<section id="notes">\n<h2>Notes</h2>\n<ol>\n'
        '<li id="note:1"><a aria-label="Back to note 1 in the text" href="#call:1">1</a><span> Note <em>a</em>.</span></li>\n'
        '<li id="note:2"><a aria-label="Back to note 2 in the text" href="#call:2">2</a><span> See <a href="https://e.org/b">it</a>.</span>'
        "</li>\n</ol>\n</section>"
    )
    assert ref(1, "Note <em>a</em>.") in out  # call, note and the way to its copy
    assert (
        '<a aria-label="Note 2" href="#fn:2">2</a>' in out
        and '<a aria-label="Note 2" href="#note:2" id="call:2">2</a>' in out
    )
    assert "<section" not in html("No notes.")


def test_the_print_copy_gets_each_address_once():
    out = text("[a](https://e.org/a), <https://e.org/b>, [e.org/c](https://e.org/c/)[^n]\n\n"
               "[^n]: In a [note](https://e.org/n).")  # fmt: skip
    source = '<span class="source" id="src:1"><a href="https://e.org/a">https://e.org/a</a></span>'
    source += '<span class="source-call"><a href="#src:1">a</a></span>'
    assert out.count('class="source"') == 1 and source in out
    address = '<span class="address"> (<a href="https://e.org/n">https://e.org/n</a>)</span>'
    assert f'<a href="https://e.org/n">note</a>{address}' in out


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Last word [^a]", f"<p>Last word{ref(1, 'N')}</p>"),
        # After an element nothing moves: no line breaks between the two, a long phrase still may.
        ("*Emphasis*[^a] then", f"<p><em>Emphasis</em>{ref(1, 'N')}{SPACE}then</p>"),
        ("Say *so* [^a]", f"<p>Say <em>so</em>{ref(1, 'N')}</p>"),
        # A call in a link's text: after the link, whose words stay as they were.
        ("[the report[^a]](https://e.org/r) ends", '<p><a href="https://e.org/r">the report</a>'
         '<span class="source" id="src:1"><a href="https://e.org/r">https://e.org/r</a></span>'
         f'<span class="source-call"><a href="#src:1">a</a></span>{ref(1, "N")}{SPACE}ends</p>'),
        # After raw inline HTML: nothing of it moves.
        ("Raw <b>bold words</b>[^a] here", f"<p>Raw <b>bold words</b>{ref(1, 'N')}{SPACE}here</p>"),
    ],
)  # fmt: skip
def test_a_call_is_held_to_the_word_before_it(source, expected):
    assert text(f"{source}\n\n[^a]: N") == expected


def test_a_note_with_a_list_or_notes_of_its_own_becomes_one_line():
    body = "A.[^1] B.[^2]\n\n[^1]: See also[^3]\n[^2]: - one\n    - two\n[^3]: the inner note."
    assert text(body) == (
        f"<p>A.{ref(1, 'See also<span> (the inner note.)</span>')}{SPACE}B.{ref(2, 'one two')}</p>"
    )


def test_links_that_lead_nowhere_are_their_text():
    body = (
        'A [placeholder](#), an [*emphatic* one](# "t"), a [ref][r], [a path](<a b.md>), '
        "a [real one](https://example.org/x), an [anchor](#intro), <someone@example.org>, "
        'and <a href="../x">raw</a>.\n\n[r]: #'
    )
    out = html(body)
    assert out.startswith(
        "<p>A placeholder, an <em>emphatic</em> one, a ref, a path, a "
        '<a href="https://example.org/x">real one</a><span class="source" id="src:1">'
        '<a href="https://example.org/x">https://example.org/x</a></span>'
        '<span class="source-call"><a href="#src:1">a</a></span>, an <a href="#intro">'
        'anchor</a>, <a href="'
    )
    assert out.endswith("</a>, and raw.</p>")
    assert '<a href="mailto:someone@example.org">' in unescape(out)


def test_a_titled_image_alone_in_its_paragraph_is_a_figure(tmp_path):
    (tmp_path / "chart.svg").write_text("<svg/>")
    assert html(
        '![A chart](chart.svg "Organisations by year")\n\nInline ![dot](chart.svg)', tmp_path
    ) == (
        '<figure><img alt="A chart" src="../chart.svg"><figcaption>Organisations by year'
        '</figcaption>\n</figure>\n<p>Inline <img alt="dot" src="../chart.svg"></p>'
    )


def test_raw_html_keeps_only_the_allow_list():
    out = html(
        '<script>x()</script><p onclick="x" style="color: red">ok</p>\n\n'
        '<table><tr><td colspan="1000000">wide</td></tr></table>\n\n'
        'Kept: <abbr title="Non-governmental organisation">NGO</abbr>, H<sub>2</sub>O.'
    )
    assert "<script" not in out and "onclick" not in out and "style=" not in out
    assert 'colspan="1"' in out and '<abbr title="Non-governmental organisation">NGO</abbr>' in out


def test_absurd_nesting_is_refused_before_layout():
    with pytest.raises(BriefError) as error:
        html("> " * 60 + "deep")
    assert error.value.problem.code == "limit.depth" and error.value.problem.line == 8


@pytest.mark.parametrize(
    "heading", ["Recommendations", "RECOMMENDATIONS:", "Recommendations to the authorities"]
)
def test_the_recommendations_section_is_found_however_its_heading_reads(heading):
    assert (
        toc(f"## Intro\n\nText.\n\n## {heading}\n\n### To all:\n\n- One.\n")[1][0]
        == "recommendations"
    )
    assert toc(f"## Not {heading.lower()}\n\nText.\n")[0][0] != "recommendations"


def test_recommendations_are_ordered_lists_and_other_lists_stay_as_written():
    out = html("## Intro\n\n- a\n\n## Recommendations\n\n### To all:\n\n- One\n- Two\n\n"
               "### To some:\n\n- Three\n    - nested\n")  # fmt: skip
    intro, recommendations = out.split('<section id="recommendations">')
    assert "<ul>" in intro and "<ol>" not in intro
    assert recommendations.count("<ol>") == 2 and recommendations.count("<ul>") == 1  # nested


def test_a_note_called_again_keeps_its_number_and_is_printed_once():
    out = text(
        "One.[^a] Two.[^b] Three.[^a]\n\n[^a]: The *same* note, [a link](https://e.org/n).\n[^b]: B."
    )
    assert out.count('">The <em>same</em> note') == 1
    assert out.count('class="footnote"') == 2  # a and b, once each
    assert re.findall(r'class="note-call">\u2060<a aria-label="[^"]*" href="#fn:(\d+)"', out) == [
        "1",
        "2",
        "1",
    ]
    assert re.findall(r'id="(call:[\d-]+)"', out) == ["call:1", "call:2", "call:1-2"]


def test_calls_side_by_side_are_told_apart():
    out = text("Both.[^a][^b] Apart.[^c] Then [^a]\n\n[^a]: A.\n[^b]: B.\n[^c]: C.")
    assert out.count('class="note-call follows"') == 1
    assert out.index('class="note-call follows"') > out.index('href="#fn:1"')


def test_the_lines_text_has_its_spaces_collapsed_as_css_would():
    """The stylesheet keeps spaces (pre-wrap) so a line's last one stays in the tagged text."""
    assert text("A line\nbroken  in the source,\tand   spaced.") == (
        "<p>A line broken in the source, and spaced.</p>"
    )
    loose = text("- One\n\n    > Quoted\n    > on two lines\n\n    Then\n    more.\n")
    assert loose == (  # no space left between blocks, where it would make a line of its own
        "<ul>\n<li><p>One</p><blockquote><p>Quoted on two lines</p></blockquote>"
        "<p>Then more.</p></li>\n</ul>"
    )
    assert (
        text("```\nkeep   this\n  as is\n```") == "<pre><code>keep   this\n  as is\n</code></pre>"
    )
    assert text('Raw <span lang="kk">екі\nжол</span> too.') == (
        '<p>Raw <span lang="kk">екі жол</span> too.</p>'
    )


def test_each_block_a_page_break_may_split_is_named():
    assert converted("A.\n\n- b\n- c\n\n> d") == (
        '<p id="p:1">A.</p>\n<ul id="ul:1">\n<li id="li:1">b</li>\n<li id="li:2">c</li>\n'
        '</ul>\n<blockquote id="blockquote:1">\n<p id="p:2">d</p>\n</blockquote>'
    )
    assert converted('<p id="mine">Kept.</p>').startswith('<p id="mine">')


def test_calls_and_source_notes_are_numbered_in_reading_order():
    out = text("Some *emphasis with a call[^a]* and a plain call[^b], *the [first](https://e.org/1)*"
               " and [the second](https://e.org/2).\n\n[^a]: A.\n[^b]: B.")  # fmt: skip
    assert out.index('id="fn:1">A.') < out.index('id="fn:2">B.')
    assert out.index('href="#src:1">a<') < out.index('href="#src:2">b<')
    assert out.index('https://e.org/1</a></span><span class="source-call"><a href="#src:1">') > 0


def test_spaces_collapse_across_elements_breaks_and_raw_html_and_code_stays():
    assert text("Line one  \nline two") == "<p>Line one<br>\nline two</p>".replace("\n", "")
    assert text("A[^1] B.\n\n[^1]: Calls [^2].\n[^2]: Inner.").count("  ") == 0
    assert text("- item:\n\n        def f():\n            return 1\n") == (
        "<ul>\n<li>item:<pre><code>def f():\n    return 1\n</code></pre></li>\n</ul>"
    )
    assert text("<table>\n  <tr>\n    <td>\n      Group one\n    </td>\n  </tr>\n</table>") == (
        "<table><tbody><tr><td>Group one</td></tr></tbody></table>"
    )


def converted_in(lang: str, markdown: str) -> str:
    """The body HTML of some Markdown in a brief of another language."""
    brief = Brief(Path("/tmp/briefs/brief.md"), {"recommendations": None}, markdown, 8)
    return convert(brief, Config(out_dir=Path("/tmp/out")), language(lang)).html


def test_straight_quotes_become_the_languages_and_french_spaces_are_kept_together():
    fr = converted_in("fr", 'Il dit : "non" ; pourquoi ? « Liberté » et «égalité» ! 6 % de 10 000.')
    assert fr.startswith(
        '<p id="p:1">Il dit&nbsp;: «\u202fnon\u202f»\u202f; pourquoi\u202f? «\u202fLiberté\u202f» '
        "et «\u202fégalité\u202f»\u202f! 6\u202f% de 10\u202f000.</p>"
    )
    assert "«об НКО»" in converted_in("ru", 'Закон "об НКО"')
    assert "“no”, it’s 4\u202f353" in converted_in("en", '"no", it\'s 4 353')
    assert '`a "b"`' not in converted_in("en", '`a "b"`') and '"b"' in converted_in("en", '`a "b"`')


def test_a_latin_name_before_a_call_is_isolated_whole_in_a_right_to_left_brief():
    out = converted_in("ar", "وفقًا لمنظمة Human Rights Watch[^a] بعد.\n\n[^a]: مصدر.")
    assert '<span class="run" dir="ltr">Human Rights Watch</span><span class="note-call">' in out


def test_latin_in_right_to_left_text_keeps_its_order_across_lines():
    """Short runs kept on one line, long addresses a line of their own, links isolated inside:
    WeasyPrint 70 orders each line apart ("117 (Decree" read "Decree) 117")."""
    out = converted_in(
        "ar",
        "المرسوم عدد 117 (Decree 117) في [تقرير](https://e.org/r)، انظر "
        "[https://www.example.org/a/long/address/of/a/report](https://www.example.org/a/long/address/of/a/report).",
    )
    assert '<span class="run" dir="ltr">117 (Decree 117)</span>' in out
    assert (
        '<span class="url"><a href="https://www.example.org/a/long/address/of/a/report">\u2066'
        in out
    )
    assert "</span>\u2069</a>.</span>" in out  # the full stop on the address's line
    assert '<a href="https://e.org/r">تقرير</a>' in out  # Arabic words: no isolate


def test_escaped_characters_keep_their_figures_in_a_right_to_left_brief():
    """Python-Markdown holds `\\*` as a placeholder of its code point (42): isolated as Latin,
    "5\\*" printed "542" and "2022\\." "202246"."""
    out = converted_in("ar", "العدد 5\\* في عام 2022\\. و \\[ملاحظة\\] نص")
    assert ">5</span>*" in out and ">2022</span>." in out and "[ملاحظة]" in out
    assert "42" not in out and "46" not in out


def test_a_paragraph_naming_python_markdowns_notes_marker_stays():
    out = text("Before.\n\n///Footnotes Go Here///\n\nAfter.[^a]\n\n[^a]: A note.")
    assert "///Footnotes Go Here///" in out and 'id="fn:1">A note.' in out


ADDRESS_PARTS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_/~%=&?#.", max_size=30)
STOPS = ".,;:!?…»”’\"')"  # what may end a sentence or close a bracket after an address


@given(path=ADDRESS_PARTS, stop=st.sampled_from(["", ".", ",", ";", ")", "”", "...", "!"]))
def test_an_address_written_out_is_a_link_to_itself_without_the_stop_after_it(path, stop):
    """An address pasted as text (`https://…`, as Word briefs carry them) becomes a link to
    itself, as `<https://…>` does: whatever follows it that ends a sentence or closes a
    bracket it did not open stays text after the link."""
    address = f"https://example.org/{path}"
    body = text(f"See ({address}{stop} now.\n" if stop == ")" else f"See {address}{stop} now.\n")
    (href,) = re.findall(r'<a href="([^"#][^"]*)">', body)
    linked = unescape(href)
    assert address.startswith(linked) and linked.startswith("https://example.org/")
    rest = address[len(linked) :] + stop
    assert rest.strip(STOPS) == ""  # only stops were left out of the link


def test_an_address_in_code_a_link_or_a_tag_stays_as_it_is():
    body = text(
        "`https://example.org/code` and [the report](https://example.org/r), "
        '<a href="https://example.org/raw">raw</a> and *in https://example.org/a_b_c emphasis*.\n'
    )
    assert "<code>https://example.org/code</code>" in body
    found = set(re.findall(r'<a href="([^"#][^"]*)">', body))
    assert found == {
        "https://example.org/r",
        "https://example.org/raw",
        "https://example.org/a_b_c",
    }
