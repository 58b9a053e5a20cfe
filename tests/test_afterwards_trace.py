"""Exact traces of uses, investigation, attribution and reconstitution on the tiny scenario (docs/afterwards.md).

The tiny timeline (tests/data/tiny.yaml, tests/test_model_trace.py): start 2020-01-01, the formal declaration on
day 12, the declared 15 t destroyed by day 30.5.  Here 15 t of L1 (half the lot) are withheld on day 1, so the
declaration holds 15 t and 15 t stay hidden; the horizon is 400 days.  Every probability is 0 or 1 and every
duration fixed, so every day below is computed by hand.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import TINY
from sim.core.contract import COUNTS
from sim.core.problems import ScenarioError
from sim.model import simulate
from sim.scenario.loading import load_scenario

WITHHELD = ("horizon_days=400", "concealment.items=[{id: reserve, kind: agent, lot: L1, share: 0.5, moved_day: 1}]")
USE_ON_1_MARCH = ("uses={enabled: true, tonnes_per_use: 2, scheduled: [{date: 2020-03-01}], "
                  "investigation: {probability: 1, lag_days: 30}, "
                  "attribution: {probability: 1, lag_days: 100, pressure_step: 0.5}}")


def tiny_with(*overrides: str):
    return load_scenario(TINY, overrides=[*WITHHELD, *overrides])


def trace(outcome, *kinds: str) -> list[tuple[float, str, str, float]]:
    return [(r.day, r.event, r.entity, r.tonnes) for r in outcome.records if r.event in kinds]


def test_a_use_consumes_hidden_stock_and_is_attributed_after_its_lag():
    # 2020-03-01 is day 60 (2020 is a leap year): 2 t of the 15 t hidden are used.  Fact-finding publishes 30
    # days later (day 90); the attribution 100 days after that (day 190) raises the pressure by 0.5 and the
    # issue use_1 about the item the agent came from; the state answers 30 days later (day 220) by declaring
    # the 13 t left, which are then removed and destroyed like any declared stock.
    outcome = simulate(tiny_with(USE_ON_1_MARCH), seed=1, record_events=True)
    assert trace(outcome, "use", "use_investigated", "use_attributed", "issue_raised", "amendment") == [
        (60.0, "use", "use_1", 2.0), (90.0, "use_investigated", "use_1", 0.0),
        (190.0, "use_attributed", "use_1", 0.0), (190.0, "issue_raised", "use_1", 0.0),
        (220.0, "amendment", "use_1", 13.0)]
    assert trace(outcome, "pressure_raised") == [(190.0, "pressure_raised", "use_1 attributed", 0.0)]
    row = outcome.row
    assert row["uses"] == row["agent_uses"] == 1 and row["dual_use_uses"] == 0
    assert row["used_tonnes"] == 2.0 and row["hidden_tonnes"] == 0.0
    assert row["declared_tonnes"] == 28.0 and row["destroyed_tonnes"] == 28.0  # 30 t = 28 destroyed + 2 used
    assert row["first_use_day"] == row["first_agent_use_day"] == 60.0
    assert row["agent_use_after_destruction_day"] == 60.0  # all declared chemicals were destroyed on day 30.5
    assert row["first_attribution_day"] == row["first_agent_attribution_day"] == 190.0
    assert row["detection_day_use"] == 190.0 and row["first_amendment_day"] == 220.0
    # The daily counts: (day, open issues, undeclared facilities, amendments, uses, agent uses, attributed,
    # attributed agent uses, judged complete).
    assert outcome.count_steps == [(0.0, 0, 0, 0, 0, 0, 0, 0, 0), (60.0, 0, 0, 0, 1, 1, 0, 0, 0),
                                   (190.0, 1, 0, 0, 1, 1, 1, 1, 0), (220.0, 0, 0, 1, 1, 1, 1, 1, 0)]


def test_an_attribution_waits_for_a_body_able_to_attribute():
    # Found on day 90.  The first body sits from day 152 (2020-06-01) to the end of day 196 (2020-07-15): its
    # report would come on 152 + 100 = 252, after its mandate, so the use waits for the second body, which opens
    # on day 244 (2020-09-01) and reports 100 days later, on day 344.
    windows = ("uses.attribution.windows=[{start: 2020-06-01, end: 2020-07-15}, {start: 2020-09-01}]",)
    outcome = simulate(tiny_with(USE_ON_1_MARCH, *windows), seed=1, record_events=True)
    assert trace(outcome, "use_attributed") == [(344.0, "use_attributed", "use_1", 0.0)]
    # With a body from day 0 that ends on day 196 and none after it, the use is never attributed.
    lapsed = simulate(tiny_with(USE_ON_1_MARCH, "uses.attribution.windows=[{start: 2020-01-01, end: 2020-06-15}]"),
                      seed=1)
    assert lapsed.row["uses_investigated"] == 1 and lapsed.row["uses_attributed"] == 0
    assert lapsed.row["first_attribution_day"] is None


def test_reconstitution_adds_to_the_hidden_stock_until_its_limit():
    # Campaigns every 50 days from 2020-02-10 (day 40): days 90, 140 and 190 make 4, 4 and then the 2 t left of
    # max_tonnes 10; the next campaign has nothing left to make and production stops.
    outcome = simulate(tiny_with("uses={enabled: true, reconstitution: {enabled: true, item: reserve, lot: L1, "
                                 "start_date: 2020-02-10, campaign_days: 50, tonnes_per_campaign: 4, "
                                 "max_tonnes: 10}}"), seed=1, record_events=True)
    assert trace(outcome, "reconstitution") == [(90.0, "reconstitution", "reserve", 4.0),
                                                (140.0, "reconstitution", "reserve", 4.0),
                                                (190.0, "reconstitution", "reserve", 2.0)]
    row = outcome.row
    assert row["reconstituted_tonnes"] == 10.0 and row["hidden_tonnes"] == 25.0  # 15 withheld + 10 made
    assert row["initial_tonnes"] == 30.0 and row["destroyed_tonnes"] == 15.0


def test_a_dual_use_stock_is_used_outside_the_ledger_until_it_runs_out():
    # 0.15 t of chlorine, 0.1 t a use: the use of day 60 takes 0.1 t, that of day 91 the 0.05 t left, that of
    # day 121 finds nothing.  The ledger (30 t of L1) is untouched: nothing is used from it.
    uses = ("uses={enabled: true, dual_use: [{id: chlorine, tonnes: 0.15, tonnes_per_use: 0.1}], scheduled: "
            "[{date: 2020-03-01, stock: chlorine}, {date: 2020-04-01, stock: chlorine}, "
            "{date: 2020-05-01, stock: chlorine}]}")
    outcome = simulate(tiny_with(uses), seed=1, record_events=True)
    assert [(day, entity, round(tonnes, 9)) for day, _, entity, tonnes in trace(outcome, "use")] == [
        (60.0, "use_1", 0.1), (91.0, "use_2", 0.05)]
    row = outcome.row
    assert row["uses"] == row["dual_use_uses"] == 2 and row["agent_uses"] == 0
    assert row["used_tonnes"] == 0.0 and row["hidden_tonnes"] == 15.0


def test_a_scheduled_use_with_nothing_hidden_does_nothing():
    outcome = simulate(load_scenario(TINY, overrides=["horizon_days=400", USE_ON_1_MARCH]), seed=1)
    assert outcome.row["uses"] == 0 and outcome.row["first_use_day"] is None


@settings(max_examples=25, deadline=None)
@given(rate=st.floats(0.0, 40.0), share=st.floats(0.05, 1.0), tonnes=st.floats(0.01, 20.0),
       campaign=st.floats(5.0, 200.0), seed=st.integers(0, 2**32 - 1))
def test_uses_and_reconstitution_keep_the_ledger_balanced(rate, share, tonnes, campaign, seed):
    """Whatever the rates: used + hidden + the rest add up to the initial and produced tonnes (simulate checks
    the ledger and the items at the end), and no use takes more than was hidden or made."""
    s = load_scenario(TINY, overrides=[
        "horizon_days=400", f"concealment.items=[{{id: reserve, kind: agent, lot: L1, share: {share}}}]",
        f"uses={{enabled: true, periods: [{{start: 2020-01-01, uses_per_year: {rate}}}], tonnes_per_use: {tonnes}, "
        f"pressure_reduction_at_full_pressure: 0.5, reconstitution: {{enabled: true, item: reserve, lot: L1, "
        f"campaign_days: {campaign}, tonnes_per_campaign: 1}}}}"])
    row = simulate(s, seed).row
    assert row["used_tonnes"] <= row["dispersed_tonnes"] + row["reconstituted_tonnes"] + 1e-9
    assert abs(row["destroyed_tonnes"] + row["used_tonnes"] + row["hidden_tonnes"] + row["remaining_tonnes"]
               + row["in_transit_tonnes"] - 30.0 - row["reconstituted_tonnes"]) < 1e-6


def test_broken_references_in_the_uses_block_name_file_line_and_key(tmp_path):
    text = TINY.read_text(encoding="utf-8") + (
        "concealment:\n  items:\n    - {id: reserve, kind: programme}\n"
        "uses:\n  enabled: true\n  agents: [Y]\n  scheduled:\n    - {date: 2020-03-01, stock: chlorin}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "sim", "validate", str(bad)], capture_output=True, text=True)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = text.splitlines()
    agents_line = lines.index("  agents: [Y]") + 1
    assert f"bad.yaml:{agents_line}: uses.agents[0]: unknown agent 'Y'" in done.stderr
    assert "uses.scheduled[0].stock: unknown dual_use stock 'chlorin'" in done.stderr


def test_an_insufficient_amendment_leaves_its_issue_open_and_copies_make_one_group_issue():
    # Three like programme items (copies: 3): one group issue, ``gaps``, its members counted by state.  With
    # records_probability 1 and cooperation 1 the binomial raises all three at the DAT's first round (day 22):
    # one line.  The state amends all three 30 days later (day 52: amend_probability 1, so the multinomial puts
    # every member in "amend"), but no amendment is accepted as resolving (amendment_accepted_probability 0, so
    # the binomial of accepted ones is 0): one amendment a member (3), one line; the three stay unresolved, are
    # raised again at the next round (day 62: one line) and amended again on day 92: six amendments, three
    # issues raised, three still open at the horizon (day 100), none amended as resolved.
    s = load_scenario(TINY, overrides=[
        "concealment.items=[{id: gaps, kind: programme, records_probability: 1, copies: 3}]",
        "verification.records={enabled: true, first_round_days: 10, round_days: 40}",
        "verification.answers.amendment_accepted_probability=0"])
    outcome = simulate(s, seed=1, record_events=True)
    assert [(r.day, r.entity, r.note) for r in outcome.records if r.event == "amendment"] == [
        (52.0, "gaps", "3 members"), (92.0, "gaps", "3 members")]
    assert [(r.day, r.entity, r.note) for r in outcome.records if r.event == "issue_raised"] == [
        (22.0, "gaps", "records: round 1 (3 members)"), (62.0, "gaps", "records: raised again in round 2 (3 members)")]
    assert [(r.day, r.entity, r.note) for r in outcome.records if r.event == "issue_unresolved"] == [
        (52.0, "gaps", "amendment judged insufficient: 3 members"),
        (92.0, "gaps", "amendment judged insufficient: 3 members")]
    row = outcome.row
    assert row["amendments"] == 6 and row["issues_raised"] == 3 and row["issues_open"] == 3
    assert row["issues_amended"] == 0 and row["issues_explained"] == 0
    opened = [step for step in outcome.count_steps if step[0] in (0.0, 22.0)]
    assert [step[1 + COUNTS.index("open_issues")] for step in opened] == [0, 3]


def test_a_group_answers_its_members_with_the_chances_of_one_issue_each():
    # copies: 4, amend 0.5, stall 0.25, explanation accepted 0.5: per member amend 0.5, stall 0.25, explained
    # 0.125, unresolved 0.125; an amendment resolves with 0.5.  Over many replications the group's counts at the
    # first answer (day 52, before any stall is answered again) have these means (4 members each).
    s = load_scenario(TINY, overrides=[
        "concealment.items=[{id: gaps, kind: programme, records_probability: 1, copies: 4}]",
        "verification.records={enabled: true, first_round_days: 10, round_days: 200}",
        "verification.answers={answer_days: 30, amend_probability: 0.5, stall_probability: 0.25, "
        "stall_days: 200, explanation_accepted_probability: 0.5, amendment_accepted_probability: 0.5}"])
    amended = explained = open_ = amendments = 0
    runs = 400
    for seed in range(runs):
        row = simulate(s, seed=seed).row
        amended += row["issues_amended"]
        explained += row["issues_explained"]
        open_ += row["issues_open"]
        amendments += row["amendments"]
        assert row["issues_raised"] == 4 and row["issues_open"] + row["issues_amended"] + row["issues_explained"] == 4
    members = 4 * runs  # expected: amendments 0.5, amended 0.25, explained 0.125, open 0.625 a member
    for got, p in ((amendments, 0.5), (amended, 0.25), (explained, 0.125), (open_, 0.625)):
        assert abs(got / members - p) < 4 * (p * (1 - p) / members) ** 0.5, (got, p)


def test_a_programme_with_copies_has_no_site_and_no_tips():
    # A group is found by the records only: a site (samples, visits) or tips would need its members one by one.
    for extra, key in (("site: B", "site"), ("tip_probability_per_year: 0.5", "tip_probability_per_year")):
        with pytest.raises(ScenarioError, match=rf"concealment.items\[0\].{key}: a programme with copies"):
            load_scenario(TINY, overrides=[
                f"concealment.items=[{{id: gaps, kind: programme, {extra}, records_probability: 1, copies: 3}}]"])


def test_no_round_of_consultations_is_held_during_a_pause():
    # Rounds 10 days after the declaration (day 22) and every 10 days; a pause from 2020-01-25 (day 24) to
    # 2020-02-14 (day 44, ending at day 45): the round due on day 32 is held on day 45, the next on day 55.
    s = load_scenario(TINY, overrides=[
        "concealment.items=[{id: gaps, kind: programme, site: B, records_probability: 0}]",
        "verification.records={enabled: true, first_round_days: 10, round_days: 10, "
        "pauses: [{start: 2020-01-25, end: 2020-02-14, description: blocked}]}"])
    outcome = simulate(s, seed=1, record_events=True)
    rounds = [r.day for r in outcome.records if r.event == "records_round"]
    assert rounds[:4] == [22.0, 45.0, 55.0, 65.0]
    assert [(r.day, r.entity) for r in outcome.records if r.event == "records_paused"] == [(32.0, "blocked")]


def test_a_group_s_lines_count_their_members_in_the_story():
    import pandas as pd

    from sim.results.story import amendment_count, members_of

    assert [members_of(n) for n in ("records: round 2 (3 members)", "pressure 0.83; 5 members", "1 member",
                                    "hideout_1, hideout_2", "")] == [3, 5, 1, 1, 1]
    events = pd.DataFrame({"event": ["amendment", "amendment", "issue_raised"],
                           "note": ["2 members", "facility_c", "records: round 1 (4 members)"]})
    assert amendment_count(events) == 3
