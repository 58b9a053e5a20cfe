"""Exact event traces of a tiny deterministic scenario, with milestone days computed by hand.

Hand computation (tests/data/tiny.yaml, every number fixed):

* accession on day 2 (decision 2 days); provisional application, so steps 2-4 start on day 2; entry into
  force 30 days after deposit: day 32.
* listing 3 days after the start of steps 2-4: day 5; formal declaration at 2 + max(10, 3) = day 12.
* inspectors may work once the listing is in (day 5; they arrived on day 4).  One team: site A from day 5,
  travel 1 + verification 2 -> inspected on day 8; site B (production) from day 8: travel 1 + verification 2
  -> day 11, plus 1 day making equipment inoperable -> day 12.  All sites and all equipment: day 12.
* convoys need the declaration (12), the site's inspection (8) and the logistics (day 20).  Escort 1 loads
  for 1 day -> departs day 21 with 20 t, 2 days to port -> at port day 23, back at the site day 25; loads
  -> departs day 26 with the last 10 t -> at port day 28, back day 30.
* the ship waits at port; cargo arrives on day 23, it loads 1 day and sails on day 24 (first removal), is at
  the transfer port on day 27 and back on day 30; it finds 10 t, loads, sails on day 31: all removed.
* the facility gets its first 20 t on day 27, sets up for 2 days (day 29), destroys 10 t a batch at
  10 t/day: batches end on days 30 and 31; the last 10 t arrive on day 34 and are destroyed by day 35.
"""

from __future__ import annotations

import pytest

from sim.model import simulate
from sim.execution.runs import run

EXPECTED_MILESTONES = {
    "accession_deposited": 2.0,
    "listing_submitted": 5.0,
    "declaration_submitted": 12.0,
    "initial_inspections_complete": 12.0,
    "equipment_destroyed": 12.0,
    "first_removal": 24.0,
    "priority_removal_complete": 31.0,
    "removal_complete": 31.0,
    "entry_into_force": 32.0,
    "priority_destruction_complete": 35.0,
    "category1_destroyed": 35.0,
    "destruction_complete": 35.0,
}

EXPECTED_TRACE = [
    (2.0, "milestone", "accession_deposited"),
    (5.0, "milestone", "listing_submitted"),
    (5.0, "inspectors_arrived", ""),
    (8.0, "site_inspected", "A"),
    (11.0, "site_inspected", "B"),
    (12.0, "declared", ""),
    (12.0, "milestone", "declaration_submitted"),
    (12.0, "equipment_disabled", "B"),
    (12.0, "milestone", "initial_inspections_complete"),
    (12.0, "milestone", "equipment_destroyed"),
    (21.0, "convoy_departed", "convoy 1"),
    (23.0, "convoy_delivered", "convoy 1"),
    (24.0, "ship_departed", "ship1"),
    (24.0, "milestone", "first_removal"),
    (26.0, "convoy_departed", "convoy 2"),
    (27.0, "ship_arrived", "ship1"),
    (28.0, "convoy_delivered", "convoy 2"),
    (29.0, "facility_started", "F"),
    (30.0, "destroyed", "F"),
    (31.0, "destroyed", "F"),
    (31.0, "ship_departed", "ship1"),
    (31.0, "milestone", "priority_removal_complete"),
    (31.0, "milestone", "removal_complete"),
    (32.0, "milestone", "entry_into_force"),
    (34.0, "ship_arrived", "ship1"),
    (35.0, "destroyed", "F"),
    (35.0, "milestone", "priority_destruction_complete"),
    (35.0, "milestone", "category1_destroyed"),
    (35.0, "milestone", "destruction_complete"),
]


def test_milestone_days_match_the_hand_computation(tiny):
    outcome = simulate(tiny, seed=1)
    reached = {k[: -len("_day")]: v for k, v in outcome.row.items() if k.endswith("_day") and v is not None
               and k != "detection_day"}
    assert reached == EXPECTED_MILESTONES
    assert outcome.row["munitions_destroyed_day"] is None
    assert outcome.row["production_facilities_destroyed_day"] is None


