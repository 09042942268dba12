"""Hostile input: nothing leaks, nothing is fetched, nothing hangs, no broken or partial file."""

import hashlib
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from conftest import ROOT, SAMPLE, run
from helpers import FRONT, link_tags, link_uris, page_texts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from press.frontmatter import SCHEMA

SECRET = "hostile-secret-7f3a"  # a marker that must never reach a PDF


@pytest.fixture
def folder(tmp_path):
    """A brief's folder, and a secret file beside it (outside it) that must never be read."""
    (tmp_path / "secret.txt").write_text(SECRET)
    brief = tmp_path / "brief"
    brief.mkdir()
    return brief


def build_text(folder: Path, body: str, *options: str) -> tuple[int, str, Path]:
    """Build a brief with this body; return the status, stderr and the PDF's path."""
    path = folder / "brief.md"
    path.write_text(FRONT + body, encoding="utf-8")
    status, _, stderr = run([str(path), "-o", str(folder / "out"), *options])
    return status, stderr, folder / "out" / "brief.pdf"


def assert_clean_failure(status: int, stderr: str, pdf: Path, line: int | None = None) -> None:
    """Exit 1 with one `path:line: error:` line, no traceback, no PDF, no temporary file."""
    assert status == 1, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    where = str(line) if line else r"\d+"
    assert re.fullmatch(rf".+brief\.md:{where}(:\d+)?: error: [^\n]+ \[[\w.]+\]\n", stderr), stderr
    assert not pdf.exists()
    assert not [p for p in pdf.parent.glob(".*")] if pdf.parent.exists() else True


def assert_safe_pdf(pdf: Path) -> None:
    """A valid PDF with no embedded file, no attachment and no secret in it."""
    with pikepdf.open(pdf) as document:
        assert document.check_pdf_syntax() == []
        assert "/EmbeddedFiles" not in document.Root.get("/Names", {})
        for page in document.pages:
            assert all(a.get("/Subtype") != "/FileAttachment" for a in page.get("/Annots", []))
    assert SECRET.encode() not in pdf.read_bytes()


# Reads outside the brief's folder, devices, network: refused with the brief's line.
@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("![secret](../secret.txt)", 8),
        ("![host](/etc/hostname)", 8),
        ("![zero](/dev/zero)", 8),
        ("![net](http://127.0.0.1:9/x.png)", 8),
        ("![net](file:///etc/hostname)", 8),
        ("Text.\n\n![link](escape.png)", 10),
        ("![fifo](fifo.png)", 8),
    ],
)
def test_reads_outside_the_folder_are_refused(folder, body, line):
    os.symlink(folder.parent / "secret.txt", folder / "escape.png")
    os.mkfifo(folder / "fifo.png")
    status, stderr, pdf = build_text(folder, body)
    assert_clean_failure(status, stderr, pdf, line)


def test_the_fetcher_refuses_even_what_the_checks_let_through(folder):
    """SVG can point at files itself: the fetcher is the boundary, not the checks."""
    (folder / "evil.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="10" height="10"><image href="file:///etc/hostname" width="10" height="10"/>'
        '<image xlink:href="../secret.txt" width="10" height="10"/></svg>'
    )
    status, stderr, pdf = build_text(folder, "![An image](evil.svg)")
    assert_clean_failure(status, stderr, pdf, 8)
    assert "evil.svg" in stderr


def test_nothing_is_fetched_from_the_network(folder):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(5)
    port = server.getsockname()[1]
    (folder / "net.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
        f'<image href="http://127.0.0.1:{port}/x.png" width="9" height="9"/></svg>'
    )
    body = f'![A](net.svg)\n\n<img src="http://127.0.0.1:{port}/y.png" alt="y">\n'
    status, stderr, _pdf = build_text(folder, body)
    assert status == 1 and "Traceback" not in stderr
    with pytest.raises(TimeoutError):
        server.settimeout(0.5)
        server.accept()
    server.close()


