"""Charts from the brief's own figures (press/charts.py): the data a real table, read in the
structure tree; the chart drawn over it in the house style, mirrored right to left; bad data an
error at its line."""

import re
from collections import Counter

import pikepdf
import pypdfium2
import pytest
from conftest import ROOT, build_brief, run
from helpers import FRONT, structure_elements, structure_texts, tagged_texts, write
from hypothesis import given, settings
from hypothesis import strategies as st

from press import charts

CHARTS = ROOT / "tests" / "briefs" / "charts"


def chart_brief(tmp_path, block: str, name: str = "brief.md", lang: str = "en"):
    """A brief holding one chart block after a paragraph: its path, and the block's first line."""
    front = FRONT if lang == "en" else FRONT.replace("map: false", f"map: false\nlang: {lang}")
    text = front + "## Figures\n\nText.\n\n```chart\n" + block + "```\n"
    return write(tmp_path, text, name), text.count("\n") - block.count("\n")


GOOD = "type: bar\ntitle: Detentions\ndata: |\n  region,detentions\n  Almaty,120\n  Mangystau,340\n"


@pytest.mark.parametrize(
    ("block", "at", "code", "words"),
    [
        (GOOD.replace("bar", "pie"), 1, "chart.type", "unknown chart type 'pie'"),
        (GOOD.replace("title: Detentions\n", ""), 1, "chart.missing", "a chart needs `title:`"),
        (
            GOOD.replace("type: bar", "type: bar\ncolour: red"),
            2,
            "chart.key",
            "unknown key 'colour'",
        ),
        (
            GOOD.replace("Mangystau,340", "Mangystau,340,7"),
            6,
            "chart.ragged",
            "3 cells where the head row has 2",
        ),
        (
            GOOD.replace("Mangystau,340", "Mangystau"),
            6,
            "chart.ragged",
            "1 cells where the head row has 2",
        ),
        (
            GOOD.replace("340", "many"),
            6,
            "chart.value",
            "'many' under 'detentions' is not a number",
        ),
        (GOOD.replace("340", "-3"), 1, "chart.value", "a value below zero needs a column chart"),
        (
            GOOD.replace("region,detentions", "region"),
            4,
            "chart.data",
            "the head row names the labels",
        ),
        ("type: bar\ntitle: [unclosed\n", 2, "chart.syntax", "not valid YAML"),
        (
            "type: bar\ntitle: A\ndata: elsewhere.csv\n",
            3,
            "chart.data",
            "no CSV file 'elsewhere.csv'",
        ),
        ("type: bar\ntitle: A\ndata: ../../etc/passwd\n", 3, "chart.data", "no CSV file"),
    ],
)
def test_bad_data_is_an_error_at_its_line(tmp_path, block, at, code, words):
    path, first = chart_brief(tmp_path, block)
    status, _, stderr = run(["--check", str(path)])
    assert status == 1
    line = re.search(
        rf"^{re.escape(str(path))}:(\d+): error: (.*) \[{re.escape(code)}\]$", stderr, re.M
    )
    assert line, stderr
    assert int(line[1]) == first + at - 1 and words in line[2]  # at: the block's line, from 1


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(0, 10**6), min_size=2, max_size=12),
    st.integers(0, 11),
    st.sampled_from(["n/a", "1.2.3", "1e", "--", "12%", "inf", "nan"]),
)
def test_any_cell_that_is_no_number_is_named_at_its_own_line(tmp_path_factory, values, spoilt, bad):
    spoilt %= len(values)
    rows = [f"  row {i},{bad if i == spoilt else v}" for i, v in enumerate(values)]
    block = "type: column\ntitle: T\ndata: |\n  label,count\n" + "\n".join(rows) + "\n"
    path, first = chart_brief(tmp_path_factory.mktemp("chart"), block)
    status, _, stderr = run(["--check", str(path)])
    assert status == 1
    assert f"{path}:{first + 4 + spoilt}: error: '{bad}' under 'count' is not a number" in stderr


def test_data_may_be_a_csv_file_beside_the_brief(tmp_path):
    (tmp_path / "regions.csv").write_text("region,detentions\nAlmaty,120\nMangystau,x\n")
    path, _ = chart_brief(tmp_path, "type: bar\ntitle: A\ndata: regions.csv\n")
    status, _, stderr = run(["--check", str(path)])
    assert status == 1 and f"{tmp_path / 'regions.csv'}:3: error: 'x' under 'detentions'" in stderr
    (tmp_path / "regions.csv").write_text("region,detentions\nAlmaty,120\nMangystau,340\n")
    assert run(["--check", str(path)])[0] == 0


@pytest.fixture(scope="module", params=["en", "ar"])
def built(request, tmp_path_factory):
    """The test brief with a bar, a column and a line chart, in English or Arabic."""
    result = build_brief(CHARTS / f"{request.param}.md", tmp_path_factory.mktemp("charts"))
    assert result.status == 0, result.stderr
    return request.param, result


