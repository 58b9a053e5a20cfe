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

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from sim.core.contract import milestone_columns
from sim.core.stats import paired_difference
from sim.execution.engines import make_engine
from sim.execution.runs import run
from sim.results.results import Results
from sim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping

    from sim.core.problems import KeyPath

UNREACHED_RULE = ("a milestone not reached by the horizon counts as reached at horizon_days (a lower bound); "
                  "censored_pairs counts the pairs where either side was not reached")


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

    def __repr__(self) -> str:
        return (f"<Comparison of {len(self.names)} scenarios against {self.baseline}: "
                f"{', '.join(self.names[1:])}; {len(self.results[0].runs)} replications, seed {self.seed}>")

    def _repr_html_(self) -> str:
        from sim.results.display import Table, html_summary, number

        rows = []
        for name, metrics in self.differences().items():
            for metric in ("removal_complete_day", "destruction_complete_day", "hidden_tonnes"):
                entry = metrics.get(metric)
                if entry is not None:
                    unit = "t" if metric.endswith("tonnes") else "days"
                    low, high = entry["ci95"]
                    rows.append([name, metric, number(entry["mean_diff"], 1, unit),
                                 "--" if low is None else f"{number(low, 1)} to {number(high, 1)} {unit}"])
        lines = [f"{len(self.results[0].runs)} replications with common random numbers, seed {self.seed}; "
                 f"differences are scenario minus {self.baseline}"]
        return html_summary(f"disarm-sim comparison against {self.baseline}", lines,
                            [Table("Paired differences (headline outcomes)",
                                   ["scenario", "outcome", "mean difference", "95% interval"], rows)])

    def save(self, folder: str | Path, command: str = "", plots: bool = True,
             sources: "list[str | Path | Mapping[KeyPath, str] | None] | None" = None) -> Path:
        """Write the comparison folder atomically (see :func:`sim.output.comparison_folder.save_comparison`)."""
        from sim.output.comparison_folder import save_comparison

        return save_comparison(self, folder, command=command, plots=plots, sources=sources)

    def to_json(self) -> dict[str, Any]:
        return {"baseline": self.baseline, "seed": self.seed, "replications": len(self.results[0].runs),
                "unreached": UNREACHED_RULE, "scenarios": self.differences()}


def compare(scenarios: list[tuple[str, Scenario]], replications: int = 500, seed: int = 0,
            workers: int | None = None, on_progress: Callable[[int], None] | None = None,
            scheduler: str | None = None) -> Comparison:
    """Run every scenario with the same seed; the first is the baseline of the paired differences.

    All scenarios run on one engine (one local pool, or one connection to the Dask cluster ``scheduler``).
    """
    if len(scenarios) < 2:
        raise ValueError("compare needs at least two scenarios")
    with make_engine(workers, scheduler) as engine:
        results = [run(scenario, replications=replications, seed=seed, engine=engine, on_progress=on_progress,
                       name=name) for name, scenario in scenarios]
    return Comparison([name for name, _ in scenarios], results, seed)


__all__ = ["compare", "Comparison", "UNREACHED_RULE"]
