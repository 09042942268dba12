"""The print copy as a print shop's preflight reads it: a CMYK printing condition, black on the
black plate, registration marks, ink within the condition's limit, images in a defined colour
and never smoothed (press/colour.py, press/inks.py, styles/print.css)."""

import subprocess
from pathlib import Path

import pikepdf
import pytest
import tinycss2
from conftest import ROOT, build_brief
from helpers import FRONT, write
from PIL import Image

from press import colour
from press.config import PROFILE


def colours(pdf) -> list[tuple[str, tuple[float, ...], bool]]:
    """Every colour set in the PDF's content streams: (operator, values, in the crop marks)."""
    found = []
    with pikepdf.open(pdf) as document:
        seen = set()
        for page in document.pages:
            forms = [x for x in page.Resources.get("/XObject", {}).values()
                     if x.Subtype == "/Form" and x.objgen not in seen]  # fmt: skip
            seen |= {x.objgen for x in forms}
            for stream, marks in [(page, False)] + [(x, float(x.BBox[0]) < 0) for x in forms]:
                for operands, op in pikepdf.parse_content_stream(stream):
                    if str(op) in ("rg", "RG", "g", "G", "k", "K", "sc", "SC", "scn", "SCN"):
                        values = tuple(
                            float(v) for v in operands if not isinstance(v, pikepdf.Name)
                        )
                        found.append((str(op), values, marks))
    return found


def test_the_output_intent_is_a_cmyk_printer_profile_naming_its_condition(print_copy):
    with pikepdf.open(print_copy.pdf) as document:
        (intent,) = document.Root.OutputIntents
        profile = intent.DestOutputProfile.read_bytes()
        assert str(intent.S) == "/GTS_PDFX" and str(intent.OutputConditionIdentifier) == "FOGRA39"
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
    text = colour.cmyk(colour.rgb_of(colour.PALETTE["ink"]))
    assert text[:3] == (0, 0, 0) and (*text,) in {v for v, _ in cmyk}


def test_the_crop_marks_are_on_every_plate(print_copy):
    marks = [values for _, values, in_marks in colours(print_copy.pdf) if in_marks]
    assert marks and set(marks) == {(1.0, 1.0, 1.0, 1.0)}


def test_no_spot_gets_more_ink_than_the_condition_allows(print_copy, tmp_path):
    """Ghostscript renders the plates (CMYK, 30 dpi): nowhere more than FOGRA39's 330 %."""
    out = tmp_path / "page-%d.tif"
    subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiff32nc", "-r30",
                    f"-sOutputFile={out}", str(print_copy.pdf)], check=True)  # fmt: skip
    heaviest = 0
    for page in sorted(tmp_path.glob("page-*.tif")):
        with Image.open(page) as image:
            heaviest = max(heaviest, max(sum(pixel) for pixel in image.get_flattened_data()))
    assert 0 < heaviest <= 255 * colour.TOTAL_INK / 100


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
        assert printed[f"--{name}"] == colour.css(colour.cmyk(colour.rgb_of(hex_colour)))


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


@pytest.mark.parametrize(
    ("pixels", "said"), [(2000, None), (1000, "under 300"), (400, "under 150")]
)
def test_an_image_that_prints_soft_is_named_at_its_line(tmp_path, pixels, said):
    """The print copy: under 300 pixels per inch at the size it prints, a warning at the image's
    line saying how wide it should be; --strict stops there. The distributable says nothing."""
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
    assert strict.status == 1 and f"{source}:{line}: error: an image prints at" in strict.stderr
