"""Running a search: ask a batch of candidates, run them on the replication engine, tell, repeat.

Determinism: the sampler is seeded and asked a fixed number of candidates per batch (the file's ``batch``,
whatever the number of workers); every candidate runs replications ``0 .. R-1`` with the seeds of the search's
seed (common random numbers: two candidates differ by their levers, not by their luck); the results are told
in the order the candidates were asked.  The same seed therefore gives the same search on one core, on a local
pool or on a Dask cluster.  A candidate asked again is not run again: its runs would be the same.

Resume: with a part store, each finished batch's runs go to one part file (``runs-<batch>.parquet``).  An
interrupted search run again with ``--resume`` replays from the seed: the sampler asks the same candidates,
the batches already on disk are read back instead of run, and the rest run as before, so the result is the
one an uninterrupted search gives, by construction.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import pandas as pd

from sim.adversarial.loading import Search, load_search
from sim.adversarial.measures import measure_values
from sim.adversarial.budget import repaired
from sim.adversarial.optimiser import ask, distributions, fail, make_study, tell
from sim.adversarial.results import SearchResults, choose
from sim.execution.engines import make_engine
from sim.execution.replicate import Job, execute

if TYPE_CHECKING:  # pragma: no cover
    from sim.execution.base import Engine
    from sim.execution.parts import PartStore
    from sim.scenario.schema import Scenario

Key = tuple[tuple[str, str], ...]


def _key(assignment: dict[str, Any]) -> Key:
    return tuple((name, repr(value)) for name, value in sorted(assignment.items()))


def _aggregate(search: Search, per_arm: list[dict[str, float]]) -> tuple[list[float], list[float], dict[str, Any]]:
    """The objective values and constraint violations of a candidate over the state strategies: the worst case
    (robust) or the mean (expected); with one strategy, its values."""
    expected = search.spec.robust == "expected"

    def over(text: str, larger_is_worse: bool) -> float:
        values = [arm[text] for arm in per_arm]
        if any(math.isnan(v) for v in values):
            return math.nan
        return float(np.mean(values)) if expected else (max(values) if larger_is_worse else min(values))

    objectives = [over(m.text, goal == "minimize") for m, goal in zip(search.objectives, search.goals)]
    constraint_values = [over(c.measure.text, c.op in ("<=", "<")) for c in search.constraints]
    violations = [c.violation(v) for c, v in zip(search.constraints, constraint_values)]
    shown = {m.text: v for m, v in zip(search.objectives, objectives)}
    shown.update({c.measure.text: v for c, v in zip(search.constraints, constraint_values)})
    return objectives, violations, shown


def _measured(search: Search, frame: pd.DataFrame, scenarios: list["Scenario"]) -> dict[int, list[dict[str, float]]]:
    """Each candidate's measures per state strategy, from a batch's runs (candidate, arm, columns)."""
    out: dict[int, list[dict[str, float]]] = {}
    arms = len(search.arms)
    for (candidate, arm), rows in frame.groupby(["candidate", "arm"], sort=True):
        out.setdefault(int(candidate), [{}] * arms)[int(arm)] = measure_values(search.measures, rows,
                                                                                scenarios[int(arm)])
    return out


def _affordable(search: Search, study: Any, dists: dict[str, Any], trial: Any, names: list[str]) -> Any:
    """``trial``, or, if the verifier cannot afford it, a trial of its repair (:mod:`sim.adversarial.budget`);
    the unaffordable one is told to the optimiser as failed."""
    fixed = repaired(search, {name: trial.params[name] for name in names})
    if fixed is None:
        return trial
    fail(study, trial)
    study.enqueue_trial(fixed)
    return ask(study, dists, 1)[0]


def _run_batch(search: Search, batch: int, candidates: list[tuple[int, dict[str, Any] | None]], engine: "Engine",
               store: "PartStore | None", on_progress: Callable[[int], None] | None) -> pd.DataFrame:
    """The runs of a batch's new candidates (``None``: the base unchanged), read back if its part file is saved."""
    if store is not None and batch in set(store.done("runs")):
        frame = store.read("runs", batch)
        if on_progress:
            on_progress(len(candidates) * len(search.arms) * search.replications)
        return frame
    scenarios = [arm.sweep.base if assignment is None else arm.sweep.point_scenario(assignment)
                 for _, assignment in candidates for arm in search.arms]
    if scenarios:
        runs = execute(Job("sweep", search.seed, columns=search.columns()), scenarios, search.replications,
                       engine, on_progress=on_progress).runs
        point = runs.pop("point").to_numpy()
        ids = np.array([cid for cid, _ in candidates])
        runs.insert(0, "arm", point % len(search.arms))
        runs.insert(0, "candidate", ids[point // len(search.arms)])
    else:
        runs = pd.DataFrame({"candidate": pd.Series(dtype="int64"), "arm": pd.Series(dtype="int64")})
    if store is not None:
        store.write("runs", batch, runs)
    return runs


def run_search(search: Search, engine: "Engine", store: "PartStore | None" = None,
               on_progress: Callable[[int], None] | None = None) -> SearchResults:
    """The search on ``engine`` (with ``store``, streaming each batch to a part file and reading back the saved
    ones)."""
    started = time.perf_counter()
    study = make_study(search.seed, search.goals, search.batch, search.evaluations, bool(search.constraints))
    dists = distributions(search.spaces, {lever.label: lever.step for lever in search.spec.levers})
    names = [space.name for space in search.spaces]
    known: dict[Key, int] = {}
    measured: dict[int, list[dict[str, float]]] = {}
    frames: list[pd.DataFrame] = []
    rows: list[dict[str, Any]] = []
    batches = -(-search.evaluations // search.batch)
    for batch in range(batches):
        trials = ask(study, dists, min(search.batch, search.evaluations - batch * search.batch))
        trials = [_affordable(search, study, dists, trial, names) for trial in trials]
        assignments = [{name: trial.params[name] for name in names} for trial in trials]
        fresh: list[tuple[int, dict[str, Any] | None]] = [(0, None)] if batch == 0 else []  # 0: the base
        for assignment in assignments:
            if _key(assignment) not in known:
                known[_key(assignment)] = len(known) + 1
                fresh.append((known[_key(assignment)], assignment))
        frame = _run_batch(search, batch, fresh, engine, store, on_progress)
        repeats = len(trials) - sum(1 for _, assignment in fresh if assignment is not None)
        if on_progress and repeats:  # a candidate asked again is not run again
            on_progress(repeats * len(search.arms) * search.replications)
        frames.append(frame)
        measured.update(_measured(search, frame, [arm.sweep.base for arm in search.arms]))
        for trial, assignment in zip(trials, assignments):
            candidate = known[_key(assignment)]
            objectives, violations, shown = _aggregate(search, measured[candidate])
            if search.side == "blue":
                violations = violations + [search.cost(assignment) - float(search.spec.cost_limit or 0)]
            tell(study, trial, objectives, violations)
            rows.append(_row(search, len(rows), batch, candidate, assignment, shown, violations, measured[candidate],
                             repeat=any(r["candidate"] == candidate for r in rows)))
    reference = _row(search, -1, 0, 0, search.base_assignment(), _aggregate(search, measured[0])[2],
                     _aggregate(search, measured[0])[1], measured[0], repeat=False)
    history = pd.DataFrame(rows)
    runs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    best, front = choose(search, history, reference)
    return SearchResults(search, history, runs, reference, best, front, time.perf_counter() - started)


def _row(search: Search, evaluation: int, batch: int, candidate: int, assignment: dict[str, Any],
         shown: dict[str, float], violations: list[float], per_arm: list[dict[str, float]],
         repeat: bool) -> dict[str, Any]:
    """One evaluation's row of the history."""
    row: dict[str, Any] = {"evaluation": evaluation, "batch": batch, "candidate": candidate, "repeat": repeat}
    row.update({name: assignment.get(name) for name in (s.name for s in search.spaces)})
    row.update(shown)
    if len(search.arms) > 1:
        for arm, values in zip(search.arms, per_arm):
            row.update({f"{text} [{arm.name}]": value for text, value in values.items()})
    if search.side == "blue":
        row["cost"] = search.cost(assignment)
    row["violation"] = float(sum(max(0.0, v) for v in violations))
    row["feasible"] = all(v <= 0 for v in violations)
    return row


def evaluate(search: Search, assignments: list[dict[str, Any]], engine: "Engine") -> list[dict[str, Any]]:
    """Each candidate's row as the history would have it (no optimiser): for enumerating a small space, or
    checking a candidate found.  The same replication seeds as the search's."""
    fresh = [(k + 1, assignment) for k, assignment in enumerate(assignments)]
    frame = _run_batch(search, 0, fresh, engine, None, None)
    measured = _measured(search, frame, [arm.sweep.base for arm in search.arms])
    rows = []
    for candidate, assignment in fresh:
        _, violations, shown = _aggregate(search, measured[candidate])
        if search.side == "blue":
            violations = violations + [search.cost(assignment) - float(search.spec.cost_limit or 0)]
        rows.append(_row(search, candidate - 1, 0, candidate, assignment, shown, violations, measured[candidate],
                         repeat=False))
    return rows


def search(spec: str | Search, *, seed: int | None = None, evaluations: int | None = None,
           replications: int | None = None, overrides: list[str] | None = None, workers: int | None = None,
           scheduler: str | None = None, engine: "Engine | None" = None, store: "PartStore | None" = None,
           on_progress: Callable[[int], None] | None = None) -> SearchResults:
    """Run a search file (red or blue).  Same seed, same result, whatever ``workers`` or ``scheduler``."""
    s = spec if isinstance(spec, Search) else load_search(spec, overrides=overrides, seed=seed,
                                                          evaluations=evaluations, replications=replications)
    own = engine is None
    engine = engine or make_engine(workers, scheduler)
    try:
        return run_search(s, engine, store=store, on_progress=on_progress)
    finally:
        if own:
            engine.close()


__all__ = ["search", "run_search", "evaluate"]
