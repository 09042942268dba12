"""Contracts between files that must keep in step: where one cannot be the other's source, a
test fails when they part."""

import re

import cssselect2
import tinycss2
import tinyhtml5
from conftest import ROOT

from press import system
from press.typeset import LINES

BRIEF_CSS = ROOT / "styles" / "brief.css"


def white_space_rules(path, name: str = "white-space") -> cssselect2.Matcher:
    """A matcher of the stylesheet's declarations of a property for paper (`@media` aside)."""
    matcher = cssselect2.Matcher()
    rules = tinycss2.parse_stylesheet(path.read_text(), skip_comments=True, skip_whitespace=True)
    for rule in rules:
        if rule.type != "qualified-rule":  # @media screen, @page, @font-face
            continue
        for decl in tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True):
            if decl.type == "declaration" and decl.lower_name == name:
                value = tinycss2.serialize(decl.value).strip()
                for selector in cssselect2.compile_selector_list(rule.prelude):
                    matcher.add_selector(selector, value)
    return matcher


def white_space(element, matcher, parents) -> str:
    """An element's computed `white-space`: its own rule that wins, else its parent's."""
    matches = [m for m in matcher.match(element) if not m[2]]  # no pseudo-elements
    if matches:
        return max(matches, key=lambda m: (m[0], m[1]))[3]
    parent = parents.get(element.etree_element)
    return white_space(parent, matcher, parents) if parent is not None else "normal"


def shown(element, matcher) -> str | None:
    """An element's own `display` where a rule sets it (display is not inherited)."""
    matches = [m for m in matcher.match(element) if not m[2]]
    return max(matches, key=lambda m: (m[0], m[1]))[3] if matches else None


def test_the_lines_the_press_collapses_are_the_lines_the_stylesheet_keeps_spaces_in():
    """press/typeset.py collapses spaces in LINES; brief.css keeps them (`pre-wrap`) in the same
    elements, and sets them back to `normal` right to left: three lists, one set."""
    css = BRIEF_CSS.read_text()
    lists = re.findall(r"main :is\(((?:[a-z0-9]+, )*[a-z0-9]+)\)", css)
    lines = [set(found.split(", ")) for found in lists if "p" in found.split(", ")]
    assert len(lines) == 2 and all(found == LINES for found in lines)


def test_every_line_of_the_layout_keeps_its_spaces(sample):
    """What the layout writes outside the Markdown (cover, panels, contents) keeps the space
    where a line ends too: a new cover line needs no second list to be added to."""
    html = sample.html.read_text()
    root = cssselect2.ElementWrapper.from_html_root(tinyhtml5.parse(html))
    matcher = white_space_rules(BRIEF_CSS)
    hidden = white_space_rules(BRIEF_CSS, "display")  # not on paper: the HTML copy's own
    parents = {}
    for wrapper in root.iter_subtree():
        for child in wrapper.iter_children():
            parents[child.etree_element] = wrapper
    checked = []
    for wrapper in root.query_all("body *"):
        element = wrapper.etree_element
        if any(a.local_name in ("main", "script", "style") for a in wrapper.ancestors):
            continue
        if any(shown(w, hidden) == "none" for w in (wrapper, *wrapper.ancestors)):
            continue
        texts = [element.text or "", *(child.tail or "" for child in element)]
        if not any(t.strip() for t in texts):
            continue
        checked.append(wrapper.local_name)
        assert white_space(wrapper, matcher, parents) in ("pre-wrap", "nowrap"), (
            wrapper.local_name,
            wrapper.id,
            "".join(element.itertext())[:40],
        )
    assert {"h1", "p", "li", "h2"} <= set(checked)


def test_the_makefile_installs_the_libraries_the_press_names_when_they_are_missing():
    makefile = (ROOT / "Makefile").read_text()
    packages = re.search(r"^RUN_PACKAGES \?= ((?:.*\\\n)*.*)$", makefile, re.M)[1]
    assert set(system.PACKAGES.split()) <= set(packages.replace("\\\n", " ").split())
