"""The cover's locator map: the country on a small regional map, from Natural Earth's boundaries
as the npm package world-atlas pins them (fonts/package.json). The country is found by its name in
any of the series' languages (CLDR's, through Babel, and the Monitor's own names) or by `iso:`.
The map is an SVG with no colour of its own: the country is left open, so the cover's field (its
rating's colour) shows through, with the sea lighter and its neighbours darker over it.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from functools import cache

from babel import Locale
from iso3166 import countries_by_alpha2

from .config import ROOT
from .i18n import catalogs

ATLAS = ROOT / "fonts" / "node_modules" / "world-atlas"
FINE, COARSE = "countries-50m.json", "countries-110m.json"  # Natural Earth's 1:50m and 1:110m
WIDE = 30.0  # degrees: a map wider than this is drawn from the coarser boundaries (smaller PDF)
# The Monitor's own names of countries, and common ones CLDR gives otherwise ("Congo - Kinshasa").
MONITOR_NAMES = {
    "Occupied Palestinian Territories": "PS",
    "Palestine": "PS",
    "Democratic Republic of the Congo": "CD",
    "Democratic Republic of Congo": "CD",
    "DRC": "CD",
    "DR Congo": "CD",
    "Republic of the Congo": "CG",
    "Republic of Congo": "CG",
    "Congo": "CG",
    "Myanmar": "MM",
    "Burma": "MM",
    "Ivory Coast": "CI",
    "Turkey": "TR",
    "Czech Republic": "CZ",
    "Macedonia": "MK",
    "Swaziland": "SZ",
    "Hong Kong": "HK",
    "Cabo Verde": "CV",
    "The Gambia": "GM",
    "Timor-Leste": "TL",
    "East Timor": "TL",
    "Vatican City": "VA",
    "United States of America": "US",
    "USA": "US",
    "UK": "GB",
}
WIDTH, HEIGHT = 400, 300  # the map's own units: 4:3, as its box on the cover
MARGIN = 0.5  # the country's span again on each side: its neighbours around it
LEAST = 8.0  # degrees of latitude, at the least: a small country among the region it is in
EDGE = 20  # units past the box's edge where what lies farther is pressed onto it
SMALL = 24  # units: a country smaller than this on the map is ringed, to be found


def key(name: str) -> str:
    """A name as names are compared: its letters in lower case, without accents or spaces, "&"
    as "and" and "St." as "Saint" (CLDR writes "Bosnia & Herzegovina", "St. Lucia")."""
    name = re.sub(r"\bst\.\s*", "saint ", name.casefold().replace("&", " and "))
    name = re.sub(r"^\s*the\s+", "", name)  # "The Bahamas", "The Gambia"
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if c.isalnum())


@cache
def names() -> dict[str, str]:
    """Every name of every country in the series' languages and the Monitor's → its ISO code."""
    found: dict[str, str] = {}
    countries = set(countries_by_alpha2)  # not the European Union, nor the United Nations
    for tag in [*catalogs(), "kk"]:
        for code, name in Locale.parse(tag).territories.items():
            if code in countries:
                found.setdefault(key(name), code)
    for code, country in countries_by_alpha2.items():  # ISO's own: "Russian Federation"
        for name in (country.name, country.apolitical_name):
            head, _, tail = name.partition(", ")  # "Korea, Republic of": "Republic of Korea"
            found.setdefault(key(f"{tail} {head}" if tail else name), code)
    found.update({key(name): code for name, code in MONITOR_NAMES.items()})
    return found


def find(country: str, iso: str | None = None) -> str | None:
    """The country's ISO 3166 two-letter code, from `iso:` or its name; None when not found."""
    if iso:
        return iso.upper() if iso.upper() in countries_by_alpha2 else None
    return names().get(key(country))


