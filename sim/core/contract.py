"""The model's output contract: what one replication reports, in names users' scripts rely on.

Everything here is declared once and read by every layer: the model fills it, results tabulate it, sweep
outcomes and charts look names, units and labels up here instead of guessing from column suffixes.  A change
to any name here is a change of the documented contract (docs/contracts.md) and must be made in both.

* :data:`MILESTONES` - the 15 milestone ids, in the order of the plan, with their meanings;
* :data:`STATES` - the ledger states a tonne can be in;
* :data:`PHASES` / :data:`PHASE_COLUMNS` - the phases of the critical path (what held up the end);
* :data:`SERIES` - the daily quantities of timeseries.parquet, and :func:`probe_column` for a quantity on a
  day as a per-replication value (a "curve point");
* :data:`RUN_COLUMNS` - every column of runs.parquet: name, dtype, unit and label;
* :class:`Record` and :class:`Change` - one event, one ledger move (rows of events.parquet).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

MILESTONES: dict[str, str] = {
    # step 1: join the OPCW
    "accession_deposited": "instrument of accession deposited",
    "entry_into_force": "Convention in force for the state (30 days after deposit, CWC Art. XXI(2))",
    # step 2: declare
    "listing_submitted": "preliminary listing of the programme handed over",
    "declaration_submitted": "formal declaration submitted (CWC Art. III)",
    # step 3: allow inspection
    "initial_inspections_complete": "every declared site verified by inspectors",
    "equipment_destroyed": "production and mixing/filling equipment made inoperable at every declared site",
    # step 4: destroy
    "first_removal": "first load leaves the country (its ship leaves the port, or a train or convoy leaves for a place "
                     "abroad)",
    "priority_removal_complete": "all declared priority chemicals shipped out",
    "removal_complete": "all declared chemicals whose route leaves the country are out of it",
    "munitions_destroyed": "all unfilled munitions destroyed",
    "priority_destruction_complete": "all declared priority chemicals destroyed",
    "category1_destroyed": "all declared Category 1 chemicals destroyed",
    "destruction_complete": "all declared chemicals destroyed",
    "first_structure_destroyed": "first production structure destroyed",
    "production_facilities_destroyed": "all production structures destroyed",
}
"""Every milestone id, in the order of the plan, with its meaning."""

MILESTONE_IDS: tuple[str, ...] = tuple(MILESTONES)

MILESTONE_LABELS: dict[str, str] = {
    "accession_deposited": "Accession deposited",
    "entry_into_force": "Entry into force",
    "listing_submitted": "Preliminary listing",
    "declaration_submitted": "Formal declaration",
    "initial_inspections_complete": "All declared sites inspected",
    "equipment_destroyed": "Equipment made inoperable",
    "first_removal": "First removal",
    "priority_removal_complete": "Priority chemicals removed",
    "removal_complete": "All chemicals removed",
    "munitions_destroyed": "Unfilled munitions destroyed",
    "priority_destruction_complete": "Priority chemicals destroyed",
    "category1_destroyed": "Category 1 destroyed",
    "destruction_complete": "All chemicals destroyed",
    "first_structure_destroyed": "First structure destroyed",
    "production_facilities_destroyed": "All structures destroyed",
}
"""Short labels for charts and tables."""


# ------------------------------------------------------------------------------------------------------
# The ledger, the critical path and the daily series
# ------------------------------------------------------------------------------------------------------

STATES: tuple[str, ...] = ("at_site", "on_road", "at_port", "shipped", "destroyed", "hidden", "used")
"""Where a tonne can be: every tonne of every lot is in exactly one of these at every instant (``used``: spent in
an attack, from hidden stock, :mod:`sim.model.uses`)."""

TOLERANCE_T = 1e-9
"""Tonnes below this are rounding, not stock: the one tolerance of the ledger and the milestone checks."""

PHASES: tuple[str, ...] = ("declaration and inspection", "waiting to leave the site", "road, port and shipping",
                           "destruction")
"""The phases of the critical lot's path to destruction, in order (see :mod:`sim.model.critical`)."""
PHASE_COLUMNS: tuple[str, ...] = ("critical_inspection_days", "critical_site_wait_days", "critical_shipping_days",
                                  "critical_destruction_days")
