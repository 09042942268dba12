"""The author's loop: check, strict, template and style errors, watch, new, the series."""

import re
import shutil
import subprocess
import threading
import time

import pytest
from conftest import ROOT, SAMPLE, run
from helpers import FRONT, html_tree, write

import build

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
    (GOOD.replace("rating: narrowed", "rating: narowed"), 5, "error", "unknown rating 'narowed'"),
    (GOOD.replace("title: A title", "title: A: title: x"), 3, "error", "front matter is not valid YAML"),
    (GOOD.replace("Text with", "![A chart](chart.png)\n\nText with"), 10, "error", "image chart.png does not exist"),
    (GOOD.replace("Text with", "![](chart.svg)\n\nText with"), 10, "error", "image chart.svg has no alt text"),
    (GOOD.replace("## Introduction", "## Introduction\n\n#### Too deep"), 10, "warning", "heading level skipped: h2 to h4"),
    (GOOD.replace("[real link](https://example.org/x)", "[a link](#)"), 10, "warning", "placeholder link (#) has no address yet"),
    (GOOD.replace("[real link](https://example.org/x)", "[see](#nowhere)"), 10, "error", "link to #nowhere, but no heading has that id"),
    (GOOD.replace("(https://example.org/x)", "(report.pdf)"), 10, "warning", "link to 'report.pdf' leads nowhere in a PDF: give its full address, or (#)"),
    (GOOD.replace("### To the authorities:\n\n- Do one thing.\n", "Nothing yet.\n"), 12, "error", "recommendations need an audience"),
    (GOOD.replace("- Do one thing.\n", ""), 14, "error", "this audience has no recommendations"),
    (GOOD + "\n## Introduction\n\nAgain.\n", 18, "warning", "repeats the heading of line 8"),
    (GOOD.replace("Text with", "Text[^gone] with"), 10, "error", "footnote [^gone] has no note: add '[^gone]: …'"),
    (GOOD + "\n## About the CIVICUS Monitor\n\nAgain.\n", 18, "error", "the id 'about-the-civicus-monitor' is also the layout's; rename this heading"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "level", "message"), MISTAKES)
def test_check_points_at_the_mistake(tmp_path, text, line, level, message):
    shutil.copy(SAMPLE.parent / "chart.svg", tmp_path)
    path = write(tmp_path, text)
    status, stdout, stderr = run(["--check", str(path)])
    assert stderr.splitlines() == [f"{path}:{line}: {level}: {message}"] or (
        stderr.startswith(f"{path}:{line}: {level}: {message}") and stderr.count("\n") == 1
    ), stderr
    assert status == (1 if level == "error" else 0)
    assert "checked 1:" in stdout
    assert not list(tmp_path.glob("*.pdf")) and not (ROOT / "build" / "brief.pdf").exists()


def test_strict_turns_warnings_into_errors(tmp_path):
    path = write(tmp_path, GOOD.replace("[real link](https://example.org/x)", "[a link](#)"))
    status, _, stderr = run(["--check", "--strict", str(path)])
    assert status == 1
    assert stderr == f"{path}:10: error: placeholder link (#) has no address yet\n"
    status, _, stderr = run(["--strict", str(path), "-o", str(tmp_path / "out")])
    assert status == 1 and not (tmp_path / "out" / "brief.pdf").exists()
    assert run([str(path), "-o", str(tmp_path / "out")])[0] == 0  # a warning alone builds


