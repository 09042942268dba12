"""The command line's contract: exit codes, `path:line: error:` messages, outputs."""

import os
import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, SAMPLE, run
from helpers import FRONT, html_tree, page_texts, write

import build

GOOD = (
    FRONT
    + """## Introduction

Text.
"""
)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (GOOD.replace("rating: narrowed", "rating: obstructd"), 5, "unknown rating 'obstructd'; allowed: closed, repressed, obstructed, narrowed, open"),
        (GOOD.replace("date: 2024-02", "date: March 2022"), 4, "bad date 'March 2022'"),
        (GOOD.replace("date: 2024-02", "date: 2024-13"), 4, "bad date '2024-13'"),
        (GOOD.replace("title: A title\n", ""), 1, "missing required key 'title'"),
        (GOOD.replace("title: A title", "title: A title\nsubtitle: x"), 4, "unknown key 'subtitle'; allowed: country, title"),
        (GOOD.replace("title: A title", "title: [unclosed"), 4, "front matter is not valid YAML"),
        (GOOD.replace("country: Testland", "country: Testland\n  bad: indent"), 3, "front matter is not valid YAML"),
        (GOOD.replace("layout", "x").replace("rating: narrowed", "rating: narrowed\nlayout: nosuch"), 1, "unknown layout 'nosuch'"),
        (GOOD.replace("---\n", "", 1), 1, "a brief starts with front matter"),
        ("---\ncountry: x\n", 1, "no closing '---'"),
        ("", 1, "a brief starts with front matter"),
        (GOOD.encode() + b"\n\xff\xfe broken\n", 12, "not UTF-8"),
        (GOOD.replace("country: Testland", "country: [a, b]"), 2, "'country' must be text"),
    ],
)  # fmt: skip
def test_front_matter_errors_name_file_and_line(tmp_path, text, line, message):
    path = write(tmp_path, text)
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out")])
    assert status == 1
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert stderr.startswith(f"{path}:{line}: error: "), stderr
    assert message in stderr
    assert not (tmp_path / "out" / "brief.pdf").exists()


def test_bom_and_crlf_are_read(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode())
    assert build.read(path).meta["country"] == "Testland"


@pytest.mark.parametrize("rating", build.RATINGS)
def test_any_rating_renders_with_its_own_marked_step(tmp_path, rating):
    path = write(tmp_path, GOOD.replace("narrowed", rating))
    status, _, stderr = run([str(path), "-o", str(tmp_path), "--html"])
    assert status == 0, stderr
    tree = html_tree(tmp_path / "brief.html")
    marked = tree.findall(".//li[@aria-current='true']")
    assert [li.get("data-rating") for li in marked] == [rating]
    assert tree.find(".//p[@id='verdict']/strong").text == rating.upper()


def test_help_explains_the_contract():
    status, stdout, _ = run(["--help"])
    assert status == 0
    for words in ("--html", "-o", "exit status", "path:line: error: message", "content/*.md"):
        assert words in stdout


def test_usage_error_exits_2():
    status, _, stderr = run(["--no-such-option"])
    assert status == 2 and "usage:" in stderr


def test_missing_file_exits_1(tmp_path):
    status, _, stderr = run([str(tmp_path / "nope.md"), "-o", str(tmp_path)])
    assert status == 1
    assert stderr.startswith(f"{tmp_path / 'nope.md'}:1: error: no such file")


def test_one_bad_brief_does_not_stop_the_others(tmp_path):
    bad = write(tmp_path, GOOD.replace("narrowed", "unknown"), "bad.md")
    good = write(tmp_path, GOOD, "good.md")
    status, _, _ = run([str(bad), str(good), "-o", str(tmp_path / "out")])
    assert status == 1
    assert (tmp_path / "out" / "good.pdf").exists()
    assert not (tmp_path / "out" / "bad.pdf").exists()


def test_jinja_syntax_in_content_prints_literally(tmp_path):
    path = write(tmp_path, GOOD.replace("Text.", "Keep {{ meta.rating }} and {% raw %} as typed."))
    status, _, stderr = run([str(path), "-o", str(tmp_path), "--html"])
    assert status == 0, stderr
    assert "Keep {{ meta.rating }} and {% raw %} as typed." in (tmp_path / "brief.html").read_text()


