"""The print copy as a print shop's preflight reads it: a CMYK printing condition, black on the
black plate, registration marks, ink within the condition's limit, images in a defined colour
and never smoothed (press/colour.py, press/inks.py, styles/print.css)."""

import os
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
import tinycss2
from conftest import ROOT, build_brief
from helpers import FILLS, FRONT, filled_paths, write
from PIL import Image

from press import colour
from press.config import PROFILE


def colours(pdf) -> list[tuple[str, tuple[float, ...], bool]]:
    """Every colour set in the PDF's content streams, forms within forms too: (operator, values,
    in the crop marks: the form each page draws first, as an Artifact)."""
    found, seen = [], set()

    def walk(stream, marks: bool) -> None:
        operations = pikepdf.parse_content_stream(stream)
        for operands, op in operations:
            if str(op) in ("rg", "RG", "g", "G", "k", "K", "sc", "SC", "scn", "SCN"):
                values = tuple(float(v) for v in operands if not isinstance(v, pikepdf.Name))
                found.append((str(op), values, marks))
        forms = stream.get("/Resources", {}).get("/XObject", {})
        drawn = [str(operands[0]) for operands, op in operations if str(op) == "Do"]
        for name in drawn:  # the forms this stream draws (pages share one resource dictionary)
            form = forms[name]
            if form.get("/Subtype") == "/Form" and form.objgen not in seen:
                seen.add(form.objgen)
                walk(form, marks or name == first_drawn(operations))

    with pikepdf.open(pdf) as document:
        for page in document.pages:
            walk(page.obj, False)
    return found


def first_drawn(operations) -> str | None:
    """The XObject a page draws first, inside an Artifact: WeasyPrint's crop marks."""
    ops = [(str(op), operands) for operands, op in operations]
    drawn = next((at for at, (op, _) in enumerate(ops) if op == "Do"), None)
    if drawn is None or not any(op == "BMC" for op, _ in ops[:drawn]):
        return None
    return str(ops[drawn][1][0])


def test_the_output_intent_is_a_cmyk_printer_profile_naming_its_condition(print_copy):
    with pikepdf.open(print_copy.pdf) as document:
        (intent,) = document.Root.OutputIntents
        profile = intent.DestOutputProfile.read_bytes()
        assert str(intent.S) == "/GTS_PDFX" and str(intent.OutputConditionIdentifier) == "FOGRA39"
        assert str(intent.RegistryName) == "http://www.color.org"  # where FOGRA39 is defined
        assert "ISO 12647-2" in str(intent.OutputCondition)
        assert intent.DestOutputProfile.N == 4
    assert profile[12:16] == b"prtr" and profile[16:20] == b"CMYK"  # an output device, CMYK


def test_no_colour_is_rgb_and_every_grey_is_on_the_black_plate_alone(print_copy):
    """Text, rules, the scale's black and any grey an SVG draws: K only; nothing in RGB or grey
    device colour; the crop marks (below) aside."""
    found = colours(print_copy.pdf)
    assert found and not [c for c in found if c[0] in ("rg", "RG", "g", "G")]
    cmyk = [(values, marks) for op, values, marks in found if len(values) == 4]
    assert len(cmyk) == len(found)
    greys = [v for v, marks in cmyk if not marks and v[0] == v[1] == v[2] and v[3] > 0]
    assert not [v for v in greys if v[0] > 0], greys  # a rich black or grey: four plates
    text = colour.cmyk(colour.rgb_of(colour.PALETTE["ink"]), k_only=True)
    assert text == (0, 0, 0, 1) and text in {v for v, _ in cmyk}  # solid: no screened edge
    rule = colour.cmyk(colour.rgb_of(colour.PALETTE["rule"]), k_only=True)
    assert rule[:3] == (0, 0, 0) and rule in {v for v, _ in cmyk}  # thin lines on one plate


def test_the_crop_marks_are_on_every_plate(print_copy):
    marks = [values for _, values, in_marks in colours(print_copy.pdf) if in_marks]
    assert marks and set(marks) == {(1.0, 1.0, 1.0, 1.0)}


