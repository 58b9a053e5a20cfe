"""One replication told as a story: its events in time order, as dated sentences (``disarm trace``)."""

from __future__ import annotations

from typing import Any

from sim.core.contract import CHANNELS, MILESTONES
from sim.core.contract import Record
from sim.model import simulate
from sim.scenario.schema import Scenario
from sim.core.streams import replication_seed


def _tonnes(r: Record) -> str:
    return f"{r.tonnes:,.1f} t"


SENTENCES: dict[str, Any] = {
    "milestone": lambda r: f"milestone {r.entity}: {MILESTONES.get(r.entity, r.entity)}",
    "milestone_reopened": lambda r: f"milestone {r.entity} reopened: an amendment declared more",
    "declared": lambda r: f"the state declares {_tonnes(r)} at {r.note}",
    "inspectors_arrived": lambda r: f"the inspectors arrive ({r.note})",
    "site_inspected": lambda r: (f"site {r.site} counts as verified (inspected {r.note})" if r.note
                                 else f"inspectors verify site {r.site}"),
    "stage_complete": lambda r: f"stage {r.entity} complete: the stages the plan puts after it may start",
    "equipment_disabled": lambda r: f"equipment at site {r.site} is made inoperable",
    "access_denied": lambda r: f"access to site {r.site} is denied for {r.note}",
    "closure": lambda r: f"security closure of region {r.entity} ({r.note})",
    "convoy_departed": lambda r: _leaves(r),
    "convoy_delivered": lambda r: f"{r.entity} delivers {r.note}",
    "train_departed": lambda r: _leaves(r),
    "train_delivered": lambda r: f"{r.entity} delivers {r.note}",
    "ship_holding": lambda r: (f"{r.entity} holds {_tonnes(r)} at sea ({r.note})" if r.entity
                               else f"a ship holding cargo at sea: {r.note}"),
    "ship_returned": lambda r: f"{r.entity} sails back {r.note}",
    "ship_departed": lambda r: f"{r.entity} sails with {r.note}",
    "ship_arrived": lambda r: f"{r.entity} arrives {r.note} with {_tonnes(r)}",
    "facility_construction_started": lambda r: f"construction of {r.entity} begins",
    "facility_commissioned": lambda r: f"{r.entity} is commissioned ({r.note})" if r.note else f"{r.entity} is commissioned",
    "facility_started": lambda r: f"{r.entity} starts destroying ({r.note})" if r.note else f"{r.entity} starts destroying",
    "destroyed": lambda r: f"{r.entity} destroys {_tonnes(r)} of {r.agent} (lot {r.lot})",
    "munitions_destroyed": lambda r: f"all {r.note} destroyed",
    "structure_destroyed": lambda r: f"production structure {r.entity} destroyed ({r.note})" if r.note
    else f"production structure {r.entity} destroyed",
    "dispersal_move": lambda r: f"the secret unit moves {_tonnes(r)} of {r.agent} from site {r.site} to {r.entity}",
    "stock_withheld": lambda r: (f"the state withholds {_tonnes(r)} of {r.agent} (lot {r.lot}) at site {r.site} "
                                 f"from its declaration ({r.entity})"),
    "intelligence_tip": lambda r: (f"an intelligence tip reports {r.entity} of the secret unit ({r.note})" if r.note
                                   else f"an intelligence tip reports {r.entity}"),
    "challenge_inspection": lambda r: f"challenge inspection after the tip on {r.entity}: {r.note}",
    "discrepancy": lambda r: f"inspectors notice that site {r.site} was emptied ({_tonnes(r)} missing)",
    "dispersal_detected": lambda r: f"dispersal detected ({r.note})",
    "issue_raised": lambda r: _issue_raised(r),
    "issue_amended": lambda r: f"issue {r.entity} closed by an amendment" + (f" ({r.note})" if r.note else ""),
    "issue_explained": lambda r: f"issue {r.entity} closed: the state's explanation is accepted"
    + (f" ({r.note})" if r.note and r.note != "explanation accepted" else ""),
    "issue_unresolved": lambda r: f"issue {r.entity} stays open, unresolved: "
    + ("the amendment is judged insufficient" if "insufficient" in (r.note or "")
       else "the state's explanation is not accepted") + _members(r),
    "amendment": lambda r: (f"amended declaration on issue {r.entity} ({r.note})" if _members(r)
                            else f"amended declaration on issue {r.entity}: {_tonnes(r)} declared"
                            + (f" ({r.note})" if r.note != r.entity else "") if r.tonnes
                            else f"amended declaration on issue {r.entity}: {r.note} declared"),
    "state_stalled": lambda r: f"the state stalls on issue {r.entity} ({r.note})",
    "records_round": lambda r: f"record reconciliation with the state: {r.entity}",
    "records_paused": lambda r: f"the round of record reconciliation due now waits: {r.entity}",
    "use": lambda r: (f"{r.entity}: {_tonnes(r)} of {r.agent} used in an attack"
                      + (f" (from {r.note})" if r.note and r.note != r.agent else "")),
    "use_investigated": lambda r: f"fact-finding confirms {r.entity} ({r.agent})",
    "use_attributed": lambda r: f"{r.entity} ({r.agent}) attributed to the state",
    "reconstitution": lambda r: f"{_tonnes(r)} of {r.agent} produced again into {r.entity} (lot {r.lot})",
    "declaration_judged_complete": lambda r: f"the declaration is judged complete ({r.entity} of reconciliation)",
    "declaration_judgement_withdrawn": lambda r: f"the judgement that the declaration is complete is withdrawn: "
                                                 f"issue {r.entity} raised",
    "sample_positive": lambda r: f"a sample from site {r.site} is positive: traces of {r.entity}",
    "request_refused": lambda r: f"the state refuses a request to inspect {r.entity} ({r.note})",
    "request_accepted": lambda r: f"the state accepts a request to inspect {r.entity} ({r.note})",
    "site_visited": lambda r: f"inspectors visit {r.entity}: {r.note}",
    "pressure_raised": lambda r: f"pressure on the state raised to {r.note}: {r.entity}",
    "gate_asked": lambda r: f"gate {r.entity}: {r.note} is asked",
    "gate_refused": lambda r: f"gate {r.entity}: {r.note} refuses",
    "gate_passed": lambda r: f"gate {r.entity} passes: {r.note} accepts",
    "gate_failed": lambda r: f"gate {r.entity} fails: {r.note}",
}


