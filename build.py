#!/usr/bin/env python3
"""Build CIVICUS Monitor Watchlist briefs: Markdown with front matter → tagged PDF.

    python build.py [FILE ...]        every content/*.md by default; --help for the rest

The pipeline is press/pipeline.py; the command line, press/cli.py.
"""

import signal
import sys

if __name__ == "__main__":  # Ctrl-C while the command is still loading: stop, without a traceback
    signal.signal(signal.SIGINT, signal.SIG_DFL)

try:
    from press import cli, tuning
except ModuleNotFoundError as error:  # run outside the press's venv: one line, as for the machine
    package = (error.name or "a package").split(".")[0]  # markdown, not markdown.preprocessors
    print(f"build.py: setup: error: {package} is not installed; use .venv/bin/python build.py"
          " (`make pdf` makes the venv)", file=sys.stderr)  # fmt: skip
    sys.exit(2)


def main(argv: list[str] | None = None) -> int:
    """The command line (tests call it in-process); returns the exit status."""
    return cli.main(argv)


if __name__ == "__main__":
    tuning.leave(main())
