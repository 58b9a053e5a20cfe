"""The folder of a calibration: calibration.json, points.parquet (every evaluated point with its score), the
calibrated scenario ``<scenario>.calibrated.yaml`` (it ``extends`` the original and ``set``s the fitted
values) and the chart, manifest.json last."""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from sim.charts.style import save_figure
from sim.charts.sweep_points import plot_calibration
from sim.core.files import write_json, write_parquet, write_text
from sim.history.calibrate import NEAR_BEST, SCALE_DAYS, SCALE_FRACTION
from sim.output.folders import output_folder
from sim.output.manifest import build_manifest, write_manifest
from sim.scenario.yaml_text import SafeDumper, parse_yaml

if TYPE_CHECKING:  # pragma: no cover
    from sim.history.calibrate import Calibration


def calibrated_yaml(calibration: "Calibration", where: Path) -> str:
    """A scenario that ``extends`` the original (its path relative to the folder ``where`` the file is
    written) and ``set``s the fitted values, with the fit's figures in its opening comment.

    The data (``extends``, ``name``, ``set``) is written by the YAML emitter, never by string formatting: a
    file name such as ``base #1.yaml`` or ``a: b.yaml`` must come back as the same path, not as a comment or a
    mapping (issue 24 item 2).  The opening comment is for people and is made of ``#`` lines only.  The fitted
    values are written exactly (the comment rounds them), so the calibrated scenario is the point that was
    confirmed.
    """
    rel = os.path.relpath(calibration.scenario_path.resolve(), Path(where).resolve())
    settings = calibration.settings
    b, a = calibration.before, calibration.after
    notes = [
        f"{calibration.base.name}, calibrated by `disarm calibrate` on {dt.date.today().isoformat()} against the "
        "record",
        f"{calibration.record.name} ({len(calibration.targets)} scored observations).",
        f"Method: CRPS score (milestones / {SCALE_DAYS:g} days, curve points / {SCALE_FRACTION:g}; weights by "
        "confidence high 1, medium 0.5, low 0.25),",
        f"Latin hypercube of {settings['samples']} points x {settings['replications']} replications, "
        f"then {settings['samples']} more among the best, the best {settings['confirm']} confirmed "
        f"with {settings['confirm_replications']} replications (seed {settings['seed']}).",
        f"Fitted (range -> value; in brackets, the values of the searched points scoring within "
        f"{NEAR_BEST:.0%} of the best):",
    ]
    for p in calibration.parameters:
        iv = calibration.intervals[p.path]
        notes.append(f"  {p.path}: {_fmt(p.low)}..{_fmt(p.high)} -> {_fmt(calibration.best[p.path])} "
                     f"({_fmt(iv['low'])}-{_fmt(iv['high'])}); it was {_fmt(b['values'][p.path])}")
    notes += [
        f"Score (lower is better): {b['score']:.3f} as given -> {a['score']:.3f} fitted.",
        f"Coverage of the 80% bands: {b['coverage']['inside']}/{b['coverage']['n']} -> "
        f"{a['coverage']['inside']}/{a['coverage']['n']}; mean p10-p90 width of the curve points "
        f"{_fmt(b['curve_width'])} -> {_fmt(a['curve_width'])}; of the milestones {_fmt(b['milestone_width'])} "
        f"-> {_fmt(a['milestone_width'])} days.",
    ]
    sets: dict[str, Any] = {}  # applied in order; a key given again moves to its last place, as it applied
    for text in calibration.overrides:  # what the fit was made with, --set included, as the values it read
        key, _, raw = text.partition("=")
        sets.pop(key.strip(), None)
        sets[key.strip()] = parse_yaml(raw, f"--set {text}")[0] if raw.strip() else None
    for p in calibration.parameters:
        for path in p.paths:
            sets.pop(path, None)
            sets[path] = _plain_number(calibration.best[p.path])
    data = {"extends": rel, "name": _calibrated_name(calibration.base.name), "set": sets}
    return "".join(_comment(note) for note in notes) + dump_yaml(data)


def dump_yaml(data: Any) -> str:
    """``data`` as YAML text that :func:`sim.scenario.yaml_text.parse_yaml` reads back equal.

    Non-ASCII text is written as it is where that reads back equal, and escaped (``"\\xE9"``) where it does
    not: with ``allow_unicode`` PyYAML writes NEL (U+0085) raw, and its reader takes that for a line break.
    """
    def emit(value: Any, allow_unicode: bool) -> str:
        return yaml.dump(value, Dumper=SafeDumper, sort_keys=False, allow_unicode=allow_unicode, width=_NO_FOLDING,
                         default_flow_style=False)  # block style: one key a line

    canonical = emit(data, False)  # compared as text, so that a NaN equals itself
    for allow_unicode in (True, False):
        text = emit(data, allow_unicode)
        if emit(parse_yaml(text, "the generated YAML")[0], False) == canonical:
            return text
    raise ValueError(f"cannot write {data!r} as YAML that reads back the same")  # pragma: no cover


_NO_FOLDING = 1 << 30
"""The emitter's line width: long paths stay on one line."""


def _comment(text: str) -> str:
    """``text`` as ``#`` comment lines (a line break inside it cannot end the comment)."""
    return "".join(f"# {line}".rstrip() + "\n" for line in _LINE_BREAKS.split(text))


_LINE_BREAKS = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
"""Every character a YAML reader takes for a line break."""


def _plain_number(value: Any) -> int | float:
    """A fitted value as a Python number the emitter knows (NumPy scalars are not plain YAML)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    return float(value)


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


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    value = float(value)
    return f"{value:.4g}" if abs(value) < 1e5 else f"{value:.6g}"


__all__ = ["save_calibration", "calibrated_yaml"]
