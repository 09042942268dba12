"""What the print copy's plates get: repairs made in WeasyPrint's finisher (press/pdffix.py) when
the output intent is a CMYK printing condition. print.css gives the layout's colours in that
condition's CMYK; these cover what a stylesheet cannot reach. Tested in tests/test_print.py.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pydyf
from PIL import Image

from . import colour, paintorder
from .tagfix import number, resolve, resources

NUMBER = rb"(-?[\d.]+)"
RGB_RE = re.compile(rb"^" + NUMBER + rb" " + NUMBER + rb" " + NUMBER + rb" (rg|RG)$")
GREY_RE = re.compile(rb"^" + NUMBER + rb" (g|G)$")
SRGB = Path("/usr/share/color/icc/sRGB.icc")  # Debian's icc-profiles-free, the same everywhere


def intents(pdf: pydyf.PDF) -> list[dict]:
    """The file's output intents."""
    return [resolve(pdf, intent) for intent in pdf.catalog.get("OutputIntents") or []]


def registered_condition(pdf: pydyf.PDF) -> None:
    """An output intent for FOGRA39 names the registry that defines it and the condition in
    words, as PDF/X asks of a characterized printing condition (ISO 15930-7 6.2.4)."""
    for intent in intents(pdf):
        if str(intent.get("OutputConditionIdentifier", pydyf.String()).string) == colour.CONDITION:
            intent["RegistryName"] = pydyf.String("http://www.color.org")
            intent["OutputCondition"] = pydyf.String(colour.CONDITION_NAME)


def cmyk_intent(pdf: pydyf.PDF) -> bool:
    """Whether the file's output intent is a CMYK printing condition."""
    return any(
        pdf.objects[number(intent["DestOutputProfile"])].extra.get("N") == 4
        for intent in intents(pdf)
    )


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
        rgb, op = tuple(channel(v) for v in match.groups()[:3]), match[4]
    elif match := GREY_RE.match(item):
        rgb, op = (channel(match[1]),) * 3, b"rg" if match[2] == b"g" else b"RG"
    else:
        return item
    ink = colour.cmyk(rgb, profile)
    return b" ".join(f"{v:g}".encode() for v in ink) + (b" k" if op == b"rg" else b" K")


def channel(value: bytes) -> int:
    """A colour operand (an SVG may give one past 0 or 1) as 0–255."""
    return round(min(1.0, max(0.0, float(value))) * 255)


def registration_marks(pdf: pydyf.PDF) -> None:
    """Crop marks on every plate (registration: all four inks full), where WeasyPrint 70 draws
    them in RGB black, which a press puts on the black plate only: a mark missing from three
    plates cannot register them. The marks are the form XObject each page draws first, as an
    Artifact, before anything of the page (weasyprint/draw: draw_page)."""
    for reference in pdf.page_references:
        page = pdf.objects[number(reference)]
        ops = [i for i in pdf.objects[number(page["Contents"])].stream if isinstance(i, bytes)]
        drawn = next((at for at, item in enumerate(ops) if item.endswith(b" Do")), None)
        if drawn is None or not any(item.endswith(b"BMC") for item in ops[:drawn]):
            continue  # (pydyf keeps `/Artifact` apart from its BMC)
        if any(item.endswith(b"BDC") for item in ops[:drawn]):  # the page's content came first
            continue
        name = ops[drawn].split()[0][1:].decode()
        marks = pdf.objects[number(resources(pdf, page, "XObject")[name])]
        marks.stream = [REGISTRATION.get(item, item) for item in marks.stream]


REGISTRATION = {  # black, in RGB or on the black plate, as all four plates
    b"0 0 0 rg": b"1 1 1 1 k",
    b"0 0 0 RG": b"1 1 1 1 K",
    b"0 0 0 1 k": b"1 1 1 1 k",
    b"0 0 0 1 K": b"1 1 1 1 K",
}


