"""--watch: a save rebuilds what it touches, in one process, until stopped."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE
from helpers import FRONT, write

from press import series
from press.config import Config

GOOD = FRONT + "## Introduction\n\nText.\n"


class Watcher:
    """The watch loop in a thread, with what it has built so far.

    The last brief given is the mark: the file system reports changes in the order they are
    made, so once the loop has rebuilt the mark for a save, it has answered every change made
    before that save, and built all they set off: no fixed wait for what might still come.
    """

    def __init__(self, files: list[Path], config: Config, monkeypatch):
        self.built: list[Path] = []
        self.errors: list[str] = []
        self.rounds: list[list] = []  # each round of rebuilds: [its briefs, len(built) once done]
        self.mark = files[-1]
        self.stop = threading.Event()
        args = (files, config, self.record, files[0].parent, self.stop)
        self.thread = threading.Thread(target=series.watch, args=args)
        in_turn = series.in_turn

        def round_of(due, *args):  # the loop builds each round of changes with in_turn
            self.rounds.append(entry := [list(due), None])
            results = in_turn(due, *args)
            entry[1] = len(self.built)
            return results

        monkeypatch.setattr(series, "in_turn", round_of)

    def record(self, result) -> None:
        self.built.append(result.path)
        self.errors += [p.message for p in result.problems if p.level == "error"]

    def until(self, condition, seconds: float = 30) -> None:
        """Wait until a condition holds."""
        end = time.monotonic() + seconds
        while not condition():
            assert time.monotonic() < end, f"timed out; built {self.built}"
            time.sleep(0.02)

    def saved(self, action, count: int = 1) -> list[Path]:
        """The briefs rebuilt after an action: all it set off, once the loop has built as many."""
        before = len(self.built)
        action()
        self.until(lambda: len(self.built) >= before + count)
        return self.settled()[before:]

    def settled(self) -> list[Path]:
        """What the loop has built once it has answered every change made so far: the mark is
        saved, and the round that rebuilds it has ended; the mark's own rebuild is left out."""
        begun = len(self.rounds)

        def answered() -> int | None:  # len(built) once the mark's round ended
            ends = [end for due, end in self.rounds[begun:] if self.mark in due]
            return ends[0] if ends else None

        self.mark.write_bytes(self.mark.read_bytes())
        self.until(lambda: answered() is not None)
        built = self.built[: answered()]
        del built[len(built) - 1 - built[::-1].index(self.mark)]
        return built


@pytest.fixture
def watcher(tmp_path, monkeypatch):
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "chart.svg").write_text(SAMPLE.with_name("chart.svg").read_text())
    a = write(folder, GOOD.replace("Text.", "![A chart](chart.svg)"), "a.md")
    b = write(folder, GOOD, "b.md")
    mark = write(folder, GOOD, "mark.md")
    styles = tmp_path / "styles"
    styles.mkdir()
    for css in Config().styles_dir.glob("*.css"):
        (styles / css.name).write_text(css.read_text())
    watcher = Watcher(
        [a, b, mark], Config(out_dir=tmp_path / "out", styles_dir=styles), monkeypatch
    )
    watcher.thread.start()
    watcher.until(lambda: len(watcher.built) == 3)
    yield watcher, folder, styles
    watcher.stop.set()
    watcher.thread.join(10)
    assert not watcher.thread.is_alive()


def test_a_save_rebuilds_that_brief_only(watcher):
    watcher, folder, _ = watcher
    b = folder / "b.md"
    assert watcher.saved(lambda: b.write_text(GOOD.replace("Text.", "New text."))) == [b]


def test_a_saved_image_rebuilds_the_briefs_that_use_it(watcher):
    watcher, folder, _ = watcher
    chart = folder / "chart.svg"
    assert watcher.saved(lambda: chart.write_text(chart.read_text() + "\n")) == [folder / "a.md"]


def test_a_stylesheet_rebuilds_every_brief(watcher):
    watcher, folder, styles = watcher
    css = styles / "brief.css"
    rebuilt = watcher.saved(lambda: css.write_text(css.read_text() + "\n"), count=3)
    assert sorted(rebuilt) == [folder / "a.md", folder / "b.md", folder / "mark.md"]


