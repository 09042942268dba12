"""The security boundary: WeasyPrint reads only the brief's files, the styles and pinned fonts."""

from __future__ import annotations

import io
import mimetypes
import re
import stat
import warnings
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from .config import MAX_FETCH_BYTES, MAX_PIXELS


class RootedFetcher(URLFetcher):
    """Serve only regular files under the given folders, and pinned fonts as `font:NAME`."""

    def __init__(self, roots: list[Path], fonts: dict[str, Path]):
        super().__init__(fail_on_errors=True)
        self.roots, self.fonts = [r.resolve() for r in roots], fonts

    def fetch(self, url, headers=None):
        mime, data, path = self.read(url)
        return URLFetcherResponse(path.as_uri(), data, {"Content-Type": mime})

    def read(self, url: str) -> tuple[str, bytes, Path]:
        """(type, bytes, file) of a URL the press may read, its limits checked; else ValueError."""
        parts = urlsplit(url)
        if parts.scheme == "font" and parts.path in self.fonts:
            path = self.fonts[parts.path]
        elif parts.scheme == "file" and not parts.netloc:
            path = Path(unquote(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise ValueError(f"refused {url}: outside the brief's folder")
        else:
            raise ValueError(f"refused {url}: only the brief's own files are read")
        try:
            info = path.stat()
        except OSError:
            raise ValueError(f"{url}: no such file") from None
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"refused {url}: not a regular file")
        if info.st_size > MAX_FETCH_BYTES:
            raise ValueError(f"refused {url}: larger than {MAX_FETCH_BYTES // 2**20} MiB")
        data = path.read_bytes()
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if parts.scheme != "font":  # what a file is, its bytes say, not its name
            mime = raster_type(url, data) or ("image/svg+xml" if is_svg(data) else mime)
            if mime == "image/svg+xml":
                self.check_svg(url, data)
        return mime, data, path

    def check_svg(self, url: str, data: bytes) -> None:
        """Refuse an SVG whose declared size no page can hold, or whose images break a limit.

        WeasyPrint renders an SVG's images itself and reports any failure as the SVG's own, so
        the images an SVG names are read here first, with the same limits as the brief's.
        """
        start = data.find(b"<svg")
        tag = data[start : data.find(b">", start) + 1]
        if any(abs(float(n)) > MAX_SVG for n in NUMBER_RE.findall(attributes(tag))):
            raise ValueError(
                f"refused {url}: its width, height or viewBox is more than {MAX_SVG:,}"
            )
        for href in SVG_IMAGE_RE.findall(data):
            inner = urljoin(url, href.decode("utf-8", "replace").strip())
            if inner.startswith("data:") or inner == url:
                continue
            try:
                self.read(inner)
            except ValueError as error:
                name = unquote(href.decode("utf-8", "replace"))
                reason = str(error).split(": ", 1)[-1]
                raise ValueError(f"refused {url}: its image {name}: {reason}") from None


def raster_type(url: str, data: bytes) -> str | None:
    """The type of a raster image, refused if too large to decode; None for anything else.

    Only the header is read; Pillow's own warning of a decompression bomb is the limit's error.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height, kind = *image.size, image.format
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValueError(f"refused {url}: too many pixels to decode safely") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None  # not a raster image (a stylesheet, an SVG) or unreadable: WeasyPrint says
    if width * height > MAX_PIXELS:
        raise ValueError(f"refused {url}: {width}x{height} pixels, more than {MAX_PIXELS:,}")
    return Image.MIME.get(kind, "application/octet-stream")


def is_svg(data: bytes) -> bool:
    """Whether some bytes are an SVG document."""
    return b"<svg" in data[:4096]


MAX_SVG = 20_000  # an SVG's width, height or view box, in its units: more, and Pango's layout fails
NUMBER_RE = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
SVG_IMAGE_RE = re.compile(rb"<image\b[^>]*?\b(?:xlink:)?href\s*=\s*[\"']([^\"']*)", re.I)


def attributes(tag: bytes) -> bytes:
    """The values of an <svg> tag's width, height and viewBox."""
    return b" ".join(
        m[1] for m in re.finditer(rb"\b(?:width|height|viewBox)\s*=\s*[\"']([^\"']*)", tag)
    )
