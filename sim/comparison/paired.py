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

from sim.core.contract import MILESTONE_LABELS, RUN_COLUMN, TOLERANCE_T, milestone_columns
from sim.core.stats import paired_difference
from sim.execution.engines import make_engine
from sim.execution.runs import run
from sim.results.results import Results
from sim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping

    import pandas as pd

    from sim.core.problems import KeyPath

UNDECLARED = "undeclared_tonnes"
"""A metric of the comparison that is no column of runs.parquet: ``initial_tonnes - declared_tonnes``, the
stockpile never declared (a scenario that hides 54 t looks better on shares of declared tonnes; this says
what it hides)."""


def _values(runs: "pd.DataFrame", metric: str) -> np.ndarray:
    if metric == UNDECLARED:
        return (runs["initial_tonnes"].to_numpy(dtype=float) - runs["declared_tonnes"].to_numpy(dtype=float))
    return runs[metric].to_numpy(dtype=float, na_value=np.nan)


def metric_label(metric: str) -> str:
    """A metric in words: a milestone's label, or the runs column's label."""
    if metric == UNDECLARED:
        return "tonnes never declared"
    if metric.endswith("_day") and metric.removesuffix("_day") in MILESTONE_LABELS:
        return MILESTONE_LABELS[metric.removesuffix("_day")]
    column = RUN_COLUMN.get(metric)
    return column.label if column is not None else metric.replace("_", " ")


def metric_unit(metric: str) -> str:
    """``days``, ``t``, ``count``, ``share of runs`` (a true/false column) or ``""``."""
    if metric == UNDECLARED:
        return "t"
    column = RUN_COLUMN.get(metric)
    if column is not None and column.dtype == "bool":
        return "share of runs"
    return column.unit if column is not None else ""


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
        """The milestone days of every compared plan (a milestone one plan lacks, e.g. accession for a state
        already party, is not a difference of days), then the outcomes."""
        first = self.results[0]
        shared = set.intersection(*(set(r.scenario.plan_milestones()) for r in self.results))
        days = [c for c in milestone_columns() if c[: -len("_day")] in shared]
        return days + [c for c in first.outcome_columns() if c != "detection_day"]

    def differences(self) -> dict[str, dict[str, dict[str, Any]]]:
        """comparison.json's ``scenarios``: for each scenario but the baseline, every metric (milestone days, the
        outcomes, ``undeclared_tonnes``) as a paired difference, scenario minus baseline, with a 95% interval;
        every metric is kept, ``no_difference`` marking those where no pair differs."""
        base = self.results[0]
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for name, other in zip(self.names[1:], self.results[1:]):
            entry: dict[str, dict[str, Any]] = {}
            for metric in [*self.metrics(), UNDECLARED]:
                a, b = _values(base.runs, metric), _values(other.runs, metric)
                censored = 0
                if metric.endswith("_day"):
                    censored = int(np.sum(np.isnan(a) | np.isnan(b)))
                    a = np.where(np.isnan(a), base.scenario.horizon_days, a)
                    b = np.where(np.isnan(b), other.scenario.horizon_days, b)
                diff = paired_difference(a, b)
                same = bool(np.all(np.isclose(a, b, rtol=1e-9, atol=TOLERANCE_T, equal_nan=True)))
                entry[metric] = {**diff, "censored_pairs": censored, "no_difference": same,
                                 "label": metric_label(metric), "unit": metric_unit(metric)}
            out[name] = entry
        return out

    def deadlines(self) -> dict[str, dict[str, dict[str, Any]]]:
        """comparison.json's ``deadlines``: for each scenario but the baseline and each deadline of the
        baseline, the chance of meeting it in each, and the paired difference of the two (scenario minus
        baseline, with a 95% interval over the replications' met/missed pairs)."""
        from sim.results.summary import met_by

        base = self.results[0]
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for name, other in zip(self.names[1:], self.results[1:]):
            entry: dict[str, dict[str, Any]] = {}
            for deadline in base.scenario.deadlines:
                column = f"{deadline.milestone}_day"
                a = met_by(_values(base.runs, column), base.scenario, deadline.date).astype(float)
                b = met_by(_values(other.runs, column), other.scenario, deadline.date).astype(float)
                diff = paired_difference(a, b)
                entry[deadline.id] = {"date": deadline.date.isoformat(), "milestone": deadline.milestone,
                                      "p_met_baseline": float(a.mean()), "p_met": float(b.mean()),
                                      "difference": diff["mean_diff"], "ci95": diff["ci95"],
                                      "met_only_here": int(np.sum((b == 1) & (a == 0))),
                                      "met_only_in_baseline": int(np.sum((a == 1) & (b == 0))),
                                      "no_difference": bool(np.all(a == b))}
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
                "unreached": UNREACHED_RULE, "scenarios": self.differences(), "deadlines": self.deadlines()}


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
