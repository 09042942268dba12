"""What a file is, by its bytes rather than its name: raster images, SVG, fonts."""

from __future__ import annotations

import html
import io
import re
import warnings

from .config import MAX_PIXELS

SVG_RE = re.compile(rb"<(?:[\w.-]+:)?svg[\s>/]")
FONT_MAGIC = (b"\x00\x01\x00\x00", b"OTTO", b"true", b"typ1", b"ttcf", b"wOFF", b"wOF2")
MAX_SVG = 20_000  # an SVG's width, height or view box, in its units: more, and Pango's layout fails
NUMBER_RE = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
SIZE_RE = re.compile(rb"\b(?:width|height|viewBox)\s*=\s*[\"']([^\"']*)")
IMAGE_RE = re.compile(rb"<(?:[\w.-]+:)?image\b[^>]*?\b(?:xlink:)?href\s*=\s*[\"']([^\"']*)", re.I)


def is_svg(data: bytes) -> bool:
    """Whether some bytes are an SVG document (after any prologue or comment)."""
    return bool(SVG_RE.search(data))


def is_font(data: bytes) -> bool:
    """Whether some bytes are a font file (TrueType, OpenType, a collection, WOFF)."""
    return data.startswith(FONT_MAGIC)


def raster_type(name: str, data: bytes) -> str | None:
    """The type of a raster image, refused (ValueError) if too large to decode; None otherwise.

    Only the header is read; Pillow's own warning of a decompression bomb is the limit's error.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            warnings.simplefilter("ignore", UserWarning)  # a damaged EXIF tag: WeasyPrint says
            with Image.open(io.BytesIO(data)) as image:
                width, height, kind = *image.size, image.format
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValueError(f"refused {name}: too many pixels to decode safely") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None  # not a raster image (a stylesheet, an SVG) or unreadable: WeasyPrint says
    if width * height > MAX_PIXELS:
        raise ValueError(f"refused {name}: {width}x{height} pixels, more than {MAX_PIXELS:,}")
    return Image.MIME.get(kind, "application/octet-stream")


def svg_too_large(data: bytes) -> bool:
    """Whether an SVG declares a width, height or view box larger than any page can hold."""
    match = SVG_RE.search(data)
    tag = data[match.start() : data.find(b">", match.start()) + 1] if match else b""
    numbers = NUMBER_RE.findall(b" ".join(SIZE_RE.findall(tag)))
    return any(abs(float(n)) > MAX_SVG for n in numbers)


MAX_DRAWN = 1e9  # a coordinate past this draws nothing a page can show, and breaks the PDF
ATTRIBUTE_RE = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
NON_FINITE_RE = re.compile(rb"(?<![\w.])[-+]?(?:nan|inf(?:inity)?)(?!\w)", re.I)
NAMES = {b"id", b"class", b"href", b"xlink:href", b"src", b"lang", b"xml:lang", b"xmlns"}


def svg_unbounded(data: bytes) -> bool:
    """Whether an SVG draws with a number that is not one (nan, inf) or is past MAX_DRAWN: they
    reached the PDF as `nan` operators and a `nan` box, which no reader accepts."""
    for match in ATTRIBUTE_RE.finditer(data):
        if match[1].lower() in NAMES or match[1].lower().startswith(b"xmlns"):
            continue
        value = match[2] if match[2] is not None else match[3]
        if NON_FINITE_RE.search(value):
            return True
        if any(abs(float(n)) > MAX_DRAWN for n in NUMBER_RE.findall(value)):
            return True
    return False


def svg_images(data: bytes) -> list[str]:
    """The addresses of the images an SVG draws, as written (character references read)."""
    return [
        html.unescape(href.decode("utf-8", "replace")).strip() for href in IMAGE_RE.findall(data)
    ]


# What a photo says of itself beyond its pixels: EXIF (the camera's serial, the GPS position),
# XMP and IPTC. JPEG keeps them in APP1 (EXIF, XMP), APP13 (IPTC) and comments; PNG in eXIf and
# text chunks. The colour profile (APP2, iCCP) and the pixels are kept as they are.
JPEG_DROPPED = {0xE1, 0xED, 0xFE}  # APP1, APP13, COM
PNG_DROPPED = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}


def without_metadata(data: bytes) -> bytes:
    """An image's bytes without its metadata, pixels untouched (JPEG, PNG; others as they are)."""
    if data.startswith(b"\xff\xd8"):
        return jpeg_without_metadata(data)
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return png_without_metadata(data)
    return data


def jpeg_without_metadata(data: bytes) -> bytes:
    """A JPEG's segments but its metadata ones, up to the image data, which is kept whole."""
    out, i = [data[:2]], 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xDA or 0xD0 <= marker <= 0xD9:  # start of scan: the rest is the image
            break
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker not in JPEG_DROPPED:
            out.append(data[i : i + 2 + length])
        i += 2 + length
    out.append(data[i:])
    return b"".join(out)


def png_without_metadata(data: bytes) -> bytes:
    """A PNG's chunks but its metadata ones."""
    out, i = [data[:8]], 8
    while i + 8 <= len(data):
        length = int.from_bytes(data[i : i + 4], "big")
        kind, end = data[i + 4 : i + 8], i + 12 + length
        if kind not in PNG_DROPPED:
            out.append(data[i:end])
        i = end
    return b"".join(out)


def gps_position(data: bytes) -> bool:
    """Whether a photo's EXIF holds the position where it was taken."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as image:
                return bool(image.getexif().get_ifd(0x8825))  # the GPS IFD
    except Exception:  # not a photo Pillow reads: nothing to say
        return False
