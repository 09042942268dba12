"""Lists nested as CommonMark nests them: by the text column of the item above."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from test_extension import html

# A list as a tree: each item a list of its children.
trees = st.recursive(st.just([]), lambda kids: st.lists(kids, min_size=1, max_size=3), max_leaves=8)
markers = st.sampled_from(["-", "*", "+", "1."])  # Python-Markdown reads no "1)"


def markdown(tree: list, marker: str, indent: int, start: int = 0, counter=None) -> str:
    """The tree written with each level nested at the item's text column, plus indent - 2."""
    counter = counter if counter is not None else [0]
    lines = ""
    for children in tree:
        counter[0] += 1
        lines += " " * start + f"{marker} item{counter[0]}\n"
        lines += markdown(children, marker, indent, start + len(marker) + 1 + indent - 2, counter)
    return lines


def shape(tree: list, counter=None) -> str:
    """The HTML the tree should become: nested lists, the items in order."""
    counter = counter if counter is not None else [0]
    out = ""
    for children in tree:
        counter[0] += 1
        out += f"<li>item{counter[0]}{shape(children, counter) if children else ''}</li>"
    return f"<l>{out}</l>"


@settings(max_examples=60, deadline=None)
@given(tree=st.lists(trees, min_size=1, max_size=3), marker=markers, extra=st.integers(0, 2))
def test_lists_nest_by_two_three_or_four_spaces(tree, marker, extra):
    """Nested items written at the parent's text column (2 or 3 spaces), or up to 2 further in."""
    source = markdown(tree, marker, 2 + extra)
    out = re.sub(r"<(/?)[uo]l>", r"<\1l>", html(source).replace("\n", ""))
    assert out == shape(tree), source


def test_an_indented_code_block_and_a_fence_stay_as_written():
    assert "<pre><code>code" in html("Text\n\n    code\n")
    assert "<pre><code>  - x\n" in html("- a\n\n```\n  - x\n```\n")


def test_a_paragraph_of_an_item_stays_in_it():
    assert html("- a\n\n  more of a\n\n  - b\n\nAfter.\n") == (
        "<ul>\n<li><p>a</p><p>more of a</p><ul><li>b</li></ul></li>\n</ul>\n<p>After.</p>"
    )
