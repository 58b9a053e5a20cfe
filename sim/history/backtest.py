"""Backtests: a scenario's simulated bands scored against an observed record (:mod:`sim.history.observed`).

For every scored observation the backtest gives the simulated 10th, 50th and 90th percentiles, the observed
value, where the observation falls in the simulated distribution (its PIT) and whether it falls in the 80%
band (p10..p90); over all observations: the coverage of the 80% bands, the mean absolute error of the median
(days for milestones, fraction for curve points) and the mean width of the bands (sharpness).

Conventions (docs/backtest.md):

* **Milestones** are compared on calendar dates, the resolution of the record. A simulated milestone at day
  *d* falls on ``start_date + floor(d)``; a milestone not reached by the horizon counts as later than the
  horizon (as in summary.json: a percentile among the unreached is None, never a made-up day). The observed
  date covers the model interval ``[day_of(date), day_of(date) + 1)``.
* **Curve points** use each replication's day-end value of ``removed_fraction`` or ``destroyed_fraction`` on
  the observation's date (the values timeseries.parquet's bands are computed from).
* **PIT** (probability integral transform) is the mid-distribution PIT, ``P(X < x) + P(X = x) / 2``, where
  for a milestone "= x" means "on the observed date" and for a fraction "within 1e-6", or within half its
  rounding for a value its source rounds (``rounded_to``). A well-calibrated
  model's PITs are spread evenly over 0-1; near 0 the record is earlier (or lower) than nearly all
  replications, near 1 later (or higher).
* **In the band** means ``p10 <= observed <= p90`` (on dates for milestones; for a rounded value, the
  interval it stands for meets the band).  ``position`` says which side of
  the band an observation falls: ``below`` (earlier, or lower), ``inside`` or ``above`` (later, or higher).
* **Counts, states and binary events** (amendments by a date, issues open on a date, a use by a date) are
  scored in :mod:`sim.history.scores`: bands of whole numbers, and for a yes/no the share ``p`` of replications
  where it is true, its Brier and logarithmic scores.  Every scored row carries its CRPS (``crps``, in its own
  unit, and ``crps_scaled``, divided by the calibration's scale of its kind).
* **Error** is the median minus the observed value: positive when the model is later (milestones, in days)
  or further along (fractions).  When the median is not reached by the horizon, the error and band width are
  computed with the horizon instead and flagged ``censored`` (they are then lower bounds).

No matplotlib here: the charts are in :mod:`sim.charts.backtest`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from sim.core.problems import ScenarioError
from sim.core.contract import COUNT_LABELS, EVENT_LABELS, EVENTS, MILESTONE_LABELS
from sim.history.observed import (CONFIDENCE_LEVELS, SCORED_QUANTITIES, UNSCORED_QUANTITIES, Observation,
                                  ObservedRecord)
from sim.history.record_rows import KINDS
from sim.history.scores import SCALES, crps, reliability, score_binary, score_count
from sim.core.stats import percentile_or_none, wilson_interval

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from sim.execution.engines import Engine
    from sim.results.results import Results
    from sim.scenario.schema import Scenario

BAND_PERCENTILES = (10, 50, 90)
"""The band (p10..p90, 80%) and its median."""
TIE_TOLERANCE = 1e-6
"""Fractions closer than this count as equal (the series are float32: ~6e-8 on 0..1)."""
QUANTITY_LABELS = {
    "removed_fraction": "Removed (share of declared tonnes on a removal route)",
    "destroyed_fraction": "Destroyed (share of all declared tonnes)",
    "removed_or_destroyed_in_country_fraction": "Removed or destroyed in country (not simulated)",
    **COUNT_LABELS,
}


# ------------------------------------------------------------------------------------------------------
# PIT and one observation's score
# ------------------------------------------------------------------------------------------------------


def pit_of_days(days: np.ndarray, start: float, end: float) -> float:
    """Mid-distribution PIT of an observed date covering model time ``[start, end)``.

    ``days`` are the replications' milestone days, NaN for "not reached" (later than any date).
    """
    days = np.asarray(days, dtype=float)
    below = np.sum(days < start)  # NaN compares False: an unreached milestone is never below
    on = np.sum((days >= start) & (days < end))
    return float((below + 0.5 * on) / len(days))


def pit_of_values(values: np.ndarray, observed: float, tolerance: float = TIE_TOLERANCE) -> float:
    """Mid-distribution PIT of an observed value among the replications' values (ties within ``tolerance``)."""
    values = np.asarray(values, dtype=float)
    below = np.sum(values < observed - tolerance)
    on = np.sum(np.abs(values - observed) <= tolerance)
    return float((below + 0.5 * on) / len(values))


