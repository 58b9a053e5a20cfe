"""`disarm compare`: same seeds, paired differences, one folder per scenario, charts."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import SCENARIOS


def test_compare_writes_comparison_json_runs_and_charts(tmp_path):
    out = tmp_path / "cmp"
    result = subprocess.run([sys.executable, "-m", "sim", "compare", str(SCENARIOS / "syria_2013.yaml"),
                             str(SCENARIOS / "secret_unit_dispersal.yaml"), "-n", "40", "--seed", "3", "-o", str(out),
                             "--workers", "1"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    data = json.loads((out / "comparison.json").read_text())
    assert data["baseline"] == "syria_2013" and data["seed"] == 3 and data["replications"] == 40
    diff = data["scenarios"]["secret_unit_dispersal"]
    hidden = diff["hidden_tonnes"]
    assert hidden["mean_diff"] > 0 and hidden["ci95"][0] <= hidden["mean_diff"] <= hidden["ci95"][1]
    assert "removal_complete_day" in diff and "censored_pairs" in diff["removal_complete_day"]
    for name in ("syria_2013", "secret_unit_dispersal"):
        assert (out / name / "manifest.json").exists()
        summary = json.loads((out / name / "summary.json").read_text())
        assert summary["seed"] == 3
    assert {p.name for p in out.glob("*.png")} == {"compare_removed.png", "compare_destroyed.png",
                                                    "compare_differences.png"}
    assert (out / "manifest.json").exists()
    assert "hidden_tonnes" in result.stdout


def test_compare_needs_two_scenarios(tmp_path):
    result = subprocess.run([sys.executable, "-m", "sim", "compare", str(SCENARIOS / "syria_2013.yaml")],
                            capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert "at least two scenario files" in result.stderr


def test_compare_reports_every_broken_scenario(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {SCENARIOS / 'syria_2013.yaml'}\nname: bad\nconvoys: {{escortz: 1}}\n")
    result = subprocess.run([sys.executable, "-m", "sim", "compare", str(SCENARIOS / "syria_2013.yaml"), str(bad)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert "bad.yaml:3: convoys.escortz: unknown key" in result.stderr
