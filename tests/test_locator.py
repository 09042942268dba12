"""The cover's locator map: the country found by name in the series' languages, drawn from
Natural Earth's boundaries, shown on the cover in its rating's colour, read by no screen reader."""

import re
import xml.etree.ElementTree as etree

import pypdfium2
import pytest
from babel import Locale
from conftest import KAZAKHSTAN, ROOT, build_brief, run
from helpers import FRONT, structure_elements, write
from hypothesis import given, settings
from hypothesis import strategies as st

from press import locator
from press.colour import PALETTE, rgb_of
from press.fetcher import RootedFetcher

LANGUAGES = ROOT / "tests" / "briefs" / "languages"
LONG = ROOT / "tests" / "briefs" / "long"


@pytest.mark.parametrize(
    ("country", "code"),
    [
        ("Kazakhstan", "KZ"),
        ("Казахстан", "KZ"),
        ("Қазақстан", "KZ"),
        ("Kazajistán", "KZ"),
        ("Cazaquistão", "KZ"),
        ("تونس", "TN"),
        ("Moçambique", "MZ"),
        ("Côte d'Ivoire", "CI"),
        ("Cote d’Ivoire", "CI"),
        ("Occupied Palestinian Territories", "PS"),
        ("Democratic Republic of the Congo", "CD"),
        ("  serbia ", "RS"),
        ("Testland", None),
    ],
)
def test_the_country_is_found_by_its_name_in_the_series_languages(country, code):
    assert locator.find(country) == code


def test_iso_names_the_country_when_its_name_does_not():
    assert locator.find("Testland", "kz") == "KZ"
    assert locator.find("Kazakhstan", "XX") is None


MAPPED = sorted(
    code
    for code, name in Locale.parse("en").territories.items()
    if len(code) == 2 and code.isalpha() and locator.find(name) == code and locator.rings_of(code)
)


def test_most_countries_have_a_map():
    assert len(MAPPED) > 190


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(MAPPED))
def test_every_map_is_the_same_small_svg_with_the_country_open_inside_its_box(code):
    data = locator.svg(code)
    assert data == locator.svg(code) and len(data) < 200_000
    root = etree.fromstring(data)
    assert root.get("viewBox") == f"0 0 {locator.WIDTH} {locator.HEIGHT}"
    paths = root.findall("{http://www.w3.org/2000/svg}path")
    sea, *others = paths
    assert sea.get("fill-rule") == "evenodd"
    if len(others) == 1:  # smaller than a unit of the map (the Vatican): found by its ring alone
        assert root.find("{http://www.w3.org/2000/svg}circle") is not None
        return
    country = others[1]
    assert country.get("fill") == "none"
    numbers = [int(n) for n in re.findall(r"-?\d+", country.get("d"))]
    xs, ys = numbers[0::2], numbers[1::2]
    assert min(xs) > -locator.EDGE - 1 and max(xs) < locator.WIDTH + locator.EDGE + 1
    assert min(ys) > -locator.EDGE - 1 and max(ys) < locator.HEIGHT + locator.EDGE + 1
    inside = [
        (x, y)
        for x, y in zip(xs, ys, strict=True)
        if 0 <= x <= locator.WIDTH and 0 <= y <= locator.HEIGHT
    ]
    assert inside, "the country is on its own map"


