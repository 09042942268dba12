"""`make bench`: the press against bare WeasyPrint and pandoc, and its own warm, no-op and series times.

Absolute times are noisy on shared machines: each figure is a median of several runs and each goal
a ratio between figures of the same run. The commands being compared run in turns, on one CPU, and
their ratio is the median of each turn's ratio, so that the machine's drift hits both sides alike.
Writes a table and build/bench.json.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from press import tuning
from press.config import Config
from press.pipeline import build
from press.session import Session

ROOT = Path(__file__).resolve().parent.parent

BRIEF = ROOT / "content" / "kazakhstan-2022-03.md"
OUT = ROOT / "build" / "bench"
RUNS = int(os.environ.get("BENCH_RUNS", "11"))
PYTHON = sys.executable
BIN = Path(PYTHON).parent


@contextlib.contextmanager
def one_cpu():
    """Keep this process and the commands it starts on one CPU while their times are compared."""
    # The two vCPUs of a shared machine can run at different speeds at the same moment (a Python
    # loop timed on each in turn: up to 1.4 times apart), and a command may land on either.
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    cpus = os.sched_getaffinity(0)
    # The last CPU: on many machines the first one takes most of the interrupts.
    os.sched_setaffinity(0, {max(cpus)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, cpus)


def run(command: list[str], **kwargs) -> tuple[float, int]:
    """Run a command to its end; return wall seconds and the child's peak memory in MB."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(map(str, command))}\n{child.stderr.read().decode()}")
    child.stderr.close()
    return seconds, usage.ru_maxrss // 1024


def median(command: list[str], runs: int = RUNS, **kwargs) -> float:
    """Median wall time of a command over several runs."""
    return statistics.median(run(command, **kwargs)[0] for _ in range(runs))


def interleaved(measures: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Seconds of each measure, taken in turns so that the machine's drift hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(RUNS):
        for name, measure in measures.items():
            times[name].append(measure())
    return times


def paired(ours: list[float], theirs: list[float]) -> float:
    """The median of the ratios of runs taken in the same turn."""
    return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))


def cold_and_warm() -> tuple[dict, dict, dict]:
    """(1) A cold build against the bare `weasyprint` command on the same HTML and styles,
    (2) against pandoc with WeasyPrint as its PDF engine on the same Markdown, and
    (3) rebuilds in a warm process, as the watch loop does them, against the cold build."""
    import pypandoc

    folder = OUT / "cold"
    press = [PYTHON, str(ROOT / "build.py"), str(BRIEF), "-o", str(folder)]
    run([*press, "--html"])  # the HTML and its screen assets, for the bare command
    html = folder / f"{BRIEF.stem}.html"
    bare = [str(BIN / "weasyprint"), str(html), str(folder / "bare.pdf"), "-s",
            str(folder / "assets" / "brief.css"), "--pdf-variant", "pdf/ua-1",
            "--optimize-images", "--dpi", "200"]  # fmt: skip
    pandoc = [pypandoc.get_pandoc_path(), str(BRIEF), "-o", str(OUT / "pandoc.pdf"),
              "--pdf-engine=weasyprint"]  # fmt: skip
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    warm, session = Config(out_dir=OUT / "warm"), Session()
    tuning.collect_less()  # as the command line does
    assert tuning.call(build, BRIEF, warm, session).ok  # the watch loop's first build

    def rebuilds() -> float:
        """Mean seconds of two rebuilds in this warm process, as the watch loop makes them."""
        start = time.perf_counter()
        for _ in range(2):
            assert tuning.call(build, BRIEF, warm, session).ok
        return (time.perf_counter() - start) / 2

    # A turn's warm figure is the mean of the rebuilds just before and just after its cold build:
    # a drift in the machine's speed during the turn hits both sides alike.
    times = interleaved({
        "bare": lambda: run(bare)[0],
        "pandoc": lambda: run(pandoc, env=env)[0],
        "warm before": rebuilds,
        "press": lambda: run(press)[0],
        "warm after": rebuilds,
    })  # fmt: skip
    session.close()
    before, after = times["warm before"], times["warm after"]
    times["warm"] = [(a + b) / 2 for a, b in zip(before, after, strict=True)]
    press_s, bare_s, pandoc_s, warm_s = (
        statistics.median(times[k]) for k in ("press", "bare", "pandoc", "warm")
    )
    return (
        {
            "press_s": press_s,
            "weasyprint_s": bare_s,
            "ratio": paired(times["press"], times["bare"]),
        },
        {
            "pandoc_s": pandoc_s,
            "press_s": press_s,
            "ratio": paired(times["press"], times["pandoc"]),
        },
        {
            "warm_s": warm_s,
            "cold_s": press_s,
            "ratio": paired(times["warm"], times["press"]),
            # A quiet minute's figures, for the notes: the goals use the medians above.
            "fastest_s": {name: min(seconds) for name, seconds in times.items()},
            "turns_s": times,
        },
    )