def _members(r: Record) -> str:
    """`` (3 members)`` when the line is a group's (its note ends with its number of members), else nothing."""
    last = (r.note or "").rsplit(": ", 1)[-1].rsplit("; ", 1)[-1]
    number, _, word = last.partition(" ")
    return f" ({last})" if number.isdigit() and word in ("member", "members") else ""


def _issue_raised(r: Record) -> str:
    """An issue raised: its note is ``<channel>: <what was found>`` (:mod:`sim.model.issues`)."""
    channel, _, detail = r.note.partition(": ")
    by = CHANNELS.get(channel, channel)
    return f"issue {r.entity} raised by {by}" + (f": {detail}" if detail else "")


def _pressure(r: Record, deadlines: frozenset[str]) -> str:
    """Pressure raised by a missed deadline (its id), or by an issue, a refusal or an event (its reason)."""
    if r.entity in deadlines:
        return f"deadline {r.entity} missed: pressure raised to {r.note}"
    return SENTENCES["pressure_raised"](r)


def _leaves(r: Record) -> str:
    """A load leaving a site (its note: what it carries) or a place (its note ends "from PLACE")."""
    return f"{r.entity} leaves site {r.site} with {r.note}" if r.site else f"{r.entity} leaves with {r.note}"


def sentence(record: Record, deadlines: frozenset[str] = frozenset()) -> str:
    """A record as a sentence, without its date (``deadlines``: the scenario's deadline ids, which tell a deadline
    missed from the other reasons pressure is raised)."""
    if record.event == "pressure_raised":
        return _pressure(record, deadlines)
    make = SENTENCES.get(record.event)
    if make is None and record.event.endswith(("_departed", "_delivered")):  # loads by any mode (air, sea, ...)
        make = _leaves if record.event.endswith("_departed") else SENTENCES["convoy_delivered"]
    return make(record) if make else f"{record.event} {record.entity} {record.note}".strip()


def trace(scenario: Scenario, seed: int = 0, replication: int = 0) -> tuple[int, list[Record]]:
    """The replication seed and the events of replication ``replication`` of a run seeded ``seed``."""
    rep_seed = replication_seed(seed, replication)
    return rep_seed, simulate(scenario, rep_seed, record_events=True).records


def lines(scenario: Scenario, records: list[Record]) -> list[str]:
    """Dated sentences, in time order (records are already in time order)."""
    deadlines = frozenset(d.id for d in scenario.deadlines)
    return [f"{scenario.date_of(r.day).isoformat()} (day {r.day:7.2f})  {sentence(r, deadlines)}" for r in records]


def trace_json(scenario: Scenario, seed: int, replication: int, replication_seed: int,
               records: list[Record]) -> dict[str, Any]:
    """The raw records of one replication, dated, as ``disarm trace --json`` prints them."""
    return {"scenario": scenario.name, "seed": seed, "replication": replication, "replication_seed": replication_seed,
            "events": [{**r._asdict(), "date": scenario.date_of(r.day).isoformat()} for r in records]}


__all__ = ["trace", "lines", "sentence", "trace_json", "SENTENCES"]
