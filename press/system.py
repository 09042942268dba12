"""The machine: what the press needs of it, said as such when it is missing."""

from __future__ import annotations

import contextlib
import io
import warnings

from .problems import SetupError

# What `make` installs on Debian or Ubuntu (the Makefile's RUN_PACKAGES).
PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
HARFBUZZ_MISSING = "Using fontTools instead of HarfBuzz-Subset"  # WeasyPrint's log, per font


def import_weasyprint() -> None:
    """Import WeasyPrint, or say which system library is missing and how to install it."""
    try:
        # On a missing library WeasyPrint prints a banner to stdout, then raises.
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            # The press's own Fontconfig has no fonts of the machine, on purpose (press/fonts.py).
            warnings.filterwarnings("ignore", "No fonts configured in FontConfig")
            import weasyprint  # noqa: F401
    except OSError as error:
        raise SetupError(
            f"WeasyPrint cannot load a system library ({error}); "
            f"install them: apt-get install {PACKAGES} (as root, `make pdf` does it)"
        ) from None
    except ImportError as error:
        raise SetupError(f"{error}: the venv lacks a package; run make") from None


HARFBUZZ_ADVICE = (
    "HarfBuzz's subsetter is missing, so fonts are subset by fontTools: slower, and the bytes "
    "differ from a machine that has it; install it: apt-get install libharfbuzz-subset0"
)
