"""Shared fixtures: each brief is built once per session, in-process, into a temporary folder."""

import contextlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from press import cli
from press.config import COPIES, Config
from press.pipeline import build as build_with
from press.problems import Result
from press.session import Session

ROOT = Path(__file__).resolve().parent.parent

KAZAKHSTAN = ROOT / "content" / "kazakhstan-2022-03.md"
SAMPLE = ROOT / "tests" / "briefs" / "kyrgyzstan-2023-05.md"


@pytest.fixture(scope="session", autouse=True)
def cache_home(tmp_path_factory) -> Path:
    """The press's cache (what the fonts cover) lives in a temporary folder, not the user's."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


@dataclass
class Built:
    """A brief built by `main()`: its outputs and what the command printed."""

    source: Path
    pdf: Path
    html: Path
    status: int
    stdout: str
    stderr: str


# One session for the tests' in-process builds, as a process that builds many briefs keeps one:
# the stylesheets and fonts are parsed once, not for each test.
SESSION = Session()


@pytest.fixture(scope="session", autouse=True)
def shared_session():
    yield SESSION
    SESSION.close()


def run(argv: list[str]) -> tuple[int, str, str]:
    """Run the command in-process, as `build.main(argv)` does; return status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli.main(argv, SESSION)
        except SystemExit as exit:
            status = exit.code
    return status, out.getvalue(), err.getvalue()


def build_one(path: Path, config: Config) -> Result:
    """Build one brief in-process, in the tests' session."""
    return build_with(path, config, SESSION)


def build_brief(source: Path, out: Path, *options: str) -> Built:
    """Build one brief with --html into out."""
    status, stdout, stderr = run([str(source), "-o", str(out), "--html", *options])
    copy = "print" if "--print" in options else "screen"
    if "--copy" in options:
        copy = options[options.index("--copy") + 1]
    stem = source.stem + COPIES[copy].suffix
    return Built(source, out / f"{stem}.pdf", out / f"{stem}.html", status, stdout, stderr)


@pytest.fixture(scope="session")
def kazakhstan(tmp_path_factory) -> Built:
    return build_brief(KAZAKHSTAN, tmp_path_factory.mktemp("kazakhstan"))


@pytest.fixture(scope="session")
def sample(sample_folder) -> Built:
    return build_brief(sample_folder / SAMPLE.name, sample_folder / "out")


@pytest.fixture(scope="session")
def sample_folder(tmp_path_factory) -> Path:
    """The second brief, copied out of the project so that nothing in it is special."""
    folder = tmp_path_factory.mktemp("sample")
    for path in SAMPLE.parent.glob("*.*"):
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="session", params=["kazakhstan", "sample"])
def brief(request) -> Built:
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="session")
def kazakhstan_print(tmp_path_factory) -> Built:
    return build_brief(KAZAKHSTAN, tmp_path_factory.mktemp("kazakhstan-print"), "--print")


@pytest.fixture(scope="session")
def sample_print(sample_folder) -> Built:
    return build_brief(sample_folder / SAMPLE.name, sample_folder / "print", "--print")


@pytest.fixture(scope="session")
def charts_print(tmp_path_factory) -> Built:
    """Right to left, with bars, columns and lines, and the cover's map."""
    charts = ROOT / "tests" / "briefs" / "charts" / "ar.md"
    return build_brief(charts, tmp_path_factory.mktemp("charts-print"), "--print")


@pytest.fixture(scope="session", params=["kazakhstan_print", "sample_print", "charts_print"])
def print_copy(request) -> Built:
    return request.getfixturevalue(request.param)