def pixels(pdf, colour: tuple[int, int, int]) -> int:
    """How many pixels of the cover's field (its upper part) show a colour."""
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("RGB")
    data = image.crop((0, 0, image.width, image.height * 2 // 5)).tobytes()
    return sum(
        1
        for at in range(0, len(data), 3)
        if all(abs(data[at + i] - colour[i]) <= 2 for i in range(3))
    )


LAND = rgb_of(re.search(r'others\}" fill="(#\w+)"', (ROOT / "press" / "locator.py").read_text())[1])


@pytest.mark.parametrize(
    "brief",
    [KAZAKHSTAN, LANGUAGES / "ru.md", LANGUAGES / "ar.md", LANGUAGES / "es.md"],
    ids=["kazakhstan", "ru", "ar", "es"],
)
def test_the_cover_shows_the_country_on_its_map_and_no_reader_reads_it(tmp_path, brief):
    built = build_brief(brief, tmp_path)
    assert built.status == 0, built.stderr
    rating = re.search(r"^rating: (\w+)", brief.read_text("utf-8"), re.M)[1]
    assert pixels(built.pdf, LAND) > 2000  # its neighbours
    sea = tuple(round(c * 0.3 + 255 * 0.7) for c in rgb_of(PALETTE[rating]))
    assert pixels(built.pdf, sea) > 100  # the field's colour under the sea's white
    assert "/Figure" not in [kind for kind, _ in structure_elements(built.pdf)]
    page = built.html.read_text("utf-8")
    assert "url('assets/maps/KZ.svg')" in page and "map:" not in page
    assert (tmp_path / "assets" / "maps" / "KZ.svg").read_bytes() == locator.svg("KZ")
    mapless = write(
        tmp_path,
        brief.read_text("utf-8").replace("\n---\n", "\nmap: false\n---\n", 1),
        "mapless.md",
    )
    built = build_brief(mapless, tmp_path)
    assert built.status == 0 and pixels(built.pdf, LAND) == 0
    assert "locator" not in built.html.read_text("utf-8")


def test_the_print_copy_keeps_the_map(tmp_path):
    built = build_brief(LONG / "ar.md", tmp_path, "--print")
    assert built.status == 0, built.stderr
    image = pypdfium2.PdfDocument(built.pdf)[0].render(scale=1).to_pil().convert("RGB")
    width, height = image.size  # inside the field, clear of the bleed's white
    data = image.crop(
        (width * 15 // 100, height // 10, width * 85 // 100, height * 35 // 100)
    ).tobytes()
    greys = sum(  # the neighbours' grey, through the printing condition: light, unsaturated
        1
        for at in range(0, len(data), 3)
        if min(data[at : at + 3]) > 170 and max(data[at : at + 3]) - min(data[at : at + 3]) < 16
    )
    assert greys > 2000


def test_a_country_not_found_builds_without_a_map_and_check_says_so(tmp_path):
    path = write(tmp_path, FRONT.replace("map: false\n", "") + "## Intro\n\nText.\n")
    status, _, stderr = run(["--check", str(path)])
    assert status == 0
    assert stderr == (
        f"{path}:2: warning: the cover has no map: 'Testland' is no country name the press "
        "knows; give its ISO code (iso: KZ), or map: false [cover.map]\n"
    )
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out")])
    assert status == 0 and stderr == ""
    named = write(
        tmp_path, FRONT.replace("map: false", "iso: KE") + "## Intro\n\nText.\n", "named.md"
    )
    assert run(["--check", str(named)])[2] == ""


def test_iso_must_be_a_country_code(tmp_path):
    path = write(tmp_path, FRONT.replace("map: false", "iso: Kazakhstan") + "Text.\n")
    status, _, stderr = run(["--check", str(path)])
    assert status == 1 and f"{path}:6: error: 'iso' must be" in stderr


@pytest.mark.parametrize("url", ["map:kz", "map:ZZ", "map:KZ/../x", "map:"])
def test_the_fetcher_draws_only_maps_of_countries(tmp_path, url):
    with pytest.raises(ValueError, match="no map of that country"):
        RootedFetcher([tmp_path], {}).fetch(url)


@pytest.mark.parametrize(
    ("country", "code"),
    [
        ("Bosnia and Herzegovina", "BA"),
        ("Trinidad and Tobago", "TT"),
        ("Saint Lucia", "LC"),
        ("Russian Federation", "RU"),
        ("Republic of Korea", "KR"),
        ("The Bahamas", "BS"),
        ("Holy See", "VA"),
        ("Korea", None),  # which one: the author says
        ("European Union", None),  # a territory of CLDR's, not a country
    ],
)
def test_the_names_people_write_are_found_and_no_other(country, code):
    assert locator.find(country) == code


def test_a_country_the_boundaries_do_not_draw_is_named_by_check(tmp_path):
    path = write(
        tmp_path, FRONT.replace("Testland", "Tuvalu").replace("map: false\n", "") + "Text.\n"
    )
    status, _, stderr = run(["--check", str(path)])
    assert status == 0 and "do not draw TV on its own" in stderr and "[cover.map]" in stderr


def test_the_html_copy_leaves_a_brief_s_own_words_alone(tmp_path):
    path = write(
        tmp_path, FRONT + "Write `url('map:FR')` and `url('chart:line/1/0.0000/0.5000')`.\n"
    )
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out"), "--html"])
    assert status == 0, stderr
    page = (tmp_path / "out" / "brief.html").read_text("utf-8")
    assert "map:FR" in page and "chart:line" in page
    assert not (tmp_path / "out" / "assets" / "maps").exists()
