"""Results of a run: tidy tables, the summary, and saving and loading a run folder.

Tables (DESIGN.md, "Output folder"):

* ``runs`` - one row per replication: replication, seed, one ``<milestone>_day`` per milestone (null if not
  reached by the horizon), tonnes by state, counts, detection, events;
* ``timeseries`` - daily bands: day, date, quantity, mean, p10, p50, p90;
* ``events`` - every event record of the representative replication (the one whose destruction_complete_day
  is the median), including its ledger state changes (``event == "ledger"``).

Percentiles of milestone days count a milestone not reached as later than the horizon; a percentile that
falls among the unreached is null, never a made-up day.  Deadline probabilities come with Wilson 95% intervals.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.milestones import MILESTONE_IDS
from sim.model.critical import PHASE_COLUMNS
from sim.model.ledger import STATES
from sim.scenario import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from sim.parts import PartStore
    from sim.runner import RunOutput

PERCENTILES = (10, 50, 90)
NON_OUTCOME_COLUMNS = {"replication", "seed"}


def milestone_columns() -> list[str]:
    return [f"{m}_day" for m in MILESTONE_IDS]


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


def deadline_instant(scenario: Scenario, date: dt.date) -> float:
    """The model time at the end of a deadline's calendar day, i.e. midnight starting the next day."""
    return scenario.end_of_day(date)


