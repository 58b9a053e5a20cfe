"""sensitivity.json as one tidy table: a row per (method, outcome, parameter, index).

sensitivity.json nests its results by method, outcome and parameter, as the analyses produce them; an analyst
wants a table to sort, filter and paste.  :func:`sensitivity_frame` flattens it without losing a number that
has an interval: ``value``, ``ci95_low`` and ``ci95_high`` (NaN where an index has none).

Indices, per method: ``oat`` - ``swing`` (the spread of the level means, in the outcome's unit) and, per level,
``difference`` (paired difference from the base point; ``level`` holds the parameter's value); ``morris`` -
``mu_star`` and ``sigma``; ``sobol`` - ``S1`` and ``ST``; ``correlations`` - ``spearman``.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

SENSITIVITY_COLUMNS = ("method", "outcome", "parameter", "index", "level", "value", "ci95_low", "ci95_high")


def _bounds(ci: Any) -> tuple[float, float]:
    if not ci or ci[0] is None:
        return math.nan, math.nan
    return float(ci[0]), float(ci[1])


def sensitivity_frame(sensitivity: dict[str, Any]) -> pd.DataFrame:
    """Every index of sensitivity.json's contents, one row each (:data:`SENSITIVITY_COLUMNS`)."""
    rows: list[dict[str, Any]] = []

    def add(method: str, outcome: str, parameter: str, index: str, value: Any, ci: Any = None,
            level: Any = None) -> None:
        low, high = _bounds(ci)
        rows.append({"method": method, "outcome": outcome, "parameter": parameter, "index": index,
                     "level": None if level is None else str(level),
                     "value": math.nan if value is None else float(value), "ci95_low": low, "ci95_high": high})

    for outcome, entry in sensitivity.get("oat", {}).items():
        for effect in entry.get("effects", []):
            add("oat", outcome, effect["parameter"], "swing", effect["swing"])
            for level in effect["levels"]:
                add("oat", outcome, effect["parameter"], "difference", level["difference"], level["ci95"],
                    level=level["value"])
    for outcome, entry in sensitivity.get("morris", {}).items():
        for parameter, index in entry.get("indices", {}).items():
            add("morris", outcome, parameter, "mu_star", index["mu_star"], index["mu_star_ci95"])
            add("morris", outcome, parameter, "sigma", index["sigma"], index["sigma_ci95"])
    for outcome, entry in sensitivity.get("sobol", {}).items():
        for parameter, index in entry.get("indices", {}).items():
            add("sobol", outcome, parameter, "S1", index["S1"], index["S1_ci95"])
            add("sobol", outcome, parameter, "ST", index["ST"], index["ST_ci95"])
    for outcome, entry in sensitivity.get("correlations", {}).items():
        for parameter, index in entry.items():
            add("correlations", outcome, parameter, "spearman", index["spearman"], index["ci95"])
    return pd.DataFrame(rows, columns=list(SENSITIVITY_COLUMNS))


class Sensitivity(dict):  # type: ignore[type-arg]
    """sensitivity.json's contents (a plain dict, as before) that can also give itself as a table."""

    def to_frame(self) -> pd.DataFrame:
        """One row per index (:func:`sensitivity_frame`)."""
        return sensitivity_frame(self)


__all__ = ["SENSITIVITY_COLUMNS", "sensitivity_frame", "Sensitivity"]
