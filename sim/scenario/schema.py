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
from sim.scenario.gates import Gate, GateCandidate
from sim.scenario.fields import (EQUIPMENT_SITE_KINDS, FIRST_DATE, LAST_DATE, MAX_HORIZON_DAYS, CalendarDate,
                                 Days, Identifier, PositiveTonnes, Route, SiteKind, Strict, unit_of)
from sim.scenario.network import Link, Place, Pool
from sim.scenario.places import FacilityMethod, StructureMethod
from sim.scenario.references import REMOVAL_ROUTES, reference_problems
from sim.scenario.milestones import plan_milestones, uncounted_problems
from sim.scenario.routes import network_problems
from sim.scenario.stages import StagePlan, plan_problems
from sim.scenario.uses import Uses, uses_problems
from sim.scenario.verification import Concealment, Verification, verification_problems

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
    road_days_to_port: Days | None = Field(
        None, description="Road transit from the site to the port of embarkation, days (the port shape; a scenario "
                          "with links gives its roads as links).")
    travel_days: Days | None = Field(None, description="Inspectors' travel to this site, days [default: the "
                                                        "inspectorate's travel_days]; e.g. 0 for a site verified "
                                                        "remotely.")
    verification_days: Days | None = Field(None, description="Verification at this site, days [default: the "
                                                              "inspectorate's verification_days].")


class FilledMunitions(Strict):
    """The munitions a lot's agent is filled in: each is moved and destroyed whole."""

    count: int = Field(ge=1, le=100_000_000, description="Number of munitions.")
    type: str = Field("", description="e.g. 122 mm rocket, 155 mm shell, aerial bomb.")
    fill_kg: float = Field(gt=0.0, le=1.0e6, description="Agent per munition, kg.")

    @property
    def tonnes(self) -> float:
        return self.count * self.fill_kg / 1000.0


class Lot(Strict):
    """A quantity of one chemical at one site: in bulk (tonnes) or filled in munitions (a count)."""

    id: Identifier
    agent: Identifier = Field(description="Chemical name, e.g. DF, HD, isopropanol.")
    category: Literal[1, 2, 3] = Field(description="CWC category of the chemical weapon.")
    tonnes: PositiveTonnes = Field(description="Tonnes of agent (with munitions: count x fill_kg / 1000, which may "
                                               "be left out).")
    site: Identifier
    form: Literal["bulk", "munitions"] = Field("bulk", description="bulk, or munitions (then give munitions).")
    munitions: FilledMunitions | None = Field(
        None, description="With form: munitions, the count, type and fill: loads, ships and destruction batches "
                          "take whole munitions, and runs count them.")
    route: Route | None = Field(None, description="The port shape's route: sea (to a ship-borne plant), commercial "
                                                  "(to an incinerator abroad), in_country (destroyed where it lies). "
                                                  "A scenario with links gives a path or lets the quickest be found.")
    path: list[Identifier] = Field(
        default_factory=list,
        description="With links: the places the lot travels through, from its site to its plant; default: the "
                    "quickest route (by mean transit time) to the plant that destroys it.")
    priority: bool = Field(False, description="A 'priority chemical' in the sense of EC-M-34/DEC.1.")
    facility: Identifier | None = Field(
        None, description="Facility that destroys the lot; default: the first facility that accepts it."
    )

    @model_validator(mode="before")
    @classmethod
    def _tonnes_of_munitions(cls, data: object) -> object:
        """With munitions and no tonnes, the tonnes are their fill."""
        if isinstance(data, dict) and "tonnes" not in data and isinstance(data.get("munitions"), dict):
            munitions = data["munitions"]
            count, fill = munitions.get("count"), munitions.get("fill_kg")
            if type(count) is int and isinstance(fill, (int, float)) and not isinstance(fill, bool):
                return {**data, "tonnes": count * fill / 1000.0}
        return data

    @model_validator(mode="after")
    def _munitions_agree(self) -> "Lot":
        if self.munitions is not None:
            if self.form != "munitions":
                raise ValueError("a lot with munitions has form: munitions")
            if abs(self.munitions.tonnes - self.tonnes) > 1e-9 * max(1.0, self.tonnes):
                raise ValueError(f"{self.munitions.count} munitions of {self.munitions.fill_kg:g} kg hold "
                                 f"{self.munitions.tonnes:g} t, not {self.tonnes:g} t: give tonnes: "
                                 f"{self.munitions.tonnes:g}, or leave tonnes out")
        return self