def test_check_does_not_import_weasyprint():
    code = "import sys, build; build.main(['--check']); print('weasyprint' in sys.modules)"
    result = subprocess.run(
        [build.sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True
    )
    assert result.stdout.strip().endswith("False"), result.stdout + result.stderr


def test_template_errors_name_the_template_and_line(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    lines = (templates / "brief.html").read_text().splitlines()
    lines[5] = "{{ meta.no_such_key }}"
    (templates / "brief.html").write_text("\n".join(lines))
    result = build.build(write(tmp_path, GOOD), build.Config(out_dir=tmp_path, templates=templates))
    (problem,) = result.problems
    assert str(problem).startswith(f"{templates / 'brief.html'}:6: error: template: ")
    lines[5] = "{% if %}"
    (templates / "brief.html").write_text("\n".join(lines))
    result = build.build(write(tmp_path, GOOD), build.Config(out_dir=tmp_path, templates=templates))
    assert str(result.problems[0]).startswith(f"{templates / 'brief.html'}:6: error: template: ")


def test_style_problems_name_the_stylesheet_line_and_column(tmp_path):
    styles = tmp_path / "styles"
    shutil.copytree(ROOT / "styles", styles)
    css = (styles / "brief.css").read_text().splitlines()
    css.append("p { colour: red }")
    (styles / "brief.css").write_text("\n".join(css))
    path = write(tmp_path, GOOD)
    result = build.build(path, build.Config(out_dir=tmp_path / "out", styles_dir=styles))
    assert result.ok
    (problem,) = [p for p in result.problems if "colour" in p.message]
    assert str(problem).startswith(
        f"{styles / 'brief.css'}:{len(css)}:5: warning: Ignored `colour: red"
    )
    strict = build.build(
        path, build.Config(out_dir=tmp_path / "strict", styles_dir=styles, strict=True)
    )
    assert not strict.ok and not (tmp_path / "strict" / "brief.pdf").exists()


def test_new_writes_a_brief_that_builds_and_never_overwrites(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "ROOT", tmp_path)
    status, stdout, _ = run(
        ["--new", "Côte d'Ivoire", "--date", "2025-06", "--rating", "repressed"]
    )
    assert status == 0
    path = tmp_path / "content" / "cote-divoire-2025-06.md"
    assert stdout.strip().endswith("cote-divoire-2025-06.md") and path.is_file()
    meta = build.read(path).meta
    assert (meta["country"], meta["rating"], meta["date"].isoformat()) == (
        "Côte d'Ivoire",
        "repressed",
        "2025-06-01",
    )
    status, _, stderr = run([str(path), "--check"])
    assert status == 0, stderr
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out")])
    assert status == 0 and (tmp_path / "out" / "cote-divoire-2025-06.pdf").is_file()
    before = path.read_bytes()
    status, _, stderr = run(["--new", "Côte d'Ivoire", "--date", "2025-06", "--rating", "open"])
    assert (
        status == 1 and "already exists; not overwritten" in stderr and path.read_bytes() == before
    )
    assert run(["--new", "X", "--date", "2025-06"])[0] == 2
    assert run(["--new", "X", "--date", "June", "--rating", "open"])[0] == 1


def test_series_in_workers_reports_each_and_sums_up(tmp_path):
    names = ["a.md", "b.md", "c.md"]
    for name in names:
        write(tmp_path, GOOD, name)
    write(tmp_path, GOOD.replace("narrowed", "nope"), "bad.md")
    files = [str(tmp_path / n) for n in [*names, "bad.md"]]
    status, stdout, stderr = run([*files, "-o", str(tmp_path / "out"), "-j", "2"])
    assert status == 1
    assert sorted(p.name for p in (tmp_path / "out").glob("*.pdf")) == ["a.pdf", "b.pdf", "c.pdf"]
    lines = stdout.splitlines()
    assert (
        len([line for line in lines if re.search(r"\.pdf: \d+ pages, \d+ KB, [\d.]+ s$", line)])
        == 3
    )
    assert re.fullmatch(r"built 3, failed 1, \d+ pages, \d+ KB, [\d.]+ s", lines[-1])
    assert "bad.md:5: error: unknown rating 'nope'" in stderr


def test_watch_rebuilds_on_save_and_survives_a_broken_save(tmp_path, capsys):
    path = write(tmp_path, GOOD)
    pdf = tmp_path / "out" / "brief.pdf"
    stop = threading.Event()
    config = build.Config(out_dir=tmp_path / "out")
    watcher = threading.Thread(target=build.watch, args=([path], config, stop, 0.05))
    watcher.start()
    try:
        wait_for(lambda: pdf.exists())
        first = pdf.read_bytes()
        write(tmp_path, GOOD.replace("narrowed", "nope"))  # a broken save
        wait_for(lambda: "unknown rating 'nope'" in capsys.readouterr().err)
        assert pdf.read_bytes() == first  # the last good PDF stays
        write(tmp_path, GOOD.replace("narrowed", "open"))
        wait_for(lambda: pdf.read_bytes() != first)
    finally:
        stop.set()
        watcher.join(10)
    assert not watcher.is_alive()


def wait_for(condition, seconds: float = 30) -> None:
    """Poll until a condition holds (the watcher works in its own thread)."""
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def test_make_pdf_is_real_file_targets(tmp_path):
    make = ["make", "-C", str(ROOT), f"OUT={tmp_path}"]
    subprocess.run([*make, "pdf"], check=True, capture_output=True)
    assert subprocess.run([*make, "-q", "pdf"]).returncode == 0  # nothing to do
    for changed in ("content/kazakhstan-2022-03.md", "templates/brief.html", "styles/brief.css"):
        assert subprocess.run([*make, "-q", "-W", changed, "pdf"]).returncode == 1


def test_plain_and_nested_lists_build(tmp_path):
    lists = "- one\n- two\n    - nested\n    - nested too\n\n1. first\n2. second\n"
    path = write(tmp_path, GOOD.replace("Text with", lists + "\nText with"))
    result = build.build(path, build.Config(out_dir=tmp_path))
    assert result.ok, result.problems


def test_a_link_that_leads_nowhere_is_its_text(tmp_path):
    links = (
        'A [placeholder](#), an [*emphatic* one](# "title"), a [reference][r] and [a path](<a b.md>), '
        "beside a [real link](https://example.org/x), an [anchor](#introduction) and <someone@example.org>."
        "\n\n[r]: #"
    )
    path = write(tmp_path, GOOD.replace("Text with", links + "\n\nText with"))
    assert run([str(path), "-o", str(tmp_path), "--html"])[0] == 0
    paragraph = html_tree(tmp_path / "brief.html").find(".//main/section/p")
    assert "".join(paragraph.itertext()).startswith(
        "A placeholder, an emphatic one, a reference and a path, beside a real link"
    )
    assert [a.get("href") for a in paragraph.iter("a")] == [
        "https://example.org/x",
        "#introduction",
        "mailto:someone@example.org",
    ]
    assert paragraph.find("em").text == "emphatic"
    stderr = run(["--check", str(path)])[2]
    assert [line.split(": ", 2)[2] for line in stderr.splitlines()] == [
        "placeholder link (#) has no address yet",
        "placeholder link (#) has no address yet",
        "link to 'a b.md' leads nowhere in a PDF: give its full address, or (#)",
        "placeholder link (#) has no address yet",
    ]


def test_repeated_headings_get_distinct_ids(tmp_path):
    body = "## Intro 2\n\nA.\n\n## Intro\n\nB.\n\n## Intro\n\nC.\n\n## Intro\n\nD.\n"
    path = write(tmp_path, GOOD.replace("## Introduction", body + "\n## Introduction"))
    result = build.build(path, build.Config(out_dir=tmp_path, check=True))
    assert result.ok, result.problems
    brief = build.read(path)
    build.convert(brief, build.Config(out_dir=tmp_path))
    ids = [slug for slug, _ in brief.toc]
    assert len(ids) == len(set(ids)) == 6


def test_review_findings_stay_fixed(tmp_path, monkeypatch):
    # An image whose name has a space is still checked.
    path = write(tmp_path, GOOD.replace("Text with", '![](no such.png "Cap")\n\nText with'))
    status, _, stderr = run(["--check", str(path)])
    assert (
        status == 1 and "image no such.png has no alt text" in stderr and "does not exist" in stderr
    )
    # Links may point at the layout's own ids.
    path = write(
        tmp_path,
        GOOD.replace("[real link](https://example.org/x)", "[about](#about-the-civicus-monitor)"),
    )
    assert run(["--check", str(path)])[0] == 0
    # A note in a heading stays out of its id.
    path = write(
        tmp_path, GOOD.replace("## Introduction", "## Introduction[^1]") + "\n[^1]: a note\n"
    )
    brief = build.read(path)
    build.convert(brief, build.Config(out_dir=tmp_path))
    assert brief.toc[0] == ("introduction", "Introduction")
    # --new quotes what YAML would misread; --timeout must be positive.
    monkeypatch.setattr(build, "ROOT", tmp_path)
    assert run(["--new", "X #1: y", "--date", "2024-05", "--rating", "closed"])[0] == 0
    assert build.read(tmp_path / "content" / "x-1-y-2024-05.md").meta["country"] == "X #1: y"
    assert run(["--timeout", "-1"])[0] == 2
