"""Gates (sim/scenario/gates.py, sim/model/gates.py): exact traces on a tiny deterministic scenario, the
critical path's ``gate`` cause, validation through ``disarm validate``, and properties over generated scenarios.

Hand computation (tests/data/tiny_gates.yaml: tests/data/tiny.yaml, whose timeline tests/test_model_trace.py
gives, plus a gate ``host_country`` the facility F waits for):

* the gate opens on day 5: Norway is asked, answers 20 days later (day 25) and refuses (probability 1); 4 days
  later (day 29) Albania is asked, answers 6 days later (day 35) and accepts (probability 0): the gate passes
  on day 35.
* removal is untouched: first removal day 24, all removed day 31 (the ship is at the transfer port with the
  last 10 t on day 34).
* F is available on day 0 but waits for the gate until day 35; it has its 30 t, sets up for 2 days and starts
  on day 37; batches of 10 t at 10 t/day end on days 38, 39 and 40: destruction complete on day 40 (day 35
  without the gate).
* the last tonne (the last 10 t) has the removal path of tiny (declaration 12, logistics 8, earlier convoys 5,
  convoy trip 3, port and ship 3: day 31), sails 3 days (34), waits 1 day for the gate (35), 2 for the
  facility's set-up (37), 2 for the batches before its own (39) and 1 for its own batch (40).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA, ROOT
from sim.core.contract import CAUSE_IDS, PATH_MILESTONES, path_column, path_columns
from sim.model import simulate
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Scenario
from strategies import gated_scenarios
from test_model_properties import replay

TINY_GATES = DATA / "tiny_gates.yaml"

EXPECTED_TRACE = [
    (2.0, "milestone", "accession_deposited", ""),
    (5.0, "gate_asked", "host_country", "Norway"),
    (5.0, "milestone", "listing_submitted", ""),
    (5.0, "inspectors_arrived", "", "1 teams"),
    (8.0, "site_inspected", "A", ""),
    (11.0, "site_inspected", "B", ""),
    (12.0, "declared", "", "2 sites"),
    (12.0, "milestone", "declaration_submitted", ""),
    (12.0, "equipment_disabled", "B", ""),
    (12.0, "milestone", "initial_inspections_complete", ""),
    (12.0, "milestone", "equipment_destroyed", ""),
    (21.0, "convoy_departed", "convoy 1", "20.0 t of X"),
    (23.0, "convoy_delivered", "convoy 1", "20.0 t of X to P"),
    (24.0, "ship_departed", "ship1", "20.0 t of X from P"),
    (24.0, "milestone", "first_removal", ""),
    (25.0, "gate_refused", "host_country", "Norway"),
    (26.0, "convoy_departed", "convoy 2", "10.0 t of X"),
    (27.0, "ship_arrived", "ship1", "at T"),
    (28.0, "convoy_delivered", "convoy 2", "10.0 t of X to P"),
    (29.0, "gate_asked", "host_country", "Albania"),
    (31.0, "ship_departed", "ship1", "10.0 t of X from P"),
    (31.0, "milestone", "priority_removal_complete", ""),
    (31.0, "milestone", "removal_complete", ""),
    (32.0, "milestone", "entry_into_force", ""),
    (34.0, "ship_arrived", "ship1", "at T"),
    (35.0, "gate_passed", "host_country", "Albania"),
    (37.0, "facility_started", "F", ""),
    (38.0, "destroyed", "F", ""),
    (39.0, "destroyed", "F", ""),
    (40.0, "destroyed", "F", ""),
    (40.0, "milestone", "priority_destruction_complete", ""),
    (40.0, "milestone", "category1_destroyed", ""),
    (40.0, "milestone", "destruction_complete", ""),
]

REMOVAL_PATH = {"declaration": 12.0, "logistics_start": 8.0, "earlier_convoys": 5.0, "convoy_trip": 3.0,
                "port_and_ship": 3.0}


def tiny_gates(*overrides: str) -> Scenario:
    return load_scenario(TINY_GATES, overrides=list(overrides))


def path_of(row: dict, milestone: str) -> dict[str, float]:
    return {cause: row[path_column(milestone, cause)] for cause in CAUSE_IDS if row[path_column(milestone, cause)]}


def milestones(row: dict) -> dict[str, float]:
    return {k[: -len("_day")]: v for k, v in row.items() if k.endswith("_day") and v is not None
            and k != "detection_day"}


def test_a_refused_host_country_then_an_accepting_one_gives_the_hand_computed_trace():
    outcome = simulate(tiny_gates(), seed=1, record_events=True)
    assert [(r.day, r.event, r.entity, r.note) for r in outcome.records] == EXPECTED_TRACE
    row = outcome.row
    assert row["destruction_complete_day"] == 40.0  # 35 without the gate (tests/test_model_trace.py)
    assert row["removal_complete_day"] == 31.0 and row["first_removal_day"] == 24.0
    assert path_of(row, "removal_complete") == REMOVAL_PATH
    assert path_of(row, "destruction_complete") == {**REMOVAL_PATH, "voyage": 3.0, "gate": 1.0,
                                                    "facility_not_ready": 2.0, "destruction_queue": 2.0,
                                                    "destruction": 1.0}


def test_the_gate_days_do_not_depend_on_the_seed():
    """Every number is fixed and the candidates' probabilities are 0 or 1: no draw decides anything."""
    days = {simulate(tiny_gates(), seed=seed).row["destruction_complete_day"] for seed in range(5)}
    assert days == {40.0}


