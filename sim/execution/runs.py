"""Runs: the replications of one scenario on the one replication engine, and what becomes of them.

:func:`~sim.execution.replicate.run_one` is pure and picklable: a scenario and a replication seed in, an
:class:`~sim.model.Outcome` out.  :func:`run` replicates a scenario on an engine (this process, a local pool or a Dask cluster: identical
results) through :func:`sim.execution.replicate.execute`, then re-runs the representative replication (the
median one by destruction_complete_day; it is pure) with its event records for events.parquet, and returns
:class:`~sim.results.results.Results`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from sim.core.contract import Probe
from sim.execution.base import Engine, ReplicationFailures, default_workers
from sim.execution.engines import make_engine
from sim.execution.parts import job_identity, text_hash
from sim.execution.replicate import Gathered, Job, chunk_size_for, execute, refuse_oversized, run_one
from sim.model import simulate
from sim.results.bands import daily_values
from sim.results.tables import events_frame, median_replication
from sim.scenario.loading import scenario_to_yaml
from sim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from sim.execution.parts import PartStore
    from sim.model import Outcome
    from sim.results.results import Results

def daily_series(outcome: "Outcome", horizon_days: int) -> np.ndarray:
    """The day-end values of :data:`~sim.core.contract.SERIES` for days 0..horizon, shape (len(SERIES),
    horizon + 1)."""
    return daily_values(outcome.snapshots, horizon_days, outcome.count_steps)


def run_identity(scenario: Scenario, seed: int, replications: int) -> dict:
    """What a run's results depend on (see :mod:`sim.execution.parts`)."""
    return job_identity("run", seed, replications, scenario=text_hash(scenario_to_yaml(scenario)))


def job_of_run(seed: int, probes: Sequence[Probe] = ()) -> Job:
    """The job of a run: every column, its daily bands, and ``probes``."""
    return Job("run", seed, probes=tuple(probes), bands=True)


def execute_run(scenario: Scenario, replications: int, seed: int, engine: Engine, chunk_size: int | None = None,
                on_progress: Callable[[int], None] | None = None, store: "PartStore | None" = None,
                probes: Sequence[Probe] = ()) -> Gathered:
    """Run (or, with a store, finish) every chunk of a run on ``engine`` and gather rows, bands and probes."""
    return execute(job_of_run(seed, probes), [scenario], replications, engine, chunk_size=chunk_size, store=store,
                   on_progress=on_progress)


def representative_events(scenario: Scenario, runs: "pd.DataFrame") -> "pd.DataFrame":
    """Re-run the median replication (it is pure) with event recording, and tabulate its events."""
    replication = median_replication(runs)
    seed = int(runs.loc[runs["replication"] == replication, "seed"].iloc[0])
    outcome = simulate(scenario, seed, record_events=True, keep_changes=True)
    return events_frame(scenario, replication, outcome.records, outcome.changes)


def results_of(scenario: Scenario, out: Gathered, seed: int, name: str | None = None) -> "Results":
    """The :class:`~sim.results.results.Results` of a gathered run, with its representative replication's
    events."""
    from sim.results.results import Results

    return Results.build(scenario, out.runs, out.bands, representative_events(scenario, out.runs), seed=seed,
                         name=name, wall_seconds=out.wall_seconds, resumed_chunks=out.resumed_chunks)


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
    refuse_oversized(job_of_run(seed), 1, replications)  # before any engine starts (a cluster connects)
    own = engine is None
    engine = engine or make_engine(workers, scheduler)
    try:
        out = execute_run(scenario, replications, seed, engine, chunk_size, on_progress, store)
    finally:
        if own:
            engine.close()
    return results_of(scenario, out, seed, name)


__all__ = ["run", "run_one", "execute_run", "results_of", "representative_events", "run_identity",
           "daily_series", "chunk_size_for", "default_workers", "ReplicationFailures"]