@cache
def atlas(name: str = FINE) -> dict:
    """The boundaries: each country's rings of (longitude, latitude), by ISO number and name."""
    topology = json.loads((ATLAS / name).read_text(encoding="utf-8"))
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:  # TopoJSON: quantized, each point a step from the one before
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indexes: list[int]) -> list[tuple[float, float]]:
        points: list[tuple[float, float]] = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points += arc[1:] if points else arc
        return points

    countries = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        rings = [ring(indexes) for polygon in polygons for indexes in polygon]
        # One number may name several parts (Australia's 036 its Ashmore and Cartier Islands).
        named = geometry.get("id") or key(geometry["properties"]["name"])
        countries.setdefault(named, []).extend(rings)
    return countries


def rings_of(code: str, name: str = FINE) -> list[list[tuple[float, float]]] | None:
    """A country's rings, by its ISO number, or by its English name where it has none (Kosovo)."""
    boundaries = atlas(name)
    number = countries_by_alpha2[code].numeric if code in countries_by_alpha2 else None
    if number and number in boundaries:
        return boundaries[number]
    names = [Locale.parse("en").territories.get(code, "")]
    if code in countries_by_alpha2:
        names.append(countries_by_alpha2[code].name)
    return next((boundaries[key(n)] for n in names if n and key(n) in boundaries), None)


def unwrapped(rings: list, centre: float) -> list:
    """Rings moved whole by a turn of the globe where that brings them nearer the centre (a map
    across the date line); Natural Earth cuts every ring there, so none is torn."""
    moved = []
    for ring in map(continuous, rings):
        middle = (min(x for x, _ in ring) + max(x for x, _ in ring)) / 2
        turn = 360 * round((centre - middle) / 360)
        moved.append([(x + turn, y) for x, y in ring] if turn else ring)
    return moved


def continuous(ring: list) -> list:
    """A ring without jumps of a turn between its points (world-atlas crosses the date line
    inside a few: Chukotka, Fiji)."""
    out, turn, last = [], 0.0, None
    for x, y in ring:
        if last is not None and abs(x + turn - last) > 180:
            turn -= 360 * round((x + turn - last) / 360)
        out.append((x + turn, y))
        last = x + turn
    return out


