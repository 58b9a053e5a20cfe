"""Behaviours on tiny deterministic scenarios: exact days computed by hand (see tests/data/tiny.yaml and
tests/test_model_trace.py for the timeline without behaviours)."""

from __future__ import annotations

import pytest

from conftest import TINY
from sim.scenario.loading import load_scenario
from sim.model import simulate


def tiny_with(*overrides: str):
    return load_scenario(TINY, overrides=list(overrides))


def events(outcome, kind):
    return [(r.day, r.entity) for r in outcome.records if r.event == kind]


def test_scheduled_closure_holds_an_inspection_until_it_ends():
    # Site A's region closes on day 5 for 10 days. The team arrives after 1 day of travel (day 6), waits to
    # day 15, verifies for 2 days: A inspected on day 17; B: travel 17->18, verify ->20, equipment ->21.
    scenario = tiny_with("security.enabled=true",
                         "security.scheduled=[{region: default, start_day: 5, duration_days: 10}]")
    outcome = simulate(scenario, seed=1, record_events=True)
    assert events(outcome, "site_inspected") == [(17.0, "A"), (20.0, "B")]
    assert outcome.row["initial_inspections_complete_day"] == 21.0
    assert outcome.row["closures"] == 1


def test_closure_of_a_road_region_holds_convoys_but_not_inspections():
    # A's road crosses 'coast', closed from day 20 to day 30: convoy 1 can only load from day 30 -> departs 31.
    scenario = tiny_with("sites[0].road_regions=[coast]", "sites[1].region=coast", "security.enabled=true",
                         "security.scheduled=[{region: coast, start_day: 20, duration_days: 10}]")
    outcome = simulate(scenario, seed=1, record_events=True)
    assert events(outcome, "site_inspected") == [(8.0, "A"), (11.0, "B")]
    assert events(outcome, "convoy_departed")[0] == (31.0, "convoy 1")


def test_access_delay_scaled_by_pressure():
    # Every visit waits 4 days x (1 - 0.5 x 0.5) = 3 days for access. A: travel 5->6, access ->9, verify ->11.
    # B: travel 11->12, access ->15, verify ->17, equipment ->18.
    scenario = tiny_with("compliance.enabled=true", "compliance.access_delay_days=4", "pressure.level=0.5",
                         "pressure.delay_reduction_at_full_pressure=0.5")
    outcome = simulate(scenario, seed=1, record_events=True)
    assert events(outcome, "site_inspected") == [(11.0, "A"), (17.0, "B")]
    assert outcome.row["access_denials"] == 0
    assert outcome.row["equipment_destroyed_day"] == 18.0


def test_access_denials():
    # Probability 1 at pressure 0: every visit denied for 4 days. A: 5->6, denied ->10, verify ->12.
    # B: 12->13, denied ->17, verify ->19, equipment ->20. Under pressure the probability shrinks too.
    scenario = tiny_with("compliance.enabled=true", "compliance.access_denial_probability=1",
                         "compliance.denial_days=4")
    outcome = simulate(scenario, seed=1, record_events=True)
    assert events(outcome, "site_inspected") == [(12.0, "A"), (19.0, "B")]
    assert outcome.row["access_denials"] == 2
    assert events(outcome, "access_denied") == [(6.0, "A"), (13.0, "B")]
    full_pressure = tiny_with("compliance.enabled=true", "compliance.access_denial_probability=1",
                              "compliance.denial_days=4", "pressure.level=1",
                              "pressure.delay_reduction_at_full_pressure=1")
    assert simulate(full_pressure, seed=1).row["access_denials"] == 0


def test_listing_and_declaration_delays():
    # listing 3 + 2 = 5 days after day 2 -> day 7; declaration max(10 + 6, 5) -> day 18
    scenario = tiny_with("compliance.enabled=true", "compliance.listing_delay_days=2",
                         "compliance.declaration_delay_days=6")
    row = simulate(scenario, seed=1).row
    assert row["listing_submitted_day"] == 7.0
    assert row["declaration_submitted_day"] == 18.0


