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


def svg_images(data: bytes) -> list[str]:
    """The addresses of the images an SVG draws, as written (character references read)."""
    return [
        html.unescape(href.decode("utf-8", "replace")).strip() for href in IMAGE_RE.findall(data)
    ]