def test_a_gate_on_the_convoys_delays_the_first_removal():
    """A donor asked on day 10 delivers the trucks 15 days later (day 25), after the logistics' start day (20).
    Convoys: load 25-26, at port 28, back 30; load 30-31, at port 33.  The ship loads 28-29 (first removal on
    day 29 instead of 24), is at T on day 32 and back on day 35, loads the last 10 t and sails on day 36 (all
    removed).  F (no gate) sets up 32-34 and destroys 20 t by day 36; the last 10 t, at T on day 39, are
    destroyed on day 40.  The removal path waits for the logistics 12-20, then for the gate 20-25."""
    scenario = tiny_gates("gates=[{id: trucks, opens_day: 10, candidates: [{name: donor, answer_days: 15}]}]",
                          "convoys.gates=[trucks]", "facilities[F].gates=[]")
    outcome = simulate(scenario, seed=1, record_events=True)
    gate_events = [(r.day, r.event, r.entity, r.note) for r in outcome.records if r.event.startswith("gate_")]
    assert gate_events == [(10.0, "gate_asked", "trucks", "donor"), (25.0, "gate_passed", "trucks", "donor")]
    convoys = [(r.day, r.entity) for r in outcome.records if r.event == "convoy_departed"]
    assert convoys == [(26.0, "convoy 1"), (31.0, "convoy 2")]
    row = outcome.row
    assert row["first_removal_day"] == 29.0
    assert row["removal_complete_day"] == 36.0
    assert row["destruction_complete_day"] == 40.0
    assert path_of(row, "removal_complete") == {**REMOVAL_PATH, "gate": 5.0}
    assert path_of(row, "destruction_complete") == {**REMOVAL_PATH, "gate": 5.0, "voyage": 3.0, "destruction": 1.0}


def test_a_gate_that_passes_before_the_logistics_start_costs_nothing():
    """The trucks arrive on day 15, before convoys.start_day (20): the path is tiny's, with no gate days."""
    scenario = tiny_gates("gates=[{id: trucks, opens_day: 10, candidates: [{name: donor, answer_days: 5}]}]",
                          "convoys.gates=[trucks]", "facilities[F].gates=[]")
    row = simulate(scenario, seed=1).row
    assert row["removal_complete_day"] == 31.0 and row["destruction_complete_day"] == 35.0
    assert path_of(row, "removal_complete") == REMOVAL_PATH


def test_a_gate_every_candidate_refuses_leaves_destruction_not_reached():
    """Albania refuses too (day 35): no candidate is left, the gate fails and F waits to the horizon with the
    30 t it received; removal is unaffected."""
    outcome = simulate(tiny_gates("gates[host_country].candidates[1].failure_probability=1"), seed=1,
                       record_events=True)
    gate_events = [(r.day, r.event, r.note) for r in outcome.records if r.event.startswith("gate_")]
    assert gate_events == [
        (5.0, "gate_asked", "Norway"), (25.0, "gate_refused", "Norway"), (29.0, "gate_asked", "Albania"),
        (35.0, "gate_refused", "Albania"),
        (35.0, "gate_failed", "every candidate refused (Norway, Albania); waiting to the horizon: facility F"),
    ]
    assert not any(r.event in ("facility_started", "destroyed") for r in outcome.records)
    row = outcome.row
    assert "destruction_complete" not in milestones(row)
    assert row["removal_complete_day"] == 31.0
    assert row["destroyed_tonnes"] == 0.0 and row["in_transit_tonnes"] == pytest.approx(30.0)
    assert all(row[c] is None for c in path_columns("destruction_complete"))


