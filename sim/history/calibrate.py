"""Calibration: fit chosen uncertain parameters of a scenario to an observed record, on the sweep machinery.

The method (docs/backtest.md, "Calibration"):

1. **Score.** Every scored observation of the record (a milestone date or a point of a progress curve) is
   compared with a design point's replications by the continuous ranked probability score (CRPS), a proper
   scoring rule: it rewards a distribution for putting its mass near the observation, and is lowest, in
   expectation, for the true distribution, so it cannot be gamed by bands that are too wide or too narrow.
   Milestones are scored in days (the observed date's middle, day + 0.5; a milestone not reached by the
   horizon counts as the day after the horizon), curve points as fractions, counts and states (amendments by a
   date, issues open) in counts on the probe ``quantity@day``, binary rows (an event by a date: its runs day
   column, 1 when the day is before the end of the date; ``judged_complete``: its probe) as 0/1, whose CRPS is
   the Brier score.  To add days to fractions and counts each CRPS is divided by a scale (:data:`SCALE_DAYS`,
   :data:`SCALE_FRACTION`, :data:`SCALE_COUNT`: a month of delay weighs as much as ten points of progress or
   two counts; a Brier score is not scaled) and weighted by the observation's confidence (:data:`CONFIDENCE_WEIGHTS`).  The
   score of a point is the weighted mean: 0 is a perfect, certain forecast.
2. **Search.** Stage 1 is a Latin hypercube of ``samples`` points over the given ranges; stage 2 another one
   in the box that holds stage 1's best points (the ``accept`` share of them, at least three), widened by
   ``refine`` of each range on either side: narrow where the record pins a parameter down, wide where not.  Every point runs the same
   replications (common random numbers: replication *k* has the same seed at every point), so differences in
   score are differences of the parameters, not of the luck of the draw.
3. **Confirm.** The ``confirm`` best points of both stages, and the scenario as given, are scored again with
   ``confirm_replications`` replications; the best of them is the fit (the scenario as given, if none beats it:
   then the fit changes nothing).
4. **Uncertainty.** For each parameter, the range of its values among the searched points that score within
   :data:`NEAR_BEST` (10%) of the best one (at least three points): the values that fit about as well.  A wide
   range says the record does not pin the parameter down; the score's own noise (finite replications) widens
   it a little.

Everything runs as sweep tasks (:mod:`sim.execution.replicate`) on an engine of :mod:`sim.execution.engines`: on one machine or
on a Dask cluster (``scheduler``), with identical results.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from sim.core.problems import Problem, ScenarioError
from sim.history.scores import SCALE_COUNT, SCALE_DAYS, SCALE_FRACTION, crps  # re-exported: the calibration's names

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from sim.execution.engines import Engine
    from sim.history.observed import ObservedRecord
    from sim.scenario.schema import Scenario
    from sim.sweeps.loading import Sweep

CONFIDENCE_WEIGHTS = {"high": 1.0, "medium": 0.5, "low": 0.25}
"""Weight of an observation in the score, by the record's confidence in it."""
NEAR_BEST = 0.10
"""Searched points scoring within this share of the best score "fit about as well"."""
_PARAMETER = re.compile(r"^\s*([^=\s]+)\s*=\s*([-+0-9.eE]+)\s*:\s*([-+0-9.eE]+)\s*$")


# ------------------------------------------------------------------------------------------------------
# Parameters, targets, scores
# ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FitParameter:
    """A parameter to fit: a key path of the scenario (as ``--set`` writes it; several, comma-separated, that
    take one value, e.g. both ships' ``max_wait_days``) and its range."""

    path: str
    low: float
    high: float

    @property
    def paths(self) -> list[str]:
        return self.path.split(",")


