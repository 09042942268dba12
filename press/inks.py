"""What the print copy's plates get: repairs made in WeasyPrint's finisher (press/pdffix.py) when
the output intent is a CMYK printing condition. print.css gives the layout's colours in that
condition's CMYK; these cover what a stylesheet cannot reach. Tested in tests/test_print.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pydyf

from . import colour, paintorder
from .tagfix import number

RGB_RE = re.compile(rb"^([\d.]+) ([\d.]+) ([\d.]+) (rg|RG)$")
GREY_RE = re.compile(rb"^([\d.]+) (g|G)$")
SRGB = Path("/usr/share/color/icc/sRGB.icc")  # Debian's icc-profiles-free, the same everywhere


def cmyk_intent(pdf: pydyf.PDF) -> bool:
    """Whether the file's output intent is a CMYK printing condition."""
    intents = pdf.catalog.get("OutputIntents") or []
    for intent in intents:
        intent = pdf.objects[number(intent)] if isinstance(intent, bytes) else intent
        profile = pdf.objects[number(intent["DestOutputProfile"])]
        if profile.extra.get("N") == 4:
            return True
    return False


def streams(pdf: pydyf.PDF) -> list[pydyf.Stream]:
    """The content streams that paint: the pages' and their form XObjects'."""
    found = []
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Type") == "/Page":
            found.append(pdf.objects[number(obj["Contents"])])
        elif isinstance(obj, pydyf.Stream) and obj.extra.get("Subtype") == "/Form":
            found.append(obj)
    return found


def rgb_as_cmyk(pdf: pydyf.PDF, profile: Path) -> None:
    """Every RGB or grey colour left in a content stream in the condition's CMYK, a grey on the
    black plate alone: WeasyPrint 70 writes some colours in RGB whatever the stylesheet says (a
    border in `currentcolor`, an SVG's fills), and DeviceRGB has no meaning on a press."""
    for stream in streams(pdf):
        stream.stream = [
            cmyk_operation(item, profile) if isinstance(item, bytes) else item
            for item in stream.stream
        ]


def cmyk_operation(item: bytes, profile: Path) -> bytes:
    """An `r g b rg` (or `RG`, `g`, `G`) operation in CMYK; any other as it is."""
    if match := RGB_RE.match(item):
        rgb, op = tuple(round(float(v) * 255) for v in match.groups()[:3]), match[4]
    elif match := GREY_RE.match(item):
        rgb, op = (round(float(match[1]) * 255),) * 3, b"rg" if match[2] == b"g" else b"RG"
    else:
        return item
    ink = colour.cmyk(rgb, profile)
    return b" ".join(f"{v:g}".encode() for v in ink) + (b" k" if op == b"rg" else b" K")


def registration_marks(pdf: pydyf.PDF) -> None:
    """Crop marks on every plate (registration: all four inks full), where WeasyPrint 70 draws
    them in RGB black, which a press puts on the black plate only: a mark missing from three
    plates cannot register them. The marks are the form XObject drawn past the trim, from a
    bounding box that starts in the bleed."""
    for stream in streams(pdf):
        box = stream.extra.get("BBox")
        if stream.extra.get("Subtype") == "/Form" and box and float(box[0]) < 0:
            stream.stream = [REGISTRATION.get(item, item) for item in stream.stream]


REGISTRATION = {  # black, in RGB or on the black plate, as all four plates
    b"0 0 0 rg": b"1 1 1 1 k",
    b"0 0 0 RG": b"1 1 1 1 K",
    b"0 0 0 1 k": b"1 1 1 1 k",
    b"0 0 0 1 K": b"1 1 1 1 K",
}


def images_in_srgb(pdf: pydyf.PDF) -> None:
    """A photograph or a drawing's raster in RGB tagged sRGB (ICCBased), the colour it was made
    in: DeviceRGB has no colour a press can print, and PDF/X refuses it beside a CMYK intent."""
    tagged = None
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.extra.get("ColorSpace") == "/DeviceRGB":
            if tagged is None:
                profile = pydyf.Stream([SRGB.read_bytes()], pydyf.Dictionary({"N": 3}))
                pdf.add_object(profile)
                tagged = pydyf.Array(["/ICCBased", profile.reference])
            obj.extra["ColorSpace"] = tagged


def no_interpolation(pdf: pydyf.PDF) -> None:
    """No image asks a viewer to smooth it (/Interpolate): PDF/A forbids it (ISO 19005-2
    6.2.8) and PDF/X too; WeasyPrint 70 sets it on every image it places, and its SMask."""
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.extra.get("Subtype") == "/Image":
            obj.extra.pop("Interpolate", None)
            mask = obj.extra.get("SMask")
            mask = pdf.objects[number(mask)] if isinstance(mask, bytes) else mask
            if isinstance(mask, pydyf.Stream):
                mask.extra.pop("Interpolate", None)


def placed_images(pdf: pydyf.PDF) -> list[tuple[int, int, float]]:
    """Each raster image the pages draw: its pixels (width, height) and the resolution it prints
    at, pixels per inch across (the transformations in force where it is drawn)."""
    found = []
    for reference in pdf.page_references:
        page = pdf.objects[number(reference)]
        resources = page["Resources"]
        resources = pdf.objects[number(resources)] if isinstance(resources, bytes) else resources
        objects = resources.get("XObject", {})
        objects = pdf.objects[number(objects)] if isinstance(objects, bytes) else objects
        ops = pdf.objects[number(page["Contents"])].stream
        for item, (frame, _) in zip(ops, paintorder.states(ops), strict=True):
            if not (isinstance(item, bytes) and item.endswith(b" Do")):
                continue
            image = pdf.objects[number(objects.get(item.split()[0][1:].decode(), b"0 0 R"))]
            if not (isinstance(image, pydyf.Stream) and image.extra.get("Subtype") == "/Image"):
                continue
            width = abs(scale(frame.place))  # points across, from the image's unit square
            if width:
                found.append(
                    (image.extra["Width"], image.extra["Height"], image.extra["Width"] * 72 / width)
                )
    return found


def scale(place: tuple) -> float:
    """The horizontal scale of a chain of `cm` transformations (a rotation's too)."""
    a, b, c, d = 1.0, 0.0, 0.0, 1.0
    for step in place:
        if isinstance(step, bytes):
            m = [float(v) for v in step.split()[:4]]
            a, b, c, d = (
                m[0] * a + m[1] * c,
                m[0] * b + m[1] * d,
                m[2] * a + m[3] * c,
                m[2] * b + m[3] * d,
            )
    return (a * a + b * b) ** 0.5
