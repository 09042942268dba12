"""The pinned fonts only: true italics for Cyrillic, and no font of the building machine, ever."""

import pymupdf
import pytest
from conftest import run
from helpers import FRONT, embedded_fonts, write

from press import fonts


def spans(pdf, page: int) -> list[tuple[str, str]]:
    """(text, font name) of each span of text on a page."""
    with pymupdf.open(pdf) as document:
        return [
            (span["text"], span["font"])
            for block in document[page].get_text("dict")["blocks"]
            for line in block.get("lines", [])
            for span in line["spans"]
        ]


def test_cyrillic_italics_are_set_in_the_italic_face(sample):
    found = {text: font for text, font in spans(sample.pdf, 1)}
    (kazakh,) = [text for text in found if "Коммерциялық" in text]
    assert found[kazakh] == "Press-Serif-Italic"
    (russian,) = [text for text in found if "Закон о некоммерческих" in text]
    assert found[russian] == "Press-Serif"


def test_the_fonts_cover_the_shipped_scripts_and_typography(tmp_path):
    files = fonts.font_files()
    covered = fonts.coverage(sorted(files.values()), tmp_path)
    text = (
        "Kazakhstan Қазақстан ҚқӘәӨөҮүҰұІіҢңҒғҺһ «Закон» “quoted” ‘single’ – — … № ‰ ▼ • ◦ "
        "\u00a0\u2009\u202f\u2010\u2011 Recomendaciones ¿Cómo? Œuvre çà مرصد سيفيكوس ، ؛ ؟ ٢٠٢٢"
    )
    assert {c for c in text if ord(c) not in covered and not c.isspace()} == set()
    assert fonts.coverage(sorted(files.values()), tmp_path) == covered  # read from the cache


@pytest.mark.parametrize(
    ("body", "where", "chars"),
    [
        ("Text.\n\nA smile 😀 and a snowman ☃.\n", "10", "☃ (U+2603 SNOWMAN), 😀 (U+1F600 GRINNING FACE)"),
        ("Text &#x4E2D; by reference.\n", "8", "中 (U+4E2D CJK UNIFIED IDEOGRAPH-4E2D)"),
    ],
)  # fmt: skip
def test_a_character_no_pinned_font_has_stops_the_build_at_its_line(tmp_path, body, where, chars):
    path = write(tmp_path, FRONT + body)
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out")])
    assert status == 1 and not (tmp_path / "out").exists()
    assert stderr == (
        f"{path}:{where}: error: no font of the press has {chars}: the PDF would show a box; "
        "write it another way [glyph.missing]\n"
    )
    status, _, stderr = run(["--check", str(path)])
    assert status == 0 and f"{path}:{where}: warning: no font of the press has {chars}" in stderr


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40">'
    '<text x="5" y="25" font-family="{family}" font-size="16">{text}</text></svg>'
)


def test_svg_text_is_set_in_a_pinned_font_whatever_family_it_names(tmp_path):
    for family in ("DejaVu Sans", "monospace", "Arial"):
        (tmp_path / "label.svg").write_text(
            SVG.format(family=family, text="Registered organisations")
        )
        path = write(tmp_path, FRONT + "![A labelled chart](label.svg)\n")
        status, _, stderr = run([str(path), "-o", str(tmp_path / "out")])
        assert status == 0, stderr
        names = {
            font["name"].split("+")[1] for font in embedded_fonts(tmp_path / "out" / "brief.pdf")
        }
        assert names and all(name.startswith("Press-") for name in names), names


def test_svg_text_a_pinned_font_lacks_is_an_error_at_the_images_line(tmp_path):
    (tmp_path / "label.svg").write_text(SVG.format(family="serif", text="Snow &#x2603;"))
    path = write(tmp_path, FRONT + "Text.\n\n![A labelled chart](label.svg)\n")
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out")])
    assert status == 1
    assert stderr == (
        f"{path}:10:1: error: image label.svg: no font of the press has ☃ (U+2603 SNOWMAN) in its "
        "text [glyph.missing]\n"
    )


@pytest.mark.parametrize(
    ("front", "body", "where", "chars"),
    [
        # The style sets the series and `##` headings in capitals: Ƒ, which no font has.
        ("series: ƒ Monitor\n", "Text.\n", "7", "Ƒ (U+0191 LATIN CAPITAL LETTER F WITH HOOK)"),
        ("", "Text.\n\n<h2>Raw ƒ heading</h2>\n", "10", "Ƒ (U+0191 LATIN CAPITAL LETTER F WITH HOOK)"),
        # A control character is drawn as a box.
        ("", "Ring \x07 the bell.\n", "8", "\\x07 (U+0007 unnamed)"),
        ("", "Next\x85line.\n", "8", "\\x85 (U+0085 unnamed)"),
    ],
)  # fmt: skip
def test_a_character_drawn_as_a_box_is_an_error_at_its_line(tmp_path, front, body, where, chars):
    path = write(tmp_path, FRONT.replace("map: false\n", "map: false\n" + front) + body)
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out")])
    assert status == 1 and not (tmp_path / "out").exists(), stderr
    assert f"{path}:{where}: error: no font of the press has {chars}" in stderr
    assert "warning" not in stderr
