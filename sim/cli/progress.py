"""Progress: a Rich bar on a terminal, nothing otherwise."""

from __future__ import annotations

import sys
from typing import Any


def progress(total: int, label: str, quiet: bool = False) -> Any:
    """A context manager yielding ``advance(n)``: a Rich progress bar on standard error when it is a terminal
    (and not ``quiet``), a no-op otherwise."""
    from contextlib import nullcontext

    if quiet or not sys.stderr.isatty():
        return nullcontext(lambda n: None)
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


__all__ = ["progress"]
