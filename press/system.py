"""The machine: what the press needs of it, said as such when it is missing."""

from __future__ import annotations

import contextlib
import io
import os

from .problems import SetupError

# What `make` installs on Debian or Ubuntu (see the Makefile's SYSTEM_PACKAGES).
PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
HARFBUZZ_MISSING = "Using fontTools instead of HarfBuzz-Subset"  # WeasyPrint's log, per font


def import_weasyprint() -> None:
    """Import WeasyPrint, or say which system library is missing and how to install it."""
    try:
        # On a missing library WeasyPrint prints a banner to stdout, then raises.
        with contextlib.redirect_stdout(io.StringIO()):
            import weasyprint  # noqa: F401
    except OSError as error:
        raise SetupError(
            f"WeasyPrint cannot load a system library ({error}); "
            f"install them: apt-get install {PACKAGES} (as root, `make pdf` does it)"
        ) from None


def harfbuzz_missing(epoch: int) -> str:
    """What to say when fonts are subset without HarfBuzz, keeping the output reproducible."""
    # fontTools stamps the current time into each subset unless SOURCE_DATE_EPOCH is set.
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(epoch))
    return (
        "HarfBuzz's subsetter is missing, so fonts are subset by fontTools: slower, and the "
        "bytes differ from a machine that has it; install it: apt-get install libharfbuzz-subset0"
    )