class UnfilledMunitions(Strict):
    """Unfilled munitions (Category 3), destroyed in the country by crushing or cutting."""

    count: int = Field(0, ge=0, le=10_000_000)
    start_day: Days = Field(fixed(0.0), description="Earliest day destruction can begin (site inspected first).")
    destroyed_per_day: Days = Field(fixed(100.0), description="Munitions destroyed per day.")
    site: Identifier | None = Field(None, description="Site holding them; destruction waits for its inspection.")
    gates: list[Identifier] = Field(default_factory=list, description="Ids of the gates their destruction waits "
                                                                      "for, as well as start_day.")

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
    site: Identifier | None = Field(
        None, description="Site where the structures stand: a crew starts one only while the site's region is "
                          "open, and, at a declared site, once the site is inspected."
    )
    method: StructureMethod = Field("demolition", description="How they are destroyed (a label in the trace).")


class ProductionStructures(Strict):
    """Production-facility structures to be destroyed (CWC Art. V)."""

    start_day: Days = Field(fixed(0.0), description="Day demolition may begin.")
    crews: int = Field(1, ge=1, le=10_000, description="Structures that can be demolished at once.")
    groups: list[StructureGroup] = Field(default_factory=list)
    gates: list[Identifier] = Field(default_factory=list, description="Ids of the gates demolition waits for, as "
                                                                      "well as start_day.")


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
    escorts: int | None = Field(None, ge=1, le=10_000, description="Convoys that can be on the road at once: the "
                                                                   "pool 'convoys' (every road of the port shape; "
                                                                   "with links, those that name it).")
    tonnes_per_convoy: PositiveTonnes | None = Field(None, description="Tonnes a convoy carries.")
    loading_days: Days = Field(fixed(0.0), description="Loading at the site, per convoy.")
    gates: list[Identifier] = Field(default_factory=list, description="Ids of the gates convoys wait for, as "
                                                                      "well as start_day (vehicles, packaging).")


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
    voyage_days: Days = Field(description="Port of embarkation to the transfer port (with links: the start of its "
                                          "link to the end), days.")
    return_days: Days = Field(description="Back to the port of embarkation, days.")
    link: Identifier | None = Field(None, description="With links: the sea or air link the ship (or aircraft) "
                                                      "sails, from a port or airfield.")
    holds_at_sea: bool = Field(False, description="A floating store: the ship keeps each load aboard and waits at "
                                                  "sea until it is full, or nothing more will come, and the plants "
                                                  "of its cargo accept it; it comes back to the port for each load.")
    holding_days: Days = Field(fixed(0.0), description="With holds_at_sea: sailing between the port and where the "
                                                       "ship waits at sea, each way, days.")