def parse_fit_parameter(text: str) -> FitParameter:
    """``'compliance.convoy_release_delay_days.mode=5:40'`` -> a :class:`FitParameter`; ValueError if not."""
    m = _PARAMETER.match(text)
    if not m:
        raise ValueError(f"cannot read {text!r}; expected KEY.PATH=LOW:HIGH (or PATH,PATH=LOW:HIGH for paths "
                         "that take one value), e.g. 'compliance.convoy_release_delay_days.mode=5:40'")
    path, low, high = m.group(1), float(m.group(2)), float(m.group(3))
    if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
        raise ValueError(f"{text!r}: LOW must be below HIGH, both finite numbers")
    return FitParameter(",".join(p.strip() for p in path.split(",")), low, high)


@dataclass(frozen=True)
class Target:
    """One scored observation as the calibration sees it."""

    id: str
    outcome: str  # the sweep outcome: a milestone id, QUANTITY@DATE, or an event's runs day column
    column: str  # the runs column it comes from
    kind: str  # milestone | curve | count | state | binary
    observed: float  # days (the middle of the observed date), a fraction, a count, or 0/1
    scale: float
    weight: float
    by_day: float | None = None  # an event row: it happened when its day is below this (the end of the date)


def targets_of(scenario: "Scenario", record: "ObservedRecord") -> list[Target]:
    """The record's scored rows as calibration targets (see the module's docstring)."""
    from sim.core.contract import EVENTS
    from sim.history.scores import SCALES

    out = []
    for obs in record.observations:
        if not obs.scored:
            continue
        weight = CONFIDENCE_WEIGHTS[obs.confidence]
        if obs.kind == "milestone":
            out.append(Target(obs.id, obs.milestone, f"{obs.milestone}_day", "milestone",
                              scenario.day_of(obs.date) + 0.5, SCALE_DAYS, weight))
        elif obs.event is not None:
            column = EVENTS[obs.event]
            out.append(Target(obs.id, column, column, "binary", obs.number, 1.0, weight,
                              by_day=scenario.day_of(obs.date) + 1.0))
        else:
            day = scenario.day_of(obs.date)
            out.append(Target(obs.id, f"{obs.quantity}@{obs.date.isoformat()}", f"{obs.quantity}@{day}", obs.kind,
                              obs.number, SCALES[obs.kind], weight))
    return out


def target_values(runs: "pd.DataFrame", target: Target, points: int, horizon_days: int) -> np.ndarray:
    """A target's values per point and replication, shape (points, replications); an unreached milestone is
    the day after the horizon, an event 1 if it happened by the end of its date, else 0."""
    raw = runs[target.column].to_numpy(dtype=float).reshape(points, -1)
    if target.by_day is not None:
        return (~np.isnan(raw) & (raw < target.by_day)).astype(float)
    return np.where(np.isnan(raw), horizon_days + 1.0, raw) if target.kind == "milestone" else raw


def scores(runs: "pd.DataFrame", targets: list[Target], points: int, horizon_days: int) -> tuple[np.ndarray,
                                                                                                  np.ndarray]:
    """(score per point, normalised CRPS per point and target)."""
    table = np.empty((points, len(targets)))
    for j, target in enumerate(targets):
        values = target_values(runs, target, points, horizon_days)
        table[:, j] = [crps(values[i], target.observed) / target.scale for i in range(points)]
    weights = np.array([t.weight for t in targets])
    return table @ weights / weights.sum(), table


# ------------------------------------------------------------------------------------------------------
# The result
# ------------------------------------------------------------------------------------------------------


