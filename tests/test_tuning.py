"""The process tuning of press/tuning.py: each pinned, and none of it changing a byte."""

import os
import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, SAMPLE

LINUX_ONLY = pytest.mark.skipif(sys.platform != "linux", reason="ldconfig is Linux's")
PYTHON_3_11 = pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="measured on 3.11")


def python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run Python code with the project importable."""
    environment = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, cwd=ROOT
    )


def build_pdf(out, speedups: str) -> bytes:
    """The sample's PDF, built by the command with tuning on or off."""
    command = [sys.executable, str(ROOT / "build.py"), str(SAMPLE), "-o", str(out)]
    subprocess.run(
        command, check=True, capture_output=True, env={**os.environ, "PRESS_SPEEDUPS": speedups}
    )
    return (out / f"{SAMPLE.stem}.pdf").read_bytes()


def test_tuning_off_gives_the_same_bytes(tmp_path):
    assert build_pdf(tmp_path / "on", "1") == build_pdf(tmp_path / "off", "0")


SPY = """
import ctypes.util, subprocess
from press import system, tuning
original, runs, popen = ctypes.util.find_library, [], subprocess.Popen.__init__
def spy(self, args, *rest, **options):
    runs.append(args)
    popen(self, args, *rest, **options)
subprocess.Popen.__init__ = spy
with tuning.quick_library_lookups():
    system.import_weasyprint()
print(len(runs), runs[0], ctypes.util.find_library is original)
"""


@LINUX_ONLY
@PYTHON_3_11
def test_weasyprint_finds_its_libraries_with_one_program_run():
    # ctypes runs ldconfig, gcc and ld for each name WeasyPrint tries: 0.2 s of a cold build.
    assert python(SPY).stdout.split() == ["1", "['/sbin/ldconfig',", "'-p']", "True"]
    runs = int(python(SPY, PRESS_SPEEDUPS="0").stdout.split()[0])
    assert runs > 10  # without it, every miss runs programs


@LINUX_ONLY
def test_a_library_folder_named_in_another_encoding_does_not_stop_weasyprint():
    code = """
import subprocess
real = subprocess.run
def run(command, **options):
    done = real(command, **options)
    if command[0] == "/sbin/ldconfig":
        done.stdout = b"\\tlibss.so.2 (libc6) => /opt/caf\\xe9/libss.so.2\\n" + done.stdout
    return done
subprocess.run = run
from press import system, tuning
with tuning.quick_library_lookups():
    system.import_weasyprint()
import weasyprint
print(weasyprint.__version__)
"""
    done = python(code)
    assert (done.returncode, done.stdout) == (0, "70.0\n"), done.stderr


@PYTHON_3_11
@pytest.mark.skipif(not shutil.which("strace"), reason="needs strace (make test installs it)")
@pytest.mark.parametrize(("speedups", "fewer_than"), [("1", 100), ("0", None)])
def test_weasyprint_runs_without_freeing_frame_stack_chunks(tmp_path, speedups, fewer_than):
    # CPython 3.11 maps and unmaps a 16 KB chunk whenever a call crosses a chunk boundary; the
    # command gives WeasyPrint one large chunk instead (tuning.call).
    log = tmp_path / "strace.log"
    command = [sys.executable, str(ROOT / "build.py"), str(SAMPLE), "-o", str(tmp_path / "out")]
    done = subprocess.run(["strace", "-f", "-e", "trace=munmap", "-o", str(log), *command],
                          capture_output=True, text=True, env={**os.environ, "PRESS_SPEEDUPS": speedups})  # fmt: skip
    if done.returncode and "ptrace" in done.stderr:
        pytest.skip("tracing is not permitted here")
    assert done.returncode == 0, done.stderr
    chunks = len(re.findall(r"munmap\(0x[0-9a-f]+, 16384\)", log.read_text()))
    if fewer_than:
        assert chunks < fewer_than, chunks
    else:
        assert chunks > 1000, chunks  # the workaround is what makes the difference


@PYTHON_3_11
def test_with_the_imports_frozen_the_fonts_temporary_folder_is_still_removed(tmp_path):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    command = [sys.executable, str(ROOT / "build.py"), str(SAMPLE), "-o", str(tmp_path / "out")]
    done = subprocess.run(command, capture_output=True, text=True,
                          env={**os.environ, "TMPDIR": str(temporary)})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (
        list(temporary.iterdir()) == []
    )  # WeasyPrint's fonts folder went with the last collection
    frozen = python("import gc\nfrom press import tuning\ntuning.freeze_imports()\n"
                    "print(gc.get_freeze_count() > 0)")  # fmt: skip
    assert frozen.stdout.strip() == "True"
