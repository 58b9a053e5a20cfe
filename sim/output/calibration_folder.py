"""The folder of a calibration: calibration.json, points.parquet (every evaluated point with its score), the
calibrated scenario ``<scenario>.calibrated.yaml`` (it ``extends`` the original and ``set``s the fitted
values) and the chart, manifest.json last."""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.charts.style import save_figure
from sim.charts.sweep_points import plot_calibration
from sim.core.files import write_json, write_parquet, write_text
from sim.history.calibrate import NEAR_BEST, SCALE_DAYS, SCALE_FRACTION
from sim.output.folders import output_folder
from sim.output.manifest import build_manifest, write_manifest

if TYPE_CHECKING:  # pragma: no cover
    from sim.history.calibrate import Calibration


def calibrated_yaml(calibration: "Calibration", where: Path) -> str:
    """A scenario that ``extends`` the original (its path relative to the folder ``where`` the file is
    written) and ``set``s the fitted values, with the fit's figures in its opening comment."""
    rel = os.path.relpath(calibration.scenario_path.resolve(), Path(where).resolve())
    b, a = calibration.before, calibration.after
    lines = [
        f"# {calibration.base.name}, calibrated by `disarm calibrate` on {dt.date.today().isoformat()} against the record",
        f"# {calibration.record.name} ({len(calibration.targets)} scored observations).",
        f"# Method: CRPS score (milestones / {SCALE_DAYS:g} days, curve points / {SCALE_FRACTION:g}; weights by "
        "confidence high 1, medium 0.5, low 0.25),",
        f"# Latin hypercube of {calibration.settings['samples']} points x {calibration.settings['replications']} replications, "
        f"then {calibration.settings['samples']} more among the best, the best {calibration.settings['confirm']} confirmed "
        f"with {calibration.settings['confirm_replications']} replications (seed {calibration.settings['seed']}).",
        f"# Fitted (range -> value; in brackets, the values of the searched points scoring within "
        f"{NEAR_BEST:.0%} of the best):",
    ]
    for p in calibration.parameters:
        iv = calibration.intervals[p.path]
        lines.append(f"#   {p.path}: {_fmt(p.low)}..{_fmt(p.high)} -> {_fmt(calibration.best[p.path])} "
                     f"({_fmt(iv['low'])}-{_fmt(iv['high'])}); it was {_fmt(b['values'][p.path])}")
    lines += [
        f"# Score (lower is better): {b['score']:.3f} as given -> {a['score']:.3f} fitted.",
        f"# Coverage of the 80% bands: {b['coverage']['inside']}/{b['coverage']['n']} -> "
        f"{a['coverage']['inside']}/{a['coverage']['n']}; mean p10-p90 width of the curve points "
        f"{_fmt(b['curve_width'])} -> {_fmt(a['curve_width'])}; of the milestones {_fmt(b['milestone_width'])} "
        f"-> {_fmt(a['milestone_width'])} days.",
        f"extends: {rel}",
        f"name: {_calibrated_name(calibration.base.name)}",
        "set:",
    ]
    for text in calibration.overrides:  # what the fit was made with, --set included
        key, _, value = text.partition("=")
        lines.append(f"  {_quote(key.strip())}: {value.strip()}")
    for p in calibration.parameters:
        for path in p.paths:
            lines.append(f"  {_quote(path)}: {_fmt(calibration.best[p.path])}")
    return "\n".join(lines) + "\n"


def save_calibration(calibration: "Calibration", folder: str | Path, command: str = "", plots: bool = True) -> Path:
    """Write the calibration folder atomically, manifest.json last."""
    folder = Path(folder)
    yaml_name = f"{calibration.scenario_path.stem}.calibrated.yaml"
    with output_folder(folder) as tmp:
        write_json(tmp / "calibration.json", calibration.to_json())
        write_parquet(tmp / "points.parquet", calibration.evaluated)
        write_text(tmp / yaml_name, calibrated_yaml(calibration, folder))
        charts: list[str] = []
        if plots:
            save_figure(plot_calibration(calibration)[0], tmp / "calibration.png")
            charts.append("calibration.png")
        write_manifest(tmp, build_manifest(
            command=command, charts=charts, wall_seconds=calibration.wall_seconds, events=calibration.events,
            scenario=calibration.base.name, record=calibration.record.name, settings=calibration.settings,
            points=int(len(calibration.evaluated)), calibrated=yaml_name))
    return folder


def _calibrated_name(name: str) -> str:
    return (name[: 64 - len("_calibrated")] + "_calibrated") if not name.endswith("_calibrated") else name


def _quote(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    value = float(value)
    return f"{value:.4g}" if abs(value) < 1e5 else f"{value:.6g}"


__all__ = ["save_calibration", "calibrated_yaml"]