@dataclass
class Calibration:
    """What :func:`calibrate` found."""

    scenario_path: Path
    base: "Scenario"
    record: "ObservedRecord"
    parameters: list[FitParameter]
    overrides: list[str]
    targets: list[Target]
    evaluated: "pd.DataFrame"  # every point: stage, point, the parameters, score, per-target scores
    best: dict[str, Any]
    intervals: dict[str, dict[str, float]]
    before: dict[str, Any]
    after: dict[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)
    wall_seconds: float = math.nan
    events: int = 0

    def to_json(self) -> dict[str, Any]:
        from sim.core.files import clean_json

        return clean_json({
            "scenario": self.base.name,
            "scenario_file": str(self.scenario_path),
            "record": self.record.name,
            "method": "CRPS scoring; Latin hypercube in two stages; confirmation of the best points; the values "
                      "of the points scoring within 10% of the best (docs/backtest.md)",
            "settings": self.settings,
            # low/high: the range searched (as given to --parameter); near_best: the values that fit about as
            # well.  The near-best range has its own key: spread into the entry, it overwrote the searched range.
            "parameters": [{"path": p.path, "low": p.low, "high": p.high, "base": self.before["values"][p.path],
                            "fitted": self.best[p.path], "near_best": dict(self.intervals[p.path])}
                           for p in self.parameters],
            "targets": [{"id": t.id, "outcome": t.outcome, "kind": t.kind, "observed": t.observed, "scale": t.scale,
                         "weight": t.weight} for t in self.targets],
            "before": self.before,
            "after": self.after,
            "wall_seconds": self.wall_seconds,
        })

    def calibrated_yaml(self, where: Path) -> str:
        """A scenario that ``extends`` the original and ``set``s the fitted values (see
        :func:`sim.output.calibration_folder.calibrated_yaml`)."""
        from sim.output.calibration_folder import calibrated_yaml

        return calibrated_yaml(self, where)

    def save(self, folder: str | Path, command: str = "", plots: bool = True) -> Path:
        """Write the calibration folder atomically (see :func:`sim.output.calibration_folder.save_calibration`)."""
        from sim.output.calibration_folder import save_calibration

        return save_calibration(self, folder, command=command, plots=plots)


# ------------------------------------------------------------------------------------------------------
# The fit
# ------------------------------------------------------------------------------------------------------


def _sweep_for(scenario_path: Path, parameters: list[FitParameter], targets: list[Target], samples: int,
               replications: int, seed: int, overrides: list[str]) -> "Sweep":
    from sim.sweeps.loading import build_sweep

    outcomes = list(dict.fromkeys(t.outcome for t in targets))
    data = {"name": "calibration", "base": str(scenario_path.resolve()), "method": "lhs", "samples": samples,
            "replications": replications, "seed": seed, "outcomes": outcomes,
            "parameters": [{"path": p.paths if len(p.paths) > 1 else p.path, "name": p.path, "low": p.low,
                            "high": p.high} for p in parameters]}
    lines = {(): ("--parameter", None), ("parameters",): ("--parameter", None)}
    for i, p in enumerate(parameters):
        for key in ("", "low", "high", "path"):
            lines[("parameters", i, key) if key else ("parameters", i)] = (f"--parameter {p.path}", None)
    try:
        return build_sweep(data, lines, "calibrate", Path.cwd(), overrides=overrides)
    except ScenarioError as exc:  # a parameter's problem: named by its --parameter, not by sweep keys
        raise ScenarioError([Problem(p.file, p.line, "", p.message) if p.path.startswith("parameters") else p
                             for p in exc.problems]) from None


def _evaluate(sw: "Sweep", assignments: list[dict[str, Any]], replications: int, seed: int, engine: "Engine",
              on_progress: Callable[[int], None] | None) -> tuple["pd.DataFrame", int]:
    from sim.execution.replicate import Job, execute

    scenarios = [sw.point_scenario(a) for a in assignments]
    runs = execute(Job("sweep", seed, columns=sw.columns()), scenarios, replications, engine,
                   on_progress=on_progress).runs
    return runs, int(runs["events"].sum())


