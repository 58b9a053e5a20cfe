"""Properties of concealment and verification over generated scenarios (tests/strategies.py).

* No channel fires before what it compares exists: no issue before the declaration; a gap at inspection no
  earlier than the inspection of the site it was found at; a positive sample no earlier than a visit to the
  place; nothing raised about a withheld share before it was withheld; a record reconciliation's issue only in
  a round; an estimate's after the declaration.
* Both books balance at every change: the ground truth (every lot's states sum to its tonnes, none negative)
  and the declared book (never above the lot's tonnes; nothing in the chain - on the road, at port, shipped or
  destroyed - beyond what is declared: an undeclared tonne is never removed or destroyed).  The model itself
  checks that the items' hidden tonnes add up to the ledger's at the end of every replication.
* The same seed gives the same trace.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import simulate
from sim.model.ledger import AT_PORT, DESTROYED, HIDDEN, ON_ROAD, SHIPPED
from sim.core.contract import STATES
from sim.scenario.schema import Scenario
from strategies import concealed_scenarios

TOLERANCE = 1e-6


def replay_both_books(scenario: Scenario, outcome) -> None:
    """Re-apply every change of the ledger and of the declared book, in their order, checking both books."""
    tonnes, declared = [], [0.0] * len(scenario.lots)
    for lot in scenario.lots:
        row = [0.0] * len(STATES)
        declared_site = next(s for s in scenario.sites if s.id == lot.site).declared
        row[0 if declared_site else HIDDEN] = lot.tonnes
        tonnes.append(row)
    pending = list(outcome.declarations)

    def declare_up_to(count: int) -> None:
        while pending and pending[0][0] <= count:
            _, _, lot, amount = pending.pop(0)
            declared[lot] += amount
            assert declared[lot] <= scenario.lots[lot].tonnes + TOLERANCE

    declare_up_to(0)
    for number, change in enumerate(outcome.changes, start=1):
        row = tonnes[change.lot]
        row[change.source] -= change.tonnes
        row[change.target] += change.tonnes
        assert min(row) >= -1e-9
        assert abs(sum(row) - scenario.lots[change.lot].tonnes) <= 1e-9 * max(1.0, scenario.lots[change.lot].tonnes)
        if change.source == HIDDEN:  # hidden tonnes come back only by an amendment, declared in the same instant
            assert change.target == 0
        declare_up_to(number)
        chain = row[ON_ROAD] + row[AT_PORT] + row[SHIPPED] + row[DESTROYED]
        assert chain <= declared[change.lot] + TOLERANCE, f"undeclared tonnes moved on: {change}"


def check_channel_timing(outcome) -> None:
    records = outcome.records
    declared_day = outcome.row["declaration_submitted_day"]
    inspected = {}
    withheld = {}
    sampled_sites_days = []
    for r in records:
        if r.event == "site_inspected":
            inspected.setdefault(r.site, r.day)
        elif r.event == "stock_withheld":
            withheld.setdefault(r.entity, r.day)
        elif r.event in ("site_inspected", "site_visited"):
            sampled_sites_days.append(r.day)
    rounds = {r.day for r in records if r.event == "records_round"}
    for r in records:
        if r.event != "issue_raised":
            continue
        assert declared_day is not None and r.day >= declared_day, r
        channel = r.note.split(":")[0]
        if channel == "inspection" and "gap at " in r.note:  # (an unresolved issue raised again has no site)
            site = r.note.split("gap at ")[1]
            assert site in inspected and r.day >= inspected[site], r
        elif channel == "records":
            assert r.day in rounds, r
        if r.entity in withheld:
            assert r.day >= withheld[r.entity], r
    for r in records:
        if r.event == "sample_positive":
            assert any(v.day <= r.day and v.site == r.site for v in records
                       if v.event in ("site_inspected", "site_visited")), r


@settings(max_examples=60, deadline=None)
@given(data=concealed_scenarios(), seed=st.integers(0, 2**32))
def test_channels_fire_only_after_what_they_compare_and_both_books_balance(data, seed):
    scenario = Scenario.model_validate(data)
    outcome = simulate(scenario, seed, record_events=True, keep_changes=True)
    replay_both_books(scenario, outcome)
    check_channel_timing(outcome)
    row = outcome.row
    assert row["issues_open"] + row["issues_amended"] + row["issues_explained"] == row["issues_raised"]
    assert (row["detection_day"] is None) == (row["issues_raised"] == 0)
    again = simulate(scenario, seed, record_events=True)
    assert again.row == row and again.records == outcome.records
