"""Scores of one observation of a count, a state or a binary event against a scenario's replications, and the
proper scores the backtest's summary and the calibration share (docs/backtest.md, "Counts, states and events").

* A **count** (amendments by a date) or a numeric **state** (issues open on a date) is scored like a curve
  point, on whole numbers: the band is made of the replications' empirical quantiles (a value some
  replication took, never 1.4 issues), the PIT counts the replications equal to the observed count as ties
  (half of them below), and the CRPS is the sample CRPS (:func:`crps`).
* A **binary** row (an event by a date, or the 0/1 state ``judged_complete``) is scored by ``p``, the share of
  replications where it is true: the Brier score ``(p - o)^2`` and the logarithmic score ``-ln(p)`` if it
  happened, ``-ln(1 - p)`` if not, with ``p`` clipped to ``[1/(2n), 1 - 1/(2n)]`` so that an event no
  replication had costs ``ln(2n)`` rather than infinity.  The CRPS of a 0/1 forecast is its Brier score.

All three (CRPS, Brier, logarithmic) are proper scoring rules: their expected value is best when the forecast
is the distribution the outcome is drawn from, so neither a too-wide nor a too-narrow band can improve them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

SCALE_DAYS = 30.0
"""A milestone's CRPS is divided by this many days..."""
SCALE_FRACTION = 0.1
"""...and a curve point's by this fraction, so that a month of delay weighs as much as ten points of progress..."""
SCALE_COUNT = 2.0
"""...and a count's or a state's by this many counts (two amendments, two issues); a binary row's CRPS (its
Brier score, 0-1) is not scaled."""
SCALES: dict[str, float] = {"milestone": SCALE_DAYS, "curve": SCALE_FRACTION, "count": SCALE_COUNT,
                            "state": SCALE_COUNT, "binary": 1.0}
"""The scale of each kind of row."""
BAND = (10, 50, 90)
RELIABILITY_BINS = 5
"""Forecast probabilities are binned 0-0.2, 0.2-0.4, ..., 0.8-1 in the reliability table."""


def crps(values: np.ndarray, observed: float) -> float:
    """The continuous ranked probability score of an ensemble ``values`` for an observation:
    ``E|X - y| - E|X - X'| / 2`` with X, X' drawn from the ensemble (0 for a certain, exact forecast)."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    spread = 2.0 / (n * n) * float(np.dot(2 * np.arange(1, n + 1) - n - 1, x))
    return float(np.mean(np.abs(x - observed)) - 0.5 * spread)


def _quantiles(values: np.ndarray) -> tuple[float, float, float]:
    """The empirical p10, p50 and p90 (each a value some replication took)."""
    p10, p50, p90 = np.percentile(values, BAND, method="inverted_cdf")
    return float(p10), float(p50), float(p90)


def _mid_pit(values: np.ndarray, observed: float) -> float:
    """``P(X < x) + P(X = x) / 2`` on whole numbers (exact ties)."""
    return float((np.sum(values < observed) + 0.5 * np.sum(values == observed)) / len(values))


def score_count(values: np.ndarray, observed: float) -> dict[str, Any]:
    """Score an observed count (or numeric state) against the replications' values on its date."""
    values = np.asarray(values, dtype=float)
    p10, p50, p90 = _quantiles(values)
    below, above = observed < p10, observed > p90
    inside = not below and not above
    return {
        "unit": "count",
        "p10": p10, "p50": p50, "p90": p90,
        "pit": _mid_pit(values, observed),
        "inside": inside,
        "position": "inside" if inside else ("below" if below else "above"),
        "error": p50 - observed,
        "width": p90 - p10,
        "censored": False,
        "crps": crps(values, observed),
    }


def log_score(p: float, happened: bool, n: int) -> float:
    """``-ln`` of the probability given to what happened, ``p`` clipped to ``[1/(2n), 1 - 1/(2n)]``."""
    clip = 1.0 / (2 * n)
    p = min(max(p, clip), 1.0 - clip)
    return -math.log(p if happened else 1.0 - p)


def score_binary(values: np.ndarray, observed: bool) -> dict[str, Any]:
    """Score an observed yes/no (an event by a date, a 0/1 state) against the replications' 0/1 values."""
    values = np.asarray(values, dtype=float)
    o = 1.0 if observed else 0.0
    p = float(np.mean(values))
    p10, p50, p90 = _quantiles(values)
    inside = p10 <= o <= p90
    return {
        "unit": "probability",
        "p": p,
        "outcome": o,
        "p10": p10, "p50": p50, "p90": p90,
        "pit": _mid_pit(values, o),
        "inside": inside,
        "position": "inside" if inside else ("below" if o < p10 else "above"),
        "error": p - o,
        "width": p90 - p10,
        "censored": False,
        "brier": (p - o) ** 2,
        "log_score": log_score(p, bool(observed), len(values)),
        "crps": (p - o) ** 2,
    }


def reliability(rows: list[dict[str, Any]], bins: int = RELIABILITY_BINS) -> list[dict[str, Any]]:
    """The binary rows' forecasts ``p`` in ``bins`` equal bins of 0-1 (the last one closed): per bin the number
    of rows, their mean forecast and the share that happened (their mean ``outcome``; None in an empty bin)."""
    table = []
    for k in range(bins):
        low, high = k / bins, (k + 1) / bins
        inside = [r for r in rows if low <= r["p"] < high or (k == bins - 1 and r["p"] == 1.0)]
        table.append({
            "low": low, "high": high, "n": len(inside),
            "mean_forecast": float(np.mean([r["p"] for r in inside])) if inside else None,
            "observed_frequency": float(np.mean([r["outcome"] for r in inside])) if inside else None,
        })
    return table


__all__ = ["SCALE_DAYS", "SCALE_FRACTION", "SCALE_COUNT", "SCALES", "RELIABILITY_BINS", "crps", "score_count",
           "score_binary", "log_score", "reliability"]
