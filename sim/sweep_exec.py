"""Running a sweep's design points: one function mapped over (point, chunk of replications) tasks.

A :class:`Task` is ``(point, first replication, count)``.  :func:`run_task` is pure and picklable: the sweep
seed, the outcome columns and a task with its point's scenario in, the outcome columns of those replications
out.  Replication *k* of every point uses ``replication_seed(sweep_seed, k)`` (common random numbers, see
:mod:`sim.sweep`), so the results depend neither on how the tasks are split nor on where or in which order
they run.

:func:`execute` maps :func:`run_task` over the tasks on an engine of :mod:`sim.engines` (this process, the
local pool or a Dask cluster).  With a :class:`~sim.parts.PartStore` every finished task is written to a
part file at once, tasks already on disk are not run again (``--resume``), and replications that raise are
recorded and reported at the end (:class:`sim.runner.ReplicationFailures`) instead of stopping the sweep.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from typing import TYPE_CHECKING, Any, Callable, Sequence

from sim.engines import Engine, ReplicationFailures, TaskFailed, failure_record, make_engine
from sim.runner import chunk_size_for, run_one
from sim.streams import replication_seed

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from sim.parts import PartStore
    from sim.scenario import Scenario

PART = "task"
"""Name of a sweep's part files: ``parts/task-NNNNNN.parquet``, the rows of one task."""


@dataclass(frozen=True)
class Task:
    """Replications ``first .. first + count - 1`` of design point ``point``."""

    point: int
    first: int
    count: int


@dataclass
class TaskResult:
    """What a task produced: per successful replication, its number, seed, the requested columns and the
    SimPy events; and the replications that raised."""

    task: Task
    replications: list[int]
    seeds: list[int]
    columns: dict[str, list[float]]
    events: list[int]
    failures: list[dict[str, Any]] = field(default_factory=list)


def plan_tasks(points: int, replications: int, workers: int | None = None,
               chunk_size: int | None = None, engine: str = "pool") -> list[Task]:
    """Every (point, chunk) task, in point then replication order.

    The chunk size follows :func:`sim.runner.chunk_size_for` over all the sweep's replications, and never
    spans two points.
    """
    size = chunk_size or chunk_size_for(points * replications, workers or 1, engine)
    size = max(1, min(size, replications))
    return [Task(p, first, min(size, replications - first)) for p in range(points)
            for first in range(0, replications, size)]


def run_task(shared: tuple[int, tuple[str, ...]], item: tuple[Task, "Scenario"]) -> TaskResult:
    """Run one task's replications of its point's scenario and keep only ``columns`` (None -> NaN)."""
    from sim.bands import SERIES, day_steps
    from sim.sweep import probe_of

    seed, columns = shared
    task, scenario = item
    result = TaskResult(task, [], [], {c: [] for c in columns}, [])
    probes = {c: (SERIES.index(p[0]), p[1]) for c in columns if (p := probe_of(c)) is not None}
    for k in range(task.first, task.first + task.count):
        s = replication_seed(seed, k)
        try:
            outcome = run_one(scenario, s)
            row = outcome.row
            if probes:
                days, values = day_steps(outcome.snapshots, scenario.horizon_days)
        except Exception as exc:  # noqa: BLE001 - recorded and reported at the end
            result.failures.append(failure_record(k, s, exc, point=task.point))
            continue
        result.replications.append(k)
        result.seeds.append(s)
        for c in columns:
            if c in probes:
                q, day = probes[c]
                v = values[q, int(np.searchsorted(days, day, side="right")) - 1]
            else:
                v = row[c]
            result.columns[c].append(float("nan") if v is None else float(v))
        result.events.append(int(row["events"]))
    return result


def execute(scenarios: Sequence["Scenario"], tasks: Sequence[Task], seed: int, columns: tuple[str, ...],
            workers: int | None = None, on_progress: Callable[[int], None] | None = None,
            engine: Engine | None = None, store: "PartStore | None" = None) -> "pd.DataFrame":
    """Run every task (those not already in ``store``) and return one row per (point, replication), sorted:
    point, replication, seed, events, and ``columns``.  ``on_progress(n)`` is called as n replications
    finish.  The store must already be open (:meth:`sim.parts.PartStore.open`) with these tasks."""
    import pandas as pd

    own = engine is None
    engine = engine or make_engine(workers)
    frames: dict[int, pd.DataFrame] = {}
    failures: list[dict[str, Any]] = []
    done = set(store.done(PART)) if store is not None else set()
    done &= set(range(len(tasks)))
    if on_progress:
        for i in done:
            on_progress(tasks[i].count)
    todo = [i for i in range(len(tasks)) if i not in done]
    try:
        items = [(tasks[i], scenarios[tasks[i].point]) for i in todo]
        for position, result in engine.map_unordered(run_task, (seed, tuple(columns)), items):
            index = todo[position]
            task = tasks[index]
            if isinstance(result, TaskFailed):
                failures += [{"point": task.point, "replication": k, "seed": replication_seed(seed, k),
                              "error": result.message} for k in range(task.first, task.first + task.count)]
            else:
                frame = results_frame([result], columns)
                if store is not None:
                    if not result.failures:  # a task with a failure has no part file: --resume runs it again
                        store.write(PART, index, frame)
                else:
                    frames[index] = frame
                failures += result.failures
            if on_progress:
                on_progress(task.count)
    finally:
        if own:
            engine.close()
    if failures:
        if store is not None:
            store.write_failures(failures)
        raise ReplicationFailures(failures, sum(t.count for t in tasks))
    if store is not None:
        parts = [store.read(PART, i) for i in range(len(tasks))]
    else:
        parts = [frames[i] for i in range(len(tasks))]
    return pd.concat(parts, ignore_index=True)


def results_frame(results: list[TaskResult], columns: tuple[str, ...]) -> "pd.DataFrame":
    """Task results as one table, sorted by point and replication whatever order they finished in."""
    import numpy as np
    import pandas as pd

    results = sorted(results, key=lambda r: (r.task.point, r.task.first))
    frame = pd.DataFrame({
        "point": np.concatenate([np.full(len(r.replications), r.task.point, dtype=np.int64) for r in results]),
        "replication": np.concatenate([np.asarray(r.replications, dtype=np.int64) for r in results]),
        "seed": np.concatenate([np.asarray(r.seeds, dtype=np.uint64) for r in results]),
        "events": np.concatenate([np.asarray(r.events, dtype=np.int64) for r in results]),
        **{c: np.concatenate([np.asarray(r.columns[c], dtype=np.float64) for r in results]) for c in columns},
    })
    return frame.reset_index(drop=True)


def sweep_identity(base_yaml: str, design_values: list[list[Any]], columns: Sequence[str], seed: int,
                   replications: int) -> dict[str, Any]:
    """What a sweep's results depend on (see :mod:`sim.parts`): the base scenario, every point's values,
    the outcome columns kept, the seed, the replications and the code."""
    import json

    from sim import __version__
    from sim.parts import code_hash, text_hash

    return {"kind": "sweep", "version": __version__, "code": code_hash(), "base": text_hash(base_yaml),
            "design": text_hash(json.dumps(design_values, default=repr)), "points": len(design_values),
            "columns": list(columns), "seed": seed, "replications": replications}


__all__ = ["Task", "TaskResult", "plan_tasks", "run_task", "execute", "results_frame", "sweep_identity", "PART"]
