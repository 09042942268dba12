"""The security boundary: WeasyPrint reads only the brief's files, the styles and pinned fonts."""

from __future__ import annotations

import io
import mimetypes
import stat
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from .config import MAX_FETCH_BYTES, MAX_PIXELS


class RootedFetcher(URLFetcher):
    """Serve only regular files under the given folders, and pinned fonts as `font:NAME`."""

    def __init__(self, roots: list[Path], fonts: dict[str, Path]):
        super().__init__(fail_on_errors=True)
        self.roots, self.fonts = [r.resolve() for r in roots], fonts

    def fetch(self, url, headers=None):
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
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        data = path.read_bytes()
        if mime.startswith("image/") and mime != "image/svg+xml":
            check_pixels(url, data)
        return URLFetcherResponse(path.as_uri(), data, {"Content-Type": mime})


def check_pixels(url: str, data: bytes) -> None:
    """Refuse a raster image too large to decode, reading only its header."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Image.DecompressionBombError:
        raise ValueError(f"refused {url}: too many pixels to decode safely") from None
    except (UnidentifiedImageError, OSError, ValueError):
        return  # not a raster image (a font, a stylesheet, an SVG) or unreadable: WeasyPrint says
    if width * height > MAX_PIXELS:
        raise ValueError(f"refused {url}: {width}x{height} pixels, more than {MAX_PIXELS:,}")