def met_by(days: np.ndarray, scenario: Scenario, date: dt.date) -> np.ndarray:
    """Whether milestone days (NaN: not reached) fall on or before the deadline's calendar date.

    A milestone at day d falls on date ``start_date + floor(d)``; it meets the deadline when that date is not
    later than the deadline date, i.e. when d is strictly before the end of the deadline's day.
    """
    return np.asarray(days, dtype=float) < deadline_instant(scenario, date)  # NaN compares False


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

    # ---- building ---------------------------------------------------------------------------------
    @classmethod
    def build(cls, scenario: Scenario, out: "RunOutput", seed: int, name: str | None = None) -> "Results":
        """From what :func:`sim.runner.execute_run` gathered: the runs, the bands' accumulator, the timing."""
        timeseries = out.bands.frame(scenario.start_date, PERCENTILES)
        events = representative_events(scenario, out.runs)
        return cls(scenario, out.runs, timeseries, events, seed, name or scenario.name, out.wall_seconds,
                   out.resumed_chunks)

    @property
    def replications(self) -> int:
        return len(self.runs)

    @property
    def events_processed(self) -> int:
        return int(self.runs["events"].sum())

    # ---- summary ----------------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """The summary.json contents (DESIGN.md)."""
        s = self.scenario
        out: dict[str, Any] = {
            "scenario": self.name,
            "replications": self.replications,
            "seed": self.seed,
            "start_date": s.start_date.isoformat(),
            "horizon_days": s.horizon_days,
            "milestones": {},
            "outcomes": {},
            "deadlines": {},
        }
        for milestone in MILESTONE_IDS:
            values = self.runs[f"{milestone}_day"].to_numpy(dtype=float, na_value=np.nan)
            entry: dict[str, Any] = {"reached_fraction": float(np.mean(~np.isnan(values)))}
            for q in PERCENTILES:
                day = percentile_or_none(values, q)
                entry[f"p{q}"] = day
                entry[f"p{q}_date"] = None if day is None else s.date_of(day).isoformat()
            out["milestones"][milestone] = entry
        for column in self.outcome_columns():
            values = self.runs[column].to_numpy(dtype=float, na_value=np.nan)
            reached = values[~np.isnan(values)]
            entry = {"mean": float(reached.mean()) if len(reached) else None}
            for q in PERCENTILES:
                entry[f"p{q}"] = float(np.percentile(reached, q)) if len(reached) else None
            out["outcomes"][column] = entry
        for deadline in s.deadlines:
            out["deadlines"][deadline.id] = self.deadline_summary(deadline.id)
        out["verification"] = self.verification_summary()
        return out

    def verification_summary(self) -> dict[str, Any]:
        """What verification achieved: detection of dispersal, residual hidden stock, Category 1 destroyed."""
        s = self.scenario
        runs = self.runs
        n = len(runs)
        detected = int(runs["detected"].sum())
        detection = runs["detection_day"].to_numpy(dtype=float, na_value=np.nan)
        out: dict[str, Any] = {
            "dispersal_enabled": s.dispersal.enabled,
            "p_detected": detected / n,
            "p_detected_ci95": list(wilson_interval(detected, n)),
            # undetected runs count as later than any detection, as unreached milestones do
            "detection_day": {},
            "hidden_tonnes": {"mean": float(runs["hidden_tonnes"].mean()),
                              **{f"p{q}": float(np.percentile(runs["hidden_tonnes"], q)) for q in PERCENTILES}},
            "p_hidden_above_1_tonne": float(np.mean(runs["hidden_tonnes"] > 1.0)),
            "category1_destroyed_by": {},
        }
        for q in PERCENTILES:
            day = percentile_or_none(detection, q)
            out["detection_day"][f"p{q}"] = day
            out["detection_day"][f"p{q}_date"] = None if day is None else s.date_of(day).isoformat()
        cat1 = runs["category1_destroyed_day"].to_numpy(dtype=float, na_value=np.nan)
        for deadline in s.deadlines:
            met = int(np.sum(met_by(cat1, s, deadline.date)))
            out["category1_destroyed_by"][deadline.id] = {
                "date": deadline.date.isoformat(), "p": met / n, "ci95": list(wilson_interval(met, n))}
        return out

    def outcome_columns(self) -> list[str]:
        """Numeric columns of runs that are not milestone days (detection_day: over detected runs only)."""
        skip = set(milestone_columns()) | NON_OUTCOME_COLUMNS
        return [c for c in self.runs.columns if c not in skip and (pd.api.types.is_numeric_dtype(self.runs[c])
                                                                   or pd.api.types.is_bool_dtype(self.runs[c]))]

    def deadline_summary(self, deadline_id: str) -> dict[str, Any]:
        deadline = next(d for d in self.scenario.deadlines if d.id == deadline_id)
        instant = deadline_instant(self.scenario, deadline.date)
        days = self.runs[f"{deadline.milestone}_day"].to_numpy(dtype=float, na_value=np.nan)
        met = int(np.sum(met_by(days, self.scenario, deadline.date)))
        late = days - instant
        return {
            "date": deadline.date.isoformat(),
            "milestone": deadline.milestone,
            "description": deadline.description,
            "p_met": met / len(days),
            "ci95": list(wilson_interval(met, len(days))),
            "days_late": {f"p{q}": percentile_or_none(late, q) for q in PERCENTILES},
        }

    # ---- saving and loading ---------------------------------------------------------------------
    def save(self, folder: str | Path, command: str = "", plots: bool = True,
             source: str | Path | None = None, store: "PartStore | None" = None) -> Path:
        """Write the run folder (DESIGN.md) atomically: tables, summary, assumptions, charts and report,
        manifest.json last.  ``source`` is the scenario file, for the source comments of the assumptions.
        With ``store`` (the part store the run streamed into), the folder is built in its staging folder."""
        from sim.loading import scenario_to_yaml
        from sim.output import output_folder, write_json, write_parquet, write_text
        from sim.report import ASSUMPTIONS_FILE, assumptions

        folder = Path(folder)
        with output_folder(folder, staging=None if store is None else store.path) as tmp:
            write_parquet(tmp / "runs.parquet", self.runs)
            write_parquet(tmp / "timeseries.parquet", self.timeseries)
            write_parquet(tmp / "events.parquet", self.events)
            write_text(tmp / "scenario.resolved.yaml", scenario_to_yaml(self.scenario))
            write_json(tmp / "summary.json", self.summary())
            if source is not None:
                write_json(tmp / ASSUMPTIONS_FILE, assumptions(self.scenario, source))
            manifest = self.manifest(command, [])
            if store is not None:
                from sim.parts import identity_id

                manifest["job"] = identity_id(store.identity)
            if plots:
                manifest["charts"] = self.render(tmp, manifest)
            if store is not None:
                store.finish()
            write_json(tmp / "manifest.json", manifest)
        return folder

    def render(self, folder: str | Path, manifest: dict[str, Any]) -> list[str]:
        """Draw every chart and the report into ``folder`` from the tables; returns the charts' names."""
        from sim.plotting import save_run_charts
        from sim.report import write_report

        charts = save_run_charts(self, Path(folder))
        write_report(self, Path(folder), charts, {**manifest, "charts": charts})
        return charts

    def manifest(self, command: str, charts: list[str]) -> dict[str, Any]:
        from sim import __version__

        return {
            "version": __version__,
            "scenario": self.name,
            "seed": self.seed,
            "replications": self.replications,
            "command": command,
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "packages": _package_versions(),
            "wall_seconds": None if math.isnan(self.wall_seconds) else round(self.wall_seconds, 3),
            "resumed_chunks": self.resumed_chunks,
            "events": self.events_processed,
            "charts": charts,
        }

    @classmethod
    def load(cls, folder: str | Path) -> "Results":
        """Read a complete run folder (one with manifest.json)."""
        from sim.loading import load_scenario

        folder = Path(folder)
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        scenario = load_scenario(folder / "scenario.resolved.yaml")
        return cls(scenario, pd.read_parquet(folder / "runs.parquet"), pd.read_parquet(folder / "timeseries.parquet"),
                   pd.read_parquet(folder / "events.parquet"), seed=int(manifest["seed"]), name=summary["scenario"],
                   wall_seconds=manifest.get("wall_seconds") or float("nan"))

    # ---- plotting helpers (data in, Axes out) -------------------------------------------------------
    def plot_progress(self, ax: Any = None) -> Any:
        from sim.plotting import plot_progress

        return plot_progress(self.timeseries, self.scenario, ax=ax)

    def plot_milestones(self, ax: Any = None) -> Any:
        from sim.plotting import plot_milestones

        return plot_milestones(self.runs, self.scenario, ax=ax)

    def plot_completion(self, ax: Any = None) -> Any:
        from sim.plotting import plot_completion

        return plot_completion(self.runs, self.scenario, ax=ax)


