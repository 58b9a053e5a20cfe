"""Layer 3, the model - the SimPy model of one replication: build the world, start the four steps, run to the horizon.

:func:`simulate` is pure: the same scenario and seed give the same outcome, in any process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


from sim.core.contract import CAUSE_IDS, CHANNELS, COUNTS, MILESTONE_IDS, PATH_MILESTONES, Change, Record, path_columns
from sim.model.accession import accession
from sim.model.declaration import declaration
from sim.model.answers import Answers
from sim.model.channels import Channels
from sim.model.compliance import Compliance
from sim.model.concealment import Concealment
from sim.model.critical import critical_activity
from sim.model.destruction import Destruction
from sim.model.gates import Gates
from sim.model.inspection import Inspections
from sim.model.issues import IssueBook
from sim.model.items import structures_total
from sim.model.ledger import AT_PORT, AT_SITE, DESTROYED, HIDDEN, ON_ROAD, SHIPPED
from sim.model.removal import Removal
from sim.model.security import Security
from sim.model.stages import Stages
from sim.model.clock import run_to_horizon
from sim.model.uses import Uses
from sim.model.world import World
from sim.scenario.schema import Scenario


@dataclass
class Outcome:
    """What one replication produced."""

    row: dict[str, Any]
    snapshots: list[tuple[float, ...]]  # fields of sim.model.ledger.Snapshot
    count_steps: list[tuple[float, ...]] = field(default_factory=lambda: [(0.0,) + (0,) * len(COUNTS)])
    """(day, *counts in the order of COUNTS) after each change (:attr:`sim.model.counts.Counts.steps`)."""
    records: list[Record] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    declarations: list[tuple[int, float, int, float]] = field(default_factory=list)
    """With keep_changes: the declared book's changes (:attr:`sim.model.ledger.Ledger.declaration_changes`)."""


def simulate(scenario: Scenario, seed: int, record_events: bool = False, keep_changes: bool = False) -> Outcome:
    """Run one replication of ``scenario`` with replication seed ``seed`` up to its horizon."""
    w = World(scenario, seed, record_events=record_events, keep_changes=keep_changes)
    env = w.env
    w.compliance = Compliance(w)
    w.security = Security(w)
    w.concealment = Concealment(w)
    w.issues = IssueBook(w, w.concealment.undeclared_facilities())
    w.channels = Channels(w)
    Answers(w)
    w.uses = Uses(w)
    w.gates = Gates(w)
    stages = Stages(w)  # where the plan begins and the waits it adds (by default: nothing)
    if stages.runs("accession"):
        env.process(accession(w))
    if stages.runs("declaration"):
        env.process(declaration(w))
    Inspections(w, inspected_before_day_0=stages.inspected_before_day_0)
    destruction = Destruction(w)
    removal = Removal(w, destruction.facilities)

    def start_site_work(site: int) -> None:
        removal.start_site(site)
        destruction.start_in_country(site)

    w.start_site_removal = start_site_work

    events = run_to_horizon(env, w.horizon)
    w.security.finish()
    if w.record_events:
        w.records.sort(key=lambda r: r.day)  # stable: a lazy closure is recorded after later events
    w.streams.release()
    w.ledger.check()
    w.concealment.check()
    return Outcome(_row(w, seed, events), w.ledger.snapshots, w.counts.steps, w.records, w.ledger.changes,
                   w.ledger.declaration_changes)


def _munitions(w: World) -> dict[str, int]:
    """Filled munitions in all and destroyed: the tonnes of munition lots in whole munitions."""
    total = destroyed = 0
    for lot, unit in enumerate(w.plan.lot_unit_tonnes):
        if unit:
            total += round(w.ledger.initial[lot] / unit)
            destroyed += round(w.ledger.tonnes[lot][DESTROYED] / unit)
    return {"filled_munitions": total, "filled_munitions_destroyed": destroyed}


def verification_columns(w: World) -> dict[str, Any]:
    """The issues at the horizon, the first detection by channel and what is still undeclared."""
    book = w.issues
    out: dict[str, Any] = book.counts()
    out["declaration_judged_complete_day"] = book.judged_complete_day
    for channel in CHANNELS:
        out[f"detection_day_{channel}"] = book.first_by_channel.get(channel)
    hidden_munitions = 0
    for lot, unit in enumerate(w.plan.lot_unit_tonnes):
        if unit:
            hidden_munitions += round(w.ledger.tonnes[lot][HIDDEN] / unit)
    out["hidden_munitions"] = hidden_munitions
    out["undeclared_facilities"] = book.undeclared_facilities
    return out


_PATH_COLUMNS = tuple((m, tuple(path_columns(m))) for m in PATH_MILESTONES)
_NO_PATH = (None,) * len(CAUSE_IDS)


def _row(w: World, seed: int, events: int) -> dict[str, Any]:
    ledger = w.ledger
    totals = ledger.totals
    row: dict[str, Any] = {"seed": seed}
    for milestone in MILESTONE_IDS:
        row[f"{milestone}_day"] = w.milestones.get(milestone)
    row.update(
        initial_tonnes=ledger.initial_total,
        declared_tonnes=ledger.declared_total,
        removed_tonnes=ledger.removed_total,
        destroyed_tonnes=totals[4],
        remaining_tonnes=totals[AT_SITE],
        in_transit_tonnes=totals[ON_ROAD] + totals[AT_PORT] + totals[SHIPPED],
        hidden_tonnes=totals[HIDDEN],
        dispersed_tonnes=ledger.dispersed_total,
        detected=w.detection_day is not None,
        detection_day=w.detection_day,
        convoys=w.counters["convoys"],
        voyages=w.counters["voyages"],
        access_denials=w.counters["access_denials"],
        amendments=w.counters["amendments"],
        closures=w.counters["closures"],
        **_munitions(w),
        structures_destroyed=w.counters["structures_destroyed"],
        structures_total=structures_total(w.s),
        events=events,
    )
    row.update(verification_columns(w))
    row.update(w.uses.columns())
    row.update(critical_activity(w))
    for milestone, columns in _PATH_COLUMNS:  # the critical path of each milestone reached (sim.model.trail)
        days = w.paths.get(milestone) if milestone in w.milestones else None
        row.update(zip(columns, days if days is not None else _NO_PATH))
    return row


__all__ = ["simulate", "Outcome", "World", "Record"]
