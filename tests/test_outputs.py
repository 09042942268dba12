"""What a build leaves on disk: a commit puts every file in place or none (a failure part-way
puts the previous files back), and a worker that dies costs its brief, not the run."""

import errno
import os
import signal
from pathlib import Path

import pytest
from helpers import FRONT, write

from press import series
from press.config import Config
from press.outputs import GENERATOR, commit

GOOD = FRONT + "## Text\n\nBody.\n"


def page(text: str) -> bytes:
    """An HTML page as the press writes it (marked as its own: a commit may replace it)."""
    return f'<meta name="generator" content="{GENERATOR}"><p>{text}</p>'.encode()


def on_disk(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by its path relative to the folder: `.press-*.tmp` too."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture
def out(tmp_path) -> Path:
    """An output folder holding an earlier build's a.html and preview/c.html (b.html is new)."""
    folder = tmp_path / "out"
    (folder / "preview").mkdir(parents=True)
    (folder / "a.html").write_bytes(page("old a"))
    (folder / "preview" / "c.html").write_bytes(page("old c"))
    return folder


def new_files(out: Path) -> dict[Path, bytes]:
    """A build's files, in the order the commit writes them: a replaced, b new, c replaced."""
    return {
        out / "a.html": page("new a"),
        out / "b.html": page("new b"),
        out / "preview" / "c.html": page("new c"),
    }


def test_a_commit_puts_every_file_in_place_and_leaves_nothing_aside(out):
    commit(new_files(out), out)
    assert on_disk(out) == {
        "a.html": page("new a"),
        "b.html": page("new b"),
        "preview/c.html": page("new c"),
    }


def failing(real, target: Path, error: BaseException):
    """A stand-in for os.replace or os.link that fails once, when it would touch the target."""
    failed = []

    def call(src, dst, *args, **kwargs):
        if not failed and target in (Path(src), Path(dst)):
            failed.append(target)
            raise error
        return real(src, dst, *args, **kwargs)

    return call, failed


# The rollback puts c's previous file back with os.replace(its second name, c): both names are
# one file (c was never replaced), and rename(2) then does nothing, so the second name stays
# until a later build sweeps it, once this process has ended (never while --watch runs).

# A failure at each step of putting c.html (the last file) in place, once a.html is replaced and
# b.html written.
FAILURES = [
    ("replace", OSError(errno.EIO, "Input/output error")),  # c's new file put in place
    ("link", OSError(errno.EPERM, "Operation not permitted")),  # c's previous file set aside
    ("replace", KeyboardInterrupt()),  # Ctrl-C between two files
]
FAILURE_IDS = ["replace", "link", "interrupted"]


def fail_part_way(out: Path, monkeypatch, step: str, error: BaseException) -> None:
    """Commit the build's files with c.html's step failing: the error is the caller's."""
    fake, failed = failing(getattr(os, step), out / "preview" / "c.html", error)
    monkeypatch.setattr(os, step, fake)
    with pytest.raises(type(error)) as raised:
        commit(new_files(out), out)
    assert raised.value is error and failed == [out / "preview" / "c.html"]


@pytest.mark.parametrize(("step", "error"), FAILURES, ids=FAILURE_IDS)
def test_a_commit_that_fails_part_way_puts_the_previous_files_back(out, monkeypatch, step, error):
    """a's previous file is back, b is gone, c is untouched."""
    before = on_disk(out)
    fail_part_way(out, monkeypatch, step, error)
    after = {name: data for name, data in on_disk(out).items() if ".press-" not in name}
    assert after == before


@pytest.mark.parametrize(("step", "error"), FAILURES, ids=FAILURE_IDS)
def test_a_commit_that_fails_part_way_leaves_no_temporary_file(out, monkeypatch, step, error):
    fail_part_way(out, monkeypatch, step, error)
    assert not list(out.rglob(".press-*.tmp"))


def test_a_commit_whose_files_cannot_all_be_written_puts_nothing_in_place(out, monkeypatch):
    """A write that fails (a full disk) stops the commit before any file is replaced; the
    error names the target, not the temporary file."""
    before = on_disk(out)
    real = Path.write_bytes

    def full(self, data):
        if self.parent == out / "preview":
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(OSError) as raised:
        commit(new_files(out), out)
    assert raised.value.errno == errno.ENOSPC
    assert raised.value.filename == str(out / "preview" / "c.html")
    assert on_disk(out) == before


def test_a_target_under_a_file_fails_before_anything_is_written(out):
    before = on_disk(out)
    files = {out / "z.html": page("z"), out / "a.html" / "x.html": page("x")}  # a.html: a file
    with pytest.raises(OSError):
        commit(files, out)
    assert on_disk(out) == before


# A worker's death.
class Hung(Exception):
    """The run still waited for a worker long after every brief could have been built."""


def hung(signum, frame):
    raise Hung


def test_a_worker_that_dies_costs_its_brief_and_the_others_build(tmp_path, monkeypatch):
    briefs = [write(tmp_path, GOOD, f"{name}.md") for name in ("a", "dies", "c", "d")]
    real = series.build

    def build(path, config, session):  # the worker is forked with this one in place
        if path.stem == "dies":
            os._exit(9)  # as the kernel's OOM killer or a crash in native code would end it
        return real(path, config, session)

    monkeypatch.setattr(series, "build", build)
    config, reported = Config(out_dir=tmp_path / "out"), []
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)  # a fork's child has no alarm pending: it is this process's alone
    try:
        results = series.build_all(briefs, config, reported.append, jobs=2)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert len(results) == 4 and sorted(map(str, results)) == sorted(map(str, reported))
    by_name = {r.path.name: r for r in results}
    assert sorted(by_name) == ["a.md", "c.md", "d.md", "dies.md"]  # each reported once
    dead = by_name.pop("dies.md")
    assert [(p.level, p.code, p.line, p.message) for p in dead.problems] == [
        ("error", "internal", 1, "the worker building this brief stopped unexpectedly")
    ]
    assert all(r.ok and r.pages for r in by_name.values())
    assert sorted(p.name for p in config.out_dir.glob("*.pdf")) == ["a.pdf", "c.pdf", "d.pdf"]
