"""Ctrl-C held back while a step must not be cut in two (starting workers, a folder's swap, an executor's wait)."""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from typing import Any, Iterator


@contextmanager
def sigint_held() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back during steps that must not be cut in two; it is delivered on leaving.

    Two things are held.  The signal mask, which child processes started meanwhile inherit, so a Ctrl-C cannot
    reach them before they ignore SIGINT.  And Python's handler: blocking the mask only stops the signal
    arriving in this thread, yet Python runs its handler in the main thread whichever thread the signal
    arrived in (another thread, started with SIGINT unblocked, can receive it).  So, in the main thread, the
    handler is swapped for one that only notes the signal, and the original handler is called on leaving.
    That matters inside ``concurrent.futures``: a KeyboardInterrupt raised while ``wait()`` holds the futures'
    locks leaves one of them held for ever, and the pool's manager thread, and with it the pool's shutdown,
    then waits on it for ever (CI once hung that way).
    """
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not on POSIX
        yield
        return
    in_main_thread = threading.current_thread() is threading.main_thread()
    noted: list[int] = []
    previous: Any = None
    if in_main_thread:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: noted.append(signum))
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        # Unblocking runs the noting handler at once for a SIGINT that waited in the mask (CPython checks for
        # signals on leaving pthread_sigmask); only then is the original handler put back and called.
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        if in_main_thread:
            signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
            if noted:
                _deliver_sigint(previous)


def _deliver_sigint(handler: Any) -> None:
    """Do what ``handler`` (as ``signal.signal`` returned it) does on SIGINT."""
    if handler is None:  # installed from outside Python: treat it as Python's default
        handler = signal.default_int_handler
    if handler == signal.SIG_IGN:
        return
    if handler == signal.SIG_DFL:
        os.kill(os.getpid(), signal.SIGINT)
        return
    handler(signal.SIGINT, None)


__all__ = ["sigint_held"]