def test_no_spot_gets_more_ink_than_the_condition_allows(print_copy, tmp_path):
    """Ghostscript renders the plates (CMYK, 30 dpi, through the output intent): within the
    bleed box, nowhere more than FOGRA39's 330 % (the crop marks, outside it, carry 400 %)."""
    assert heaviest_ink(print_copy.pdf, tmp_path) <= 255 * colour.TOTAL_INK / 100


def heaviest_ink(pdf, folder) -> int:
    """The most ink (0–1020) any pixel gets inside the bleed box, page by page."""
    out, dpi = folder / "page-%d.tif", 30
    subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-dUsePDFX3Profile",
                    "-sDEVICE=tiff32nc", f"-r{dpi}", f"-sOutputFile={out}", str(pdf)],
                   check=True)  # fmt: skip
    with pikepdf.open(pdf) as document:
        boxes = [([float(v) for v in p.MediaBox], [float(v) for v in p.BleedBox])
                 for p in document.pages]  # fmt: skip
    heaviest = 0
    for (media, bleed), page in zip(boxes, sorted(folder.glob("page-*.tif")), strict=True):
        with Image.open(page) as image:
            scale = dpi / 72
            left, top = (bleed[0] - media[0]) * scale, (media[3] - bleed[3]) * scale
            right, bottom = (bleed[2] - media[0]) * scale, (media[3] - bleed[1]) * scale
            inside = image.crop(
                (round(left) + 1, round(top) + 1, round(right) - 1, round(bottom) - 1)
            )
            heaviest = max(heaviest, max(sum(pixel) for pixel in inside.get_flattened_data()))
    return heaviest


SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="300" height="150" viewBox="-150 -75 300 150">
<defs><linearGradient id="g"><stop offset="0" stop-color="#009d5c"/>
<stop offset="1" stop-color="#e71d26"/></linearGradient></defs>
<rect x="-150" y="-75" width="180" height="150" fill="url(#g)"/>
<g opacity="0.8"><circle cx="80" cy="0" r="60" fill="#000000"/></g></svg>"""


def test_an_svgs_gradient_and_groups_print_in_the_condition(tmp_path):
    """A chart's gradient is drawn (its stops sRGB, not three values in a CMYK space), and its
    black inside a group drawn from negative coordinates stays black, not registration."""
    (tmp_path / "chart.svg").write_text(SVG)
    body = FRONT + "## A chart\n\n![A gradient and a disc](chart.svg)\n"
    built = build_brief(write(tmp_path, body), tmp_path / "out", "--print")
    assert built.status == 0, built.stderr
    with pikepdf.open(built.pdf) as document:
        shadings = [o for o in document.objects
                    if isinstance(o, pikepdf.Dictionary) and "/ShadingType" in o]  # fmt: skip
        assert shadings
        for shading in shadings:
            space = shading.ColorSpace
            assert isinstance(space, pikepdf.Array) and space[1].N == 3
    found = colours(built.pdf)
    assert not [v for _, v, marks in found if v == (1, 1, 1, 1) and not marks]
    assert [v for _, v, marks in found if marks]  # the marks were found, and told apart
    assert 255 < heaviest_ink(built.pdf, tmp_path) <= 255 * colour.TOTAL_INK / 100  # drawn


PNG_BRIEF = FRONT + "## A picture\n\n![A small photograph-like picture](photo.png)\n"


@pytest.mark.parametrize("options", [["--print"], ["--pdf-variant", "pdf/a-2u"]])
def test_images_are_never_smoothed_and_print_in_a_defined_colour(tmp_path, options):
    """No /Interpolate (PDF/A forbids it, rule 6.2.8); in the print copy, an RGB picture is
    tagged sRGB (ICCBased), never DeviceRGB."""
    Image.radial_gradient("L").convert("RGB").resize((600, 600)).save(tmp_path / "photo.png")
    built = build_brief(write(tmp_path, PNG_BRIEF), tmp_path / "out", *options)
    assert built.status == 0, built.stderr
    with pikepdf.open(built.pdf) as document:
        images = [o for o in document.objects
                  if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"]  # fmt: skip
        assert images and not [i for i in images if i.get("/Interpolate") is True]
        if "--print" in options:
            pictures = [i for i in images if i.ColorSpace != "/DeviceGray"]  # not alpha masks
            assert pictures
            assert all(isinstance(i.ColorSpace, pikepdf.Array) for i in pictures)
            assert all(i.ColorSpace[0] == "/ICCBased" for i in pictures)


def test_print_css_gives_each_colour_of_the_palette_in_the_profiles_cmyk():
    """brief.css's palette is press/colour.py's, and print.css has each colour as the profile
    turns it into CMYK: a colour changed in one place is changed in all."""
    sheet = {
        name: tinycss2.serialize(d.value).strip()
        for name, d in declarations(ROOT / "styles" / "brief.css").items()
    }
    printed = {
        name: tinycss2.serialize(d.value).strip()
        for name, d in declarations(ROOT / "styles" / "print.css").items()
    }
    for name, hex_colour in colour.PALETTE.items():
        assert sheet[f"--{name}"] == hex_colour
        ink = colour.cmyk(colour.rgb_of(hex_colour), k_only=name in colour.K_ONLY)
        assert printed[f"--{name}"] == colour.css(ink)


def declarations(path) -> dict:
    """The custom properties a stylesheet's :root rules declare, inside @media print too."""
    found = {}
    rules = tinycss2.parse_stylesheet(path.read_text(), skip_comments=True, skip_whitespace=True)
    for rule in rules:
        inner = [rule]
        if rule.type == "at-rule" and rule.lower_at_keyword == "media" and rule.content:
            inner = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
        for r in inner:
            if r.type == "qualified-rule" and tinycss2.serialize(r.prelude).strip() == ":root":
                for d in tinycss2.parse_declaration_list(r.content, skip_whitespace=True):
                    if d.type == "declaration" and d.name.startswith("--"):
                        found[d.name] = d
    return found


