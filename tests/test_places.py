"""Structures, munitions and plants at places, plants built during the plan, and closures the state claims:
exact days on tiny deterministic scenarios (tests/data/tiny.yaml; its timeline without them is in
tests/test_model_trace.py: listing day 5, site A inspected day 8, B day 11 (equipment day 12), declaration
day 12; the facility F gets 20 t on day 27 and 10 t on day 34, sets up for 2 days, 10 t a batch at 10 t/day).
"""

from __future__ import annotations

import pytest

from conftest import TINY
from sim.execution.trace import lines
from sim.model import simulate
from sim.scenario.loading import load_scenario


def tiny_with(*overrides: str):
    return load_scenario(TINY, overrides=list(overrides))


def events(outcome, kind):
    return [(r.day, r.entity) for r in outcome.records if r.event == kind]


# ---- (a) production structures and unfilled munitions at sites --------------------------------------------


def test_a_closure_of_its_region_holds_a_structure_and_the_crew_goes_on_elsewhere():
    """One crew; two tunnels at A (region default, 4 days each), then a hangar at B (region north, 5 days).

    Demolition may start at the declaration, day 12 (start_day 0).  Tunnel 1 takes the crew at 12; a closure of
    A's region from 13 to 15 does not stop work under way: tunnel 1 is destroyed on day 16.  North is closed
    from 14 to 20: the hangar, first in the queue for the crew, gets it on day 16, finds its region closed and
    hands it back, so tunnel 2 (A is open again) goes from 16 to 20.  The hangar waits, without a crew, until
    north opens on day 20, takes the crew when tunnel 2 ends on day 20 and is destroyed on day 25.
    (Holding the crew through the closure would have given hangar 25, tunnel 2 29.)
    """
    scenario = tiny_with(
        "sites[1].region=north", "security.enabled=true",
        "security.scheduled=[{region: default, start_day: 13, duration_days: 2}, "
        "{region: north, start_day: 14, end_day: 20}]",
        "production_structures.groups=[{kind: tunnel, count: 2, demolition_days: 4, site: A}, "
        "{kind: hangar, count: 1, demolition_days: 5, site: B, method: sealing}]")
    outcome = simulate(scenario, seed=1, record_events=True)
    destroyed = [(r.day, r.entity, r.site, r.note) for r in outcome.records if r.event == "structure_destroyed"]
    assert destroyed == [(16.0, "tunnel 1", "A", "demolition"), (20.0, "tunnel 2", "A", "demolition"),
                         (25.0, "hangar 1", "B", "sealing")]
    row = outcome.row
    assert row["first_structure_destroyed_day"] == 16.0
    assert row["production_facilities_destroyed_day"] == 25.0
    assert (row["structures_destroyed"], row["structures_total"]) == (3, 3)
    assert row["closures"] == 2
    assert "production structure hangar 1 destroyed (sealing)" in "\n".join(lines(scenario, outcome.records))


def test_a_structure_closed_in_from_the_start_waits_for_its_region_and_is_counted_as_remaining():
    """North closed from day 10 to day 90: the two hangars at B wait from the declaration (day 12) to day 90,
    then one crew destroys them 90-95 and 95-100 (horizon 100: the second at exactly the horizon)."""
    scenario = tiny_with(
        "sites[1].region=north", "security.enabled=true",
        "security.scheduled=[{region: north, start_day: 10, end_day: 90}]",
        "production_structures.groups=[{kind: hangar, count: 2, demolition_days: 5, site: B}]")
    row = simulate(scenario, seed=1).row
    assert row["first_structure_destroyed_day"] == 95.0
    assert row["production_facilities_destroyed_day"] == 100.0
    short = simulate(scenario.model_copy(update={"horizon_days": 97}), seed=1).row
    assert short["production_facilities_destroyed_day"] is None
    assert (short["structures_destroyed"], short["structures_total"]) == (1, 2)


def test_structures_at_a_declared_site_wait_for_its_inspection():
    """Inspectors arrive on day 15: A is inspected on 18 (travel 1, verification 2), B verified on 21 and done,
    its equipment made inoperable, on 22.  A hangar at B (5 days) waits from the declaration (day 12) to the end
    of B's inspection (22): destroyed on day 27; one with no site starts at the declaration: day 17."""
    at_b = tiny_with("inspectorate.arrival_day=15",
                     "production_structures.groups=[{kind: hangar, count: 1, demolition_days: 5, site: B}]")
    assert simulate(at_b, seed=1).row["production_facilities_destroyed_day"] == 27.0
    nowhere = tiny_with("inspectorate.arrival_day=15",
                        "production_structures.groups=[{kind: hangar, count: 1, demolition_days: 5}]")
    assert simulate(nowhere, seed=1).row["production_facilities_destroyed_day"] == 17.0


def test_unfilled_munitions_wait_for_their_site_region_to_open():
    """100 munitions at B, 10 a day: after the listing (5) and B's inspection (done on 12, with its equipment)
    they would take days 12-22; north is closed from 10 to 20 (the team is at B from day 9, before it closes),
    so destruction runs from 20 to 30."""
    base = ["unfilled_munitions={count: 100, destroyed_per_day: 10, site: B}", "sites[1].region=north"]
    assert simulate(tiny_with(*base), seed=1).row["munitions_destroyed_day"] == 22.0
    closed = tiny_with(*base, "security.enabled=true", "security.scheduled=[{region: north, start_day: 10, end_day: 20}]")
    assert simulate(closed, seed=1).row["munitions_destroyed_day"] == 30.0


