"""Step 4a: removal, by road convoy to the port of embarkation and by ship out of the country.

Convoys: every declared site holding chemicals on a removal route (sea or commercial) sends convoys once it has
been inspected, the declaration is in and the logistics are ready (``convoys.start_day``).  Escorts are a SimPy
Resource: an escort loads at the site, drives to port, hands over, and drives back.  Each site's convoys take
priority chemicals first.  A convoy whose site or roads are closed waits for them to open before it takes an
escort (and gives its escort back if they close while it waits for one), so a site cut off for months does not
hold up the others.

Ships: each ship waits at the port of embarkation for cargo, sails when full, when no more cargo is on its
way, or when it has waited ``max_wait_days``; loading takes a berth (a Resource).  A tonne counts as *removed*
when its ship leaves (docs/model.md).  At the transfer port the cargo is handed to its destruction facility.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from sim.core.contract import TOLERANCE_T
import simpy

from sim.model.destruction import FacilityState
from sim.model.ledger import AT_PORT, AT_SITE, ON_ROAD, SHIPPED
from sim.model.trail import Trail, ready_trail
from sim.model.world import Process, World

Cargo = list[list[Any]]  # [[lot index, tonnes, Trail], ...]: each part of a lot with its path so far


class PortState:
    """Cargo waiting at the port of embarkation, and the ships waiting for it.

    Idle ships wait in line (first come, first served); cargo is *claimed* for a ship when it is woken (up to
    its capacity), so an arrival wakes only as many ships as the unclaimed cargo needs rather than every idle
    ship (which then queue for a berth to find nothing: with many ships, a cost that grew as ships times
    convoys).  A ship that has cargo and waits for more before sailing (``max_wait_days``) hears every arrival
    through :attr:`arrived`.
    """

    def __init__(self, w: World):
        self.w = w
        self.cargo: Cargo = []
        self.tonnes = 0.0
        self.claimed = 0.0  # tonnes of capacity of ships woken for cargo that have not taken it yet
        self.idle: deque[tuple[simpy.Event, float]] = deque()
        self.arrived = w.env.event()
        self.berths = simpy.Resource(w.env, capacity=w.s.port.berths)

    def add(self, cargo: Cargo) -> None:
        move, now = self.w.ledger.move, self.w.env.now
        for lot, tonnes, trail in cargo:
            move(now, lot, ON_ROAD, AT_PORT, tonnes)
            trail.add("convoy_trip", now)
            trail.arrived = now
            self.cargo.append([lot, tonnes, trail])
            self.tonnes += tonnes
        self._wake()
        if self.arrived.callbacks:  # ships collecting a fuller load
            event, self.arrived = self.arrived, self.w.env.event()
            event.succeed()

    def wait_for_cargo(self, capacity: float) -> simpy.Event | None:
        """Claim cargo for a ship of ``capacity`` tonnes: None if unclaimed cargo is here, else the event
        that succeeds once cargo has arrived and been claimed for it."""
        if self.tonnes - self.claimed > TOLERANCE_T:
            self.claimed += capacity
            return None
        event = self.w.env.event()
        self.idle.append((event, capacity))
        return event

    def _wake(self) -> None:
        while self.idle and self.tonnes - self.claimed > TOLERANCE_T:
            event, capacity = self.idle.popleft()
            self.claimed += capacity
            event.succeed()

    def take(self, capacity: float) -> Cargo:
        """Up to ``capacity`` tonnes, priority chemicals first; releases the ship's claim."""
        self.claimed = max(0.0, self.claimed - capacity)
        taken = self._take(capacity)
        self._wake()  # what is left, for the next ship in line
        return taken

    def _take(self, capacity: float) -> Cargo:
        priority = self.w.plan.lot_priority
        self.cargo.sort(key=lambda item: not priority[item[0]])
        taken: Cargo = []
        room = capacity
        while self.cargo and room > TOLERANCE_T:
            lot, tonnes, trail = self.cargo[0]
            part = min(tonnes, room)
            room -= part
            if part >= tonnes - 1e-12:
                self.cargo.pop(0)
                taken.append([lot, part, trail])
            else:
                self.cargo[0][1] = tonnes - part
                taken.append([lot, part, trail.copy()])  # the rest waits on with the trail it had
        self.tonnes = sum(item[1] for item in self.cargo)
        return taken

    def more_expected(self) -> bool:
        """Whether declared chemicals on a removal route are still at a site or on the road."""
        return self.w.ledger.on_its_way > 0


