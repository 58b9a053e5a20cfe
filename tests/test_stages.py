"""The plan's stages: where a plan begins (a state already party) and dependencies added between stages.

Exact traces of tests/data/tiny.yaml's variants, every number fixed, with the days computed by hand.

**A state already party, declared and inspected before day 0** (tests/data/tiny_party.yaml: ``begins_with:
removal``, convoys from day 0).  At day 0 the 30 t of L1 at site A are in the declared book, and sites A and B
count as inspected.  The escort loads for 1 day -> convoy 1 leaves on day 1 with 20 t, 2 days to port -> day 3,
back day 5; loads -> convoy 2 leaves on day 6 with the last 10 t -> port day 8.  The ship loads the first 20 t
for 1 day and sails on day 4 (first removal), is at the transfer port on day 7, back at the port on day 10,
loads the 10 t waiting there since day 8 and sails on day 11 (all removed).  The facility receives 20 t on day
7, sets up for 2 days (day 9), destroys 10 t a day: days 10 and 11; the last 10 t arrive on day 14 and are
destroyed by day 15.  The inspectors arrive on day 4 (for sites an amendment may declare; none here).  No
milestone of accession, declaration or inspection is reached.

**With destruction after removal** (the same, ``stages: [{id: destruction, after: [removal]}]``): removal is
complete on day 11, so the facility's lines wait until then, set up for 2 days (day 13), and destroy the first
20 t on days 14 and 15 and the last 10 t (arrived on day 14) on day 16.  Removal is unchanged.

**A state already party that has still to declare** (tests/data/tiny_declaring.yaml: ``begins_with:
declaration``, convoys from day 0).  Steps 2-4 start on day 0: listing on day 3, formal declaration on day 10.
The inspectors (arrived day 4) verify A on days 4-7 and B on days 7-10, plus 1 day of equipment: day 11.
Convoys need the declaration (10): convoy 1 leaves on day 11, at port on 13, the ship sails on 14 (first
removal) and is back on 20; convoy 2 leaves on 16, at port on 18; the ship sails on 21 (all removed).  The
facility receives 20 t on day 17, starts on 19, destroys on days 20 and 21, and the last 10 t (day 24) by 25.

**The declaration after accession** (tiny.yaml, ``stages: [{id: declaration, after: [accession]}]``): the
accession stage is complete at entry into force (day 32), not at the deposit (day 2) that provisional
application would allow: listing on 35, declaration on 42, A inspected on 38 and B on 41 + 1 = 42.  Convoy 1
leaves on 43 (the logistics were ready on day 20), the ship sails on 46 and 53, the facility starts on 51 and
finishes on 57.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from conftest import DATA, ROOT
from sim.core.contract import MILESTONE_IDS
from sim.execution.runs import run
from sim.model import simulate
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Scenario
from sim.scenario.stages import STAGE_COMPLETE, STAGE_MILESTONES, StagePlan, scenario_stages
from strategies import scenarios
from test_model_properties import check_balance

PARTY = DATA / "tiny_party.yaml"
DECLARING = DATA / "tiny_declaring.yaml"


def reached(row: dict) -> dict[str, float]:
    return {m: row[f"{m}_day"] for m in MILESTONE_IDS if row[f"{m}_day"] is not None}


def trace(scenario: Scenario) -> list[tuple[float, str, str]]:
    return [(r.day, r.event, r.entity) for r in simulate(scenario, seed=1, record_events=True).records]


def with_plan(scenario: Scenario, plan: dict) -> Scenario:
    return Scenario.model_validate({**scenario.model_dump(), "plan": plan})


PARTY_TRACE = [
    (0.0, "declared", ""),
    (0.0, "site_inspected", "A"),
    (0.0, "site_inspected", "B"),
    (1.0, "convoy_departed", "convoy 1"),
    (3.0, "convoy_delivered", "convoy 1"),
    (4.0, "inspectors_arrived", ""),
    (4.0, "ship_departed", "ship1"),
    (4.0, "milestone", "first_removal"),
    (6.0, "convoy_departed", "convoy 2"),
    (7.0, "ship_arrived", "ship1"),
    (8.0, "convoy_delivered", "convoy 2"),
    (9.0, "facility_started", "F"),
    (10.0, "destroyed", "F"),
    (11.0, "destroyed", "F"),
    (11.0, "ship_departed", "ship1"),
    (11.0, "milestone", "priority_removal_complete"),
    (11.0, "milestone", "removal_complete"),
    (14.0, "ship_arrived", "ship1"),
    (15.0, "destroyed", "F"),
    (15.0, "milestone", "priority_destruction_complete"),
    (15.0, "milestone", "category1_destroyed"),
    (15.0, "milestone", "destruction_complete"),
]


def test_a_state_already_party_begins_at_removal_exactly():
    party = load_scenario(PARTY)
    assert trace(party) == PARTY_TRACE
    row = simulate(party, seed=1).row
    assert reached(row) == {"first_removal": 4.0, "priority_removal_complete": 11.0, "removal_complete": 11.0,
                            "priority_destruction_complete": 15.0, "category1_destroyed": 15.0,
                            "destruction_complete": 15.0}
    assert row["declared_tonnes"] == pytest.approx(30.0)
    assert row["destroyed_tonnes"] == pytest.approx(30.0)


def test_the_milestones_of_stages_done_before_day_0_are_left_out_of_the_summary():
    party = load_scenario(PARTY)
    assert party.plan_milestones() == tuple(m for m in MILESTONE_IDS if m not in (
        "accession_deposited", "entry_into_force", "listing_submitted", "declaration_submitted",
        "initial_inspections_complete", "equipment_destroyed",
        # and those that count nothing here: the scenario has no unfilled munitions and no structures
        "munitions_destroyed", "first_structure_destroyed", "production_facilities_destroyed"))
    results = run(party, replications=3, seed=0, workers=1)
    summary = results.summary()
    assert list(summary["milestones"]) == list(party.plan_milestones())
    assert summary["milestones"]["first_removal"]["p50_date"] == "2020-01-05"  # day 4
    assert summary["milestones"]["destruction_complete"]["p50_date"] == "2020-01-16"  # day 15
    # runs.parquet keeps every milestone's column (the contract's), empty for those not in the plan
    assert results.runs["declaration_submitted_day"].isna().all()
    assert results.runs["accession_deposited_day"].isna().all()


def test_the_default_plan_keeps_every_milestone(tiny, baseline):
    assert tiny.plan == StagePlan() == baseline.plan
    assert baseline.plan_milestones() == MILESTONE_IDS  # Syria has munitions and structures
    # tiny has neither: their milestones count nothing there, so they are not in its plan
    assert tiny.plan_milestones() == tuple(m for m in MILESTONE_IDS if m not in (
        "munitions_destroyed", "first_structure_destroyed", "production_facilities_destroyed"))


def test_destruction_after_removal_waits_for_removal_complete():
    party = load_scenario(PARTY)
    dependent = with_plan(party, {"begins_with": "removal", "stages": [{"id": "destruction", "after": ["removal"]}]})
    events = trace(dependent)
    assert (11.0, "stage_complete", "removal") in events
    assert [e for e in events if e[1] in ("facility_started", "destroyed")] == [
        (13.0, "facility_started", "F"), (14.0, "destroyed", "F"), (15.0, "destroyed", "F"), (16.0, "destroyed", "F")]
    assert reached(simulate(dependent, seed=1).row) == {
        "first_removal": 4.0, "priority_removal_complete": 11.0, "removal_complete": 11.0,
        "priority_destruction_complete": 16.0, "category1_destroyed": 16.0, "destruction_complete": 16.0}


def test_a_state_party_that_has_still_to_declare_begins_at_the_declaration():
    declaring = load_scenario(DECLARING)
    assert reached(simulate(declaring, seed=1).row) == {
        "listing_submitted": 3.0, "declaration_submitted": 10.0, "initial_inspections_complete": 11.0,
        "equipment_destroyed": 11.0, "first_removal": 14.0, "priority_removal_complete": 21.0,
        "removal_complete": 21.0, "priority_destruction_complete": 25.0, "category1_destroyed": 25.0,
        "destruction_complete": 25.0}
    events = trace(declaring)
    assert events[:3] == [(3.0, "milestone", "listing_submitted"), (4.0, "inspectors_arrived", ""),
                          (7.0, "site_inspected", "A")]
    assert (10.0, "declared", "") in events


def test_the_declaration_after_accession_waits_for_entry_into_force(tiny):
    late = with_plan(tiny, {"stages": [{"id": "declaration", "after": ["accession"]}]})
    assert reached(simulate(late, seed=1).row) == {
        "accession_deposited": 2.0, "entry_into_force": 32.0, "listing_submitted": 35.0,
        "declaration_submitted": 42.0, "initial_inspections_complete": 42.0, "equipment_destroyed": 42.0,
        "first_removal": 46.0, "priority_removal_complete": 53.0, "removal_complete": 53.0,
        "priority_destruction_complete": 57.0, "category1_destroyed": 57.0, "destruction_complete": 57.0}


def test_the_default_plan_adds_no_event(tiny):
    """The golden files check the numbers; this checks why they cannot move: the default plan, written out or
    not, gives the same row (its event count included) and sets up no gate, no completion event, no callback."""
    from sim.model.stages import Stages
    from sim.model.world import World

    plain = simulate(tiny, seed=1).row
    assert simulate(with_plan(tiny, {"begins_with": "accession", "stages": []}), seed=1).row == plain
    w = World(tiny, 1)
    stages = Stages(w)
    assert (w.stage_gates, w.completes_stage, stages.done, stages.before) == ({}, {}, {}, ())
    assert w.env.peek() == float("inf")  # nothing scheduled


def test_every_milestone_belongs_to_exactly_one_stage_and_closes_within_it():
    owned = [m for ms in STAGE_MILESTONES.values() for m in ms]
    assert sorted(owned) == sorted(MILESTONE_IDS)
    assert all(set(STAGE_COMPLETE[s]) <= set(STAGE_MILESTONES[s]) for s in STAGE_MILESTONES)


@pytest.mark.parametrize(("plan", "where", "fragment"), [
    ({"stages": [{"id": "removal", "after": ["destruction"]}]}, ("plan", "stages", 0, "after"),
     "a cycle of stage dependencies, each waiting for the next: removal -> destruction -> removal"),
    ({"stages": [{"id": "removal", "after": ["munitions"]}, {"id": "munitions", "after": ["destruction"]}]},
     ("plan", "stages", 1, "after"), "munitions -> destruction -> removal -> munitions (built in: destruction "
                                     "after removal)"),
    ({"stages": [{"id": "removal", "after": ["structures"]}]}, ("plan", "stages", 0, "after", 0),
     "stage 'structures' has nothing to do in this scenario (production_structures has no structure)"),
    ({"begins_with": "removal", "stages": [{"id": "inspection", "after": ["accession"]}]},
     ("plan", "stages", 0, "id"), "stage 'inspection' was done before day 0"),
    ({"stages": [{"id": "removal", "after": ["declaration"]}, {"id": "removal", "after": ["inspection"]}]},
     ("plan", "stages", 1, "id"), "duplicate id 'removal'"),
])
def test_bad_plans_are_refused_where_they_are_written(tiny, plan, where, fragment):
    with pytest.raises(ValidationError) as caught:  # tiny has no structures; here it has unfilled munitions
        Scenario.model_validate({**tiny.model_dump(), "unfilled_munitions": {"count": 10}, "plan": plan})
    errors = [(e["loc"], e["msg"]) for e in caught.value.errors()]
    assert any(loc == where and fragment in msg for loc, msg in errors), errors


def test_a_deadline_on_a_milestone_not_in_the_plan_is_refused(tiny):
    data = {**tiny.model_dump(), "plan": {"begins_with": "inspection"},
            "deadlines": [{"id": "inspected", "date": "2020-01-20", "milestone": "initial_inspections_complete"},
                          {"id": "declared", "date": "2020-01-20", "milestone": "declaration_submitted"}]}
    with pytest.raises(ValidationError) as caught:
        Scenario.model_validate(data)
    errors = [(e["loc"], e["msg"]) for e in caught.value.errors()]
    assert errors == [(("deadlines", 1, "milestone"), "milestone 'declaration_submitted' is not in the plan: its "
                       "stage, declaration, was done before day 0 (plan.begins_with: inspection)")]


def test_disarm_validate_names_file_line_and_key_of_a_cycle(tmp_path):
    path = tmp_path / "cycle.yaml"
    path.write_text(f"extends: {DATA / 'tiny.yaml'}\nname: cycle\nplan:\n  stages:\n"
                    "    - {id: structures, after: [destruction]}\n"
                    "    - {id: removal, after: [destruction]}\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "sim", "validate", str(path)], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    assert (f"{path}:6: plan.stages[1].after: a cycle of stage dependencies, each waiting for the next: "
            "removal -> destruction -> removal (built in: destruction after removal)") in result.stderr


# ---- properties ------------------------------------------------------------------------------------------

ACYCLIC = [("destruction", ["removal"]), ("structures", ["destruction"]), ("munitions", ["inspection"]),
           ("removal", ["munitions"]), ("declaration", ["accession"])]
"""Dependencies that close no cycle together with the built-in ones, whichever subset is taken."""


@st.composite
def planned_scenarios(draw) -> dict:
    """A generated scenario with any beginning and a subset of :data:`ACYCLIC` (those its stages allow)."""
    data = draw(scenarios())
    plan = StagePlan(begins_with=draw(st.sampled_from(["accession", "declaration", "inspection", "removal"])))
    before = plan.done_before_day_0()
    in_plan = set(plan.milestones())
    probe = Scenario.model_validate({**data, "deadlines": []})
    has = scenario_stages(probe)
    chosen = draw(st.lists(st.sampled_from(ACYCLIC), unique_by=lambda d: d[0], max_size=len(ACYCLIC)))
    stages = [{"id": stage, "after": after} for stage, after in chosen
              if stage not in before and stage in has and all(a in has for a in after)]
    data["plan"] = {"begins_with": plan.begins_with, "stages": stages}
    data["deadlines"] = [d for d in data["deadlines"] if d["milestone"] in in_plan]
    return data


@given(data=planned_scenarios(), seed=st.integers(0, 2**32))
def test_any_plan_balances_its_tonnes_and_is_deterministic(data, seed):
    scenario = Scenario.model_validate(data)
    outcome = simulate(scenario, seed, keep_changes=True)
    check_balance(scenario, outcome)
    row = outcome.row
    not_in_plan = set(MILESTONE_IDS) - set(scenario.plan_milestones())
    assert all(row[f"{m}_day"] is None for m in not_in_plan)
    if not scenario.dispersal.enabled:  # no amendment reopens a milestone: each day is the first
        before = scenario.plan.done_before_day_0()
        for stage, after in scenario.plan.waits().items():  # a waiting stage reaches nothing before they close
            for milestone in STAGE_MILESTONES[stage]:
                day = row[f"{milestone}_day"]
                for closing in (m for other in after if other not in before for m in STAGE_COMPLETE[other]):
                    assert day is None or (row[f"{closing}_day"] is not None and row[f"{closing}_day"] <= day), \
                        (milestone, closing)
    assert simulate(scenario, seed).row == row


def test_a_backtest_refuses_to_score_a_milestone_not_in_the_plan(tmp_path):
    from conftest import write_synthetic_record
    from sim.history.observed import load_observed

    party = load_scenario(PARTY)
    path = write_synthetic_record(tmp_path / "record.yaml", "party_record", party,
                                  {"declaration_submitted": "2020-01-02", "removal_complete": "2020-01-12"}, [],
                                  "synthetic")
    problems = load_observed(path).check_against(party)
    assert [(p.path, p.message) for p in problems] == [
        ("observations[0].milestone", "milestone 'declaration_submitted' is not in the plan of scenario 'tiny_party': "
         "its stage was done before day 0 (plan.begins_with: removal); give the row scored: false")]


def test_a_sweep_outcome_on_a_milestone_not_in_the_plan_is_refused():
    from sim.sweeps.outcomes import parse_outcome

    party = load_scenario(PARTY)
    assert parse_outcome("first_removal", party).column == "first_removal_day"
    with pytest.raises(ValueError, match="milestone 'initial_inspections_complete' is not in the base scenario's "
                                         r"plan: its stage was done before day 0 \(plan.begins_with: removal\)"):
        parse_outcome("initial_inspections_complete_day", party)
