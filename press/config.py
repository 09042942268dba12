"""The one configuration object a build is given, and the press's fixed limits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RATINGS = ("closed", "repressed", "obstructed", "narrowed", "open")
PDF_VARIANTS = (
    "pdf/a-1b", "pdf/a-2b", "pdf/a-3b", "pdf/a-2u", "pdf/a-3u", "pdf/a-4u",
    "pdf/a-1a", "pdf/a-2a", "pdf/a-3a", "pdf/a-4e", "pdf/a-4f", "pdf/ua-1", "pdf/ua-2",
    "pdf/x-1a", "pdf/x-3", "pdf/x-4", "pdf/x-5g",
)  # fmt: skip
# Variants on PDF 1.6 or 1.7 that allow a second conformance claim: a tagged copy in one of them
# also declares PDF/UA-1 (the PDF/A-1, PDF/X-1a and PDF/X-3 bases predate it, PDF/A-4 is PDF 2.0).
DECLARES_UA = {
    "pdf/a-2b",
    "pdf/a-3b",
    "pdf/a-2u",
    "pdf/a-3u",
    "pdf/a-2a",
    "pdf/a-3a",
    "pdf/x-4",
    "pdf/x-5g",
}

# Limits: a clear error instead of a crash, a MemoryError or an hour of work.
MAX_BRIEF_BYTES = 2 * 2**20  # ten times the longest brief of the series
MAX_DEPTH = 40  # WeasyPrint recurses per box; ~137 nested boxes overflow its stack
MAX_FETCH_BYTES = 20 * 2**20  # an image or stylesheet
MAX_PIXELS = 40_000_000  # width x height of an image: 20 cm square at 800 dpi
MAX_SPAN = 50  # a table cell's colspan or rowspan
MAX_SECONDS = 120  # one brief's build (--timeout): a 300-page brief takes 40 s
MM = 72 / 25.4  # PDF points in a millimetre
PRINT_BLEED = 3 * MM  # BleedBox of the print copy; styles/print.css extends artwork by as much


@dataclass(frozen=True)
class Config:
    """Everything a build needs to know, passed explicitly from stage to stage."""

    out_dir: Path = ROOT / "build"
    html: bool = False  # also write the HTML copy
    preview: bool = False  # also render every page to PNG
    print_copy: bool = False  # the press-ready copy instead of the distributable one
    pdf_variant: str | None = None  # default: pdf/ua-1, or pdf/x-4 for the print copy
    max_bytes: int | None = 2**20  # size budget of the distributable copy
    check: bool = False  # stop before printing: report problems only
    strict: bool = False  # warnings are errors
    timeout: float = MAX_SECONDS  # seconds one brief may take
    templates: Path = ROOT / "templates"
    styles_dir: Path = ROOT / "styles"

    @property
    def styles(self) -> tuple[Path, ...]:
        """The stylesheets, in cascade order."""
        names = ("brief.css", "print.css") if self.print_copy else ("brief.css",)
        return tuple(self.styles_dir / name for name in names)

    def target(self, path: Path, extension: str = "pdf") -> Path:
        """Where a brief's output goes."""
        suffix = "-print" if self.print_copy else ""
        return self.out_dir / f"{path.stem}{suffix}.{extension}"

    @property
    def variant(self) -> str:
        """The PDF variant written: PDF/UA-1, or PDF/X-4 for the print copy, unless asked."""
        return self.pdf_variant or ("pdf/x-4" if self.print_copy else "pdf/ua-1")

    def pdf_options(self) -> dict:
        """WeasyPrint's options for this copy: every variant tagged (PDF/A's b and u too)."""
        options = {"pdf_variant": self.variant, "pdf_tags": True, "optimize_images": True}
        if self.print_copy:
            return {**options, "output_intent": "srgb", "dpi": 300}
        return {**options, "dpi": 200}
