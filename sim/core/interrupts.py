"""Ctrl-C held back while a step must not be cut in two (starting workers, a folder's swap, an executor's wait),
and SIGTERM made to behave as Ctrl-C on the command line."""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from typing import Any, Iterator

_terminated: list[int] = []
"""The SIGTERMs the command line turned into interrupts (see :func:`sigterm_interrupts`)."""


def _on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM as the command line handles it: remembered (the exit code is then 143) and raised as Ctrl-C."""
    _terminated.append(signum)
    raise KeyboardInterrupt


def sigterm_interrupts() -> None:
    """From now on SIGTERM ends the process as Ctrl-C does: a ``KeyboardInterrupt`` (held back by
    :func:`sigint_held` like Ctrl-C), so what is finished is saved and the command says so; :func:`terminated`
    then tells the command line to exit with 143 (128 + SIGTERM) instead of 130.

    Why: batch schedulers (SLURM, Kubernetes, systemd) stop a job with SIGTERM before they kill it, and a job
    that is requeued after a SIGTERM must find its saved chunks and the message saying how to finish.  Only
    the command line installs this; the Python API leaves SIGTERM to the program that uses it.  SIGTERM is
    raised directly rather than re-sent as SIGINT: a background job (``cmd &`` in a script) starts with SIGINT
    ignored, and SIGTERM must work there too.
    """
    signal.signal(signal.SIGTERM, _on_sigterm)


def terminated() -> bool:
    """Whether a SIGTERM has interrupted this process (once :func:`sigterm_interrupts` is installed)."""
    return bool(_terminated)


@contextmanager
def sigint_held() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT), and SIGTERM where a Python handler turns it into an interrupt, back during steps
    that must not be cut in two; what came meanwhile is delivered on leaving.

    Two things are held.  The signal mask (SIGINT only), which child processes started meanwhile inherit, so a
    Ctrl-C cannot reach them before they ignore SIGINT.  And Python's handlers: blocking the mask only stops
    the signal arriving in this thread, yet Python runs its handler in the main thread whichever thread the
    signal arrived in (another thread, started with SIGINT unblocked, can receive it).  So, in the main
    thread, the handlers are swapped for one that only notes the signal, and the original handlers are
    called on leaving.  That matters inside ``concurrent.futures``: a KeyboardInterrupt raised while ``wait()``
    holds the futures' locks leaves one of them held for ever, and the pool's manager thread, and with it the
    pool's shutdown, then waits on it for ever (CI once hung that way).

    SIGTERM is never blocked in the mask: the pool's workers, started meanwhile, must stay killable by it (the
    pool itself stops a broken pool's workers with SIGTERM).  Its handler is swapped only when it is a Python
    function (the command line's, :func:`sigterm_interrupts`); Python's default (die) is left alone.
    """
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not on POSIX
        yield
        return
    in_main_thread = threading.current_thread() is threading.main_thread()
    noted: list[int] = []
    previous: dict[int, Any] = {}
    if in_main_thread:
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, lambda signum, frame: noted.append(signum))
        if callable(signal.getsignal(signal.SIGTERM)):
            previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, lambda signum, frame: noted.append(signum))
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        # Unblocking runs the noting handler at once for a SIGINT that waited in the mask (CPython checks for
        # signals on leaving pthread_sigmask); only then are the original handlers put back and called:
        # SIGTERM first, so that an interrupt that was both is remembered as a SIGTERM (its exit code).
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        if in_main_thread:
            for signum, handler in previous.items():
                signal.signal(signum, handler if handler is not None else _python_default(signum))
            for signum in sorted(set(noted), key=lambda s: s != signal.SIGTERM):
                _deliver(signum, previous.get(signum))


def _python_default(signum: int) -> Any:
    return signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL


def _deliver(signum: int, handler: Any) -> None:
    """Do what ``handler`` (as ``signal.signal`` returned it) does on ``signum``."""
    if handler is None:  # installed from outside Python: treat it as Python's default
        handler = _python_default(signum)
    if handler == signal.SIG_IGN:
        return
    if handler == signal.SIG_DFL:
        os.kill(os.getpid(), signum)
        return
    handler(signum, None)


__all__ = ["sigint_held", "sigterm_interrupts", "terminated"]