def make_nothing_to_do() -> dict:
    """(4) `make pdf` when nothing changed."""
    make = ["make", "-s", "-C", str(ROOT), f"OUT={OUT / 'make'}", "pdf"]
    run(make)
    return {"seconds": median(make)}


def series(count: int = 50, jobs: int = 2, turns: int = 5) -> dict:
    """(5) 50 briefs with -j 2 against 50 sequential cold builds, in turns."""
    folder = OUT / "series"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    text = BRIEF.read_text(encoding="utf-8")
    files = []
    for n in range(count):
        files.append(folder / f"country-{n:02}-2022-03.md")
        files[-1].write_text(text.replace("country: Kazakhstan", f"country: Country {n:02}"))
    batch = [PYTHON, str(ROOT / "build.py"), *map(str, files), "-o", str(folder / "parallel"),
             "-j", str(jobs)]  # fmt: skip

    # Each turn builds the whole batch and a fifth of the sequential builds, back to back: a slow
    # spell of the machine hits both sides of a turn alike, and the median leaves out the turn it
    # hit hardest. Over the turns every brief is built once on its own.
    def one_by_one(own: list[Path]) -> float:
        """Seconds to build these briefs each in its own process, scaled to all the briefs."""
        alone = [PYTHON, str(ROOT / "build.py"), "-o", str(folder / "sequential")]
        return sum(run([*alone, str(path)])[0] for path in own) * count / len(own)

    share = count // turns
    times: dict[str, list[float]] = {"parallel": [], "sequential": []}
    for turn in range(turns):
        own = files[turn * share : (turn + 1) * share]
        for name in sorted(times, reverse=turn % 2 == 1):  # which side goes first alternates
            times[name].append(run(batch)[0] if name == "parallel" else one_by_one(own))
    return {"briefs": count, "jobs": jobs, "turns_s": times,
            "parallel_s": statistics.median(times["parallel"]),
            "sequential_s": statistics.median(times["sequential"]),
            "speedup": paired(times["sequential"], times["parallel"])}  # fmt: skip


def size() -> dict:
    """(6) The distributable PDF's size."""
    pdf = OUT / "cold" / f"{BRIEF.stem}.pdf"
    return {"bytes": pdf.stat().st_size, "kb": pdf.stat().st_size / 1024}


SCALING = {  # a hostile brief of n pieces: what each scanner reads
    "stray bracket before links": lambda n: "[A. " + " ".join(f"[l{i}](https://e.org/{i})" for i in range(n)),
    "headings": lambda n: "".join(f"## Heading {i}\n\nText.\n\n" for i in range(n)),
    "list items": lambda n: "".join(f"- item {i}\n" for i in range(n * 5)),
    "note calls": lambda n: " ".join(f"a[^{i}]" for i in range(n)) + "\n\n" + "\n".join(f"[^{i}]: n" for i in range(n)),
    "closing brackets, Arabic": lambda n: "نص a" + ")" * (n * 40) + " نص\n",
}  # fmt: skip


def scaling(n: int = 1000) -> dict:
    """Convert time of hostile briefs at n pieces and 2n: about 2 is linear, 4 quadratic.

    The press's own scanners are linear (tests/test_scaling.py); what grows faster here is
    Python-Markdown's inline processor, which the press does not change.
    """
    from press.convert import convert
    from press.frontmatter import Brief
    from press.i18n import language

    def seconds(markdown: str, lang: str) -> float:
        brief = Brief(ROOT / "brief.md", {"recommendations": None, "lang": lang}, markdown, 8)
        start = time.perf_counter()
        convert(brief, Config(), language(lang))
        return time.perf_counter() - start

    figures = {}
    for name, make in SCALING.items():
        lang = "ar" if "Arabic" in name else "en"
        small, large = seconds(make(n), lang), seconds(make(2 * n), lang)
        figures[name] = {"n": n, "small_s": small, "large_s": large, "ratio": large / small}
    return figures


