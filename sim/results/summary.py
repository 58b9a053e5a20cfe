"""The summary of a run (summary.json): milestone percentiles and dates, outcome percentiles, deadline
probabilities with Wilson 95% intervals, and what verification achieved.

Percentiles of milestone days count a milestone not reached as later than the horizon; a percentile that
falls among the unreached is null, never a made-up day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from sim.core.contract import (CAUSE_IDS, CAUSES, PATH_MILESTONES, milestone_columns, path_columns,
                               verification_day_columns)
from sim.core.stats import percentile_or_none, wilson_interval
from sim.scenario.schema import Scenario

PERCENTILES = (10, 50, 90)
NON_OUTCOME_COLUMNS = {"replication", "seed"}
"""Numeric columns summary.json's ``outcomes`` leaves out."""


def deadline_instant(scenario: Scenario, date: dt.date) -> float:
    """The model time at the end of a deadline's calendar day, i.e. midnight starting the next day."""
    return scenario.end_of_day(date)


def met_by(days: np.ndarray, scenario: Scenario, date: dt.date) -> np.ndarray:
    """Whether milestone days (NaN: not reached) fall on or before the deadline's calendar date.

    A milestone at day d falls on date ``start_date + floor(d)``; it meets the deadline when that date is not
    later than the deadline date, i.e. when d is strictly before the end of the deadline's day.
    """
    return np.asarray(days, dtype=float) < deadline_instant(scenario, date)  # NaN compares False


def run_summary(scenario: Scenario, runs: pd.DataFrame, name: str, seed: int) -> dict[str, Any]:
    """The summary.json contents (docs/contracts.md): milestones, outcomes, deadlines and verification."""
    s = scenario
    out: dict[str, Any] = {
        "scenario": name,
        "replications": len(runs),
        "seed": seed,
        "start_date": s.start_date.isoformat(),
        "horizon_days": s.horizon_days,
        "milestones": {},
        "outcomes": {},
        "deadlines": {},
    }
    for milestone in s.plan_milestones():  # the stages done before day 0 have no milestones in the run
        values = runs[f"{milestone}_day"].to_numpy(dtype=float, na_value=np.nan)
        entry: dict[str, Any] = {"reached_fraction": float(np.mean(~np.isnan(values)))}
        for q in PERCENTILES:
            day = percentile_or_none(values, q)
            entry[f"p{q}"] = day
            entry[f"p{q}_date"] = None if day is None else s.date_of(day).isoformat()
        out["milestones"][milestone] = entry
    for column in outcome_columns(runs):
        values = runs[column].to_numpy(dtype=float, na_value=np.nan)
        reached = values[~np.isnan(values)]
        entry = {"mean": float(reached.mean()) if len(reached) else None}
        for q in PERCENTILES:
            entry[f"p{q}"] = float(np.percentile(reached, q)) if len(reached) else None
        out["outcomes"][column] = entry
    for deadline in s.deadlines:
        out["deadlines"][deadline.id] = deadline_summary(scenario, runs, deadline.id)
    out["verification"] = verification_summary(scenario, runs)
    out["critical_paths"] = critical_paths_summary(runs)
    return out


def critical_paths_summary(runs: pd.DataFrame) -> dict[str, Any]:
    """For each milestone with a recorded critical path (:data:`~sim.core.contract.PATH_MILESTONES`), over the
    replications that reached it: the mean days its path spends on each cause, their share of the mean
    milestone day, and the share of runs in which each cause is the largest on the path."""
    out: dict[str, Any] = {}
    for milestone in PATH_MILESTONES:
        columns = path_columns(milestone)
        if not set(columns) <= set(runs.columns):
            continue
        days = runs[columns].to_numpy(dtype=float, na_value=np.nan)
        reached = ~np.isnan(days).any(axis=1)
        entry: dict[str, Any] = {"runs": int(reached.sum()), "mean_day": None, "causes": {}}
        if reached.any():
            kept = days[reached]
            mean = kept.mean(axis=0)
            total = float(mean.sum())
            largest = np.bincount(kept.argmax(axis=1), minlength=len(CAUSE_IDS)) / len(kept)
            entry["mean_day"] = total
            for k, cause in enumerate(CAUSE_IDS):
                entry["causes"][cause] = {"label": CAUSES[cause], "mean_days": float(mean[k]),
                                          "share": float(mean[k] / total) if total > 0 else 0.0,
                                          "largest_in": float(largest[k])}
        out[milestone] = entry
    return out


def verification_summary(scenario: Scenario, runs: pd.DataFrame) -> dict[str, Any]:
    """What verification achieved: detection of dispersal, residual hidden stock, Category 1 destroyed."""
    s = scenario
    n = len(runs)
    detected = int(runs["detected"].sum())
    detection = runs["detection_day"].to_numpy(dtype=float, na_value=np.nan)
    out: dict[str, Any] = {
        "dispersal_enabled": s.dispersal.enabled,
        "p_detected": detected / n,
        "p_detected_ci95": list(wilson_interval(detected, n)),
        # undetected runs count as later than any detection, as unreached milestones do
        "detection_day": {},
        "hidden_tonnes": {"mean": float(runs["hidden_tonnes"].mean()),
                          **{f"p{q}": float(np.percentile(runs["hidden_tonnes"], q)) for q in PERCENTILES}},
        "p_hidden_above_1_tonne": float(np.mean(runs["hidden_tonnes"] > 1.0)),
        "category1_destroyed_by": {},
    }
    for q in PERCENTILES:
        day = percentile_or_none(detection, q)
        out["detection_day"][f"p{q}"] = day
        out["detection_day"][f"p{q}_date"] = None if day is None else s.date_of(day).isoformat()
    cat1 = runs["category1_destroyed_day"].to_numpy(dtype=float, na_value=np.nan)
    for deadline in s.deadlines:
        met = int(np.sum(met_by(cat1, s, deadline.date)))
        out["category1_destroyed_by"][deadline.id] = {
            "date": deadline.date.isoformat(), "p": met / n, "ci95": list(wilson_interval(met, n))}
    return out


def outcome_columns(runs: pd.DataFrame) -> list[str]:
    """Numeric columns of runs that are not milestone days (detection_day: over detected runs only), critical-path
    days (summarised in ``critical_paths``) nor the days of verification (in ``verification``)."""
    skip = set(milestone_columns()) | NON_OUTCOME_COLUMNS | set(path_columns()) | set(verification_day_columns())
    return [c for c in runs.columns if c not in skip and (pd.api.types.is_numeric_dtype(runs[c])
                                                               or pd.api.types.is_bool_dtype(runs[c]))]


def deadline_summary(scenario: Scenario, runs: pd.DataFrame, deadline_id: str) -> dict[str, Any]:
    deadline = next(d for d in scenario.deadlines if d.id == deadline_id)
    instant = deadline_instant(scenario, deadline.date)
    days = runs[f"{deadline.milestone}_day"].to_numpy(dtype=float, na_value=np.nan)
    met = int(np.sum(met_by(days, scenario, deadline.date)))
    late = days - instant
    return {
        "date": deadline.date.isoformat(),
        "milestone": deadline.milestone,
        "description": deadline.description,
        "p_met": met / len(days),
        "ci95": list(wilson_interval(met, len(days))),
        "days_late": {f"p{q}": percentile_or_none(late, q) for q in PERCENTILES},
    }

# ---- saving and loading ---------------------------------------------------------------------


__all__ = ["run_summary", "verification_summary", "critical_paths_summary", "deadline_summary", "outcome_columns", "met_by",
           "deadline_instant", "PERCENTILES"]