# Raw HTML goes through the allow-list.
HOSTILE_HTML = """
<script>document.write('x')</script><style>p { color: red }</style>
<link rel="attachment" href="../secret.txt"><link rel="stylesheet" href="../secret.txt">
<object data="../secret.txt"></object><embed src="../secret.txt"><iframe src="../secret.txt"></iframe>
<base href="file:///etc/"><a rel="attachment" href="../secret.txt">attached</a>
<p style="background: url(../secret.txt)" onclick="x()">styled</p>
<svg><image href="../secret.txt"/></svg>
<form action="x"><input value="v"></form><meta http-equiv="refresh" content="0">
Kept: <abbr title="Non-governmental organisation">NGO</abbr>, H<sub>2</sub>O, x<sup>2</sup>.
"""


def test_raw_html_is_sanitized_and_nothing_attached(folder):
    status, stderr, pdf = build_text(folder, HOSTILE_HTML, "--html")
    assert status == 0, stderr
    html = (folder / "out" / "brief.html").read_text()
    body = html[html.index("<main") :]
    for banned in ("<script", "<style", "<link", "<object", "<embed", "<iframe", "<base", "rel=",
                   "style=", "onclick", "<svg", "<form", "<input", "http-equiv", "file:"):  # fmt: skip
        assert banned not in body, banned
    assert '<abbr title="Non-governmental organisation">NGO</abbr>' in body
    assert "<sub>2</sub>" in body and "<sup>2</sup>" in body
    assert_safe_pdf(pdf)


# Limits.
def test_absurd_nesting_is_refused_before_layout(folder):
    nested = "".join("    " * i + "- level\n" for i in range(300))
    status, stderr, pdf = build_text(folder, nested)
    assert_clean_failure(status, stderr, pdf, 8)
    assert "nested" in stderr
    status, stderr, pdf = build_text(folder, "> " * 200 + "deep quote\n")
    assert_clean_failure(status, stderr, pdf, 8)


def test_a_brief_too_large_is_refused(folder):
    status, stderr, pdf = build_text(folder, "A paragraph of text. " * 120_000)
    assert_clean_failure(status, stderr, pdf, 1)
    assert "larger than 2 MiB" in stderr


def test_an_image_with_too_many_pixels_is_refused(folder):
    Image.new("1", (20_000, 20_000)).save(folder / "huge.png")
    status, stderr, pdf = build_text(folder, "![A huge image](huge.png)")
    assert_clean_failure(status, stderr, pdf, 8)
    assert "pixels" in stderr


def test_a_file_that_is_not_an_image_fails_cleanly(folder):
    (folder / "fake.png").write_text("not an image")
    status, stderr, pdf = build_text(folder, "![Fake](fake.png)")
    assert_clean_failure(status, stderr, pdf, 8)


# Long enough that no machine lays it out in 0.05 s (a warm build of 50 lines can).
LONG = "Text of a long brief.\n\n" * 400
# The time limit may strike inside a finalizer, which Python reports and ignores; the build still
# stops (see press/deadline.py).
timed_out = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@timed_out
def test_a_build_past_its_time_limit_stops_cleanly(folder):
    status, stderr, pdf = build_text(folder, LONG, "--timeout", "0.05")
    assert_clean_failure(status, stderr, pdf, 1)
    assert "took longer than 0.05 s" in stderr


# No broken file, ever.
@timed_out
def test_a_failure_at_any_stage_keeps_the_previous_pdf(folder):
    status, _, pdf = build_text(folder, "Good text.")
    assert status == 0
    before = pdf.read_bytes()
    failures = [
        ("![x](missing.png)", []),  # check
        (LONG, ["--timeout", "0.05"]),  # interrupted while printing
        ("Text.\n" * 50, ["--max-size", "1KB"]),  # over budget after printing
    ]
    for body, options in failures:
        status, stderr, _ = build_text(folder, body, *options)
        assert status == 1, stderr
        assert pdf.read_bytes() == before
        assert sorted(p.name for p in pdf.parent.iterdir()) == ["brief.pdf"]