def images_in_srgb(pdf: pydyf.PDF) -> None:
    """A photograph or a drawing's raster in RGB tagged with the profile it carries (a JPEG's),
    else sRGB (ICCBased), and a gradient's RGB stops as sRGB: DeviceRGB has no colour a press
    can print, PDF/X refuses it beside a CMYK intent, and WeasyPrint 70 gives an SVG gradient
    the CMYK space with its three RGB values (a shading no RIP draws)."""
    spaces: dict[bytes, pydyf.Array] = {}
    srgb = SRGB.read_bytes()

    def icc(profile: bytes) -> pydyf.Array:
        if profile not in spaces:
            stream = pydyf.Stream([profile], pydyf.Dictionary({"N": 3}))
            pdf.add_object(stream)
            spaces[profile] = pydyf.Array(["/ICCBased", stream.reference])
        return spaces[profile]

    for obj in list(pdf.objects):
        extra = obj.extra if isinstance(obj, pydyf.Stream) else obj
        if not isinstance(extra, dict):
            continue
        if extra.get("ColorSpace") == "/DeviceRGB" and extra.get("Subtype") == "/Image":
            extra["ColorSpace"] = icc(own_profile(obj) or srgb)
        elif "ShadingType" in extra and three_stops(pdf, extra.get("Function")):
            extra["ColorSpace"] = icc(srgb)


def own_profile(image: pydyf.Stream) -> bytes | None:
    """The RGB profile a JPEG carries, which WeasyPrint keeps in the image's bytes."""
    if image.extra.get("Filter") != "/DCTDecode":
        return None
    try:
        with Image.open(io.BytesIO(b"".join(image.stream))) as picture:
            profile = picture.info.get("icc_profile")
    except (OSError, ValueError):
        return None
    return profile if profile and profile[16:20] == b"RGB " else None


def three_stops(pdf: pydyf.PDF, function) -> bool:
    """Whether a shading's function gives three values (RGB), its stitched ones too."""
    function = resolve(pdf, function)
    function = function.extra if isinstance(function, pydyf.Stream) else function
    if not isinstance(function, dict):
        return False
    if "C0" in function:
        return len(function["C0"]) == 3
    return any(three_stops(pdf, inner) for inner in function.get("Functions", []))


def no_interpolation(pdf: pydyf.PDF) -> None:
    """No image asks a viewer to smooth it (/Interpolate): PDF/A forbids it (ISO 19005-2
    6.2.8) and PDF/X too; WeasyPrint 70 sets it on every image it places, and its SMask."""
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.extra.get("Subtype") == "/Image":
            obj.extra.pop("Interpolate", None)
            mask = obj.extra.get("SMask")
            mask = resolve(pdf, mask)
            if isinstance(mask, pydyf.Stream):
                mask.extra.pop("Interpolate", None)


def placed_images(pdf: pydyf.PDF) -> list[tuple[str, int, float]]:
    """Each raster image the pages draw: its XObject's name (WeasyPrint's: `i`, the md5 of its
    address, a digit), its width in pixels and the resolution it prints at, pixels per inch
    across (the transformations in force where it is drawn)."""
    found = []
    for reference in pdf.page_references:
        page = pdf.objects[number(reference)]
        objects = resources(pdf, page, "XObject")
        ops = pdf.objects[number(page["Contents"])].stream
        for item, (frame, _) in zip(ops, paintorder.states(ops), strict=True):
            if not (isinstance(item, bytes) and item.endswith(b" Do")):
                continue
            name = item.split()[0][1:].decode()
            image = pdf.objects[number(objects.get(name, b"0 0 R"))]
            if not (isinstance(image, pydyf.Stream) and image.extra.get("Subtype") == "/Image"):
                continue
            width = abs(scale(frame.place))  # points across, from the image's unit square
            if width:
                found.append((name, image.extra["Width"], image.extra["Width"] * 72 / width))
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
