"""The command line's contract: exit codes, `path:line: level: message [code]`, outputs."""

import os
import re
import subprocess
import sys

import pytest
from conftest import ROOT, SAMPLE, run
from helpers import FRONT, write

from press import cli, outputs
from press.config import COPIES, Config
from press.frontmatter import read

GOOD = (
    FRONT
    + """## Introduction

Text with a [real link](https://example.org/x).

## Recommendations

### To the authorities:

- Do one thing.
"""
)


def test_help_explains_the_contract():
    status, stdout, _ = run(["--help"])
    assert status == 0
    for words in (
        "--html",
        "-o",
        "exit status",
        "path:line: error: message [code]",
        "content/*.md",
    ):
        assert words in stdout


def test_usage_error_exits_2():
    status, _, stderr = run(["--no-such-option"])
    assert status == 2 and "usage:" in stderr
    assert run(["--timeout", "-1"])[0] == 2
    assert run(["--max-size", "lots"])[0] == 2


def test_missing_file_exits_1(tmp_path):
    status, _, stderr = run([str(tmp_path / "nope.md"), "-o", str(tmp_path)])
    assert status == 1
    assert stderr == f"{tmp_path / 'nope.md'}:1: error: no such file [file.missing]\n"


def test_one_bad_brief_does_not_stop_the_others(tmp_path):
    bad = write(tmp_path, GOOD.replace("narrowed", "unknown"), "bad.md")
    good = write(tmp_path, GOOD, "good.md")
    status, stdout, _ = run([str(bad), str(good), "-o", str(tmp_path / "out"), "-j", "1"])
    assert status == 1
    assert (tmp_path / "out" / "good.pdf").exists()
    assert not (tmp_path / "out" / "bad.pdf").exists()
    assert re.fullmatch(r"built 1, failed 1, \d+ pages, \d+ KB, [\d.]+ s", stdout.splitlines()[-1])


def test_strict_turns_warnings_into_errors(tmp_path):
    path = write(tmp_path, GOOD.replace("[real link](https://example.org/x)", "[a link](#)"))
    status, _, stderr = run(["--check", "--strict", str(path)])
    assert status == 1
    assert (
        stderr
        == f"{path}:10:13: error: placeholder link (#) has no address yet [link.placeholder]\n"
    )
    status, _, stderr = run(["--strict", str(path), "-o", str(tmp_path / "out")])
    assert status == 1 and not (tmp_path / "out" / "brief.pdf").exists()
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out")])
    assert status == 0  # a warning alone builds, summed up
    assert stderr == (
        f"{path}:10: warning: 1 placeholder link (#) has no address yet; --check lists them "
        "[link.placeholder]\n"
    )


def test_check_does_not_import_weasyprint():
    code = "import sys, build; build.main(['--check']); print('weasyprint' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.strip().endswith("False"), result.stdout + result.stderr


