"""Part files: a run or sweep streams each finished chunk to disk, so that nothing finished is ever lost.

While ``disarm run -o DIR`` (or ``disarm sweep``) works, its results go to a staging folder beside the
output folder, ``.DIR.partial``::

    .DIR.partial/
        job.json                 what is being computed: its identity, the chunk size, the number of tasks
        parts/runs-000003.parquet    one file per finished chunk (written to a temporary name and renamed,
        parts/bands-000003.parquet   so each is complete or absent)
        failures.json            replications that raised, if any (point, replication, seed, message)

The output folder itself is untouched until the end: the final tables are written into the staging folder,
the part files are removed, manifest.json is written last and the staging folder is swapped in whole
(:func:`sim.output.folders.output_folder`).  An interrupted job (Ctrl-C, a killed process, a lost cluster) leaves
the staging folder with complete part files and no manifest; ``--resume`` with the same output folder runs
only the chunks that have no part file, and ends with results identical to an uninterrupted run.

A job's **identity** is everything its results depend on: the resolved scenario (or sweep), the seed, the
number of replications, the version of disarm-sim, a hash of the code that computes results
(:func:`code_hash`) and the versions of the libraries whose numbers it uses (:func:`library_versions`: NumPy's
random generators, SimPy's event order).  ``--resume`` refuses a staging folder of another job, naming what
differs.  The chunk size is kept in job.json and reused, whatever ``--workers`` or ``--scheduler`` the
resumed run uses.  A lock on the staging folder keeps two processes from writing the same output at once.

Saved chunks are never discarded silently: a job started without ``--resume`` over a staging folder that holds
saved chunks is refused (:class:`ResumeError`, exit 2) unless it was asked to start afresh (``--fresh``).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from sim.core.contract import MANIFEST
from sim._version import __version__
from sim.core.files import OutputError, write_json, write_parquet

JOB_FILE = "job.json"
FAILURES_FILE = "failures.json"
PARTS = "parts"
FORMAT = 1

RESULT_CODE = ("model", "scenario", "core/contract.py", "core/streams.py", "results/bands.py",
               "results/tables.py", "execution/replicate.py", "execution/runs.py")
"""The parts of the package whose code decides the numbers (a folder counts whole)."""


class ResumeError(Exception):
    """The staging folder cannot be used as asked (another job, another process): bad input, exit 2."""


@functools.lru_cache(maxsize=1)
def code_hash() -> str:
    """SHA-256 of the source of :data:`RESULT_CODE`: results computed by other code never mix."""
    root = Path(__file__).resolve().parent.parent  # the package
    digest = hashlib.sha256()
    for name in RESULT_CODE:
        path = root / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(file.relative_to(root).as_posix().encode())
            digest.update(b"\0")
            digest.update(file.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


RESULT_LIBRARIES = ("numpy", "simpy")
"""The libraries whose behaviour is part of the numbers: NumPy (its random generators and their streams) and
SimPy (the order of simultaneous events).  Another version may give other results for the same seed."""


def library_versions() -> dict[str, str]:
    """The versions of :data:`RESULT_LIBRARIES`, for a job's identity and the Dask workers' check.

    The version of the module in use if it is imported (it is, wherever replications run), else the installed
    distribution's: this module is imported by every command and by the loading of sweep files, which must
    not import NumPy or SimPy (startup time; an import-linter contract)."""
    versions = {}
    for name in RESULT_LIBRARIES:
        version = getattr(sys.modules.get(name), "__version__", None)
        if not isinstance(version, str):
            import importlib.metadata  # here: slow to import, and rarely needed

            try:
                version = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                version = "not installed"
        versions[name] = version
    return versions


def job_identity(kind: str, seed: int, replications: int, **facts: Any) -> dict[str, Any]:
    """What a job's results depend on: its kind (``run``, ``sweep``), the version and code that compute them,
    the NumPy and SimPy versions they use, what it computes (``facts``: hashes of the scenario, the design,
    ...), the seed and the replications.

    The one identity builder: a run's and a sweep's identities differ only in their facts."""
    return {"kind": kind, "version": __version__, "code": code_hash(), **library_versions(), **facts,
            "seed": seed, "replications": replications}


def identity_id(identity: dict[str, Any]) -> str:
    """A short stable id of a job's identity (stored in manifest.json as ``job``)."""
    return text_hash(json.dumps(identity, sort_keys=True))[:16]


