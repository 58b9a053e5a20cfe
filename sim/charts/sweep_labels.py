"""What the sweep charts share: parameter units and labels, outcome labels, the low and high colours."""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING, Any

from sim.charts.style import PALETTE

if TYPE_CHECKING:  # pragma: no cover
    from sim.sweeps.outcomes import OutcomeSpec

LOW_COLOUR = PALETTE["blue"]
HIGH_COLOUR = PALETTE["orange"]

_COUNT_KEYS = ("teams", "escorts", "berths", "lines", "crews", "moves", "hideouts", "count")


def parameter_unit(name: str) -> str:
    """The unit of a parameter, read from its key name (the scenario format puts units in keys)."""
    key = name.split(".")[-1].split("]")[-1].strip(". ")
    if key.endswith("_t_per_day"):
        return "t/day"
    if key.endswith("_days") or key.endswith("_day") or "_days_" in key:
        return "days"
    if key.endswith("_tonnes") or key == "tonnes" or key.startswith("tonnes_per"):
        return "t"
    if key.endswith("_hours"):
        return "hours"
    if "probability" in key:
        return "probability"
    if key.endswith("fraction") or key.endswith("share"):
        return "fraction"
    if key == "level":
        return "0: no threat, 1: Chapter VII"
    if key in _COUNT_KEYS:
        return "number"
    return ""


def parameter_label(name: str) -> str:
    unit = parameter_unit(name)
    return f"{name} ({unit})" if unit else name


def outcome_text(outcome: "OutcomeSpec") -> str:
    return outcome.label.removesuffix(" (day)")


def is_share(outcome: "OutcomeSpec") -> bool:
    return outcome.kind == "deadline" or outcome.unit == "share of runs"


def wrap(text: str, width: int = 95) -> str:
    return "\n".join(textwrap.wrap(text, width))


def value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def display_value(value: float, outcome: "OutcomeSpec", start_date: Any) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    if is_share(outcome):
        return f"{value:.0%}"
    if outcome.kind == "milestone" and start_date is not None:
        import datetime as dt

        return (start_date + dt.timedelta(days=int(value))).strftime("%d %b %Y")
    return f"{value:.3g}"


__all__ = ["parameter_unit", "parameter_label", "outcome_text", "is_share", "wrap", "value_text", "display_value",
           "LOW_COLOUR", "HIGH_COLOUR"]
