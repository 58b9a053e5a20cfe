"""Atomic files: every file is written to a temporary name beside its destination and renamed into place, so
that it is either complete or absent, whatever interrupts the writer."""

from __future__ import annotations

import json
import math
import os
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


__all__ = ["clean_json", "OutputError", "WriteError", "write_failure", "write_atomic", "write_text", "write_json", "write_parquet", "umask"]
