"""``disarm plot``: redraw any output folder's charts (and report) from its saved files, without simulating.

Run folders are redrawn by :func:`sim.output.run_folder.redraw_run`; this module adds comparisons, sweeps and
backtests, with the same guarantees: every input is checked first and named if it is not as disarm-sim writes
it (exit code 2), the charts are drawn into ``.NAME.tmp-*`` beside the folder and moved in only once all are
drawn, manifest.json (``charts``, ``files``) last, and the folder's lock is held throughout.

* a comparison: each scenario's run folder, then the comparison's charts from their runs and comparison.json;
* a sweep: its charts and report from points.parquet, runs.parquet, sensitivity.json and the sweep and base
  scenario as they ran (sweep.resolved.yaml, scenario.resolved.yaml); the design is rebuilt from them (it is
  seeded, so it is the one that ran);
* a backtest: its charts from backtest.json, timeseries.parquet and scenario.resolved.yaml (a backtest folder
  written before these two files were kept cannot be redrawn: it says so and asks for the backtest again).

A calibration folder is not redrawn: its chart is drawn from the search, which is not kept.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable

from sim.core.contract import MANIFEST
from sim.core.files import OutputError, WriteError
from sim.output.comparison_folder import check_run_folder_names
from sim.output.folders import folder_lock
from sim.output.ownership import folder_kind, read_own_manifest
from sim.output.run_folder import (REPORT, check_redrawable, drawing_folder, json_object, load_run, move_in,
                                   redraw_run, table)

BACKTEST_TIMESERIES = "timeseries.parquet"
BACKTEST_SCENARIO = "scenario.resolved.yaml"


def redraw(folder: str | Path) -> tuple[str, list[str]]:
    """Redraw the output folder ``folder``; returns its kind and the files drawn."""
    given = Path(folder)
    check_redrawable(given, given.resolve())  # a read-only file system is named before the lock is tried
    with folder_lock(given.resolve()):  # held while reading too: no writer swaps the folder under us
        manifest = read_own_manifest(given)
        kind = folder_kind(manifest)
        if kind == "run":
            return kind, [*redraw_run(given), REPORT]
        if kind == "compare":
            return kind, redraw_comparison(given, manifest)
        if kind == "sweep":
            return kind, redraw_sweep(given, manifest)
        if kind == "backtest":
            return kind, redraw_backtest(given, manifest)
    raise OutputError(f"{given}: a {kind} folder; disarm plot redraws the folders of disarm run, compare, sweep "
                      "and backtest")


def _redraw(given: Path, manifest: dict[str, Any], draw: Callable[[Path], list[str]],
            drawn: tuple[str, ...] = ()) -> list[str]:
    """Draw into a folder beside ``given`` and move the charts (and ``drawn`` files) in, manifest last."""
    folder = given.resolve()
    check_redrawable(given, folder)
    with folder_lock(folder):
        tmp = drawing_folder(given, folder)
        try:
            try:
                charts = draw(tmp)
            except (WriteError, OutputError):
                raise
            except Exception as exc:  # noqa: BLE001 - the saved files were checked; whatever is left is theirs
                raise OutputError(f"{given}: cannot redraw its charts from its saved files ({type(exc).__name__}: "
                                  f"{' '.join(str(exc).split())}); nothing in the folder was changed") from None
            move_in(folder, tmp, manifest, charts, drawn)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return [*charts, *drawn]


def redraw_comparison(given: Path, manifest: dict[str, Any]) -> list[str]:
    from sim.charts.comparison import save_comparison_charts
    from sim.comparison.paired import Comparison

    names = manifest.get("scenarios")
    if not isinstance(names, list) or len(names) < 2 or not all(isinstance(n, str) for n in names):
        raise OutputError(f"{given / MANIFEST}: scenarios: expected the names of two or more scenarios")
    data = json_object(given / "comparison.json")
    seed = data.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise OutputError(f"{given / 'comparison.json'}: seed: expected a whole number, found {seed!r}")
    check_run_folder_names(names)
    results = [load_run(given / name) for name in names]  # every input checked before anything is drawn
    comparison = Comparison(list(names), results, seed)
    charts = _redraw(given, manifest, lambda tmp: save_comparison_charts(comparison, tmp))
    for name in names:  # then each scenario's run folder, each on its own (a failure names its folder)
        redraw_run(given / name)
    return charts


def redraw_sweep(given: Path, manifest: dict[str, Any]) -> list[str]:
    from sim.charts.sweep import save_sweep_charts
    from sim.report.sweep import write_report
    from sim.scenario.yaml_text import parse_yaml, read_text
    from sim.sweeps.api import SweepResults
    from sim.sweeps.loading import build_sweep
    from sim.sweeps.tables import Sensitivity

    label = str(given / "sweep.resolved.yaml")
    data, lines = parse_yaml(read_text(given / "sweep.resolved.yaml", label), label)
    if not isinstance(data, dict):
        raise OutputError(f"{label}: expected the sweep as it ran (a mapping)")
    data["base"] = "scenario.resolved.yaml"  # the base as it ran, kept in the folder
    sweep = build_sweep(data, lines, label, given.resolve())
    design = sweep.design()
    points = table(given / "points.parquet", {})
    runs = table(given / "runs.parquet", {"point": "int64", "replication": "int64"})
    sensitivity = Sensitivity(json_object(given / "sensitivity.json"))
    if len(points) != design.size:
        raise OutputError(f"{given / 'points.parquet'}: holds {len(points)} points, but the sweep has "
                          f"{design.size}")
    results = SweepResults(sweep, design, runs, points, sensitivity)

    def draw(tmp: Path) -> list[str]:
        charts = save_sweep_charts(results, tmp)
        write_report(results, tmp, charts)
        return charts

    return _redraw(given, manifest, draw, (REPORT,))


def redraw_backtest(given: Path, manifest: dict[str, Any]) -> list[str]:
    import pandas as pd

    from sim.charts.backtest import save_backtest_charts
    from sim.scenario.loading import load_scenario

    for name in (BACKTEST_TIMESERIES, BACKTEST_SCENARIO):
        if not (given / name).exists():
            raise OutputError(f"{given}: has no {name} (a backtest folder written before disarm plot could redraw "
                              "backtests): run disarm backtest again")
    data = json_object(given / "backtest.json")
    observations, unscored = data.get("observations"), data.get("unscored", [])
    if not isinstance(observations, list) or not isinstance(unscored, list):
        raise OutputError(f"{given / 'backtest.json'}: observations: expected a list of rows")
    rows = [*observations, *unscored]
    if not all(isinstance(row, dict) for row in rows):
        raise OutputError(f"{given / 'backtest.json'}: observations: expected a list of rows")
    timeseries = table(given / BACKTEST_TIMESERIES, {"day": "float64", "quantity": "str", "p10": "float64",
                                                     "p50": "float64", "p90": "float64"})
    scenario = load_scenario(given / BACKTEST_SCENARIO)
    replications = data.get("replications")
    observations = pd.DataFrame(rows)
    return _redraw(given, manifest, lambda tmp: save_backtest_charts(timeseries, observations, scenario, tmp,
                                                                      replications=replications))


__all__ = ["redraw", "redraw_comparison", "redraw_sweep", "redraw_backtest"]
