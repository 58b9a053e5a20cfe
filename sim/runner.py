"""Replications: one code path for this process, a local process pool and a Dask cluster; identical results.

``run_one`` is pure and picklable: a scenario and a replication seed in, an :class:`~sim.model.Outcome` out.
``run`` splits replications ``0 .. n-1`` into chunks; every chunk is computed by :func:`run_chunk` on an
engine (:mod:`sim.engines`) and reduced where it ran to its rows of runs.parquet and its contribution to
the daily bands (:mod:`sim.bands`), so that memory stays flat however many replications there are.  Because
each replication's seed depends only on the run seed and its number (:func:`sim.streams.replication_seed`),
and the bands are integer sums, the results depend neither on the engine, the number of workers, the chunk
size nor the order in which chunks finish.

With a :class:`~sim.parts.PartStore`, every finished chunk goes to disk at once (a Parquet part file for its
rows and one for its bands), chunks already on disk from an interrupted run are read instead of run again,
and a chunk whose replication raised is recorded (replication, seed, message) rather than stopping the
others; :class:`ReplicationFailures` is raised at the end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from sim.bands import SERIES, ChunkBands, daily_values, day_steps
from sim.engines import (Engine, ReplicationFailures, TaskFailed, default_workers, failure_record,
                         make_engine)
from sim.model import Outcome, simulate
from sim.scenario import Scenario
from sim.streams import replication_seed

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from sim.parts import PartStore
    from sim.results import Results

MAX_CHUNK = 250
"""Largest chunk (replications): bounds a task's memory and keeps progress and resume fine-grained."""
MIN_CHUNK = {"serial": 1, "pool": 8, "dask": 25}
"""Smallest automatic chunk per engine: enough work (a replication is a few ms) to amortise the task's
overhead (~0.25 ms on a pool, ~2.7 ms on Dask) and, with a part store, its two small file writes."""

Probe = tuple[str, int]
"""A quantity of :data:`sim.bands.SERIES` on a day: the per-replication values a backtest scores."""


def run_one(scenario: Scenario, seed: int, record_events: bool = False) -> Outcome:
    """One replication with its own seed (the ``seed`` column of runs.parquet)."""
    return simulate(scenario, seed, record_events=record_events)


def daily_series(outcome: Outcome, horizon_days: int) -> np.ndarray:
    """The day-end values of :data:`SERIES` for days 0..horizon, shape (len(SERIES), horizon + 1)."""
    return daily_values(outcome.snapshots, horizon_days)


@dataclass(frozen=True)
class ChunkTask:
    """Replications ``first .. first + count - 1``; ``index`` numbers the chunk (and its part files)."""

    index: int
    first: int
    count: int


@dataclass
class ChunkResult:
    """What one chunk produced: its successful replications' rows of runs.parquet (as columns: cheaper to
    ship and to tabulate), their bands, probe values and failures."""

    task: ChunkTask
    rows: dict[str, list[Any]]
    bands: ChunkBands
    probes: np.ndarray  # (len(rows), number of probes)
    failures: list[dict[str, Any]] = field(default_factory=list)


def run_chunk(shared: tuple[Scenario, int, tuple[Probe, ...]], task: ChunkTask) -> ChunkResult:
    """Replications ``task.first ..`` of a run seeded with ``seed``: ``shared`` is (scenario, seed, probes).

    A replication that raises is recorded with its seed and message; the others go on.
    """
    scenario, seed, probes = shared
    horizon = scenario.horizon_days
    bands = ChunkBands(horizon)
    rows: list[dict[str, Any]] = []
    probe_rows: list[list[float]] = []
    failures: list[dict[str, Any]] = []
    index = [(SERIES.index(q), day) for q, day in probes]
    for replication in range(task.first, task.first + task.count):
        rep_seed = replication_seed(seed, replication)
        try:
            outcome = run_one(scenario, rep_seed)
            days, values = day_steps(outcome.snapshots, horizon)
        except Exception as exc:  # noqa: BLE001 - recorded and reported at the end, never silently dropped
            failures.append(failure_record(replication, rep_seed, exc))
            continue
        outcome.row["replication"] = replication
        rows.append(outcome.row)
        bands.add(days, values)
        if index:
            at = np.searchsorted(days, [d for _, d in index], side="right") - 1
            probe_rows.append([float(values[q, k]) for (q, _), k in zip(index, at)])
        else:
            probe_rows.append([])
    columns = {name: [row[name] for row in rows] for name in rows[0]} if rows else {}
    return ChunkResult(task, columns, bands,
                       np.asarray(probe_rows, dtype=np.float64).reshape(len(rows), len(index)), failures)


CHUNKS_PER_WORKER = 16
"""Load balance: the last chunks to finish leave the other workers idle for about half a chunk."""