def test_two_builds_of_one_brief_at_once_both_leave_a_valid_pdf(tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, str(ROOT / "build.py"), str(SAMPLE), "-o", str(out)]
    processes = [subprocess.Popen(command, stderr=subprocess.PIPE) for _ in range(2)]
    assert [p.wait() for p in processes] == [0, 0]
    assert_safe_pdf(out / f"{SAMPLE.stem}.pdf")
    assert sorted(p.name for p in out.iterdir()) == [f"{SAMPLE.stem}.pdf"]


def test_the_build_never_modifies_content(tmp_path):
    digest = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in SAMPLE.parent.rglob("*.*")}
    stamps = {p: p.stat().st_mtime_ns for p in SAMPLE.parent.rglob("*.*")}
    assert run([str(SAMPLE), "-o", str(tmp_path), "--html", "--print"])[0] == 0
    assert {
        p: hashlib.sha256(p.read_bytes()).hexdigest() for p in SAMPLE.parent.rglob("*.*")
    } == digest
    assert {p: p.stat().st_mtime_ns for p in SAMPLE.parent.rglob("*.*")} == stamps


# Bad bytes that are still a brief (the others are in test_frontmatter.py).
GOOD = FRONT + "## Text\n\nBody.\n"


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf" + GOOD.encode(),
        GOOD.replace("\n", "\r\n").encode(),
        GOOD.replace("\n", "\r").encode(),
    ],
)
def test_a_byte_order_mark_and_other_line_ends_build(tmp_path, data):
    path = tmp_path / "brief.md"
    path.write_bytes(data)
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out")])
    assert status == 0, stderr
    assert_safe_pdf(tmp_path / "out" / "brief.pdf")


# Whatever is thrown at it: a valid PDF, or exit 1 with one path:line message.
MARKDOWN = st.text(
    alphabet=st.sampled_from(
        [*list("ab #*_-[]()!<>`|:^\\\n\t1.>&\"'{}%=~+"), "Қ", "é", "—", "\xad"]
    ),
    max_size=400,
)
VALUES = st.one_of(st.text(max_size=30), st.integers(), st.booleans(), st.none(),
                   st.lists(st.text(max_size=5), max_size=3), st.dates().map(str))  # fmt: skip
