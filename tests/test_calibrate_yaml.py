"""Issue 24 item 2: the calibrated scenario is YAML written by the emitter, so that any base scenario's file
name comes back as the same path; calibration.json keeps the searched range beside the near-best one."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import TINY
from sim.history.calibrate import Calibration, FitParameter
from sim.output.calibration_folder import calibrated_yaml, save_calibration
from sim.scenario.loading import load_scenario

FITTED = {"convoys.start_day": 23.456789012345, "facilities[0].line_rate_t_per_day": 7.25}
"""Fitted values with more digits than the comment shows: the scenario must carry them exactly."""
PARAMETERS = [FitParameter("convoys.start_day", 10, 40), FitParameter("facilities[0].line_rate_t_per_day", 3, 12)]
OVERRIDES = ["horizon_days=200", "convoys.loading_days={dist: triangular, low: 0.5, mode: 1, high: 3}",
             "port.name='P #2: the \"new\" one'"]
HORIZON_OF_THE_BASE = 200
DECOY_HORIZON = 150
HOSTILE_NAMES = ["base #1.yaml", "a: b.yaml", "- dash.yaml", "* star.yaml", "&anchor.yaml", "!tag.yaml",
                 "'quoted\".yaml", "café – ünïcode.yaml", "{flow}.yaml", "[list].yaml", "%percent.yaml",
                 "@at.yaml", "`tick.yaml", "|pipe.yaml", ">fold.yaml", "? q.yaml", "null", "true", "1e3",
                 "~", " leading space.yaml", "trailing space.yaml ", "tab\there.yaml", "nel\x85here.yaml",
                 "line\u2028sep.yaml", "new\nline.yaml", "x #.yaml"]


def _figures(values: dict[str, float]) -> dict:
    return {"values": values, "score": 0.5, "coverage": {"n": 4, "inside": 2, "coverage": 0.5}, "outside": [],
            "milestone_mae_days": 3.0, "milestone_width": 10.0, "curve_mae": 0.1, "curve_width": 0.2}


def _calibration(scenario_path: Path) -> Calibration:
    """A calibration as :func:`sim.history.calibrate.calibrate` returns it, without the search (which only
    decides the numbers; writing them is what is under test)."""
    base = load_scenario(scenario_path, overrides=OVERRIDES)
    evaluated = pd.DataFrame({"stage": [1], "point": [0], **{k: [v] for k, v in FITTED.items()}, "score": [0.4]})
    return Calibration(
        scenario_path=scenario_path, base=base, record=SimpleNamespace(name="truth"), parameters=PARAMETERS,
        overrides=OVERRIDES, targets=[], evaluated=evaluated, best=dict(FITTED),
        intervals={"convoys.start_day": {"low": 21.0, "high": 26.5, "points": 3},
                   "facilities[0].line_rate_t_per_day": {"low": 6.0, "high": 8.5, "points": 3}},
        before=_figures({"convoys.start_day": 20, "facilities[0].line_rate_t_per_day": 10}),
        after=_figures(dict(FITTED)),
        settings={"samples": 4, "replications": 2, "seed": 0, "confirm": 1, "confirm_replications": 4})


def _write_base(folder: Path, name: str) -> Path:
    """tiny.yaml under ``name``, and decoys under the names a misread ``extends:`` would load."""
    folder.mkdir(parents=True, exist_ok=True)
    text = TINY.read_text()
    base = folder / name
    base.write_text(text)
    decoy = text.replace("horizon_days: 100", f"horizon_days: {DECOY_HORIZON}")
    for wrong in {name.split("#")[0].rstrip(), name.split(": ")[0], name.strip()} - {name, ""}:
        if not (folder / wrong).exists():
            (folder / wrong).write_text(decoy)
    return base


def _check_round_trip(base: Path, calibrated: Path) -> None:
    data = yaml.safe_load(calibrated.read_text(encoding="utf-8"))
    assert (calibrated.parent / data["extends"]).resolve() == base.resolve()
    scenario = load_scenario(calibrated)
    assert scenario.name == "tiny_calibrated"
    assert scenario.horizon_days == HORIZON_OF_THE_BASE  # the --set of the fit, on the base (not a decoy's 150)
    assert scenario.convoys.start_day.value == pytest.approx(FITTED["convoys.start_day"], rel=1e-3)
    assert scenario.facilities[0].line_rate_t_per_day.value == FITTED["facilities[0].line_rate_t_per_day"]
    assert scenario.convoys.loading_days.mode == 1 and scenario.port.name == 'P #2: the "new" one'
    assert scenario.lots[0].id == "L1"  # the rest inherited from the base


@pytest.mark.parametrize("name", ["base #1.yaml", "a: b.yaml"])
def test_the_calibration_folder_extends_a_base_with_a_hostile_name(tmp_path, name):
    """Issue 24 item 2: `base #1.yaml` was written as `extends: ../base #1.yaml` (which loads `../base`) and
    `a: b.yaml` as a line that does not load; the folder's calibrated scenario now extends the file itself."""
    base = _write_base(tmp_path / "scenarios", name)
    folder = save_calibration(_calibration(base), tmp_path / "fit", plots=False)
    calibrated = folder / f"{base.stem}.calibrated.yaml"
    assert calibrated.is_file()
    _check_round_trip(base, calibrated)
    text = calibrated.read_text(encoding="utf-8")
    assert text.startswith("# tiny, calibrated by `disarm calibrate`")  # the people's comment is kept
    assert "#   convoys.start_day: 10..40 -> 23.46 (21-26.5); it was 20" in text