# ------------------------------------------------------------------------------------------------------
# Table builders
# ------------------------------------------------------------------------------------------------------


def runs_frame(rows: "list[dict] | dict[str, list]") -> pd.DataFrame:
    """runs.parquet from replication rows (or the same as columns: name -> values), in the documented order."""
    frame = pd.DataFrame(rows)
    first = ["replication", "seed", *milestone_columns()]
    rest = [c for c in frame.columns if c not in first]
    frame = frame[first + rest]
    for column in milestone_columns() + ["detection_day", *PHASE_COLUMNS]:
        frame[column] = frame[column].astype("float64")
    frame["seed"] = frame["seed"].astype("uint64")
    frame["detected"] = frame["detected"].astype(bool)
    return frame.sort_values("replication", kind="stable").reset_index(drop=True)


def median_replication(runs: pd.DataFrame) -> int:
    """The replication whose destruction_complete_day is the median (unreached sorting last)."""
    days = runs["destruction_complete_day"].to_numpy(dtype=float, na_value=np.nan)
    order = np.argsort(np.where(np.isnan(days), np.inf, days), kind="stable")
    return int(runs["replication"].iloc[order[(len(order) - 1) // 2]])


def representative_events(scenario: Scenario, runs: pd.DataFrame) -> pd.DataFrame:
    """Re-run the median replication (it is pure) with event recording, and tabulate its events."""
    from sim.model import simulate

    replication = median_replication(runs)
    seed = int(runs.loc[runs["replication"] == replication, "seed"].iloc[0])
    outcome = simulate(scenario, seed, record_events=True, keep_changes=True)
    lots = scenario.lots
    rows = [dict(r._asdict()) for r in outcome.records]
    for change in outcome.changes:
        lot = lots[change.lot]
        rows.append({"day": change.day, "event": "ledger", "entity": f"{STATES[change.source]}->{STATES[change.target]}",
                     "site": lot.site, "lot": lot.id, "agent": lot.agent, "tonnes": change.tonnes, "note": ""})
    frame = pd.DataFrame(rows, columns=["day", "event", "entity", "site", "lot", "agent", "tonnes", "note"])
    frame = frame.sort_values("day", kind="stable").reset_index(drop=True)
    frame.insert(0, "replication", replication)
    frame.insert(2, "date", [scenario.date_of(d) for d in frame["day"]])
    return frame


def _package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("simpy", "numpy", "pandas", "pyarrow", "pydantic", "matplotlib", "PyYAML", "dask", "SALib"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out
