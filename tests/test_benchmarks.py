"""The performance harness runs and reports every key (timing belongs in benchmarks/, never in a test)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT, TINY

KEYS = {"raw_simpy_events_per_s", "model_events_per_s", "event_rate_ratio", "events_per_replication",
        "reps_per_s_serial", "reps_per_s_parallel", "parallel_efficiency", "end_to_end_overhead",
        "end_to_end_over_simulate", "scaling_exponent_sites", "rss_growth_10x", "rss_peak_mb",
        "rss_peak_mb_10x", "cli_import_ms", "cli_heavy_imports", "reps_vs_plain", "plain_events_per_replication",
        "replication_cost_in_timeouts"}


def test_harness_prints_every_key_as_json():
    result = subprocess.run([sys.executable, "benchmarks/run.py", "--quick", "--json", "--scenario", str(TINY)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(figures) == KEYS
    assert figures["events_per_replication"] > 0 and figures["raw_simpy_events_per_s"] > 0
    assert 0 < figures["event_rate_ratio"] and 0 < figures["parallel_efficiency"]
    assert figures["end_to_end_overhead"] > 0 and figures["end_to_end_over_simulate"] > 0
    assert figures["cli_heavy_imports"] == []  # `disarm validate` stays light
    assert figures["reps_vs_plain"] > 0 and figures["replication_cost_in_timeouts"] > 0
    assert 1000 <= figures["plain_events_per_replication"] <= 2500  # the plain model's scale: about 1,500 events
    assert figures["rss_peak_mb_10x"] > 0 and figures["rss_growth_10x"] == figures["rss_peak_mb_10x"] / figures[
        "rss_peak_mb"]


def test_ab_compares_two_checkouts_in_one_run():
    """benchmarks/ab.py on the same checkout twice: both sides measured, their times compared."""
    result = subprocess.run([sys.executable, "benchmarks/ab.py", str(ROOT), str(ROOT), "--rounds", "1",
                             "--replications", "3", "--scenario", str(TINY)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("old: event_rate_ratio ") and lines[1].startswith("new: event_rate_ratio ")
    ratio = float(lines[2].rsplit(" ", 1)[1])
    assert ratio > 0


def test_skeleton_makes_the_models_mix_of_events():
    """benchmarks/skeleton.py: the skeleton (no model code) makes the model's events, kind by kind."""
    result = subprocess.run([sys.executable, "benchmarks/skeleton.py", "--quick", "--scenario", str(TINY)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    rows = {}
    for line in result.stdout.splitlines()[1:9]:
        kind, model, skeleton = line.split()
        rows[kind] = (float(model), int(skeleton))
    for kind in ("Timeout", "Request", "Release", "Event", "Initialize", "Condition"):
        model, skeleton = rows[kind]
        assert abs(skeleton - model) <= 1, (kind, model, skeleton)
    figures = dict(line.split() for line in result.stdout.splitlines()[9:])
    assert set(figures) == {"skeleton_ratio", "model_ratio", "model_over_skeleton"}
    assert all(float(value) > 0 for value in figures.values())


def test_plain_model_destroys_every_declared_tonne_and_keeps_the_rest_hidden():
    """benchmarks/plain.py, the yardstick of reps_vs_plain: a working model of the process, not a loop of
    timeouts (every tonne is destroyed or still hidden; removal before destruction; the same seed, the same run)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from plain import TONNES, replicate

    for seed in range(20):
        run = replicate(seed)
        assert abs(run["destroyed_tonnes"] + run["hidden_tonnes"] - TONNES) < 1e-6
        assert 0 < run["removal_complete_day"] <= run["destruction_complete_day"] < 4126
        assert 1000 <= run["events"] <= 2500
        assert run == replicate(seed)
    assert len({replicate(seed)["destruction_complete_day"] for seed in range(5)}) == 5


def test_scaled_programme_multiplies_sites_lots_and_every_resource_once(baseline):
    """scaling_exponent_sites' programmes: k copies of the sites and lots, k times every resource (a plant at a
    site is copied with its site, so its lines are not multiplied again: they were k squared)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run import scaled

    big = scaled(baseline, 3)
    assert len(big.sites) == 3 * len(baseline.sites) and len(big.lots) == 3 * len(baseline.lots)
    assert sum(f.lines for f in big.facilities) == 3 * sum(f.lines for f in baseline.facilities)
    assert big.inspectorate.teams == 3 * baseline.inspectorate.teams and len(big.ships) == 3 * len(baseline.ships)
    assert sum(lot.tonnes for lot in big.lots) == pytest.approx(3 * sum(lot.tonnes for lot in baseline.lots))


def test_parts_switches_each_behaviour_off_and_measures_the_plain_model_beside(capsys):
    """benchmarks/parts.py: one row a variant, the scenario's own first (share 1.0), the plain model last."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from parts import PARTS, main

    rows = main(["--scenario", str(ROOT / "scenarios" / "secret_unit_dispersal.yaml"), "--replications", "2",
                 "--repeats", "1"])
    labels = [row[0] for row in rows]
    assert labels[0] == "as given" and rows[0][3] == 1.0
    assert [f"without {part}" for part in PARTS] == labels[1:6]
    assert labels[-2:] == ["the core only (all five off)", "the plain model (benchmarks/plain.py)"]
    events = dict((row[0], row[1]) for row in rows)
    assert events["the core only (all five off)"] < events["as given"]  # the behaviours' events are gone
    assert events["the plain model (benchmarks/plain.py)"] > 1000
    assert capsys.readouterr().out.count("\n| ") == len(rows) + 1  # the header and one line a row


def test_loops_each_process_the_same_events(capsys):
    """benchmarks/loops.py: the four loops do the same work (one event a day to the same horizon), so their costs
    compare."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from loops import LOOPS, main

    out = main(["--events", "2000", "--repeats", "1"])
    assert list(out) == list(LOOPS)
    assert [events for _, events in out.values()] == [2000] * 4
    assert all(cost > 0 for cost, _ in out.values())
    assert capsys.readouterr().out.count("us an event") == 4


def test_equivalence_finds_a_shifted_distribution_and_passes_the_same_one():
    """benchmarks/equivalence.py: the same sample is inside its own intervals; a shifted one is not."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from equivalence import compare

    old = {"removal_complete_day": [float(k % 200) for k in range(1000)] + [None] * 100}
    assert all(row[-1] for row in compare(old, old, 1100))
    shifted = {"removal_complete_day": [v + 20.0 for v in old["removal_complete_day"][:1000]] + [None] * 100}
    verdicts = {row[1]: row[-1] for row in compare(old, shifted, 1100)}
    assert verdicts == {"not reached": True, "p10": False, "p50": False, "p90": False}
    unreached = {"removal_complete_day": old["removal_complete_day"][:800] + [None] * 300}
    assert {row[1]: row[-1] for row in compare(old, unreached, 1100)}["not reached"] is False


def test_equivalence_runs_two_checkouts():
    result = subprocess.run([sys.executable, "benchmarks/equivalence.py", str(ROOT), str(ROOT), "--replications", "30",
                             "--scenario", str(TINY)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].endswith("inside the old run's 95% intervals (30 replications, seed 0)")
