"""Measures of a candidate's runs: ``mean(OUTCOME)`` and ``P(OUTCOME OP VALUE)``, and constraints on them.

An OUTCOME is what a sweep outcome may be (:func:`sim.sweeps.outcomes.parse_outcome`): a numeric runs.parquet
column (``hidden_tonnes``), a milestone day, or a daily quantity on a date (``hidden_tonnes@2016-01-01``).  In
``P(...)`` a day column compares with a calendar date (``detection_day <= 2014-12-31``: the first issue is
raised by the end of 2014; never counts as later than any date).  Resolved against the base scenario: nothing
is simulated to learn what exists.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core.contract import RUN_COLUMN
from sim.sweeps.outcomes import OutcomeSpec, Threshold, parse_outcome, parse_threshold

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from sim.scenario.schema import Scenario

_MEASURE = re.compile(r"^\s*(mean|P)\s*\((.+)\)\s*$")
_CONSTRAINT = re.compile(r"^\s*(.+\))\s*(<=|>=|<|>)\s*(\S+)\s*$")
_COMPARE = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}


@dataclass(frozen=True)
class Measure:
    """``mean(outcome)`` or ``P(condition)`` over a candidate's replications."""

    text: str
    kind: str  # "mean" or "P"
    outcome: OutcomeSpec
    condition: Threshold | None = None

    @property
    def column(self) -> str:
        return self.outcome.column

    @property
    def unit(self) -> str:
        return "probability" if self.kind == "P" else self.outcome.unit

    def value(self, runs: "pd.DataFrame", start_date: dt.date, horizon_days: float) -> float:
        """The measure over ``runs`` (one candidate's replications).  A mean of a milestone day counts a run that
        never reaches it at the horizon (as a sweep does); other missing values are left out."""
        x = runs[self.column].to_numpy(dtype=float)
        if self.condition is not None:
            return float(np.mean(self.condition.holds(x, start_date))) if len(x) else float("nan")
        if self.outcome.kind == "milestone":
            x = np.where(np.isnan(x), float(horizon_days), x)
        x = x[~np.isnan(x)]
        return float(np.mean(x)) if len(x) else float("nan")


@dataclass(frozen=True)
class Constraint:
    """``MEASURE OP BOUND``: a candidate is feasible when it holds."""

    text: str
    measure: Measure
    op: str
    bound: float

    def violation(self, value: float) -> float:
        """How far ``value`` is from meeting the bound (<= 0 when met), the sign Optuna's constraints take."""
        if np.isnan(value):
            return float("inf")
        return value - self.bound if self.op in ("<=", "<") else self.bound - value

    def holds(self, value: float) -> bool:
        return bool(_COMPARE[self.op](value, self.bound))


def parse_measure(text: str, base: "Scenario") -> Measure:
    """``mean(hidden_tonnes@2016-01-01)`` or ``P(detection_day <= 2014-12-31)``; ValueError if unreadable."""
    m = _MEASURE.match(text)
    if not m:
        raise ValueError(f"cannot read measure {text!r}; expected mean(OUTCOME) or P(OUTCOME OP VALUE), e.g. "
                         "mean(hidden_tonnes@2016-01-01) or P(detection_day <= 2014-12-31)")
    kind, inner = m.groups()
    if kind == "mean":
        return Measure(text.strip(), "mean", parse_outcome(inner, base))
    condition = _day_condition(inner, base) or parse_threshold(inner, base)
    return Measure(text.strip(), "P", condition.outcome, condition)


def _day_condition(text: str, base: "Scenario") -> Threshold | None:
    """A day column (``detection_day``, ``first_amendment_day``) against a calendar date; None if ``text`` is
    not one (then a sweep's threshold reads it)."""
    m = re.match(r"^\s*(\S+)\s*(>=|<=|==|!=|>|<)\s*(\d{4}-\d{2}-\d{2})\s*$", text)
    if not m or m.group(1) not in RUN_COLUMN or RUN_COLUMN[m.group(1)].unit != "days":
        return None
    name, op, raw = m.groups()
    try:
        date = dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a calendar date (YYYY-MM-DD)") from None
    outcome = parse_outcome(name, base)
    return Threshold(text.strip(), outcome, op, float((date - base.start_date).days), date)


def parse_constraint(text: str, base: "Scenario") -> Constraint:
    """``P(detection_day <= 2014-12-31) <= 0.1``; ValueError if unreadable."""
    m = _CONSTRAINT.match(text)
    if not m:
        raise ValueError(f"cannot read constraint {text!r}; expected MEASURE OP NUMBER with OP one of <= >= < >, "
                         "e.g. 'P(detection_day <= 2014-12-31) <= 0.1'")
    measure_text, op, raw = m.groups()
    try:
        bound = float(raw)
    except ValueError:
        raise ValueError(f"expected a number after {op!r}, got {raw!r}") from None
    if not np.isfinite(bound):
        raise ValueError(f"expected a finite number, got {raw!r}")
    return Constraint(text.strip(), parse_measure(measure_text, base), op, bound)


def needed_columns(measures: list[Measure]) -> tuple[str, ...]:
    """The runs columns every replication must report for ``measures``."""
    return tuple(sorted({m.column for m in measures}))


def measure_values(measures: list[Measure], runs: "pd.DataFrame", scenario: "Scenario") -> dict[str, Any]:
    """Every measure of one candidate's runs, by its text."""
    return {m.text: m.value(runs, scenario.start_date, scenario.horizon_days) for m in measures}


__all__ = ["Measure", "Constraint", "parse_measure", "parse_constraint", "needed_columns", "measure_values"]