FRONT_MATTER = st.dictionaries(
    st.sampled_from([*SCHEMA, "extra", "no"]), VALUES, max_size=len(SCHEMA)
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(front=FRONT_MATTER, body=MARKDOWN, valid=st.booleans())
def test_any_input_ends_in_a_pdf_or_a_clean_error(tmp_path, front, body, valid):
    import yaml

    if valid:  # half the time, start from valid front matter so that the Markdown gets printed
        front = {"country": "X", "title": "T", "date": "2024-01", "rating": "open", **front}
        front = {k: v for k, v in front.items() if k not in ("extra", "no")}
    path = tmp_path / "brief.md"
    path.write_text(
        "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + body, encoding="utf-8"
    )
    out = tmp_path / "out"
    status, _, stderr = run([str(path), "-o", str(out), "--timeout", "60"])
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    if status == 0:
        assert_safe_pdf(out / "brief.pdf")
    else:
        assert status == 1
        assert re.fullmatch(
            rf"({re.escape(str(path))}:\d+(:\d+)?: (error|warning): [^\n]+ \[[\w.]+\]\n)+", stderr
        ), stderr
    assert not list(out.glob(".*")) if out.exists() else True


def test_raw_html_links_and_images_follow_the_same_rules(folder):
    (folder / "chart.svg").write_text((SAMPLE.parent / "chart.svg").read_text())
    body = (
        'A <a href="/etc/passwd">raw path</a>, <a href="../x">a relative one</a>, '
        '<a href="https://example.org/r">a real one</a> and <img src="chart.svg" alt="A chart">.\n\n'
        '<table><tr><td colspan="1000000">wide</td></tr></table>\n'
    )
    status, stderr, pdf = build_text(folder, body, "--html")
    assert status == 0, stderr
    html = (folder / "out" / "brief.html").read_text()
    assert 'A raw path, a relative one, <a href="https://example.org/r">a real one</a>' in html
    assert 'colspan="1"' in html
    assert link_uris(pdf) == ["https://example.org/r"]
    assert link_tags(pdf) == [["/Link"]]
    assert "link to '../x' leads nowhere" in stderr
    assert_safe_pdf(pdf)


def test_no_html_copy_is_left_when_the_pdf_fails(folder):
    (folder / "fake.png").write_text("not an image")
    status, _, pdf = build_text(folder, "![Fake](fake.png)", "--html")
    assert status == 1
    assert not pdf.parent.exists() or list(pdf.parent.iterdir()) == []


def test_notes_with_lists_and_notes_of_their_own(folder):
    body = (
        "## Q&amp;A <em>now</em>\n\nA note.[^1] A list note.[^2]\n\n"
        "[^1]: See also[^3]\n[^2]: - item one\n    - item two\n[^3]: the inner note.\n"
    )
    path = folder / "brief.md"
    path.write_text(FRONT.replace("rating: narrowed", "rating: narrowed\ncontents: true") + body)
    status, _, stderr = run([str(path), "-o", str(folder / "out")])
    assert status == 0, stderr
    text = " ".join(" ".join(page_texts(folder / "out" / "brief.pdf")).split())
    assert "See also (the inner note.)" in text and "item one item two" in text
    assert "Q&A now" in text and "wzxhzdk" not in text


def test_a_raw_html_image_from_elsewhere_fails_at_its_line(folder):
    status, stderr, pdf = build_text(folder, 'Text.\n\n<img src="file:///etc/hostname" alt="x">\n')
    assert_clean_failure(status, stderr, pdf, 10)
    assert "image file:///etc/hostname is an address" in stderr


@pytest.mark.parametrize(
    "raw",
    [
        '<span class="footnote">A fake note.</span>',
        '<span class="source">Hidden in one copy</span>',
        '<span class="note-call follows">9</span>',
        '<p class="short long url">Classes of the press.</p>',
    ],
)
def test_raw_html_gets_none_of_the_press_classes(folder, raw):
    """A raw note shifted every note's number; a raw source was hidden in one copy only."""
    status, stderr, pdf = build_text(
        folder, f"One.[^a] {raw} Two.[^b]\n\n[^a]: A.\n[^b]: B.\n", "--html"
    )
    assert status == 0, stderr
    html = (folder / "out" / "brief.html").read_text()
    assert html.count('class="footnote"') == 2 and 'id="fn:2">B.' in html
    words = re.sub(r"<[^>]+>", "", raw)
    for copy in ("", "--print"):
        status, stderr, pdf = (
            build_text(folder, f"Text {raw} end.\n", copy) if copy else (0, "", pdf)
        )
        text = " ".join(page_texts(folder / "out" / ("brief-print.pdf" if copy else "brief.pdf")))
        assert words in " ".join(text.split()), copy


@pytest.mark.parametrize(
    "raw", ["Text <span><![ x</span> end.", "<div><![x y]></div>", "<div><![CDATA[x]]></div>"]
)
def test_a_malformed_marked_section_is_text_not_an_internal_error(folder, raw):
    for options in ([], ["--check"]):
        status, stderr, _ = build_text(folder, f"{raw}\n\nText.\n", *options)
        assert status == 0 and "internal" not in stderr, stderr


def test_a_brief_with_pictures_gives_the_same_bytes_in_any_folder(tmp_path):
    """WeasyPrint names a picture by the md5 of its address: the press hands it one free of the
    folder (a PNG once gave other bytes in another folder)."""
    built = []
    for folder in (tmp_path / "a", tmp_path / "deeper" / "b"):
        folder.mkdir(parents=True)
        Image.new("RGB", (40, 30), (200, 10, 10)).save(folder / "pic.png")
        (folder / "framed.svg").write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            'width="50" height="40"><image xlink:href="pic.png" width="40" height="30"/></svg>'
        )
        source = folder / "brief.md"
        source.write_text(FRONT + '![A red box](pic.png "A box")\n\n![A framed box](framed.svg)\n')
        status, _, stderr = run([str(source), "-o", str(folder / "out")])
        assert status == 0, stderr
        built.append((folder / "out" / "brief.pdf").read_bytes())
    assert built[0] == built[1]


