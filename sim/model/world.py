"""The world of one replication: the SimPy environment and the state every process shares.

Processes (one module per step and behaviour) read the scenario, draw from named streams, move tonnes in the
ledger, reach milestones and append flat event records.  Nothing here reads files, prints or aggregates
across replications.
"""

from __future__ import annotations

from typing import Any, Callable, Generator, NamedTuple

import simpy

from sim.distributions import Fixed
from sim.model.ledger import AT_SITE, DESTROYED, Ledger
from sim.scenario import EQUIPMENT_SITE_KINDS, REMOVAL_ROUTES, Scenario
from sim.streams import Streams

Process = Generator[simpy.Event, Any, Any]


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


class World:
    """Shared state of one replication."""

    def __init__(self, scenario: Scenario, seed: int, record_events: bool = True):
        self.s = scenario
        self.env = simpy.Environment()
        self.streams = Streams(seed)
        self.horizon = float(scenario.horizon_days)
        self.record_events = record_events
        self.records: list[Record] = []
        self.milestones: dict[str, float] = {}
        self.counters: dict[str, int] = {
            "convoys": 0, "voyages": 0, "access_denials": 0, "amendments": 0, "closures": 0,
        }
        self.detection_day: float | None = None

        lots = scenario.lots
        self.site_index = {site.id: i for i, site in enumerate(scenario.sites)}
        self.lot_site = [self.site_index[lot.site] for lot in lots]
        self.lot_facility = [scenario.facility_for(lot).id for lot in lots]
        self.ledger = Ledger(
            [lot.tonnes for lot in lots],
            [not scenario.sites[i].declared for i in self.lot_site],
            [lot.route in REMOVAL_ROUTES for lot in lots],
        )
        self.site_lots: list[list[int]] = [[] for _ in scenario.sites]
        for i, site in enumerate(self.lot_site):
            self.site_lots[site].append(i)
        # priority lots first: the order convoys load and ships carry them
        for members in self.site_lots:
            members.sort(key=lambda i: (not lots[i].priority, i))

        env = self.env
        self.steps_may_start = env.event()
        self.listing_submitted = env.event()
        self.declaration_submitted = env.event()
        self.site_inspected = [env.event() for _ in scenario.sites]
        self.site_inspected_day: list[float | None] = [None] * len(scenario.sites)
        self.equipment_sites = [
            i for i, site in enumerate(scenario.sites) if site.declared and site.kind in EQUIPMENT_SITE_KINDS
        ]
        self.site_declared = [site.declared for site in scenario.sites]
        self.teams = simpy.Resource(self.env, capacity=scenario.inspectorate.teams)
        # Set by sim.model.simulate: the behaviours and the callbacks that (re)start per-site work.
        self.compliance: Any = None
        self.security: Any = None
        self.dispersal: Any = None
        self.start_visit: Callable[[int], None] = lambda site: None
        self.start_site_removal: Callable[[int], None] = lambda site: None

    # ---- time, draws, records ------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.env.now

    def draw(self, dist: Any, stream: str) -> float:
        """One value of ``dist`` from the named stream (a fixed value touches no stream)."""
        if isinstance(dist, Fixed):
            return dist.value
        return dist.sample(self.streams[stream])

    def draw_each(self, dist: Any, stream: str, count: int) -> list[float]:
        """``count`` values of ``dist`` from one stream, in entity order (drawn up front, order-proof)."""
        if isinstance(dist, Fixed):
            return [dist.value] * count
        rng = self.streams[stream]
        return [dist.sample(rng) for _ in range(count)]

    def draw_each_dist(self, dists: list[Any], stream: str) -> list[float]:
        """One value of each distribution, in entity order, from one stream."""
        rng = None
        out = []
        for dist in dists:
            if isinstance(dist, Fixed):
                out.append(dist.value)
            else:
                rng = rng or self.streams[stream]
                out.append(dist.sample(rng))
        return out

    def log(self, event: str, entity: str = "", site: str = "", lot: str = "", agent: str = "",
            tonnes: float = 0.0, note: str = "") -> None:
        if self.record_events:
            self.records.append(Record(self.env.now, event, entity, site, lot, agent, tonnes, note))

    def reach(self, milestone: str) -> None:
        """Record that ``milestone`` is reached now; later calls keep the first day."""
        if milestone not in self.milestones:
            self.milestones[milestone] = self.env.now
            self.log("milestone", entity=milestone)

    def hold(self, milestone: str, condition: bool) -> None:
        """For a milestone that is a standing condition ("all declared X destroyed"): record the day it
        last became true. An amendment that declares more makes it false again, so the day moves later."""
        if condition:
            self.reach(milestone)
        elif milestone in self.milestones:
            del self.milestones[milestone]
            self.log("milestone_reopened", entity=milestone)

    def wait(self, days: float) -> simpy.Timeout:
        return self.env.timeout(max(0.0, days))

    def wait_until(self, day: float) -> simpy.Timeout:
        return self.env.timeout(max(0.0, day - self.env.now))

    # ---- milestone checks over the declared book ------------------------------------------------
    def check_removal(self, lots: list[int] | None = None) -> None:
        """Reach the removal milestones whose declared chemicals have all left the port.

        With ``lots`` (just shipped), nothing can change unless one of them is now fully removed."""
        if not self.declaration_submitted.triggered:
            return
        if lots is not None and all(self.ledger.unremoved_declared(i) > 1e-9 for i in lots):
            return
        lots = self.s.lots
        ledger = self.ledger
        route = [i for i, lot in enumerate(lots) if lot.route in REMOVAL_ROUTES and ledger.declared[i] > 0]
        self.hold("priority_removal_complete",
                  all(ledger.unremoved_declared(i) <= 1e-9 for i in route if lots[i].priority))
        self.hold("removal_complete", all(ledger.unremoved_declared(i) <= 1e-9 for i in route))

    def check_destruction(self, lot: int | None = None) -> None:
        """Reach the destruction milestones whose declared chemicals are all destroyed.

        With ``lot`` (just destroyed in part), nothing can change unless that lot is now done."""
        if not self.declaration_submitted.triggered:
            return
        if lot is not None and self.ledger.undestroyed_declared(lot) > 1e-9:
            return
        lots = self.s.lots
        ledger = self.ledger
        declared = [i for i in range(len(lots)) if ledger.declared[i] > 0]
        left = [i for i in declared if ledger.undestroyed_declared(i) > 1e-9]
        self.hold("priority_destruction_complete", not any(lots[i].priority for i in left))
        self.hold("category1_destroyed", not any(lots[i].category == 1 for i in left))
        self.hold("destruction_complete", not left)

    # ---- behaviour hooks (set by sim.model.simulate) ------------------------------------------------
    def compliance_delay(self, key: str, stream: str) -> float:
        """An extra delay of the compliance block (0 when it is off), shrunk by the current pressure."""
        return self.compliance.delay(key, stream)

    def on_site_inspected(self, site: int) -> None:
        """Called when inspectors finish a site: the declared book is reconciled, dispersal may be noticed."""
        self.dispersal.on_site_inspected(site)

    def declared_at_site(self, site: int, route_filter: tuple[str, ...]) -> list[int]:
        """Lots at ``site`` with declared tonnes still at the site, on one of the given routes."""
        lots = self.s.lots
        return [
            i for i in self.site_lots[site]
            if lots[i].route in route_filter and self.ledger.declared[i] > 0
            and self.ledger.of(i, AT_SITE) > 1e-9
        ]

    def declared_undestroyed(self) -> float:
        return sum(self.ledger.undestroyed_declared(i) for i in range(len(self.s.lots)))

    def destroyed_total(self) -> float:
        return self.ledger.totals[DESTROYED]
