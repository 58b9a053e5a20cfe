"""`disarm compare`: same seeds, paired differences, one folder per scenario, charts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import SCENARIOS


def test_compare_writes_comparison_json_runs_and_charts(tmp_path):
    out = tmp_path / "cmp"
    result = subprocess.run([sys.executable, "-m", "sim", "compare", str(SCENARIOS / "syria_2013.yaml"),
                             str(SCENARIOS / "secret_unit_dispersal.yaml"), "-n", "40", "--seed", "3", "-o", str(out),
                             "--workers", "1"], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "COLUMNS": "200"})  # wide enough that no label wraps
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
                                                    "compare_destroyed_tonnes.png", "compare_differences.png"}
    assert (out / "manifest.json").exists()
    assert "hidden tonnes at the horizon" in result.stdout and "chance of meeting each deadline" in result.stdout
    # every metric kept, in words and with its unit; what is hidden is never declared
    assert diff["accession_deposited_day"]["no_difference"] is True
    assert diff["accession_deposited_day"]["label"] == "Accession deposited"
    assert diff["hidden_tonnes"]["unit"] == "t" and diff["hidden_tonnes"]["no_difference"] is False
    undeclared = diff["undeclared_tonnes"]
    assert undeclared["label"] == "tonnes never declared" and undeclared["mean_diff"] > 0
    # the chance of meeting each deadline, in each scenario and paired
    base = json.loads((out / "syria_2013" / "summary.json").read_text())["deadlines"]
    other = json.loads((out / "secret_unit_dispersal" / "summary.json").read_text())["deadlines"]
    deadlines = data["deadlines"]["secret_unit_dispersal"]
    assert set(deadlines) == set(base)
    for deadline_id, entry in deadlines.items():
        assert entry["p_met_baseline"] == base[deadline_id]["p_met"] and entry["p_met"] == other[deadline_id]["p_met"]
        assert abs(entry["difference"] - (entry["p_met"] - entry["p_met_baseline"])) < 1e-12
        assert entry["met_only_here"] - entry["met_only_in_baseline"] == round(40 * entry["difference"])


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
