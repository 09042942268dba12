"""What a change to the stylesheets costs: warm rebuilds of the distributable copy with styles/ as
it was at a git revision against styles/ as it is now, in turns in one process, on one CPU.

    .venv/bin/python -m bench.styles REVISION [ROUNDS]

Prints the fastest and the median rebuild of each, and the median of their ratios by round.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench.bench import BRIEF, one_cpu
from press import tuning
from press.config import Config
from press.pipeline import build

ROOT = Path(__file__).resolve().parent.parent
from press.session import Session  # noqa: E402


def styles_at(revision: str, folder: Path) -> Path:
    """A copy of styles/ as it was at the revision."""
    for path in (ROOT / "styles").glob("*.css"):
        name = f"{revision}:styles/{path.name}"
        shown = subprocess.run(["git", "-C", str(ROOT), "show", name], capture_output=True)
        if shown.returncode:
            raise SystemExit(f"cannot read {name}: {shown.stderr.decode().strip()}")
        (folder / path.name).write_bytes(shown.stdout)
    return folder


def rebuild(config: Config, session: Session) -> float:
    """Seconds of one warm rebuild, as the watch loop makes it."""
    start = time.perf_counter()
    result = tuning.call(build, BRIEF, config, session)
    if not result.ok:
        raise SystemExit(f"the build failed: {result.problems}")
    return time.perf_counter() - start


def main(revision: str, rounds: int = 10) -> None:
    """Alternate warm rebuilds with both stylesheets; print the figures."""
    tuning.collect_less()
    with tempfile.TemporaryDirectory() as tmp, one_cpu(), Session() as session:
        then = styles_at(revision, Path(tmp))
        configs = {
            revision: Config(out_dir=Path(tmp) / "then", styles_dir=then),
            "now": Config(out_dir=Path(tmp) / "now"),
        }
        builds: dict[str, list[float]] = defaultdict(list)
        for turn in range(rounds):
            for name, config in sorted(configs.items(), reverse=turn % 2 == 1):
                rebuild(config, session)  # parses its stylesheets: not timed
                builds[name] += [rebuild(config, session) for _ in range(3)]
    for name, seconds in builds.items():
        print(f"{name:>12}: fastest {1000 * min(seconds):.1f} ms, "
              f"median {1000 * statistics.median(seconds):.1f} ms")  # fmt: skip
    pairs = zip(builds[revision], builds["now"], strict=True)
    print(f"  now / then: {statistics.median(b / a for a, b in pairs):.3f}")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(sys.argv[1], *map(int, sys.argv[2:3]))
