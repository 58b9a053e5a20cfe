"""`disarm run` as a user runs it: from any folder, default output, reproducible, clean errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from conftest import TINY


def disarm(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


def test_run_without_a_scenario_runs_the_bundled_baseline_from_any_folder(tmp_path):
    result = disarm("run", "-n", "20", "--seed", "11", "--workers", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "plots" / "syria_2013"
    names = {p.name for p in folder.iterdir()}
    assert {"runs.parquet", "timeseries.parquet", "events.parquet", "scenario.resolved.yaml", "summary.json",
            "manifest.json"} <= names
    assert len([n for n in names if n.endswith(".png")]) >= 3
    assert "All chemicals destroyed" in result.stdout and "P(met)" in result.stdout
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["scenario"] == "syria_2013" and summary["replications"] == 20
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["command"].startswith("disarm run -n 20")


def test_workers_give_identical_runs_and_seeds_differ(tmp_path):
    for workers in ("1", "2"):
        result = disarm("run", str(TINY), "-n", "12", "--seed", "11", "--workers", workers, "-o", f"w{workers}",
                        "--no-plots", "--quiet", "--set", "convoys.loading_days={dist: uniform, low: 0, high: 3}",
                        cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout == ""  # --quiet
    other = disarm("run", str(TINY), "-n", "12", "--seed", "12", "-o", "s12", "--no-plots", "--quiet",
                   "--set", "convoys.loading_days={dist: uniform, low: 0, high: 3}", cwd=tmp_path)
    assert other.returncode == 0, other.stderr
    one = pd.read_parquet(tmp_path / "w1" / "runs.parquet")
    two = pd.read_parquet(tmp_path / "w2" / "runs.parquet")
    pd.testing.assert_frame_equal(one, two)
    assert not one.equals(pd.read_parquet(tmp_path / "s12" / "runs.parquet"))
    assert not list((tmp_path / "w1").glob("*.png"))


def test_bad_override_exits_2_without_traceback(tmp_path):
    result = disarm("run", str(TINY), "-n", "2", "--set", "convoys.escorts=-1", cwd=tmp_path)
    assert result.returncode == 2
    assert "--set convoys.escorts=-1: convoys.escorts: input should be greater than or equal to 1" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "plots").exists()


def test_unwritable_output_folder_exits_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = disarm("run", str(TINY), "-n", "2", "-o", str(blocker), cwd=tmp_path)
    assert result.returncode == 2
    assert "exists and is not a folder" in result.stderr
    assert blocker.read_text() == "not a folder"


def test_missing_scenario_exits_2(tmp_path):
    result = disarm("run", "nope.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "nope.yaml: no such file" in result.stderr