def long_briefs() -> dict:
    """(7) The body repeated to about 6, 60 and 300 pages: ms per page and peak memory."""
    front, body = re.match(
        r"(---\n.*?\n---\n)(.*)", BRIEF.read_text(encoding="utf-8"), re.S
    ).groups()
    figures = {}
    for copies in (1, 12, 60):
        path = OUT / "long" / f"long-{copies}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(front + body * copies, encoding="utf-8")
        command = [PYTHON, str(ROOT / "build.py"), str(path), "-o", str(path.parent),
                   "--max-size", "100MiB"]  # fmt: skip
        seconds, peak_mb = run(command)
        pages = pdf_pages(path.with_suffix(".pdf"))
        figures[str(copies)] = {"pages": pages, "seconds": seconds,
                                "ms_per_page": 1000 * seconds / pages, "peak_mb": peak_mb}  # fmt: skip
    return figures


def pdf_pages(pdf: Path) -> int:
    """The page count of a PDF, read from its page tree."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def watch_latency(saves: int = 10) -> dict:
    """(8) Save to PDF in `--watch`, as a user feels it: write the brief, wait for the new PDF."""
    folder = OUT / "watch"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    brief, pdf = folder / BRIEF.name, folder / "out" / f"{BRIEF.stem}.pdf"
    text = BRIEF.read_text(encoding="utf-8")
    brief.write_text(text, encoding="utf-8")
    command = [PYTHON, str(ROOT / "build.py"), "--watch", str(brief), "-o", str(pdf.parent)]
    watcher = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_change(pdf, None, 60)
        time.sleep(0.5)
        latencies = []
        for n in range(saves):
            before = pdf.stat().st_mtime_ns
            start = time.perf_counter()
            brief.write_text(text.replace("A rapid decline", f"A rapid decline ({n})"), "utf-8")
            wait_for_change(pdf, before, 30)
            latencies.append(time.perf_counter() - start)
            time.sleep(0.3)
    finally:
        watcher.terminate()
        watcher.wait(10)
    return {"saves": saves, "latencies_s": latencies, "median_s": statistics.median(latencies)}


def wait_for_change(path: Path, stamp: int | None, seconds: float) -> None:
    """Poll until a file exists with another modification time than the stamp."""
    end = time.perf_counter() + seconds
    while not (path.exists() and path.stat().st_mtime_ns != stamp):
        if time.perf_counter() > end:
            raise SystemExit(f"{path} was not rebuilt within {seconds} s")
        time.sleep(0.002)


def import_time(*argv: str) -> float:
    """Median seconds of a command that must not import WeasyPrint."""
    code = (
        "import contextlib, sys, build\n"
        f"with contextlib.suppress(SystemExit): build.main({list(argv)!r})\n"
        "assert 'weasyprint' not in sys.modules"
    )
    return median([PYTHON, "-c", code], cwd=ROOT)


def charts(turns: int = 9) -> dict:
    """(9) What two charts (a bar and a column chart) add to a cold build: the charts test
    brief with its line chart taken out, against the same brief with no chart, in turns."""
    text = (ROOT / "tests" / "briefs" / "charts" / "en.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```chart\n.*?```\n", text, re.S)
    folder = OUT / "charts"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "two.md").write_text(text.replace(blocks[2], ""), encoding="utf-8")
    none = text
    for block in blocks:
        none = none.replace(block, "")
    (folder / "none.md").write_text(none, encoding="utf-8")
    build = [PYTHON, str(ROOT / "build.py"), "-o", str(folder / "out")]
    times = interleaved(
        {
            name: (lambda n=name: run([*build, str(folder / f"{n}.md")])[0])
            for name in ("two", "none")
        }
    )
    added = statistics.median(a - b for a, b in zip(times["two"], times["none"], strict=True))
    return {
        "two_s": statistics.median(times["two"]),
        "none_s": statistics.median(times["none"]),
        "added_s": added,
    }


def main() -> int:
    """Run every measure, print the table, write build/bench.json; exit 1 if a goal is missed."""
    OUT.mkdir(parents=True, exist_ok=True)
    with one_cpu():
        cold, pandoc, warm = cold_and_warm()
        nothing_to_do = make_nothing_to_do()
    results = {
        "runs": RUNS,
        "cpus": os.cpu_count(),
        "1_cold_vs_weasyprint": cold,
        "2_vs_pandoc": pandoc,
        "3_warm_rebuild": warm,
        "4_make_nothing_changed": nothing_to_do,
        "5_series": series(),  # on every CPU
        "6_size": size(),
    }
    with one_cpu():
        results["7_long"] = long_briefs()
        results["scaling"] = scaling()
        results["8_watch"] = watch_latency()
        results["help_s"] = import_time("--help")
        results["check_s"] = import_time("--check", str(BRIEF))
        results["9_charts"] = charts()
    long = results["7_long"]
    goals = {
        "(1) builder / weasyprint <= 1.10": results["1_cold_vs_weasyprint"]["ratio"] <= 1.10,
        "(2) builder / pandoc < 1.0": results["2_vs_pandoc"]["ratio"] < 1.0,
        "(3) warm / cold <= 0.35": results["3_warm_rebuild"]["ratio"] <= 0.35,
        "(4) make pdf, nothing changed < 0.1 s": results["4_make_nothing_changed"]["seconds"] < 0.1,
        "(5) series speed-up >= 5x": results["5_series"]["speedup"] >= 5,
        "(6) size <= 100 KB": results["6_size"]["kb"] <= 100,
        "(7) ms/page at 300 <= 1.3 x at 6": long["60"]["ms_per_page"]
        <= 1.3 * long["1"]["ms_per_page"],
        "(7) peak memory at 300 pages <= 400 MB": long["60"]["peak_mb"] <= 400,
        "(8) save to PDF in --watch < 0.5 s": results["8_watch"]["median_s"] < 0.5,
        "(9) two charts add < 0.25 s to a cold build": results["9_charts"]["added_s"] < 0.25,
        "--help and --check < 0.3 s without WeasyPrint": max(results["help_s"], results["check_s"])
        < 0.3,
    }
    results["goals"] = goals
    (ROOT / "build" / "bench.json").write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    return 0 if all(goals.values()) else 1


def table(r: dict) -> str:
    """The figures and goals as a Markdown table."""
    c, p, w = r["1_cold_vs_weasyprint"], r["2_vs_pandoc"], r["3_warm_rebuild"]
    s, long = r["5_series"], r["7_long"]
    rows = [
        ("1 cold build / bare weasyprint", f"{c['press_s']:.2f} s / {c['weasyprint_s']:.2f} s", f"{c['ratio']:.2f}"),
        ("2 cold build / pandoc + weasyprint", f"{p['press_s']:.2f} s / {p['pandoc_s']:.2f} s", f"{p['ratio']:.2f}"),
        ("3 warm rebuild / cold build", f"{w['warm_s']:.2f} s / {w['cold_s']:.2f} s", f"{w['ratio']:.2f}"),
        ("4 make pdf, nothing changed", f"{r['4_make_nothing_changed']['seconds']:.3f} s", ""),
        (f"5 {s['briefs']} briefs: sequential / -j {s['jobs']}", f"{s['sequential_s']:.1f} s / {s['parallel_s']:.1f} s", f"{s['speedup']:.1f}x"),
        ("6 distributable size", f"{r['6_size']['kb']:.0f} KB", ""),
        *[(f"7 {v['pages']} pages", f"{v['ms_per_page']:.0f} ms/page, {v['peak_mb']} MB peak", "") for v in long.values()],
        ("8 save to PDF in --watch", f"{r['8_watch']['median_s']:.2f} s (median of {r['8_watch']['saves']})", ""),
        ("--help / --check", f"{r['help_s']:.2f} s / {r['check_s']:.2f} s", ""),
        ("9 two charts / no chart, cold", f"{r['9_charts']['two_s']:.2f} s / {r['9_charts']['none_s']:.2f} s", f"+{r['9_charts']['added_s']:.3f} s"),
        *[(f"scaling: {name}, n to 2n (n = {v['n']})", f"{v['small_s']:.2f} s / {v['large_s']:.2f} s", f"{v['ratio']:.1f}") for name, v in r["scaling"].items()],
    ]  # fmt: skip
    lines = ["| measure | figures | ratio |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    fast = w["fastest_s"]
    lines += [
        "",
        "Ratios 1, 2, 3 and 5 are the median of each turn's ratio, not the quotient of the two medians.",
        f"Fastest turns: cold build {fast['press']:.2f} s, bare weasyprint {fast['bare']:.2f} s, "
        f"pandoc {fast['pandoc']:.2f} s, warm rebuild {fast['warm']:.2f} s.",
    ]
    lines += ["", *[f"{'PASS' if ok else 'FAIL'}  {goal}" for goal, ok in r["goals"].items()]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
