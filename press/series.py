"""Many briefs: built side by side in worker processes, or again on every save (--watch)."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import queue
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from .config import Config
from .deadline import Stopped, quiet_stops, stop
from .pipeline import build
from .problems import ERROR, Problem, Result, SetupError, display
from .session import Session

Report = Callable[[Result], None]


def build_all(
    files: list[Path], config: Config, report: Report, jobs: int, session: Session | None = None
) -> list[Result]:
    """Build the briefs, in worker processes when there are several; report each as it ends.
    Built here, they share the session given (a caller's that builds again), else a new one."""
    files, clashing = apart(files, config)
    for result in clashing:
        report(result)
    if jobs > 1 and len(files) > 1:
        return clashing + in_workers(files, config, report, min(jobs, len(files)))
    if session is not None:
        return clashing + in_turn(files, config, report, session)
    with Session() as session:
        return clashing + in_turn(files, config, report, session)


def apart(files: list[Path], config: Config) -> tuple[list[Path], list[Result]]:
    """The briefs whose outputs are their own, and an error for each that would overwrite the
    output of one before it (`a/x.md` and `b/x.md` into one folder)."""
    if config.check:
        return files, []
    owners: dict[Path, Path] = {}
    own, clashing = [], []
    for path in files:
        target = config.target(path).resolve()
        if target in owners:
            message = f"its output is also that of {display(owners[target])}; rename one"
            clashing.append(Result(path, [Problem(path, 1, ERROR, "output.clash", message)]))
        else:
            owners[target] = path
            own.append(path)
    return own, clashing


def in_turn(files: list[Path], config: Config, report: Report, session: Session) -> list[Result]:
    """Build briefs one after another in this process, reporting each as it ends."""
    results = []
    for path in files:
        results.append(build(path, config, session))
        report(results[-1])
    return results


def in_workers(files: list[Path], config: Config, report: Report, workers: int) -> list[Result]:
    """Build the briefs in worker processes, each with its own session, pulling from one queue."""
    context = multiprocessing.get_context("fork")
    tasks, done = context.Queue(), context.Queue()
    for path in files:
        tasks.put(path)
    for _ in range(workers):
        tasks.put(None)
    processes = [
        context.Process(target=work, args=(tasks, done, config), daemon=True)
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    results: list[Result] = []
    try:
        while len(results) < len(files):
            alive = any(process.is_alive() for process in processes)
            try:
                result = done.get(timeout=0.5)
            except queue.Empty:
                if not alive:
                    break  # every worker has ended: a brief not reported died with one
                continue
            if isinstance(result, SetupError):
                raise result
            results.append(result)
            report(result)
    except BaseException:  # Ctrl-C or a signal: the workers stop too, each cleaning up
        for process in processes:
            process.terminate()
        raise
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
    built = {result.path for result in results}
    for path in files:
        if path not in built:
            message = "the worker building this brief stopped unexpectedly"
            results.append(Result(path, [Problem(path, 1, ERROR, "internal", message)]))
            report(results[-1])
    return results


PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies


def work(tasks, done, config: Config) -> None:
    """A worker: build briefs from the queue until it says stop, with one session throughout.

    Ctrl-C reaches every process of the terminal's group: the parent alone answers it, and stops
    its workers with SIGTERM, which each answers by cleaning up and leaving without a word.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, stop)
    sys.unraisablehook = quiet_stops
    parent = os.getppid()
    if sys.platform == "linux":  # the parent killed outright (SIGKILL): its workers stop too
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        return
    try:
        with Session() as session:
            for path in iter(tasks.get, None):
                try:
                    done.put(build(path, config, session))
                except SetupError as error:
                    done.put(error)
                    return
    except Stopped:
        return


def watch(files: list[Path], config: Config, report: Report, folder: Path, stop=None) -> None:
    """Rebuild on every save until stop is set (or Ctrl-C): a brief or one of its images rebuilds
    that brief, a template or a stylesheet every brief; a brief new in a watched folder is built.

    Briefs are the `.md` files right in a watched folder (the given briefs', or the folder when
    none is given); files whose names start with a dot or end in `~` (editors' own) are ignored.
    """
    import watchfiles

    shared = {config.templates.resolve(): ".html", config.styles_dir.resolve(): ".css"}
    homes = {path.resolve().parent for path in files} or {folder.resolve()}
    folders = [f for f in {*homes, *shared} if f.is_dir()]
    with Session() as session:
        results = dict(zip(files, in_turn(files, config, report, session), strict=True))
        print(f"watching {len(files)} briefs; Ctrl-C stops", file=sys.stderr, flush=True)
        out = config.out_dir.resolve()

        def wanted(change, name: str) -> bool:  # never the press's own outputs: an endless loop
            return not_editors(change, name) and not written_by_press(Path(name).resolve(), out)

        options = {"debounce": 50, "step": 20, "watch_filter": wanted, "stop_event": stop}
        for changes in watchfiles.watch(*folders, **options):
            due = rebuilt_by(resolved(name for _, name in changes), results, homes, shared)
            results |= zip(due, in_turn(due, config, report, session), strict=True)


def resolved(names) -> set[Path]:
    """Changed files' real paths; a link that loops, or a file gone meanwhile, is left out."""
    paths = set()
    for name in names:
        with contextlib.suppress(OSError, RuntimeError):
            paths.add(Path(name).resolve())
    return paths


def written_by_press(path: Path, out: Path) -> bool:
    """Whether a path is one a build writes into the output folder: a copy's PDF or HTML, its
    assets or previews (the output folder may be the briefs' own: their saves still count)."""
    if not path.is_relative_to(out):
        return False
    inside = path.relative_to(out).parts
    return inside[:1] in (("assets",), ("preview",)) or path.suffix in (".pdf", ".html")


def not_editors(change, name: str) -> bool:
    """Whether a changed file is worth a look: not an editor's swap or backup file."""
    base = Path(name).name
    return not (base.startswith(".") or base.endswith(("~", ".swp", ".swx", ".tmp")))


def rebuilt_by(
    changed: set[Path], results: dict[Path, Result], homes: set[Path], shared: dict[Path, str]
) -> list[Path]:
    """The briefs some changed files ask to rebuild, with new briefs in the watched folders."""
    known = resolved(results)
    layout = any(p.suffix == s and p.is_relative_to(f) for p in changed for f, s in shared.items())
    due = [b for b, r in results.items() if layout or resolved([b]) & changed or changed & r.inputs]
    new = [p for p in changed - known if p.suffix == ".md" and p.parent in homes and p.is_file()]
    return due + sorted(new)
