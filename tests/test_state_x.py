"""The hypothetical State X (scenarios/examples/state_x.yaml): it validates, runs, keeps its books, and cites only
sources listed in docs/sources.md.

State X has 1,990 t of agent in 231,000 filled munitions destroyed in the country (a plant built during the plan,
fed by rail; detonation chambers at the airbase) and 400 t of bulk precursors that leave through a neighbour's
port for a plant abroad.  Its numbers are assumptions; these tests check the shape of what it computes, not a
forecast.
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, SCENARIOS
from sim.charts.sites import _closures
from sim.execution.runs import run
from sim.model import simulate
from sim.scenario.loading import load_scenario

STATE_X = SCENARIOS / "examples" / "state_x.yaml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(STATE_X)


def test_disarm_validate_accepts_it():
    done = subprocess.run([sys.executable, "-m", "sim", "validate", str(STATE_X.relative_to(ROOT))], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ok: scenarios/examples/state_x.yaml (scenario state_x, 8 lots, 2,390.0 t)" in done.stdout


def test_the_stockpile_is_what_the_comments_say(scenario):
    munitions = [lot for lot in scenario.lots if lot.form == "munitions"]
    assert sum(lot.munitions.count for lot in munitions) == 231_000
    assert sum(lot.tonnes for lot in munitions) == pytest.approx(1990.0)
    assert sum(lot.tonnes for lot in scenario.lots if lot.form == "bulk") == pytest.approx(400.0)


def test_a_short_run_destroys_everything_and_removes_only_the_precursors(scenario):
    runs = run(scenario, replications=20, seed=3, workers=1).runs
    assert (runs["destroyed_tonnes"] - 2390.0).abs().max() < 1e-6
    assert (runs["removed_tonnes"] == 400.0).all()  # the munitions never leave the country
    assert (runs["filled_munitions_destroyed"] == 231_000).all()
    assert (runs["structures_destroyed"] == runs["structures_total"]).all()
    for milestone in ("declaration_submitted", "initial_inspections_complete", "removal_complete",
                      "munitions_destroyed", "production_facilities_destroyed", "destruction_complete"):
        assert runs[f"{milestone}_day"].notna().all(), milestone
    # the precursors are out long before the munitions are destroyed, and the plant takes years
    assert (runs["removal_complete_day"] < runs["destruction_complete_day"] - 365).all()


def test_the_plant_is_funded_then_built_before_it_destroys_and_the_trains_feed_it(scenario):
    records = simulate(scenario, seed=1, record_events=True).records
    day = {(r.event, r.entity): r.day for r in reversed(records)}  # the first of each
    funded = next(r.day for r in records if r.event == "gate_passed" and r.entity == "plant_funding")
    begun = day[("facility_construction_started", "Central destruction plant")]
    commissioned = day[("facility_commissioned", "Central destruction plant")]
    first = min(r.day for r in records if r.event == "destroyed" and r.entity == "Central destruction plant")
    assert funded == begun < commissioned <= first
    assert commissioned - begun >= 365 + 90  # at least the shortest construction and commissioning
    block_trains = [r for r in records if r.event == "train_departed" and "Junction" in (r.note or "")]
    assert block_trains and max(r.tonnes for r in block_trains) <= 6.0 + 1e-9


def test_every_address_it_cites_is_in_docs_sources():
    text = STATE_X.read_text(encoding="utf-8")
    addresses = set(re.findall(r"https?://[^\s)]+", text))
    assert len(addresses) >= 10
    sources = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    missing = sorted(a.rstrip(".,;") for a in addresses if a.rstrip(".,;") not in sources)
    assert missing == []


def test_a_closure_the_state_claims_is_drawn_for_its_length_in_the_sites_chart():
    events = pd.DataFrame({"event": ["closure", "closure"], "day": [10.0, 50.0], "entity": ["west", "east"],
                           "note": ["claimed by the state, 23.5 days, until day 33.5", "7.0 days, until day 57.0"]})
    assert _closures(events) == [(10.0, "west", 23.5), (50.0, "east", 7.0)]
    assert np.isclose(sum(length for _, _, length in _closures(events)), 30.5)
