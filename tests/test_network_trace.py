"""The plan network: exact event traces of a tiny deterministic network, invariants over generated networks,
and the port shape compiled to the same network.

Hand computation (tests/data/network_tiny.yaml, every number fixed); the four steps run as in tests/data/tiny.yaml
(test_model_trace.py): declaration on day 12, site A inspected on day 8, logistics from day 20.

* rail (wagons: 1 vehicle of 20 t, loading 1 day, 2 days from A to the yard): train 1 loads 20 t, leaves on day 21,
  is at the yard on day 23 and back at A on day 25; train 2 loads the last 10 t, leaves on day 26, is at the yard
  on day 28.
* road (trucks: 1 vehicle of 30 t, no loading, 1 day from the yard to the port P): a truck leaves with what is
  at the yard as soon as it is there and a truck is free: convoy 1 with 20 t on day 23 (at P on day 24, back at
  the yard on day 25), convoy 2 with 10 t on day 28 (at P on day 29).
* sea (ship1 at P from day 0, loading 1 day, 3 days to T abroad, 3 back): it sails with 20 t on day 25 (first
  removal: the tonnes leave the country), is at T on day 28 and back at P on day 31, loads the 10 t waiting since
  day 29 and sails on day 32 (removal complete), at T on day 35.
* delivery (2 days from T to plant F): 20 t reach F on day 30, 10 t on day 37. F sets up for 2 days after its first
  delivery (day 32) and destroys 10 t a batch at 10 t/day: days 33 and 34, then 38 for the last 10 t.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from sim.execution.runs import run
from sim.model import simulate
from sim.scenario.loading import load_scenario
from sim.scenario.routes import CARRIER, DIRECT, POOL, network_of
from sim.scenario.schema import Scenario
from strategies import networks
from test_model_properties import replay
from test_munitions import assert_whole_munitions

NETWORK_TINY = Path(__file__).parent / "data" / "network_tiny.yaml"

EXPECTED_TRACE = [
    (12.0, "milestone", "declaration_submitted"),
    (21.0, "train_departed", "train 1"),
    (23.0, "train_delivered", "train 1"),
    (23.0, "convoy_departed", "convoy 1"),
    (24.0, "convoy_delivered", "convoy 1"),
    (25.0, "ship_departed", "ship1"),
    (25.0, "milestone", "first_removal"),
    (26.0, "train_departed", "train 2"),
    (28.0, "ship_arrived", "ship1"),
    (28.0, "train_delivered", "train 2"),
    (28.0, "convoy_departed", "convoy 2"),
    (29.0, "convoy_delivered", "convoy 2"),
    (32.0, "milestone", "entry_into_force"),
    (32.0, "facility_started", "F"),
    (32.0, "ship_departed", "ship1"),
    (32.0, "milestone", "priority_removal_complete"),
    (32.0, "milestone", "removal_complete"),
    (33.0, "destroyed", "F"),
    (34.0, "destroyed", "F"),
    (35.0, "ship_arrived", "ship1"),
    (38.0, "destroyed", "F"),
    (38.0, "milestone", "priority_destruction_complete"),
    (38.0, "milestone", "category1_destroyed"),
    (38.0, "milestone", "destruction_complete"),
]


def test_a_route_of_rail_road_and_sea_legs_follows_the_hand_computation():
    outcome = simulate(load_scenario(NETWORK_TINY), seed=1, record_events=True)
    trace = [(r.day, r.event, r.entity) for r in outcome.records if r.day >= 12.0
             and r.event not in ("declared", "equipment_disabled")
             and r.entity not in ("initial_inspections_complete", "equipment_destroyed")]
    assert trace == EXPECTED_TRACE
    row = outcome.row
    assert (row["convoys"], row["voyages"]) == (4, 2)  # every load by vehicle counts as a convoy
    assert row["removed_tonnes"] == row["destroyed_tonnes"] == 30.0


def test_the_ledger_follows_each_leg():
    outcome = simulate(load_scenario(NETWORK_TINY), seed=1, keep_changes=True)
    moves = [(c.day, c.source, c.target, c.tonnes) for c in outcome.changes]
    # at_site=0 on_road=1 at_port=2 shipped=3 destroyed=4: on the rail (1), waiting at the yard (2), on the road
    # (1), waiting at the port (2), gone (3) when the ship leaves the country, destroyed (4)
    assert moves == [
        (21.0, 0, 1, 20.0), (23.0, 1, 2, 20.0), (23.0, 2, 1, 20.0), (24.0, 1, 2, 20.0), (25.0, 2, 3, 20.0),
        (26.0, 0, 1, 10.0), (28.0, 1, 2, 10.0), (28.0, 2, 1, 10.0), (29.0, 1, 2, 10.0), (32.0, 2, 3, 10.0),
        (33.0, 3, 4, 10.0), (34.0, 3, 4, 10.0), (38.0, 3, 4, 10.0),
    ]


def test_the_route_is_the_quickest_way_to_the_plant():
    network = network_of(load_scenario(NETWORK_TINY))
    legs = network.legs
    assert [legs[k].id for k in network.lot_route[0]] == ["rail", "road", "sea", "delivery"]
    assert [legs[k].kind for k in network.lot_route[0]] == [POOL, POOL, CARRIER, DIRECT]
    assert [legs[k].leaves_country for k in network.lot_route[0]] == [False, False, True, False]


def plant_at_home() -> dict:
    """network_tiny with plant F in the country, reached from the yard by a second rail link (no sea, no ship)."""
    data = load_scenario(NETWORK_TINY).model_dump(mode="json")
    data["facilities"][0]["abroad"] = False
    data["links"][1:] = [{"id": "rail2", "start": "yard", "end": "F", "mode": "rail", "transit_days": 3,
                          "pool": "wagons"}]
    data["ships"] = []
    return data


def test_a_plant_in_the_country_is_reached_by_rail_and_nothing_counts_as_removed():
    outcome = simulate(Scenario.model_validate(plant_at_home()), seed=1, record_events=True)
    row = outcome.row
    assert row["removed_tonnes"] == 0.0 and row["destroyed_tonnes"] == 30.0
    assert row["first_removal_day"] is None
    # One pool of 1 wagon (loading 1 day) serves both rail links, first come first served: train 1 leaves A on
    # day 21 (at the yard 23, back at A 25).  The yard's dispatcher asked for the wagon on day 23, before A's
    # next load (day 25): train 2 loads at the yard, leaves on day 26, reaches F on day 29 and is back on day 32.
    # Train 3 then loads the last 10 t at A, leaves on day 33 (at the yard 35, back 37); train 4 leaves the
    # yard on day 38 and reaches F on day 41.  F sets up for 2 days after its first delivery (day 31) and
    # destroys the first 20 t on days 32 and 33, the last 10 t on day 42.
    departures = [(r.day, r.entity) for r in outcome.records if r.event == "train_departed"]
    assert departures == [(21.0, "train 1"), (26.0, "train 2"), (33.0, "train 3"), (38.0, "train 4")]
    assert row["destruction_complete_day"] == 42.0


def test_the_port_shape_compiles_to_roads_one_sea_leg_and_deliveries():
    baseline = load_scenario(Path(__file__).parent.parent / "scenarios" / "syria_2013_ex_ante.yaml")
    network = network_of(baseline)
    sites = len(baseline.sites)
    assert [leg.kind for leg in network.legs[:sites]] == [POOL] * sites
    sea = network.legs[sites]
    assert (sea.kind, sea.leaves_country) == (CARRIER, True)
    assert [ship for ship, _ in network.carriers] == list(range(len(baseline.ships)))
    for lot, route in zip(baseline.lots, network.lot_route):
        assert (route == ()) == (lot.route == "in_country")


@given(data=networks(), seed=st.integers(0, 2**32))
def test_mass_balance_counts_no_negative_state_and_determinism_over_generated_networks(data, seed):
    scenario = Scenario.model_validate(data)
    outcome = simulate(scenario, seed, keep_changes=True)
    replay(scenario, outcome)  # every state of every lot after every change: none negative, all balanced
    row = outcome.row
    total = row["destroyed_tonnes"] + row["remaining_tonnes"] + row["in_transit_tonnes"] + row["hidden_tonnes"]
    assert abs(total - row["initial_tonnes"]) <= 1e-6
    assert row["removed_tonnes"] <= row["declared_tonnes"] + 1e-9
    assert_whole_munitions(scenario, outcome)
    assert 0 <= row["filled_munitions_destroyed"] <= row["filled_munitions"]
    assert 0 <= row["structures_destroyed"] <= row["structures_total"]
    assert simulate(scenario, seed).row == row


def test_a_network_gives_the_same_results_on_any_number_of_workers():
    data = load_scenario(NETWORK_TINY).model_dump(mode="json")
    data["links"][0]["transit_days"] = {"dist": "triangular", "low": 1, "mode": 2, "high": 4}
    data["ships"][0]["voyage_days"] = {"dist": "uniform", "low": 2, "high": 5}
    scenario = Scenario.model_validate(data)
    one = run(scenario, replications=6, seed=11, workers=1).runs
    two = run(scenario, replications=6, seed=11, workers=2).runs
    assert one.equals(two)
    assert one["destruction_complete_day"].nunique() > 1  # the draws matter


def _holding(construction_days: float) -> Scenario:
    data = load_scenario(NETWORK_TINY).model_dump(mode="json")
    data["ships"][0].update(holds_at_sea=True, holding_days=1)
    data["facilities"][0]["construction_days"] = construction_days
    return Scenario.model_validate(data)


def test_a_ship_holds_its_cargo_at_sea_until_nothing_more_will_come():
    """The ship sails from P with 20 t on day 25 (first removal) and waits at sea (1 day away) while 10 t are still
    at the site; they reach P on day 29, it is back on day 30, loads a day and leaves on day 31 (removal complete)
    with nothing more to come: it sails the voyage with all 30 t (at T on day 34, at F on day 36); F sets up for 2
    days and destroys 10 t a day: days 39, 40, 41."""
    outcome = simulate(_holding(0), seed=1, record_events=True)
    ship = [(r.day, r.event, r.tonnes) for r in outcome.records if r.entity == "ship1"]
    assert ship == [(25.0, "ship_departed", 20.0), (25.0, "ship_holding", 20.0), (30.0, "ship_returned", 0.0),
                    (31.0, "ship_departed", 10.0), (34.0, "ship_arrived", 30.0)]
    row = outcome.row
    assert (row["voyages"], row["first_removal_day"], row["removal_complete_day"]) == (2, 25.0, 31.0)
    assert row["destruction_complete_day"] == 41.0


def test_a_ship_holding_cargo_waits_at_sea_for_its_plant_to_accept_it():
    """As above, but F is built during the plan and commissioned on day 50 (a plant accepts cargo once its gates
    have passed and it is built; its available_day is when its lines may begin): the loaded ship waits at sea until
    then, is at T on day 53 and F on day 55, and F destroys the 30 t on days 58, 59 and 60."""
    outcome = simulate(_holding(50), seed=1, record_events=True)
    waits = [(r.day, r.note) for r in outcome.records if r.event == "ship_holding" and not r.entity]
    assert waits == [(31.0, "waiting for F to accept its cargo")]
    assert [r.day for r in outcome.records if r.event == "ship_arrived"] == [53.0]
    assert outcome.row["destruction_complete_day"] == 60.0


def test_disarm_trace_tells_every_kind_of_load_as_a_sentence():
    from sim.execution.trace import lines

    scenario = _holding(0)
    outcome = simulate(scenario, seed=1, record_events=True)
    text = "\n".join(lines(scenario, outcome.records))
    assert "train 1 leaves site A with 20.0 t of X" in text
    assert "convoy 1 leaves with 20.0 t of X from yard" in text
    assert "ship1 holds 20.0 t at sea (cargo held at sea, waiting for more)" in text
    assert "ship1 sails back to P for more cargo" in text
    assert "train_departed" not in text and "ship_holding" not in text  # no event told by its raw name