def staging_path(folder: Path) -> Path:
    """Where a job writing the output folder ``folder`` keeps its part files: ``.NAME.partial`` beside it."""
    folder = Path(folder)
    return folder.parent / f".{folder.name}.partial"


class PartStore:
    """The staging folder of one job; open with :meth:`open` (or as a context manager, which unlocks)."""

    def __init__(self, folder: Path, identity: dict[str, Any], resume: bool = False, fresh: bool = False):
        if resume and fresh:
            raise ResumeError(f"{folder}: --resume and --fresh exclude each other (--resume finishes the saved "
                              "chunks, --fresh discards them)")
        self.folder = Path(folder)
        self.parts: tuple[str, ...] = ("runs",)  # the part files of one finished chunk (set by open)
        self.path = staging_path(self.folder)
        self.identity = {"format": FORMAT, **identity}
        self.resume = resume
        self.fresh = fresh
        self.chunk_size: int | None = None
        self.resumed: set[tuple[str, int]] = set()
        self._lock_fd: int | None = None

    # ---- opening --------------------------------------------------------------------------------------
    def open(self, chunk_size: int, tasks: int, command: str = "", parts: tuple[str, ...] = ("runs",)) -> int:
        """Create, or on resume reopen, the staging folder; lock it; return the chunk size to use.  ``parts``
        are the part files every finished chunk has (the job's).

        On resume the chunk size of the interrupted job wins (``chunk_size`` is the one this run would use);
        without resume, an old staging folder is emptied, but only if it holds no saved chunk or the store was
        made ``fresh`` (:meth:`refuse_to_discard`, checked again here under the lock).
        """
        self.parts = parts
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._lock()
            job = self._read_job()
            if self.resume and job is not None:
                self._check_same_job(job)
                chunk_size = int(job["chunk_size"])
                self.resumed = {(name, index) for name, index in self._part_files()}
            else:
                if self.resume and not self.fresh and self.saved_chunks():
                    raise ResumeError(f"{self.folder}: cannot resume: {self.path / JOB_FILE} is missing or "
                                      f"unreadable, so the {self.saved_chunks()} saved chunks cannot be told to "
                                      "be this job's; run with --fresh to discard them and start again")
                self.refuse_to_discard()
                self._empty()
            (self.path / PARTS).mkdir(exist_ok=True)
            write_json(self.path / JOB_FILE, {"identity": self.identity, "job": identity_id(self.identity),
                                              "chunk_size": chunk_size, "tasks": tasks, "command": command,
                                              "started": dt.datetime.now(dt.timezone.utc).isoformat(
                                                  timespec="seconds")})
        except OSError as exc:
            self.close()
            raise OutputError(f"{self.folder}: cannot write its staging folder {self.path}: "
                              f"{exc.strerror or exc}") from None
        except BaseException:
            self.close()
            raise
        self.chunk_size = chunk_size
        return chunk_size

    def _lock(self) -> None:
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ResumeError(f"{self.folder}: another disarm-sim process is writing this output folder "
                              f"(its staging folder {self.path} is locked); wait for it or choose another "
                              "output folder") from None
        self._lock_fd = fd

    def _read_job(self) -> dict[str, Any] | None:
        try:
            job = json.loads((self.path / JOB_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return job if isinstance(job, dict) and "identity" in job and "chunk_size" in job else None

    def _differences(self, theirs: dict[str, Any]) -> list[str]:
        """How the identity ``theirs`` (an interrupted job's) differs from this job's, key by key, in words."""
        differ = sorted(k for k in set(theirs) | set(self.identity) if theirs.get(k) != self.identity.get(k))
        shown = []
        for key in differ:
            mine, old = self.identity.get(key), theirs.get(key)
            if isinstance(mine, str) and len(mine) > 40 or isinstance(old, str) and len(old) > 40:
                shown.append(key)
            else:
                shown.append(f"{key} {old!r} there, {mine!r} now")
        return shown

    def _check_same_job(self, job: dict[str, Any]) -> None:
        theirs = job["identity"]
        if theirs == self.identity:
            return
        raise ResumeError(f"{self.folder}: cannot resume: the interrupted job in {self.path} is another one "
                          f"(differs in {', '.join(self._differences(theirs))}); run with --fresh instead of "
                          "--resume to discard its saved chunks and start again")

    def refuse_to_discard(self) -> None:
        """Raise :class:`ResumeError` if starting this job would discard saved chunks it was not told to
        discard (neither ``resume`` nor ``fresh``).

        Why: an interrupted run's chunks may be hours of work, and the same command typed again (or a batch
        job requeued after SIGTERM) without ``--resume`` used to delete them without a word.  The message
        says what is there and names both ways on: ``--resume`` (when it is this very job) and ``--fresh``.
        """
        if self.resume or self.fresh or not self.path.is_dir():
            return
        saved = self.saved_chunks()
        if not saved:
            return
        tasks = self.tasks()
        count = f"{saved} of {tasks}" if tasks is not None else f"{saved}"
        job = self._read_job()
        if job is not None and job["identity"] == self.identity:
            raise ResumeError(f"{self.folder}: {count} chunks of an interrupted run of this job are saved in "
                              f"{self.path}; run the same command with --resume to finish it, or with --fresh "
                              "to discard them and start again")
        other = f" (differs in {', '.join(self._differences(job['identity']))})" if job is not None else ""
        raise ResumeError(f"{self.folder}: {count} chunks of another interrupted job{other} are saved in "
                          f"{self.path}; run with --fresh to discard them and start again, or choose another "
                          "output folder")

    def _empty(self) -> None:
        for child in self.path.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()

    def _part_files(self) -> list[tuple[str, int]]:
        out = []
        parts = self.path / PARTS
        if not parts.is_dir():
            return out
        for file in parts.iterdir():
            stem, _, index = file.name.removesuffix(".parquet").rpartition("-")
            if file.suffix == ".parquet" and not file.name.startswith(".") and index.isdigit():
                out.append((stem, int(index)))
        return out

    # ---- parts ----------------------------------------------------------------------------------------
    def done(self, *names: str) -> list[int]:
        """Indices of the tasks whose part files ``names`` all exist, in order."""
        have = set(self._part_files())
        candidates = {index for _, index in have}
        return sorted(i for i in candidates if all((name, i) in have for name in names))

    def saved_chunks(self) -> int:
        """How many chunks are saved whole (every part file of :attr:`parts`)."""
        return len(self.done(*self.parts))

    def tasks(self) -> int | None:
        """How many chunks the job has, as its job.json says (None if unknown)."""
        try:
            return int(json.loads((self.path / JOB_FILE).read_text(encoding="utf-8"))["tasks"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def saved_note(self) -> str:
        """What an interrupted job leaves for ``--resume``, in words ("" if nothing)."""
        tasks = self.tasks()
        if tasks is None:
            return ""
        return (f"{self.saved_chunks()} of {tasks} chunks are saved in {self.path}; run the same command with "
                "--resume to finish")

    def part(self, name: str, index: int) -> Path:
        return self.path / PARTS / f"{name}-{index:06d}.parquet"

    def write(self, name: str, index: int, frame: Any) -> None:
        write_parquet(self.part(name, index), frame)

    def read(self, name: str, index: int) -> Any:
        import pandas as pd

        return pd.read_parquet(self.part(name, index))

    def write_failures(self, failures: list[dict[str, Any]]) -> None:
        write_json(self.path / FAILURES_FILE, {"failures": failures})

    def finish(self) -> None:
        """Remove what only an unfinished job needs (parts, job.json, failures): the folder becomes a plain
        output folder, ready for its manifest and the swap."""
        shutil.rmtree(self.path / PARTS, ignore_errors=True)
        for name in (JOB_FILE, FAILURES_FILE):
            (self.path / name).unlink(missing_ok=True)

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> "PartStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def is_complete_output(self) -> bool:
        """Whether the output folder already holds the complete results of this very job."""
        try:
            manifest = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(manifest, dict) and manifest.get("job") == identity_id(self.identity)


__all__ = ["PartStore", "ResumeError", "staging_path", "code_hash", "identity_id", "job_identity", "text_hash",
           "library_versions"]
