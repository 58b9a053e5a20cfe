"""`disarm sweep` as a user runs it: same results whatever the workers, a complete folder, clean errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from conftest import ROOT, SCENARIOS

LEVERS = SCENARIOS / "sweeps" / "levers_oat.yaml"


def disarm(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


def test_levers_oat_gives_identical_points_with_one_and_two_workers(tmp_path):
    one = disarm("sweep", str(LEVERS), "--samples", "4", "--replications", "20", "-o", "A", "--workers", "1",
                 cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    two = disarm("sweep", str(LEVERS), "--samples", "4", "--replications", "20", "-o", "B", "--workers", "2",
                 "--no-plots", "--quiet", cwd=tmp_path)
    assert two.returncode == 0, two.stderr
    assert two.stdout == ""
    a, b = tmp_path / "A", tmp_path / "B"
    points = pd.read_parquet(a / "points.parquet")
    pd.testing.assert_frame_equal(points, pd.read_parquet(b / "points.parquet"))
    pd.testing.assert_frame_equal(pd.read_parquet(a / "runs.parquet"), pd.read_parquet(b / "runs.parquet"))
    assert list(points["point"]) == list(range(len(points))) and len(points) == 24
    assert {"removal_complete_day_mean", "removal_complete_day_p10", "removal_complete_day_p50",
            "removal_complete_day_p90", "equipment_by_1_november_p_met"} <= set(points.columns)
    # What the user reads: the levers that matter, the folder's files, a manifest written last. In the
    # calibrated baseline convoys are released by a slow-walking state: pressure and escorts lead, each lowered
    # to its low value delaying removal by weeks (paired 95% intervals above zero).
    assert "removal_complete_day: largest one-at-a-time swing: pressure.level" in one.stdout
    sensitivity = json.loads((a / "sensitivity.json").read_text())
    effects = sensitivity["oat"]["removal_complete_day"]["effects"]
    assert [e["parameter"] for e in effects[:2]] == ["pressure.level", "convoys.escorts"]
    assert all(e["low"]["ci95"][0] > 14 for e in effects[:2])
    manifest = json.loads((a / "manifest.json").read_text())
    assert manifest["points"] == 24 and manifest["replications"] == 20 and manifest["method"] == "oat"
    assert manifest["command"].startswith("disarm sweep") and manifest["events"] > 0
    assert set(manifest["charts"]) == {p.name for p in a.glob("*.png")}
    assert {"tornado_removal_complete_day.png", "scatter_removal_complete_day.png"} <= set(manifest["charts"])
    report = (a / "report.html").read_text()
    assert report.count("data:image/png;base64,") == len(manifest["charts"])
    assert "http://" not in report and "https://" not in report and "<script" not in report
    assert not list(b.glob("*.png")) and not (b / "report.html").exists()
    resolved = (a / "sweep.resolved.yaml").read_text()
    assert "samples: 4" in resolved and "replications: 20" in resolved


def test_default_output_folder_and_bad_input_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"base: {SCENARIOS / 'syria_2013.yaml'}\nmethod: oat\nparameters:\n"
                   "  - {path: convoys.escorts, low: 1.5, high: 3}\noutcomes: [removal_complete_day]\n")
    result = disarm("sweep", str(bad), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"{bad}:4: parameters[0].low: convoys.escorts takes whole numbers, got 1.5"
    )
    assert "Traceback" not in result.stderr and not (tmp_path / "plots").exists()
    result = disarm(
        "sweep", str(SCENARIOS / "sweeps" / "dispersal_sobol.yaml"), "--samples", "6", cwd=tmp_path
    )
    assert result.returncode == 2 and "--samples: samples: sobol needs a power of 2" in result.stderr
    result = disarm("sweep", str(LEVERS), "--discover", "hidden_tonnes >> 3", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith(
        "--discover hidden_tonnes >> 3: cannot read threshold"
    )
    grid = tmp_path / "grid.yaml"
    grid.write_text(
        f"base: {SCENARIOS / 'contested_access.yaml'}\nmethod: grid\nsamples: 2\nreplications: 3\n"
        "parameters:\n  - {path: convoys.escorts, values: [1, 3]}\n"
        "outcomes: [removal_complete_day]\n"
    )
    result = disarm("sweep", str(grid), "--workers", "1", "--quiet", "--no-plots",
                    "--discover", "removal_complete_day > 2014-09-30", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "plots" / "grid"
    discovery = json.loads((folder / "sensitivity.json").read_text())["discovery"]
    assert discovery[0]["threshold"] == "removal_complete_day > 2014-09-30"  # contested access: ~Aug to Jan
    assert "coverage" in discovery[0]["statement"] and (folder / "manifest.json").exists()


def test_validate_accepts_the_shipped_sweeps_and_scenarios_together():
    files = [str(p.relative_to(ROOT)) for p in sorted((SCENARIOS / "sweeps").glob("*.yaml"))]
    result = disarm("validate", *files, "scenarios/syria_2013.yaml", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("ok: ") == len(files) + 1
    assert (
        "(sweep levers_oat: oat, 6 parameters, 19 points x 200 replications on syria_2013)" in result.stdout
    )
