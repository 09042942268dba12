"""The command line: arguments, what is printed for each brief, and the exit status."""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

from . import i18n, outputs, paste, scaffold, series, system, tuning, word
from .config import COPIES, MAX_SECONDS, PDF_VARIANTS, PROFILE, RATINGS, ROOT, Config
from .deadline import Stopped, stoppable
from .frontmatter import read
from .problems import BriefError, Result, SetupError, display, printable
from .problems import human as size
from .session import Session

EPILOG = """exit status:
  0  every brief built (or checked without errors)
  1  a brief has an error, printed as path:line: error: message [code]
  2  a usage error, or the machine lacks something the press needs"""


def parser() -> argparse.ArgumentParser:
    """The command line's arguments."""
    cli = argparse.ArgumentParser(
        prog="build.py",
        description="Build Watchlist briefs (Markdown with front matter) into tagged PDF/UA-1.",
        epilog=copies() + "\n\n" + EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = cli.add_argument
    add("files", nargs="*", type=Path, metavar="FILE", help="briefs (default: every content/*.md)")
    add("-o", "--out", type=Path, default=ROOT / "build", metavar="DIR",
        help="output folder (default: build/)")  # fmt: skip
    add("--html", action="store_true", help="also write DIR/<stem>.html, the HTML copy")
    add("--preview", action="store_true", help="also render pages to DIR/preview/<stem>-<n>.png")
    add("--copy", choices=COPIES, default="screen",
        help="which copy to make (default screen; the copies are listed below)")  # fmt: skip
    add("--print", dest="copy", action="store_const", const="print", help="--copy print, in short")
    add("--pdf-variant", metavar="VARIANT", choices=PDF_VARIANTS,
        help="instead of the copy's own (pdf/ua-1, pdf/x-4 for print): "
        + ", ".join(PDF_VARIANTS))  # fmt: skip
    add("--profile", type=Path, default=PROFILE, metavar="ICC",
        help="the print copy's CMYK profile, the one the printer sends (default: FOGRA39, "
        "made at set-up)")  # fmt: skip
    add("--max-size", type=parse_size, default=2**20, metavar="SIZE",
        help="fail when the distributable PDF is larger (default 1MiB)")  # fmt: skip
    add("--check", action="store_true",
        help="report every problem (path:line: level: message [code]); write nothing")  # fmt: skip
    add(
        "--strict",
        action="store_true",
        help="treat warnings as errors (an image printing at 150-300 ppi stays advice)",
    )
    add("--timeout", type=positive, default=MAX_SECONDS, metavar="SECONDS",
        help=f"give up on a brief after so long (default {MAX_SECONDS})")  # fmt: skip
    add("--watch", action="store_true", help="rebuild on every save of a brief, template or style")
    add("--changed", action="store_true",
        help="skip briefs whose output is newer than they and the press")  # fmt: skip
    add("-j", "--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
        help="worker processes for several briefs (default: number of cores)")  # fmt: skip
    add("--clean", action="store_true", help="remove what the press wrote in DIR, nothing else")
    add("--fix", action="store_true",
        help="write DIR/<stem>.fixed.md: the brief with what a paste from Word left (a heading "
        "in capitals, a tab before a bullet…) written as Markdown, to review")  # fmt: skip
    add("--new", metavar="COUNTRY", help="write content/<country>-<date>.md, a new brief")
    add("--import", dest="word", type=Path, metavar="DOCX",
        help="write a brief from a Word file (with --country, --date, --rating; needs pandoc: "
        "make import)")  # fmt: skip
    add("--country", help="the imported brief's country (with --import)")
    add("--content", type=Path, default=ROOT / "content", metavar="DIR",
        help="the folder --new and --import write into (default: content/)")  # fmt: skip
    add("--date", metavar="YYYY-MM", help="the new brief's date (with --new, --import)")
    add("--rating", choices=RATINGS, help="the new brief's rating (with --new, --import)")
    add("--lang", metavar="LANG", default="en",
        help="the new brief's language (with --new, --import): "
        + ", ".join(i18n.catalogs()))  # fmt: skip
    return cli


def start(cli: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """--new or --import: write a new brief into the content folder; say what was written."""
    named = "--new COUNTRY" if args.new is not None else "--import DOCX"
    if args.new is not None and args.word is not None:
        cli.error("--new and --import both start a brief: give one")
    if args.check or args.fix or args.files:
        cli.error(f"{named} writes a new brief; check or build it after, by its name")
    country = args.new if args.new is not None else args.country
    if country is None or not (args.date and args.rating):
        needs = "" if args.new is not None else "--country COUNTRY, "
        cli.error(f"{named} needs {needs}--date YYYY-MM and --rating RATING")
    if not i18n.known(args.lang):
        cli.error(f"unknown language {args.lang!r}; catalogs: {', '.join(i18n.catalogs())}")
    language = i18n.language(args.lang)
    try:
        if args.new is not None:
            path = scaffold.new_brief(country, args.date, args.rating, language, args.content)
            say(display(path))
            return 0
        imported = word.import_docx(
            args.word, country, args.date, args.rating, language, args.content
        )
    except BriefError as error:
        say(str(error), sys.stderr)
        return 1
    except SetupError as error:
        say(f"build.py: setup: error: {error}", sys.stderr)
        return 2
    say(display(imported.path))
    for picture in imported.pictures:
        say(display(picture))
    for line in imported.report:
        say(line, sys.stderr if ": warning: " in line else sys.stdout)
    return 0


def fix_pasted(files: list[Path], out: Path) -> int:
    """Write each brief's fixed copy into out, never over the brief; say what changed."""
    status = 0
    for path in files:
        try:
            brief = read(path)
        except BriefError as error:
            say(str(error), sys.stderr)
            status = 1
            continue
        found = [p for p in paste.read(brief.markdown, i18n.language(brief.meta["lang"])) if p.fix]
        target = out / f"{path.stem}.fixed.md"
        if out.resolve() == path.parent.resolve():  # a copy there would be read as a brief
            say(f"{display(path)}: error: -o names the brief's own folder; --fix writes "
                "its copy elsewhere", sys.stderr)  # fmt: skip
            status = 2
            continue
        out.mkdir(parents=True, exist_ok=True)
        head = path.read_text("utf-8")[: -len(brief.markdown) or None]
        if not found:
            say(f"{display(path)}: nothing to fix")
            continue
        text = head.replace("---", f"---\n{paste.FIXED_MARK} {path.name}: review, then rename", 1)
        outputs.commit({target: (text + paste.fixed(brief.markdown, found)).encode()}, out)
        for pasted in found:
            say(f"{display(path)}:{brief.body_line + pasted.line - 1}: {pasted.fix}")
        say(f"{display(target)}: {len(found)} lines rewritten")
    return status


def copies() -> str:
    """The copies the press makes, one line each, from the table in press/config.py."""
    rows = [(c.name, f"<stem>{c.suffix}.pdf", c.help) for c in COPIES.values()]
    name, file = (max(len(row[i]) for row in rows) for i in (0, 1))
    lines = [f"  {a:{name}}  {b:{file}}  {c}" for a, b, c in rows]
    return "copies (--copy):\n" + "\n".join(lines)


def parse_size(text: str) -> int:
    """'1MiB', '500KB', '2000000' → bytes (for --max-size)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(|B|KB|KiB|MB|MiB)\s*", text, re.I)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 1MiB or 500KB)")
    units = {"": 1, "b": 1, "kb": 1000, "kib": 1024, "mb": 10**6, "mib": 2**20}
    return int(float(match[1]) * units[match[2].lower()])


def positive(text: str) -> float:
    """A number of seconds above zero (for --timeout)."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0
    if not 0 < seconds <= 86_400:
        raise argparse.ArgumentTypeError(f"not a number of seconds from 0 to a day: {text!r}")
    return seconds


def say(text: str, stream=None) -> None:
    """Print a line with its control characters escaped: no brief can move the terminal; on a
    terminal that cannot show a character (not UTF-8), the character as an escape."""
    stream = stream or sys.stdout
    line = printable(text)
    encoding = getattr(stream, "encoding", None) or "utf-8"
    line = line.encode(encoding, "backslashreplace").decode(encoding, "replace")
    print(line, file=stream, flush=True)


class Reporter:
    """Prints each brief's problems and its one line; machine problems once per run."""

    def __init__(self, config: Config):
        self.config, self.said = config, set()

    def __call__(self, result: Result) -> None:
        for message in result.setup:
            if message not in self.said:
                self.said.add(message)
                say(f"build.py: setup: warning: {message}", sys.stderr)
        placeholders = [p for p in result.problems if p.code == "link.placeholder"]
        summed = placeholders and not self.config.check and result.ok
        for problem in result.problems:
            if not (summed and problem in placeholders):
                say(str(problem), sys.stderr)
        if summed:
            first, n = placeholders[0], len(placeholders)
            count = "1 placeholder link (#) has" if n == 1 else f"{n} placeholder links (#) have"
            say(f"{display(first.path)}:{first.line}: warning: {count} no address yet; "
                "--check lists them [link.placeholder]", sys.stderr)  # fmt: skip
        if self.config.check:
            say(f"{display(result.path)}: {tally(result)}")
        elif result.ok:
            out = self.config.target(result.path)
            say(
                f"{display(out)}: {result.pages} pages, {size(result.size)}, {result.seconds:.1f} s"
            )


def tally(*results: Result) -> str:
    """'E errors, W warnings (code n, …)' over some results."""
    problems = [p for r in results for p in r.problems]
    errors = sum(p.level == "error" for p in problems)
    codes = Counter(p.code for p in problems)
    kinds = f" ({', '.join(f'{c} {n}' for c, n in sorted(codes.items()))})" if codes else ""
    return f"{errors} errors, {len(problems) - errors} warnings{kinds}"


def main(argv: list[str] | None = None, session: Session | None = None) -> int:
    """Build, check, watch or start briefs as the command line asks; return the exit status.
    A caller that runs it again in one process may pass its session: what it parsed is kept."""
    cli = parser()
    args = cli.parse_args(argv)
    if args.new is not None or args.word is not None:
        return start(cli, args)
    if args.clean:
        say(f"{display(args.out)}: removed {outputs.clean(args.out)} files the press wrote")
        return 0
    files = args.files or sorted((ROOT / "content").glob("*.md"))
    if args.fix:
        return fix_pasted(files, args.out)
    config = Config(
        out_dir=args.out,
        html=args.html,
        preview=args.preview,
        copy=COPIES[args.copy],
        pdf_variant=args.pdf_variant,
        max_bytes=args.max_size,
        check=args.check,
        strict=args.strict,
        timeout=args.timeout,
        profile=args.profile,
    )
    if (why := outputs.misplaced(config, files)) and not config.check:
        cli.error(why)
    if nameless := [str(path) for path in files if outputs.unnamed(path)]:
        cli.error(f"a brief's name needs letters before '.md': {', '.join(nameless)}")
    if args.changed:
        files = [path for path in files if not outputs.up_to_date(path, config)]
    report = Reporter(config)
    tuning.collect_less()
    with stoppable():
        return run(args, files, config, report, session)


def run(args, files: list[Path], config: Config, report: Reporter, session: Session | None) -> int:
    """Build, check or watch the briefs; the exit status."""
    try:
        if not config.check:
            with tuning.quick_library_lookups():
                system.import_weasyprint()
            tuning.freeze_imports()
        if args.watch:
            tuning.call(series.watch, files, config, report, ROOT / "content")
            return 0
        start = time.perf_counter()
        jobs = 1 if config.check else args.jobs  # checks need no WeasyPrint: not worth a process
        results = tuning.call(series.build_all, files, config, report, jobs, session)
    except SetupError as error:
        say(f"build.py: setup: error: {error}", sys.stderr)
        return 2
    except KeyboardInterrupt:
        say("build.py: stopped (Ctrl-C); nothing half-written is left", sys.stderr)
        return 130
    except Stopped as signal:
        say(f"build.py: stopped ({signal}); nothing half-written is left", sys.stderr)
        return 128 + signal.signum
    if config.check:
        say(f"checked {len(results)}: {tally(*results)}")
    elif len(results) > 1:
        built = [r for r in results if r.ok]
        pages, total = sum(r.pages for r in built), sum(r.size for r in built)
        say(f"built {len(built)}, failed {len(results) - len(built)}, {pages} pages, "
              f"{size(total)}, {time.perf_counter() - start:.1f} s")  # fmt: skip
    return 0 if all(r.ok for r in results) else 1
