"""Exact traces of the verification channels and the state's answers on the tiny scenario (docs/verification.md).

The tiny timeline (tests/data/tiny.yaml, tests/test_model_trace.py): steps 2-4 start on day 2, the listing is
in on day 5, the formal declaration on day 12; one team inspects site A on day 8 and site B (production) on
day 11.  Every number below is fixed, every probability 0 or 1, so every day is computed by hand.
"""

from __future__ import annotations

from conftest import TINY
from sim.model import simulate
from sim.scenario.loading import load_scenario

C_UNDECLARED = ("sites=[{id: A, kind: storage, road_days_to_port: 2}, {id: B, kind: production, road_days_to_port: 1},"
                " {id: C, kind: research, road_days_to_port: 1, declared: false}]")
C_STRUCTURE = ("production_structures={start_day: 0, crews: 1, groups: [{kind: building, count: 1, site: C, "
               "demolition_days: 3}]}")
PROGRAMME_AT_B = "concealment.items=[{id: programme_b, kind: programme, site: B, records_probability: 1}]"


def tiny_with(*overrides: str):
    return load_scenario(TINY, overrides=list(overrides))


def trace(outcome, *kinds: str) -> list[tuple[float, str, str]]:
    return [(r.day, r.event, r.entity) for r in outcome.records if r.event in kinds]


def issue_trace(outcome) -> list[tuple[float, str, str]]:
    return [(r.day, r.event, r.entity) for r in outcome.records if r.event.startswith("issue_")
            or r.event in ("amendment", "declaration_judged_complete")]


WITHHELD = ("concealment.items=[{id: reserve, kind: agent, lot: L1, share: 0.5, moved_day: 1}]",
            "verification.inspection.gap_probability=1")


def test_a_gap_is_found_at_inspection_only_once_the_declaration_is_in():
    # 15 t of L1 leave A on day 1; A is inspected on day 8, before the declaration (day 12): the gap is raised
    # on day 12, when there is a declared quantity to compare with: the issue gap_A concerns what was taken from
    # A.  The state amends 30 days later (day 42): the 15 t go back to A's declared book and into the chain.
    outcome = simulate(tiny_with(*WITHHELD), seed=1, record_events=True)
    assert trace(outcome, "stock_withheld") == [(1.0, "stock_withheld", "reserve")]
    assert issue_trace(outcome) == [(12.0, "issue_raised", "gap_A"), (42.0, "amendment", "gap_A"),
                                    (42.0, "issue_amended", "gap_A")]
    row = outcome.row
    assert row["detection_day_inspection"] == 12.0 and row["detection_day"] == 12.0
    assert row["declared_tonnes"] == 30.0 and row["hidden_tonnes"] == 0.0 and row["destroyed_tonnes"] == 30.0
    # Inspectors arriving after the declaration (day 20) find the gap at their visit: 20 + 1 travel + 2 = 23.
    late = simulate(tiny_with(*WITHHELD, "inspectorate.arrival_day=20"), seed=1, record_events=True)
    assert trace(late, "site_inspected")[0] == (23.0, "site_inspected", "A")
    assert late.row["detection_day_inspection"] == 23.0


def test_a_record_reconciliation_raises_its_issue_in_the_third_round():
    # Rounds 10 days after the declaration and every 10 days: 22, 32, 42.  The state hands over no records at
    # pressure 0 (cooperation 0), so rounds 1 and 2 cannot raise anything; a pressure event on day 40
    # (2020-02-10) brings the level to 1, and round 3 (day 42) raises the programme's issue.
    outcome = simulate(tiny_with(PROGRAMME_AT_B, "verification.records={enabled: true, first_round_days: 10, "
                                 "round_days: 10, cooperation: 0}",
                                 "verification.pressure_events=[{date: 2020-02-10, step: 1}]"),
                       seed=1, record_events=True)
    assert trace(outcome, "records_round") == [(22.0, "records_round", "round 1"), (32.0, "records_round", "round 2"),
                                               (42.0, "records_round", "round 3"),
                                               (52.0, "records_round", "round 4"),
                                               (62.0, "records_round", "round 5"),
                                               (72.0, "records_round", "round 6"),
                                               (82.0, "records_round", "round 7"),
                                               (92.0, "records_round", "round 8")]
    assert trace(outcome, "pressure_raised") == [(40.0, "pressure_raised", "2020-02-10")]
    assert issue_trace(outcome)[0] == (42.0, "issue_raised", "programme_b")
    assert outcome.row["detection_day_records"] == 42.0
    # Amended on day 72 (42 + 30).  Rounds 4 to 7 raise nothing new: after round 7 (day 82) four quiet rounds
    # in a row with no issue open, and the declaration is judged complete.
    assert outcome.row["declaration_judged_complete_day"] == 82.0


