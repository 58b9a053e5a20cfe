"""Crash-safe output: every file is written to a temporary name and renamed, and a run folder is built
beside its destination and swapped in whole, with manifest.json written last.

A killed run therefore leaves either the previous complete folder, or no folder, or a complete new one: never
a folder named NAME that looks complete but is not.  After SIGKILL, hidden leftovers may remain beside it:
``.NAME.tmp-*`` (the unfinished new folder), ``.NAME.lock`` (an empty lock file, which locks nothing once its
process is gone) and, if the kill fell between the two renames of the swap, ``.NAME.old-PID`` (the previous
results); they are safe to delete.  Ctrl-C (SIGINT) removes them itself.  Runs and sweeps that stream their
chunks (:mod:`sim.execution.parts`) build in ``.NAME.partial`` instead, which an interruption of any kind leaves
in place, with complete part files, for ``--resume``.

What may be replaced, decided here before any simulation (:func:`check_writable`):

* an existing folder only if it is empty or provably disarm-sim's output (:mod:`sim.output.ownership`): a
  folder holding files disarm-sim did not write is refused, naming them;
* never the current folder or one of its parents;
* never a symbolic link.  Decision: ``-o LINK`` is refused rather than followed.  Replacing the link by a
  folder breaks what the user set up; following it would build and swap folders beside the link's target,
  somewhere the command line never named (a dangling link, planted in a shared folder, could point anywhere).
  Links among the folders *above* the output folder are followed as usual (``/tmp`` is a link on some
  systems), but one that leads nowhere (dangling, or a loop) is refused, naming it;
* a folder name too long to leave room for the hidden names beside it (``.NAME.old-PID``).

Two processes never write one folder at once: :func:`writing` holds an exclusive ``flock`` on ``.NAME.lock``
beside the folder from the check before the simulation until the new folder is swapped in, and a second
writer is refused (exit code 2), naming the folder.  :func:`output_folder` takes the same lock (a job already
holds it: one thread's nested holds are one), so a save from Python (``Results.save``) is locked too, and
``disarm plot`` takes it while it redraws.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sim.core.contract import MANIFEST
from sim.core.files import OutputError, umask, write_failure
from sim.core.interrupts import sigint_held
from sim.output.ownership import check_replaceable

NAME_MAX_BYTES = 255
"""The longest file name of the common file systems (ext4, XFS, btrfs, APFS, NTFS)."""

MAX_FOLDER_NAME_BYTES = NAME_MAX_BYTES - len(".") - len(".old-") - 12
"""The longest output folder name: ``.NAME.old-PID`` (a PID of up to 12 digits), the longest hidden name made
beside it, must fit in :data:`NAME_MAX_BYTES` too (237 bytes)."""

LOCK_ATTEMPTS = 5
"""How often to retry taking a lock whose file the previous holder removed as we opened it."""


def check_writable(folder: Path) -> None:
    """Raise :class:`OutputError` early (before any simulation) if ``folder`` cannot be created or replaced.

    An existing folder is replaced only if it is empty or provably disarm-sim's output (every file in it one
    disarm-sim wrote): a mistyped ``-o .`` or ``-o ~``, or a folder that happens to hold a manifest.json,
    must never swap away the user's own files.  A symbolic link is refused (see the module's docstring).
    """
    folder = Path(folder)
    try:
        _check_links(folder)
        target = folder.resolve()
        exists, is_dir = folder.exists(), folder.is_dir()
        if exists and not is_dir:
            raise OutputError(f"{folder}: exists and is not a folder; choose another output folder")
        cwd = Path.cwd().resolve()
        if target == cwd or target in cwd.parents:
            raise OutputError(f"{folder}: is the current folder or contains it; choose an output folder "
                              "of its own")
        size = len(os.fsencode(folder.name))
        if size > MAX_FOLDER_NAME_BYTES:
            raise OutputError(f"{folder}: cannot use as the output folder: its name is too long ({size} bytes; "
                              f"at most {MAX_FOLDER_NAME_BYTES}, which leaves room for the hidden .NAME.partial, "
                              ".NAME.tmp-* and .NAME.old-* beside it)")
        if is_dir:
            check_replaceable(folder)
        probe = target.parent
        while not probe.exists():
            probe = probe.parent
    except OSError as exc:
        raise OutputError(f"{folder}: cannot use as the output folder: {exc.strerror or exc}") from None
    except RuntimeError:  # Path.resolve on a loop of links (Python 3.11; later versions raise OSError ELOOP)
        raise OutputError(f"{folder}: cannot use as the output folder: a loop of symbolic links") from None
    if not probe.is_dir():
        raise OutputError(f"{folder}: cannot create it: {probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"{folder}: cannot create it: no permission to write in {probe}")


def _check_links(folder: Path) -> None:
    """Refuse ``folder`` if it is a symbolic link, or if a folder above it is a link that leads nowhere."""
    if folder.is_symlink():
        raise OutputError(f"{folder}: is a symbolic link (to {os.readlink(folder)}); disarm-sim neither replaces "
                          "a link nor writes through it: give the folder itself or another output folder")
    for above in reversed(folder.parents):  # the outermost first: the one that breaks the path
        if os.path.lexists(above) and not os.path.exists(above):
            try:
                os.stat(above)
                why = "it leads nowhere"
            except OSError as exc:
                why = "a loop of symbolic links" if exc.errno == errno.ELOOP else "its target does not exist"
            raise OutputError(f"{folder}: cannot create it: {above} is a symbolic link that leads nowhere ({why})")


# ------------------------------------------------------------------------------------------------------
# The lock: one writer per folder
# ------------------------------------------------------------------------------------------------------

_held: dict[str, tuple[int, int, int]] = {}
"""The locks this process holds: lock file -> (descriptor, holding thread, depth of nested holds)."""
_held_guard = threading.Lock()


def lock_path(folder: Path) -> Path:
    """The lock file of the output folder ``folder``: ``.NAME.lock`` beside it."""
    folder = Path(folder)
    return folder.parent / f".{folder.name}.lock"


def _busy(folder: Path, path: Path) -> OutputError:
    return OutputError(f"{folder}: another disarm-sim process is writing this output folder (its lock {path} is "
                       "held); wait for it to finish or choose another output folder")


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the exclusive lock of ``folder`` (``flock`` on ``.NAME.lock``) for the block; :class:`OutputError`
    at once if another process (or another thread) holds it.  Nested holds by one thread are one hold: a job
    locks its folder before simulating, and the save inside it locks the same folder again.

    The lock file is removed on release.  Whoever opened it just before may then lock a removed file: the
    lock is taken only once the file locked is still the one at ``.NAME.lock``."""
    folder = Path(folder)
    path = lock_path(folder)
    key = os.path.join(os.path.realpath(path.parent), path.name)
    me = threading.get_ident()
    holding = False
    try:
        with sigint_held():  # a Ctrl-C held here is delivered on leaving, once ``holding`` says to release
            with _held_guard:
                held = _held.get(key)
                if held is not None:
                    if held[1] != me:
                        raise _busy(folder, path)
                    _held[key] = (held[0], me, held[2] + 1)
            if held is None:
                fd = _acquire(folder, path)
                with _held_guard:
                    _held[key] = (fd, me, 1)
            holding = True
        yield
    finally:
        if holding:
            _release(key, path)