class Facility(Strict):
    """A destruction facility: which chemicals it accepts and how fast it destroys them."""

    id: Identifier
    name: str = ""
    location: str = ""
    route: Route | None = Field(None, description="The port shape's route of the lots it accepts (sea, commercial, "
                                                  "in_country); a scenario with links needs none.")
    abroad: bool = Field(False, description="With links: the plant is outside the state (a tonne leaving for it "
                                            "counts as removed).")
    agents: list[Identifier] | None = Field(None, description="Agents accepted; all if omitted.")
    categories: list[Literal[1, 2, 3]] | None = Field(None, description="Categories accepted; all if omitted.")
    lines: int = Field(1, ge=1, le=1000, description="Parallel destruction lines.")
    line_rate_t_per_day: Days = Field(description="Tonnes one line destroys per day (drawn once per replication).")
    available_day: Days = Field(fixed(0.0), description="Day the facility can begin.")
    setup_days: Days = Field(
        fixed(0.0), description="Days from the first delivery (with start_after_all_received: the last) to operation."
    )
    delivery_days: Days = Field(fixed(0.0), description="Transfer port to the facility, days (abroad only).")
    batch_tonnes: PositiveTonnes = Field(25.0, description="Tonnes per batch: the model's unit of destruction work "
                                                           "(of munitions: as many whole munitions, at least one).")
    munitions_per_day: Days | None = Field(
        None, description="A line's rate for lots of munitions, munitions per day (drawn once per replication); "
                          "default: their tonnes at line_rate_t_per_day.")
    start_after_all_received: bool = Field(
        False, description="Begin only once everything declared for it has arrived (as the Cape Ray did)."
    )
    site: Identifier | None = Field(
        None, description="Site of an in-country plant: it is in the site's region (give site or region)."
    )
    region: Identifier | None = Field(
        None, description="Region of a plant not at a site: a line starts no batch while it is closed."
    )
    construction_days: Days = Field(
        fixed(0.0), description="Days to build the plant, counted from available_day."
    )
    commissioning_days: Days = Field(
        fixed(0.0), description="Days to commission it once built; then its lines may start."
    )
    method: FacilityMethod | None = Field(None, description="How it destroys (a label in the trace).")
    gates: list[Identifier] = Field(default_factory=list, description="Ids of the gates the facility waits for, "
                                                                      "as well as available_day (a host country).")

    @model_validator(mode="after")
    def _rate_positive(self) -> "Facility":
        if self.line_rate_t_per_day.support()[0] <= 0:
            raise ValueError("line_rate_t_per_day must be positive")
        if self.munitions_per_day is not None and self.munitions_per_day.support()[0] <= 0:
            raise ValueError("munitions_per_day must be positive")
        return self

    def accepts(self, lot: Lot) -> bool:
        """Whether this facility can destroy ``lot``."""
        return (
            (self.route is None or lot.route is None or self.route == lot.route)
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
    port: Port | None = Field(None, description="The port shape: the port of embarkation.")
    transfer_port: Port | None = Field(None, description="The port shape: where ships hand their cargo on.")
    places: list[Place] = Field(default_factory=list, description="With links: the places that are neither sites "
                                                                  "nor plants.")
    pools: list[Pool] = Field(default_factory=list, description="With links: the vehicle pools.")
    links: list[Link] = Field(default_factory=list, description="The plan network's links; none: the port shape.")
    ships: list[Ship] = Field(default_factory=list)
    facilities: list[Facility] = Field(min_length=1)
    deadlines: list[Deadline] = Field(default_factory=list)
    dispersal: Dispersal = Dispersal()
    concealment: Concealment = Field(Concealment(), description="What the state withholds from its declaration "
                                                                "(docs/verification.md).")
    verification: Verification = Field(Verification(), description="How concealment is found out and what the "
                                                                    "state answers (docs/verification.md).")
    uses: Uses = Field(Uses(), description="After the plan: uses of retained capability, their investigation and "
                                           "attribution, reconstitution (docs/afterwards.md).")
    compliance: ComplianceDelays = ComplianceDelays()
    pressure: Pressure = Pressure()
    security: SecurityClosures = SecurityClosures()
    gates: list[Gate] = Field(default_factory=list, description="Events parts of the plan wait for: pledges, "
                                                                "deliveries, a host's agreement (docs/model.md).")

    plan: StagePlan = StagePlan()

    @model_validator(mode="after")
    def _check_references(self) -> "Scenario":
        problems = list(reference_problems(self)) + plan_problems(self) + verification_problems(self)
        if not problems:
            problems += uses_problems(self)
        if not problems:  # the network is built from known sites, plants and facilities
            problems += network_problems(self)
        if not problems:  # what counts nothing here, now that the routes are known
            problems += uncounted_problems(self)
        problems += _horizon_problems(self)
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
        """The milestones of this scenario's plan, in contract order (:func:`sim.scenario.milestones.plan_milestones`)."""
        return plan_milestones(self)

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


__all__ = ["Scenario", "StateParty", "Declaration", "Site", "Lot", "FilledMunitions", "UnfilledMunitions", "StructureGroup",
           "ProductionStructures", "Inspectorate", "Convoys", "Port", "Ship", "Facility", "Deadline", "Distribution",
           "REMOVAL_ROUTES", "EQUIPMENT_SITE_KINDS", "Strict", "Identifier", "unit_of", "ChallengeInspection",
           "Detection", "Dispersal", "ComplianceDelays", "Escalation", "Pressure", "RegionClosures",
           "ScheduledClosure", "SecurityClosures", "Place", "Pool", "Link", "Gate", "GateCandidate"]