class Removal:
    """Convoys from every site with chemicals on a removal route, and the ships."""

    def __init__(self, w: World, facilities: dict[str, FacilityState]):
        self.w = w
        self.port = PortState(w)
        self.escorts = simpy.Resource(w.env, capacity=w.s.convoys.escorts)
        self.road_days = w.draw_each_dist([site.road_days_to_port for site in w.s.sites], "convoy/road_days")
        self.running = [False] * len(w.s.sites)
        self.start_day = w.draw(w.s.convoys.start_day, "convoy/start_day")
        self.next_release_day = 0.0
        for i in w.plan.convoy_order:
            if w.site_declared[i]:
                self.start_site(i)
        for k in range(len(w.s.ships)):
            w.env.process(ship_voyages(w, self.port, k, facilities))

    def start_site(self, i: int) -> None:
        """Start (or restart, after an amendment) the convoys of site ``i`` if it has anything to move."""
        w = self.w
        if self.running[i] or not w.plan.site_route_lots[i]:
            return
        self.running[i] = True
        w.env.process(self._convoys(i))

    def _convoys(self, i: int) -> Process:
        w = self.w
        env = w.env
        timeout = env.timeout  # durations are drawn from non-negative distributions
        site = w.s.sites[i]
        convoys = w.s.convoys
        regions = w.plan.site_regions[i]
        security = w.security
        gated = security.enabled
        release_delay = w.compliance.delay
        draw = w.draw
        road_days = self.road_days[i]
        begun = env.now  # 0, or the amendment that declared the site
        yield w.declaration_submitted & w.site_inspected[i]
        declared = max(begun, w.milestones.get("declaration_submitted", env.now))
        trail = ready_trail(declared, env.now)  # the site's path so far
        yield from w.wait_for_stages("removal")  # stages the plan puts first (none by default); counted below
        yield w.wait_until(self.start_day)
        trail.add("logistics_start", env.now)
        while w.has_declared_to_remove(i):
            # The road first: a convoy for a site that is cut off takes no escort from the open sites.
            if gated and security.is_closed(regions):
                yield from security.wait_open(regions)
                trail.add("security_closures", env.now)
            with self.escorts.request() as request:
                yield request
                trail.add("escort", env.now)
                if gated and security.is_closed(regions):
                    continue  # closed while it waited for an escort: hand the escort back and wait again
                # Compliance: the state releases convoys one at a time, each a delay after the previous release.
                if self.next_release_day > env.now:
                    yield timeout(self.next_release_day - env.now)
                    trail.add("convoy_release", env.now)
                self.next_release_day = env.now + release_delay("convoy_release_delay_days",
                                                                 "compliance/convoy_release_delay_days")
                yield timeout(draw(convoys.loading_days, "convoy/loading_days"))
                cargo = _load(w, i, convoys.tonnes_per_convoy, trail)  # the loading counts as its trip
                if not cargo:
                    break
                w.counters["convoys"] += 1
                if w.record_events:
                    number = w.counters["convoys"]
                    tonnes = sum(item[1] for item in cargo)
                    w.log("convoy_departed", entity=f"convoy {number}", site=site.id, tonnes=tonnes,
                          note=_describe(w, cargo))
                yield timeout(road_days)
                self.port.add(cargo)
                if w.record_events:
                    w.log("convoy_delivered", entity=f"convoy {number}", site=site.id, tonnes=tonnes,
                          note=f"{_describe(w, cargo)} to {w.s.port.name}")
                yield timeout(road_days)
                trail.add("earlier_convoys", env.now)  # what is left at the site waited for this convoy
        self.running[i] = False


def _load(w: World, i: int, capacity: float, trail: Trail) -> Cargo:
    """Load up to ``capacity`` tonnes of site ``i``; each part carries a copy of the site's ``trail`` (the
    loading it just waited for counts as the convoy's trip)."""
    cargo: Cargo = []
    room = capacity
    ledger, now = w.ledger, w.env.now
    for lot in w.declared_to_remove(i):
        if room <= TOLERANCE_T:
            break
        part = min(ledger.tonnes[lot][AT_SITE], room)
        ledger.move(now, lot, AT_SITE, ON_ROAD, part)
        cargo.append([lot, part, trail.copy()])
        room -= part
    return cargo


def _describe(w: World, cargo: Cargo) -> str:
    by_agent: dict[str, float] = {}
    for lot, tonnes, _ in cargo:
        agent = w.s.lots[lot].agent
        by_agent[agent] = by_agent.get(agent, 0.0) + tonnes
    return ", ".join(f"{t:.1f} t of {a}" for a, t in by_agent.items())


def ship_voyages(w: World, port: PortState, k: int, facilities: dict[str, FacilityState]) -> Process:
    ship = w.s.ships[k]
    label = ship.name or ship.id
    env, draw, ledger = w.env, w.draw, w.ledger
    timeout = env.timeout  # durations are drawn from non-negative distributions
    capacity = ship.capacity_tonnes
    stream = f"ship/{ship.id}/"
    max_wait_stream, loading_stream = stream + "max_wait_days", stream + "loading_days"
    voyage_stream, return_stream = stream + "voyage_days", stream + "return_days"
    yield w.wait_until(draw(ship.available_day, stream + "available_day"))
    while True:
        claimed = port.wait_for_cargo(capacity)
        if claimed is not None:
            yield claimed
        waited_until = env.now + draw(ship.max_wait_days, max_wait_stream)
        while env.now < waited_until and port.tonnes < capacity - TOLERANCE_T and port.more_expected():
            yield port.arrived | timeout(waited_until - env.now)
        with port.berths.request() as berth:
            yield berth
            cargo = port.take(capacity)
            if not cargo:
                continue
            yield timeout(draw(ship.loading_days, loading_stream))
        now = env.now
        for lot, tonnes, trail in cargo:
            ledger.move(now, lot, AT_PORT, SHIPPED, tonnes)
            trail.add("port_and_ship", now)
        w.counters["voyages"] += 1
        if w.record_events:
            tonnes = sum(item[1] for item in cargo)
            w.log("ship_departed", entity=label, tonnes=tonnes, note=f"{_describe(w, cargo)} from {w.s.port.name}")
        w.reach("first_removal")
        w.path_items = [(lot, trail) for lot, _, trail in cargo]
        w.check_removal([lot for lot, _, _ in cargo])
        w.path_items = []
        yield timeout(draw(ship.voyage_days, voyage_stream))
        if w.record_events:
            w.log("ship_arrived", entity=label, tonnes=tonnes, note=f"at {w.s.transfer_port.name}")
        lot_facility = w.lot_facility
        for lot, part, trail in cargo:
            trail.add("voyage", env.now)
            facilities[lot_facility[lot]].deliver(lot, part, trail)
        yield timeout(draw(ship.return_days, return_stream))
