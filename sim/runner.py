"""Replications: serial or on a local process pool, one code path, identical results.

``run_one`` is pure and picklable: a scenario and a replication seed in, an :class:`~sim.model.Outcome` out.
``run`` splits replications ``0 .. n-1`` into chunks; every chunk is computed by :func:`run_chunk`, in this
process (``workers=1``) or in a pool, and the chunks are put back in replication order.  Because each
replication's seed depends only on the run seed and its number (:func:`sim.streams.replication_seed`), the
results do not depend on the number of workers or the chunk size.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator

import numpy as np

from sim.model import Outcome, simulate
from sim.output import sigint_held
from sim.scenario import Scenario
from sim.streams import replication_seed

if TYPE_CHECKING:  # pragma: no cover
    from sim.results import Results

SERIES: tuple[str, ...] = ("removed_fraction", "destroyed_fraction", "declared_tonnes", "hidden_tonnes",
                           "destroyed_tonnes")
"""Daily quantities of timeseries.parquet, in the order of the arrays :func:`daily_series` returns."""


def run_one(scenario: Scenario, seed: int, record_events: bool = False) -> Outcome:
    """One replication with its own seed (the ``seed`` column of runs.parquet)."""
    return simulate(scenario, seed, record_events=record_events)


def daily_series(outcome: Outcome, horizon_days: int) -> np.ndarray:
    """The day-end values of :data:`SERIES` for days 0..horizon, shape (len(SERIES), horizon + 1).

    Derived from the ledger's snapshots (state-change records) with NumPy, never by polling the model.
    """
    snaps = np.asarray(outcome.snapshots, dtype=np.float64)  # columns: day, removed, declared, declared_route, destroyed, hidden
    ends = np.arange(1, horizon_days + 2, dtype=np.float64)  # the end of day d is the instant d + 1
    idx = np.searchsorted(snaps[:, 0], ends, side="left") - 1
    idx[idx < 0] = 0
    at = snaps[idx]
    removed, declared, declared_route, destroyed, hidden = at[:, 1], at[:, 2], at[:, 3], at[:, 4], at[:, 5]
    with np.errstate(divide="ignore", invalid="ignore"):
        removed_fraction = np.where(declared_route > 0, removed / declared_route, 0.0)
        destroyed_fraction = np.where(declared > 0, np.minimum(destroyed, declared) / declared, 0.0)
    return np.stack([np.clip(removed_fraction, 0, 1), np.clip(destroyed_fraction, 0, 1), declared, hidden,
                     destroyed]).astype(np.float32)


@dataclass
class Chunk:
    """The results of replications ``first .. first + len(rows) - 1``."""

    first: int
    rows: list[dict]
    series: np.ndarray  # (replications, len(SERIES), horizon + 1), float32


def run_chunk(scenario: Scenario, seed: int, first: int, count: int) -> Chunk:
    """Replications ``first .. first + count - 1`` of a run seeded with ``seed``."""
    rows = []
    series = np.empty((count, len(SERIES), scenario.horizon_days + 1), dtype=np.float32)
    for k in range(count):
        replication = first + k
        outcome = run_one(scenario, replication_seed(seed, replication))
        outcome.row["replication"] = replication
        rows.append(outcome.row)
        series[k] = daily_series(outcome, scenario.horizon_days)
    return Chunk(first, rows, series)


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def chunk_size_for(replications: int, workers: int) -> int:
    """Replications per chunk: about 8 chunks a worker (load balance), at most 250 (memory, progress)."""
    return max(1, min(250, -(-replications // (workers * 8))))


def _start_quiet_forkserver() -> None:
    """Start the forkserver (once per process) with its standard error on /dev/null.

    The forkserver only forks workers.  When Ctrl-C stops a run while a worker is still being forked, the pool
    is shut down and its semaphores removed before that child has read them, and the half-born child prints
    a traceback from inside multiprocessing: noise after a clean interrupt, which users must not see.  Task
    errors are unaffected: they come back to this process through the futures.
    """
    from multiprocessing import forkserver

    if getattr(forkserver._forkserver, "_forkserver_pid", None) is not None:  # already running
        return
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        forkserver.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _ignore_sigint() -> None:
    """Pool-worker initializer: Ctrl-C (sent to the whole process group) is the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def worker_pool(workers: int) -> Iterator[Executor]:
    """A process pool whose workers ignore SIGINT: on Ctrl-C (or any exception) in the block, the queued work
    is cancelled and the pool shut down, the running chunks finishing first (a chunk is short: see
    :func:`chunk_size_for`).  Terminating busy workers instead could kill one while it sends its result and
    leave the pool's result pipe half-written, hanging the shutdown.

    Submit work inside :func:`sim.output.sigint_held`: workers start as work is submitted.
    """
    method = "forkserver" if sys.platform.startswith("linux") else "spawn"
    with sigint_held():
        if method == "forkserver":
            _start_quiet_forkserver()
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                                   initializer=_ignore_sigint)
    try:
        yield pool
    except BaseException:
        with sigint_held():  # a second Ctrl-C waits for the shutdown too
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def run_chunks(scenario: Scenario, replications: int, seed: int, workers: int | None = None,
               chunk_size: int | None = None, on_progress: Callable[[int], None] | None = None) -> list[Chunk]:
    """All chunks of a run, in replication order; ``on_progress(n)`` is called as n replications finish."""
    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    workers = workers or default_workers()
    size = chunk_size or chunk_size_for(replications, workers)
    starts = list(range(0, replications, size))
    counts = [min(size, replications - s) for s in starts]
    chunks: list[Chunk] = []
    if workers == 1 or len(starts) == 1:
        for first, count in zip(starts, counts):
            chunks.append(run_chunk(scenario, seed, first, count))
            if on_progress:
                on_progress(count)
    else:
        with worker_pool(min(workers, len(starts))) as pool:
            with sigint_held():
                pending: set[Future] = {pool.submit(run_chunk, scenario, seed, f, c)
                                        for f, c in zip(starts, counts)}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    chunk = future.result()
                    chunks.append(chunk)
                    if on_progress:
                        on_progress(len(chunk.rows))
    chunks.sort(key=lambda c: c.first)
    return chunks


def run(scenario: Scenario, replications: int = 500, seed: int = 0, workers: int | None = None,
        chunk_size: int | None = None, on_progress: Callable[[int], None] | None = None,
        name: str | None = None) -> "Results":
    """Run ``replications`` Monte Carlo replications of ``scenario`` and gather the results.

    Same ``seed`` gives identical results whatever ``workers`` or ``chunk_size``.
    """
    from sim.results import Results

    started = time.perf_counter()
    chunks = run_chunks(scenario, replications, seed, workers, chunk_size, on_progress)
    wall_seconds = time.perf_counter() - started
    return Results.from_chunks(scenario, chunks, seed=seed, wall_seconds=wall_seconds, name=name)
