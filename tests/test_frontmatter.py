"""Stage 1: the front matter, read safely and checked; every mistake one line at its line."""

import pytest
from conftest import run
from helpers import FRONT, write

from press.frontmatter import read

GOOD = FRONT + "## Introduction\n\nText.\n"


@pytest.mark.parametrize(
    ("text", "line", "message", "code"),
    [
        (GOOD.replace("rating: narrowed", "rating: obstructd"), 5, "unknown rating 'obstructd'; allowed: closed, repressed, obstructed, narrowed, open", "front.rating"),
        (GOOD.replace("date: 2024-02", "date: March 2022"), 4, "bad date 'March 2022'", "front.date"),
        (GOOD.replace("date: 2024-02", "date: 2024-13"), 4, "bad date '2024-13'", "front.date"),
        (GOOD.replace("title: A title\n", ""), 1, "missing required key 'title'", "front.key"),
        (GOOD.replace("title: A title", "title: A title\nsubtitle: x"), 4, "unknown key 'subtitle'; allowed: country, title", "front.key"),
        (GOOD.replace("title: A title", "title: [unclosed"), 4, "front matter is not valid YAML", "front.syntax"),
        (GOOD.replace("title: A title", "title: Before: after"), 3, "needs quotes: title: \"Before: after\"", "front.syntax"),
        (GOOD.replace("country: Testland", "country: Testland\n  bad: indent"), 3, "front matter is not valid YAML", "front.syntax"),
        (GOOD.replace("rating: narrowed", "rating: narrowed\nlayout: nosuch"), 6, "unknown layout 'nosuch'; have: ['brief']", "front.layout"),
        (GOOD.replace("---\n", "", 1), 1, "a brief starts with front matter", "front.missing"),
        ("---\ncountry: x\n", 1, "no closing '---'", "front.missing"),
        ("", 1, "a brief starts with front matter", "front.missing"),
        (GOOD.encode() + b"\n\xff\xfe broken\n", 12, "not UTF-8", "file.encoding"),
        (GOOD.replace("country: Testland", "country: [a, b]"), 2, "'country' must be text", "front.value"),
    ],
)  # fmt: skip
def test_front_matter_errors_name_file_and_line(tmp_path, text, line, message, code):
    path = write(tmp_path, text)
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out")])
    assert status == 1
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert stderr.startswith(f"{path}:{line}: error: ") and stderr.endswith(f" [{code}]\n"), stderr
    assert message in stderr
    assert not (tmp_path / "out" / "brief.pdf").exists()


def test_bom_and_crlf_are_read(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode())
    brief = read(path)
    assert brief.meta["country"] == "Testland" and brief.lines["rating"] == 5
    assert brief.body_line == 8 and brief.markdown.startswith("## Introduction\n")


@pytest.mark.parametrize(
    ("front", "line", "message"),
    [
        ("a: &a [x, x]\nb: &b [*a, *a]\ncountry: *b\n", 2, "anchors and aliases (& and *) are not allowed"),
        ("title: t\ndate: 2024-01\nrating: open\ncountry: &a [x]\nseries: *a\n", 5, "anchors and aliases"),
        ("figures:\n  - {value: &x [lol, lol], label: a}\n  - {value: *x, label: b}\n", 3, "anchors and aliases"),
        ("country: !!python/object/apply:os.system ['true']\n", 2, "could not determine a constructor"),
        ("no: no\n", 2, "unknown key 'no'"),
        ("<<: {country: X, title: T}\n", 2, "unknown key '<<'"),
        ("country: x\ncountry: y\n", 3, "'country' is given twice (also on line 2)"),
        ("? [a, b]\n: c\n", 2, "unknown key"),
        ("country: x\ntitle: t\nrating: open\ndate: 20220301\n", 5, "bad date '20220301'"),
        ("country: x\ntitle: t\nrating: open\ndate: 2024-02-30\n", 5, "this value cannot be read: day is out of range for month"),
        ("country: x\ntitle: t\nrating: open\ndate: 2024-01\ncontents: !!bool maybe\n", 6, "this value cannot be read"),
        ("country: !!int abc\n", 2, "this value cannot be read"),
        ("country: " + "9" * 5000 + "\n", 2, "this value cannot be read"),
        ("country: 0x" + "f" * 5000 + "\n", 2, "'country' is a number too long"),
        ("country: '   '\ntitle: t\ndate: 2024-01\nrating: open\n", 2, "'country' is empty"),
        ("country: x\ntitle: t\ndate: 2024-01\nrating: open\nlayout: base\n", 6, "'layout' must be"),
        ("figures: " + "[" * 5000 + "]" * 5000 + "\n", 2, "nested too deeply"),
        ("author: \x01\n", 2, "a control character (#x0001) is not allowed"),
        ("- a\n- b\n", 2, "front matter must be 'key: value' lines"),
    ],
)  # fmt: skip
def test_yaml_tricks(tmp_path, front, line, message):
    path = write(tmp_path, f"---\n{front}---\n\nText.\n")
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out")])
    assert status == 1 and "Traceback" not in stderr and stderr.count("\n") == 1
    assert stderr.startswith(f"{path}:{line}: error: ") and message in stderr, stderr


@pytest.mark.parametrize(
    ("data", "outcome"),
    [
        (GOOD.encode("utf-16"), "1: error: the file is UTF-16 text; save it as UTF-8 [file.encoding]"),
        (GOOD.encode() + b"\xc3\x28\n", "11: error: not UTF-8 text; save it as UTF-8 [file.encoding]"),
        (GOOD.encode().replace(b"Text", b"Te\x00xt"), "10: error: a NUL byte: not a text file [file.encoding]"),
        (b"", "1: error: a brief starts with front matter"),
        (b"---\n", "1: error: the front matter has no closing"),
        (b"---\n---\n", "2: error: front matter must be 'key: value' lines"),
        (b"Just text.\n", "1: error: a brief starts with front matter"),
    ],
)  # fmt: skip
def test_bad_bytes(tmp_path, data, outcome):
    path = write(tmp_path, data)
    status, _, stderr = run(["--check", str(path)])
    assert status == 1 and stderr.startswith(f"{path}:{outcome}"), stderr