def chunk_size_for(replications: int, workers: int, engine: str = "pool") -> int:
    """Replications per chunk: about :data:`CHUNKS_PER_WORKER` chunks a worker (load balance), at least the
    engine's :data:`MIN_CHUNK` (overhead), at most :data:`MAX_CHUNK` (memory, progress, resume)."""
    if engine == "serial":  # nothing to balance: chunks as large as progress and resume allow
        return max(1, min(MAX_CHUNK, replications))
    balanced = -(-replications // (max(1, workers) * CHUNKS_PER_WORKER))
    floor = min(MIN_CHUNK.get(engine, 1), -(-replications // max(1, workers)))
    return max(1, min(MAX_CHUNK, max(balanced, floor)))


def plan_chunks(replications: int, size: int) -> list[ChunkTask]:
    return [ChunkTask(i, first, min(size, replications - first))
            for i, first in enumerate(range(0, replications, size))]


def run_identity(scenario: Scenario, seed: int, replications: int) -> dict[str, Any]:
    """What a run's results depend on (see :mod:`sim.parts`)."""
    from sim import __version__
    from sim.loading import scenario_to_yaml
    from sim.parts import code_hash, text_hash

    return {"kind": "run", "version": __version__, "code": code_hash(),
            "scenario": text_hash(scenario_to_yaml(scenario)), "seed": seed, "replications": replications}


@dataclass
class RunOutput:
    """The gathered results of a run, before they become :class:`~sim.results.Results`."""

    runs: "pd.DataFrame"
    bands: Any  # sim.bands.Bands
    probes: np.ndarray
    wall_seconds: float
    resumed_chunks: int = 0


def execute_run(scenario: Scenario, replications: int, seed: int, engine: Engine, chunk_size: int | None = None,
                on_progress: Callable[[int], None] | None = None, store: "PartStore | None" = None,
                probes: Sequence[Probe] = ()) -> RunOutput:
    """Run (or, with a store, finish) every chunk on ``engine`` and gather rows, bands and probes."""
    from sim.bands import Bands, BandSpec
    from sim.results import runs_frame

    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    if store is not None and probes:
        raise ValueError("probes are not stored in part files: run without a part store")
    size = chunk_size or chunk_size_for(replications, engine.slots, engine.kind)
    if store is not None:
        size = store.open(size, len(plan_chunks(replications, size)))
    tasks = plan_chunks(replications, size)
    bands = Bands(BandSpec.for_scenario(scenario.horizon_days, scenario.initial_tonnes))
    frames: dict[int, pd.DataFrame] = {}
    probe_values: dict[int, np.ndarray] = {}
    failures: list[dict[str, Any]] = []
    done: set[int] = set()
    if store is not None:
        for index in store.done("runs", "bands"):
            if index >= len(tasks):
                continue
            bands.add(ChunkBands.from_columns({c: v.to_numpy() for c, v in store.read("bands", index).items()},
                                              scenario.horizon_days))
            done.add(index)
            if on_progress:
                on_progress(tasks[index].count)
    todo = [t for t in tasks if t.index not in done]
    started = time.perf_counter()
    for position, result in engine.map_unordered(run_chunk, (scenario, seed, tuple(probes)), todo):
        task = todo[position]
        if isinstance(result, TaskFailed):
            failures += [{"replication": k, "seed": replication_seed(seed, k), "error": result.message}
                         for k in range(task.first, task.first + task.count)]
        else:
            frame = runs_frame(result.rows) if result.rows else None
            if store is not None:  # a chunk with a failure has no part files: --resume runs it again
                if not result.failures:
                    store.write("runs", task.index, frame)
                    store.write("bands", task.index, _bands_table(result.bands))
            elif frame is not None:
                frames[task.index] = frame
            bands.add(result.bands)
            probe_values[task.index] = result.probes
            failures += result.failures
        if on_progress:
            on_progress(task.count)
    wall_seconds = time.perf_counter() - started
    if failures:
        if store is not None:
            store.write_failures(failures)
        raise ReplicationFailures(failures, replications)
    import pandas as pd

    if store is not None:  # every chunk as it is on disk, whether it ran now or before an interruption
        runs = pd.concat([store.read("runs", t.index) for t in tasks], ignore_index=True)
    else:
        runs = pd.concat([frames[i] for i in sorted(frames)], ignore_index=True)
    ordered_probes = (np.concatenate([probe_values[i] for i in sorted(probe_values)], axis=0) if probe_values
                      else np.empty((0, len(probes))))
    return RunOutput(runs, bands, ordered_probes, wall_seconds, resumed_chunks=len(done))


def _bands_table(bands: ChunkBands) -> "pd.DataFrame":
    import pandas as pd

    return pd.DataFrame(bands.to_columns())


def run(scenario: Scenario, replications: int = 500, seed: int = 0, workers: int | None = None,
        chunk_size: int | None = None, on_progress: Callable[[int], None] | None = None,
        name: str | None = None, scheduler: str | None = None, engine: Engine | None = None,
        store: "PartStore | None" = None) -> "Results":
    """Run ``replications`` Monte Carlo replications of ``scenario`` and gather the results.

    ``workers`` local processes (default: all cores; 1 runs in this process), or the Dask cluster whose
    scheduler is ``scheduler`` (default: the environment variable ``DISARM_SCHEDULER``, if set), or an
    ``engine`` already open.  Same ``seed`` gives identical results whatever the engine, ``workers`` or
    ``chunk_size``.  With ``store``, chunks stream to part files and an interrupted run can be resumed.
    """
    from sim.results import Results

    own = engine is None
    engine = engine or make_engine(workers, scheduler)
    try:
        out = execute_run(scenario, replications, seed, engine, chunk_size, on_progress, store)
    finally:
        if own:
            engine.close()
    return Results.build(scenario, out, seed=seed, name=name)


__all__ = ["run", "run_one", "run_chunk", "execute_run", "chunk_size_for", "plan_chunks", "daily_series",
           "default_workers", "ReplicationFailures", "ChunkTask", "ChunkResult", "SERIES", "run_identity"]