def _position(inside: bool, below: bool) -> str:
    return "inside" if inside else ("below" if below else "above")


def score_milestone(days: np.ndarray, observed: dt.date, scenario: "Scenario") -> dict[str, Any]:
    """Score an observed milestone date against the replications' days (NaN: not reached)."""
    days = np.asarray(days, dtype=float)
    p10, p50, p90 = (percentile_or_none(days, q) for q in BAND_PERCENTILES)
    dates = [None if p is None else scenario.date_of(p) for p in (p10, p50, p90)]
    horizon_date = scenario.date_of(scenario.horizon_days)
    start = float(scenario.day_of(observed))
    below = dates[0] is None or observed < dates[0]  # p10 beyond the horizon: the whole band is later
    above = dates[2] is not None and observed > dates[2]
    inside = not below and not above
    median_date = dates[1] if dates[1] is not None else horizon_date
    high = p90 if p90 is not None else float(scenario.horizon_days)
    width = None if p10 is None else high - p10
    return {
        "unit": "days",
        "reached_fraction": float(np.mean(~np.isnan(days))),
        "p10": p10, "p50": p50, "p90": p90,
        "p10_date": _iso(dates[0]), "p50_date": _iso(dates[1]), "p90_date": _iso(dates[2]),
        "observed_day": start,
        "pit": pit_of_days(days, start, start + 1.0),
        "inside": inside,
        "position": _position(inside, below),
        "error": float((median_date - observed).days),
        "width": width,
        "censored": p50 is None or p90 is None,
    }


def score_fraction(values: np.ndarray, observed: float, rounded_to: float | None = None) -> dict[str, Any]:
    """Score an observed fraction against the replications' values on the same day.

    A value rounded in its source (``rounded_to``: 0.01 for a whole percentage) stands for the interval
    ``observed +- rounded_to / 2``, as a milestone's date stands for the whole day: it is inside the band when
    that interval meets the band, and its PIT counts the values within it as ties.
    """
    values = np.asarray(values, dtype=float)
    p10, p50, p90 = (float(v) for v in np.percentile(values, BAND_PERCENTILES))
    half = TIE_TOLERANCE if rounded_to is None else rounded_to / 2
    below = observed + half < p10
    above = observed - half > p90
    inside = not below and not above
    return {
        "unit": "fraction",
        "p10": p10, "p50": p50, "p90": p90,
        "pit": pit_of_values(values, observed, tolerance=half),
        "inside": inside,
        "position": _position(inside, below),
        "error": p50 - observed,
        "width": p90 - p10,
        "censored": False,
    }


def _iso(date: dt.date | None) -> str | None:
    return None if date is None else date.isoformat()


# ------------------------------------------------------------------------------------------------------
# The whole record
# ------------------------------------------------------------------------------------------------------


@dataclass
class Backtest:
    """A scenario's run scored against a record: one row per observation and the summary."""

    name: str
    record: ObservedRecord
    results: "Results"
    rows: list[dict[str, Any]]
    unscored: list[dict[str, Any]]
    summary: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        scored = len(self.rows)
        inside = sum(1 for row in self.rows if row.get("inside"))
        return (f"<Backtest {self.name} against {self.record.name}: {scored} observations scored, {inside} inside "
                f"the p10-p90 band; {self.results.replications} replications, seed {self.results.seed}>")

    def _repr_html_(self) -> str:
        from sim.results.display import Table, html_summary

        def band(row: dict[str, Any]) -> str:
            if row.get("unit") == "days":
                return f"{row.get('p10_date') or 'after the horizon'} to {row.get('p90_date') or 'after the horizon'}"
            return f"{row['p10']:.2f} to {row['p90']:.2f}"

        columns = ["observation", "date", "observed", "simulated p10-p90", "observed is"]
        rows = [[row["label"], row["date"], row["observed"], band(row), row["position"]] for row in self.rows]
        return html_summary(f"disarm-sim backtest: {self.name} against {self.record.name}",
                            [f"{self.results.replications} replications, seed {self.results.seed}; band p10-p90"],
                            [Table("Observations", columns, rows)])

    def to_frame(self) -> "pd.DataFrame":
        """Every observation, scored or not, one row each (as :meth:`table`)."""
        return self.table()

    def table(self) -> "pd.DataFrame":
        """Every observation (scored or not) as a DataFrame, for charts and reports."""
        import pandas as pd

        return pd.DataFrame([*self.rows, *self.unscored])

    def to_json(self) -> dict[str, Any]:
        """The contents of backtest.json."""
        s = self.results.scenario
        return {
            "scenario": self.name,
            "record": self.record.name,
            "record_file": self.record._label or None,
            "replications": self.results.replications,
            "seed": self.results.seed,
            "start_date": s.start_date.isoformat(),
            "horizon_date": s.date_of(s.horizon_days).isoformat(),
            "band": "p10-p90 (80%)",
            "summary": self.summary,
            "observations": self.rows,
            "unscored": self.unscored,
        }