def test_convoy_release_delay_spaces_releases():
    # Releases 5 days apart: convoy 1 released on day 20 (loads -> departs 21), convoy 2 not before day 25
    # (it has its escort back on day 25 anyway, so a 7-day gap shows: departs 28).
    scenario = tiny_with("compliance.enabled=true", "compliance.convoy_release_delay_days=7")
    outcome = simulate(scenario, seed=1, record_events=True)
    assert events(outcome, "convoy_departed") == [(21.0, "convoy 1"), (28.0, "convoy 2")]


def test_missed_deadline_raises_pressure():
    # removal is complete on day 31, after the end of 2020-01-31 (day 31.0 is the next date): missed.
    scenario = tiny_with("pressure.escalation.enabled=true", "pressure.escalation.step=0.5",
                         "pressure.escalation.on_deadlines=[removal_by_day_30]")
    outcome = simulate(scenario, seed=1, record_events=True)
    assert events(outcome, "pressure_raised") == [(31.0, "removal_by_day_30")]


DISPERSAL = ("dispersal.enabled=true", "dispersal.moves=2", "dispersal.tonnes_per_move=5", "dispersal.move_days=1",
             "dispersal.detection.discrepancy_probability=1", "dispersal.detection.amendment_delay_days=30")


def test_dispersal_detected_at_inspection_and_amended():
    # Moves on days 0 and 1 take 10 t of L1 into hiding; the declaration (day 12) declares the 20 t left.
    # Inspectors verify A on day 8; the residues show more than is declared once there is a declaration to
    # compare with: the gap is raised on day 12 (never before the declaration: docs/verification.md).  The
    # amendment follows 30 days later: day 42, all 10 t back at A; A's convoys restart: load 42->43, port 45,
    # ship sails 46.
    outcome = simulate(tiny_with(*DISPERSAL), seed=1, record_events=True)
    row = outcome.row
    assert [(d, t) for d, _, t in [(r.day, r.site, r.tonnes) for r in outcome.records
                                   if r.event == "dispersal_move"]] == [(0.0, 5.0), (1.0, 5.0)]
    assert row["detected"] is True and row["detection_day"] == 12.0 and row["detection_day_inspection"] == 12.0
    assert row["amendments"] == 1 and row["issues_amended"] == 1
    assert row["dispersed_tonnes"] == 10.0 and row["hidden_tonnes"] == 0.0
    assert row["declared_tonnes"] == 30.0 and row["destroyed_tonnes"] == 30.0
    assert row["removal_complete_day"] == 46.0
    assert events(outcome, "milestone_reopened") == [(42.0, "priority_removal_complete"), (42.0, "removal_complete"),
                                                     (42.0, "priority_destruction_complete"),
                                                     (42.0, "category1_destroyed"), (42.0, "destruction_complete")]


def test_undetected_dispersal_stays_hidden():
    outcome = simulate(tiny_with(*DISPERSAL, "dispersal.detection.discrepancy_probability=0"), seed=1)
    row = outcome.row
    assert row["detected"] is False and row["detection_day"] is None
    assert row["hidden_tonnes"] == 10.0 and row["declared_tonnes"] == 20.0
    # the 20 t declared go in one convoy (21 -> port 23), one voyage (24 -> 27), set-up to 29, two batches:
    # all declared chemicals destroyed on day 31 while 10 t stay hidden
    assert row["destruction_complete_day"] == 31.0
    assert row["destroyed_tonnes"] == 20.0 and row["convoys"] == 1


def test_dispersal_respects_the_cap_and_the_window():
    capped = simulate(tiny_with(*DISPERSAL, "dispersal.moves=10", "dispersal.max_share=0.5",
                                "dispersal.detection.discrepancy_probability=0"), seed=1).row
    assert capped["dispersed_tonnes"] == pytest.approx(15.0)  # 50% of 30 t
    late = simulate(tiny_with(*DISPERSAL, "dispersal.window_start_day=13",
                              "dispersal.detection.discrepancy_probability=0"), seed=1).row
    assert late["dispersed_tonnes"] == 0.0  # the declaration (day 12) closed the window
    by_inspection = simulate(tiny_with(*DISPERSAL, "dispersal.window_start_day=13", "dispersal.window_end=inspection",
                                       "dispersal.detection.discrepancy_probability=0"), seed=1).row
    assert by_inspection["dispersed_tonnes"] == 0.0  # A was inspected on day 8


