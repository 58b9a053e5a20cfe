"""Statistics shared by every layer: percentiles with "not reached", binomial intervals, paired differences."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def percentile_or_none(values: np.ndarray, q: float) -> float | None:
    """The q-th percentile (linear interpolation) of ``values`` where NaN means "not reached".

    Unreached values sort after every reached one; if the percentile needs an unreached value, it is None.
    """
    n = len(values)
    if n == 0:
        return None
    ordered = np.sort(np.where(np.isnan(values), np.inf, values))
    position = q / 100 * (n - 1)
    lo, hi = math.floor(position), math.ceil(position)
    if not np.isfinite(ordered[hi]):
        return None
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (position - lo))


def wilson_interval(successes: int, trials: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default)."""
    if trials == 0:
        return (0.0, 1.0)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    lo = 0.0 if successes == 0 else max(0.0, centre - half)  # exact bounds at the edges, no round-off
    hi = 1.0 if successes == trials else min(1.0, centre + half)
    return (lo, hi)


def paired_difference(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    """Mean of ``b - a`` with a 95% t-interval (NaN pairs dropped)."""
    from scipy import stats

    diff = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    diff = diff[~np.isnan(diff)]
    n = len(diff)
    if n == 0:
        return {"mean_diff": None, "ci95": [None, None], "sd_diff": None, "n": 0}
    mean = float(diff.mean())
    if n == 1:
        return {"mean_diff": mean, "ci95": [None, None], "sd_diff": None, "n": 1}
    sd = float(diff.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return {"mean_diff": mean, "ci95": [mean - half, mean + half], "sd_diff": sd, "n": n}


__all__ = ["percentile_or_none", "wilson_interval", "paired_difference"]
