"""The folder of a comparison: one run folder per scenario, comparison.json (paired differences), the charts,
manifest.json last."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sim.charts.comparison import save_comparison_charts
from sim.core.contract import MANIFEST
from sim.core.files import write_json
from sim.output.folders import output_folder
from sim.output.manifest import build_manifest
from sim.output.run_folder import save_run

if TYPE_CHECKING:  # pragma: no cover
    from sim.comparison.paired import Comparison


def save_comparison(comparison: "Comparison", folder: str | Path, command: str = "", plots: bool = True,
                    sources: "list[str | Path] | None" = None) -> Path:
    """Write the comparison folder atomically: a run folder per scenario (named by the scenario's name in the
    comparison; ``sources`` are their files, for the assumptions), comparison.json, charts, manifest.json."""
    folder = Path(folder)
    sources = list(sources) if sources is not None else [None] * len(comparison.names)
    with output_folder(folder) as tmp:
        for name, results, source in zip(comparison.names, comparison.results, sources):
            save_run(results, tmp / name, command=command, plots=plots, source=source)
        write_json(tmp / "comparison.json", comparison.to_json())
        charts = save_comparison_charts(comparison, tmp) if plots else []
        write_json(tmp / MANIFEST, build_manifest(
            command=command, charts=charts, wall_seconds=sum(r.wall_seconds for r in comparison.results),
            events=sum(r.events_processed for r in comparison.results), scenarios=list(comparison.names),
            seed=comparison.seed, replications=len(comparison.results[0].runs)))
    return folder


__all__ = ["save_comparison"]
