"""The folder of a run: written atomically (tables, summary, assumptions, charts and report, manifest.json
last), read back, and redrawn from its saved results (``disarm plot``).  See docs/contracts.md for its files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.charts.run import save_run_charts
from sim.core.contract import MANIFEST
from sim.core.files import write_json, write_parquet, write_text
from sim.execution.parts import identity_id
from sim.output.folders import output_folder
from sim.output.manifest import run_manifest
from sim.report.run import ASSUMPTIONS_FILE, assumptions, write_report
from sim.results.results import Results
from sim.scenario.loading import load_scenario, scenario_to_yaml

if TYPE_CHECKING:  # pragma: no cover
    from sim.execution.parts import PartStore


def save_run(results: Results, folder: str | Path, command: str = "", plots: bool = True,
             source: str | Path | None = None, store: "PartStore | None" = None) -> Path:
    """Write the run folder atomically, manifest.json last.  ``source`` is the scenario file, for the source
    comments of the assumptions.  With ``store`` (the part store the run streamed into), the folder is built in
    its staging folder."""
    folder = Path(folder)
    with output_folder(folder, staging=None if store is None else store.path) as tmp:
        write_parquet(tmp / "runs.parquet", results.runs)
        write_parquet(tmp / "timeseries.parquet", results.timeseries)
        write_parquet(tmp / "events.parquet", results.events)
        write_text(tmp / "scenario.resolved.yaml", scenario_to_yaml(results.scenario))
        write_json(tmp / "summary.json", results.summary())
        if source is not None:
            write_json(tmp / ASSUMPTIONS_FILE, assumptions(results.scenario, source))
        manifest = run_manifest(results, command, [])
        if store is not None:
            manifest["job"] = identity_id(store.identity)
        if plots:
            manifest["charts"] = render_run(results, tmp, manifest)
        if store is not None:
            store.finish()
        write_json(tmp / MANIFEST, manifest)
    return folder


def render_run(results: Results, folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Draw every chart and the report into ``folder`` from the tables; returns the charts' names."""
    charts = save_run_charts(results, Path(folder))
    write_report(results, Path(folder), charts, {**manifest, "charts": charts})
    return charts


def load_run(folder: str | Path) -> Results:
    """Read a complete run folder (one with manifest.json)."""
    import pandas as pd

    folder = Path(folder)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    scenario = load_scenario(folder / "scenario.resolved.yaml")
    return Results(scenario, pd.read_parquet(folder / "runs.parquet"), pd.read_parquet(folder / "timeseries.parquet"),
                   pd.read_parquet(folder / "events.parquet"), seed=int(manifest["seed"]), name=summary["scenario"],
                   wall_seconds=manifest.get("wall_seconds") or float("nan"))


def redraw_run(folder: str | Path) -> list[str]:
    """Redraw the charts and the report of a complete run folder from its saved results; returns the charts."""
    folder = Path(folder)
    results = load_run(folder)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    manifest["charts"] = render_run(results, folder, manifest)
    write_json(folder / MANIFEST, manifest)
    return manifest["charts"]


__all__ = ["save_run", "render_run", "load_run", "redraw_run"]