def mainland(rings: list) -> list:
    """The rings of a country's main part: its largest and those near it (France without French
    Guiana, the United States without Hawaii), across the date line where it lies."""
    rings = [continuous(r) for r in rings]

    def box(ring):
        xs, ys = [x for x, _ in ring], [y for _, y in ring]
        return min(xs), min(ys), max(xs), max(ys)

    west, south, east, north = max(map(box, rings), key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
    reach = max(east - west, north - south, 2.0) * 0.6
    near = []
    for ring in rings:
        w, s, e, n = box(ring)
        x, y = (w + e) / 2, (s + n) / 2
        x += 360 * round(((west + east) / 2 - x) / 360)
        if west - reach <= x <= east + reach and south - reach <= y <= north + reach:
            near.append(ring)
    return near


def window(rings: list) -> tuple[float, float, float, float, float]:
    """(west, south, east, north, centre's longitude) of the map around a country's main part."""
    rings = mainland(rings)
    longitudes = [x for r in rings for x, _ in r]
    if max(longitudes) - min(longitudes) > 180:  # across the date line (Russia, Fiji)
        longitudes = [x % 360 for x in longitudes]
    west, east = min(longitudes), max(longitudes)
    south, north = min(y for r in rings for _, y in r), max(y for r in rings for _, y in r)
    centre = (west + east) / 2
    shrink = math.cos(math.radians(max(-60.0, min(60.0, (south + north) / 2))))
    tall = max(north - south, LEAST / 2) * (1 + 2 * MARGIN)
    wide = max(east - west, LEAST / 2) * (1 + 2 * MARGIN) * shrink
    if wide / tall < WIDTH / HEIGHT:
        wide = tall * WIDTH / HEIGHT
    else:
        tall = wide * HEIGHT / WIDTH
    tall = max(tall, LEAST)
    wide = max(wide, tall * WIDTH / HEIGHT)
    middle = (south + north) / 2
    half_wide, half_tall = wide / shrink / 2, tall / 2
    return (centre - half_wide, middle - half_tall, centre + half_wide, middle + half_tall, centre)


def path(rings: list, frame: tuple) -> str:
    """SVG path data for rings, projected into the map's box (equirectangular, to the frame), to
    a unit (a sixth of a millimetre on the cover); what lies far outside the box pressed onto
    its edge, where nothing of it shows."""
    west, south, east, north, _ = frame
    scale_x, scale_y = WIDTH / (east - west), HEIGHT / (north - south)
    parts = []
    for ring in rings:
        xs = [x for x, _ in ring]
        ys = [y for _, y in ring]
        if max(xs) < west or min(xs) > east or max(ys) < south or min(ys) > north:
            continue  # wholly outside the box
        points, last = [], None
        for x, y in ring:
            u = min(max(round((x - west) * scale_x), -EDGE), WIDTH + EDGE)
            v = min(max(round((north - y) * scale_y), -EDGE), HEIGHT + EDGE)
            if (u, v) != last:
                points.append(f"{u} {v}")
                last = (u, v)
        if len(points) > 2:
            parts.append("M" + "L".join(points) + "Z")
    return "".join(parts)


def circle(rings: list, frame: tuple) -> str:
    """A ring around a country too small to be seen at once (Bahrain, Singapore), or around the
    largest island of one whose every island is a speck (Kiribati, the Maldives); or ''."""
    west, south, east, north, centre = frame

    def box(ring_):
        xs = [(x - west) * WIDTH / (east - west) for x, _ in ring_]
        ys = [(north - y) * HEIGHT / (north - south) for _, y in ring_]
        return min(xs), min(ys), max(xs), max(ys)

    boxes = [box(r) for r in unwrapped(rings, centre)]
    whole = (min(b[0] for b in boxes), min(b[1] for b in boxes),
             max(b[2] for b in boxes), max(b[3] for b in boxes))  # fmt: skip
    largest = max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
    if max(whole[2] - whole[0], whole[3] - whole[1]) < SMALL:
        chosen = whole
    elif max(largest[2] - largest[0], largest[3] - largest[1]) < SMALL * 0.6:
        chosen = largest
    else:
        return ""
    x, y = (chosen[0] + chosen[2]) / 2, (chosen[1] + chosen[3]) / 2
    if not (0 <= x <= WIDTH and 0 <= y <= HEIGHT):
        return ""
    return (
        f'<circle cx="{x:.0f}" cy="{y:.0f}" r="{SMALL}" fill="none" stroke="#000"'
        ' stroke-width="1.6"/>'
    )


@cache  # drawn once a process: for the PDF's fetcher and again for the HTML copy's file
def svg(code: str) -> bytes | None:
    """The locator map of a country: its neighbours darker and the sea lighter over the field,
    the country open and outlined; None when the boundaries have no such country."""
    rings = rings_of(code)
    if not rings:
        return None
    frame = window(rings)
    centre = frame[4]
    name = COARSE if frame[2] - frame[0] > WIDE and rings_of(code, COARSE) else FINE
    rings = rings_of(code, name)
    country = path(unwrapped(rings, centre), frame)
    own = id(rings)
    others = "".join(
        path(unwrapped(r, centre), frame) for r in atlas(name).values() if id(r) != own
    )
    box = f"M0 0H{WIDTH}V{HEIGHT}H0Z"
    ring = circle(rings, frame)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}">'
        f'<path d="{box}{country}" fill="#fff" fill-opacity="0.7" fill-rule="evenodd"/>'
        f'<path d="{others}" fill="#d6d2cb" stroke="#fff" stroke-opacity="0.9"'
        ' stroke-width="0.6" stroke-linejoin="round"/>'
        + (
            f'<path d="{country}" fill="none" stroke="#000" stroke-width="1.6"'
            ' stroke-linejoin="round"/>'
            if country
            else ""
        )  # none: smaller than a unit
        + f"{ring}</svg>"
    ).encode()