"""The runs.parquet columns holding each phase's duration, in the order of :data:`PHASES`."""
NOT_FINISHED = "not finished by the horizon"
"""``critical_activity`` of a replication whose destruction is not complete by the horizon."""

PATH_MILESTONES: tuple[str, ...] = ("priority_removal_complete", "removal_complete", "priority_destruction_complete",
                                   "destruction_complete")
"""The milestones whose critical path each replication records (:mod:`sim.model.trail`): the path of the last
tonne that completed it, from day 0, split by :data:`CAUSES`."""

CAUSES: dict[str, str] = {
    "declaration": "waiting for the declaration",
    "inspection": "inspection of the site",
    "logistics_start": "waiting for the logistics to start",
    "gate": "waiting for a gate: pledge, delivery or host",
    "security_closures": "security closures",
    "escort": "waiting for an escort or vehicle",
    "convoy_release": "convoy releases (compliance)",
    "earlier_convoys": "the site's earlier convoys",
    "convoy_trip": "loading a convoy and the road to port",
    "port_and_ship": "waiting for a ship, loading it, held aboard at sea",
    "voyage": "voyage and onward delivery",
    "facility_not_ready": "destruction facility not ready",
    "destruction_queue": "waiting for a destruction line",
    "destruction": "destruction",
}
"""What a tonne's time from day 0 to a milestone is spent on, in the order of its path, with labels.  The days
of a replication's path add up to the milestone's day."""

CAUSE_IDS: tuple[str, ...] = tuple(CAUSES)


def path_column(milestone: str, cause: str) -> str:
    """The runs.parquet column of the days ``milestone``'s critical path spends on ``cause``."""
    return f"{milestone}_path_{cause}_days"


def path_columns(milestone: str | None = None) -> list[str]:
    """Every critical-path column (of one milestone, or of all of :data:`PATH_MILESTONES`)."""
    milestones = PATH_MILESTONES if milestone is None else (milestone,)
    return [path_column(m, c) for m in milestones for c in CAUSE_IDS]

SERIES: tuple[str, ...] = ("removed_fraction", "destroyed_fraction", "declared_tonnes", "hidden_tonnes",
                           "destroyed_tonnes", "open_issues", "undeclared_facilities", "amendments", "uses",
                           "agent_uses", "attributed_uses", "attributed_agent_uses", "judged_complete")
"""Daily quantities of timeseries.parquet (the order of the rows of a replication's daily values)."""
FRACTIONS: tuple[str, ...] = ("removed_fraction", "destroyed_fraction")
"""The quantities of :data:`SERIES` that are shares of the declared tonnes."""
TONNES: tuple[str, ...] = ("declared_tonnes", "hidden_tonnes", "destroyed_tonnes")
"""The quantities of :data:`SERIES` in tonnes."""
CUMULATIVE_COUNTS: tuple[str, ...] = ("amendments", "uses", "agent_uses", "attributed_uses", "attributed_agent_uses")
"""Counts of :data:`SERIES` that only grow: how many by the end of the day (docs/afterwards.md).  Attributed uses
count on the day the attribution is published, not the day of the attack."""
STATE_COUNTS: tuple[str, ...] = ("open_issues", "undeclared_facilities", "judged_complete")
"""Counts of :data:`SERIES` that are a state on the day; ``judged_complete`` is 1 while the declaration is judged
complete, else 0."""
COUNTS: tuple[str, ...] = STATE_COUNTS[:2] + CUMULATIVE_COUNTS + STATE_COUNTS[2:]
"""The quantities of :data:`SERIES` that are counts (in the order of SERIES); the others are fractions or tonnes."""
BINARY_SERIES: tuple[str, ...] = ("judged_complete",)
"""The 0/1 quantities of :data:`SERIES` (scored as binary outcomes)."""
COUNT_LABELS: dict[str, str] = {
    "open_issues": "Issues open",
    "undeclared_facilities": "Concealed facilities undeclared",
    "amendments": "Amendments of the declaration",
    "uses": "Uses of retained capability (any, incl. dual-use)",
    "agent_uses": "Uses of hidden stockpile agent",
    "attributed_uses": "Uses attributed to the state (by report date)",
    "attributed_agent_uses": "Uses of stockpile agent attributed (by report date)",
    "judged_complete": "Declaration judged complete",
}
"""Labels of the counts for charts and tables."""

