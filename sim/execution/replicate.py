"""The one replication engine: run, compare, sweep, backtest and calibrate all replicate through here.

A job is a sweep of one or more points (a run is a sweep of one point).  Its replications ``0 .. n-1`` of every
point are split into :class:`Task` chunks that never span two points; every chunk is computed by
:func:`run_chunk` on an engine (:mod:`sim.execution.engines`, :mod:`sim.execution.dask`) and reduced where it
ran to what the job keeps: the rows of runs.parquet (every column for a run, the outcome columns for a
sweep), the chunk's contribution to the daily bands (:mod:`sim.results.bands`) and curve points (quantities on
given days, :data:`sim.core.contract.Probe`).  Memory stays flat however many replications there are.

Replication *k* of **every** point uses the seed :func:`sim.core.streams.replication_seed` of the job's seed
and *k* (common random numbers), and the bands are integer sums, so results depend neither on the engine, the
number of workers, the chunk size nor the order in which chunks finish.

Chunks are planned lazily (:class:`TaskPlan` computes a chunk from its index) and handed to the engine as an
iterator, which keeps only a few of them in flight: planning and submitting cost the same for ten replications
as for a billion.  What does grow with the replications is the gathered table, one row per replication, so a
job whose table could not fit in this machine's memory is refused before anything runs
(:func:`refuse_oversized`).

With a :class:`~sim.execution.parts.PartStore`, every finished chunk goes to disk at once (``runs``, and
``bands`` and ``probes`` where the job keeps them, one Parquet part file each), chunks already on disk from an
interrupted job are read instead of run again (``--resume``), and a chunk whose replication raised is recorded
(point, replication, seed, message) rather than stopping the others;
:class:`~sim.execution.base.ReplicationFailures` is raised at the end.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Literal, Sequence, overload

import numpy as np

from sim.core.contract import RUN_COLUMN, SERIES, Probe, probe_column, probe_of
from sim.core.problems import Problem, ScenarioError
from sim.core.streams import replication_seed
from sim.execution.base import Engine, ReplicationFailures, TaskFailed, failure_record
from sim.model import Outcome, simulate
from sim.results.bands import Bands, BandSpec, ChunkBands, day_steps
from sim.scenario.verification import most_issues, repeats_amendments
from sim.scenario.uses import most_uses
from sim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from sim.execution.parts import PartStore

MAX_CHUNK = 250
"""Largest chunk (replications): bounds a task's memory and keeps progress and resume fine-grained."""
MIN_CHUNK = {"serial": 1, "pool": 8, "dask": 25}
"""Smallest automatic chunk per engine: enough work (a replication is a few ms) to amortise the task's
overhead (~0.25 ms on a pool, ~2.7 ms on Dask) and, with a part store, its small file writes."""
CHUNKS_PER_WORKER = 16
"""Load balance: the last chunks to finish leave the other workers idle for about half a chunk."""
TEXT_CELL_BYTES = 48
"""Memory of one text cell of the runs table (a short Arrow-backed string and its offset, measured ~40 bytes)."""
PEAK_TABLE_FACTOR = 4
"""The gathered runs table's peak memory as a multiple of its size: the chunks' frames and their
concatenation exist at once, then summaries and the Parquet writer make their own copies."""


def run_one(scenario: Scenario, seed: int, record_events: bool = False) -> Outcome:
    """One replication with its own seed (the ``seed`` column of runs.parquet): every replication of every job
    is computed here (the representative replication and ``disarm trace`` re-run one with its event records)."""
    return simulate(scenario, seed, record_events=record_events)


@dataclass(frozen=True)
class Task:
    """Replications ``first .. first + count - 1`` of design point ``point``."""

    point: int
    first: int
    count: int


@dataclass(frozen=True)
class Job:
    """What every task of a job shares (shipped once per map).

    ``kind`` is ``run`` (one point; rows keep every column of runs.parquet) or ``sweep`` (rows keep
    ``columns``, runs.parquet column names and curve-point columns such as ``removed_fraction@138``).
    ``probes`` are curve points every replication reports (a backtest's), ``bands`` whether the chunks'
    daily bands are kept (a run's).
    """

    kind: Literal["run", "sweep"]
    seed: int
    columns: tuple[str, ...] = ()
    probes: tuple[Probe, ...] = ()
    bands: bool = False

    @property
    def part_names(self) -> tuple[str, ...]:
        """The part files of one finished chunk."""
        return ("runs",) + (("bands",) if self.bands else ()) + (("probes",) if self.probes else ())

    def point_of(self, task: Task) -> int | None:
        """The design point a failure record names: a sweep's, none for a run."""
        return task.point if self.kind == "sweep" else None

    @property
    def all_probes(self) -> tuple[Probe, ...]:
        """Every curve point a replication reports: the job's probes, then its curve-point columns."""
        extra = tuple(p for c in self.columns if (p := probe_of(c)) is not None and p not in self.probes)
        return self.probes + extra


