"""The explorer's job queue: every run or comparison is the ``disarm`` command itself, in a child process.

So a job runs on the very engine the command line uses (the local pool, or the Dask cluster of
``--scheduler``), writes its folder atomically as the command does, and its results are the command's, byte
for byte.  The web page never waits for it: a dispatcher thread starts queued jobs, at most ``parallel`` at a
time, and reads each job's progress from the lines the command logs off a terminal (``NAME: replications:
DONE/TOTAL (P%) after S s``).  Cancelling sends SIGTERM, which the command handles as Ctrl-C (exit 143).  Jobs
from every browser tab share one queue.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from sim.explorer.workspace import RUNS, Workspace

_PROGRESS = re.compile(r": (\d+)/(\d+) \(\d+%\) after ")
STATES = ("queued", "running", "done", "failed", "cancelled")


@dataclass
class Job:
    """One ``disarm run`` or ``disarm compare`` of the explorer."""

    id: str
    kind: str  # "run" or "compare"
    label: str
    args: list[str]
    folder: Path
    total: int
    state: str = "queued"
    done: int = 0
    message: str = ""
    created: float = field(default_factory=time.time)
    process: subprocess.Popen | None = None
    lines: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    def public(self, workspace: Workspace) -> dict:
        """What the page and ``/api/jobs`` show."""
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "message": self.message,
            "folder": workspace.relative(self.folder),
        }


class JobQueue:
    """Queued and finished jobs, and the dispatcher that runs them."""

    def __init__(
        self,
        workspace: Workspace,
        parallel: int = 1,
        workers: int | None = None,
        scheduler: str | None = None,
    ):
        self.workspace, self.parallel = workspace, max(1, parallel)
        self.engine_options = ([f"--workers={workers}"] if workers else []) + (
            [f"--scheduler={scheduler}"] if scheduler else []
        )
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._ids = itertools.count(1)
        self._stamp = time.strftime("%Y%m%d-%H%M%S")
        self.stopping = False
        threading.Thread(target=self._dispatch, name="disarm-jobs", daemon=True).start()

    # ---------------------------------------------------------------------------------------------------
    def submit_run(self, scenario: Path, label: str, replications: int, seed: int) -> Job:
        """Queue ``disarm run SCENARIO -n N --seed S -o WORKSPACE/runs/ID``."""
        return self._submit("run", [scenario], label, replications, seed)

    def submit_compare(self, scenarios: Sequence[Path], labels: Sequence[str], replications: int,
                       seed: int) -> Job:
        """Queue ``disarm compare SCENARIO... -n N --seed S -o WORKSPACE/runs/ID``."""
        return self._submit("compare", scenarios, " vs ".join(labels), replications, seed)

    def cancel(self, job_id: str) -> None:
        with self._lock:
            job = self.jobs.get(job_id)
            if job is None or job.finished:
                return
            if job.process is None:
                job.state, job.message = "cancelled", "cancelled before it started"
                return
            job.message = "cancelling"
            job.process.send_signal(signal.SIGTERM)  # the command ends as after Ctrl-C

    def shutdown(self) -> None:
        """The server stops: cancel every job (queued ones never start, running ones get SIGTERM)."""
        self.stopping = True
        for job_id in list(self.jobs):
            self.cancel(job_id)

    def listing(self) -> list[dict]:
        with self._lock:
            return [
                job.public(self.workspace) for job in sorted(self.jobs.values(), key=lambda j: -j.created)
            ]

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    # ---------------------------------------------------------------------------------------------------
    def _submit(self, kind: str, scenarios: Sequence[Path], label: str, replications: int, seed: int) -> Job:
        folder = self.workspace.root / RUNS / f"{self._stamp}-{next(self._ids):03d}-{kind}"
        args = [kind, *map(str, scenarios), "-n", str(replications), "--seed", str(seed), "-o", str(folder)]
        job = Job(folder.name, kind, label, args, folder, replications * len(scenarios))
        with self._lock:
            self.jobs[job.id] = job
            self._wake.notify_all()
        return job

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                running = sum(job.state == "running" for job in self.jobs.values())
                queued = [job for job in self.jobs.values() if job.state == "queued"]
                if not queued or running >= self.parallel or self.stopping:
                    self._wake.wait(timeout=1.0)
                    continue
                job = min(queued, key=lambda j: j.created)
                job.state = "running"
                job.process = self._start(job)
            threading.Thread(
                target=self._follow, args=(job,), name=f"disarm-job-{job.id}", daemon=True
            ).start()

    def _start(self, job: Job) -> subprocess.Popen:
        env = dict(os.environ, MPLBACKEND="Agg", COLUMNS="200")
        return subprocess.Popen(
            [sys.executable, "-m", "sim", *job.args, *self.engine_options],
            cwd=self.workspace.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            start_new_session=True,
        )

    def _follow(self, job: Job) -> None:
        assert job.process is not None and job.process.stderr is not None
        for line in job.process.stderr:
            match = _PROGRESS.search(line)
            with self._lock:
                if match:
                    job.done = min(int(match.group(1)), job.total)
                else:
                    job.lines.append(line.rstrip("\n"))
        code = job.process.wait()
        with self._lock:
            if code == 0:
                job.state, job.done, job.message = "done", job.total, "finished"
            elif code in (130, 143) or job.message == "cancelling":
                job.state, job.message = "cancelled", "cancelled"
            else:
                job.state = "failed"
                job.message = " ".join(job.lines[-5:]) or f"exit code {code}"
            self._wake.notify_all()


__all__ = ["Job", "JobQueue", "STATES"]