EVENTS: dict[str, str] = {
    "use": "first_use_day",
    "agent_use": "first_agent_use_day",
    "agent_use_after_destruction": "agent_use_after_destruction_day",
    "attribution": "first_attribution_day",
    "agent_attribution": "first_agent_attribution_day",
    "amendment": "first_amendment_day",
}
"""Events an observed record may say happened (or not) by a date, and the runs.parquet day column of each: the
event happened by a date when its day falls on or before that date."""
EVENT_LABELS: dict[str, str] = {
    "use": "A use of retained capability (any)",
    "agent_use": "A use of hidden stockpile agent",
    "agent_use_after_destruction": "A use of stockpile agent after the declared stockpile was destroyed",
    "attribution": "A use attributed to the state",
    "agent_attribution": "A use of stockpile agent attributed to the state",
    "amendment": "An amendment of the declaration",
}

Probe = tuple[str, int]
"""A quantity of :data:`SERIES` at the end of a day: a per-replication value (a curve point)."""


def probe_column(probe: Probe) -> str:
    """The column name of a curve point: ``removed_fraction@138`` (the quantity at the end of day 138)."""
    quantity, day = probe
    return f"{quantity}@{day}"


def probe_of(column: str) -> Probe | None:
    """A curve-point column as (quantity, day); None for a runs.parquet column."""
    if "@" not in column:
        return None
    quantity, _, day = column.partition("@")
    return quantity, int(day)


# ------------------------------------------------------------------------------------------------------
# runs.parquet
# ------------------------------------------------------------------------------------------------------


CHANNELS: dict[str, str] = {
    "inspection": "inspection of a declared site",
    "records": "record reconciliation",
    "sampling": "sampling",
    "estimate": "an intelligence estimate",
    "tip": "a tip",
    "request": "an any-other-site inspection",
    "challenge": "a challenge inspection",
    "use": "an attributed use of hidden agent",
}
"""The detection channels (docs/verification.md), by id, with a label: ``detection_day_<id>`` in runs.parquet."""


def verification_day_columns() -> list[str]:
    """The runs.parquet columns of verification days (summarised in summary.json's ``verification``)."""
    return ["declaration_judged_complete_day", *(f"detection_day_{c}" for c in CHANNELS)]


@dataclass(frozen=True)
class Column:
    """One column of runs.parquet: its name, dtype (pandas), unit and a label in words."""

    name: str
    dtype: str
    unit: str
    label: str

    @property
    def numeric(self) -> bool:
        """Whether the column holds numbers (or true/false): an outcome a sweep can average."""
        return self.dtype in ("float64", "int64", "bool")


def _column(name: str, dtype: str, unit: str, label: str = "") -> Column:
    return Column(name, dtype, unit, label or name.replace("_", " "))