def _describe(obs: Observation) -> dict[str, Any]:
    return {
        "id": obs.id,
        "kind": obs.kind,
        "target": obs.target,
        "label": MILESTONE_LABELS.get(obs.target, QUANTITY_LABELS.get(obs.target, EVENT_LABELS.get(obs.target,
                                                                                                  obs.target))),
        "date": obs.date.isoformat(),
        "observed": obs.date.isoformat() if obs.kind == "milestone" else obs.value,
        "confidence": obs.confidence,
        "confidence_note": obs.confidence_note,
        "sources": [s.model_dump() for s in obs.sources],
        "note": obs.note,
        "scored": obs.scored,
    }


def _unscored_reason(obs: Observation) -> str:
    """Why a row is shown and not scored: its quantity is not simulated, or it contradicts another row."""
    if obs.conflict:
        return f"contradicts another row of the record: {obs.conflict}"
    if obs.target in UNSCORED_QUANTITIES:
        return f"{obs.target} is not simulated"
    return "scored: false in the record"


def probes_of(scenario: "Scenario", record: ObservedRecord) -> list[tuple[str, int]]:
    """The (quantity, day) values each replication must report for the record's scored curve points, counts
    and states (an event is read from its runs.parquet day column instead)."""
    out: list[tuple[str, int]] = []
    for obs in record.observations:
        if obs.scored and obs.quantity is not None:
            probe = (obs.quantity, scenario.day_of(obs.date))
            if probe not in out:
                out.append(probe)
    return out


def _day_column(obs: Observation) -> str:
    """The runs.parquet day column of a milestone or event row."""
    return f"{obs.milestone}_day" if obs.milestone is not None else EVENTS[str(obs.event)]


def happened_by(days: np.ndarray, date: dt.date, scenario: "Scenario") -> np.ndarray:
    """0/1 per replication: whether an event whose days are ``days`` (NaN: never) had happened by the end of
    ``date``, i.e. on or before it (``day < day_of(date) + 1``)."""
    days = np.asarray(days, dtype=float)
    return (~np.isnan(days) & (days < scenario.day_of(date) + 1.0)).astype(float)


def score_observation(obs: Observation, values: np.ndarray, scenario: "Scenario") -> dict[str, Any]:
    """Score one observation: ``values`` are the replications' days (a milestone or an event row: its runs
    column, NaN for never) or their day-end values on the date (a curve, count or state row's probe)."""
    values = np.asarray(values, dtype=float)
    if obs.kind == "milestone":
        row = score_milestone(values, obs.date, scenario)
        filled = np.where(np.isnan(values), scenario.horizon_days + 1.0, values)
        row["crps"] = crps(filled, scenario.day_of(obs.date) + 0.5)
    else:
        day = scenario.day_of(obs.date)
        if obs.kind == "curve":
            assert obs.quantity in SCORED_QUANTITIES
            row = {"day": day, **score_fraction(values, obs.number, obs.rounded_to), "crps": crps(values, obs.number)}
        elif obs.kind == "binary":
            zero_one = happened_by(values, obs.date, scenario) if obs.event is not None else values
            row = {"day": day, **score_binary(zero_one, bool(obs.number))}
        else:
            row = {"day": day, **score_count(values, obs.number)}
    row["crps_scaled"] = row["crps"] / SCALES[obs.kind]
    return row


