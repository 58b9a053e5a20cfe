"""A finished sweep and its output folder.

The folder (default ``plots/<sweep file stem>/``), written atomically with manifest.json last:

    points.parquet          one row per design point, sorted by point id: parameter values and, per outcome,
                            mean, p10, p50, p90 (milestones: reached share; deadlines: met share + Wilson CI)
    runs.parquet            one row per replication of each point: point, replication, seed, events and the
                            raw outcome columns (milestone days null when not reached)
    sensitivity.json        OAT effects, Morris mu*/sigma, Sobol S1/ST with CIs, rank correlations, and
                            scenario discovery (PRIM boxes in plain words with coverage and density)
    sweep.resolved.yaml     the sweep as it ran (samples, replications and seed after command-line options)
    scenario.resolved.yaml  the base scenario as it ran (after extends and --set)
    *.png, report.html      the charts and a self-contained report
    manifest.json           version, seed, points, replications, command, packages, wall_seconds, events
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from sim.parts import PartStore
    from sim.sweep import Sweep
    from sim.sweep_design import Design


@dataclass
class SweepResults:
    """What :func:`sim.sweep` produced: the sweep, its design, replications, points and analyses."""

    sweep: "Sweep"
    design: "Design"
    runs: pd.DataFrame
    points: pd.DataFrame
    sensitivity: dict[str, Any]
    wall_seconds: float = math.nan

    @property
    def events_processed(self) -> int:
        return int(self.runs["events"].sum())

    def resolved_spec(self) -> dict[str, Any]:
        spec = self.sweep.spec.model_dump(mode="json", exclude_none=True)
        spec.update(samples=self.sweep.samples, replications=self.sweep.replications, seed=self.sweep.seed,
                    base=str(self.sweep.base_path))
        spec["discovery"] = [t.text for t in self.sweep.thresholds]
        return spec

    def save(self, folder: str | Path, command: str = "", plots: bool = True,
             store: "PartStore | None" = None) -> Path:
        """Write the sweep folder atomically, manifest.json last (with ``store``, built in the staging folder
        the sweep streamed into).  Returns the folder."""
        import yaml

        from sim.loading import scenario_to_yaml
        from sim.output import output_folder, write_json, write_parquet, write_text
        from sim.sweep_analysis import clean_json

        folder = Path(folder)
        with output_folder(folder, staging=None if store is None else store.path) as tmp:
            write_parquet(tmp / "points.parquet", self.points)
            write_parquet(tmp / "runs.parquet", self.runs)
            write_json(tmp / "sensitivity.json", clean_json(self.sensitivity))
            write_text(tmp / "sweep.resolved.yaml", yaml.safe_dump(self.resolved_spec(), sort_keys=False,
                                                                    allow_unicode=True, width=110))
            write_text(tmp / "scenario.resolved.yaml", scenario_to_yaml(self.sweep.base))
            charts: list[str] = []
            if plots:
                from sim.sweep_plots import save_sweep_charts
                from sim.sweep_report import write_report

                charts = save_sweep_charts(self, tmp)
                write_report(self, tmp, charts)
            manifest = self.manifest(command, charts)
            if store is not None:
                from sim.parts import identity_id

                manifest["job"] = identity_id(store.identity)
                store.finish()
            write_json(tmp / "manifest.json", clean_json(manifest))
        return folder

    def manifest(self, command: str, charts: list[str]) -> dict[str, Any]:
        from sim import __version__
        from sim.results import _package_versions

        return {
            "version": __version__,
            "sweep": self.sweep.name,
            "method": self.design.method,
            "seed": self.sweep.seed,
            "samples": self.sweep.samples,
            "points": self.design.size,
            "replications": self.sweep.replications,
            "command": command,
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "packages": _package_versions(),
            "wall_seconds": None if math.isnan(self.wall_seconds) else round(self.wall_seconds, 3),
            "events": self.events_processed,
            "charts": charts,
        }


__all__ = ["SweepResults"]
