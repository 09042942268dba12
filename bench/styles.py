"""What a change to the stylesheets costs: warm rebuilds of the distributable copy with styles/ as
it was at a git revision against styles/ as it is now, in turns in one process, on one CPU.

    .venv/bin/python bench/styles.py REVISION [ROUNDS]

Prints the fastest and the median rebuild of each, and how long WeasyPrint took to lay out each
page (fastest), so that a change shows on the page it touches.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import build  # noqa: E402
from bench import BRIEF, one_cpu  # noqa: E402


def styles_at(revision: str, folder: Path) -> Path:
    """A copy of styles/ as it was at the revision."""
    for path in (ROOT / "styles").glob("*.css"):
        name = f"{revision}:styles/{path.name}"
        text = subprocess.run(["git", "-C", str(ROOT), "show", name], capture_output=True,
                              text=True, check=True).stdout  # fmt: skip
        (folder / path.name).write_text(text, encoding="utf-8")
    return folder


def time_pages() -> dict[int, list[float]]:
    """Record how long WeasyPrint takes to lay out each page, into the dict returned."""
    import weasyprint.layout.page as layout

    pages: dict[int, list[float]] = defaultdict(list)
    make_page = layout.make_page

    def timed(context, root_box, page_type, resume_at, page_number, page_state):
        start = time.perf_counter()
        result = make_page(context, root_box, page_type, resume_at, page_number, page_state)
        pages[page_number].append(time.perf_counter() - start)
        return result

    layout.make_page = timed
    return pages


def main(revision: str, rounds: int = 10) -> None:
    """Alternate warm rebuilds with both stylesheets; print the figures."""
    build.load_weasyprint()
    pages = time_pages()
    with tempfile.TemporaryDirectory() as tmp, one_cpu():
        then = styles_at(revision, Path(tmp))
        configs = {
            revision: build.Config(out_dir=Path(tmp) / "then", styles_dir=then),
            "now": build.Config(out_dir=Path(tmp) / "now"),
        }
        builds: dict[str, list[float]] = defaultdict(list)
        laid_out: dict[str, dict[int, list[float]]] = {name: defaultdict(list) for name in configs}
        for turn in range(rounds):
            for name, config in sorted(configs.items(), reverse=turn % 2 == 1):
                assert build.build(BRIEF, config).ok  # parses its stylesheets: not timed
                pages.clear()
                for _ in range(3):
                    start = time.perf_counter()
                    assert build.build(BRIEF, config).ok
                    builds[name].append(time.perf_counter() - start)
                for number, seconds in pages.items():
                    laid_out[name][number] += seconds
        for name, seconds in builds.items():
            each = " ".join(f"{n}:{1000 * min(s):.1f}" for n, s in sorted(laid_out[name].items()))
            print(f"{name:>12}: fastest {1000 * min(seconds):.1f} ms, "
                  f"median {1000 * statistics.median(seconds):.1f} ms; pages (ms) {each}")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(sys.argv[1], *map(int, sys.argv[2:3]))
