"""The Libya 2016 case: an ex-ante scenario of a state already party (scenarios/libya_2016.yaml) and its observed
record (scenarios/observed/libya_2016_2017.yaml).

The scenario is validated by test_validate_cli.py with every shipped scenario; here: its sources and the record's
are listed in docs/sources.md, it is the plan network it says it is, and the record can be scored against it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from conftest import ROOT, SCENARIOS
from sim.history.backtest import backtest
from sim.history.observed import load_observed
from sim.scenario.loading import load_scenario
from sim.scenario.routes import network_of

SCENARIO = SCENARIOS / "libya_2016.yaml"
RECORD = SCENARIOS / "observed" / "libya_2016_2017.yaml"
SOURCES = ROOT / "docs" / "sources.md"
ADDRESS = re.compile(r"https?://[^\s)\"',;]+")


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIO)


@pytest.fixture(scope="module")
def record():
    return load_observed(RECORD)


@pytest.mark.parametrize("path", [SCENARIO, RECORD], ids=["scenario", "record"])
def test_every_address_in_the_libya_files_is_in_docs_sources(path):
    table = SOURCES.read_text(encoding="utf-8")
    addresses = set(ADDRESS.findall(path.read_text(encoding="utf-8")))
    assert len(addresses) >= 10
    missing = sorted(a for a in addresses if a not in table)
    assert not missing, f"not in docs/sources.md: {missing}"


def test_every_row_of_the_record_has_a_source_and_a_confidence(record):
    for obs in record.observations:
        assert obs.sources and obs.confidence in ("high", "medium", "low") and obs.confidence_note.strip(), obs.id
    by_id = {o.id: o for o in record.observations}
    assert by_id["removal_complete"].date == dt.date(2016, 8, 27)
    assert by_id["destruction_complete"].date == dt.date(2017, 11, 23)
    # one voyage and one end: the duplicates are shown, not scored, so that no event is scored twice
    assert {o.id for o in record.observations if not o.scored} == {"first_removal", "removed_2016_08_27",
                                                                  "destroyed_2017_11_23"}


def test_the_scenario_begins_at_removal_on_the_day_of_the_decision(scenario):
    assert scenario.start_date == dt.date(2016, 7, 20)  # EC-M-52/DEC.1
    assert scenario.plan.begins_with == "removal"
    milestones = scenario.plan_milestones()
    assert "removal_complete" in milestones and "destruction_complete" in milestones
    assert not {"accession_deposited", "declaration_submitted", "initial_inspections_complete"} & set(milestones)
    assert [d.milestone for d in scenario.deadlines] == ["destruction_complete"]


def test_the_chemicals_leave_the_country_on_the_ship_to_bremen(scenario):
    network = network_of(scenario)
    legs = [network.legs[i] for i in network.lot_route[0]]
    assert [(network.nodes[leg.start].id, network.nodes[leg.end].id, leg.kind) for leg in legs] == [
        ("north_store", "misrata", "pool"), ("misrata", "bremen", "carrier"), ("bremen", "geka_munster", "direct")]
    assert [leg.leaves_country for leg in legs] == [False, True, False]
    assert network.lot_facility == ("geka_munster",)


def test_the_record_is_scored_against_the_scenario(scenario, record):
    scored = backtest(scenario, record, replications=40, seed=1, workers=1)
    assert sorted(row["id"] for row in scored.rows) == ["destroyed_2016_09_08", "destruction_complete",
                                                        "removal_complete"]
    assert all(0.0 <= row["pit"] <= 1.0 for row in scored.rows)
    assert len(scored.unscored) == 3