def test_raw_html_is_sanitized(tmp_path):
    evil = (
        '<script>alert(1)</script><link rel="attachment" href="/etc/hostname"><p onclick="x">ok</p>'
    )
    path = write(tmp_path, GOOD.replace("Text.", evil))
    status, _, stderr = run([str(path), "-o", str(tmp_path), "--html"])
    assert status == 0, stderr
    html = (tmp_path / "brief.html").read_text()
    assert "<script" not in html and "attachment" not in html and "onclick" not in html


def test_images_outside_the_brief_folder_are_refused(tmp_path):
    folder = tmp_path / "brief"
    folder.mkdir()
    path = write(folder, GOOD.replace("Text.", "![secret](../secret.png)"))
    (tmp_path / "secret.png").write_bytes((ROOT / "tests" / "briefs" / "chart.svg").read_bytes())
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out")])
    assert status == 1
    assert re.match(rf"{re.escape(str(path))}:\d+: error: .*outside the brief's folder", stderr), (
        stderr
    )


def test_two_builds_in_separate_processes_are_identical(tmp_path):
    # The first parses the hyphenation patterns and caches them, the second reads the cache.
    outputs = []
    for n, tz in enumerate(("UTC", "Pacific/Kiritimati")):
        out = tmp_path / str(n)
        env = {**os.environ, "TZ": tz, "XDG_CACHE_HOME": str(tmp_path / "cache")}
        subprocess.run([sys.executable, str(ROOT / "build.py"), str(SAMPLE), "-o", str(out)], env=env, check=True, capture_output=True)  # fmt: skip
        outputs.append((out / f"{SAMPLE.stem}.pdf").read_bytes())
    assert outputs[0] == outputs[1]
    assert [p.suffix for p in (tmp_path / "cache" / "watchlist-press").iterdir()] == [".marshal"]


@pytest.fixture
def pyphen_cache(monkeypatch):
    """pyphen with an empty cache of parsed dictionaries, as in a new process."""
    import pyphen

    monkeypatch.setattr(pyphen, "hdcache", {})
    return pyphen


def test_hyphenation_patterns_from_the_cache_are_those_pyphen_parses(
    tmp_path, pyphen_cache, monkeypatch
):
    pyphen = pyphen_cache
    path = pyphen.LANGUAGES["en"]
    build.load_patterns("en-GB", tmp_path)  # parses, and fills the cache
    (cached,) = tmp_path.iterdir()
    pyphen.hdcache.clear()
    with monkeypatch.context() as patch:
        patch.setattr(pyphen.HyphDict, "__init__", lambda *args: pytest.fail("parsed again"))
        build.load_patterns("en", tmp_path)
    loaded, parsed = pyphen.hdcache[path], pyphen.HyphDict(path)
    assert (loaded.patterns, loaded.maxlen) == (parsed.patterns, parsed.maxlen)
    words = ["independence", "demonstrators", "Kazakhstan", "unaccounted"]
    assert [loaded.positions(w) for w in words] == [parsed.positions(w) for w in words]
    assert list(tmp_path.iterdir()) == [cached]


def test_a_broken_or_unwritable_cache_only_costs_time(tmp_path, pyphen_cache):
    pyphen = pyphen_cache
    build.load_patterns("en", tmp_path)
    (cached,) = tmp_path.iterdir()
    cached.write_bytes(b"\x00 not marshal data")
    pyphen.hdcache.clear()
    build.load_patterns("en", tmp_path)
    assert pyphen.hdcache[pyphen.LANGUAGES["en"]].positions("independence") == [2, 4, 8]
    assert cached.read_bytes()[:2] != b"\x00 "  # parsed again and written anew
    pyphen.hdcache.clear()
    build.load_patterns("en", cached / "not-a-folder")
    assert pyphen.LANGUAGES["en"] in pyphen.hdcache