# ---- (b) destruction plants at places, built during the plan -----------------------------------------------


def test_a_plant_built_and_commissioned_during_the_plan_starts_destroying_only_after():
    """F is available on day 5, built in 20 days (day 25) and commissioned in 10 (day 35).  Its cargo (20 t on
    day 27, 10 t on day 34) waits; setup 2 days -> it starts on day 37 and destroys 10 t a day: days 38, 39, 40."""
    scenario = tiny_with("facilities[0].available_day=5", "facilities[0].construction_days=20",
                         "facilities[0].commissioning_days=10", "facilities[0].method=hydrolysis")
    outcome = simulate(scenario, seed=1, record_events=True)
    plant = [(r.day, r.event, r.note) for r in outcome.records if r.event.startswith("facility")]
    assert plant == [(5.0, "facility_construction_started", ""), (35.0, "facility_commissioned", "hydrolysis"),
                     (37.0, "facility_started", "hydrolysis")]
    assert [day for day, _ in events(outcome, "destroyed")] == [38.0, 39.0, 40.0]
    assert outcome.row["destruction_complete_day"] == 40.0
    # the whole wait for the plant is on the critical path as "facility not ready": from arrival (34) to 37
    assert outcome.row["destruction_complete_path_facility_not_ready_days"] == 3.0


def test_a_plant_with_no_construction_time_logs_no_construction():
    outcome = simulate(tiny_with("facilities[0].construction_days=0"), seed=1, record_events=True)
    assert not [r for r in outcome.records if r.event in ("facility_construction_started", "facility_commissioned")]
    assert outcome.row["destruction_complete_day"] == 35.0


@pytest.mark.parametrize("place", ["facilities[0].region=plant_zone", "facilities[0].site=B"])
def test_a_closure_of_the_plants_region_pauses_its_lines(place):
    """F starts on day 29; its region closes from 29.5 to 34.5.  The batch under way (29-30) ends; the line
    starts no batch until 34.5; the last 10 t arrive on 34: batches 34.5-35.5 and 35.5-36.5.  The last tonne
    (arrived 34) spent 0.5 days on the closure, 1 in the queue, 1 being destroyed."""
    region = "plant_zone" if "region" in place else "north"
    scenario = tiny_with(place, "sites[1].region=north", "security.enabled=true",
                         f"security.scheduled=[{{region: {region}, start_day: 29.5, end_day: 34.5}}]")
    row = simulate(scenario, seed=1, record_events=True)
    assert [day for day, _ in events(row, "destroyed")] == [30.0, 35.5, 36.5]
    assert row.row["destruction_complete_day"] == 36.5
    path = {cause: row.row[f"destruction_complete_path_{cause}_days"]
            for cause in ("security_closures", "destruction_queue", "destruction")}
    assert path == {"security_closures": 0.5, "destruction_queue": 1.0, "destruction": 1.0}


# ---- (c) closures the state claims against real fighting ---------------------------------------------------

PRESSURE = ["pressure.level=0.5", "pressure.delay_reduction_at_full_pressure=0.5", "security.enabled=true"]


def test_pressure_shortens_a_claimed_closure_but_not_real_fighting():
    """A's region is closed from day 5 for 10 days.  Real fighting: the team reaches A on day 6, waits to 15,
    A is inspected on 17, B on 20 (tests/test_behaviours.py).  Claimed by the state under pressure 0.5 with a
    reduction of 0.5 at full pressure: 10 x (1 - 0.25) = 7.5 days, until 12.5: A on 14.5, B: travel to 15.5,
    verification to 17.5."""
    fighting = tiny_with(*PRESSURE, "security.scheduled=[{region: default, start_day: 5, duration_days: 10}]")
    out = simulate(fighting, seed=1, record_events=True)
    assert events(out, "site_inspected") == [(17.0, "A"), (20.0, "B")]
    claimed = tiny_with(*PRESSURE, "security.scheduled=[{region: default, start_day: 5, duration_days: 10, "
                                   "claimed: true}]")
    out = simulate(claimed, seed=1, record_events=True)
    assert events(out, "site_inspected") == [(14.5, "A"), (17.5, "B")]
    assert [r.note for r in out.records if r.event == "closure"] == ["claimed by the state, 7.5 days, until day 12.5"]


def test_random_claimed_closures_keep_their_days_and_shrink_by_the_pressure():
    """The same seed gives the same episodes; claimed ones last 0.75 of the fighting ones."""
    block = ("security.regions=[{region: default, mean_days_between_closures: 10, "
             "closure_days: {dist: uniform, low: 1, high: 5}%s}]")

    def closures(claimed: str):
        out = simulate(tiny_with(*PRESSURE, block % claimed), seed=7, record_events=True)
        return [(r.day, float(r.note.split(" days")[0].split(", ")[-1])) for r in out.records if r.event == "closure"]

    fighting, claimed = closures(""), closures(", claimed: true")
    assert len(fighting) == len(claimed) > 3
    for (day, days), (claimed_day, claimed_days) in zip(fighting, claimed):
        assert claimed_day == day
        assert claimed_days == pytest.approx(0.75 * days, abs=0.09)  # both notes are rounded to 0.1 day


def test_a_claimed_closure_without_pressure_is_as_long_as_fighting():
    scenario = tiny_with("security.enabled=true",
                         "security.scheduled=[{region: default, start_day: 5, duration_days: 10, claimed: true}]")
    assert events(simulate(scenario, seed=1, record_events=True), "site_inspected") == [(17.0, "A"), (20.0, "B")]
