"""Running a sweep's design points: one function mapped over (point, chunk of replications) tasks.

A :class:`Task` is ``(point, first replication, count)``.  :func:`run_task` is pure and picklable: the point's
scenario, the sweep seed and a task in, the outcome columns of those replications out.  Replication *k* of
every point uses ``replication_seed(sweep_seed, k)`` (common random numbers, see :mod:`sim.sweep`), so the
results depend neither on how the tasks are split nor on where or in which order they run.

:func:`execute` maps :func:`run_task` over the tasks, in this process (one worker) or on the local process
pool of :mod:`sim.runner`; it is the one place to swap for another engine (a Dask cluster, streaming each
finished task to disk) without touching the designs or the analyses.
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

from sim.output import sigint_held
from sim.runner import chunk_size_for, default_workers, run_one, worker_pool
from sim.streams import replication_seed

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from sim.scenario import Scenario


@dataclass(frozen=True)
class Task:
    """Replications ``first .. first + count - 1`` of design point ``point``."""

    point: int
    first: int
    count: int


@dataclass
class TaskResult:
    """What a task produced: per replication, its seed, the requested columns and the SimPy events."""

    task: Task
    seeds: list[int]
    columns: dict[str, list[float]]
    events: list[int]


def plan_tasks(points: int, replications: int, workers: int | None = None,
               chunk_size: int | None = None) -> list[Task]:
    """Every (point, chunk) task, in point then replication order.

    The chunk size follows :func:`sim.runner.chunk_size_for` over all the sweep's replications (about 8 tasks
    a worker, at most 250 replications a task), and never spans two points.
    """
    workers = workers or default_workers()
    size = chunk_size or chunk_size_for(points * replications, workers)
    size = max(1, min(size, replications))
    return [Task(p, first, min(size, replications - first)) for p in range(points)
            for first in range(0, replications, size)]


def run_task(scenario: "Scenario", seed: int, task: Task, columns: tuple[str, ...]) -> TaskResult:
    """Run one task's replications of its point's scenario and keep only ``columns`` (None -> NaN)."""
    seeds = [replication_seed(seed, k) for k in range(task.first, task.first + task.count)]
    out: dict[str, list[float]] = {c: [] for c in columns}
    events = []
    for s in seeds:
        row = run_one(scenario, s).row
        for c in columns:
            v = row[c]
            out[c].append(float("nan") if v is None else float(v))
        events.append(int(row["events"]))
    return TaskResult(task, seeds, out, events)


def execute(scenarios: Sequence["Scenario"], tasks: Sequence[Task], seed: int, columns: tuple[str, ...],
            workers: int | None = None, on_progress: Callable[[int], None] | None = None) -> "pd.DataFrame":
    """Run every task and return one row per (point, replication), sorted: point, replication, seed, events,
    and ``columns``.  ``on_progress(n)`` is called as n replications finish."""
    workers = workers or default_workers()
    results: list[TaskResult] = []
    if workers == 1 or len(tasks) == 1:
        for task in tasks:
            results.append(run_task(scenarios[task.point], seed, task, columns))
            if on_progress:
                on_progress(task.count)
    else:
        with worker_pool(min(workers, len(tasks))) as pool:  # Ctrl-C: cancelled, shut down, no noise
            with sigint_held():
                pending: set[Future] = {
                    pool.submit(run_task, scenarios[t.point], seed, t, columns) for t in tasks
                }
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    result = future.result()
                    results.append(result)
                    if on_progress:
                        on_progress(result.task.count)
    return results_frame(results, columns)


def results_frame(results: list[TaskResult], columns: tuple[str, ...]) -> "pd.DataFrame":
    """The task results as one table, sorted by point and replication whatever order they finished in."""
    import numpy as np
    import pandas as pd

    results = sorted(results, key=lambda r: (r.task.point, r.task.first))
    frame = pd.DataFrame({
        "point": np.concatenate([np.full(r.task.count, r.task.point, dtype=np.int64) for r in results]),
        "replication": np.concatenate([np.arange(r.task.first, r.task.first + r.task.count, dtype=np.int64)
                                       for r in results]),
        "seed": np.concatenate([np.asarray(r.seeds, dtype=np.uint64) for r in results]),
        "events": np.concatenate([np.asarray(r.events, dtype=np.int64) for r in results]),
        **{c: np.concatenate([np.asarray(r.columns[c], dtype=np.float64) for r in results]) for c in columns},
    })
    return frame.reset_index(drop=True)


__all__ = ["Task", "TaskResult", "plan_tasks", "run_task", "execute", "results_frame"]
