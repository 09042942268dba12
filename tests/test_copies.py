"""The two copies: the distributable PDF and the press-ready print copy; the HTML copy."""

import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
import tinycss2
from conftest import KAZAKHSTAN, ROOT, SAMPLE, run
from helpers import (
    MM,
    artifact_texts,
    common_font_size,
    embedded_fonts,
    html_tree,
    page_texts,
    squash,
)
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from press import system
from press.config import COPIES, PDF_VARIANTS
from press.frontmatter import read

WHITE = (255, 255, 255)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def stylesheet_colours(path: Path) -> tuple[dict[str, str], set[str]]:
    """The `:root` colour variables of a stylesheet, and every value its `color:` declarations use."""
    variables, used = {}, set()
    rules = tinycss2.parse_stylesheet(path.read_text(encoding="utf-8"), skip_comments=True)
    stack = list(rules)
    while stack:
        rule = stack.pop()
        if rule.type == "at-rule" and rule.content:
            stack += tinycss2.parse_blocks_contents(rule.content, skip_comments=True)
        if rule.type != "qualified-rule":
            continue
        for decl in tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True):
            if decl.type != "declaration":
                continue
            value = tinycss2.serialize(decl.value).strip()
            if decl.name.startswith("--") and re.fullmatch(r"#[0-9a-f]{6}", value):
                variables[decl.name] = value
            elif decl.name == "color":
                used.add(value)
    return variables, used


# Which text colour sits on which background, by the names the stylesheet gives them.
TEXT_ON = {
    "--ink": ["#ffffff", "--panel"],
    "--muted": ["#ffffff", "--panel"],
    "--accent": ["#ffffff"],
    "--on-rating": ["--closed", "--repressed", "--obstructed", "--narrowed", "--open"],
}


def test_every_text_colour_has_at_least_4_5_to_1_contrast():
    variables, used = stylesheet_colours(ROOT / "styles" / "brief.css")
    for text, backgrounds in TEXT_ON.items():
        for background in backgrounds:
            ratio = contrast(variables[text], variables.get(background, background))
            assert ratio >= 4.5, (text, background, ratio)
    # Every colour given to text is one of those checked (or inherits its parent's).
    assert used <= {f"var({name})" for name in TEXT_ON} | {"inherit"}, used


def declarations(path: Path):
    """Every declaration of a stylesheet: in rules, at-rules and the at-rules within them."""
    stack = list(tinycss2.parse_stylesheet(path.read_text(encoding="utf-8"), skip_comments=True))
    while stack:
        node = stack.pop()
        if node.type == "declaration":
            yield node
        elif node.type in ("qualified-rule", "at-rule") and node.content is not None:
            stack += tinycss2.parse_blocks_contents(node.content, skip_comments=True)


def uses_variable(tokens) -> bool:
    """Whether a value calls var(), at any depth."""
    for token in tokens:
        if token.type == "function" and (
            token.lower_name == "var" or uses_variable(token.arguments)
        ):
            return True
        if token.type in ("() block", "[] block") and uses_variable(token.content):
            return True
    return False


def test_variables_are_set_in_longhands():
    # WeasyPrint parses a shorthand holding var() again for each longhand on every element it
    # styles: some 300 times in a brief's build when the stylesheets did it (README, Performance).
    from weasyprint.css.validation.expanders import EXPANDERS

    system.import_weasyprint()
    found = [
        f"{path.name}:{decl.source_line}: {decl.name}"
        for path in sorted((ROOT / "styles").glob("*.css"))
        for decl in declarations(path)
        if decl.name in EXPANDERS and uses_variable(decl.value)
    ]
    assert found == []
    # The walk sees declarations inside @page margin boxes and @media blocks, found nowhere else.
    seen = {
        (d.name, tinycss2.serialize(d.value).strip())
        for d in declarations(ROOT / "styles" / "brief.css")
    }
    assert {("padding-bottom", "5mm"), ("font-size", "0.7em")} <= seen


