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


class Stopped(BaseException):
    """The process was asked to stop (SIGTERM, SIGHUP): clean up, say so in one line, leave."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def stop(signum, frame) -> None:
    """A signal handler: stop where the process is, through every `finally` on the way."""
    raise Stopped(signum)


@contextlib.contextmanager
def stoppable():
    """Within the block, SIGTERM and SIGHUP stop the work as Ctrl-C (SIGINT) does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