def test_a_screen_reader_gets_every_value_in_a_table(built):
    lang, result = built
    data = [
        re.findall(r"^  .*", block, re.M)
        for block in re.findall(
            r"```chart\n(.*?)```", (CHARTS / f"{lang}.md").read_text("utf-8"), re.S
        )
    ]
    captions = tagged_texts(result.pdf, "/Caption")
    assert len(captions) == 3
    cells = [t.strip() for kind in ("/TD", "/TH") for t in tagged_texts(result.pdf, kind)]
    for rows in data:
        for row in rows[1:]:
            label, value = row.strip().split(",")
            assert label in cells
            assert charts.number(float(value), lang) in cells
    kinds = [kind for kind, _ in structure_elements(result.pdf)]
    assert kinds.count("/Table") == 3 and "/Figure" not in kinds


def test_a_chart_s_title_and_cells_are_read_as_written(built):
    """Read as a screen reader reads the tags, each chart's title is its words in order, its
    brackets the right way round in Arabic too ("(%)", which its glyphs read ")%("), and each
    header cell its words."""
    lang, result = built
    source = (CHARTS / f"{lang}.md").read_text("utf-8")
    blocks = re.findall(r"```chart\n(.*?)```", source, re.S)
    titles = [re.search(r"^title: (.*)", block, re.M)[1].replace("'", "’") for block in blocks]
    read = structure_texts(result.pdf, lambda node: node.get("/S") == "/Caption", actual=True)
    assert [" ".join(t.split()) for t in read] == titles
    headers = structure_texts(result.pdf, lambda node: node.get("/S") == "/TH", actual=True)
    assert all(" ".join(t.split()) in source for t in headers)


def test_charts_are_drawn_in_vector_with_the_series_colour(built):
    _, result = built
    with pikepdf.open(result.pdf) as pdf:
        for page in pdf.pages:  # no picture of numbers: no raster image, nested ones too
            assert not page.get_images()
        streams = b"".join(page.Contents.read_bytes() for page in pdf.pages[1:3])
        forms = b"".join(
            x.read_bytes()
            for page in pdf.pages[1:3]
            for x in page.Resources.get("/XObject", {}).values()
        )
    accent = " ".join(f"{int(c, 16) / 255:g}" for c in re.findall("..", "b3261e")).encode()
    assert accent + b" rg" in streams + forms  # the bars' CSS boxes, the pictures' shapes


def test_a_right_to_left_chart_is_mirrored():
    english = charts.html(
        charts.read(ROOT / "x.md", 1, "type: line\ntitle: T\ndata: |\n  y,n\n  a,1\n  b,2\n"),
        "en",
        False,
    )
    arabic = charts.html(
        charts.read(ROOT / "x.md", 1, "type: line\ntitle: T\ndata: |\n  y,n\n  a,1\n  b,2\n"),
        "ar",
        True,
    )
    assert "chart:line/2/0.0000/0.5000,1.0000" in english
    assert "chart:line/2/0.0000/1.0000,0.5000" in arabic