def test_exact_event_trace(tiny):
    outcome = simulate(tiny, seed=1, record_events=True)
    trace = [(r.day, r.event, r.entity) for r in outcome.records]
    assert trace == EXPECTED_TRACE


def test_tonnes_and_counts_of_the_tiny_run(tiny):
    row = simulate(tiny, seed=1).row
    assert row["convoys"] == 2
    assert row["voyages"] == 2
    assert row["declared_tonnes"] == pytest.approx(30.0)
    assert row["removed_tonnes"] == pytest.approx(30.0)
    assert row["destroyed_tonnes"] == pytest.approx(30.0)
    assert row["remaining_tonnes"] == pytest.approx(0.0)
    assert row["in_transit_tonnes"] == pytest.approx(0.0, abs=1e-9)


def test_ledger_changes_follow_the_states(tiny):
    outcome = simulate(tiny, seed=1, keep_changes=True)
    moves = [(c.day, c.source, c.target, c.tonnes) for c in outcome.changes]
    # at_site=0 on_road=1 at_port=2 shipped=3 destroyed=4
    assert moves == [
        (21.0, 0, 1, 20.0), (23.0, 1, 2, 20.0), (24.0, 2, 3, 20.0),
        (26.0, 0, 1, 10.0), (28.0, 1, 2, 10.0), (30.0, 3, 4, 10.0),
        (31.0, 3, 4, 10.0), (31.0, 2, 3, 10.0), (35.0, 3, 4, 10.0),
    ]


def test_fixed_scenario_gives_the_same_days_for_every_seed(tiny):
    results = run(tiny, replications=5, seed=3, workers=1)
    assert results.runs["destruction_complete_day"].tolist() == [35.0] * 5
    summary = results.summary()
    # removal at day 31.0 falls on 2020-02-01, one day after the deadline's date (2020-01-31, day 30)
    assert summary["deadlines"]["removal_by_day_30"]["p_met"] == 0.0
    assert summary["deadlines"]["removal_by_day_30"]["days_late"]["p50"] == 0.0
    # destruction at day 35 (2020-02-05) meets 2020-02-06
    assert summary["deadlines"]["destruction_by_day_36"]["p_met"] == 1.0
    assert summary["milestones"]["destruction_complete"]["p50_date"] == "2020-02-05"


def test_events_are_the_steps_up_to_and_including_the_horizon(tiny, monkeypatch):
    """The event count of the model's own loop (sim.model.clock.run_to_horizon) must equal the number of
    env.step() calls of the same run stepped by SimPy (clock.step_to_horizon), and an event at exactly the
    horizon (the last batch ends on day 35) must be processed."""
    import simpy

    import sim.model
    from sim.model.clock import step_to_horizon

    steps = {"n": 0}
    real_step = simpy.Environment.step

    def counting_step(env):
        steps["n"] += 1
        real_step(env)

    own = {h: simulate(tiny.model_copy(update={"horizon_days": h}), seed=1).row for h in (35, 34.5)}
    monkeypatch.setattr(simpy.Environment, "step", counting_step)
    monkeypatch.setattr(sim.model, "run_to_horizon", step_to_horizon)
    at_horizon = simulate(tiny.model_copy(update={"horizon_days": 35}), seed=1).row
    assert at_horizon["events"] == steps["n"] - 1  # the horizon event itself is not the model's
    assert at_horizon["destruction_complete_day"] == 35.0
    steps["n"] = 0
    before = simulate(tiny.model_copy(update={"horizon_days": 34.5}), seed=1).row
    assert before["events"] == steps["n"] - 1 < at_horizon["events"]
    assert before["destruction_complete_day"] is None
    assert own[35] == at_horizon and own[34.5] == before  # the model's loop: the same run, the same count
