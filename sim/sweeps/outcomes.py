"""Outcomes of a sweep and scenario-discovery thresholds, resolved against the base scenario and the model's
declared columns (:data:`sim.core.contract.RUN_COLUMNS`): nothing is simulated to learn what exists."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Literal

from sim.core.contract import MILESTONE_IDS, MILESTONE_LABELS, RUN_COLUMN, RUN_COLUMNS, SERIES
from sim.core.problems import did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario.schema import Scenario

@dataclass(frozen=True)
class OutcomeSpec:
    """An outcome of interest: ``spec`` as written, ``name`` the column prefix in points.parquet."""

    spec: str
    kind: Literal["milestone", "column", "deadline"]
    name: str
    column: str  # the runs column the per-replication value comes from
    deadline_date: dt.date | None = None

    @property
    def label(self) -> str:
        if self.kind == "milestone":
            return f"{MILESTONE_LABELS.get(self.column.removesuffix('_day'), self.column)} (day)"
        if self.kind == "deadline":
            return f"P(deadline {self.name} met)"
        if "@" in self.name:
            quantity, _, date = self.name.partition("@")
            return f"{quantity.replace('_', ' ')} on {date}"
        return RUN_COLUMN[self.column].label

    @property
    def unit(self) -> str:
        if self.kind == "deadline":
            return "share of runs"
        if "@" in self.column:
            return "share" if self.column.split("@")[0].endswith("_fraction") else "t"
        column = RUN_COLUMN[self.column]
        return "share of runs" if column.dtype == "bool" else column.unit

    @property
    def metric(self) -> str:
        """The points.parquet column the analyses use."""
        return f"{self.name}_p_met" if self.kind == "deadline" else f"{self.name}_mean"


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, "<": lambda a, b: a < b,
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}
_THRESHOLD = re.compile(r"^\s*(\S+)\s*(>=|<=|==|!=|>|<)\s*(\S+)\s*$")
_WORDS = {">": "after", ">=": "on or after", "<": "before", "<=": "on or before", "==": "on", "!=": "not on"}


@dataclass(frozen=True)
class Threshold:
    """A scenario-discovery condition on one outcome, per replication: ``hidden_tonnes > 10``."""

    text: str
    outcome: OutcomeSpec
    op: str
    value: float
    date: dt.date | None = None

    def holds(self, values: Any, start_date: dt.date) -> Any:
        """Whether the condition holds, elementwise; NaN (not reached, not detected) counts as +infinity."""
        import numpy as np

        x = np.asarray(values, dtype=float)
        x = np.where(np.isnan(x), np.inf, x)
        if self.date is not None:  # compare calendar dates: day d falls on start + floor(d)
            x = np.floor(x)
            return _OPS[self.op](x, float((self.date - start_date).days))
        return _OPS[self.op](x, self.value)

    @property
    def words(self) -> str:
        """The condition in plain words: 'All chemicals removed after 2014-06-30'."""
        o = self.outcome
        if self.date is not None:
            label = MILESTONE_LABELS.get(o.column.removesuffix("_day"), o.column.replace("_", " "))
            return f"{label} {_WORDS[self.op]} {self.date.isoformat()}"
        if o.kind == "deadline" and self.op in ("==", "<", "<=") and self.value in (0, 0.5):
            return f"deadline {o.name} missed"
        if o.kind == "deadline" and self.op in ("==", ">", ">=") and self.value in (1, 0.5):
            return f"deadline {o.name} met"
        if o.column == "detected" and (self.op, self.value) in (("==", 0), ("<", 0.5), ("<=", 0), ("<", 1)):
            return "dispersal never detected"
        if o.column == "detected" and (self.op, self.value) in (("==", 1), (">", 0.5), (">=", 1), (">", 0)):
            return "dispersal detected"
        if "@" in o.name:
            return f"{o.label} {self.op} {_number(self.value)}"
        return f"{o.column.replace('_', ' ')} {self.op} {_number(self.value)}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def parse_outcome(text: str, base: "Scenario") -> OutcomeSpec:
    """Resolve an outcome spec against the base scenario and the declared runs columns; ValueError if unknown."""
    text = text.strip()
    if text.startswith("deadline:"):
        ident = text.split(":", 1)[1].strip()
        deadlines = {d.id: d for d in base.deadlines}
        if ident not in deadlines:
            raise ValueError(f"unknown deadline {ident!r}{did_you_mean(ident, list(deadlines))}")
        d = deadlines[ident]
        return OutcomeSpec(text, "deadline", ident, f"{d.milestone}_day", d.date)
    if "@" in text:  # a curve point: a daily quantity's day-end value on a date
        return _curve_outcome(text, base)
    column = f"{text}_day" if text in MILESTONE_IDS else text
    if column.removesuffix("_day") in MILESTONE_IDS and column.endswith("_day"):
        if column.removesuffix("_day") not in base.plan_milestones():
            raise ValueError(f"milestone {column.removesuffix('_day')!r} is not in the base scenario's plan: its "
                             f"stage was done before day 0 (plan.begins_with: {base.plan.begins_with})")
        return OutcomeSpec(text, "milestone", column, column)
    numeric = [c.name for c in RUN_COLUMNS if c.numeric and c.name not in ("seed", "replication")]
    if column not in numeric:
        choices = [f"{m}_day" for m in MILESTONE_IDS] + numeric
        raise ValueError(f"unknown outcome {text!r}{did_you_mean(text, choices)}; expected a milestone day "
                         "(e.g. removal_complete_day), a numeric runs.parquet column (e.g. hidden_tonnes) or "
                         "deadline:ID")
    return OutcomeSpec(text, "column", column, column)


def _curve_outcome(text: str, base: "Scenario") -> OutcomeSpec:
    """``removed_fraction@2014-01-30``: the quantity (one of timeseries.parquet's) at the end of that date."""

    quantity, _, when = text.partition("@")
    if quantity not in SERIES:
        raise ValueError(f"unknown daily quantity {quantity!r}{did_you_mean(quantity, list(SERIES))}; expected "
                         f"QUANTITY@YYYY-MM-DD with QUANTITY one of {', '.join(SERIES)}")
    try:
        date = dt.date.fromisoformat(when)
    except ValueError:
        raise ValueError(f"{when!r} is not a calendar date (YYYY-MM-DD) in {text!r}") from None
    day = base.day_of(date)
    if not 0 <= day <= base.horizon_days:
        raise ValueError(f"{date.isoformat()} is outside the scenario ({base.start_date.isoformat()} to "
                         f"{base.date_of(base.horizon_days).isoformat()})")
    return OutcomeSpec(text, "column", f"{quantity}@{date.isoformat()}", f"{quantity}@{day}")



def parse_threshold(text: str, base: "Scenario") -> Threshold:
    """``'removal_complete_day > 2014-06-30'`` -> a :class:`Threshold`; ValueError if unreadable."""
    m = _THRESHOLD.match(text)
    if not m:
        raise ValueError(
            f"cannot read threshold {text!r}; expected OUTCOME OP VALUE, e.g. 'hidden_tonnes > 10' "
            "or 'removal_complete_day > 2014-06-30' (OP one of > >= < <= == !=)"
        )
    name, op, raw = m.groups()
    outcome = parse_outcome(name, base)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        if outcome.kind != "milestone":
            raise ValueError(f"a date compares only with a milestone day, not with {name!r}")
        try:
            date = dt.date.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not a calendar date (YYYY-MM-DD)") from None
        return Threshold(text.strip(), outcome, op, float((date - base.start_date).days), date)
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"expected a number or a date (YYYY-MM-DD) after {op!r}, got {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {raw!r}")
    return Threshold(text.strip(), outcome, op, value)


__all__ = ["OutcomeSpec", "Threshold", "parse_outcome", "parse_threshold"]