def test_check_sums_up_by_code(kazakhstan):
    status, stdout, stderr = run(["--check", str(kazakhstan.source)])
    assert status == 0 and len(stderr.splitlines()) == 34
    assert stdout.splitlines() == [
        "content/kazakhstan-2022-03.md: 0 errors, 34 warnings (link.placeholder 34)",
        "checked 1: 0 errors, 34 warnings (link.placeholder 34)",
    ]


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder of its own for --new to write into."""
    monkeypatch.setattr(cli, "ROOT", tmp_path)
    return tmp_path


def test_new_writes_a_brief_that_builds_and_never_overwrites(project):
    status, stdout, _ = run(
        ["--new", "Côte d'Ivoire", "--date", "2025-06", "--rating", "repressed"]
    )
    assert status == 0
    path = project / "content" / "cote-divoire-2025-06.md"
    assert stdout.strip().endswith("cote-divoire-2025-06.md") and path.is_file()
    meta = read(path).meta
    assert (meta["country"], meta["rating"], meta["date"].isoformat()) == (
        "Côte d'Ivoire",
        "repressed",
        "2025-06-01",
    )
    status, _, stderr = run([str(path), "--check"])
    assert status == 0, stderr
    status, _, stderr = run([str(path), "-o", str(project / "out")])
    assert status == 0 and (project / "out" / "cote-divoire-2025-06.pdf").is_file()
    before = path.read_bytes()
    status, _, stderr = run(["--new", "Côte d'Ivoire", "--date", "2025-06", "--rating", "open"])
    assert status == 1 and "already exists; not overwritten [file.exists]" in stderr
    assert path.read_bytes() == before
    assert run(["--new", "X", "--date", "2025-06"])[0] == 2
    assert run(["--new", "X", "--date", "June", "--rating", "open"])[0] == 1


@pytest.mark.parametrize(
    ("country", "name"),
    [("X #1: y", "x-1-y"), ("A---B", "a-b"), ("'Quoted' & [bracketed]", "quoted-bracketed")],
)
def test_new_keeps_what_yaml_would_misread(project, country, name):
    assert run(["--new", country, "--date", "2024-05", "--rating", "closed"])[0] == 0
    assert read(project / "content" / f"{name}-2024-05.md").meta["country"] == country


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
    built = [line for line in lines if re.search(r"\.pdf: \d+ pages, \d+ KB, [\d.]+ s$", line)]
    assert len(built) == 3
    assert re.fullmatch(r"built 3, failed 1, \d+ pages, \d+ KB, [\d.]+ s", lines[-1])
    assert "bad.md:5: error: unknown rating 'nope'" in stderr


def test_the_command_prints_everything_and_leaves_no_temporary_files(tmp_path):
    # The command skips the interpreter's teardown: its output and clean-up must not depend on it.
    temp, out = tmp_path / "tmp", tmp_path / "out"
    temp.mkdir()
    missing = tmp_path / "missing.md"
    env = {**os.environ, "TMPDIR": str(temp)}
    command = [sys.executable, str(ROOT / "build.py"), str(SAMPLE), str(missing), "-o", str(out)]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert f"{out / SAMPLE.stem}.pdf: 5 pages" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("built 1, failed 1, 5 pages")
    assert "missing.md:1: error: no such file [file.missing]\n" in done.stderr
    assert list(temp.iterdir()) == []
    assert sorted(p.name for p in out.iterdir()) == [f"{SAMPLE.stem}.pdf"]


def test_the_command_succeeds_with_its_output_closed(tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, str(ROOT / "build.py"), str(SAMPLE), "-o", str(out)]
    done = subprocess.run(command, preexec_fn=lambda: os.close(1), stderr=subprocess.PIPE)
    assert done.returncode == 0, done.stderr
    assert (out / f"{SAMPLE.stem}.pdf").stat().st_size > 10_000


def test_missing_image_names_its_line(tmp_path):
    path = write(
        tmp_path, GOOD.replace("Text with", "Text.\n\n![A chart](nothere.png)\n\nText with")
    )
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out")])
    assert status == 1
    assert stderr == f"{path}:12:1: error: image nothere.png does not exist [image.missing]\n"


def test_an_error_logged_by_weasyprint_fails_the_build_at_the_images_line(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"not an image")
    image = "The file (broken.png) is next.\n\n![A chart](broken.png)"
    path = write(tmp_path, GOOD.replace("Text with", f"{image}\n\nText with"))
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out")])
    assert status == 1
    assert stderr == f"{path}:12: error: Failed to load image at 'broken.png' [engine.error]\n"
    assert "(broken.png)" in path.read_text().splitlines()[9]  # line 10 names it too
    assert not (tmp_path / "out" / "brief.pdf").exists()


def test_a_missing_system_library_is_a_setup_error_not_a_briefs(tmp_path):
    code = f"""
import sys, cffi
def dlopen(self, name, *args):
    raise OSError(f"cannot load library {{name!r}}")
cffi.FFI.dlopen = dlopen
import build
sys.exit(build.main([{str(SAMPLE)!r}, "-o", {str(tmp_path)!r}]))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("build.py: setup: error: WeasyPrint cannot load a system library")
    assert line.endswith("install them: apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
                         "libharfbuzz-subset0 (as root, `make pdf` does it)")  # fmt: skip
    assert SAMPLE.name not in done.stderr


def test_make_pdf_builds_only_what_is_out_of_date(tmp_path):
    content, out = tmp_path / "content", tmp_path / "out"
    content.mkdir()
    write(content, GOOD, "brief.md")
    make = ["make", "-s", "-C", str(ROOT), f"CONTENT={content}", f"OUT={out}"]
    subprocess.run([*make, "pdf"], check=True, capture_output=True)
    built = (out / "brief.pdf").stat().st_mtime_ns
    again = subprocess.run([*make, "pdf"], check=True, capture_output=True, text=True)
    assert again.stdout == "" and (out / "brief.pdf").stat().st_mtime_ns == built
    large = subprocess.run([*make, "pdf", "COPY=large"], check=True, capture_output=True, text=True)
    assert "brief-large.pdf: 3 pages" in large.stdout
    later = built / 1e9 + 5
    os.utime(content / "brief.md", (later, later))
    assert "brief.pdf" in subprocess.run([*make, "pdf"], capture_output=True, text=True).stdout


