"""Charts from the brief's own figures: a fenced block in YAML, its data CSV in the block or in a
file beside the brief, becomes a table of the data (read by a screen reader, as every table) with
the chart drawn over it: bars as CSS boxes in the cells, columns and lines as a picture with no
text (the fetcher's `chart:` draws it) above the table's own labels and values. Numbers are
written as the brief's language writes them (CLDR, through Babel).

    ```chart
    type: bar            # bar (horizontal), column or line
    title: Detentions by region, 2024
    source: CIVICUS Monitor
    data: |
      region,detentions
      Almaty,120
    ```
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import secrets
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from pathlib import Path

import yaml
from babel.numbers import format_decimal
from markdown.preprocessors import Preprocessor

from .config import MAX_FETCH_BYTES
from .frontmatter import check_text
from .problems import BriefError
from .typeset import quotes

TYPES = ("bar", "column", "line")
KEYS = {"type", "title", "source", "data"}
FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*chart\s*$")
OTHER_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# What a chart holds and still reads on a page: rows of bars, columns or points, series, and the
# largest number written out (Babel's decimals stop near 1e25).
MAX_ROWS = {"bar": 30, "column": 12, "line": 12}
MAX_SERIES, MAX_VALUE = 6, 1e15
LONGEST = {"title": 200, "source": 300, "label": 80}  # characters: a title, a source, a cell
PLACED_RE = re.compile(r"^ {0,3}(?:>\s*)*(?:[-*+]|\d+[.)])?\s*(`{3,}|~{3,})\s*chart\s*$", re.I)
SERIES = ("accent", "ink", "muted", "obstructed", "narrowed", "open")  # brief.css's --series-N
VALUES = r"\d\.\d{4}(?:,\d\.\d{4}){0,59}"
PLOT_RE = re.compile(rf"(column|line)/(\d{{1,2}})/(\d\.\d{{4}})/({VALUES}(?:;{VALUES}){{0,5}})")
WIDTH, HEIGHT = 1000, 350  # the picture's units, as its box on the page is wide to high


@dataclass(frozen=True)
class Chart:
    """A chart as the brief gives it: its kind, words and data (labels, series of numbers)."""

    kind: str
    title: str
    source: str
    heads: list[str]  # the label column's name, then each series' name
    labels: list[str]
    series: list[list[float]]


class Charts(Preprocessor):
    """Each ```chart block: read, checked at its lines, replaced by a marker line that the
    sanitized HTML's chart takes the place of (`placed`); the marker's control characters are
    ones no brief can hold (Python-Markdown strips them from the source)."""

    def __init__(self, md, path: Path, first_line: int, lang: str, rtl: bool):
        super().__init__(md)
        self.path, self.first_line, self.lang, self.rtl = path, first_line, lang, rtl
        self.html: dict[str, str] = {}

    def run(self, lines: list[str]) -> list[str]:
        out, at = [], 0
        while at < len(lines):
            line = lines[at]
            if not FENCE_RE.match(line) and PLACED_RE.match(line):
                message = "a chart stands alone: not in a list, a quote or indented"
                raise BriefError(self.path, self.first_line + at, "chart.place", message)
            if match := FENCE_RE.match(line):
                end = closing(lines, at, match[1])
                chart = read(self.path, self.first_line + at + 1, "\n".join(lines[at + 1 : end]))
                # Control characters only (no letter or digit that a right-to-left brief's
                # runs would wrap), 64 of them at random: a brief cannot write one (an entity,
                # &#2;, becomes the character) and guess the rest. None reaches the page.
                bits = secrets.randbits(64) << 8 | len(self.html)
                marker = "".join("\x03" if bits >> i & 1 else "\x02" for i in range(72))
                self.html[marker] = html(chart, self.lang, self.rtl)
                out += ["", marker, "", *[""] * (end - at - 2)]  # the lines kept in number
                at = end + 1
                continue
            if match := OTHER_FENCE_RE.match(line):  # another fence: its text as it is
                end = closing(lines, at, match[1])
                out += lines[at : end + 1]
                at = end + 1
                continue
            out.append(line)
            at += 1
        return out

    def placed(self, page: str) -> str:
        """The sanitized HTML with each chart where its marker is."""
        for marker, chart in self.html.items():  # the paragraph's id (the press gives one) goes
            page = re.sub(rf"<p\b[^>]*>{marker}</p>", lambda _, c=chart: c, page)
        return page


def closing(lines: list[str], at: int, fence: str) -> int:
    """The line that closes the fence opened at a line (or the end, where none does)."""
    return next((j for j in range(at + 1, len(lines)) if lines[j].strip().startswith(fence)),
                len(lines))  # fmt: skip


def read(path: Path, line: int, text: str) -> Chart:
    """A chart block's YAML and data, checked: any mistake an error at its line."""

    def fail(code: str, message: str, at: int = line) -> None:
        raise BriefError(path, at, code, message)

    try:
        loader = yaml.SafeLoader(text)  # one reading: the values, and the keys' lines
        try:
            node = loader.get_single_node()
            spec = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        fail("chart.syntax", f"the chart is not valid YAML: {getattr(error, 'problem', error)}",
             line + (mark.line if mark else 0))  # fmt: skip
    if not isinstance(spec, dict):
        fail("chart.syntax", "a chart is `type:`, `title:`, `source:` and `data:`, one a line")
    lines = {str(k.value): line + k.start_mark.line for k, _ in node.value}
    for key in spec:
        if key not in KEYS:
            fail("chart.key", f"unknown key '{key}' in a chart; allowed: {', '.join(sorted(KEYS))}",
                 lines.get(key, line))  # fmt: skip
    kind = spec.get("type")
    if kind not in TYPES:
        fail(
            "chart.type",
            f"unknown chart type {kind!r}: bar, column or line",
            lines.get("type", line),
        )
    for key in ("title", "data", "source"):
        if key == "source" and key not in spec:
            continue
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            fail("chart.missing", f"a chart needs `{key}:` in words", lines.get(key, line))
        if key != "data":
            words(spec[key], f"the chart's {key}", LONGEST[key], path, lines.get(key, line))
    data, first = spec["data"], lines.get("data", line) + 1
    if "\n" not in data.strip():  # a file's name: the CSV beside the brief
        data, where, first = csv_file(path, data.strip(), first - 1), path.parent / data.strip(), 1
    else:
        where = path
    heads, labels, series = table(where, first, data, MAX_ROWS[kind])
    if kind == "bar" and min(min(s) for s in series) < 0:
        message = "a bar is as long as its count: a value below zero needs a column chart"
        fail("chart.value", message, lines.get("type", line))
    title, source = (" ".join(str(spec.get(k) or "").split()) for k in ("title", "source"))
    return Chart(kind, title, source, heads, labels, series)


def csv_file(path: Path, name: str, line: int) -> str:
    """The text of a CSV file beside the brief (never outside its folder)."""
    folder = path.resolve().parent
    try:
        file = (folder / name).resolve()
        if not file.is_relative_to(folder) or not file.is_file():
            raise BriefError(path, line, "chart.data", f"no CSV file '{name}' beside the brief")
        if file.stat().st_size > MAX_FETCH_BYTES:
            raise BriefError(path, line, "chart.data", f"'{name}' is too large for a chart")
        return file.read_text(encoding="utf-8-sig")
    except (OSError, ValueError, RuntimeError, UnicodeDecodeError) as error:  # a symlink loop
        raise BriefError(path, line, "chart.data", f"'{name}' cannot be read: {error}") from None


def words(text: str, what: str, longest: int, path: Path, line: int) -> None:
    """A chart's words have no hidden character and are not absurdly long."""
    check_text(path, line, what, text, longest, "chart.value")


def table(
    path: Path, first: int, text: str, most: int
) -> tuple[list[str], list[str], list[list[float]]]:
    """The CSV's head, labels and series of numbers: a label, then a number in each column;
    at most `most` rows."""
    try:
        read_rows = list(csv.reader(io.StringIO(text.strip("\n"))))
    except csv.Error as error:  # a cell larger than the csv module takes
        raise BriefError(path, first, "chart.data", f"not CSV a chart can read: {error}") from None
    rows = [(first + n, row) for n, row in enumerate(read_rows)]
    rows = [(at, [cell.strip() for cell in row]) for at, row in rows if any(c.strip() for c in row)]
    if len(rows) < 2:
        raise BriefError(
            path, first, "chart.data", "a chart's data is a head row and a row a label"
        )
    (head_line, heads), body = rows[0], rows[1:]
    if len(heads) < 2 or not all(heads):
        message = "the head row names the labels, then each series: 'region,count'"
        raise BriefError(path, head_line, "chart.data", message)
    if len(heads) - 1 > MAX_SERIES or len(body) > most:
        message = f"this chart reads with {MAX_SERIES} series of {most} values at most"
        raise BriefError(path, head_line, "chart.data", message)
    for name in heads:
        words(name, "a chart's head", LONGEST["label"], path, head_line)
    labels, series = [], [[] for _ in heads[1:]]
    for at, row in body:
        if len(row) != len(heads):
            raise BriefError(path, at, "chart.ragged",
                             f"{len(row)} cells where the head row has {len(heads)}")  # fmt: skip
        words(row[0], "a chart's label", LONGEST["label"], path, at)
        labels.append(row[0])
        for column, cell in enumerate(row[1:]):
            if not NUMBER_RE.fullmatch(cell) or not math.isfinite(float(cell)):
                message = (
                    f"'{cell[:20]}' under '{heads[column + 1]}' is not a number (write 1234.5)"
                )
                raise BriefError(path, at, "chart.value", message)
            if abs(float(cell)) > MAX_VALUE:
                message = (
                    f"'{cell[:20]}' is larger than a chart writes: give it in thousands or millions"
                )
                raise BriefError(path, at, "chart.value", message)
            series[column].append(float(cell))
    return heads, labels, series


def number(value: float, lang: str) -> str:
    """A value as the brief's language writes it: 1,234.5 / 1 234,5 / 1.234,5."""
    return format_decimal(value, locale=lang.replace("-", "_"), decimal_quantization=False)


def typographic(text: str, lang: str) -> str:
    """A chart's words as the brief's are set: an apostrophe curly, straight quotation marks the
    language's own (the text's are, by Python-Markdown's smarty)."""
    opening, closing = quotes(lang)
    marks = iter([opening, closing] * (text.count('"') // 2 + 1))
    return re.sub('"', lambda _: next(marks), text.replace("'", "’"))


def html(chart: Chart, lang: str, rtl: bool) -> str:
    """The chart's HTML: a table of its data, the chart drawn over it."""
    heads = [typographic(text, lang) for text in chart.heads]
    labels = [typographic(text, lang) for text in chart.labels]
    title, source = typographic(chart.title, lang), typographic(chart.source, lang)
    chart = Chart(chart.kind, title, source, heads, labels, chart.series)
    wrapper = etree.Element("div", {"class": f"chart chart-{chart.kind}"})
    table_ = etree.SubElement(wrapper, "table")
    caption = etree.SubElement(table_, "caption")
    etree.SubElement(caption, "span", {"class": "chart-title"}).text = chart.title
    values = [v for s in chart.series for v in s]
    low, high = min(0.0, *values), max(0.0, *values)
    span = (high - low) or 1.0
    if chart.kind == "bar":
        bars(table_, chart, lang, low, span)
    else:
        heights = [[(v - low) / span + 0.0 for v in s] for s in chart.series]  # never -0.0
        order = [h[::-1] for h in heights] if rtl else heights
        payload = ";".join(",".join(f"{h:.4f}" for h in s) for s in order)
        url = f"chart:{chart.kind}/{len(chart.labels)}/{(0.0 - low) / span + 0.0:.4f}/{payload}"
        etree.SubElement(
            caption, "span", {"class": "plot", "style": f"background-image: url('{url}')"}
        )
        columns(table_, chart, lang)
    if chart.source:
        etree.SubElement(wrapper, "p", {"class": "chart-source"}).text = chart.source
    return etree.tostring(wrapper, encoding="unicode", method="html")


def swatch(cell: etree.Element, index: int, many: bool) -> None:
    """The series' colour before its name, where there are several."""
    if many:
        etree.SubElement(cell, "span", {"class": f"swatch series-{index + 1}"})


def bars(table_: etree.Element, chart: Chart, lang: str, low: float, span: float) -> None:
    """A row a label: its bar (a CSS box, its length the value's share) and its value."""
    many = len(chart.series) > 1
    head = etree.SubElement(etree.SubElement(table_, "thead"), "tr")
    etree.SubElement(head, "th", {"scope": "col"}).text = chart.heads[0]
    for index, name in enumerate(chart.heads[1:]):
        cell = etree.SubElement(head, "th", {"scope": "col"})
        swatch(cell, index, many)
        cell.append(etree.Element("span"))
        cell[-1].text = name
    body = etree.SubElement(table_, "tbody")
    for row, label in enumerate(chart.labels):
        tr = etree.SubElement(body, "tr")
        etree.SubElement(tr, "td", {"class": "label"}).text = label  # read under its column's head
        for index, values in enumerate(chart.series):
            td = etree.SubElement(tr, "td")
            track = etree.SubElement(td, "span", {"class": "track"})  # the bars' room
            style = f"width: {100 * values[row] / span:.2f}%"
            etree.SubElement(track, "span", {"class": f"bar series-{index + 1}", "style": style})
            etree.SubElement(td, "span", {"class": "value", "dir": "ltr"}).text = number(
                values[row], lang
            )


def columns(table_: etree.Element, chart: Chart, lang: str) -> None:
    """A column a label, under the picture: the labels, then a row of values a series."""
    many = len(chart.series) > 1
    head = etree.SubElement(etree.SubElement(table_, "thead"), "tr")
    etree.SubElement(head, "th", {"scope": "col"}).text = chart.heads[0]
    for label in chart.labels:
        etree.SubElement(head, "th", {"scope": "col"}).text = label
    body = etree.SubElement(table_, "tbody")
    for index, values in enumerate(chart.series):
        tr = etree.SubElement(body, "tr")
        name = etree.SubElement(tr, "td", {"class": "label"})
        swatch(name, index, many or chart.kind == "line")
        name.append(etree.Element("span"))
        name[-1].text = chart.heads[index + 1]
        for value in values:  # a minus before its digits, in a right-to-left brief too
            cell = etree.SubElement(tr, "td")
            etree.SubElement(cell, "span", {"dir": "ltr"}).text = number(value, lang)


def plot(path: str) -> bytes | None:
    """The picture of a column or line chart from its `chart:` address: numbers only, the
    heights of its values in the box, a column (or point) a label; None for any other."""
    from .colour import (
        PALETTE,  # brief.css's colours (colour imports the outputs, which import this)
    )

    match = PLOT_RE.fullmatch(path)
    if not match:
        return None
    kind, count, base = match[1], int(match[2]), float(match[3])
    series = [[float(v) for v in s.split(",") if v] for s in match[4].split(";")]
    if any(len(s) != count for s in series) or not 0 < count <= MAX_ROWS[kind]:
        return None
    step = WIDTH / count

    def y(height: float) -> float:  # a little air above the highest and below the lowest
        return HEIGHT * (0.96 - 0.92 * height)

    zero = y(base)
    shapes = [f'<path d="M0 {zero:.1f}H{WIDTH}" stroke="{PALETTE["rule"]}" stroke-width="3"/>']
    for index, values in enumerate(series):
        colour = PALETTE[SERIES[index % len(SERIES)]]
        if kind == "column":
            width = step * 0.7 / len(series)
            for at, value in enumerate(values):
                x = at * step + step * 0.15 + index * width
                top, bottom = sorted((y(value), zero))
                shapes.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" '
                              f'height="{max(bottom - top, 1):.1f}" fill="{colour}"/>')  # fmt: skip
        else:
            points = [(at * step + step / 2, y(value)) for at, value in enumerate(values)]
            line = " ".join(f"{px:.1f} {py:.1f}" for px, py in points)
            shapes.append(f'<polyline points="{line}" fill="none" stroke="{colour}" '
                          'stroke-width="6" stroke-linejoin="round"/>')  # fmt: skip
            shapes += [
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="{colour}"/>' for x, y in points
            ]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'preserveAspectRatio="none">{"".join(shapes)}</svg>').encode()  # fmt: skip


def file_name(url: str) -> str:
    """A `chart:` picture's file name in the HTML copy's assets: its address's digest."""
    return hashlib.sha256(url.encode()).hexdigest()[:20] + ".svg"