def test_a_new_brief_is_picked_up_and_a_broken_save_keeps_the_last_pdf(watcher, tmp_path):
    watcher, folder, _ = watcher
    c = folder / "c.md"
    assert watcher.saved(lambda: write(folder, GOOD, "c.md")) == [c]
    pdf = tmp_path / "out" / "c.pdf"
    first = pdf.read_bytes()
    assert watcher.saved(lambda: write(folder, GOOD.replace("narrowed", "nope"), "c.md")) == [c]
    assert (
        "unknown rating 'nope'; allowed: closed, repressed, obstructed, narrowed, open"
        in watcher.errors
    )
    assert pdf.read_bytes() == first


def test_a_brief_vanishing_does_not_stop_the_loop(watcher):
    watcher, folder, _ = watcher
    b = folder / "b.md"
    assert watcher.saved(b.unlink) == [b]
    assert watcher.errors == ["no such file"]
    assert watcher.saved(lambda: write(folder, GOOD, "b.md")) == [b]


def test_editors_files_and_notes_in_subfolders_rebuild_nothing(watcher):
    watcher, folder, styles = watcher
    (folder / "drafts").mkdir()
    assert watcher.saved(lambda: write(folder, GOOD, "b.md")) == [folder / "b.md"]  # in step
    before = len(watcher.built)
    write(folder / "drafts", GOOD, "notes.md")
    write(folder, "swap", ".b.md.swp")
    write(folder, "backup", "b.md~")
    write(styles, "swap", ".brief.css.swp")
    assert watcher.settled()[before:] == []


def test_an_image_the_build_refused_is_still_followed(watcher, tmp_path):
    watcher, folder, _ = watcher
    a, chart = folder / "a.md", folder / "chart.svg"
    good = chart.read_text()
    assert watcher.saved(lambda: chart.write_text("<svg")) == [a]
    assert any("chart.svg" in error for error in watcher.errors)
    assert watcher.saved(lambda: chart.write_text(good)) == [a]
    assert (tmp_path / "out" / "a.pdf").exists()


def watches_files(pid: int) -> bool:
    """Whether a process has begun to watch files: it holds an inotify instance (watchfiles')."""
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
        return any(os.readlink(fd) == "anon_inode:inotify" for fd in fds)
    except OSError:  # a file closed meanwhile, or the process ended: ask again
        return False


def test_ctrl_c_stops_the_watch_with_one_line(tmp_path):
    brief = write(tmp_path, GOOD)
    command = [sys.executable, str(ROOT / "build.py"), "--watch", str(brief), "-o", str(tmp_path)]
    watching = subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    end = time.monotonic() + 60
    while not ((tmp_path / "brief.pdf").exists() and watches_files(watching.pid)):
        assert time.monotonic() < end and watching.poll() is None
        time.sleep(0.02)
    watching.send_signal(signal.SIGINT)  # in the watch loop, past the first build
    _, stderr = watching.communicate(timeout=30)
    assert watching.returncode == 130
    assert stderr.splitlines()[-1] == "build.py: stopped (Ctrl-C); nothing half-written is left"
    assert "Traceback" not in stderr


def test_its_own_outputs_inside_the_watched_folder_start_nothing(tmp_path, monkeypatch):
    """With the output folder inside the watched one, previews once set off build after build."""
    # The mark outside the output folder: the loop ignores every change inside that.
    folder, marks = tmp_path / "briefs", tmp_path / "marks"
    folder.mkdir(), marks.mkdir()
    source, mark = write(folder, GOOD, "brief.md"), write(marks, GOOD, "mark.md")
    config = Config(out_dir=folder, preview=True, html=True)
    watching = Watcher([source, mark], config, monkeypatch)
    watching.thread.start()
    try:
        watching.until(lambda: len(watching.built) >= 2)
        # The first builds wrote before the loop watched; the mark's rebuild writes while it does.
        assert watching.settled() == [source, mark]
        assert (folder / "preview" / "mark-1.png").exists() and (folder / "mark.html").exists()
        assert watching.settled() == [source, mark, mark]  # what they set off: nothing
    finally:
        watching.stop.set()
        watching.thread.join(10)


def test_a_brief_saved_in_the_output_folder_is_still_rebuilt(tmp_path, monkeypatch):
    """`-o` the briefs' own folder: the loop ignores what it writes there, not the briefs."""
    folder = tmp_path / "briefs"
    folder.mkdir()
    source, mark = write(folder, GOOD, "brief.md"), write(folder, GOOD, "mark.md")
    watching = Watcher([source, mark], Config(out_dir=folder, html=True), monkeypatch)
    watching.thread.start()
    try:
        watching.until(lambda: len(watching.built) >= 2)
        assert watching.saved(lambda: source.write_text(GOOD + "\nMore.\n")) == [source]
    finally:
        watching.stop.set()
        watching.thread.join(10)
