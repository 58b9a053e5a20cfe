"""The scenario format: a frozen pydantic v2 schema of everything the model simulates.

A scenario is data, never code.  Every quantity carries its unit in its key (``_days``, ``_tonnes``,
``_t_per_day``, ``_hours``); uncertain numbers are :mod:`sim.scenario.distributions`.  Days are counted from the
scenario's ``start_date`` (day 0).  Unknown keys are rejected at every depth, and cross-references (a lot's
site, a deadline's milestone, the facility that destroys a lot, ...) are checked when the scenario is built,
all problems at once.

Loading from YAML (with file and line numbers in errors, ``extends:`` and ``--set`` overrides) lives in
:mod:`sim.scenario.loading`; the cross-reference checks in :mod:`sim.scenario.references`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from sim.scenario.behaviours import (ChallengeInspection, ComplianceDelays, Detection, Dispersal, Escalation,
                                     Pressure, RegionClosures, ScheduledClosure, SecurityClosures)
from sim.scenario.distributions import Distribution, fixed
from sim.scenario.fields import (EQUIPMENT_SITE_KINDS, FIRST_DATE, LAST_DATE, MAX_HORIZON_DAYS, CalendarDate,
                                 Days, Identifier, PositiveTonnes, Route, SiteKind, Strict, unit_of)
from sim.scenario.references import REMOVAL_ROUTES, reference_problems
from sim.scenario.stages import StagePlan, plan_problems

# --------------------------------------------------------------------------------------------------
# Step 1 and 2: the state party, accession and declaration
# --------------------------------------------------------------------------------------------------


class StateParty(Strict):
    """The state joining the Convention."""

    name: str = Field(min_length=1, description="Name of the state party.")
    accession_decision_days: Days = Field(
        fixed(0.0), description="Days from start_date until the instrument of accession is deposited."
    )
    entry_into_force_days: Days = Field(
        fixed(30.0),
        description="Days from deposit to entry into force; 30 under CWC Art. XXI(2).",
    )
    provisional_application: bool = Field(
        True,
        description="If true, steps 2-4 may start at accession rather than at entry into force (as Syria did).",
    )


class Declaration(Strict):
    """Step 2: the preliminary listing and the formal declaration."""

    listing_days: Days = Field(
        fixed(7.0), description="Days from the start of steps 2-4 until the preliminary listing is handed over."
    )
    formal_declaration_days: Days = Field(
        fixed(30.0),
        description="Days from the start of steps 2-4 until the formal declaration (never before the listing).",
    )


# --------------------------------------------------------------------------------------------------
# The programme: sites, lots, munitions, production structures
# --------------------------------------------------------------------------------------------------


class Site(Strict):
    """A place holding chemicals or equipment."""

    id: Identifier
    kind: SiteKind = "storage"
    region: Identifier = Field("default", description="Region of the site, for security closures.")
    road_regions: list[Identifier] = Field(
        default_factory=list, description="Regions the road to the port crosses; a closure of any stops convoys."
    )
    declared: bool = Field(True, description="Whether the state declares the site; lots at undeclared sites are hidden.")
    road_days_to_port: Days = Field(description="Road transit from the site to the port of embarkation, days.")
    travel_days: Days | None = Field(None, description="Inspectors' travel to this site, days [default: the "
                                                        "inspectorate's travel_days]; e.g. 0 for a site verified "
                                                        "remotely.")
    verification_days: Days | None = Field(None, description="Verification at this site, days [default: the "
                                                              "inspectorate's verification_days].")


class Lot(Strict):
    """A quantity of one chemical at one site, destroyed by one route."""

    id: Identifier
    agent: Identifier = Field(description="Chemical name, e.g. DF, HD, isopropanol.")
    category: Literal[1, 2, 3] = Field(description="CWC category of the chemical weapon.")
    tonnes: PositiveTonnes
    site: Identifier
    form: Literal["bulk", "munitions"] = "bulk"
    route: Route = Field(description="sea (to a ship-borne plant), commercial (to an incinerator abroad), in_country.")
    priority: bool = Field(False, description="A 'priority chemical' in the sense of EC-M-34/DEC.1.")
    facility: Identifier | None = Field(
        None, description="Facility that destroys the lot; default: the first facility that accepts it."
    )


class UnfilledMunitions(Strict):
    """Unfilled munitions (Category 3), destroyed in the country by crushing or cutting."""

    count: int = Field(0, ge=0, le=10_000_000)
    start_day: Days = Field(fixed(0.0), description="Earliest day destruction can begin (site inspected first).")
    destroyed_per_day: Days = Field(fixed(100.0), description="Munitions destroyed per day.")
    site: Identifier | None = Field(None, description="Site holding them; destruction waits for its inspection.")

    @model_validator(mode="after")
    def _rate_positive(self) -> "UnfilledMunitions":
        if self.count > 0 and self.destroyed_per_day.support()[0] <= 0:
            raise ValueError("destroyed_per_day must be positive when there are munitions to destroy")
        return self


class StructureGroup(Strict):
    """A group of alike production structures, e.g. 7 hangars."""

    kind: Identifier = Field(description="e.g. hangar, tunnel.")
    count: int = Field(ge=0, le=100_000)
    demolition_days: Days = Field(description="Days one crew needs to destroy one structure.")


class ProductionStructures(Strict):
    """Production-facility structures to be destroyed (CWC Art. V)."""

    start_day: Days = Field(fixed(0.0), description="Day demolition may begin.")
    crews: int = Field(1, ge=1, le=10_000, description="Structures that can be demolished at once.")
    groups: list[StructureGroup] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# Step 3: the inspectorate
# --------------------------------------------------------------------------------------------------


class Inspectorate(Strict):
    """Inspection teams visiting declared sites."""

    arrival_day: Days = Field(description="Day the inspectors arrive in the country.")
    teams: int = Field(ge=1, le=10_000, description="Teams that can inspect at once.")
    travel_days: Days = Field(description="Travel to a site, per visit, days.")
    verification_days: Days = Field(description="Verification at a site, per visit, days.")
    equipment_disabling_days: Days = Field(
        fixed(0.0), description="Extra days at a production or mixing/filling site to make equipment inoperable."
    )


# --------------------------------------------------------------------------------------------------
# Step 4: convoys, port, ships, destruction facilities
# --------------------------------------------------------------------------------------------------


class Convoys(Strict):
    """Road convoys from sites to the port of embarkation."""

    start_day: Days = Field(description="First day a convoy can move (packaging, vehicles and plan in place).")
    escorts: int = Field(ge=1, le=10_000, description="Convoys that can be on the road at once.")
    tonnes_per_convoy: PositiveTonnes
    loading_days: Days = Field(fixed(0.0), description="Loading at the site, per convoy.")


class Port(Strict):
    """The port of embarkation."""

    name: str = Field(min_length=1)
    berths: int = Field(1, ge=1, le=1000, description="Ships that can load at once.")


class Ship(Strict):
    """A cargo vessel shuttling chemicals out of the port of embarkation."""

    id: Identifier
    name: str = ""
    capacity_tonnes: PositiveTonnes
    available_day: Days = Field(description="Day the ship is first at the port.")
    loading_days: Days = Field(fixed(1.0), description="Loading at the port, per voyage.")
    max_wait_days: Days = Field(
        fixed(0.0), description="How long a part-loaded ship waits for more cargo before it sails."
    )
    voyage_days: Days = Field(description="Port of embarkation to the transfer port, days.")
    return_days: Days = Field(description="Transfer port back to the port of embarkation, days.")


class Facility(Strict):
    """A destruction facility: which chemicals it accepts and how fast it destroys them."""

    id: Identifier
    name: str = ""
    location: str = ""
    route: Route
    agents: list[Identifier] | None = Field(None, description="Agents accepted; all if omitted.")
    categories: list[Literal[1, 2, 3]] | None = Field(None, description="Categories accepted; all if omitted.")
    lines: int = Field(1, ge=1, le=1000, description="Parallel destruction lines.")
    line_rate_t_per_day: Days = Field(description="Tonnes one line destroys per day (drawn once per replication).")
    available_day: Days = Field(fixed(0.0), description="Day the facility can begin.")
    setup_days: Days = Field(
        fixed(0.0), description="Days from the first delivery (with start_after_all_received: the last) to operation."
    )
    delivery_days: Days = Field(fixed(0.0), description="Transfer port to the facility, days (abroad only).")
    batch_tonnes: PositiveTonnes = Field(25.0, description="Tonnes per batch: the model's unit of destruction work.")
    start_after_all_received: bool = Field(
        False, description="Begin only once everything declared for it has arrived (as the Cape Ray did)."
    )

    @model_validator(mode="after")
    def _rate_positive(self) -> "Facility":
        if self.line_rate_t_per_day.support()[0] <= 0:
            raise ValueError("line_rate_t_per_day must be positive")
        return self

    def accepts(self, lot: Lot) -> bool:
        """Whether this facility can destroy ``lot``."""
        return (
            self.route == lot.route
            and (self.agents is None or lot.agent in self.agents)
            and (self.categories is None or lot.category in self.categories)
        )


class Deadline(Strict):
    """A date by which a milestone is due."""

    id: Identifier
    date: CalendarDate = Field(description=f"The date the milestone is due (YYYY-MM-DD), from {FIRST_DATE} to "
                                           f"{LAST_DATE}.")
    milestone: str = Field(description="Milestone id (see docs/scenario-format.md).")
    description: str = ""

# --------------------------------------------------------------------------------------------------
# The scenario
# --------------------------------------------------------------------------------------------------


class Scenario(Strict):
    """A complete scenario: the plan, the programme, the logistics, the deadlines and the behaviours."""

    name: Identifier = Field(description="Short name, e.g. syria_2013.")
    question: str = Field(min_length=1, description="One sentence: what the scenario asks.")
    start_date: CalendarDate = Field(description=f"Calendar date of day 0 (YYYY-MM-DD), from {FIRST_DATE} to "
                                                 f"{LAST_DATE}; start_date + horizon_days must not pass {LAST_DATE}.")
    horizon_days: int = Field(gt=0, le=MAX_HORIZON_DAYS, description="The run ends here; unfinished work is "
                              "reported as not reached.")
    state_party: StateParty
    declaration: Declaration = Declaration()
    sites: list[Site] = Field(min_length=1)
    lots: list[Lot] = Field(min_length=1)
    unfilled_munitions: UnfilledMunitions = UnfilledMunitions()
    production_structures: ProductionStructures = ProductionStructures()
    inspectorate: Inspectorate
    convoys: Convoys
    port: Port
    transfer_port: Port
    ships: list[Ship] = Field(default_factory=list)
    facilities: list[Facility] = Field(min_length=1)
    deadlines: list[Deadline] = Field(default_factory=list)
    dispersal: Dispersal = Dispersal()
    compliance: ComplianceDelays = ComplianceDelays()
    pressure: Pressure = Pressure()
    security: SecurityClosures = SecurityClosures()
    plan: StagePlan = StagePlan()

    @model_validator(mode="after")
    def _check_references(self) -> "Scenario":
        problems = list(reference_problems(self)) + plan_problems(self) + _horizon_problems(self)
        if problems:
            raise ValidationError.from_exception_data(
                "Scenario",
                [
                    InitErrorDetails(type=PydanticCustomError("reference", message), loc=loc, input=value)
                    for loc, message, value in problems
                ],
            )
        return self

    # ---- derived views used by the model ------------------------------------------------------
    @property
    def initial_tonnes(self) -> float:
        """The whole stockpile, declared or not."""
        return float(sum(lot.tonnes for lot in self.lots))

    def facility_for(self, lot: Lot) -> Facility:
        """The facility that destroys ``lot``: its named one, else the first that accepts it."""
        if lot.facility is not None:
            return next(f for f in self.facilities if f.id == lot.facility)
        return next(f for f in self.facilities if f.accepts(lot))

    def day_of(self, date: dt.date) -> int:
        """Day number of a calendar date (day 0 is start_date)."""
        return (date - self.start_date).days

    def end_of_day(self, date: dt.date) -> float:
        """Model time at the end of a calendar date (midnight starting the next day): deadlines end there."""
        return float(self.day_of(date) + 1)

    def plan_milestones(self) -> tuple[str, ...]:
        """The milestones of this scenario's plan (all but those of stages done before day 0), in contract order."""
        return self.plan.milestones()

    def date_of(self, day: float) -> dt.date:
        """Calendar date on which day ``day`` falls."""
        return self.start_date + dt.timedelta(days=int(day // 1))


def _horizon_problems(s: Scenario) -> list[tuple[tuple[str, ...], str, object]]:
    """The run must end by :data:`~sim.scenario.fields.LAST_DATE`: every date it computes or draws (a milestone,
    a band's day, an axis) lies between its start and its horizon."""
    end = s.start_date + dt.timedelta(days=s.horizon_days)
    if end > LAST_DATE:
        return [(("horizon_days",), f"the run would end on {end}, after {LAST_DATE}, the last date the tool can "
                                    f"compute and draw; shorten horizon_days or move start_date", s.horizon_days)]
    return []


__all__ = ["Scenario", "StateParty", "Declaration", "Site", "Lot", "UnfilledMunitions", "StructureGroup",
           "ProductionStructures", "Inspectorate", "Convoys", "Port", "Ship", "Facility", "Deadline", "Distribution",
           "REMOVAL_ROUTES", "EQUIPMENT_SITE_KINDS", "Strict", "Identifier", "unit_of", "ChallengeInspection",
           "Detection", "Dispersal", "ComplianceDelays", "Escalation", "Pressure", "RegionClosures",
           "ScheduledClosure", "SecurityClosures"]
