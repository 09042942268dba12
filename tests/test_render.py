"""Stage 3: the Jinja layout; template and stylesheet problems name their own file and line."""

import re
import shutil

import pytest
from conftest import ROOT, build_one, run
from helpers import FRONT, html_tree, page_texts, write

from press.config import RATINGS, Config

GOOD = FRONT + "## Introduction\n\nText.\n"


@pytest.mark.parametrize("rating", RATINGS)
def test_any_rating_renders_with_its_own_marked_step(tmp_path, rating):
    path = write(tmp_path, GOOD.replace("narrowed", rating))
    status, _, stderr = run([str(path), "-o", str(tmp_path), "--html"])
    assert status == 0, stderr
    tree = html_tree(tmp_path / "brief.html")
    marked = tree.findall(".//li[@aria-current='true']")
    assert [li.get("data-rating") for li in marked] == [rating]
    assert tree.find(".//p[@id='verdict']/strong").text == rating.upper()


def test_template_errors_name_the_template_and_line(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    lines = (templates / "brief.html").read_text().splitlines()
    config = Config(out_dir=tmp_path, templates=templates)
    for wrong in ("{{ meta.no_such_key }}", "{% if %}"):
        lines[5] = wrong
        (templates / "brief.html").write_text("\n".join(lines))
        (problem,) = build_one(write(tmp_path, GOOD), config).problems
        assert str(problem).startswith(f"{templates / 'brief.html'}:6: error: template: ")
        assert problem.code == "template"


def test_style_problems_name_the_stylesheet_line_and_column(tmp_path):
    styles = tmp_path / "styles"
    shutil.copytree(ROOT / "styles", styles)
    css = (styles / "brief.css").read_text().splitlines()
    css.append("p { colour: red }")
    (styles / "brief.css").write_text("\n".join(css))
    path = write(tmp_path, GOOD)
    result = build_one(path, Config(out_dir=tmp_path / "out", styles_dir=styles))
    assert result.ok
    (problem,) = [p for p in result.problems if "colour" in p.message]
    assert str(problem).startswith(
        f"{styles / 'brief.css'}:{len(css)}:5: warning: Ignored `colour: red"
    )
    strict = build_one(path, Config(out_dir=tmp_path / "strict", styles_dir=styles, strict=True))
    assert not strict.ok and not (tmp_path / "strict" / "brief.pdf").exists()


def test_jinja_syntax_in_content_and_front_matter_prints_literally(tmp_path):
    front = FRONT.replace(
        "title: A title", "title: \"{{ 7*7 }} <script>x</script> {% include 'base.html' %}\""
    )
    path = write(tmp_path, front + "Keep {{ meta.rating }} and {% raw %} as typed.\n")
    status, _, stderr = run([str(path), "-o", str(tmp_path), "--html"])
    assert status == 0, stderr
    html = (tmp_path / "brief.html").read_text()
    assert "{{ 7*7 }} &lt;script&gt;x&lt;/script&gt; {% include &#39;base.html&#39; %}" in html
    assert "Keep {{ meta.rating }} and {% raw %} as typed." in html and "49" not in html


def test_contents_page_numbers_point_at_the_sections(tmp_path):
    text = GOOD.replace("rating: narrowed", "rating: narrowed\ncontents: true")
    text += "\n## Second section\n\n" + "Long text. " * 400 + "\n\n## Third section\n\nEnd.\n"
    path = write(tmp_path, text)
    status, _, stderr = run([str(path), "-o", str(tmp_path)])
    assert status == 0, stderr
    pages = page_texts(tmp_path / "brief.pdf")
    listing = {m[1]: int(m[2]) for m in re.finditer(r"(\w[\w ]+?)\s*\.{3,}\s*(\d+)", pages[1])}
    assert set(listing) == {"Introduction", "Second section", "Third section"}
    for heading, number in listing.items():
        assert heading.upper() in pages[number - 1]
