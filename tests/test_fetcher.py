"""The fetcher, the security boundary: WeasyPrint reads the brief's own files, the styles and the
pinned fonts, and nothing else, whatever an SVG, a stylesheet or raw HTML names."""

import base64
import contextlib
import io
import os
import shutil
import socket
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import build_one, run
from helpers import FRONT, page_texts, write
from PIL import Image

from press import fetcher
from press.config import MAX_FETCH_BYTES, Config
from press.fetcher import BRIEF_URL, RootedFetcher, brief_images
from press.fonts import font_files
from press.problems import display

SECRET = "fetcher-secret-4d1b"  # in the files outside the brief's folder: never in a PDF
BODY = "## A\n\nText.\n\n![A chart](chart.svg)\n"
LINE = (FRONT + BODY).splitlines().index("![A chart](chart.svg)") + 1  # the image's line
OUTSIDE_ONLY = "only the brief's own files are read"
OUTSIDE = "outside the brief's folder"

# Every file Python opens while a build runs, by an audit hook: it sees opens of any kind (a
# hook cannot be removed; outside a `reads()` block it only returns).
READING: list[list[str]] = []


def record_opens(event: str, args: tuple) -> None:
    if event == "open" and READING and not isinstance(args[0], int):
        for found in READING:
            found.append(os.fsdecode(args[0]))


sys.addaudithook(record_opens)


@contextlib.contextmanager
def reads():
    """The paths of the files opened within the block."""
    found: list[str] = []
    READING.append(found)
    try:
        yield found
    finally:
        READING.remove(found)


def png(colour: str = "red") -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(data, format="png")
    return data.getvalue()


def svg(inner: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="40" height="40"><rect width="10" height="10"/>{inner}</svg>'
    )


@pytest.fixture
def place(tmp_path) -> Path:
    """A brief's folder with what a hostile brief might name: beside it (outside it), a picture,
    a stylesheet and a font holding the secret; inside it, a link to the picture outside, a file
    past the size limit (sparse: never read) and a font under an image's name."""
    (tmp_path / "secret.png").write_bytes(png())
    (tmp_path / "secret.css").write_text(f'body::after {{ content: "{SECRET}" }}')
    font = next(iter(font_files().values()))
    shutil.copy(font, tmp_path / "secret.woff2")
    folder = tmp_path / "brief"
    folder.mkdir()
    (folder / "escape.png").symlink_to(tmp_path / "secret.png")
    with open(folder / "big.png", "wb") as big:
        big.truncate(MAX_FETCH_BYTES + 1)
    shutil.copy(font, folder / "font.png")
    shutil.copy(font, folder / "font.woff2")
    (folder / "inside.png").write_bytes(png("blue"))
    return folder


def build_svg(folder: Path, drawing: str) -> tuple[int, str, list[str]]:
    """Build a brief whose one image is chart.svg; the status, stderr and the files opened."""
    (folder / "chart.svg").write_text(drawing)
    brief = write(folder, FRONT + BODY)
    with reads() as opened:
        status, _, stderr = run([str(brief), "-o", str(folder / "out")])
    return status, stderr, opened


def outside(folder: Path, opened: list[str]) -> list[str]:
    """The files opened that are beside the brief's folder, not in it."""
    return [p for p in opened if Path(p).resolve().parent == folder.parent]


