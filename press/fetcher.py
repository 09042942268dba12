"""The security boundary: WeasyPrint reads only the brief's files, the styles and pinned fonts."""

from __future__ import annotations

import mimetypes
import re
import stat
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import charts, locator
from .config import MAX_FETCH_BYTES
from .filetypes import (
    MAX_DRAWN,
    MAX_SVG,
    is_font,
    is_svg,
    raster_type,
    svg_images,
    svg_too_large,
    svg_unbounded,
)

# The brief's images are handed to WeasyPrint under this folder-free address, by which it names
# them in the PDF (the md5 of the address): the same brief gives the same bytes in any folder.
BRIEF_PATH = "/.press-brief/"
BRIEF_URL = "file://" + BRIEF_PATH
MAP_RE = re.compile(r"[A-Z]{2}")
IMG_SRC_RE = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]*)(")')


def brief_images(page: str, folder: Path, out_dir: Path) -> str:
    """The page with its images' addresses (relative to the HTML copy) under BRIEF_URL."""

    def address(match: re.Match) -> str:
        src = match[2]
        if re.match(r"[a-zA-Z][\w+.-]*:|/", src):
            return match[0]  # not a file of the brief: refused by the checks and the fetcher
        path = (out_dir / unquote(src)).resolve()
        if not path.is_relative_to(folder):
            return match[0]
        return match[1] + BRIEF_URL + quote(path.relative_to(folder).as_posix()) + match[3]

    return IMG_SRC_RE.sub(address, page)


class RootedFetcher(URLFetcher):
    """Serve only regular files under the given folders, pinned fonts as `font:NAME`, the print
    copy's CMYK profile as `profile:condition`, the cover's map as `map:ISO` and a chart's picture
    as `chart:…` (press/charts.py)."""

    def __init__(self, roots: list[Path], fonts: dict[str, Path], profile: Path | None = None):
        super().__init__(fail_on_errors=True)
        self.roots, self.fonts = [r.resolve() for r in roots], fonts
        self.profile = profile
        self.brief = self.roots[0]  # what BRIEF_URL stands for: the brief's folder

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "map":  # the cover's map, drawn by the press
            data = locator.svg(parts.path) if MAP_RE.fullmatch(parts.path) else None
            if data is None:
                raise ValueError(f"refused {url}: no map of that country")
            return URLFetcherResponse(url, data, {"Content-Type": "image/svg+xml"})
        if parts.scheme == "chart":  # a chart's picture, drawn by the press from numbers
            if (data := charts.plot(parts.path)) is None:
                raise ValueError(f"refused {url[:80]}: not a chart's picture")
            return URLFetcherResponse(url, data, {"Content-Type": "image/svg+xml"})
        mime, data, path = self.read(url)
        return URLFetcherResponse(path.as_uri(), data, {"Content-Type": mime})

    def read(self, url: str) -> tuple[str, bytes, Path]:
        """(type, bytes, file) of a URL the press may read, its limits checked; else ValueError."""
        parts = urlsplit(url)
        if parts.scheme == "font" and parts.path in self.fonts:
            path = self.fonts[parts.path]
        elif parts.scheme == "profile" and parts.path == "condition" and self.profile:
            path = self.profile
        elif parts.scheme == "file" and not parts.netloc:
            path = Path(unquote(parts.path))
            if parts.path.startswith(BRIEF_PATH):  # an image of the brief, by its own name
                path = self.brief / unquote(parts.path[len(BRIEF_PATH) :])
            path = path.resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise ValueError(f"refused {url}: outside the brief's folder")
        else:
            raise ValueError(f"refused {url}: only the brief's own files are read")
        try:
            info = path.stat()
        except OSError:
            if parts.scheme == "profile":
                raise ValueError(f"no print profile at {path} (make makes FOGRA39's; --profile "
                                 "names another)") from None  # fmt: skip
            raise ValueError(f"{url}: no such file") from None
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"refused {url}: not a regular file")
        if info.st_size > MAX_FETCH_BYTES:
            raise ValueError(f"refused {url}: larger than {MAX_FETCH_BYTES // 2**20} MiB")
        data = path.read_bytes()
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if parts.scheme == "profile" and data[36:40] != b"acsp":  # an ICC profile's signature
            raise ValueError(f"refused {url}: {path} is not an ICC profile")
        if parts.scheme == "profile" and (data[12:16], data[16:20]) != (b"prtr", b"CMYK"):
            raise ValueError(f"refused {path}: not a CMYK printer profile (the print shop's "
                             "is one; a screen's or a scanner's is not)")  # fmt: skip
        if parts.scheme not in ("font", "profile"):  # what a file is, its bytes say, not its name
            if is_font(data):  # an SVG's or a stylesheet's @font-face: only the pinned fonts
                raise ValueError(f"refused {url}: a font; the press sets text in its own")
            mime = raster_type(url, data) or ("image/svg+xml" if is_svg(data) else mime)
            if mime == "image/svg+xml":
                self.check_svg(url, data)
        return mime, data, path

    def check_svg(self, url: str, data: bytes) -> None:
        """Refuse an SVG whose declared size no page can hold, or whose images break a limit.

        WeasyPrint renders an SVG's images itself and reports any failure as the SVG's own, so
        the images an SVG names are read here first, with the same limits as the brief's.
        """
        if svg_too_large(data):
            raise ValueError(
                f"refused {url}: its width, height or viewBox is more than {MAX_SVG:,}"
            )
        if svg_unbounded(data):
            raise ValueError(f"refused {url}: it draws with a number that is none (nan, inf) "
                             f"or is past {MAX_DRAWN:.0e}")  # fmt: skip
        for href in svg_images(data):
            inner = urljoin(url, href)
            if inner.startswith("data:"):  # the fetcher reads files only: say so, not "failed"
                raise ValueError(f"refused {url}: an image written into it (data:) is not read; "
                                 "save it as a file beside the brief and name that")  # fmt: skip
            if inner == url:
                continue
            try:
                self.read(inner)
            except ValueError as error:
                reason = str(error).split(": ", 1)[-1]
                raise ValueError(f"refused {url}: its image {unquote(href)}: {reason}") from None