def test_a_sample_is_positive_after_its_laboratory_delay():
    # Traces of the programme at B: B's visit ends on day 12 (verified on day 11, equipment disabled on day 12),
    # when samples are taken; the laboratory answers 20 days later, on day 32: positive, the issue is raised.
    outcome = simulate(tiny_with("concealment.items=[{id: programme_b, kind: programme, site: B}]",
                                 "verification.sampling={enabled: true, lab_days: 20, positive_probability: 1}"),
                       seed=1, record_events=True)
    assert trace(outcome, "sample_positive") == [(32.0, "sample_positive", "programme_b")]
    assert issue_trace(outcome)[0] == (32.0, "issue_raised", "programme_b")
    assert outcome.row["detection_day_sampling"] == 32.0
    # Sampling that starts after B's inspection never samples B (no campaigns): nothing is found.
    late = simulate(tiny_with("concealment.items=[{id: programme_b, kind: programme, site: B}]",
                              "verification.sampling={enabled: true, start_day: 20, lab_days: 20, "
                              "positive_probability: 1}"), seed=1)
    assert late.row["issues_raised"] == 0 and late.row["detection_day_sampling"] is None


def test_a_request_to_inspect_any_other_site_is_refused_then_accepted_under_higher_pressure():
    # A tip names C on day 15; the request goes 14 days later (29).  At pressure 0 the state accepts with
    # probability 0: refused, and the refusal raises the pressure to 1.  Asked again 20 days later (49), it
    # accepts (probability 1 at full pressure); the visit 7 days later (56) finds the facility.
    outcome = simulate(tiny_with(C_UNDECLARED, "concealment.items=[{id: facility_c, kind: facility, site: C, "
                                 "tip_day: 15}]",
                                 "verification.requests={enabled: true, request_days: 14, accept_probability: 0, "
                                 "accept_at_full_pressure: 1, retry_days: 20, visit_days: 7, find_probability: 1, "
                                 "refusal_pressure_step: 1}"),
                       seed=1, record_events=True)
    assert trace(outcome, "intelligence_tip", "request_refused", "request_accepted", "site_visited") == [
        (15.0, "intelligence_tip", "facility_c"), (29.0, "request_refused", "C"), (49.0, "request_accepted", "C"),
        (56.0, "site_visited", "C")]
    assert trace(outcome, "pressure_raised") == [(29.0, "pressure_raised", "request to inspect C refused")]
    assert issue_trace(outcome)[0] == (56.0, "issue_raised", "facility_c")
    assert outcome.row["detection_day_request"] == 56.0


def test_an_amendment_adds_an_undeclared_facility_which_is_then_inspected_and_destroyed():
    # The DAT's first round (day 22) raises the facility; the state amends on day 52: C is declared, visited
    # by the team (travel 1 + verification 2: day 55), and its building demolished by the crew in 3 days (58).
    outcome = simulate(tiny_with(C_UNDECLARED, C_STRUCTURE,
                                 "concealment.items=[{id: facility_c, kind: facility, site: C, records_probability: 1}]",
                                 "verification.records={enabled: true, first_round_days: 10, round_days: 40}"),
                       seed=1, record_events=True)
    assert issue_trace(outcome)[:3] == [(22.0, "issue_raised", "facility_c"), (52.0, "amendment", "facility_c"),
                                        (52.0, "issue_amended", "facility_c")]
    assert trace(outcome, "site_inspected")[-1] == (55.0, "site_inspected", "C")
    assert trace(outcome, "structure_destroyed") == [(58.0, "structure_destroyed", "building 1")]
    row = outcome.row
    assert row["undeclared_facilities"] == 0 and row["structures_destroyed"] == 1
    assert row["production_facilities_destroyed_day"] == 58.0
    assert [s[:3] for s in outcome.count_steps] == [(0.0, 0, 1), (22.0, 1, 1), (52.0, 0, 0)]
    # Never found: the building stands, the milestone counts the declared structures only (none: reached).
    hidden = simulate(tiny_with(C_UNDECLARED, C_STRUCTURE,
                                "concealment.items=[{id: facility_c, kind: facility, site: C}]"), seed=1).row
    assert hidden["structures_destroyed"] == 0 and hidden["undeclared_facilities"] == 1