# Through the command: an SVG names files itself, which no check of the Markdown sees.
@pytest.mark.parametrize(
    ("href", "reason"),
    [
        pytest.param("../secret.png", OUTSIDE, id="relative"),
        pytest.param("{outside}/secret.png", OUTSIDE, id="absolute"),
        pytest.param("escape.png", OUTSIDE, id="link"),  # in the folder, to a file outside it
        pytest.param("inside.png/../../secret.png", OUTSIDE, id="through-a-file"),
        pytest.param("%2e%2e/secret.png", OUTSIDE, id="encoded"),
        pytest.param("file://{outside}/secret.png", OUTSIDE, id="file"),
        pytest.param("file://localhost{outside}/secret.png", OUTSIDE_ONLY, id="file-host"),
        pytest.param("http://127.0.0.1:9/x.png", OUTSIDE_ONLY, id="http"),
        pytest.param("https://example.org/x.png", OUTSIDE_ONLY, id="https"),
        pytest.param("ftp://example.org/x.png", OUTSIDE_ONLY, id="ftp"),
        pytest.param("font:../../secret.woff2", OUTSIDE_ONLY, id="font-scheme"),  # no pinned font
        pytest.param("big.png", f"larger than {MAX_FETCH_BYTES // 2**20} MiB", id="too-large"),
        pytest.param("font.png", "a font; the press sets text in its own", id="a-font"),
        pytest.param("missing.png", "no such file", id="missing"),
        pytest.param(".", "not a regular file", id="a-folder"),
    ],
)
def test_an_svgs_image_is_refused_at_the_briefs_line(place, monkeypatch, href, reason):
    connections = []
    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, lambda *args: connections.append(args))
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kw: connections.append(args))
    href = href.format(outside=place.parent)
    status, stderr, opened = build_svg(place, svg(f'<image href="{href}" width="9" height="9"/>'))
    assert status == 1
    brief = display(place / "brief.md")
    assert stderr == (
        f"{brief}:{LINE}: error: refused chart.svg: its image {unquote(href)}: {reason}"
        " [fetch.refused]\n"
    )
    assert not (place / "out" / "brief.pdf").exists()
    assert outside(place, opened) == [] and connections == []
    assert str(place.resolve() / "chart.svg") in opened  # the SVG was read: it named the file


def test_an_svgs_image_inside_the_folder_is_drawn(place):
    """What the refusals are measured against: an SVG's image beside the brief is read."""
    status, stderr, opened = build_svg(
        place, svg('<image href="inside.png" width="9" height="9"/>')
    )
    assert (status, stderr) == (0, "")
    assert str(place.resolve() / "inside.png") in opened and outside(place, opened) == []
    assert (place / "out" / "brief.pdf").exists()


@pytest.mark.parametrize(
    ("font", "message"),
    [
        # Relative to the SVG's folder-free address (/.press-brief/chart.svg): the root.
        ("../secret.woff2", f"refused file:///secret.woff2: {OUTSIDE}"),
        ("{outside}/secret.woff2", f"refused file://{{outside}}/secret.woff2: {OUTSIDE}"),
        ("font.woff2", "refused font.woff2: a font; the press sets text in its own"),
    ],
    ids=["relative", "absolute", "inside"],
)
def test_a_font_an_svg_names_is_refused(place, font, message):
    """An SVG's stylesheet may name a font (@font-face): only the pinned fonts set text.

    The message names the font, not the SVG: it is placed at the brief's first line.
    """
    font, message = font.format(outside=place.parent), message.format(outside=place.parent)
    style = f'@font-face {{ font-family: X; src: url("{font}") }} text {{ font-family: X }}'
    drawing = svg(f'<style>{style}</style><text x="1" y="20">Set in X</text>')
    status, stderr, opened = build_svg(place, drawing)
    assert status == 1
    assert stderr == f"{display(place / 'brief.md')}:1: error: {message} [fetch.refused]\n"
    assert not (place / "out" / "brief.pdf").exists() and outside(place, opened) == []


def test_a_data_address_reads_no_file_and_stops_the_brief(place):
    """A data: address holds its bytes: the checks refuse it in Markdown; in an SVG, the
    fetcher refuses the SVG, saying why, at its line."""
    data = "data:image/png;base64," + base64.b64encode(png()).decode()
    brief = write(place, FRONT + f"## A\n\n![A pixel]({data})\n")
    status, _, stderr = run([str(brief), "-o", str(place / "out")])
    assert status == 1
    assert stderr == (
        f"{display(brief)}:10:1: error: image {data} is an address: put the file beside the brief"
        " [image.address]\n"
    )
    status, stderr, opened = build_svg(place, svg(f'<image href="{data}" width="9" height="9"/>'))
    assert status == 1 and stderr.startswith(f"{display(brief)}:{LINE}: error: "), stderr
    assert "chart.svg" in stderr and stderr.count("\n") == 1 and "Traceback" not in stderr
    assert "an image written into it (data:) is not read" in stderr
    assert not (place / "out" / "brief.pdf").exists() and outside(place, opened) == []


