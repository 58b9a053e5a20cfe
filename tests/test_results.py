"""Summaries and the run folder: percentiles with unreached milestones, Wilson intervals, files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import TINY
from sim.results.results import Results
from sim.core.stats import percentile_or_none, wilson_interval
from sim.execution.runs import run

NAN = float("nan")


def test_percentile_counts_unreached_as_later_than_everything():
    values = np.array([1.0, 2.0, 3.0, NAN])
    assert percentile_or_none(values, 10) == pytest.approx(1.3)
    assert percentile_or_none(values, 50) == pytest.approx(2.5)
    assert percentile_or_none(values, 90) is None  # falls among the unreached
    assert percentile_or_none(np.array([NAN, NAN]), 10) is None
    assert percentile_or_none(np.array([4.0]), 90) == 4.0


def test_wilson_interval_known_values():
    lo, hi = wilson_interval(5, 10)
    assert (lo, hi) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    lo, hi = wilson_interval(0, 50)
    assert lo == 0.0 and hi == pytest.approx(0.0713, abs=1e-4)
    assert wilson_interval(50, 50)[1] == 1.0


@pytest.fixture(scope="module")
def saved(tmp_path_factory, baseline):
    results = run(baseline, replications=30, seed=4, workers=1)
    folder = tmp_path_factory.mktemp("run") / "syria_2013"
    results.save(folder, command="test", plots=True)
    return results, folder


def test_run_folder_has_every_file(saved):
    _, folder = saved
    names = {p.name for p in folder.iterdir()}
    assert {"runs.parquet", "timeseries.parquet", "events.parquet", "scenario.resolved.yaml", "summary.json",
            "manifest.json"} <= names
    assert len([n for n in names if n.endswith(".png")]) >= 3
    assert not [n for n in names if n.startswith(".")]  # no temporary files left


def test_summary_json_contract(saved):
    results, folder = saved
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["scenario"] == "syria_2013"
    assert summary["replications"] == 30 and summary["seed"] == 4
    assert summary["start_date"] == "2013-09-14"
    entry = summary["milestones"]["removal_complete"]
    assert set(entry) >= {"reached_fraction", "p10", "p50", "p90", "p10_date", "p50_date", "p90_date"}
    assert entry["p10"] <= entry["p50"] <= entry["p90"]
    assert entry["p50_date"] == results.scenario.date_of(entry["p50"]).isoformat()
    deadline = summary["deadlines"]["removal_by_5_february"]
    assert deadline["milestone"] == "removal_complete" and deadline["date"] == "2014-02-05"
    assert 0 <= deadline["ci95"][0] <= deadline["p_met"] <= deadline["ci95"][1] <= 1
    outcome_names = set(summary["outcomes"])
    assert "destroyed_tonnes" in outcome_names and "events" in outcome_names
    assert not any(name.endswith("_day") and name != "detection_day" for name in outcome_names)


def test_manifest_is_written_last_and_complete(saved):
    _, folder = saved
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["replications"] == 30 and manifest["seed"] == 4
    assert manifest["events"] > 0 and manifest["wall_seconds"] > 0
    assert "simpy" in manifest["packages"]
    mtimes = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert mtimes["manifest.json"] == max(mtimes.values())


def test_timeseries_bands(saved):
    results, _ = saved
    ts = results.timeseries
    assert list(ts.columns) == ["day", "date", "quantity", "mean", "p10", "p50", "p90"]
    assert set(ts["quantity"]) == {"removed_fraction", "destroyed_fraction", "declared_tonnes", "hidden_tonnes",
                                   "destroyed_tonnes", "open_issues", "undeclared_facilities", "amendments", "uses",
                                   "agent_uses", "attributed_uses", "attributed_agent_uses", "judged_complete"}
    fractions = ts[ts["quantity"].str.endswith("fraction")]
    assert fractions[["p10", "p50", "p90"]].min().min() >= 0 and fractions[["p10", "p50", "p90"]].max().max() <= 1
    assert (ts["p10"] <= ts["p50"] + 1e-9).all() and (ts["p50"] <= ts["p90"] + 1e-9).all()
    assert ts["day"].max() == results.scenario.horizon_days


def test_events_are_the_median_replication(saved):
    results, _ = saved
    events = results.events
    replication = int(events["replication"].iloc[0])
    days = results.runs["destruction_complete_day"]
    assert days.iloc[replication] == pytest.approx(days.median(), abs=days.diff().abs().max())
    assert (events["day"].diff().dropna() >= 0).all()
    assert "ledger" in set(events["event"]) and "milestone" in set(events["event"])


def test_save_and_load_round_trip(saved):
    results, folder = saved
    loaded = Results.load(folder)
    pd.testing.assert_frame_equal(loaded.runs, results.runs)
    assert loaded.summary() == results.summary()


def test_a_rerun_replaces_the_folder(tiny, tmp_path):
    folder = tmp_path / "out"
    run(tiny, replications=2, seed=0, workers=1).save(folder, plots=False, source=TINY)  # with assumptions.json
    run(tiny, replications=3, seed=0, workers=1).save(folder, plots=False)
    assert not (folder / "assumptions.json").exists()  # replaced whole (a file of the user's: refused, issue 24)
    assert json.loads((folder / "manifest.json").read_text())["replications"] == 3
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
