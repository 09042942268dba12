"""The print copy's colour: the printing condition's CMYK profile, made at set-up, and the
layout's sRGB colours in that condition's CMYK (docs/print.md).

`python -m press.colour profile TI3 OUT` makes the profile (the Makefile does, once) from
FOGRA39's published characterization data with ArgyllCMS's colprof; `python -m press.colour`
prints the palette in CMYK with each colour's difference from the screen's (ΔE*ab), which
styles/print.css writes down and tests/test_print.py checks.
"""

from __future__ import annotations

import io
import math
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

from PIL import Image, ImageCms

from .config import PROFILE
from .outputs import commit

CONDITION = "FOGRA39"  # the ICC registry's name of the printing condition: the output intent's
DESCRIPTION = "Coated FOGRA39 (ISO 12647-2:2004), made by the Watchlist press"
CONDITION_NAME = "Offset printing on coated paper, ISO 12647-2:2004 (FOGRA39)"
TOTAL_INK = 330  # FOGRA39's total area coverage, in per cent: the most ink any colour gets
MADE = bytes.fromhex("07e900010001000000000000")  # the header's date: 2025-01-01 00:00:00
PALETTE = {  # brief.css's :root colours, in the order print.css gives them
    "closed": "#e71d26",
    "repressed": "#e46c16",
    "obstructed": "#f6ab17",
    "narrowed": "#acaf3d",
    "open": "#009d5c",
    "ink": "#1b1b1b",
    "muted": "#575757",
    "accent": "#b3261e",
    "on-rating": "#000000",
    "panel": "#f4f0ea",
    "rule": "#d9d2c7",
}


def make_profile(ti3: Path, out: Path) -> None:
    """A CMYK printer profile from characterization data, the same bytes on every machine:
    colprof stamps the time it ran into the header, which is set to a fixed date here."""
    with tempfile.TemporaryDirectory() as work:
        data = Path(work) / ti3.name
        data.write_bytes(ti3.read_bytes())
        arguments = ["-qm", "-l", str(TOTAL_INK), "-M", CONDITION, "-D", DESCRIPTION]
        arguments += ["-C", "Made with ArgyllCMS colprof from FOGRA39L.ti3 (icc-profiles-free)"]
        subprocess.run(["colprof", *arguments, data.stem], cwd=work, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        profile = bytearray(data.with_suffix(".icc").read_bytes())
    profile[24:36] = MADE
    out.parent.mkdir(parents=True, exist_ok=True)
    commit({out: bytes(profile)}, out.parent)


def stamp(profile: Path) -> tuple[int, int]:
    """What tells one version of a profile file from another, for the caches: a `--watch`
    session keeps running while a profile is replaced."""
    info = profile.stat()
    return info.st_mtime_ns, info.st_size


def transforms(profile: Path) -> tuple:
    """sRGB → the profile's CMYK; CMYK → Lab; sRGB → Lab (relative colorimetric, black point
    compensated: the darkest sRGB is the darkest the press prints)."""
    return made_transforms(profile, stamp(profile))


@cache
def made_transforms(profile: Path, _version: tuple[int, int]) -> tuple:
    """transforms, once for each version of the profile."""
    srgb, lab = ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB", 5000)
    cmyk = ImageCms.getOpenProfile(io.BytesIO(profile.read_bytes()))
    intent = ImageCms.Intent.RELATIVE_COLORIMETRIC
    flags = ImageCms.Flags.BLACKPOINTCOMPENSATION
    return (
        ImageCms.buildTransform(srgb, cmyk, "RGB", "CMYK", intent, flags),
        ImageCms.buildTransform(cmyk, lab, "CMYK", "LAB", intent),
        ImageCms.buildTransform(srgb, lab, "RGB", "LAB", intent, flags),
    )


def through(transform, mode: str, value: tuple) -> tuple:
    """One colour through a transform (8 bits a channel)."""
    return ImageCms.applyTransform(Image.new(mode, (1, 1), value), transform).getpixel((0, 0))


def lab(value: tuple) -> tuple[float, float, float]:
    """Pillow's 8-bit Lab (L 0–255, a and b offset by 128) as L*, a*, b*."""
    return value[0] * 100 / 255, value[1] - 128, value[2] - 128


def rgb_of(hex_colour: str) -> tuple[int, int, int]:
    """'#e71d26' → (231, 29, 38)."""
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


K_ONLY = {"ink", "muted", "on-rating", "rule"}  # text and lines: on the black plate alone
SOLID = 0x20  # a grey this dark or darker prints as solid black: no screened edge on a letter


def cmyk(rgb: tuple[int, int, int], profile: Path = PROFILE, k_only: bool = False) -> tuple:
    """An sRGB colour in the profile's CMYK, as fractions rounded to 1 %: a grey, or a colour
    asked k_only (the rules' warm grey), on the black plate alone at the lightness the profile
    gives it; text darker than SOLID solid black."""
    return converted(rgb, profile, stamp(profile), k_only)


@cache  # an SVG sets the same few colours hundreds of times
def converted(rgb: tuple, profile: Path, _version: tuple, k_only: bool) -> tuple:
    """cmyk, once for each colour and version of the profile."""
    to_cmyk, cmyk_to_lab, rgb_to_lab = transforms(profile)
    if max(rgb) <= SOLID and len(set(rgb)) == 1:
        return (0.0, 0.0, 0.0, 1.0)
    if k_only or len(set(rgb)) == 1:  # K alone, never four inks misregistering at an edge
        target = lab(through(rgb_to_lab, "RGB", rgb))[0]
        paper, black = (lab(through(cmyk_to_lab, "CMYK", (0, 0, 0, k)))[0] for k in (0, 255))
        wanted = black + target * (paper - black) / 100  # as black point compensation scales
        k = min(
            range(256),
            key=lambda k: abs(lab(through(cmyk_to_lab, "CMYK", (0, 0, 0, k)))[0] - wanted),
        )
        return (0.0, 0.0, 0.0, round(k / 255, 2))
    return tuple(round(v / 255, 2) for v in through(to_cmyk, "RGB", rgb))


def delta_e(rgb: tuple[int, int, int], ink: tuple[float, ...], profile: Path = PROFILE) -> float:
    """How far the printed colour is from the screen's, ΔE*ab (CIE 1976), both relative to
    their white; Pillow's 8-bit Lab makes it good to about 1."""
    _, cmyk_to_lab, rgb_to_lab = transforms(profile)
    printed = lab(through(cmyk_to_lab, "CMYK", tuple(round(v * 255) for v in ink)))
    shown = lab(through(rgb_to_lab, "RGB", rgb))
    return math.dist(printed, shown)


def css(ink: tuple[float, ...]) -> str:
    """A CMYK colour as print.css writes it."""
    return "device-cmyk(" + " ".join(f"{v:g}" for v in ink) + ")"


def main(argv: list[str]) -> None:
    """Make the profile, or print the palette in CMYK with its ΔE."""
    if argv[:1] == ["profile"]:
        make_profile(Path(argv[1]), Path(argv[2]))
        return
    for name, hex_colour in PALETTE.items():
        ink = cmyk(rgb_of(hex_colour), k_only=name in K_ONLY)
        print(
            f"--{name}: {css(ink)};  /* {hex_colour}, ΔE {delta_e(rgb_of(hex_colour), ink):.1f} */"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