def test_bars_start_together_at_the_line_s_start_in_either_direction(built):
    """The bar chart's bars, on the page, as rows of the accent's pixels: each bar starts where
    the others do (on the left in English, on the right in Arabic), the longest 44 times the
    shortest's length, as 10,000 is to 227."""
    lang, result = built
    image = pypdfium2.PdfDocument(result.pdf)[1].render(scale=2).to_pil().convert("RGB")
    accent = (0xB3, 0x26, 0x1E)
    pixels = image.load()
    seen = Counter()  # each run of the accent along a row: a bar is the same run, row after row
    for y in range(image.height // 2):  # the bar chart is the page's first
        xs = [
            x
            for x in range(image.width)
            if max(abs(a - b) for a, b in zip(pixels[x, y], accent, strict=True)) < 8
        ]
        start = None
        for x, after in zip(xs, [*xs[1:], None][: len(xs)], strict=True):
            start = x if start is None else start
            if after != x + 1:
                if x - start >= 4:
                    seen[(start, x)] += 1
                start = None
    runs = [run for run, rows in seen.items() if rows >= 15]  # taller than a letter
    edge = 0 if lang == "en" else 1  # where a bar starts: the line's start
    start, count = Counter(run[edge] for run in runs).most_common(1)[0]
    bars = sorted((run for run in runs if run[edge] == start), key=lambda run: run[1] - run[0])
    assert count == 4 and len(bars) == 4  # four bars, starting together
    shortest, longest = (run[1] - run[0] + 1 for run in (bars[0], bars[-1]))
    assert longest / shortest == pytest.approx(10000 / 227, rel=0.15)


@pytest.mark.parametrize(
    ("lang", "written"),
    [
        ("en", "4,353.5"),
        ("es", "4.353,5"),
        ("fr", "4\u202f353,5"),
        ("pt", "4.353,5"),
        ("ru", "4\xa0353,5"),
        ("ar", "4,353.5"),
    ],
)
def test_numbers_are_written_as_the_brief_s_language_writes_them(tmp_path, lang, written):
    path, _ = chart_brief(
        tmp_path, "type: column\ntitle: T\ndata: |\n  y,n\n  a,4353.5\n", lang=lang
    )
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out"), "--html"])
    assert status == 0, stderr
    assert f'<td><span dir="ltr">{written}</span></td>' in (
        tmp_path / "out" / "brief.html"
    ).read_text("utf-8")


payloads = st.lists(st.lists(st.integers(0, 10000), min_size=3, max_size=3), min_size=1, max_size=6)


@given(st.sampled_from(["column", "line"]), payloads)
def test_a_picture_is_drawn_from_numbers_only_and_the_same_each_time(kind, series):
    path = f"{kind}/3/0.0000/" + ";".join(",".join(f"{v / 10000:.4f}" for v in s) for s in series)
    assert charts.plot(path) == charts.plot(path)
    assert charts.plot(path).startswith(b"<svg")


@pytest.mark.parametrize(
    "path",
    [
        "pie/1/0.0000/0.5000",
        "line/2/0.0000/0.5000",
        "line/99/0.0000/0.5",
        "line/1/0.0000/0.5000<script>",
        "line/1/0.0000/nan",
    ],
)
def test_a_picture_of_anything_else_is_refused(path):
    assert charts.plot(path) is None


def test_the_html_copy_carries_the_pictures(tmp_path):
    result = build_brief(CHARTS / "en.md", tmp_path)
    page = result.html.read_text("utf-8")
    names = re.findall(r"url\('assets/charts/(\w+\.svg)'\)", page)
    assert len(names) == 2 and "chart:" not in page
    for name in names:
        assert (tmp_path / "assets" / "charts" / name).read_bytes().startswith(b"<svg")


@pytest.mark.parametrize(
    ("block", "code", "words"),
    [
        (
            'type: bar\ntitle: A\nsource: "\\x02\\x03\\x03\\x02"\n' + GOOD.split("\n", 2)[2],
            "chart.value",
            "invisible character (U+0002)",
        ),
        (
            "type: bar\ntitle: A\nsource: &a [x, x]\n" + GOOD.split("\n", 2)[2],
            "chart.missing",
            "a chart needs `source:` in words",
        ),
        (GOOD.replace("Almaty", "A" * 81), "chart.value", "more than 80"),
        (GOOD.replace("340", "1e25"), "chart.value", "larger than a chart writes"),
        (GOOD.replace("Almaty,120", "Almaty," + "1" * 200_000), "chart.data", "field larger than"),
        (
            GOOD.replace("bar", "column").replace(
                "  Almaty,120\n", "".join(f"  r{i},{i}\n" for i in range(13))
            ),
            "chart.data",
            "12 values at most",
        ),
    ],
)
def test_what_would_flood_or_forge_a_chart_is_an_error(tmp_path, block, code, words):
    path, _ = chart_brief(tmp_path, block)
    status, _, stderr = run(["--check", str(path)])
    assert status == 1 and f"[{code}]" in stderr and words in stderr and "internal" not in stderr


def test_a_brief_cannot_write_a_chart_s_marker(tmp_path):
    """Control characters as entities in the brief's own text: no chart takes their place."""
    path, _ = chart_brief(tmp_path, GOOD)
    path.write_text(
        path.read_text().replace("Text.", "&#2;&#3;&#2;\n\n" + "&#3;" * 72), encoding="utf-8"
    )
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out"), "--html"])
    assert status == 1 and "[glyph.missing]" in stderr  # the characters print as boxes: refused
    assert stderr.count("[") == 1  # and that is all: no second chart in their place


def test_a_chart_in_a_list_or_a_quote_is_an_error_not_code(tmp_path):
    for prefix in ("- item\n\n  ", "> "):
        body = (
            FRONT
            + "Text.\n\n"
            + "".join(prefix + line + "\n" for line in ["```chart", *GOOD.splitlines(), "```"])
        )
        path = write(tmp_path, body)
        status, _, stderr = run(["--check", str(path)])
        assert status == 1 and "a chart stands alone [chart.place]" in stderr.replace(
            ": not in a list, a quote or indented", ""
        )


def test_odd_data_builds_or_is_refused_at_its_line(tmp_path):
    (tmp_path / "loop.csv").symlink_to(tmp_path / "loop.csv")
    path, _ = chart_brief(tmp_path, "type: bar\ntitle: A\ndata: loop.csv\n")
    status, _, stderr = run(["--check", str(path)])
    assert status == 1 and "[chart.data]" in stderr and "internal" not in stderr
    merged = "<<: {type: column, title: A}\ndata: |\n  a,b\n  x,-0\n  y,2\n"
    path, _ = chart_brief(tmp_path, merged, "merged.md")
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out")])
    assert status == 0, stderr
