"""One brief's time limit (--timeout): a build past it stops cleanly, wherever it is."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading


class TimeLimit(BaseException):
    """A build ran past its time limit (a BaseException: WeasyPrint must not swallow it)."""


class Deadline:
    """Interrupt the work inside after so many seconds, or at a signal (main thread only).

    A library may swallow the exception a signal raises (a callback from native code does):
    the deadline remembers it, and `check()` raises it again where the press can act on it.
    """

    def __init__(self, seconds: float):
        self.seconds, self.expired, self.stopped = seconds, False, None

    @contextlib.contextmanager
    def running(self):
        """Run the block under the time limit, stopping at SIGTERM, SIGHUP or Ctrl-C."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def expire(signum, frame):
            self.expired = True
            raise TimeLimit

        def interrupt(signum, frame):
            self.stopped = signum
            raise KeyboardInterrupt if signum == signal.SIGINT else Stopped(signum)

        signals = {signal.SIGALRM: expire} | {s: interrupt for s in STOPPING}
        previous = {signum: signal.signal(signum, handler) for signum, handler in signals.items()}
        if self.seconds:
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        try:
            yield
            self.check()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def check(self) -> None:
        """Stop if a signal struck, even in code that ignored its exception."""
        if self.stopped is not None:
            raise KeyboardInterrupt if self.stopped == signal.SIGINT else Stopped(self.stopped)
        if self.expired:
            raise TimeLimit


STOPPING = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


class Stopped(BaseException):
    """The process was asked to stop (SIGTERM, SIGHUP): clean up, say so in one line, leave."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def stop(signum, frame) -> None:
    """A signal handler: stop where the process is, through every `finally` on the way."""
    raise Stopped(signum)


def quiet_stops(unraisable) -> None:
    """An unraisable-exception hook: a stop raised where Python cannot raise it (a finalizer,
    a native callback) is not printed with its traceback; the command says it stopped, once."""
    if not isinstance(unraisable.exc_value, Stopped | KeyboardInterrupt):
        sys.__unraisablehook__(unraisable)


@contextlib.contextmanager
def stoppable():
    """Within the block, SIGTERM and SIGHUP stop the work as Ctrl-C (SIGINT) does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    sys.unraisablehook = quiet_stops
    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