def test_what_raw_html_names_is_never_read(place):
    """Raw HTML's stylesheets, styles and embeds are dropped before WeasyPrint sees them: the
    stylesheet outside, which would print its marker, is never opened."""
    hostile = (
        '<link rel="stylesheet" href="../secret.css"><style>@import url(../secret.css);</style>\n'
        '<p style="background: url(../secret.png)">Styled.</p>\n'
        '<object data="../secret.css"></object><iframe src="../secret.css"></iframe>\n'
    )
    brief = write(place, FRONT + "## A\n\nText.\n\n" + hostile)
    with reads() as opened:
        status, _, stderr = run([str(brief), "-o", str(place / "out")])
    assert status == 0, stderr
    text = "\n".join(page_texts(place / "out" / "brief.pdf"))
    assert "Styled." in text and SECRET not in text
    assert outside(place, opened) == []


def test_a_stylesheets_address_outside_its_folder_is_refused_at_its_line(tmp_path):
    """A stylesheet reads from its own folder (and the brief's), not beside it."""
    (tmp_path / "secret.png").write_bytes(png())
    styles = tmp_path / "styles"
    styles.mkdir()
    for css in Config().styles_dir.glob("*.css"):
        (styles / css.name).write_text(css.read_text())
    css = styles / "brief.css"
    css.write_text(css.read_text() + "body { background: url(../secret.png) }\n")
    line = css.read_text().count("\n")
    folder = tmp_path / "brief"
    folder.mkdir()
    with reads() as opened:
        result = build_one(
            write(folder, FRONT + "Text.\n"), Config(folder / "out", styles_dir=styles)
        )
    assert [str(p) for p in result.problems] == [
        f"{display(css)}:{line}: error: refused {(tmp_path / 'secret.png').as_uri()}: {OUTSIDE}"
        " [fetch.refused]"
    ]
    assert str(tmp_path / "secret.png") not in opened and not (folder / "out").exists()


def test_a_stylesheet_importing_one_outside_its_folder_is_an_error_not_a_traceback(tmp_path):
    (tmp_path / "secret.css").write_text("body { color: red }\n")
    styles = tmp_path / "styles"
    styles.mkdir()
    for css in Config().styles_dir.glob("*.css"):
        (styles / css.name).write_text(css.read_text())
    css = styles / "brief.css"
    css.write_text("@import url(../secret.css);\n" + css.read_text())
    folder = tmp_path / "brief"
    folder.mkdir()
    result = build_one(write(folder, FRONT + "Text.\n"), Config(folder / "out", styles_dir=styles))
    assert [str(p) for p in result.problems] == [
        f"{display(css)}:1: error: refused {(tmp_path / 'secret.css').as_uri()}: {OUTSIDE}"
        " [fetch.refused]"
    ]
    assert not (folder / "out").exists()


# The fetcher itself.
@pytest.fixture
def fetch(place) -> RootedFetcher:
    return RootedFetcher([place], font_files())


