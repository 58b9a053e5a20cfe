"""Progress: a Rich bar on a terminal; plain log lines elsewhere (logs, ``nohup``, batch jobs).

Off a terminal a bar would fill a log with control codes, and no progress at all leaves a batch user unable to
tell a slow job from a hung one.  So a line goes to standard error at every tenth of the work (and at the end):
``syria_2013: replications: 250/500 (50%) after 12 s``.  ``--quiet`` prints neither.
"""

from __future__ import annotations

import sys
import time
from contextlib import nullcontext
from typing import Any, Callable, TextIO

LOG_STEPS = 10
"""Lines a job logs off a terminal: one per tenth of the work (the last is the end)."""


class LogLines:
    """``advance(n)`` that writes a line each time the work done crosses another tenth of ``total``."""

    def __init__(self, total: int, label: str, stream: TextIO, clock: Callable[[], float] = time.monotonic):
        self.total, self.label, self.stream, self.clock = max(int(total), 0), label, stream, clock
        self.done = 0
        self.logged_steps = 0
        self.started = clock()

    def __enter__(self) -> Callable[[int], None]:
        return self.advance

    def __exit__(self, *exc: Any) -> None:
        return None

    def advance(self, n: int) -> None:
        self.done += int(n)
        if self.total <= 0:
            return
        step = min(LOG_STEPS, self.done * LOG_STEPS // self.total)
        if step > self.logged_steps:
            self.logged_steps = step
            seconds = self.clock() - self.started
            percent = 100 * min(self.done, self.total) // self.total
            self.stream.write(f"{self.label}: {min(self.done, self.total)}/{self.total} ({percent}%) "
                              f"after {seconds:.0f} s\n")
            self.stream.flush()


def progress(total: int, label: str, quiet: bool = False) -> Any:
    """A context manager yielding ``advance(n)``: a Rich progress bar on standard error when it is a terminal,
    a log line per tenth of the work when it is not, nothing with ``quiet``."""
    if quiet:
        return nullcontext(lambda n: None)
    if not sys.stderr.isatty():
        return LogLines(total, label, sys.stderr)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    class _Bar:
        def __enter__(self):
            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeRemainingColumn(), transient=True, console=Console(stderr=True))
            self.progress.__enter__()
            task = self.progress.add_task(label, total=total)
            return lambda n: self.progress.advance(task, n)

        def __exit__(self, *exc):
            return self.progress.__exit__(*exc)

    return _Bar()


__all__ = ["progress", "LogLines", "LOG_STEPS"]