def _figures(runs: "pd.DataFrame", targets: list[Target], record: "ObservedRecord", scenario: "Scenario",
             index: int, points: int, score: float, values: dict[str, Any]) -> dict[str, Any]:
    """Score, coverage and band widths of one evaluated point (as a backtest would report them)."""
    from sim.history.backtest import score_observation, summarise

    rows = []
    by_id = {o.id: o for o in record.observations}
    for target in targets:
        raw = runs[target.column].to_numpy(dtype=float).reshape(points, -1)[index]
        obs = by_id[target.id]
        row = score_observation(obs, raw, scenario)
        rows.append({"id": target.id, "kind": target.kind, "target": obs.target, "confidence": obs.confidence,
                     **row})
    summary = summarise(rows)
    return {
        "values": values,
        "score": float(score),
        "coverage": {k: summary["coverage"]["all"][k] for k in ("n", "inside", "coverage")},
        "outside": [o["id"] for o in summary["outside"]],
        "milestone_mae_days": summary["milestones"]["mae"],
        "milestone_width": summary["milestones"]["sharpness"],
        "curve_mae": summary["fractions"]["mae"],
        "curve_width": summary["fractions"]["sharpness"],
        "count_mae": summary["counts"]["mae"],
        "count_width": summary["counts"]["sharpness"],
        "brier": summary["binary"]["brier"],
        "log_score": summary["binary"]["log_score"],
        "coverage_by_kind": {kind: group["coverage"] for kind, group in summary["coverage_by_kind"].items()},
    }