@pytest.mark.parametrize("beside", [False, True], ids=["elsewhere", "beside"])
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_calibrated_yaml_round_trips_yaml_special_file_names(tmp_path, name, beside):
    """Issue 24 item 2: every YAML-special character in the base's file name reads back as the same path,
    whether the calibrated scenario is written in another folder (``../in/NAME``) or beside the base (``NAME``,
    where a leading ``-``, ``*``, ``&`` or ``!`` is YAML syntax)."""
    base = _write_base(tmp_path / "in", name)
    calibrated = (base.parent if beside else tmp_path / "fit") / "tiny.calibrated.yaml"
    calibrated.parent.mkdir(exist_ok=True)
    calibrated.write_text(calibrated_yaml(_calibration(base), calibrated.parent), encoding="utf-8")
    _check_round_trip(base, calibrated)


_NAME_CHARACTERS = st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stem=st.text(_NAME_CHARACTERS, min_size=1, max_size=40).filter(lambda s: s not in {".", ".."}))
def test_calibrated_yaml_round_trips_any_file_name(tmp_path_factory, stem):
    """Issue 24 item 2: a property over file names: whatever the base is called, the calibrated scenario
    extends it (and carries the fitted values)."""
    folder = tmp_path_factory.mktemp("names")
    base = folder / "in" / stem
    try:
        base.parent.mkdir()
        base.write_text(TINY.read_text())
    except OSError:  # a name this file system refuses (too long in bytes) is no base scenario
        return
    calibrated = folder / "fit" / "tiny.calibrated.yaml"
    calibrated.parent.mkdir()
    calibrated.write_text(calibrated_yaml(_calibration(base), calibrated.parent), encoding="utf-8")
    _check_round_trip(base, calibrated)


def test_the_calibrated_scenario_carries_the_fitted_values_exactly(tmp_path):
    """Issue 24 item 2: the fitted values were written rounded to 4 digits (23.46 for 23.456789...), so the
    calibrated scenario was not the point the fit confirmed; the comment may round, the data may not."""
    base = _write_base(tmp_path, "tiny.yaml")
    folder = save_calibration(_calibration(base), tmp_path / "fit", plots=False)
    scenario = load_scenario(folder / "tiny.calibrated.yaml")
    assert scenario.convoys.start_day.value == FITTED["convoys.start_day"]


def test_calibration_json_keeps_the_searched_range_beside_the_near_best_one(tmp_path):
    """Issue 24 item 2 (the known bug beside it): calibration.json's low/high were overwritten by the
    near-best interval, losing the range given to --parameter."""
    base = _write_base(tmp_path, "tiny.yaml")
    folder = save_calibration(_calibration(base), tmp_path / "fit", plots=False)
    parameters = json.loads((folder / "calibration.json").read_text())["parameters"]
    assert [(p["path"], p["low"], p["high"]) for p in parameters] == [
        ("convoys.start_day", 10, 40), ("facilities[0].line_rate_t_per_day", 3, 12)]
    assert parameters[0]["near_best"] == {"low": 21.0, "high": 26.5, "points": 3}
    assert parameters[0]["fitted"] == FITTED["convoys.start_day"]