def test_tip_without_challenge_inspection_detects_after_the_delay():
    # The tip of the first move (day 0) comes on day 3, before the declaration: the issue is raised when the
    # declaration is in (12).  A tip 20 days after its move comes after it: raised on day 20.
    outcome = simulate(tiny_with(*DISPERSAL, "dispersal.detection.discrepancy_probability=0",
                                 "dispersal.detection.tip_probability_per_move=1",
                                 "dispersal.detection.tip_delay_days=3"), seed=1)
    assert outcome.row["detection_day"] == 12.0 and outcome.row["detection_day_tip"] == 12.0
    late = simulate(tiny_with(*DISPERSAL, "dispersal.detection.discrepancy_probability=0",
                              "dispersal.detection.tip_probability_per_move=1",
                              "dispersal.detection.tip_delay_days=20"), seed=1)
    assert late.row["detection_day"] == 20.0


def test_challenge_inspection_follows_the_cwc_timeline():
    # tip on day 3; request 7 days later (10); 12 h notice + access within 108 h + at most 84 h on site.
    outcome = simulate(tiny_with(*DISPERSAL, "dispersal.detection.discrepancy_probability=0",
                                 "dispersal.detection.tip_probability_per_move=1",
                                 "dispersal.detection.tip_delay_days=3",
                                 "dispersal.detection.challenge_inspection={enabled: true, success_probability: 1}"),
                       seed=1, record_events=True)
    day = outcome.row["detection_day"]
    assert 10 + (12 + 84) / 24 <= day <= 10 + (12 + 108 + 84) / 24
    failed = simulate(tiny_with(*DISPERSAL, "dispersal.detection.discrepancy_probability=0",
                                "dispersal.detection.tip_probability_per_move=1",
                                "dispersal.detection.challenge_inspection={enabled: true, success_probability: 0}"),
                      seed=1).row
    assert failed["detected"] is False


def test_undeclared_site_is_hidden_and_never_inspected():
    # Site A undeclared: its 30 t are hidden from the start and no one visits it. Only B is inspected:
    # travel 5->6, verify ->8, equipment ->9.
    row = simulate(tiny_with("sites[0].declared=false"), seed=1).row
    assert row["hidden_tonnes"] == 30.0 and row["declared_tonnes"] == 0.0
    assert row["initial_inspections_complete_day"] == 9.0
    assert row["first_removal_day"] is None and row["destroyed_tonnes"] == 0.0


def test_an_amendment_declares_what_its_issue_concerns_not_every_hidden_lot():
    # A is undeclared (its 30 t hidden from the start). B holds 5 t of a second lot, which the unit moves on day
    # 0 into its hideout; a tip follows 3 days later and, without challenge inspections, raises the hideout's
    # issue once the declaration is in (day 12).  The amendment 10 days later (22) declares the hideout's 5 t,
    # back at B; A is another item, which nothing found: it stays hidden and is never visited.
    scenario = tiny_with(
        "sites[0].declared=false",
        "lots=[{id: L1, agent: X, category: 1, tonnes: 30, site: A, route: sea},"
        " {id: L2, agent: X, category: 1, tonnes: 5, site: B, route: sea}]",
        *DISPERSAL[:5], "dispersal.moves=1", "dispersal.detection.discrepancy_probability=0",
        "dispersal.detection.tip_probability_per_move=1", "dispersal.detection.tip_delay_days=3",
        "dispersal.detection.amendment_delay_days=10")
    outcome = simulate(scenario, seed=1, record_events=True)
    row = outcome.row
    assert row["detection_day"] == 12.0
    assert events(outcome, "site_inspected") == [(8.0, "B")]
    assert events(outcome, "amendment") == [(22.0, "hideout_1")]
    assert row["declared_tonnes"] == 5.0 and row["hidden_tonnes"] == 30.0
    assert row["destroyed_tonnes"] == 5.0
