"""The press's own scanners take time in proportion to the brief: eight times the input, and the
time grows as the input to a power under 1.5 (a linear scanner gives 1, a quadratic one 2, an
exponential one more). The midway line leaves room for a busy machine's noise, `make test` on
every core, on both sides: a 4x step with a line at 10x once failed a quadratic scanner's check
on a loaded machine (9.4x).

Python-Markdown's inline processor, which the press cannot change, is measured in `make bench`.
"""

import gc
import math
import time
import xml.etree.ElementTree as etree

import markdown
import pytest

from press.checks.page import first_lines
from press.extension import LINK_TEXT, Sections
from press.sourcemap import SourceMap
from press.typeset import Isolates, LongWords, balanced


def seconds(work) -> float:
    """The best of five timings of a piece of work, without the cycle collector's pauses: the
    process's own CPU time, which other processes on the machine (the tests' workers) leave
    alone."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(5):
            start = time.process_time()
            work()
            best = min(best, time.process_time() - start)
    finally:
        gc.enable()
    return best


STEP = 8


def growth(case, n: int) -> float:
    """The power of the input the case's time grows as, from n to eight times n."""
    small, large = case(n), case(STEP * n)
    return math.log(seconds(large) / max(seconds(small), 1e-6), STEP)


def unclosed_bracket(n: int):
    """A stray `[` before n links, searched for a link's source (it took exponential time)."""
    import re

    text = "[A. " + " ".join(f"see [link {i}](https://e.org/{i})" for i in range(n))
    pattern = re.compile(rf"\[{LINK_TEXT}\]\(\s*<?https://e\.org/nowhere")
    return lambda: pattern.search(text)


def headings(n: int):
    """The line of each of n headings, asked for in order (the setext scan once rescanned)."""
    text = "".join(f"## Heading {i}\n\nText.\n\n" for i in range(n))

    def work():
        source = SourceMap(text, 1)
        for _ in range(n):
            source.heading(2)

    return work


def notes(n: int):
    """Each of n calls found in the body, past n notes' definitions (each was checked against
    every note)."""
    import re

    text = " ".join(f"call{i}[^{i}]" for i in range(n)) + "\n\n"
    text += "\n".join(f"[^{i}]: note {i}" for i in range(n))
    patterns = [re.compile(rf"call{i}\[") for i in range(n)]

    def work():
        source = SourceMap(text, 1)
        for pattern in patterns:
            source.find(pattern)

    return work


def sections(n: int):
    """n sections made of n headings (each slug was checked against every other)."""
    md = markdown.Markdown()

    def work():
        root = etree.Element("div")
        for i in range(n):
            etree.SubElement(root, "h2").text = "Same heading"
            etree.SubElement(root, "p").text = f"Text {i}"
        Sections(md, [], set()).run(root)

    return work


def long_words(n: int):
    """A list of n items with a long word in each tail (each child was looked up in its list)."""
    md = markdown.Markdown()

    def work():
        root = etree.Element("ul")
        for _ in range(n):
            etree.SubElement(root, "li").tail = " " + "x" * 40
        LongWords(md).run(root)

    return work


def isolates(n: int):
    """n Latin words among Arabic ones in a paragraph of n elements."""
    md = markdown.Markdown()

    def work():
        root = etree.Element("p")
        for _ in range(n):
            etree.SubElement(root, "em").tail = " نص Word نص "
        Isolates(md).run(root)

    return work


def brackets(n: int):
    """A Latin word followed by n closing brackets (each was stripped with a recount)."""
    run = "a" + ")" * n
    return lambda: balanced(0, run)


def missing_characters(n: int):
    """The line of each of n characters no font has, in a brief of n lines (each character's
    pattern was built again for each line: a thousand took two minutes)."""
    chars = {chr(0x4E00 + i) for i in range(n)}
    sources = [(line, f"Line {line} holds {chr(0x4E00 + line)}.") for line in range(n)]
    return lambda: first_lines(chars, sources)


@pytest.mark.parametrize(
    ("case", "n"),
    [
        (unclosed_bracket, 200),
        (headings, 1000),
        (notes, 800),
        (sections, 1000),
        (long_words, 2000),
        (isolates, 1500),
        (brackets, 10000),
        (missing_characters, 500),
    ],
)
def test_the_time_grows_as_the_input(case, n):
    assert growth(case, n) < 1.5


def test_the_measure_tells_a_quadratic_scanner_from_a_linear_one():
    """The line this file asserts on: a scanner that rescans from each position fails it."""

    def rescanning(n: int):
        text = "a" * n
        return lambda: sum(text[j] == "b" for i in range(n) for j in range(i, n))

    assert growth(rescanning, 150) > 1.5
