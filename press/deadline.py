"""One brief's time limit (--timeout): a build past it stops cleanly, wherever it is."""

from __future__ import annotations

import contextlib
import signal
import threading


class TimeLimit(BaseException):
    """A build ran past its time limit (a BaseException: WeasyPrint must not swallow it)."""


class Deadline:
    """Interrupt the work inside after so many seconds (main thread only, where signals go)."""

    def __init__(self, seconds: float):
        self.seconds, self.expired = seconds, False

    @contextlib.contextmanager
    def running(self):
        """Run the block under the time limit."""
        if not self.seconds or threading.current_thread() is not threading.main_thread():
            yield
            return

        def expire(signum, frame):
            self.expired = True
            raise TimeLimit

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        self.check()

    def check(self) -> None:
        """Stop if the limit passed (the signal may have struck in code that ignores exceptions)."""
        if self.expired:
            raise TimeLimit