def test_distributable_is_small(kazakhstan):
    assert kazakhstan.pdf.stat().st_size <= 100 * 1024


@pytest.mark.parametrize("copy", ["kazakhstan", "kazakhstan_print", "sample", "sample_print"])
def test_every_stream_is_compressed_and_the_file_is_sound(request, copy):
    # Each stream must decode, and qpdf must find nothing wrong with the file.
    pdf_path = request.getfixturevalue(copy).pdf
    with pikepdf.open(pdf_path) as pdf:
        streams = [obj for obj in pdf.objects if isinstance(obj, pikepdf.Stream)]
        assert len(streams) > 10
        for stream in streams:
            # PDF/X's metadata stays plain, as WeasyPrint writes it for the print copy.
            plain = copy.endswith("print") and stream.get("/Type") == "/Metadata"
            assert stream.get("/Filter") == (None if plain else "/FlateDecode"), stream.stream_dict
            assert stream.read_bytes()
        assert pdf.check_pdf_syntax() == []


def test_one_line_per_brief_with_pages_size_and_time(kazakhstan):
    pages = len(page_texts(kazakhstan.pdf))
    assert re.fullmatch(
        rf".*kazakhstan-2022-03\.pdf: {pages} pages, \d+ KB, \d+\.\d s\n", kazakhstan.stdout
    )


def test_size_budget_fails_and_keeps_the_previous_pdf(tmp_path):
    shutil.copy(KAZAKHSTAN, tmp_path / KAZAKHSTAN.name)
    source, pdf = tmp_path / KAZAKHSTAN.name, tmp_path / "out" / "kazakhstan-2022-03.pdf"
    assert run([str(source), "-o", str(pdf.parent)])[0] == 0
    before = pdf.read_bytes()
    status, _, stderr = run([str(source), "-o", str(pdf.parent), "--max-size", "20KB"])
    assert status == 1
    assert re.search(
        r":1: error: the PDF would be \d+ KB, over the 20 KB budget; make images smaller or raise it with --max-size \[limit.size\]\n",
        stderr,
    ), stderr
    assert pdf.read_bytes() == before
    assert sorted(p.name for p in pdf.parent.iterdir()) == [pdf.name]  # no temporary file left


@pytest.mark.parametrize("bad", ["1 GB", "lots", ""])
def test_size_budget_must_be_a_size(bad):
    assert run(["--max-size", bad])[0] == 2


def test_pdf_ua_machine_checks_find_nothing(brief):
    outloud = Path(sys.executable).with_name("outloud")
    result = subprocess.run([str(outloud), "--json", "-", "--fail-on", "never", str(brief.pdf)],
                            capture_output=True, text=True, check=True)  # fmt: skip
    report = json.loads(result.stdout)["results"][0]
    # Not even warnings: running heads are Artifacts, recommendation numbers paint in reading order.
    assert report["findings"] == []


def test_variants_offered_are_weasyprints():
    from weasyprint.pdf import VARIANTS

    assert set(PDF_VARIANTS) == set(VARIANTS) - {"debug"}


def test_pdf_a_on_request(tmp_path):
    status, _, stderr = run([str(SAMPLE), "-o", str(tmp_path), "--pdf-variant", "pdf/a-3b"])
    assert status == 0, stderr
    with pikepdf.open(tmp_path / f"{SAMPLE.stem}.pdf") as pdf:
        meta = pdf.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("3", "B")


def test_print_copy_is_pdf_x_with_output_intent(print_copy):
    with pikepdf.open(print_copy.pdf) as pdf:
        assert pdf.open_metadata().get("pdfxid:GTS_PDFXVersion") == "PDF/X-4"
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFX" and "/DestOutputProfile" in intent
        assert pdf.Root.MarkInfo.Marked is True  # still tagged