def test_languages_without_patterns_or_with_special_ones_are_not_cached(tmp_path, pyphen_cache):
    build.load_patterns("kk", tmp_path)  # Kazakh: pyphen has no dictionary, nothing to hyphenate
    build.load_patterns("hu", tmp_path)  # Hungarian: its patterns carry more than numbers
    assert list(tmp_path.iterdir()) == []
    assert list(pyphen_cache.hdcache) == [pyphen_cache.LANGUAGES["hu"]]


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
    assert "missing.md:1: error: no such file\n" in done.stderr
    assert list(temp.iterdir()) == []


def test_the_command_succeeds_with_its_output_closed(tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, str(ROOT / "build.py"), str(SAMPLE), "-o", str(out)]
    done = subprocess.run(command, preexec_fn=lambda: os.close(1), stderr=subprocess.PIPE)
    assert done.returncode == 0, done.stderr
    assert (out / f"{SAMPLE.stem}.pdf").stat().st_size > 10_000


LINUX_ONLY = pytest.mark.skipif(sys.platform != "linux", reason="ldconfig is Linux's")


@LINUX_ONLY
def test_weasyprint_finds_its_libraries_with_one_program_run():
    # ctypes runs ldconfig, gcc and ld for each name WeasyPrint tries: 0.2 s of a cold build.
    code = f"""
import ctypes.util, subprocess, sys
sys.path.insert(0, {str(ROOT)!r})
import build
original, runs, popen = ctypes.util.find_library, [], subprocess.Popen.__init__
def spy(self, args, *rest, **options):
    runs.append(args)
    popen(self, args, *rest, **options)
subprocess.Popen.__init__ = spy
build.load_weasyprint()
from weasyprint.text import ffi
print(runs, ctypes.util.find_library is original, ffi.harfbuzz_subset is not None)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[['/sbin/ldconfig',", "'-p']]", "True", "True"]


@LINUX_ONLY
def test_a_library_folder_named_in_another_encoding_does_not_stop_weasyprint():
    code = f"""
import subprocess, sys
sys.path.insert(0, {str(ROOT)!r})
real = subprocess.run
def run(command, **options):
    done = real(command, **options)
    if command[0] == "/sbin/ldconfig":
        done.stdout = b"\\tlibss.so.2 (libc6) => /opt/caf\\xe9/libss.so.2\\n" + done.stdout
    return done
subprocess.run = run
import build
build.load_weasyprint()
from weasyprint.text import ffi
print(ffi.pango is not None)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "True\n"), done.stderr


@pytest.mark.skipif(not shutil.which("strace"), reason="needs strace")
def test_weasyprint_runs_without_freeing_frame_stack_chunks(tmp_path):
    # CPython 3.11 maps and unmaps a 16 KB chunk whenever a call crosses a chunk boundary; the
    # build gives WeasyPrint one large chunk instead (roomy_frame_stack).
    log = tmp_path / "strace.log"
    command = [sys.executable, str(ROOT / "build.py"), str(SAMPLE), "-o", str(tmp_path / "out")]
    done = subprocess.run(["strace", "-f", "-e", "trace=munmap", "-o", str(log), *command],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode and "ptrace" in done.stderr:
        pytest.skip("tracing is not permitted here")
    assert done.returncode == 0, done.stderr
    chunks = re.findall(r"munmap\(0x[0-9a-f]+, 16384\)", log.read_text())
    assert len(chunks) < 100, len(chunks)  # about 20 000 without it


def test_missing_image_names_its_line(tmp_path):
    path = write(tmp_path, GOOD.replace("Text.", "Text.\n\n![A chart](nothere.png)"))
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out")])
    assert status == 1
    assert stderr == f"{path}:12: error: image nothere.png does not exist\n"


def test_an_error_logged_by_weasyprint_fails_the_build(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"not an image")
    path = write(tmp_path, GOOD.replace("Text.", "Text.\n\n![A chart](broken.png)"))
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out")])
    assert status == 1
    assert stderr == f"{path}:12: error: Failed to load image at 'broken.png'\n"
    assert not (tmp_path / "out" / "brief.pdf").exists()


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
