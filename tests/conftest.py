"""Shared fixtures: each brief is built once per session, in-process, into a temporary folder."""

import contextlib
import io
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import build  # noqa: E402

KAZAKHSTAN = ROOT / "content" / "kazakhstan-2022-03.md"
SAMPLE = ROOT / "tests" / "briefs" / "kyrgyzstan-2023-05.md"


@dataclass
class Built:
    """A brief built by `main()`: its outputs and what the command printed."""

    source: Path
    pdf: Path
    html: Path
    status: int
    stdout: str
    stderr: str


def run(argv: list[str]) -> tuple[int, str, str]:
    """Run `build.main(argv)` in-process; return status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = build.main(argv)
        except SystemExit as exit:
            status = exit.code
    return status, out.getvalue(), err.getvalue()


def build_brief(source: Path, out: Path) -> Built:
    """Build one brief with --html into out."""
    status, stdout, stderr = run([str(source), "-o", str(out), "--html"])
    return Built(
        source, out / f"{source.stem}.pdf", out / f"{source.stem}.html", status, stdout, stderr
    )


@pytest.fixture(scope="session")
def kazakhstan(tmp_path_factory) -> Built:
    return build_brief(KAZAKHSTAN, tmp_path_factory.mktemp("kazakhstan"))


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> Built:
    """The second brief, copied out of the project so that nothing in it is special."""
    folder = tmp_path_factory.mktemp("sample")
    for path in SAMPLE.parent.iterdir():
        shutil.copy(path, folder / path.name)
    return build_brief(folder / SAMPLE.name, folder / "out")


@pytest.fixture(scope="session", params=["kazakhstan", "sample"])
def brief(request) -> Built:
    return request.getfixturevalue(request.param)