def test_print_cover_bleeds_and_has_crop_marks(print_copy):
    rating = read(print_copy.source).meta["rating"]
    with pikepdf.open(print_copy.pdf) as pdf:
        media = [float(v) for v in pdf.pages[0].MediaBox]
    document = pypdfium2.PdfDocument(print_copy.pdf)
    scale = 2
    image = document[0].render(scale=scale).to_pil().convert("RGB")
    document.close()

    def pixel(x_pt: float, y_pt: float):
        """The colour at a point measured in PDF units from the trim box's top left."""
        return image.getpixel((round((x_pt - media[0]) * scale), round((y_pt - media[0]) * scale)))

    fill = pixel(5 * MM, 5 * MM)  # the cover's field, in the print copy's CMYK as PDFium shows it
    assert max(abs(a - b) for a, b in zip(fill, rating_fill(rating), strict=True)) < 25
    assert pixel(-2.5 * MM, -2.5 * MM) == fill  # the field runs into the bleed
    assert pixel(300, -2.5 * MM) == fill
    assert pixel(300, -4.5 * MM) == WHITE  # and stops outside it
    # Crop marks: hairlines on the trim lines, outside the bleed, at the corners.
    assert max(pixel(-8 * MM, 0)) < 200 and max(pixel(0, -8 * MM)) < 200
    assert max(pixel(595.28 + 8 * MM, 841.89)) < 200 and max(pixel(595.28, 841.89 + 8 * MM)) < 200
    assert pixel(-8 * MM, 20) == WHITE  # and nowhere else


def rating_fill(rating: str) -> tuple[int, int, int]:
    """The fill of a rating as RGB, read from the stylesheet."""
    variables, _ = stylesheet_colours(ROOT / "styles" / "brief.css")
    return tuple(int(c, 16) for c in re.findall("..", variables[f"--{rating}"].lstrip("#")))


def test_print_links_become_source_notes(sample, sample_print):
    printed = "\n".join(page_texts(sample_print.pdf))
    assert re.search(r"^a\. https://example\.org/brief", printed, re.MULTILINE)
    assert "https://example.org/brief" not in "\n".join(page_texts(sample.pdf))
    assert not re.search(r"^b\. ", printed, re.MULTILINE)  # the placeholder link got no note


def test_print_and_distributable_have_the_same_pages_text_artifacts_and_fonts(
    kazakhstan, kazakhstan_print
):
    assert page_texts(kazakhstan.pdf) == page_texts(kazakhstan_print.pdf)
    assert artifact_texts(kazakhstan.pdf) == artifact_texts(kazakhstan_print.pdf)
    assert {f["name"] for f in embedded_fonts(kazakhstan.pdf)} == {
        f["name"] for f in embedded_fonts(kazakhstan_print.pdf)
    }


@pytest.mark.parametrize("options", [[], ["--print"]], ids=["distributable", "print"])
def test_byte_reproducible_across_processes_clocks_and_time_zones(tmp_path, options):
    outputs = []
    for n, (clock, zone) in enumerate(
        [("2001-02-03 04:05:06", "UTC"), ("2031-12-31 23:59:00", "Asia/Tokyo")]
    ):
        out = tmp_path / str(n)
        command = [
            "faketime",
            clock,
            sys.executable,
            str(ROOT / "build.py"),
            str(SAMPLE),
            "-o",
            str(out),
            *options,
        ]
        env = {**os.environ, "TZ": zone}
        subprocess.run(command, env=env, check=True, capture_output=True)
        (pdf,) = out.glob("*.pdf")
        outputs.append(pdf.read_bytes())
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("options", [[], ["--print"]], ids=["distributable", "print"])
def test_the_same_brief_in_another_folder_gives_the_same_bytes(tmp_path, options):
    """Another machine keeps its briefs elsewhere: no path may reach the PDF."""
    outputs = []
    for name in ("a", "somewhere/much/deeper"):
        folder = tmp_path / name
        shutil.copytree(SAMPLE.parent, folder)
        assert run([str(folder / SAMPLE.name), "-o", str(folder / "out"), *options])[0] == 0
        (pdf,) = (folder / "out").glob("*.pdf")
        outputs.append(pdf.read_bytes())
    assert outputs[0] == outputs[1]


