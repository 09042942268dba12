"""Briefs made from the grammar of real ones, pieces put together at random: no traceback, no
internal error, no word lost; `make fuzz` runs many more and prints each twice, byte for byte.

Each word of a generated brief is a token (`zq17`) that must reach the page: whatever the pieces
around it (a stray bracket, raw HTML with the press's classes, a note called twice, escapes,
Arabic, lists nested by two spaces), the press may refuse a brief but never silently drop text.
"""

import html
import os
import re

from conftest import run
from helpers import FRONT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from press.config import Config
from press.convert import convert
from press.frontmatter import read
from press.i18n import language

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
PRINTED = bool(os.environ.get("FUZZ_PRINT"))  # `make fuzz`: each brief printed twice too

words = st.integers(0, 999).map(lambda n: f"zq{n}")
inline = st.one_of(
    words,
    words.map(lambda w: f"[{w}](https://example.org/{w})"),
    words.map(lambda w: f"[{w}](#)"),
    words.map(lambda w: f"*{w}*"),
    words.map(lambda w: f'"{w}"'),
    words.map(lambda w: f"{w} :"),
    words.map(lambda w: f"{w}\\*"),
    words.map(lambda w: f'<span class="footnote">{w}</span>'),
    words.map(lambda w: f'<span class="source">{w}</span>'),
    words.map(lambda w: f"نص {w} نص"),
    st.sampled_from(["[", "]", "<![ x", "[^a]", "[^b]", "[^a][^b]", "5 %", "10 000", "\\[", "///Footnotes Go Here///"]),
)  # fmt: skip
paragraph = st.lists(inline, min_size=1, max_size=12).map(" ".join)
heading = st.tuples(st.sampled_from(["##", "###"]), words).map(" ".join)
listing = st.lists(
    st.tuples(st.sampled_from(["", "  ", "   ", "    "]), paragraph), min_size=1, max_size=5
).map(lambda items: "- first\n" + "\n".join(f"{i}- {p}" for i, p in items))
table = st.lists(st.tuples(words, paragraph), min_size=1, max_size=4).map(
    lambda rows: "| When | What |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)
)
blocks = st.lists(st.one_of(paragraph, heading, listing, table), min_size=1, max_size=8)
notes = st.sampled_from(["", "[^a]: A zq1000 note.\n", "[^a]: One.\n[^b]: Two zq1001.\n"])


def text_of(markup: str) -> str:
    """The words of some HTML, its tags and references undone."""
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


@settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck)
)  # fmt: skip
@given(body=blocks, defined=notes, lang=st.sampled_from(["en", "fr", "ar"]))
def test_no_brief_of_the_grammar_breaks_the_press_or_loses_a_word(tmp_path, body, defined, lang):
    source = tmp_path / "brief.md"
    front = FRONT.replace("rating: narrowed", f"rating: narrowed\nlang: {lang}")
    source.write_text(front + "\n\n".join(body) + "\n\n" + defined, encoding="utf-8")
    out = tmp_path / "out"
    options = ["--html"] if PRINTED else ["--check"]
    status, _, stderr = run([str(source), "-o", str(out), *options])
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    assert status in (0, 1), stderr
    brief = read(source)
    converted = convert(brief, Config(out_dir=out), language(lang)).html
    # A note nobody calls is not printed (the build warns, note.unused): its words aside.
    called = set(re.findall(r"\[\^(\w+)\](?!:)", "\n".join(body)))
    said = "\n".join(body) + "".join(
        re.findall(rf"^\[\^(?:{'|'.join(called) or '-'})\]:.*", defined, re.M)
    )
    lost = set(re.findall(r"zq\d+", said)) - set(re.findall(r"zq\d+", text_of(converted)))
    assert not lost, lost
    if PRINTED and status == 0:  # the same bytes from a second build elsewhere
        again = tmp_path / "again"
        assert run([str(source), "-o", str(again)])[0] == 0
        assert (again / "brief.pdf").read_bytes() == (out / "brief.pdf").read_bytes()