def test_munitions_and_structures_wait_for_their_gates():
    """Unfilled munitions (start day 0, 100 a day) and one hangar (start day 0, 3 days) wait for a contractor
    that delivers on day 50: munitions destroyed on day 50 + 1000 / 100 = 60, the hangar on day 53."""
    scenario = tiny_gates("gates=[{id: contractor, candidates: [{name: firm, answer_days: 50}]}]",
                          "facilities[F].gates=[]", "unfilled_munitions={count: 1000, gates: [contractor]}",
                          "production_structures={groups: [{kind: hangar, count: 1, demolition_days: 3}], "
                          "gates: [contractor]}")
    row = simulate(scenario, seed=1).row
    assert row["munitions_destroyed_day"] == 60.0
    assert row["first_structure_destroyed_day"] == 53.0
    assert row["production_facilities_destroyed_day"] == 53.0


def test_a_facility_waits_for_every_gate_it_names():
    """Two gates: a host (day 35, as in the file) and a contractor (day 45): F starts 2 days after the later."""
    host = "{id: host_country, opens_day: 5, retry_days: 4, candidates: [{name: Norway, answer_days: 20, " \
           "failure_probability: 1}, {name: Albania, answer_days: 6}]}"
    scenario = tiny_gates(f"gates=[{host}, {{id: contractor, candidates: [{{name: firm, answer_days: 45}}]}}]",
                          "facilities[F].gates=[host_country, contractor]")
    outcome = simulate(scenario, seed=1, record_events=True)
    started = [r.day for r in outcome.records if r.event == "facility_started"]
    assert started == [47.0]
    assert outcome.row["destruction_complete_day"] == 50.0
    assert path_of(outcome.row, "destruction_complete")["gate"] == 45.0 - 34.0


def test_a_refusal_is_decided_by_the_candidates_own_stream():
    """With probability 0.5 a candidate refuses in some seeds and accepts in others, and the other streams are
    untouched: removal (no gate on it) is the same in every seed."""
    scenario = tiny_gates("gates[host_country].candidates[0].failure_probability=0.5")
    rows = [simulate(scenario, seed=seed).row for seed in range(40)]
    assert {row["destruction_complete_day"] for row in rows} == {35.0, 40.0}  # Norway accepts on day 25: 35
    assert {row["removal_complete_day"] for row in rows} == {31.0}


def test_the_trace_tells_gates_in_words():
    from sim.execution.trace import sentence

    outcome = simulate(tiny_gates("gates[host_country].candidates[1].failure_probability=1"), seed=1,
                       record_events=True)
    told = [sentence(r) for r in outcome.records if r.event.startswith("gate_")]
    assert told[:3] == ["gate host_country: Norway is asked", "gate host_country: Norway refuses",
                        "gate host_country: Albania is asked"]
    assert told[-1].startswith("gate host_country fails: every candidate refused")


def test_scenarios_without_gates_create_no_gate_event(tiny):
    """No gate, no process: the event count of tiny is unchanged by the gates machinery."""
    plain = simulate(tiny, seed=1).row
    assert plain["events"] == simulate(tiny_gates("gates=[]", "facilities[F].gates=[]"), seed=1).row["events"]


def test_gates_merge_by_id_under_extends(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {TINY_GATES}\nname: child\ngates:\n"
                     "  - {id: host_country, retry_days: 10}\n"
                     "  - {id: trucks, candidates: [{name: donor, answer_days: 5}]}\n", encoding="utf-8")
    scenario = load_scenario(child)
    assert [g.id for g in scenario.gates] == ["host_country", "trucks"]
    assert scenario.gates[0].retry_days.value == 10.0 and len(scenario.gates[0].candidates) == 2


# ---- validation through `disarm validate` ------------------------------------------------------------------