def test_html_copy_opens_with_its_styles_fonts_and_images_wherever_it_is_moved(tmp_path, sample):
    folder = tmp_path / "moved"  # as posted online: the HTML file and assets/, nothing else
    (folder / "assets").mkdir(parents=True)
    shutil.copy(sample.html, folder)
    shutil.copytree(sample.html.parent / "assets", folder / "assets", dirs_exist_ok=True)
    tree = html_tree(folder / sample.html.name)
    (link,) = tree.findall(".//link[@rel='stylesheet']")
    assert link.get("media") == "screen"
    css = (folder / link.get("href")).read_text(encoding="utf-8")
    fonts = re.findall(r"url\(([^)]+)\)", css)
    assert fonts and not [f for f in fonts if not (folder / "assets" / f).is_file()]
    images = [img.get("src") for img in tree.iter("img")]
    assert images and all(src.startswith(f"assets/{SAMPLE.stem}/") for src in images)
    chart = (SAMPLE.parent / "chart.svg").read_bytes()
    assert all((folder / src).read_bytes() == chart for src in images)


def test_preview_renders_every_page_and_leaves_other_briefs_previews(tmp_path, sample_folder):
    preview = tmp_path / "preview"
    preview.mkdir()
    others = [preview / f"{SAMPLE.stem}-extra-1.png", preview / f"{SAMPLE.stem}-9.png"]
    others[0].write_bytes(b"old")
    marked = PngInfo()
    marked.add_text("Software", "Watchlist press")  # a page the press rendered before
    Image.new("RGB", (4, 4)).save(others[1], pnginfo=marked)
    status, _, stderr = run([str(sample_folder / SAMPLE.name), "-o", str(tmp_path), "--preview"])
    assert status == 0, stderr
    count = len(page_texts(tmp_path / f"{SAMPLE.stem}.pdf"))
    pages = sorted(preview.glob(f"{SAMPLE.stem}-[0-9].png"))
    assert [p.name for p in pages] == [f"{SAMPLE.stem}-{n}.png" for n in range(1, count + 1)]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pages)
    assert others[0].exists() and not others[1].exists()  # another brief's, a stale page


ARABIC = ROOT / "tests" / "briefs" / "languages" / "ar.md"


@pytest.fixture(scope="module")
def large_and_screen(tmp_path_factory) -> dict:
    """The Kazakhstan and the Arabic brief, each as the distributable and the large-print copy."""
    out = tmp_path_factory.mktemp("large")
    built = {}
    for source in (KAZAKHSTAN, ARABIC):
        for copy in ("screen", "large"):
            status, _, stderr = run([str(source), "-o", str(out), "--html", "--copy", copy])
            assert status == 0, stderr
            stem = source.stem + COPIES[copy].suffix
            built[source.stem, copy] = out / f"{stem}.pdf", out / f"{stem}.html"
    return built


@pytest.mark.parametrize("source", [KAZAKHSTAN, ARABIC], ids=["en", "ar"])
def test_the_large_print_copy_sets_every_script_four_thirds_larger(large_and_screen, source):
    """14 pt body text from 10.5 pt; Arabic's own 12 pt to 16 pt: one --scale in large.css."""
    screen, _ = large_and_screen[source.stem, "screen"]
    large, _ = large_and_screen[source.stem, "large"]
    body = common_font_size(screen)
    assert body == (12 if source == ARABIC else 10.5)
    assert common_font_size(large) == pytest.approx(body * 14 / 10.5, abs=0.01)


