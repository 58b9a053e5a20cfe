"""Crash-safe output: every file is written to a temporary name and renamed, and a run folder is built
beside its destination and swapped in whole, with manifest.json written last.

A killed run therefore leaves either the previous complete folder, or no folder, or a temporary folder
(``.NAME.tmp-*``) without a manifest: never a folder that looks complete but is not.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

MANIFEST = "manifest.json"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` to write a temporary file beside ``path``, then rename it to ``path``."""
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the user's usual mode
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, allow_nan=False) + "\n")


def write_parquet(path: Path, frame: Any) -> None:
    write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))


class OutputError(Exception):
    """The output folder cannot be written."""


def check_writable(folder: Path) -> None:
    """Raise :class:`OutputError` early if ``folder`` cannot be created or replaced."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: exists and is not a folder")
    parent = folder.resolve().parent
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"{folder}: cannot write to {probe}")


@contextmanager
def output_folder(folder: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``folder``; on success swap it in place of ``folder``.

    The caller writes manifest.json last, inside the block.  On any exception the temporary folder is
    removed and an existing ``folder`` is left untouched.
    """
    folder = Path(folder)
    check_writable(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
        os.chmod(tmp, 0o777 & ~_umask())
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create: {exc.strerror or exc}") from None
    try:
        yield tmp
        if not (tmp / MANIFEST).exists():
            raise RuntimeError("output folder closed without a manifest")
        old = None
        if folder.exists():
            old = folder.parent / f".{folder.name}.old-{os.getpid()}"
            os.replace(folder, old)
        os.replace(tmp, folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