def test_the_press_files_an_output_depends_on_are_every_kind_it_reads():
    """One list decides what is out of date for `make pdf` and --changed alike."""
    files = {path.relative_to(ROOT).as_posix() for path in outputs.press_files(Config())}
    for kind in ("build.py", "pyproject.toml", "fonts/package-lock.json", "press/engine.py",
                 "press/pipeline.py", "templates/base.html", "templates/brief.html",
                 "styles/brief.css", "styles/print.css", "styles/large.css",
                 "locales/es/LC_MESSAGES/messages.po", "press/checks/page.py"):  # fmt: skip
        assert kind in files
    printed = Config(copy=COPIES["print"])
    assert printed.profile in outputs.press_files(printed)  # its colours come from it


def test_an_output_is_out_of_date_when_any_press_file_is_newer(tmp_path, monkeypatch):
    brief = write(tmp_path, GOOD)
    press = [tmp_path / "press" / f"{n}.py" for n in range(3)]
    press[0].parent.mkdir()
    for path in press:
        path.write_text("")
    monkeypatch.setattr(outputs, "press_files", lambda config: press)
    config = Config(out_dir=tmp_path / "out")
    config.out_dir.mkdir()
    config.target(brief).write_bytes(b"%PDF")
    built = config.target(brief).stat().st_mtime
    for path in [brief, *press]:
        os.utime(path, (built - 10, built - 10))
    assert outputs.up_to_date(brief, config)
    for path in press:
        os.utime(path, (built + 10, built + 10))
        assert not outputs.up_to_date(brief, config)
        os.utime(path, (built - 10, built - 10))


def test_a_bug_in_one_brief_is_one_line_and_the_others_still_build(tmp_path, monkeypatch):
    from press.checks import source

    def boom(context):
        if context.brief.path.name == "boom.md":
            raise ZeroDivisionError("a bug")
        return []

    monkeypatch.setattr(source, "CHECKS", (*source.CHECKS, boom))
    boom, good = write(tmp_path, GOOD, "boom.md"), write(tmp_path, GOOD, "good.md")
    status, _, stderr = run([str(boom), str(good), "-o", str(tmp_path / "out"), "-j", "1"])
    assert status == 1 and "Traceback" not in stderr
    assert stderr == (
        f"{boom}:1: error: internal error (ZeroDivisionError: a bug); please report it [internal]\n"
    )
    assert (tmp_path / "out" / "good.pdf").exists()


def test_a_missing_python_package_is_a_setup_error(tmp_path):
    code = f"""
import sys
sys.modules["weasyprint"] = None  # as if the venv lacked it
import build
sys.exit(build.main([{str(SAMPLE)!r}, "-o", {str(tmp_path)!r}]))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.startswith("build.py: setup: error: import of weasyprint halted")
    assert done.stderr.endswith("the venv lacks a package; run make\n")


def test_new_into_a_file_or_an_unwritable_folder_is_one_line(tmp_path):
    where = tmp_path / "a-file"
    where.write_text("not a folder")
    status, _, stderr = run(["--new", "Kenya", "--date", "2024-05", "--rating", "open",
                             "--content", str(where)])  # fmt: skip
    assert (
        status == 1
        and stderr
        == f"{where}:1: error: cannot write a brief here: it is a file, not a folder [file.folder]\n"
    )


def test_a_terminal_that_is_not_utf8_gets_escapes_and_every_brief_builds(tmp_path):
    for name in ("Россия.md", "zz.md"):
        write(tmp_path, FRONT + "Text.\n", name)
    command = [sys.executable, str(ROOT / "build.py"), str(tmp_path / "Россия.md"),
               str(tmp_path / "zz.md"), "-o", str(tmp_path / "out")]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, env={**os.environ, "PYTHONIOENCODING": "ascii"}
    )
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
    assert b"\\u0420\\u043e" in done.stdout and (tmp_path / "out" / "zz.pdf").exists()


def test_the_command_outside_its_venv_is_one_line_not_a_traceback(tmp_path):
    """`python3 build.py --check` with a Python that lacks the press's packages."""
    code = (
        "import runpy, sys\n"
        "sys.modules['markdown'] = None  # as a Python without the venv's packages\n"
        f"sys.argv = ['build.py', '--check', {str(SAMPLE)!r}]\n"
        "runpy.run_path('build.py', run_name='__main__')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        "build.py: setup: error: markdown is not installed; use .venv/bin/python build.py "
        "(`make pdf` makes the venv)\n"
    )