@dataclass
class ChunkResult:
    """What one chunk produced: its successful replications' rows (as columns: name -> values, cheaper to ship
    and to tabulate), their bands, their curve-point values and the failures."""

    task: Task
    rows: dict[str, list[Any]]
    bands: ChunkBands | None
    probes: np.ndarray  # (len(rows), len(job.all_probes))
    failures: list[dict[str, Any]] = field(default_factory=list)


def run_chunk(job: Job, item: tuple[Task, Scenario]) -> ChunkResult:
    """The one chunk runner: replications ``task.first ..`` of ``scenario`` under ``job``.

    A replication that raises is recorded with its seed and message; the others go on.
    """
    task, scenario = item
    horizon = scenario.horizon_days
    bands = ChunkBands(horizon) if job.bands else None
    probes = job.all_probes
    index = [(SERIES.index(q), day) for q, day in probes]
    keep = None if job.kind == "run" else ("seed", "events", *(c for c in job.columns if probe_of(c) is None))
    rows: list[dict[str, Any]] = []
    probe_rows: list[list[float]] = []
    failures: list[dict[str, Any]] = []
    for replication in range(task.first, task.first + task.count):
        rep_seed = replication_seed(job.seed, replication)
        try:
            outcome = run_one(scenario, rep_seed)
            if bands is not None or index:
                days, values = day_steps(outcome.snapshots, horizon, outcome.count_steps)
        except Exception as exc:  # noqa: BLE001 - recorded and reported at the end, never silently dropped
            failures.append(failure_record(replication, rep_seed, exc, point=job.point_of(task)))
            continue
        row = outcome.row if keep is None else {c: outcome.row[c] for c in keep}
        row["replication"] = replication
        rows.append(row)
        if bands is not None:
            bands.add(days, values)
        if index:
            at = np.searchsorted(days, [d for _, d in index], side="right") - 1
            probe_rows.append([float(values[q, k]) for (q, _), k in zip(index, at)])
        else:
            probe_rows.append([])
    columns = {name: [row[name] for row in rows] for name in rows[0]} if rows else {}
    return ChunkResult(task, columns, bands,
                       np.asarray(probe_rows, dtype=np.float64).reshape(len(rows), len(index)), failures)


