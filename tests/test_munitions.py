"""Filled munitions as entities: loads, holds and destruction batches take whole munitions, and runs count them.

Hand computation (tests/data/munitions_tiny.yaml: tests/data/tiny.yaml with its 30 t in 12 munitions of 2.5 t, a
convoy of 12 t, batches of 6 t at 4 munitions a day); the steps before removal are those of tiny (convoys from day
20, each loading 1 day, 2 days to port and 2 back):

* a convoy of 12 t takes 4 whole munitions (10 t): it leaves on days 21, 26 and 31, at port on days 23, 28, 33;
* the ship (loading 1 day, 3 days out and 3 back) sails on day 24 with 10 t (first removal), on day 31 with the
  10 t that reached port on day 28, and on day 38 with the last 10 t (removal complete); at the transfer port on
  days 27, 34 and 41;
* the facility starts 2 days after its first delivery (day 29); a batch of 6 t is 2 whole munitions (5 t), half
  a day at 4 a day: batches end on days 29.5 and 30, 34.5 and 35, 41.5 and 42 (destruction complete).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model import simulate
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Lot, Scenario
from strategies import scenarios
from test_model_properties import replay

MUNITIONS_TINY = Path(__file__).parent / "data" / "munitions_tiny.yaml"


def test_loads_ships_and_batches_take_whole_munitions():
    outcome = simulate(load_scenario(MUNITIONS_TINY), seed=1, record_events=True)
    moved = [(r.day, r.event, r.tonnes) for r in outcome.records
             if r.event in ("convoy_departed", "ship_departed", "destroyed")]
    assert moved == [
        (21.0, "convoy_departed", 10.0), (24.0, "ship_departed", 10.0), (26.0, "convoy_departed", 10.0),
        (29.5, "destroyed", 5.0), (30.0, "destroyed", 5.0), (31.0, "ship_departed", 10.0),
        (31.0, "convoy_departed", 10.0), (34.5, "destroyed", 5.0), (35.0, "destroyed", 5.0),
        (38.0, "ship_departed", 10.0), (41.5, "destroyed", 5.0), (42.0, "destroyed", 5.0),
    ]
    row = outcome.row
    assert (row["removal_complete_day"], row["destruction_complete_day"]) == (38.0, 42.0)
    assert (row["filled_munitions"], row["filled_munitions_destroyed"]) == (12, 12)


def test_a_vehicle_smaller_than_one_munition_carries_one():
    data = load_scenario(MUNITIONS_TINY).model_dump(mode="json")
    data["convoys"]["tonnes_per_convoy"] = 1.0
    outcome = simulate(Scenario.model_validate(data), seed=1, record_events=True)
    loads = [r.tonnes for r in outcome.records if r.event == "convoy_departed"]
    assert loads == [2.5] * 12
    assert outcome.row["filled_munitions_destroyed"] == 12


def test_the_tonnes_of_munitions_are_their_fill():
    lot = Lot.model_validate({"id": "R", "agent": "GB", "category": 1, "site": "S", "form": "munitions",
                              "munitions": {"count": 2000, "type": "122 mm rocket", "fill_kg": 8}})
    assert lot.tonnes == 16.0
    with pytest.raises(ValueError, match="2000 munitions of 8 kg hold 16 t, not 20 t"):
        Lot.model_validate({"id": "R", "agent": "GB", "category": 1, "site": "S", "form": "munitions", "tonnes": 20,
                            "munitions": {"count": 2000, "fill_kg": 8}})
    with pytest.raises(ValueError, match="form: munitions"):
        Lot.model_validate({"id": "R", "agent": "GB", "category": 1, "site": "S",
                            "munitions": {"count": 2000, "fill_kg": 8}})


def assert_whole_munitions(scenario: Scenario, outcome) -> None:
    """Every ledger move of a lot of munitions is a whole number of them."""
    for change in outcome.changes:
        munitions = scenario.lots[change.lot].munitions
        if munitions is not None:
            count = change.tonnes * 1000.0 / munitions.fill_kg
            assert abs(count - round(count)) < 1e-6, (change, munitions)


@st.composite
def with_munitions(draw) -> dict:
    data = draw(scenarios())
    for lot in data["lots"]:
        if draw(st.booleans()):
            count = draw(st.integers(1, 400))
            fill_kg = draw(st.sampled_from([1.5, 8.0, 90.0, 250.0, 1000.0]))
            lot.update(form="munitions", tonnes=count * fill_kg / 1000.0,
                       munitions={"count": count, "fill_kg": fill_kg})
    for facility in data["facilities"]:
        if draw(st.booleans()):
            facility["munitions_per_day"] = draw(st.floats(1, 500))
    return data


@given(data=with_munitions(), seed=st.integers(0, 2**32))
def test_every_move_of_a_munitions_lot_is_whole_munitions_and_counts_balance(data, seed):
    scenario = Scenario.model_validate(data)
    outcome = simulate(scenario, seed, keep_changes=True)
    replay(scenario, outcome)
    assert_whole_munitions(scenario, outcome)
    row = outcome.row
    assert row["filled_munitions"] == sum(lot.munitions.count for lot in scenario.lots if lot.munitions)
    assert 0 <= row["filled_munitions_destroyed"] <= row["filled_munitions"]
    assert simulate(scenario, seed).row == row