def test_the_profiles_header_carries_a_fixed_date():
    """colprof stamps the time it ran into the profile; the press's carries a fixed date, so
    that the profile, and each print copy, is the same bytes on every machine."""
    made = PROFILE.read_bytes()
    assert made[24:36] == colour.MADE and made[36:40] == b"acsp"
    assert b"FOGRA39" in made


def test_another_profile_is_the_condition_a_user_names(tmp_path):
    """--profile: the printer's own profile becomes the output intent."""
    other = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")  # Ghostscript's generic
    if not other.exists():
        pytest.skip("no second CMYK profile on this machine")
    built = build_brief(ROOT / "content" / "kazakhstan-2022-03.md", tmp_path, "--print",
                        "--profile", str(other))  # fmt: skip
    assert built.status == 0, built.stderr
    with pikepdf.open(built.pdf) as document:
        (intent,) = document.Root.OutputIntents
        assert intent.DestOutputProfile.N == 4
        assert str(intent.OutputConditionIdentifier) != "FOGRA39"
    screen = Path("/usr/share/color/icc/sRGB.icc")  # a display's profile: refused, said so
    refused = build_brief(ROOT / "content" / "kazakhstan-2022-03.md", tmp_path / "srgb", "--print",
                          "--profile", str(screen))  # fmt: skip
    assert refused.status == 1 and "not a CMYK printer profile" in refused.stderr


@pytest.mark.parametrize(
    ("pixels", "said"), [(2000, None), (1000, "under 300"), (400, "under 150")]
)
def test_an_image_that_prints_soft_is_named_at_its_line(tmp_path, pixels, said):
    """The print copy: under 300 pixels per inch at the size it prints, a warning at the image's
    line saying how wide it should be; --strict stops there under 150 only, where pixels show as
    steps, and builds the copy with the warning above. The distributable says nothing."""
    Image.radial_gradient("L").convert("RGB").resize((pixels, pixels)).save(tmp_path / "photo.png")
    source = write(tmp_path, PNG_BRIEF)
    line = PNG_BRIEF.splitlines().index("![A small photograph-like picture](photo.png)") + 1
    printed = build_brief(source, tmp_path / "out", "--print")
    screen = build_brief(source, tmp_path / "out")
    assert printed.status == 0 == screen.status and "image.resolution" not in screen.stderr
    if said is None:
        assert "image.resolution" not in printed.stderr
        return
    assert f"{source}:{line}: warning: an image prints at " in printed.stderr
    assert f"({said})" in printed.stderr
    strict = build_brief(source, tmp_path / "strict", "--print", "--strict")
    if said == "under 150":
        assert strict.status == 1 and f"{source}:{line}: error: an image prints at" in strict.stderr
    else:
        assert strict.status == 0 and f"{source}:{line}: warning: an image prints" in strict.stderr
        assert strict.pdf.exists()