def chunk_size_for(replications: int, workers: int, engine: str = "pool") -> int:
    """Replications per chunk: about :data:`CHUNKS_PER_WORKER` chunks a worker (load balance), at least the
    engine's :data:`MIN_CHUNK` (overhead), at most :data:`MAX_CHUNK` (memory, progress, resume)."""
    if engine == "serial":  # nothing to balance: chunks as large as progress and resume allow
        return max(1, min(MAX_CHUNK, replications))
    balanced = -(-replications // (max(1, workers) * CHUNKS_PER_WORKER))
    floor = min(MIN_CHUNK.get(engine, 1), -(-replications // max(1, workers)))
    return max(1, min(MAX_CHUNK, max(balanced, floor)))


@dataclass(frozen=True)
class TaskPlan(SequenceABC):
    """Every (point, chunk) task of a job, in point then replication order, computed from its index: a
    sequence of any length in constant memory (a billion replications are four million chunks, which as a
    list of :class:`Task` took gigabytes before the first one ran).  A chunk never spans two points."""

    points: int
    replications: int
    size: int

    @property
    def per_point(self) -> int:
        return -(-self.replications // self.size)

    def __len__(self) -> int:
        return self.points * self.per_point

    @overload
    def __getitem__(self, index: int) -> Task: ...

    @overload
    def __getitem__(self, index: slice) -> list[Task]: ...

    def __getitem__(self, index: int | slice) -> Task | list[Task]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"task {index} of {len(self)}")
        point, chunk = divmod(index, self.per_point)
        first = chunk * self.size
        return Task(point, first, min(self.size, self.replications - first))

    def __iter__(self) -> Iterator[Task]:
        return (self[i] for i in range(len(self)))


def plan_tasks(points: int, replications: int, chunk_size: int) -> TaskPlan:
    """Every (point, chunk) task, in point then replication order; a chunk never spans two points."""
    return TaskPlan(points, replications, max(1, min(chunk_size, replications)))


def replication_bytes(job: Job) -> int:
    """Memory of one replication's row in the gathered table: its columns' cells (every run column for a run;
    point, replication, seed, events and the kept columns for a sweep) and its curve-point values."""
    if job.kind == "run":
        cells = sum(TEXT_CELL_BYTES if RUN_COLUMN[c].dtype == "str" else np.dtype(RUN_COLUMN[c].dtype).itemsize
                    for c in RUN_COLUMN)
    else:
        cells = 8 * (4 + len(job.columns))  # point, replication, seed, events: 8 bytes each, columns as floats
    return cells + 8 * len(job.all_probes)


def memory_bytes() -> int | None:
    """The memory this process may use: the machine's physical memory, or its control group's limit if that is
    lower (a container); None if unknown."""
    try:
        limit = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return None
    # a control group's limit: cgroup v2's memory.max, else v1's memory.limit_in_bytes ("max" or a huge number
    # when there is none)
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path, encoding="ascii") as handle:
                text = handle.read().strip()
        except OSError:
            continue
        if text.isdigit():
            limit = min(limit, int(text))
    return limit


def _size(count: float) -> str:
    """A number of bytes in words: ``1.7 TB``."""
    units = ("bytes", "kB", "MB", "GB", "TB", "PB", "EB")
    power = 0
    while count >= 1000 and power < len(units) - 1:
        count /= 1000
        power += 1
    return f"{count:,.0f} bytes" if power == 0 else f"{count:,.1f} {units[power]}"


def refuse_oversized(job: Job, points: int, replications: int, memory: int | None = None) -> None:
    """Raise :class:`~sim.core.problems.ScenarioError` (bad input, exit 2) if the gathered table of ``points``
    x ``replications`` replications would not fit in ``memory`` (default: :func:`memory_bytes`).

    Why here and not later: every replication keeps a row, and the table is gathered in this process whatever
    the engine, so a job that cannot fit would otherwise run for hours and then fail (``-n 10**9`` grew to
    gigabytes before its first chunk finished).  The estimate is the row's size
    (:func:`replication_bytes`) times :data:`PEAK_TABLE_FACTOR`, compared with the whole memory of the machine
    (or its container), not with what is free at the moment: a job is refused only if it could not succeed
    even on an idle machine, and the same command is refused or accepted the same way each time.
    """
    memory = memory_bytes() if memory is None else memory
    if memory is None:  # pragma: no cover - unknown: nothing to compare with
        return
    per_replication = replication_bytes(job) * PEAK_TABLE_FACTOR
    total = points * replications
    if total * per_replication <= memory:
        return
    fits = memory // (per_replication * max(1, points))
    what = f"{replications:,} replications" + (f" of {points:,} points" if points > 1 else "")
    raise ScenarioError([Problem(f"-n {replications}", None, "",
                                 f"{what} need about {_size(total * per_replication)} of memory for their results "
                                 f"(a row of about {_size(per_replication)} each, at the peak), more than this "
                                 f"machine's {_size(memory)}; use at most {fits:,} replications"
                                 + (" per point" if points > 1 else ""))])


def _noting_positions(indices: Iterator[int], noted: dict[int, int]) -> Iterator[int]:
    """``indices`` as they are taken, noting each one's position: the engine reports a result by position."""
    for position, index in enumerate(indices):
        noted[position] = index
        yield index


@dataclass
class Gathered:
    """What a job produced, gathered in point and replication order."""

    runs: "pd.DataFrame"
    bands: Bands | None
    probes: np.ndarray
    wall_seconds: float
    resumed_chunks: int = 0


def _table(job: Job, result: ChunkResult) -> "pd.DataFrame":
    """A chunk's rows as its part of runs.parquet (a run's) or of a sweep's runs table (in the parent process:
    the workers, forked from a server that preloads this module, never import pandas)."""
    from sim.results.tables import runs_frame, sweep_runs_frame

    if job.kind == "run":
        return runs_frame(result.rows)
    part = {"point": result.task.point, **result.rows}
    for j, probe in enumerate(job.all_probes):
        if probe_column(probe) in job.columns:
            part[probe_column(probe)] = result.probes[:, j].tolist()
    return sweep_runs_frame(part, job.columns)


def _probe_table(job: Job, probes: np.ndarray) -> "pd.DataFrame":
    import pandas as pd

    return pd.DataFrame({probe_column(p): probes[:, j] for j, p in enumerate(job.all_probes)})


def execute(job: Job, scenarios: Sequence[Scenario], replications: int, engine: Engine,
            chunk_size: int | None = None, store: "PartStore | None" = None,
            on_progress: Callable[[int], None] | None = None) -> Gathered:
    """Run (or, with a store, finish) every chunk of ``replications`` replications of every scenario on
    ``engine`` and gather the results.  ``on_progress(n)`` is called as n replications finish (and for the
    chunks a resumed job finds saved)."""
    import pandas as pd

    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    if job.bands and len(scenarios) != 1:
        raise ValueError("daily bands are kept for a job of one scenario only")
    refuse_oversized(job, len(scenarios), replications)
    size = chunk_size or chunk_size_for(len(scenarios) * replications, engine.slots, engine.kind)
    if store is not None:
        size = store.open(size, len(plan_tasks(len(scenarios), replications, size)), parts=job.part_names)
    tasks = plan_tasks(len(scenarios), replications, size)
    bands = (Bands(BandSpec.for_scenario(scenarios[0].horizon_days, scenarios[0].initial_tonnes,
                                         most_issues=most_issues(scenarios[0]), most_uses=most_uses(scenarios[0]),
                                         repeat_amendments=repeats_amendments(scenarios[0])))
             if job.bands else None)
    frames: dict[int, pd.DataFrame] = {}
    probe_values: dict[int, np.ndarray] = {}
    failures: list[dict[str, Any]] = []
    done = {i for i in store.done(*job.part_names) if i < len(tasks)} if store is not None else set()
    for index in sorted(done):
        if bands is not None:
            bands.add(ChunkBands.from_columns({c: v.to_numpy() for c, v in store.read("bands", index).items()},
                                              scenarios[0].horizon_days))
        if on_progress:
            on_progress(tasks[index].count)
    todo = (i for i in range(len(tasks)) if i not in done)  # lazily: the engine takes a few at a time
    started = time.perf_counter()
    indices: dict[int, int] = {}  # an item's position in the map -> its task's index, while it is in flight
    items = ((tasks[i], scenarios[tasks[i].point]) for i in _noting_positions(todo, indices))
    for position, result in engine.map_unordered(run_chunk, job, items):
        index = indices.pop(position)
        task = tasks[index]
        if isinstance(result, TaskFailed):
            failures += [failure_record(k, replication_seed(job.seed, k), result.message, point=job.point_of(task))
                         for k in range(task.first, task.first + task.count)]
        else:
            frame = _table(job, result) if result.rows else None
            if store is not None:  # a chunk with a failure has no part files: --resume runs it again
                if not result.failures:
                    store.write("runs", index, frame)
                    if result.bands is not None:
                        store.write("bands", index, pd.DataFrame(result.bands.to_columns()))
                    if job.probes:
                        store.write("probes", index, _probe_table(job, result.probes))
            elif frame is not None:
                frames[index] = frame
            if bands is not None and result.bands is not None:
                bands.add(result.bands)
            probe_values[index] = result.probes
            failures += result.failures
        if on_progress:
            on_progress(task.count)
    wall_seconds = time.perf_counter() - started
    if failures:
        if store is not None:
            store.write_failures(failures)
        raise ReplicationFailures(failures, len(scenarios) * replications)
    if store is not None:  # every chunk as it is on disk, whether it ran now or before an interruption
        runs = pd.concat([store.read("runs", i) for i in range(len(tasks))], ignore_index=True)
        if job.probes:
            probe_values = {i: store.read("probes", i).to_numpy(dtype=np.float64) for i in range(len(tasks))}
    else:
        runs = pd.concat([frames[i] for i in sorted(frames)], ignore_index=True)
    probes = (np.concatenate([probe_values[i] for i in sorted(probe_values)], axis=0)[:, :len(job.probes)]
              if probe_values else np.empty((0, len(job.probes))))
    return Gathered(runs, bands, probes, wall_seconds, resumed_chunks=len(done))


__all__ = ["run_one", "run_chunk", "execute", "Job", "Task", "TaskPlan", "ChunkResult", "Gathered",
           "chunk_size_for", "plan_tasks", "refuse_oversized", "replication_bytes", "memory_bytes", "MAX_CHUNK",
           "MIN_CHUNK"]