def test_the_briefs_files_are_read_by_their_folder_free_address(place, fetch):
    (place / "sub").mkdir()
    (place / "sub" / "a b.png").write_bytes(png())
    mime, data, path = fetch.read(BRIEF_URL + "sub/a%20b.png")
    assert (mime, data, path) == ("image/png", png(), (place / "sub" / "a b.png").resolve())
    assert fetch.read((place / "inside.png").as_uri())[1] == png("blue")  # by its own address
    name, font = next(iter(font_files().items()))
    assert fetch.read(f"font:{name}")[1:] == (font.read_bytes(), font)  # a pinned font


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (BRIEF_URL + "../secret.png", OUTSIDE),
        (BRIEF_URL + "%2e%2e/secret.png", OUTSIDE),
        (BRIEF_URL + "inside.png/../../secret.png", OUTSIDE),
        (BRIEF_URL + "escape.png", OUTSIDE),
        ("file:///etc/hostname", OUTSIDE),
        ("file:///.press-briefing/x.png", OUTSIDE),  # not the brief's address, though like it
        ("file://localhost/etc/hostname", OUTSIDE_ONLY),
        ("http://127.0.0.1:9/x.png", OUTSIDE_ONLY),
        ("data:image/png;base64,iVBORw0KGgo=", OUTSIDE_ONLY),
        ("font:../../etc/hostname", OUTSIDE_ONLY),
        ("font:secret.woff2", OUTSIDE_ONLY),
        ("/etc/hostname", OUTSIDE_ONLY),  # not an address at all
        (BRIEF_URL + "big.png", f"larger than {MAX_FETCH_BYTES // 2**20} MiB"),
        (BRIEF_URL + "font.png", "a font; the press sets text in its own"),
        (BRIEF_URL + "font.woff2", "a font; the press sets text in its own"),
        (BRIEF_URL + "missing.png", "no such file"),
        (BRIEF_URL, "not a regular file"),
    ],
)
def test_the_fetcher_refuses(place, fetch, url, reason):
    with reads() as opened, pytest.raises(ValueError) as refused:
        fetch.read(url)
    said = f"{url}: {reason}" if reason == "no such file" else f"refused {url}: {reason}"
    assert str(refused.value) == said
    assert outside(place, opened) == []
    if "larger" in reason:
        assert str(place / "big.png") not in opened  # its size is enough


def test_a_folder_that_shares_the_briefs_name_is_outside(place, fetch):
    twin = place.with_name(place.name + "-twin")
    twin.mkdir()
    (twin / "x.png").write_bytes(png())
    with pytest.raises(ValueError, match=OUTSIDE):
        fetch.read((twin / "x.png").as_uri())


def test_a_fifo_is_refused_without_being_opened(place, fetch):
    os.mkfifo(place / "pipe.png")  # opening it would wait for a writer
    with pytest.raises(ValueError, match="not a regular file"):
        fetch.read(BRIEF_URL + "pipe.png")


def test_the_size_limit_is_the_fetchers_own(place, monkeypatch):
    monkeypatch.setattr(fetcher, "MAX_FETCH_BYTES", 2**20)
    (place / "edge.dat").write_bytes(b"x" * 2**20)
    (place / "over.dat").write_bytes(b"x" * (2**20 + 1))
    fetch = RootedFetcher([place], {})
    assert fetch.read(BRIEF_URL + "edge.dat")[1] == b"x" * 2**20  # at the limit: read
    with pytest.raises(ValueError, match=r"over\.dat: larger than 1 MiB"):
        fetch.read(BRIEF_URL + "over.dat")


def test_an_svg_is_refused_for_what_it_names(place, fetch):
    (place / "chart.svg").write_text(svg('<image xlink:href="../secret.png"/>'))
    with reads() as opened, pytest.raises(ValueError) as refused:
        fetch.read(BRIEF_URL + "chart.svg")
    assert str(refused.value) == (
        f"refused {BRIEF_URL}chart.svg: its image ../secret.png: outside the brief's folder"
    )
    assert outside(place, opened) == []


def test_an_svgs_data_image_is_refused_with_the_svg(place, fetch):
    """The fetcher reads files only: an SVG holding a data: image is refused, saying why."""
    data = "data:image/png;base64," + base64.b64encode(png()).decode()
    (place / "chart.svg").write_text(svg(f'<image href="{data}"/>'))
    with pytest.raises(ValueError, match=r"an image written into it \(data:\) is not read"):
        fetch.read(BRIEF_URL + "chart.svg")
    with pytest.raises(ValueError, match=OUTSIDE_ONLY):
        fetch.read(data)


def test_brief_images_names_only_the_briefs_own_files_by_the_briefs_address(place):
    out = place / "out"
    page = (
        '<img src="../inside.png"><img src="../sub/a%20b.png"><img src="../../secret.png">'
        '<img src="/etc/hostname"><img src="file:///etc/hostname"><img src="http://e.org/x.png">'
    )
    assert brief_images(page, place.resolve(), out) == (
        f'<img src="{BRIEF_URL}inside.png"><img src="{BRIEF_URL}sub/a%20b.png">'
        '<img src="../../secret.png"><img src="/etc/hostname"><img src="file:///etc/hostname">'
        '<img src="http://e.org/x.png">'
    )