def validate(path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", "validate", str(path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_unknown_gates_and_twice_asked_candidates_are_refused_with_file_line_and_key(tmp_path):
    path = tmp_path / "bad_gates.yaml"
    path.write_text(f"extends: {TINY_GATES}\nname: bad\n"
                    "facilities:\n  - {id: F, gates: [host_contry]}\n"
                    "unfilled_munitions: {count: 10, gates: [nobody]}\n"
                    "production_structures: {gates: [host_country, trucks]}\n"
                    "gates:\n  - id: host_country\n    candidates:\n"
                    "      - {name: Norway, answer_days: 1}\n      - {name: Norway, answer_days: 2}\n",
                    encoding="utf-8")
    result = validate(path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert f"{path}:4: facilities[0].gates[0]: unknown gate 'host_contry' (did you mean 'host_country'?)" in lines
    assert f"{path}:5: unfilled_munitions.gates[0]: unknown gate 'nobody'; expected one of host_country" in lines
    assert f"{path}:6: production_structures.gates[1]: unknown gate 'trucks'; expected one of host_country" in lines
    assert (f"{path}:11: gates[0].candidates[1].name: candidate 'Norway' is asked twice "
            "(already gates[0].candidates[0])") in lines


def test_a_gate_without_candidates_is_refused_with_file_line_and_key(tmp_path):
    path = tmp_path / "no_candidates.yaml"
    path.write_text(f"extends: {TINY_GATES}\nname: bad\ngates:\n  - id: host_country\n    candidates: []\n",
                    encoding="utf-8")
    result = validate(path)
    assert result.returncode == 2
    assert f"{path}:5: gates[0].candidates: expected at least 1 item, got none" in result.stderr.splitlines()


def test_the_tiny_gates_file_is_valid():
    result = validate(TINY_GATES)
    assert result.returncode == 0, result.stderr


# ---- properties --------------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(data=gated_scenarios(), seed=st.integers(0, 2**32))
def test_with_any_gates_the_ledger_balances_and_results_are_deterministic(data, seed):
    scenario = Scenario.model_validate(data)
    outcome = simulate(scenario, seed, keep_changes=True, record_events=True)
    replay(scenario, outcome)
    row = outcome.row
    total = row["destroyed_tonnes"] + row["remaining_tonnes"] + row["in_transit_tonnes"] + row["hidden_tonnes"]
    assert abs(total - row["initial_tonnes"]) <= 1e-6
    again = simulate(scenario, seed, keep_changes=True, record_events=True)
    assert again.row == row and again.records == outcome.records
    assert simulate(scenario, seed).row == row  # recording events changes nothing


@settings(max_examples=40, deadline=None)
@given(data=gated_scenarios(), seed=st.integers(0, 2**32))
def test_consumers_start_only_after_their_gates_pass_and_paths_add_up(data, seed):
    scenario = Scenario.model_validate(data)
    outcome = simulate(scenario, seed, record_events=True)
    passed = {r.entity: r.day for r in outcome.records if r.event == "gate_passed"}
    ended = [r.entity for r in outcome.records if r.event in ("gate_passed", "gate_failed")]
    assert len(ended) == len(set(ended))  # a gate passes or fails once at most
    for gate in scenario.gates:
        asked = [r.note for r in outcome.records if r.event == "gate_asked" and r.entity == gate.id]
        assert asked == [c.name for c in gate.candidates][: len(asked)]  # in order, each once

    def opened(ids: list[str]) -> float | None:
        """The day every gate of ``ids`` has passed; None if one has not."""
        return max((passed.get(i, float("inf")) for i in ids), default=0.0)

    convoys = [r.day for r in outcome.records if r.event == "convoy_departed"]
    if convoys:
        assert min(convoys) >= opened(scenario.convoys.gates)
    for facility in scenario.facilities:
        label = facility.name or facility.id
        started = [r.day for r in outcome.records if r.event == "facility_started" and r.entity == label]
        if started:
            assert started[0] >= opened(facility.gates)
    row = outcome.row
    if row["munitions_destroyed_day"] is not None:
        assert row["munitions_destroyed_day"] >= opened(scenario.unfilled_munitions.gates)
    if row["first_structure_destroyed_day"] is not None:
        assert row["first_structure_destroyed_day"] >= opened(scenario.production_structures.gates)
    for milestone in PATH_MILESTONES:
        day = row[f"{milestone}_day"]
        if day is not None:
            assert sum(row[c] for c in path_columns(milestone)) == pytest.approx(day, rel=1e-9, abs=1e-6)


def test_a_run_folder_written_before_gates_still_loads_and_draws_its_paths(tmp_path, tiny):
    """A folder written before the ``gate`` cause has every path column but the gate's: it loads with 0 gate
    days where the milestone was reached (null where not), and disarm plot draws its critical paths."""
    import pandas as pd

    import sim
    from sim.output.run_folder import load_run, redraw_run

    folder = tmp_path / "old"
    sim.run(tiny.model_copy(update={"horizon_days": 33}), replications=3, seed=0, workers=1).save(folder)
    runs = pd.read_parquet(folder / "runs.parquet")
    gate_columns = [path_column(m, "gate") for m in PATH_MILESTONES]
    runs.drop(columns=gate_columns).to_parquet(folder / "runs.parquet")
    loaded = load_run(folder)
    assert list(loaded.runs.columns) == list(runs.columns)
    assert loaded.runs[path_column("removal_complete", "gate")].tolist() == [0.0] * 3
    assert loaded.runs[path_column("destruction_complete", "gate")].isna().all()  # not reached by day 33
    (folder / "critical_paths.png").unlink()
    redraw_run(folder)
    assert (folder / "critical_paths.png").is_file()
