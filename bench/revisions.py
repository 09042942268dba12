"""What a change to the code costs: warm rebuilds of the Kazakhstan brief by the project as it was at a
git revision against the project as it is now, in turns in one process, on one CPU.

    .venv/bin/python bench/revisions.py REVISION [ROUNDS]

The revision's build.py is loaded beside the current one, with its own templates and styles, and
the two rebuild the brief in turn, three times each a round: the machine's speed drifts from second
to second, and turns this short meet the same drift. Prints the fastest and the median rebuild of
each, and the median ratio of their rebuilds taken in the same order in a round. The revision
must be 625fda2 or later, whose Config takes styles_dir and templates.
"""

from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import build  # noqa: E402
from bench import BRIEF, one_cpu  # noqa: E402


def load(tree: Path, name: str):
    """The build module of a project checked out in this folder, under another name."""
    spec = importlib.util.spec_from_file_location(name, tree / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def rebuild(module, config) -> float:
    """Seconds of one build of the brief; stop the comparison if it fails."""
    start = time.perf_counter()
    result = module.build(BRIEF, config)
    seconds = time.perf_counter() - start
    if not result.ok:
        raise SystemExit(f"the build failed: {result.problems}")
    return seconds


def rounds_of(builders: dict, count: int) -> dict[str, list[float]]:
    """Seconds of each warm rebuild, three per builder a round, the order alternating."""
    times: dict[str, list[float]] = {name: [] for name in builders}
    for turn in range(count):
        for name, (module, config) in sorted(builders.items(), reverse=turn % 2 == 1):
            times[name] += [rebuild(module, config) for _ in range(3)]
    return times


def main(revision: str, rounds: int = 12) -> None:
    """Build with both trees in turns; print the figures."""
    git = ["git", "-C", str(ROOT)]
    with tempfile.TemporaryDirectory() as tmp, one_cpu():
        then = Path(tmp) / "then"
        try:
            added = subprocess.run([*git, "worktree", "add", "--detach", "--quiet", str(then),
                                    revision])  # fmt: skip
            if added.returncode:
                raise SystemExit(f"cannot check out {revision} (git says why above)")
            old = load(then, "build_then")
            builders = {
                "then": (old, old.Config(out_dir=Path(tmp) / "then-out",
                                         styles_dir=then / "styles",
                                         templates=then / "templates")),
                "now": (build, build.Config(out_dir=Path(tmp) / "now-out")),
            }  # fmt: skip
            for module, config in builders.values():
                rebuild(module, config)  # loads and parses once: not timed
            times = rounds_of(builders, rounds)
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(then)], capture_output=True)
            subprocess.run([*git, "worktree", "prune"], check=True)
    for name, seconds in times.items():
        label = revision if name == "then" else "now"
        print(f"{label:>12}: fastest {1000 * min(seconds):.1f} ms, "
              f"median {1000 * statistics.median(seconds):.1f} ms")  # fmt: skip
    pairs = list(zip(times["then"], times["now"], strict=True))
    ratio = statistics.median(b / a for a, b in pairs)
    print(f"{'now / then':>12}: {ratio:.3f}, the median of {len(pairs)} rebuilds' ratios")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(sys.argv[1], *map(int, sys.argv[2:3]))
