"""The folder of a backtest: backtest.json (every observation scored, coverage, errors), the simulated daily
bands (timeseries.parquet) and the scenario as it ran (scenario.resolved.yaml), from which ``disarm plot``
redraws the charts, the charts, and the run's manifest with the observed record's path, manifest.json last."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sim.charts.backtest import save_backtest_charts
from sim.core.files import write_json, write_parquet, write_text
from sim.output.folders import output_folder
from sim.scenario.loading import scenario_to_yaml
from sim.output.manifest import run_manifest, write_manifest

if TYPE_CHECKING:  # pragma: no cover
    from sim.history.backtest import Backtest


def save_backtest(result: "Backtest", folder: str | Path, observed: str | Path, command: str = "",
                  plots: bool = True) -> Path:
    """Write the backtest folder atomically, manifest.json last."""
    folder = Path(folder)
    with output_folder(folder) as tmp:
        write_json(tmp / "backtest.json", result.to_json())
        # what disarm plot needs to redraw the charts (sim.output.redraw)
        write_parquet(tmp / "timeseries.parquet", result.results.timeseries)
        write_text(tmp / "scenario.resolved.yaml", scenario_to_yaml(result.results.scenario))
        charts: list[str] = []
        if plots:
            charts = save_backtest_charts(result.results.timeseries, result.table(), result.results.scenario, tmp,
                                          replications=result.results.replications)
        write_manifest(tmp, {**run_manifest(result.results, command, charts), "observed": str(observed)})
    return folder


__all__ = ["save_backtest"]
