"""Calibration: the score, its parts, and a synthetic test that fits known parameters back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA, ROOT, TINY, write_synthetic_record
from sim.history.calibrate import FitParameter, calibrate, crps, parse_fit_parameter
from sim.core.problems import ScenarioError
from sim.scenario.loading import load_scenario
from sim.history.observed import load_observed

TRUTH = DATA / "calibration_truth.yaml"
TRUTH_VALUES = {"convoys.start_day": 25.0, "facilities[0].line_rate_t_per_day": 6.0}
TOLERANCE = {"convoys.start_day": 2.0, "facilities[0].line_rate_t_per_day": 1.0}
"""What the fit must recover: within 2 days (7% of the range) and 1 t/day (11%), with 32 points x 20
replications a stage; five calibration seeds gave 25.1-26.3 days and 5.9-6.9 t/day."""
TRUTH_OVERRIDES = ["horizon_days=200", "lots[0].tonnes=120", "convoys.escorts=2", "convoys.tonnes_per_convoy=40",
                   "convoys.loading_days={dist: triangular, low: 0.5, mode: 1, high: 3}",
                   "facilities[0].setup_days={dist: uniform, low: 1, high: 4}"]
"""tests/data/tiny.yaml with these is calibration_truth.yaml except for the two fitted values (20 and 10)."""
PARAMETERS = [FitParameter("convoys.start_day", 10, 40), FitParameter("facilities[0].line_rate_t_per_day", 3, 12)]


def test_crps_of_exact_spread_and_biased_forecasts():
    assert crps(np.array([3.0, 3.0, 3.0]), 3.0) == 0.0  # certain and right
    assert crps(np.array([0.0, 2.0]), 0.0) == pytest.approx(0.5)  # E|X-y| = 1, E|X-X'| = 1
    assert crps(np.array([5.0]), 2.0) == 3.0  # certain and 3 off: the absolute error
    rng = np.random.default_rng(0)
    right, wide, off = rng.normal(0, 1, 4000), rng.normal(0, 3, 4000), rng.normal(2, 1, 4000)
    # proper: in expectation over observations drawn from N(0, 1), the true distribution scores best
    ys = rng.normal(0, 1, 200)
    assert np.mean([crps(right, y) for y in ys]) < min(np.mean([crps(wide, y) for y in ys]),
                                                        np.mean([crps(off, y) for y in ys]))


def test_fit_parameters_are_read_or_refused():
    assert parse_fit_parameter(" convoys.escorts = 1:4 ") == FitParameter("convoys.escorts", 1.0, 4.0)
    assert parse_fit_parameter("sites[2].road_days_to_port=0.5:3e0").high == 3.0
    for bad in ("convoys.escorts", "convoys.escorts=4:1", "convoys.escorts=a:b", "=1:2"):
        with pytest.raises(ValueError, match="KEY.PATH=LOW:HIGH|LOW must be below HIGH"):
            parse_fit_parameter(bad)


def _truth_record(path: Path) -> Path:
    """Observations made from the medians of a run of the truth: three milestones, five curve points."""
    import sim

    truth = load_scenario(TRUTH)
    results = sim.run(truth, replications=300, seed=99, workers=1)
    milestones = results.summary()["milestones"]
    bands = results.timeseries.set_index(["quantity", "day"])
    points = [(quantity, day, float(bands.loc[(quantity, day), "p50"]))
              for quantity, days in (("removed_fraction", (35, 45)), ("destroyed_fraction", (40, 50, 60)))
              for day in days]
    dates = {m: milestones[m]["p50_date"] for m in ("first_removal", "removal_complete", "destruction_complete")}
    return write_synthetic_record(path, "truth", truth, dates, points, "the truth's median")


@pytest.fixture(scope="module")
def truth_record(tmp_path_factory):
    return _truth_record(tmp_path_factory.mktemp("truth") / "truth.yaml")


def test_calibration_recovers_known_parameters(truth_record):
    assert load_scenario(TINY, overrides=TRUTH_OVERRIDES).model_copy(
        update={"name": "calibration_truth"}) != load_scenario(TRUTH)  # the fit starts away from the truth
    result = calibrate(TINY, load_observed(truth_record), PARAMETERS, samples=32, replications=20, seed=1,
                       overrides=TRUTH_OVERRIDES, workers=1)
    for name, value in TRUTH_VALUES.items():
        assert abs(result.best[name] - value) <= TOLERANCE[name], (name, result.best[name])
    assert result.before["values"] == {"convoys.start_day": 20, "facilities[0].line_rate_t_per_day": 10}
    assert result.after["score"] < 0.25 * result.before["score"]
    assert result.after["coverage"]["inside"] > result.before["coverage"]["inside"]
    stages = result.evaluated["stage"].value_counts().to_dict()
    assert stages == {1: 32, 2: 32, 3: 6}  # two searches, five candidates and the scenario as given confirmed
    # the second stage searched where the first found good fits: a narrower box holding the truth
    second = result.evaluated[result.evaluated["stage"] == 2]
    for name, value in TRUTH_VALUES.items():
        assert second[name].min() <= value <= second[name].max()
    assert second["convoys.start_day"].max() - second["convoys.start_day"].min() < 30


def test_the_command_writes_a_calibrated_scenario_that_extends_the_original(truth_record, tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "sim", "calibrate", str(TINY), "--observed", str(truth_record),
            "-p", "convoys.start_day=10:40", "--parameter", "facilities[0].line_rate_t_per_day=3:12",
            "--samples", "12", "-n", "8", "--confirm-replications", "16", "-o", "fit", "--workers", "2",
            *[x for o in TRUTH_OVERRIDES for x in ("--set", o)]]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "fit"
    assert {p.name for p in folder.iterdir()} == {"calibration.json", "points.parquet", "tiny.calibrated.yaml",
                                                  "calibration.png", "manifest.json"}
    data = json.loads((folder / "calibration.json").read_text())
    fitted = {p["path"]: p["fitted"] for p in data["parameters"]}
    calibrated = load_scenario(folder / "tiny.calibrated.yaml")
    assert calibrated.name == "tiny_calibrated"
    assert calibrated.convoys.start_day.value == pytest.approx(fitted["convoys.start_day"], rel=1e-3)
    assert calibrated.facilities[0].line_rate_t_per_day.value == pytest.approx(
        fitted["facilities[0].line_rate_t_per_day"], rel=1e-3)
    assert calibrated.convoys.escorts == 2 and calibrated.horizon_days == 200  # the --set of the fit, kept
    text = (folder / "tiny.calibrated.yaml").read_text()
    assert text.startswith("# tiny, calibrated by `disarm calibrate`") and "Coverage of the 80% bands" in text
    assert "extends: ../" in text  # relative to the folder the file is in
    assert "fitted to truth" in done.stdout and "tiny.calibrated.yaml" in done.stdout


def test_bad_calibration_input_is_exit_2_with_the_option_named(truth_record, tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    base = [sys.executable, "-m", "sim", "calibrate", str(TINY), "--observed", str(truth_record), "-o", "x"]
    for extra, fragment in ((["-p", "convoys.start_day"], "--parameter convoys.start_day: cannot read"),
                            (["-p", "convoys.startday=1:5"], "--parameter convoys.startday: convoys.startday: the base scenario has no key "
                                                         "'startday' under convoys (did you mean 'start_day'?)"),
                            (["-p", "convoys.start_day=1:5", "-p", "convoys.start_day=2:6"], "given twice")):
        done = subprocess.run([*base, *extra], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 2, done.stderr
        assert fragment in done.stderr and "Traceback" not in done.stderr
    with pytest.raises(ScenarioError, match="at least one parameter"):
        calibrate(TINY, load_observed(truth_record), [], samples=4, replications=2)
