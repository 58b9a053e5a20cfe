"""Atomic files: every file is written to a temporary name beside its destination and renamed into place, so
that it is either complete or absent, whatever interrupts the writer.  And the other way round: every input file
is read only if it is a regular file (:func:`read_regular_file`), never a FIFO, a device or a pipe."""

from __future__ import annotations

import errno
import json
import math
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np


class OutputError(Exception):
    """An output file or folder cannot be written (bad input: the message says where and why)."""


class WriteError(Exception):
    """A file could not be written while a command worked (disk full, quota exceeded, an I/O error): not bad
    input, since the same command succeeds once there is room, so the command line ends with exit code 1 and
    one line naming the file (and, for a job with part files, how ``--resume`` finishes it).  The folder being
    written is never left half-written: it is built beside its destination and swapped in only when complete."""


def write_failure(path: Path, exc: OSError) -> WriteError:
    """The one-line :class:`WriteError` of ``exc`` while writing ``path``: the system's words for its error
    number (pyarrow wraps them in its own, "Error writing bytes to file. Detail: [errno 28] ...")."""
    reason = os.strerror(exc.errno) if exc.errno else " ".join(str(exc).split())
    return WriteError(f"{path}: cannot write: {reason}")


# ------------------------------------------------------------------------------------------------------
# Reading inputs: regular files only
# ------------------------------------------------------------------------------------------------------


class InputFileError(OSError):
    """An input path that cannot be read as a file.  ``reason`` says why in words ("no such file", "is a pipe
    ..., not a regular file"); ``mode`` is the file's ``st_mode`` when it exists but is no regular file."""

    def __init__(self, reason: str, mode: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.mode = mode


def file_kind(mode: int) -> str:
    """What a file of mode ``mode`` (``os.stat(...).st_mode``) is, in words: "a directory", "a pipe", ..."""
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a pipe (a FIFO, or <(...) process substitution)"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    for test, words in kinds:
        if test(mode):
            return words
    return "a regular file" if stat.S_ISREG(mode) else "a special file"


def path_reason(exc: BaseException) -> str:
    """Why a path cannot be opened, in words (an OSError or the ValueError of a NUL character)."""
    if isinstance(exc, ValueError):
        return "the path contains a NUL character" if "null" in str(exc) else str(exc)
    if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
        return "a loop of symbolic links"
    if getattr(exc, "errno", None) == errno.ENOENT:
        return "no such file"
    if getattr(exc, "errno", None) == errno.ENOTDIR:
        return "no such file (a part of the path is not a folder)"
    return getattr(exc, "strerror", None) or str(exc)


def regular_file_stat(path: Path) -> os.stat_result:
    """``os.stat`` of an input file (symbolic links followed); :class:`InputFileError` unless it is a regular file.

    Every input is checked with this *before* it is opened: opening a FIFO for reading waits for a writer (the
    command hung), and a device such as /dev/zero or a pipe never ends.  Such paths are refused, whatever they
    hold, with what they are in the message ("is a pipe ..., not a regular file").
    """
    try:
        info = os.stat(path)
    except (OSError, ValueError) as exc:
        raise InputFileError(path_reason(exc)) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError(f"is {file_kind(info.st_mode)}, not a regular file", info.st_mode)
    return info


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes + 1`` of them (the caller refuses more).

    Checked with :func:`regular_file_stat` before it is opened, then opened without blocking (``O_NONBLOCK``:
    a FIFO put in its place in between cannot make the open wait) and checked again on the open descriptor,
    so what is read is the regular file that was checked.  :class:`InputFileError` says why a path is refused.
    """
    regular_file_stat(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError) as exc:
        raise InputFileError(path_reason(exc)) from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputFileError(f"is {file_kind(mode)}, not a regular file", mode)
        try:
            return handle.read(max_bytes + 1)
        except OSError as exc:
            raise InputFileError(f"cannot read: {exc.strerror or exc}") from None


def umask() -> int:
    """The process's file-creation mask (read without changing it for good)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` to write a temporary file beside ``path``, then rename it to ``path``.

    An OSError on the way (a full disk, ENOSPC; a quota, EDQUOT; an I/O error) becomes a :class:`WriteError`
    naming ``path``, and the temporary file is removed."""
    path = Path(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise write_failure(path, exc) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes 0600; give the file the user's usual mode
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise write_failure(path, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, allow_nan=False) + "\n")


def write_parquet(path: Path, frame: Any) -> None:
    write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))

def clean_json(value: Any) -> Any:
    """NumPy scalars to Python, NaN and infinities to None: JSON without surprises."""
    if isinstance(value, dict):
        return {str(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return [clean_json(v) for v in value.tolist()]
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


__all__ = ["clean_json", "OutputError", "WriteError", "write_failure", "write_atomic", "write_text", "write_json",
           "write_parquet", "umask", "InputFileError", "file_kind", "path_reason", "regular_file_stat",
           "read_regular_file"]
