"""The folder of a sweep (default ``plots/<sweep file stem>/``), written atomically with manifest.json last:

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

from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from sim.charts.sweep import save_sweep_charts
from sim.core.files import clean_json, write_json, write_parquet, write_text
from sim.execution.parts import identity_id
from sim.output.folders import output_folder
from sim.output.manifest import sweep_manifest, write_manifest
from sim.report.sweep import write_report
from sim.scenario.loading import scenario_to_yaml
from sim.scenario.yaml_text import SafeDumper

if TYPE_CHECKING:  # pragma: no cover
    from sim.execution.parts import PartStore
    from sim.sweeps.api import SweepResults


def save_sweep(results: "SweepResults", folder: str | Path, command: str = "", plots: bool = True,
               store: "PartStore | None" = None) -> Path:
    """Write the sweep folder atomically, manifest.json last (with ``store``, built in the staging folder the
    sweep streamed into).  Returns the folder."""
    folder = Path(folder)
    with output_folder(folder, staging=None if store is None else store.path) as tmp:
        write_parquet(tmp / "points.parquet", results.points)
        write_parquet(tmp / "runs.parquet", results.runs)
        write_json(tmp / "sensitivity.json", clean_json(results.sensitivity))
        write_text(tmp / "sweep.resolved.yaml", yaml.dump(results.resolved_spec(), Dumper=SafeDumper,  # quotes "1e3"
                                                           sort_keys=False, allow_unicode=True, width=110))
        write_text(tmp / "scenario.resolved.yaml", scenario_to_yaml(results.sweep.base))
        charts: list[str] = []
        if plots:
            charts = save_sweep_charts(results, tmp)
            write_report(results, tmp, charts)
        manifest = sweep_manifest(results, command, charts)
        if store is not None:
            manifest["job"] = identity_id(store.identity)
            store.finish()
        write_manifest(tmp, clean_json(manifest))
    return folder


__all__ = ["save_sweep"]
