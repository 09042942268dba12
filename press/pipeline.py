"""One brief, one way through four stages with checks between them: read (front matter,
validated) → convert (Markdown → sanitized HTML) → render (the Jinja layout) → print (WeasyPrint
→ PDF). `build()` shows every stage and check in order; nothing is written unless all is well.
"""

from __future__ import annotations

import time
from pathlib import Path

from . import outputs
from .checks import page, pdf, source
from .config import Config
from .convert import convert
from .deadline import Deadline, TimeLimit
from .frontmatter import read
from .problems import ERROR, BriefError, Problem, Result, SetupError, has_errors
from .render import render
from .session import Session


def build(path: Path, config: Config, session: Session) -> Result:
    """Read, convert, check, render and print one brief; write its outputs only when all is well."""
    start, problems, deadline = time.perf_counter(), [], Deadline(config.timeout)
    inputs, printed = frozenset([path.resolve()]), None
    try:
        with deadline.running():
            brief = read(path)  # 1. front matter split off and validated
            language = session.language(brief.meta["lang"])
            body = convert(brief, config, language)  # 2. Markdown → sanitized HTML, and its facts
            inputs |= frozenset(source.image_paths(brief, body))
            problems += source.run(source.Source(brief, body, language, config.check))
            env = session.templates(config.templates, language)
            html = render(brief, body, env, language, config.copy)  # 3. the layout, the copy's
            problems += page.run(page.Laid(brief, body, html, session.coverage(config), config))
            if not (config.check or stops(problems, config)):
                lines = source.image_lines(body)
                printed = session.engine().print(brief, html, config, lines)  # 4. WeasyPrint → PDF
                problems += printed.problems
                problems += pdf.run(pdf.Printed(brief, printed.pdf, config))
            problems = verdict(problems, config)
            if config.check or has_errors(problems):  # the one decision: write all, or nothing
                return Result(path, problems, inputs=inputs, setup=printed.setup if printed else [])
            files = {config.target(path): printed.pdf}
            if config.html:
                files |= outputs.html_copy(brief, html, config, session.engine().fonts)
            previews, stem = config.out_dir / "preview", config.target(path).stem
            if config.preview:
                files |= outputs.previews(printed.pdf, stem, previews)
    except (TimeLimit, BriefError) as error:
        if deadline.stopped is not None:  # a signal struck, and something reported it otherwise
            deadline.check()
        if deadline.expired:  # WeasyPrint may report the interrupted work as a failure of its own
            message = (
                f"the build took longer than {config.timeout:g} s (--timeout); nothing written"
            )
            return Result(path, [Problem(path, 1, ERROR, "limit.time", message)], inputs=inputs)
        return Result(path, verdict([*problems, error.problem], config), inputs=inputs)
    except SetupError:
        raise
    except Exception as error:  # a bug of ours: one line, and the other briefs still build
        deadline.check()
        message = f"internal error ({type(error).__name__}: {error}); please report it"
        return Result(path, [Problem(path, 1, ERROR, "internal", message)], inputs=inputs)
    try:
        outputs.commit(files, config.out_dir)
    except outputs.Foreign as error:  # never replaced: the press writes nothing this time
        message = f"{error.filename} was not written by the press and stays; move it or use -o"
        return Result(path, [*problems, Problem(path, 1, ERROR, "output.foreign", message)])
    except OSError as error:
        message = f"cannot write {error.filename or config.out_dir}: {error.strerror or error}"
        return Result(path, [*problems, Problem(path, 1, ERROR, "output.write", message)])
    if config.preview:
        outputs.remove_stale_previews(previews, stem, printed.pages)
    seconds = time.perf_counter() - start
    return Result(path, problems, printed.pages, len(printed.pdf), seconds, inputs, printed.setup)


def stops(problems: list[Problem], config: Config) -> bool:
    """Whether these problems stop the brief: errors, or in strict mode any but advice."""
    return has_errors(problems) or (config.strict and any(p.strict for p in problems))


def verdict(problems: list[Problem], config: Config) -> list[Problem]:
    """The problems as reported, in the order of the file: in strict mode each an error but
    advice (an image a print shop would rather have sharper, `engine.resolutions`)."""
    problems = sorted(problems, key=lambda p: (str(p.path), p.line, p.column or 0))
    return [p.in_strict_mode() for p in problems] if config.strict else problems
