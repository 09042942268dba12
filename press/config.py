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


@dataclass(frozen=True)
class Copy:
    """One kind of output, as data: adding a copy is an entry in COPIES and its stylesheet."""

    name: str
    help: str
    styles: tuple[str, ...] = ()  # its stylesheets, after brief.css (in the HTML copy too)
    suffix: str = ""  # the file's name: <stem><suffix>.pdf, <stem><suffix>.html
    variant: str = "pdf/ua-1"  # the PDF variant it is unless --pdf-variant says otherwise
    dpi: int = 200  # images are downsampled to this resolution where placed
    budget: bool = True  # --max-size applies: it goes out as an e-mail attachment
    bleed_mm: float = 0  # artwork past the trim (the PDF's BleedBox); its stylesheet's --bleed
    output_intent: str | None = None  # WeasyPrint's output intent (PDF/X needs one)
    addresses: bool = False  # each link's address printed, its source note called (print.css)


COPIES = {
    copy.name: copy
    for copy in (
        Copy("screen", "the distributable: PDF/UA-1, small, for screens and e-mail"),
        Copy(
            "print",
            "the press-ready copy: PDF/X-4 in CMYK (FOGRA39), 3 mm bleed, crop marks, addresses",
            styles=("print.css",),
            suffix="-print",
            variant="pdf/x-4",
            dpi=300,
            budget=False,
            bleed_mm=3,
            addresses=True,
        ),
        Copy(
            "large",
            "large print: the distributable with its text at 14 pt",
            styles=("large.css", "figures-follow.css"),
            suffix="-large",
            budget=False,
        ),
    )
}


# FOGRA39 (ISO 12647-2 coated paper) as a CMYK profile, made at set-up (press/colour.py).
PROFILE = ROOT / "profiles" / "FOGRA39-press.icc"


@dataclass(frozen=True)
class Config:
    """Everything a build needs to know, passed explicitly from stage to stage."""

    out_dir: Path = ROOT / "build"
    html: bool = False  # also write the HTML copy
    preview: bool = False  # also render every page to PNG
    copy: Copy = COPIES["screen"]  # which copy: the distributable unless asked
    pdf_variant: str | None = None  # default: pdf/ua-1, or pdf/x-4 for the print copy
    max_bytes: int | None = 2**20  # size budget of the distributable copy
    check: bool = False  # stop before printing: report problems only
    strict: bool = False  # warnings are errors
    timeout: float = MAX_SECONDS  # seconds one brief may take
    templates: Path = ROOT / "templates"
    styles_dir: Path = ROOT / "styles"
    profile: Path = PROFILE  # the print copy's printing condition (print.css: profile:condition)

    @property
    def styles(self) -> tuple[Path, ...]:
        """The copy's stylesheets, in cascade order."""
        return tuple(self.styles_dir / name for name in ("brief.css", *self.copy.styles))

    def target(self, path: Path, extension: str = "pdf") -> Path:
        """Where a brief's output goes."""
        return self.out_dir / f"{path.stem}{self.copy.suffix}.{extension}"

    @property
    def variant(self) -> str:
        """The PDF variant written: the copy's, unless asked for another."""
        return self.pdf_variant or self.copy.variant

    def pdf_options(self) -> dict:
        """WeasyPrint's options for this copy: every variant tagged (PDF/A's b and u too)."""
        options = {"pdf_variant": self.variant, "pdf_tags": True, "optimize_images": True}
        if self.copy.output_intent:
            options["output_intent"] = self.copy.output_intent
        return {**options, "dpi": self.copy.dpi}
