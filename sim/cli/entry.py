"""The entry point of the ``disarm`` console script and ``python -m sim``: runs the app and makes sure that
Ctrl-C, at any moment, ends the command with one line and exit code 130, and anything unforeseen with one line
and exit code 1 (``DISARM_DEBUG=1`` shows the traceback)."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any, NoReturn

import sim.cli.commands  # noqa: F401 - registers the commands on the app
from sim.cli.app import EXIT_INTERRUPTED, CommandState, app, error


def _ignore_interrupts() -> None:
    """From here on the process is only exiting: a late Ctrl-C must not break that with a traceback."""
    import signal

    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
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
        os.kill(os.getpid(), signal.SIGINT)

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
    KeyboardInterrupt into exit code 130) or from here.  Once the command is over, further Ctrl-C are ignored
    while the process exits.
    """
    # The command line chooses matplotlib's backend for itself (files only, no display), before anything imports
    # matplotlib; the library never does (see sim.charts.style).
    os.environ.setdefault("MPLBACKEND", "Agg")
    state = CommandState()

    def interrupted() -> str:
        note = state.saved_note()
        return f"interrupted; {note}" if note else "interrupted"

    _redeliver_swallowed_interrupts()
    try:
        try:
            app(obj=state)
        finally:
            _ignore_interrupts()
    except KeyboardInterrupt:
        error(interrupted())
        sys.exit(EXIT_INTERRUPTED)
    except SystemExit as exc:
        if exc.code == EXIT_INTERRUPTED:
            error(interrupted())
        raise
    except BaseException as exc:  # noqa: BLE001 - the last line of defence: one line, exit 1
        if os.environ.get("DISARM_DEBUG"):
            traceback.print_exc()
        error(f"error: {type(exc).__name__}: {' '.join(str(exc).split())} (set DISARM_DEBUG=1 for the traceback)")
        sys.exit(1)
    sys.exit(0)


__all__ = ["main"]
