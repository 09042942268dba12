"""Process tuning for the command line: each measured, gated on the versions it was measured on,
and all switched off by PRESS_SPEEDUPS=0, which gives the same bytes.

Nothing here changes what a build produces; the press works the same without any of it.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import gc
import logging
import os
import re
import subprocess
import sys

MEASURED_PYTHON = sys.version_info[:2] == (3, 11)


def enabled() -> bool:
    """Whether tuning is on (PRESS_SPEEDUPS=0 turns it off)."""
    return os.environ.get("PRESS_SPEEDUPS", "1") != "0"


def collect_less() -> None:
    """Run the cycle collector less often: WeasyPrint makes millions of short-lived objects.

    At the default threshold (700, "likely too small": python/cpython#100403) it runs thousands
    of times a build, about 0.15 s of a cold build on CPython 3.11; at 10 000, peak memory at
    266 pages goes from 264 to 289 MB.
    """
    if enabled() and MEASURED_PYTHON:
        gc.set_threshold(10_000)


def freeze_imports() -> None:
    """Keep what loading WeasyPrint made out of the cycle collector's passes (`gc.freeze`).

    Modules, cffi's parsed declarations and fontTools' tables live as long as the process, yet
    each full collection walks them again: the one that frees WeasyPrint's temporary fonts at
    the end took 84 ms of an 0.9 s cold build on CPython 3.11 under cProfile, 18 ms frozen.
    """
    if enabled() and MEASURED_PYTHON:
        gc.freeze()


@contextlib.contextmanager
def quick_library_lookups():
    """While WeasyPrint loads, answer ctypes' library look-ups from one `ldconfig -p` listing.

    WeasyPrint tries several names per library, and for each miss ctypes.util.find_library
    runs ldconfig, gcc and ld (python/cpython#112417): 22 look-ups, 0.15-0.2 s of a cold build
    on CPython 3.11. A name the listing lacks is a miss here too, and WeasyPrint goes on to its
    next name, which dlopen finds itself.
    """
    if not (enabled() and MEASURED_PYTHON and sys.platform == "linux" and os.path.exists(LDCONFIG)):
        yield
        return
    try:
        listing = subprocess.run([LDCONFIG, "-p"], capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        yield
        return
    names = os.fsdecode(listing)  # decoded as file names are: a folder's name need not be UTF-8

    def find_library(name: str) -> str | None:
        match = re.search(rf"\s(lib{re.escape(name)}\.\S+)\s", names)
        return match.group(1) if match else None

    original, ctypes.util.find_library = ctypes.util.find_library, find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original


LDCONFIG = "/sbin/ldconfig"


def roomy_frame_stack(function, *args):
    """Call the function with its callees' frames in one large chunk of the frame stack."""
    return function(*args)


# CPython 3.11 keeps frames in 16 KB chunks and frees a chunk when the call that opened it returns:
# WeasyPrint's layout loops cross a chunk boundary about 20 000 times in a brief's build, each an
# munmap and an mmap (python/cpython#142183, fixed in 2026 releases of 3.13 and 3.14, not in
# 3.11). A frame that asks for 32 000 stack slots gets a 512 KB chunk; WeasyPrint's calls fit in
# what it leaves. About 0.14 s of a cold build.
ROOMY = roomy_frame_stack.__code__.replace(co_stacksize=32_000)


def call(function, *args):
    """Call a function as the command line does: below a roomy frame when that helps."""
    if enabled() and MEASURED_PYTHON:
        roomy = type(roomy_frame_stack)(ROOMY, roomy_frame_stack.__globals__)
        return roomy(function, *args)
    return function(*args)


def leave(status: int) -> None:
    """End the process with this status: flushed, without tearing down a large heap (0.1 s)."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None when the command was started with it closed
                stream.flush()
        except (OSError, ValueError):
            status = status or 120  # what Python's own exit gives when it cannot flush
    if enabled():
        os._exit(status)
    sys.exit(status)
