"""Crash-safe output: every file is written to a temporary name and renamed, and a run folder is built
beside its destination and swapped in whole, with manifest.json written last.

A killed run therefore leaves either the previous complete folder, or no folder, or a complete new one: never
a folder named NAME that looks complete but is not.  After SIGKILL, hidden leftovers may remain beside it:
``.NAME.tmp-*`` (the unfinished new folder) and, if the kill fell between the two renames of the swap,
``.NAME.old-PID`` (the previous results); they are safe to delete.  Ctrl-C (SIGINT) removes them itself.
Runs and sweeps that stream their chunks (:mod:`sim.execution.parts`) build in ``.NAME.partial`` instead, which an
interruption of any kind leaves in place, with complete part files, for ``--resume``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sim.core.contract import MANIFEST
from sim.core.files import OutputError, umask
from sim.core.interrupts import sigint_held


def check_writable(folder: Path) -> None:
    """Raise :class:`OutputError` early (before any simulation) if ``folder`` cannot be created or replaced.

    An existing folder is replaced only if it is an output folder (it holds manifest.json) or is empty: a
    mistyped ``-o .`` or ``-o ~`` must never swap away the user's own files.
    """
    folder = Path(folder)
    try:
        target = folder.resolve()
        exists, is_dir = folder.exists(), folder.is_dir()
        if exists and not is_dir:
            raise OutputError(f"{folder}: exists and is not a folder; choose another output folder")
        cwd = Path.cwd().resolve()
        if target == cwd or target in cwd.parents:
            raise OutputError(f"{folder}: is the current folder or contains it; choose an output folder "
                              "of its own")
        if is_dir and not (folder / MANIFEST).is_file() and any(folder.iterdir()):
            raise OutputError(f"{folder}: exists and is not an output folder of disarm-sim (no {MANIFEST}); "
                              "refusing to replace it: remove it or choose another output folder")
        probe = target.parent
        while not probe.exists():
            probe = probe.parent
    except OSError as exc:
        raise OutputError(f"{folder}: cannot use as the output folder: {exc.strerror or exc}") from None
    if not probe.is_dir():
        raise OutputError(f"{folder}: cannot create it: {probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"{folder}: cannot create it: no permission to write in {probe}")


@contextmanager
def output_folder(folder: Path, staging: Path | None = None) -> Iterator[Path]:
    """Yield a temporary folder beside ``folder``; on success swap it in place of ``folder``.

    The caller writes manifest.json last, inside the block.  On any exception the temporary folder is
    removed and an existing ``folder`` is left untouched.  With ``staging`` (the folder of a
    :class:`sim.execution.parts.PartStore`, which exists already and holds the part files of a streaming job) that folder
    is used instead, and on an exception it is kept: its complete part files let ``--resume`` finish the job.
    """
    folder = Path(folder)
    check_writable(folder)
    if staging is not None:
        tmp = Path(staging)
    else:
        with sigint_held():  # Ctrl-C between mkdtemp and the try below would leave the temporary folder
            try:
                folder.parent.mkdir(parents=True, exist_ok=True)
                tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
                os.chmod(tmp, 0o777 & ~umask())
            except OSError as exc:
                raise OutputError(f"{folder}: cannot create: {exc.strerror or exc}") from None
    try:
        yield tmp
        if not (tmp / MANIFEST).exists():
            raise RuntimeError("output folder closed without a manifest")
    except BaseException:
        if staging is None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    # The swap: Ctrl-C waits until it is over, so that it never leaves the old folder moved aside and the new
    # one not yet in place.  (SIGKILL between the two renames does: then the folder is absent, the previous
    # results are in .NAME.old-PID and the new ones in .NAME.tmp-*.)
    with sigint_held():
        old = None
        try:
            if folder.exists():
                old = folder.parent / f".{folder.name}.old-{os.getpid()}"
                os.replace(folder, old)
            os.replace(tmp, folder)
        except BaseException:
            if old is not None and not folder.exists():
                os.replace(old, folder)
            if staging is None:
                shutil.rmtree(tmp, ignore_errors=True)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


__all__ = ["OutputError", "check_writable", "output_folder"]
