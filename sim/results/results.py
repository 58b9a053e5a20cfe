"""Results of a run: its tables, its scenario and seed, and the summary - data and statistics only.

Tables (docs/contracts.md, "Output folder of a run"):

* ``runs`` - one row per replication (:func:`sim.results.tables.runs_frame`);
* ``timeseries`` - daily bands: day, date, quantity, mean, p10, p50, p90 (:mod:`sim.results.bands`);
* ``events`` - every event record of the representative replication (the one whose destruction_complete_day
  is the median), including its ledger state changes (``event == "ledger"``).

Drawing, the report and writing folders live in higher layers; :meth:`Results.plot_progress`,
:meth:`Results.save` and friends are one-line delegates to them, imported when called (as SALib's
``ResultDict.plot`` does), so that this layer never draws or writes.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.results.afterwards import afterwards_summary
from sim.results.summary import PERCENTILES, deadline_summary, outcome_columns, run_summary, verification_summary
from sim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping

    from sim.core.problems import KeyPath
    from sim.execution.parts import PartStore


class Results:
    """What a run produced; build with :func:`sim.run`, or :meth:`Results.load` from a run folder."""

    def __init__(self, scenario: Scenario, runs: pd.DataFrame, timeseries: pd.DataFrame, events: pd.DataFrame,
                 seed: int, name: str, wall_seconds: float = float("nan"), resumed_chunks: int = 0):
        self.scenario = scenario
        self.runs = runs
        self.timeseries = timeseries
        self.events = events
        self.seed = seed
        self.name = name
        self.wall_seconds = wall_seconds
        self.resumed_chunks = resumed_chunks

    @classmethod
    def build(cls, scenario: Scenario, runs: pd.DataFrame, bands: Any, events: pd.DataFrame, seed: int,
              name: str | None = None, wall_seconds: float = math.nan, resumed_chunks: int = 0) -> "Results":
        """From what the execution layer gathered: the runs, the bands' accumulator and the representative
        replication's events."""
        timeseries = bands.frame(scenario.start_date, PERCENTILES)
        return cls(scenario, runs, timeseries, events, seed, name or scenario.name, wall_seconds, resumed_chunks)

    @property
    def replications(self) -> int:
        return len(self.runs)

    @property
    def events_processed(self) -> int:
        return int(self.runs["events"].sum())

    # ---- statistics ---------------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """The summary.json contents (docs/contracts.md)."""
        out = run_summary(self.scenario, self.runs, self.name, self.seed, self.timeseries)
        critical = out.pop("critical_paths")  # afterwards next to verification, as docs/contracts.md lists them
        out["afterwards"] = afterwards_summary(self.scenario, self.runs)
        out["critical_paths"] = critical
        return out

    def verification_summary(self) -> dict[str, Any]:
        """What verification achieved: detection, hidden stock, Category 1 destroyed, and the accounting outputs
        (issues, the declaration judged complete, detection by channel, undeclared stock, amendments)."""
        return verification_summary(self.scenario, self.runs, self.timeseries)

    def outcome_columns(self) -> list[str]:
        """Numeric columns of runs that are not milestone days (detection_day: over detected runs only)."""
        return outcome_columns(self.runs)

    def deadline_summary(self, deadline_id: str) -> dict[str, Any]:
        return deadline_summary(self.scenario, self.runs, deadline_id)

    # ---- notebooks and consoles ------------------------------------------------------------------------
    def __repr__(self) -> str:
        from sim.results.display import run_headline

        return (f"<Results {self.name}: {self.replications} replications, seed {self.seed}; "
                f"{run_headline(self.summary())}>")

    def _repr_html_(self) -> str:
        from sim.results.display import deadline_table, html_summary, milestone_table, number, percent, run_headline

        summary = self.summary()
        verification = summary["verification"]
        lines = [f"{self.replications} replications, seed {self.seed}, start {summary['start_date']}",
                 run_headline(summary)]
        if verification.get("concealment"):
            v = verification
            first = {c: p for c, p in v["first_channel_share"].items() if c != "none"}
            top = max(first, key=lambda c: first[c])
            judged = v["p_judged_complete_by"]
            lines.append(f"concealment detected (an issue raised) in {percent(v['p_detected'])} of runs, first most "
                         f"often by {v['first_detection_by_channel'][top]['label']}; issues raised: mean "
                         f"{number(v['issues']['raised']['mean'], 1)}; amendments: mean "
                         f"{number(v['amendments']['mean'], 1)}; hidden tonnes at the horizon: median "
                         f"{number(v['hidden_tonnes']['p50'], 1, 't')}"
                         + (f"; declaration judged complete by {judged[-1]['date']} in {percent(judged[-1]['p'])} "
                            "of runs" if judged else ""))
        elif verification["dispersal_enabled"]:
            lines.append(f"dispersal detected in {percent(verification['p_detected'])} of runs; hidden tonnes "
                         f"at the horizon: median {number(verification['hidden_tonnes']['p50'], 1, 't')}")
        return html_summary(f"disarm-sim run: {self.name}", lines,
                            [milestone_table(summary), deadline_table(summary)])

    def to_frame(self) -> pd.DataFrame:
        """The runs table (one row per replication) with a calendar date beside every milestone day
        (``<milestone>_date``, NaT where not reached): a tidy table for pandas, CSV or Excel."""
        from sim.results.tables import with_dates

        return with_dates(self.runs, self.scenario.start_date)

    # ---- delegates: files, charts and the report live in higher layers ---------------------------------
    def save(self, folder: str | Path, command: str = "", plots: bool = True,
             source: "str | Path | Mapping[KeyPath, str] | None" = None, store: "PartStore | None" = None) -> Path:
        """Write the run folder atomically (see :func:`sim.output.run_folder.save_run`).  ``source`` (for
        assumptions.json) is the scenario file, or the source comments read when it was loaded
        (:func:`sim.scenario.comments.load_with_comments`), which the commands pass so that nothing re-reads it."""
        from sim.output.run_folder import save_run

        return save_run(self, folder, command=command, plots=plots, source=source, store=store)

    def render(self, folder: str | Path, manifest: dict[str, Any]) -> list[str]:
        """Draw every chart and the report into ``folder``; returns the charts' names."""
        from sim.output.run_folder import render_run

        return render_run(self, Path(folder), manifest)

    def manifest(self, command: str, charts: list[str]) -> dict[str, Any]:
        """manifest.json of this run (see :func:`sim.output.manifest.run_manifest`)."""
        from sim.output.manifest import run_manifest

        return run_manifest(self, command, charts)

    @classmethod
    def load(cls, folder: str | Path) -> "Results":
        """Read a complete run folder (one with manifest.json)."""
        from sim.output.run_folder import load_run

        return load_run(folder)

    def plot_progress(self, ax: Any = None) -> Any:
        """Draw on ``ax``, or on a new pyplot figure (shown inline in a notebook); returns the Axes."""
        from sim.charts.run import plot_progress, shown_figures

        with shown_figures():
            return plot_progress(self.timeseries, self.scenario, ax=ax)

    def plot_milestones(self, ax: Any = None) -> Any:
        """Draw on ``ax``, or on a new pyplot figure (shown inline in a notebook); returns the Axes."""
        from sim.charts.run import plot_milestones, shown_figures

        with shown_figures():
            return plot_milestones(self.runs, self.scenario, ax=ax)

    def plot_completion(self, ax: Any = None) -> Any:
        """Draw on ``ax``, or on a new pyplot figure (shown inline in a notebook); returns the Axes."""
        from sim.charts.run import plot_completion, shown_figures

        with shown_figures():
            return plot_completion(self.runs, self.scenario, ax=ax)


__all__ = ["Results"]
