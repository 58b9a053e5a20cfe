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

from sim.core.contract import (CAUSE_IDS, CAUSES, CHANNELS, EVENTS, PATH_MILESTONES, milestone_columns, path_columns,
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


def run_summary(scenario: Scenario, runs: pd.DataFrame, name: str, seed: int,
                timeseries: pd.DataFrame | None = None) -> dict[str, Any]:
    """The summary.json contents (docs/contracts.md): milestones, outcomes, deadlines and verification
    (``timeseries``, the daily bands: the undeclared stock at the report dates)."""
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
    out["verification"] = verification_summary(scenario, runs, timeseries)
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


def verification_summary(scenario: Scenario, runs: pd.DataFrame,
                         timeseries: pd.DataFrame | None = None) -> dict[str, Any]:
    """What verification achieved (docs/contracts.md, summary.json ``verification``): detection, hidden stock
    and Category 1 destroyed (the first keys), then the accounting outputs: issues, the declaration judged
    complete by each report date, first detection by channel, what stays undeclared at each report date, and
    amendments.  ``timeseries`` (the run's daily bands) gives the undeclared stock at the report dates; without
    it only the horizon's values are given."""
    s = scenario
    n = len(runs)
    detected = int(runs["detected"].sum())
    detection = runs["detection_day"].to_numpy(dtype=float, na_value=np.nan)
    out: dict[str, Any] = {
        "dispersal_enabled": s.dispersal.enabled,
        "p_detected": detected / n,
        "p_detected_ci95": list(wilson_interval(detected, n)),
        # undetected runs count as later than any detection, as unreached milestones do
        "detection_day": day_percentiles(s, detection),
        "hidden_tonnes": mean_and_percentiles(runs["hidden_tonnes"]),
        "p_hidden_above_1_tonne": float(np.mean(runs["hidden_tonnes"] > 1.0)),
        "category1_destroyed_by": {},
    }
    cat1 = runs["category1_destroyed_day"].to_numpy(dtype=float, na_value=np.nan)
    for deadline in s.deadlines:
        met = int(np.sum(met_by(cat1, s, deadline.date)))
        out["category1_destroyed_by"][deadline.id] = {
            "date": deadline.date.isoformat(), "p": met / n, "ci95": list(wilson_interval(met, n))}
    if not set(ACCOUNTING_COLUMNS) <= set(runs.columns):  # a folder written before the accounting outputs
        return out
    dates = report_dates(s)
    out["concealment"] = has_concealment(s)
    out["report_dates"] = [d.isoformat() for d in dates]
    out["issues"] = {k: mean_and_percentiles(runs[f"issues_{k}"]) for k in ISSUE_COUNTS}
    judged = runs["declaration_judged_complete_day"].to_numpy(dtype=float, na_value=np.nan)
    out["declaration_judged_complete_day"] = day_percentiles(s, judged)
    out["p_judged_complete_by"] = [share_by(s, judged, d) for d in dates]
    out["first_detection_by_channel"] = {c: channel_detection(s, runs, c) for c in CHANNELS}
    out["first_channel_share"] = first_channel_share(runs)
    out["undeclared_at_dates"] = undeclared_at_dates(s, runs, dates, timeseries)
    amendments = runs["amendments"].to_numpy(dtype=float)
    out["amendments"] = {**mean_and_percentiles(amendments),
                         "p_at_least_one": float(np.mean(amendments >= 1)) if n else 0.0}
    return out


ISSUE_COUNTS = ("raised", "open", "amended", "explained")
"""The issue counts of runs.parquet (``issues_<count>``) summarised in ``verification.issues``."""
ACCOUNTING_COLUMNS = (*(f"issues_{k}" for k in ISSUE_COUNTS), "declaration_judged_complete_day", "hidden_munitions",
                      "undeclared_facilities", *(f"detection_day_{c}" for c in CHANNELS))
HIDDEN_THRESHOLDS_T = (1.0, 10.0, 100.0)
"""Tonnes hidden at the horizon above which ``undeclared_at_dates.horizon.p_hidden_above_tonnes`` counts runs."""


def has_concealment(scenario: Scenario) -> bool:
    """Whether the scenario hides anything: a concealment item, an undeclared site, or the secret unit."""
    s = scenario
    return bool(s.concealment.items) or s.dispersal.enabled or any(not site.declared for site in s.sites)


def report_dates(scenario: Scenario) -> list[dt.date]:
    """The dates the accounting outputs are reported at: ``verification.report_dates`` that fall within the run
    (start date to horizon, sorted, each once), or when none are given every anniversary of the start date
    within the horizon (29 February: the 28th in other years)."""
    s = scenario
    last = s.start_date + dt.timedelta(days=s.horizon_days)
    given = s.verification.report_dates
    if given:
        return sorted({d for d in given if s.start_date <= d <= last})
    out: list[dt.date] = []
    year = 1
    while True:
        try:
            date = s.start_date.replace(year=s.start_date.year + year)
        except ValueError:  # 29 February
            date = s.start_date.replace(year=s.start_date.year + year, day=28)
        if date > last:
            return out
        out.append(date)
        year += 1


def mean_and_percentiles(values: Any) -> dict[str, float | None]:
    """``{mean, p10, p50, p90}`` of the values that are not NaN (null if none is)."""
    kept = np.asarray(values, dtype=float)
    kept = kept[~np.isnan(kept)]
    if not len(kept):
        return {"mean": None, **{f"p{q}": None for q in PERCENTILES}}
    return {"mean": float(kept.mean()), **{f"p{q}": float(np.percentile(kept, q)) for q in PERCENTILES}}


def day_percentiles(scenario: Scenario, days: np.ndarray) -> dict[str, Any]:
    """``{p10, p10_date, ...}`` of days where NaN (never) counts as later than every day: null among them."""
    out: dict[str, Any] = {}
    for q in PERCENTILES:
        day = percentile_or_none(days, q)
        out[f"p{q}"] = day
        out[f"p{q}_date"] = None if day is None else scenario.date_of(day).isoformat()
    return out


def share_by(scenario: Scenario, days: np.ndarray, date: dt.date) -> dict[str, Any]:
    """``{date, p, ci95}``: the share of runs whose day (NaN: never) falls on or before ``date``."""
    met = int(np.sum(met_by(days, scenario, date)))
    return {"date": date.isoformat(), "p": met / len(days) if len(days) else 0.0,
            "ci95": list(wilson_interval(met, len(days)))}


def channel_detection(scenario: Scenario, runs: pd.DataFrame, channel: str) -> dict[str, Any]:
    """One channel's first issues: ``{label, runs, p, ci95, p10, p10_date, ...}``, the percentiles of the day
    over the runs in which it raised one (null if none did)."""
    days = runs[f"detection_day_{channel}"].to_numpy(dtype=float, na_value=np.nan)
    fired = days[~np.isnan(days)]
    n = len(days)
    out: dict[str, Any] = {"label": CHANNELS[channel], "runs": int(len(fired)),
                           "p": len(fired) / n if n else 0.0, "ci95": list(wilson_interval(len(fired), n))}
    for q in PERCENTILES:
        day = float(np.percentile(fired, q)) if len(fired) else None
        out[f"p{q}"] = day
        out[f"p{q}_date"] = None if day is None else scenario.date_of(day).isoformat()
    return out


def first_channel_share(runs: pd.DataFrame) -> dict[str, float]:
    """The share of runs in which each channel raised the first issue, and ``none`` (no issue raised).  Channels
    that raise their first issues at the same instant share that run equally, so the shares add up to 1."""
    days = runs[[f"detection_day_{c}" for c in CHANNELS]].to_numpy(dtype=float, na_value=np.nan)
    n = len(days)
    shares = np.zeros(len(CHANNELS))
    fired = ~np.isnan(days).all(axis=1)
    if fired.any():
        kept = days[fired]
        first = kept == np.nanmin(kept, axis=1, keepdims=True)  # NaN compares False
        shares = (first / first.sum(axis=1, keepdims=True)).sum(axis=0) / n
    return {**{c: float(v) for c, v in zip(CHANNELS, shares)}, "none": float(np.mean(~fired)) if n else 0.0}


def percent_of_runs(p: float) -> str:
    """A share of runs as a whole percent, saying "<1%" or ">99%" rather than rounding a few runs away."""
    if 0 < p and round(p * 100) == 0:
        return "<1%"
    if p < 1 and round(p * 100) == 100:
        return ">99%"
    return f"{p:.0%}"


def undeclared_at_dates(scenario: Scenario, runs: pd.DataFrame, dates: list[dt.date],
                        timeseries: pd.DataFrame | None) -> dict[str, Any]:
    """What stays undeclared: at each report date, the p10/p50/p90 of the hidden tonnes and undeclared
    facilities read from the daily bands (``from: "timeseries"``; an empty list without them, ``from:
    "horizon"``), and at the horizon, from the runs, the hidden tonnes, munitions and undeclared facilities and
    the share of runs with more hidden than each threshold."""
    s = scenario
    hidden = runs["hidden_tonnes"].to_numpy(dtype=float)
    out: dict[str, Any] = {"from": "horizon", "dates": [], "horizon": {
        "date": (s.start_date + dt.timedelta(days=s.horizon_days)).isoformat(),
        "hidden_tonnes": mean_and_percentiles(hidden),
        "hidden_munitions": mean_and_percentiles(runs["hidden_munitions"]),
        "undeclared_facilities": mean_and_percentiles(runs["undeclared_facilities"]),
        "p_hidden_above_tonnes": {f"{t:g}": float(np.mean(hidden > t)) if len(hidden) else 0.0
                                  for t in HIDDEN_THRESHOLDS_T}}}
    if timeseries is None or not len(timeseries):
        return out
    out["from"] = "timeseries"
    for date in dates:
        day = s.day_of(date)
        entry: dict[str, Any] = {"date": date.isoformat(), "day": day}
        for quantity in ("hidden_tonnes", "undeclared_facilities"):
            row = timeseries[(timeseries["quantity"] == quantity) & (timeseries["day"] == day)]
            # the bands are exact to their fixed point (docs/contracts.md): 6 decimals say all they know
            entry[quantity] = ({f"p{q}": round(float(row[f"p{q}"].iloc[0]), 6) for q in PERCENTILES} if len(row)
                               else {f"p{q}": None for q in PERCENTILES})
        out["dates"].append(entry)
    return out


def outcome_columns(runs: pd.DataFrame) -> list[str]:
    """Numeric columns of runs that are not milestone days (detection_day: over detected runs only), critical-path
    days (summarised in ``critical_paths``) nor the days of verification (in ``verification``)."""
    skip = (set(milestone_columns()) | NON_OUTCOME_COLUMNS | set(path_columns()) | set(verification_day_columns())
            | set(EVENTS.values()))
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


__all__ = ["run_summary", "verification_summary", "critical_paths_summary", "deadline_summary", "outcome_columns",
           "met_by", "deadline_instant", "has_concealment", "report_dates", "first_channel_share", "percent_of_runs",
           "PERCENTILES",
           "ISSUE_COUNTS", "HIDDEN_THRESHOLDS_T"]