def test_an_explanation_not_accepted_leaves_the_issue_open_and_the_next_round_raises_it_again():
    # Raised in round 1 (day 22); the state explains 30 days later (52): not accepted, unresolved.  Round 2
    # (day 62) raises it again; the state explains again on day 92: unresolved, open at the horizon.
    outcome = simulate(tiny_with(PROGRAMME_AT_B,
                                 "verification.records={enabled: true, first_round_days: 10, round_days: 40}",
                                 "verification.answers={amend_probability: 0, explanation_accepted_probability: 0}"),
                       seed=1, record_events=True)
    assert issue_trace(outcome) == [(22.0, "issue_raised", "programme_b"), (52.0, "issue_unresolved", "programme_b"),
                                    (62.0, "issue_raised", "programme_b"), (92.0, "issue_unresolved", "programme_b")]
    row = outcome.row
    assert row["issues_open"] == 1 and row["issues_raised"] == 1 and row["declaration_judged_complete_day"] is None
    assert [s[:3] for s in outcome.count_steps] == [(0.0, 0, 0), (22.0, 1, 0)]
    # An explanation accepted closes it, though nothing was declared.
    accepted = simulate(tiny_with(PROGRAMME_AT_B,
                                  "verification.records={enabled: true, first_round_days: 10, round_days: 40}",
                                  "verification.answers={amend_probability: 0, explanation_accepted_probability: 1}"),
                        seed=1).row
    assert accepted["issues_explained"] == 1 and accepted["issues_open"] == 0 and accepted["amendments"] == 0


def test_a_stall_answers_again_later():
    # Raised on day 22; the state stalls (day 52) and answers again 20 days later (72): it stalls for ever.
    outcome = simulate(tiny_with(PROGRAMME_AT_B,
                                 "verification.records={enabled: true, first_round_days: 10, round_days: 200}",
                                 "verification.answers={amend_probability: 0, stall_probability: 1, stall_days: 20}"),
                       seed=1, record_events=True)
    assert trace(outcome, "state_stalled") == [(52.0, "state_stalled", "programme_b"),
                                               (72.0, "state_stalled", "programme_b"),
                                               (92.0, "state_stalled", "programme_b")]
    assert outcome.row["issues_open"] == 1


def test_an_estimate_above_the_declared_total_raises_an_issue_about_that_agent():
    # 10 t of L1 withheld (share 1/3); the declaration (day 12) holds 20 t of X against an estimate of 30 t:
    # 30 days later (42) the estimate raises estimate_X, which concerns the withheld item.  The state amends on
    # day 72; the item's own issue was never raised.
    outcome = simulate(tiny_with("concealment.items=[{id: reserve, kind: agent, lot: L1, share: 0.3333333333333333}]",
                                 "verification.intelligence={estimates: [{agent: X, tonnes: 30, tolerance: 0.1}]}"),
                       seed=1, record_events=True)
    assert issue_trace(outcome) == [(42.0, "issue_raised", "estimate_X"), (72.0, "amendment", "estimate_X"),
                                    (72.0, "issue_amended", "estimate_X")]
    assert outcome.row["detection_day_estimate"] == 42.0 and outcome.row["hidden_tonnes"] < 1e-6
    # An estimate the declaration meets raises nothing.
    met = simulate(tiny_with("verification.intelligence={estimates: [{agent: X, tonnes: 30}]}"), seed=1).row
    assert met["issues_raised"] == 0