def calibrate(scenario_path: str | Path, record: "ObservedRecord", parameters: list[FitParameter], *,
              samples: int = 64, replications: int = 30, seed: int = 0, overrides: list[str] | None = None,
              refine: float = 0.05, confirm: int = 5, confirm_replications: int | None = None,
              accept: float = 0.1, workers: int | None = None, scheduler: str | None = None,
              engine: "Engine | None" = None, on_progress: Callable[[int], None] | None = None) -> Calibration:
    """Fit ``parameters`` of the scenario at ``scenario_path`` to ``record`` (see the module's docstring)."""
    import time

    import pandas as pd

    from sim.execution.engines import make_engine
    from sim.scenario.loading import load_scenario
    from sim.sweeps.design import make_design

    overrides = list(overrides or [])
    scenario_path = Path(scenario_path)
    base = load_scenario(scenario_path, overrides=overrides)
    problems = record.check_against(base)
    if not parameters:
        problems.append(Problem("--parameter", None, "", "give at least one parameter to fit, as "
                                                         "--parameter KEY.PATH=LOW:HIGH"))
    if len({p.path for p in parameters}) != len(parameters):
        problems.append(Problem("--parameter", None, "", "the same key path is given twice"))
    if problems:
        raise ScenarioError(problems)
    targets = targets_of(base, record)
    if not targets:
        raise ScenarioError([Problem(record._label or record.name, None, "observations",
                                     "the record has no scored observation to fit to")])
    sw = _sweep_for(scenario_path, parameters, targets, samples, replications, seed, overrides)
    confirm_replications = confirm_replications or 4 * replications
    names = [p.path for p in parameters]
    spaces = sw.spaces
    own = engine is None
    engine = engine or make_engine(workers, scheduler)
    frames = []
    events = 0
    started = time.perf_counter()
    try:
        # Stage 1: the whole box.
        design = sw.design()
        stage1 = design.assignments()
        runs, n = _evaluate(sw, stage1, replications, seed, engine, on_progress)
        events += n
        s1, table1 = scores(runs, targets, len(stage1), base.horizon_days)
        frames.append(_frame(1, stage1, names, s1, table1, targets))
        # Stage 2: the box that holds stage 1's best points (the accepted share), a little widened.
        keep = np.argsort(s1, kind="stable")[: max(3, int(math.ceil(accept * len(s1))))]
        narrowed = []
        for space in spaces:
            values = [float(stage1[i][space.name]) for i in keep]
            margin = refine * (space.high - space.low)
            lo, hi = max(space.low, min(values) - margin), min(space.high, max(values) + margin)
            if space.kind == "int":
                lo, hi = math.floor(lo), math.ceil(hi)
            narrowed.append(dataclasses.replace(space, low=lo, high=hi) if hi > lo else space)
        stage2 = make_design("lhs", narrowed, samples, seed + 1).assignments()
        runs, n = _evaluate(sw, stage2, replications, seed, engine, on_progress)
        events += n
        s2, table2 = scores(runs, targets, len(stage2), base.horizon_days)
        frames.append(_frame(2, stage2, names, s2, table2, targets))
        # Confirmation: the best points of both stages, and the scenario as given, with more replications.
        evaluated = pd.concat(frames, ignore_index=True)
        ranked = evaluated.sort_values(["score", "stage", "point"], kind="stable")
        candidates: list[dict[str, Any]] = []
        for _, row in ranked.iterrows():
            assignment = {name: _plain(row[name], space.kind) for name, space in zip(names, spaces)}
            if assignment not in candidates:
                candidates.append(assignment)
            if len(candidates) == confirm:
                break
        given = {name: _base_value(space) for name, space in zip(names, spaces)}
        runs, n = _evaluate(sw, [{}, *candidates], confirm_replications, seed, engine, on_progress)
        events += n
        s3, table3 = scores(runs, targets, len(candidates) + 1, base.horizon_days)
        frames.append(_frame(3, [given, *candidates], names, s3, table3, targets))
        # The scenario as given competes too: if nothing searched beats it, the fit keeps its values.
        winner = int(np.argmin(s3))
        best = given if winner == 0 else candidates[winner - 1]
        fitted = sw.point_scenario({} if winner == 0 else best)
        before = _figures(runs, targets, record, base, 0, len(candidates) + 1, s3[0], given)
        after = _figures(runs, targets, record, fitted, winner, len(candidates) + 1, s3[winner], best)
    finally:
        if own:
            engine.close()
    wall = time.perf_counter() - started
    # The values that fit about as well: every searched point scoring within NEAR_BEST of the best one.
    searched = np.concatenate([s1, s2])
    points = stage1 + stage2
    close = np.flatnonzero(searched <= searched.min() * (1 + NEAR_BEST))
    if len(close) < 3:
        close = np.argsort(searched, kind="stable")[:3]
    intervals = {}
    for name in names:
        values = np.array([float(points[i][name]) for i in close] + [float(best[name])])
        intervals[name] = {"low": float(values.min()), "high": float(values.max()), "points": int(len(close))}
    settings = {"samples": samples, "replications": replications, "seed": seed, "refine": refine,
                "confirm": confirm, "confirm_replications": confirm_replications, "accept": accept,
                "overrides": overrides}
    return Calibration(scenario_path, base, record, parameters, overrides, targets, pd.concat(frames, ignore_index=True),
                       best, intervals, before, after, settings, wall, events)


def _frame(stage: int, assignments: list[dict[str, Any]], names: list[str], score: np.ndarray,
           table: np.ndarray, targets: list[Target]) -> "pd.DataFrame":
    import pandas as pd

    data: dict[str, Any] = {"stage": stage, "point": np.arange(len(assignments))}
    for name in names:
        data[name] = [float(a[name]) if name in a else math.nan for a in assignments]
    data["score"] = score
    for j, target in enumerate(targets):
        data[f"crps:{target.id}"] = table[:, j]
    return pd.DataFrame(data)


def _plain(value: Any, kind: str) -> Any:
    return int(round(float(value))) if kind == "int" else float(value)


def _base_value(space: Any) -> Any:
    """The scenario's own value of a parameter (a distribution's mean where the path names a distribution)."""
    base = space.base
    if isinstance(base, (int, float)) and not isinstance(base, bool):
        return base
    return space.base_numeric


__all__ = ["calibrate", "Calibration", "FitParameter", "parse_fit_parameter", "crps", "targets_of", "scores",
           "SCALE_DAYS", "SCALE_FRACTION", "SCALE_COUNT", "CONFIDENCE_WEIGHTS"]