def _release(key: str, path: Path) -> None:
    """Undo one hold of the lock ``key``; the last one removes the lock file (while it is still locked: see
    :func:`folder_lock`) and unlocks."""
    with sigint_held(), _held_guard:
        fd, me, depth = _held[key]
        if depth > 1:
            _held[key] = (fd, me, depth - 1)
            return
        del _held[key]
        try:
            os.unlink(path)
        except OSError:
            pass
        os.close(fd)


def _acquire(folder: Path, path: Path) -> int:
    """Lock ``path`` (created if need be); returns its descriptor."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create it: {exc.strerror or exc}") from None
    for _ in range(LOCK_ATTEMPTS):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666 & ~umask())
        except OSError as exc:
            raise OutputError(f"{folder}: cannot create its lock file {path}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            same = os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=False))
        except BlockingIOError:
            os.close(fd)
            raise _busy(folder, path) from None
        except FileNotFoundError:
            same = False
        except OSError as exc:  # e.g. ENOLCK: a network file system without locks
            os.close(fd)
            raise OutputError(f"{folder}: cannot lock {path}: {exc.strerror or exc}") from None
        if same:
            return fd
        os.close(fd)
    raise _busy(folder, path)


@contextmanager
def writing(folder: Path) -> Iterator[None]:
    """Check that ``folder`` may be written (:func:`check_writable`) and hold its lock for the block: a job
    holds it from before it simulates until its folder is swapped in."""
    check_writable(folder)
    with folder_lock(folder):
        yield


# ------------------------------------------------------------------------------------------------------
# Building a folder and swapping it in
# ------------------------------------------------------------------------------------------------------


@contextmanager
def output_folder(folder: Path, staging: Path | None = None) -> Iterator[Path]:
    """Yield a temporary folder beside ``folder``; on success swap it in place of ``folder``.

    The caller writes manifest.json last, inside the block.  On any exception the temporary folder is
    removed and an existing ``folder`` is left untouched.  With ``staging`` (the folder of a
    :class:`sim.execution.parts.PartStore`, which exists already and holds the part files of a streaming job) that folder
    is used instead, and on an exception it is kept: its complete part files let ``--resume`` finish the job.
    The folder's lock is held throughout, and the checks of :func:`check_writable` are made again first (a
    file the user put into the old folder while the job ran stops the swap).
    """
    folder = Path(folder)
    with writing(folder):
        with _building(folder, staging) as tmp:
            yield tmp
            if not (tmp / MANIFEST).exists():
                raise RuntimeError("output folder closed without a manifest")
        _swap(folder, tmp, staging)


@contextmanager
def _building(folder: Path, staging: Path | None) -> Iterator[Path]:
    """The folder the new one is built in: ``staging``, or a new ``.NAME.tmp-*`` removed on an exception."""
    if staging is not None:
        yield Path(staging)
        return
    with sigint_held():  # Ctrl-C between mkdtemp and the try below would leave the temporary folder
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
            os.chmod(tmp, 0o777 & ~umask())
        except OSError as exc:
            raise write_failure(folder, exc) from None
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(folder: Path, tmp: Path, staging: Path | None) -> None:
    """Put ``tmp`` in place of ``folder``.  Ctrl-C waits until it is over, so that it never leaves the old
    folder moved aside and the new one not yet in place.  (SIGKILL between the two renames does: then the
    folder is absent, the previous results are in .NAME.old-PID and the new ones in .NAME.tmp-*.)"""
    try:
        check_writable(folder)  # again: the user may have put a file into the old folder while the job ran
    except BaseException:
        if staging is None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    with sigint_held():
        old = None
        try:
            if folder.exists():
                old = folder.parent / f".{folder.name}.old-{os.getpid()}"
                if old.exists() or old.is_symlink():  # a leftover of a killed process of the same pid (a
                    shutil.rmtree(old, ignore_errors=True)  # container's): ours to remove, under the lock
                os.replace(folder, old)
            os.replace(tmp, folder)
        except BaseException as exc:
            if old is not None and not folder.exists():
                os.replace(old, folder)
            if staging is None:
                shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(exc, OSError):
                raise write_failure(folder, exc) from None
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


__all__ = ["OutputError", "check_writable", "output_folder", "writing", "folder_lock", "lock_path",
           "MAX_FOLDER_NAME_BYTES"]