def photo_with_position(path: Path) -> None:
    """A JPEG as a phone writes it: the camera's serial and the GPS position in its EXIF."""
    exif = Image.Exif()
    exif[0xA431] = "SERIAL-12345"  # BodySerialNumber
    exif[0x010F] = "Phone maker"
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "E", 4: (0.0, 7.0, 0.0)})
    Image.new("RGB", (64, 48), (30, 120, 200)).save(path, exif=exif, quality=90)


def test_published_photos_give_no_one_away(folder):
    """The HTML copy's assets once kept a protest photo's EXIF: serial number and GPS."""
    photo_with_position(folder / "protest.jpg")
    png = Image.new("RGB", (8, 8))
    info = PngInfo()
    info.add_text("Author", "A photographer's name")
    png.save(folder / "chart.png", pnginfo=info)
    body = '![A protest](protest.jpg "A protest")\n\n![A chart](chart.png "A chart")\n'
    status, stderr, pdf = build_text(folder, body, "--html")
    assert status == 0, stderr
    assert "image.position" in stderr and "protest.jpg" in stderr
    published = folder / "out" / "assets" / "brief"
    for name in ("protest.jpg", "chart.png"):
        data = (published / name).read_bytes()
        assert b"SERIAL-12345" not in data and b"photographer" not in data
        with Image.open(published / name) as copy, Image.open(folder / name) as original:
            assert not copy.getexif() and not copy.info.get("Author")
            assert copy.tobytes() == original.tobytes()  # the pixels as they were
    assert b"SERIAL-12345" not in pdf.read_bytes()


@pytest.mark.parametrize(
    "drawing",
    [
        '<rect x="nan" y="0" width="10" height="10"/>',
        '<path d="M0 0 L inf 5 Z"/>',
        '<g transform="scale(1e308)"><rect width="10" height="10"/></g>',
        '<circle cx="5" cy="5" r="-Infinity"/>',
    ],
)
def test_an_svg_drawing_with_a_number_that_is_none_is_refused_at_its_line(folder, drawing):
    """nan, inf and 1e308 reached the PDF as `nan` operators and a `nan` box: qpdf refused it."""
    (folder / "odd.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">{drawing}</svg>'
    )
    status, stderr, pdf = build_text(folder, "Text.\n\n![An odd drawing](odd.svg)\n")
    assert status == 1 and not pdf.exists()
    assert ":10: error:" in stderr and "a number that is none" in stderr


def test_an_svg_named_inf_or_with_a_long_word_builds(folder):
    (folder / "fine.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" id="inf">'
        '<text x="1" y="10" class="nan">information infinite</text></svg>'
    )
    status, stderr, pdf = build_text(folder, "Text.\n\n![A fine drawing](fine.svg)\n")
    assert status == 0, stderr
    with pikepdf.open(pdf) as document:
        assert document.check_pdf_syntax() == []


@pytest.mark.parametrize("hidden", ["\u202e", "\u2066", "\u200f", "\x1b"])
def test_an_address_with_hidden_characters_is_an_error_at_its_line(folder, hidden):
    """A right-to-left override made a printed source read "exe.jpg" for "gpj.exe"."""
    status, stderr, pdf = build_text(folder, f"See [the photo](https://e.org/{hidden}gpj.exe).\n")
    assert status == 1 and not pdf.exists() and "[link.hidden]" in stderr
    assert ":8:5: error:" in stderr


def test_a_mail_link_is_an_address_and_nothing_more(folder):
    status, stderr, pdf = build_text(
        folder, "Write to [us](mailto:press@e.org?attach=/etc/passwd&subject=x).\n", "--html"
    )
    assert status == 0, stderr
    assert link_uris(pdf) == ["mailto:press@e.org"]
    assert "passwd" not in (folder / "out" / "brief.html").read_text()
    status, stderr, _ = build_text(
        folder, "Write to [us](mailto:press@e.org?attach=/x).\n", "--print"
    )
    printed = folder / "out" / "brief-print.pdf"
    assert status == 0 and "attach" not in " ".join(page_texts(printed)), stderr