def test_each_soft_image_is_named_at_its_own_line(tmp_path):
    """Two pictures of the same size, each at its own line (they were matched by size)."""
    for name, mode in (("a.png", "L"), ("b.png", "RGB")):
        Image.radial_gradient("L").convert(mode).resize((300, 300)).save(tmp_path / name)
    body = (
        FRONT + "## Two\n\n![First picture](a.png)\n\nText between.\n\n![Second picture](b.png)\n"
    )
    source = write(tmp_path, body)
    lines = [n + 1 for n, text in enumerate(body.splitlines()) if text.startswith("![")]
    built = build_brief(source, tmp_path / "out", "--print")
    said = re.findall(rf"{source}:(\d+): warning: an image prints at", built.stderr)
    assert sorted(map(int, said)) == lines


def test_a_replaced_profile_is_read_again_in_the_same_process(tmp_path):
    """A --watch session outlives a profile file: its colours follow the file's new version."""
    other = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
    if not other.exists():
        pytest.skip("no second CMYK profile on this machine")
    path = tmp_path / "printer.icc"
    path.write_bytes(PROFILE.read_bytes())
    red = colour.rgb_of(colour.PALETTE["closed"])
    before = colour.cmyk(red, path)
    path.write_bytes(other.read_bytes())
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    assert colour.cmyk(red, path) != before


@pytest.mark.parametrize("rating", list(FILLS))
def test_the_current_rating_reads_in_grey_on_paper(tmp_path, rating):
    """The print copy's cover printed in grey (Ghostscript, through the output intent): the
    current step is the one raised above the others, and its marker stands out dark against it,
    whatever the rating's colour becomes in grey."""
    front = FRONT.replace("rating: narrowed", f"rating: {rating}")
    built = build_brief(write(tmp_path, front + "## A\n\nText.\n"), tmp_path / "out", "--print")
    assert built.status == 0, built.stderr
    paths = [bounds for _, bounds in filled_paths(built.pdf) if bounds[2] - bounds[0] < 150]
    steps = sorted({b for b in paths if b[2] - b[0] > 40}, key=lambda b: b[0])
    steps = [b for b in steps if b[1] == min(s[1] for s in steps)]  # the scale's row
    assert len(steps) == 5
    raised = [b for b in steps if b[3] > min(s[3] for s in steps) + 5]
    (step,) = raised
    (marker,) = [b for b in paths if b[2] - b[0] < 12 and step[0] < b[0] < b[2] < step[2]]
    out, dpi = tmp_path / "grey.png", 144
    subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-dUsePDFX3Profile",
                    "-sDEVICE=pnggray", f"-r{dpi}", "-dFirstPage=1", "-dLastPage=1",
                    f"-sOutputFile={out}", str(built.pdf)], check=True)  # fmt: skip
    with pikepdf.open(built.pdf) as document:
        media = [float(v) for v in document.pages[0].MediaBox]
    with Image.open(out) as image:

        def grey(box) -> float:
            """The median grey (0 black, 255 white) of the page inside a box in points."""
            left, right = (box[0] - media[0]) * dpi / 72, (box[2] - media[0]) * dpi / 72
            top, bottom = (media[3] - box[3]) * dpi / 72, (media[3] - box[1]) * dpi / 72
            pixels = sorted(image.crop((round(left) + 1, round(top) + 1, round(right) - 1,
                                        round(bottom) - 1)).get_flattened_data())  # fmt: skip
            return pixels[len(pixels) // 2]

        assert grey(step) - grey(marker) > 60, (grey(step), grey(marker))
