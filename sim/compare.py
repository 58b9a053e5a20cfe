"""Paired comparison of scenarios run with the same seeds (common random numbers).

Every scenario is run with the same run seed, so replication k of each uses the same replication seed and
its named streams give the same draws wherever the scenarios agree.  Differences are therefore paired:
for each metric (every milestone day and every numeric outcome), ``scenario - baseline`` per replication,
with its mean and a 95% t-interval.  Pairing removes the noise the scenarios share, which makes the
interval far narrower than that of two independent runs.

Unreached milestones: a milestone not reached by the horizon is counted as reached *at* the horizon, a
lower bound on the true day; pairs involving such a value are counted in ``censored_pairs`` so a reader
knows the difference is then a lower bound on its size (and the interval too narrow).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from sim._callable import make_module_callable
from sim.results import Results, milestone_columns
from sim.scenario import Scenario

UNREACHED_RULE = ("a milestone not reached by the horizon counts as reached at horizon_days (a lower bound); "
                  "censored_pairs counts the pairs where either side was not reached")


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


@dataclass
class Comparison:
    """The runs of several scenarios with the same seed, and their paired differences."""

    names: list[str]
    results: list[Results]
    seed: int

    @property
    def baseline(self) -> str:
        return self.names[0]

    def metrics(self) -> list[str]:
        first = self.results[0]
        return milestone_columns() + [c for c in first.outcome_columns() if c != "detection_day"]

    def differences(self) -> dict[str, dict[str, dict[str, Any]]]:
        base = self.results[0]
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for name, other in zip(self.names[1:], self.results[1:]):
            entry: dict[str, dict[str, Any]] = {}
            for metric in self.metrics():
                a = base.runs[metric].to_numpy(dtype=float, na_value=np.nan)
                b = other.runs[metric].to_numpy(dtype=float, na_value=np.nan)
                censored = 0
                if metric.endswith("_day"):
                    censored = int(np.sum(np.isnan(a) | np.isnan(b)))
                    a = np.where(np.isnan(a), base.scenario.horizon_days, a)
                    b = np.where(np.isnan(b), other.scenario.horizon_days, b)
                entry[metric] = {**paired_difference(a, b), "censored_pairs": censored}
            out[name] = entry
        return out

    def to_json(self) -> dict[str, Any]:
        return {"baseline": self.baseline, "seed": self.seed, "replications": len(self.results[0].runs),
                "unreached": UNREACHED_RULE, "scenarios": self.differences()}


def compare(scenarios: list[tuple[str, Scenario]], replications: int = 500, seed: int = 0,
            workers: int | None = None, on_progress: Callable[[int], None] | None = None,
            scheduler: str | None = None) -> Comparison:
    """Run every scenario with the same seed; the first is the baseline of the paired differences.

    All scenarios run on one engine (one local pool, or one connection to the Dask cluster ``scheduler``).
    """
    from sim.engines import make_engine
    from sim.runner import run

    if len(scenarios) < 2:
        raise ValueError("compare needs at least two scenarios")
    with make_engine(workers, scheduler) as engine:
        results = [run(scenario, replications=replications, seed=seed, engine=engine, on_progress=on_progress,
                       name=name) for name, scenario in scenarios]
    return Comparison([name for name, _ in scenarios], results, seed)


make_module_callable(__name__, "compare")  # sim.compare(...) works even once this module is imported
