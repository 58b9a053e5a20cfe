"""The entry point of the ``disarm`` console script and ``python -m sim``: runs the app and makes sure that
Ctrl-C, at any moment, ends the command with one line and exit code 130 (SIGTERM likewise, with exit code 143),
and anything unforeseen with one line and exit code 1 (``DISARM_DEBUG=1`` shows the traceback)."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any, NoReturn

import sim.cli.commands  # noqa: F401 - registers the commands on the app
import sim.cli.search_commands  # noqa: F401 - registers redteam and blueteam
import sim.cli.serve  # noqa: F401 - registers disarm serve
from sim.cli.app import EXIT_INTERRUPTED, EXIT_TERMINATED, CommandState, app, error
from sim.core.interrupts import sigterm_interrupts, terminated


_EXITING: list[bool] = []
"""Non-empty once the command is over (:func:`_ignore_interrupts`): a swallowed interrupt is then not sent again."""


def _ignore_interrupts() -> None:
    """From here on the process is only exiting: a late Ctrl-C or SIGTERM must not break that with a
    traceback."""
    import signal

    _EXITING.append(True)

    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    except ValueError:  # pragma: no cover - not the main thread
        pass


def _redeliver_swallowed_interrupts() -> None:
    """Ctrl-C can land in a ``__del__`` or a weakref callback (garbage collection inside pandas or matplotlib),
    where Python cannot raise it: it would print "Exception ignored ... KeyboardInterrupt" and carry on as if
    nothing had happened.  Deliver such an interrupt again instead, so that it ends the command normally."""
    import _thread
    import signal
    import time

    previous = sys.unraisablehook

    def resend() -> None:
        time.sleep(0.01)  # let the hook return first
        if not _EXITING:  # once the command is over, Python's shutdown may restore the default handlers: a
            os.kill(os.getpid(), signal.SIGTERM if terminated() else signal.SIGINT)  # signal would kill it (-2)

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            # Not from here, where Python would run the handler at once, inside this hook: from a bare thread
            # (threading.Thread.start waits, and could be interrupted), a moment later.  Should that land in a
            # callback again, it comes back here and is sent again.
            _thread.start_new_thread(resend, ())
            return
        previous(unraisable)

    sys.unraisablehook = hook


def main() -> NoReturn:
    """Entry point of the ``disarm`` console script and ``python -m sim``.

    Ctrl-C at any moment ends the command with one line, ``interrupted`` (and what is saved for ``--resume``),
    and exit code 130: from a command body (:func:`sim.cli.app.guard`), from typer itself (which turns a stray
    KeyboardInterrupt into exit code 130) or from here.  SIGTERM (a batch scheduler stopping the job, ``kill``)
    does the same, saying ``terminated`` and with exit code 143 (128 + 15), so a requeued job finds its saved
    chunks.  Once the command is over, further Ctrl-C and SIGTERM are ignored while the process exits.
    """
    # The command line chooses matplotlib's backend for itself (files only, no display), before anything imports
    # matplotlib; the library never does (see sim.charts.style).
    os.environ.setdefault("MPLBACKEND", "Agg")
    sigterm_interrupts()
    state = CommandState()

    def interrupted() -> str:
        word = "terminated" if terminated() else "interrupted"
        note = state.saved_note()
        return f"{word}; {note}" if note else word

    def exit_code() -> int:
        return EXIT_TERMINATED if terminated() else EXIT_INTERRUPTED

    _redeliver_swallowed_interrupts()
    try:
        try:
            app(obj=state)
        finally:
            _ignore_interrupts()
    except KeyboardInterrupt:
        error(interrupted())
        sys.exit(exit_code())
    except SystemExit as exc:
        if exc.code == EXIT_INTERRUPTED:
            error(interrupted())
            sys.exit(exit_code())
        raise
    except BaseException as exc:  # noqa: BLE001 - the last line of defence: one line, exit 1
        if os.environ.get("DISARM_DEBUG"):
            traceback.print_exc()
        error(f"error: {type(exc).__name__}: {' '.join(str(exc).split())} (set DISARM_DEBUG=1 for the traceback)")
        sys.exit(1)
    sys.exit(0)


__all__ = ["main"]