def score(scenario: "Scenario", record: ObservedRecord, runs: "pd.DataFrame",
          probe_values: np.ndarray) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Score every observation of ``record``.

    ``runs`` is runs.parquet (one row per replication, in replication order); ``probe_values`` the same
    replications' day-end values of :func:`probes_of`, shape (replications, probes).
    Returns the scored rows and the unscored ones.
    """
    problems = record.check_against(scenario)
    if problems:
        raise ScenarioError(problems)
    probes = probes_of(scenario, record)
    if probe_values.shape != (len(runs), len(probes)):
        raise ValueError(f"expected probe values of shape {(len(runs), len(probes))}, got {probe_values.shape}")
    rows, unscored = [], []
    for obs in record.observations:
        row = _describe(obs)
        if not obs.scored:
            unscored.append({**row, "reason": _unscored_reason(obs)})
            continue
        if obs.kind == "milestone" or obs.event is not None:
            values = runs[_day_column(obs)].to_numpy(dtype=float, na_value=np.nan)
        else:
            values = probe_values[:, probes.index((str(obs.quantity), scenario.day_of(obs.date)))]
        row.update(score_observation(obs, values, scenario))
        rows.append(row)
    return rows, unscored


def _group(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    inside = sum(r["inside"] for r in rows)
    lo, hi = wilson_interval(inside, n)
    return {"n": n, "inside": inside, "coverage": inside / n if n else None,
            "coverage_ci95": [lo, hi] if n else None}


def _errors(rows: list[dict[str, Any]]) -> dict[str, Any]:
    if not rows:
        return {"n": 0, "mae": None, "mean_error": None, "sharpness": None, "censored": 0}
    errors = np.array([r["error"] for r in rows], dtype=float)
    widths = np.array([r["width"] for r in rows if r["width"] is not None], dtype=float)
    return {
        "n": len(rows),
        "mae": float(np.mean(np.abs(errors))),
        "mean_error": float(np.mean(errors)),
        "sharpness": float(np.mean(widths)) if len(widths) else None,
        "censored": sum(r["censored"] for r in rows),
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Coverage of the 80% bands, mean absolute error of the median and sharpness, overall and by group."""
    milestones = [r for r in rows if r["kind"] == "milestone"]
    curves = [r for r in rows if r["kind"] == "curve"]
    coverage: dict[str, Any] = {"all": _group(rows), "milestones": _group(milestones)}
    for quantity in SCORED_QUANTITIES:
        coverage[quantity] = _group([r for r in curves if r["target"] == quantity])
    by_confidence = {level: _group([r for r in rows if r["confidence"] == level]) for level in CONFIDENCE_LEVELS}
    fractions = _errors(curves)
    fractions["by_quantity"] = {q: _errors([r for r in curves if r["target"] == q]) for q in SCORED_QUANTITIES}
    return {
        "observations": len(rows),
        "coverage": coverage,
        "coverage_by_confidence": by_confidence,
        "milestones": {**_errors(milestones), "unit": "days"},
        "fractions": {**fractions, "unit": "fraction"},
        "pit_mean": float(np.mean([r["pit"] for r in rows])) if rows else None,
        "outside": [{"id": r["id"], "position": r["position"], "pit": r["pit"]} for r in rows if not r["inside"]],
        **_by_kind(rows),
    }


def _mean_crps(kind: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    scaled = [r["crps_scaled"] for r in rows if r.get("crps_scaled") is not None]
    return {"n": len(scaled), "scale": SCALES[kind], "mean": float(np.mean(scaled)) if scaled else None}


def _by_kind(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary's keys for every kind of row: coverage and mean (scaled) CRPS by kind, the errors of the
    counts and states, the binary rows' Brier and log scores and their reliability table."""
    kinds = {kind: [r for r in rows if r["kind"] == kind] for kind in KINDS}
    binary = kinds["binary"]
    return {
        "coverage_by_kind": {kind: _group(group) for kind, group in kinds.items()},
        "crps_by_kind": {kind: _mean_crps(kind, group) for kind, group in kinds.items()},
        "counts": {**_errors(kinds["count"] + kinds["state"]), "unit": "count"},
        "binary": {"n": len(binary),
                   "brier": float(np.mean([r["brier"] for r in binary])) if binary else None,
                   "log_score": float(np.mean([r["log_score"] for r in binary])) if binary else None,
                   "reliability": reliability(binary)},
    }


def backtest(scenario: "Scenario", record: ObservedRecord, replications: int = 500, seed: int = 0,
             workers: int | None = None, on_progress: Callable[[int], None] | None = None,
             name: str | None = None, scheduler: str | None = None, engine: "Engine | None" = None) -> Backtest:
    """Run ``scenario`` (as :func:`sim.run` does: same seeds, same results) and score it against ``record``.

    Each replication reports its exact day-end values on the record's dates (probes) from the run itself,
    so the curve points are scored on the values behind the run's bands, without simulating anything twice.
    """
    from sim.execution.engines import make_engine
    from sim.execution.runs import execute_run, results_of

    problems = record.check_against(scenario)
    if problems:
        raise ScenarioError(problems)
    own = engine is None
    engine = engine or make_engine(workers, scheduler)
    try:
        out = execute_run(scenario, replications, seed, engine, on_progress=on_progress,
                          probes=probes_of(scenario, record))
    finally:
        if own:
            engine.close()
    results = results_of(scenario, out, seed, name)
    rows, unscored = score(scenario, record, results.runs, out.probes)
    return Backtest(name or scenario.name, record, results, rows, unscored, summarise(rows))