@pytest.mark.parametrize("source", [KAZAKHSTAN, ARABIC], ids=["en", "ar"])
def test_the_large_print_html_copy_is_larger_on_a_screen_too(large_and_screen, source, tmp_path):
    from weasyprint import HTML

    system.import_weasyprint()
    sizes = {}
    for copy in ("screen", "large"):  # the HTML copy as a screen shows it, its body text measured
        _, html = large_and_screen[source.stem, copy]
        HTML(filename=html, media_type="screen").write_pdf(tmp_path / f"{copy}.pdf")
        sizes[copy] = common_font_size(tmp_path / f"{copy}.pdf")
    assert sizes["screen"] == pytest.approx(17 * 0.75, abs=0.01)  # 17 px
    assert sizes["large"] == pytest.approx(17 * 0.75 * 14 / 10.5, abs=0.01)


@pytest.mark.parametrize("copy", COPIES.values(), ids=COPIES)
def test_each_copy_of_the_table_builds_under_its_own_name_with_its_stylesheets(tmp_path, copy):
    status, _, stderr = run([str(SAMPLE), "-o", str(tmp_path), "--html", "--copy", copy.name])
    assert status == 0, stderr
    stem = SAMPLE.stem + copy.suffix
    with pikepdf.open(tmp_path / f"{stem}.pdf") as pdf:
        claimed = str(pdf.open_metadata().get("pdfuaid:part", "")) or None
        assert (copy.variant == "pdf/ua-1") <= (claimed == "1")
        for page in pdf.pages:
            trim = page.obj.get("/TrimBox", page.mediabox)
            bleed = page.obj.get("/BleedBox", trim)
            assert float(trim[0] - bleed[0]) == pytest.approx(copy.bleed_mm * MM, abs=0.01)
    links = re.findall(
        r'<link rel="stylesheet" href="assets/([^"]+)"', (tmp_path / f"{stem}.html").read_text()
    )
    assert links == ["brief.css", *copy.styles]
    assert all((tmp_path / "assets" / name).is_file() for name in links)


def test_each_copys_bleed_is_its_stylesheets():
    """A copy's bleed_mm (the PDF's BleedBox) and the --bleed its stylesheets extend art by."""
    for copy in COPIES.values():
        bleeds = [
            tinycss2.serialize(d.value).strip()
            for name in copy.styles
            for d in declarations(ROOT / "styles" / name)
            if d.name == "--bleed"
        ]
        assert bleeds == ([f"{copy.bleed_mm:g}mm"] if copy.bleed_mm else [])


@pytest.mark.parametrize("source", [KAZAKHSTAN, ARABIC], ids=["en", "ar"])
def test_the_large_print_key_figures_share_their_page_with_the_text(large_and_screen, source):
    """On a large-print cover they no longer fit: they open page 2, never a page of their own."""
    large, _ = large_and_screen[source.stem, "large"]
    first = re.search(r"^## (.+)$", source.read_text(), re.M)[1]
    figures = read(source).meta["figures"][0]["label"]
    second = unmarked(page_texts(large)[1])
    assert unmarked(figures) in second and unmarked(first) in second


def unmarked(text: str) -> str:
    """Text to find on a page, without spaces or vowel marks: PDFium sets an Arabic word's marks
    apart from its letters (docs/tags.md), which is not the page's layout."""
    return "".join(c for c in squash(text) if unicodedata.category(c) != "Mn")


def test_the_html_copy_lets_a_keyboard_skip_the_cover_and_names_its_numbered_links(sample):
    tree = html_tree(sample.html)
    links = tree.findall(".//{*}body//{*}a")
    assert links[0].get("class") == "skip" and links[0].get("href") == "#the-text"
    assert tree.find(".//{*}main").get("id") == "the-text"
    numbered = [a for a in links if (a.text or "").strip().isdigit()]
    assert numbered and all(a.text.strip() in (a.get("aria-label") or "") for a in numbered)
    assert {a.get("aria-label").split()[0] for a in numbered} == {"Note", "Back"}