RUN_COLUMNS: tuple[Column, ...] = (
    _column("replication", "int64", "", "replication number"),
    _column("seed", "uint64", "", "replication seed"),
    *(_column(f"{m}_day", "float64", "days", f"{MILESTONE_LABELS[m]} (day)") for m in MILESTONE_IDS),
    _column("initial_tonnes", "float64", "t"),
    _column("declared_tonnes", "float64", "t"),
    _column("removed_tonnes", "float64", "t", "tonnes removed by the horizon"),
    _column("destroyed_tonnes", "float64", "t", "tonnes destroyed by the horizon"),
    _column("remaining_tonnes", "float64", "t"),
    _column("in_transit_tonnes", "float64", "t"),
    _column("hidden_tonnes", "float64", "t", "hidden tonnes at the horizon"),
    _column("dispersed_tonnes", "float64", "t", "tonnes moved into hiding (by the secret unit or withheld)"),
    _column("detected", "bool", "", "concealment detected (an issue raised)"),
    _column("detection_day", "float64", "days", "day the first issue is raised"),
    _column("convoys", "int64", "count"),
    _column("voyages", "int64", "count"),
    _column("access_denials", "int64", "count"),
    _column("amendments", "int64", "count"),
    _column("closures", "int64", "count"),
    _column("filled_munitions", "int64", "count", "filled munitions in the programme (lots with munitions)"),
    _column("filled_munitions_destroyed", "int64", "count", "filled munitions destroyed by the horizon"),
    _column("structures_destroyed", "int64", "count", "production structures destroyed by the horizon"),
    _column("structures_total", "int64", "count", "production structures to destroy"),
    _column("events", "int64", "count"),
    _column("issues_raised", "int64", "count", "issues raised by the horizon"),
    _column("issues_open", "int64", "count", "issues open at the horizon (raised or unresolved)"),
    _column("issues_amended", "int64", "count", "issues closed by an amendment"),
    _column("issues_explained", "int64", "count", "issues closed by an accepted explanation"),
    _column("declaration_judged_complete_day", "float64", "days", "day the declaration is judged complete"),
    *(_column(f"detection_day_{c}", "float64", "days", f"first issue raised by {label} (day)")
      for c, label in CHANNELS.items()),
    _column("hidden_munitions", "int64", "count", "filled munitions hidden at the horizon"),
    _column("undeclared_facilities", "int64", "count", "concealed facilities undeclared at the horizon"),
    _column("uses", "int64", "count", "uses of retained capability by the horizon (any, incl. dual-use)"),
    _column("agent_uses", "int64", "count", "uses of hidden stockpile agent by the horizon"),
    _column("dual_use_uses", "int64", "count", "uses of dual-use stocks (e.g. chlorine) by the horizon"),
    _column("used_tonnes", "float64", "t", "tonnes of hidden stockpile agent used in attacks"),
    _column("reconstituted_tonnes", "float64", "t", "tonnes of agent produced again from retained means"),
    _column("uses_investigated", "int64", "count", "uses confirmed by fact-finding by the horizon"),
    _column("uses_attributed", "int64", "count", "uses attributed to the state by the horizon"),
    _column("agent_uses_attributed", "int64", "count", "uses of stockpile agent attributed by the horizon"),
    _column("first_use_day", "float64", "days", "first use of retained capability (day)"),
    _column("first_agent_use_day", "float64", "days", "first use of hidden stockpile agent (day)"),
    _column("agent_use_after_destruction_day", "float64", "days",
            "first use of stockpile agent after all declared chemicals were destroyed (day)"),
    _column("first_attribution_day", "float64", "days", "first attribution of a use to the state (day)"),
    _column("first_agent_attribution_day", "float64", "days", "first attribution of a use of stockpile agent (day)"),
    _column("first_amendment_day", "float64", "days", "first amendment of the declaration (day)"),
    _column("critical_activity", "str", "", "the longest phase of the critical lot"),
    _column("critical_lot", "str", "", "the lot destroyed last"),
    *(_column(c, "float64", "days") for c in PHASE_COLUMNS),
    *(_column(path_column(m, c), "float64", "days", f"{MILESTONE_LABELS[m]}: days on the critical path: {label}")
      for m in PATH_MILESTONES for c, label in CAUSES.items()),
)
"""Every column of runs.parquet, in order.  A replication's row (:attr:`sim.model.Outcome.row`) has all of them
but ``replication``, which the execution layer adds."""

RUN_COLUMN: dict[str, Column] = {c.name: c for c in RUN_COLUMNS}
""":data:`RUN_COLUMNS` by name."""


def milestone_columns() -> list[str]:
    """The ``<milestone>_day`` columns, in the order of the plan."""
    return [f"{m}_day" for m in MILESTONE_IDS]


# ------------------------------------------------------------------------------------------------------
# Records: events.parquet
# ------------------------------------------------------------------------------------------------------


class Record(NamedTuple):
    """One event of a replication, flat (one row of events.parquet)."""

    day: float
    event: str
    entity: str = ""
    site: str = ""
    lot: str = ""
    agent: str = ""
    tonnes: float = 0.0
    note: str = ""


class Change(NamedTuple):
    """One state change of one lot: ``tonnes`` moved from ledger state ``source`` to ``target`` (indices into
    :data:`STATES`) on ``day``."""

    day: float
    lot: int
    source: int
    target: int
    tonnes: float


EVENT_COLUMNS: tuple[str, ...] = ("replication", "day", "date", "event", "entity", "site", "lot", "agent",
                                  "tonnes", "note")
"""The columns of events.parquet, in order."""

MANIFEST = "manifest.json"
"""Written last into every output folder: a folder with it is complete (see :mod:`sim.output.folders`)."""
