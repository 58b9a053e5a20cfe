"""Step 4a: moving the chemicals along their routes through the plan network, out of the country or to a plant.

Every lot that is not destroyed where it lies travels the legs of its route (:mod:`sim.scenario.routes`):

* **From a site**, by vehicles of a pool (escorted convoys in the port shape): every declared site holding
  chemicals to move sends loads once it has been inspected, the declaration is in and the logistics are ready
  (``convoys.start_day``).  A pool is a SimPy Resource: a vehicle loads at the site, travels the link, hands
  over, and travels back.  Each site's loads take priority chemicals first.  A load whose site or link is
  closed waits for them to open before it takes a vehicle (and gives its vehicle back if they close while it
  waits for one), so a site cut off for months does not hold up the others.
* **From a place, by a pool** (a rail yard, a staging area): loads wait at the place; a dispatcher sends each
  vehicle off as it comes free, while the place and the link are open.
* **By ship or aircraft** (carriers): each waits at its link's start for cargo, sails when full, when no more
  cargo is on its way, or when it has waited ``max_wait_days``; loading takes a berth of the place (a Resource).
* **Directly** (nothing named to carry it): each load travels the link alone, e.g. a facility's onward delivery.

A tonne counts as *removed* when it leaves for a place abroad (in the port shape: when its ship leaves the port;
docs/model.md).  At the end of its route a load is handed to its destruction facility.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from sim.core.contract import TOLERANCE_T
import simpy

from sim.model.destruction import FacilityState
from sim.model.ledger import AT_PORT, AT_SITE, ON_ROAD, SHIPPED
from sim.scenario.routes import DIRECT, POOL
from sim.model.trail import Trail, ready_trail
from sim.model.world import Process, World

Cargo = list[list[Any]]  # [[lot index, tonnes, Trail], ...]: each part of a lot with its path so far


class PortState:
    """Cargo waiting at a place for one leg (a port for its ships, a yard for its wagons), and the carriers or
    the dispatcher waiting for it.

    Idle ships wait in line (first come, first served); cargo is *claimed* for a ship when it is woken (up to
    its capacity), so an arrival wakes only as many ships as the unclaimed cargo needs rather than every idle
    ship (which then queue for a berth to find nothing: with many ships, a cost that grew as ships times
    convoys).  A ship that has cargo and waits for more before sailing (``max_wait_days``) hears every arrival
    through :attr:`arrived`.
    """

    def __init__(self, w: World, berths: simpy.Resource | None):
        self.w = w
        self.cargo: Cargo = []
        self.tonnes = 0.0
        self.claimed = 0.0  # tonnes of capacity of ships woken for cargo that have not taken it yet
        self.idle: deque[tuple[simpy.Event, float]] = deque()
        self.arrived = w.env.event()
        self.berths = berths  # the place's berths (shared by the carrier legs from it); None for a pool leg
        self.upstream: list[PortState] = []  # stores whose cargo comes here next (set by Removal)

    def put(self, part: list[Any]) -> None:
        """A part arrives (then :meth:`announce`, once for all the parts that arrived together)."""
        self.cargo.append(part)
        self.tonnes += part[1]

    def announce(self) -> None:
        """Wake whoever waits for the cargo that has just arrived."""
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
        unit = self.w.plan.lot_unit_tonnes
        while self.cargo and room > TOLERANCE_T:
            lot, tonnes, trail = self.cargo[0]
            part = min(tonnes, room)
            if unit[lot] and part < tonnes - 1e-12:  # whole munitions; an empty hold takes one however big
                part = self.w.whole(lot, part) if taken else max(self.w.whole(lot, part), min(unit[lot], tonnes))
                if part <= TOLERANCE_T:
                    break
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
        """Whether declared chemicals on a removal route are still at a site or on the road, or wait at a place
        on their way here.  (Chemicals going to another port count too: a ship waits at most its
        ``max_wait_days`` for them.)"""
        if self.w.ledger.on_its_way > 0:
            return True
        for store in self.upstream:
            if store.tonnes > TOLERANCE_T:
                return True
        return False


class Removal:
    """Loads from every site with chemicals to move, the dispatchers of places, and the carriers."""

    def __init__(self, w: World, facilities: dict[str, FacilityState]):
        self.w = w
        self.facilities = facilities
        plan = w.plan
        network = plan.network
        self.legs = network.legs
        self.nodes = network.nodes
        self.berths = {k: simpy.Resource(w.env, capacity=node.berths) for k, node in enumerate(self.nodes)
                       if any(self.legs[leg].start == k for leg in plan.carrier_legs)}
        self.stores = {k: PortState(w, self.berths[self.legs[k].start]) for k in plan.carrier_legs}
        self.pools = {pool.id: simpy.Resource(w.env, capacity=pool.vehicles) for pool in network.pools}
        pool_legs = [k for k, leg in enumerate(self.legs) if leg.kind == POOL]
        transits = w.draw_each_dist([self.legs[k].transit for k in pool_legs], "convoy/road_days")
        self.transit_days = dict(zip(pool_legs, transits))  # drawn once per replication, in leg order
        self.running = [False] * len(w.s.sites)
        self.numbered: dict[str, int] = {}  # loads so far by label ("convoy", "train"): the trace numbers them
        self.start_day = w.draw(w.s.convoys.start_day, "convoy/start_day")
        self.next_release_day = 0.0
        for i in plan.convoy_order:
            if w.site_declared[i]:
                self.start_site(i)
        for k in plan.shuttle_legs:
            self.stores[k] = PortState(w, None)
            w.env.process(self._shuttle(k))
        for ship, leg in network.carriers:
            store = self.stores[leg]
            store.upstream = [self.stores[j] for j in plan.upstream_stores[leg]]
            w.env.process(ship_voyages(w, self, store, ship, leg))

    def start_site(self, i: int) -> None:
        """Start (or restart, after an amendment) the loads of site ``i`` if it has anything to move."""
        w = self.w
        if self.running[i] or not w.plan.site_route_lots[i]:
            return
        self.running[i] = True
        for leg, lots in w.plan.site_legs[i]:
            w.env.process(self._convoys(i, leg, lots))

    def arrive(self, leg: int, cargo: Cargo, state: int) -> None:
        """Hand ``cargo`` (its tonnes in ledger ``state``), which has just travelled ``leg``, to the next leg of
        each part's route or to its plant."""
        w = self.w
        if state == ON_ROAD and not self.nodes[self.legs[leg].end].abroad:  # waiting at a place in the country
            now, move = w.env.now, w.ledger.move
            for lot, tonnes, _ in cargo:
                move(now, lot, ON_ROAD, AT_PORT, tonnes)
            state = AT_PORT
        next_leg = w.plan.next_leg
        touched: list[PortState] = []
        for part in cargo:
            lot = part[0]
            following = next_leg[lot][leg]
            if following < 0:
                self.facilities[w.lot_facility[lot]].arrive(lot, part[1], state, part[2])
            elif self.legs[following].kind == DIRECT:
                self._direct(following, part, state)
            else:
                store = self.stores[following]
                store.put(part)
                if store not in touched:
                    touched.append(store)
        for store in touched:
            store.announce()

    def _direct(self, leg: int, part: list[Any], state: int) -> None:
        """A part travels ``leg`` alone: one timeout with a callback, rather than a process of its own."""
        w = self.w
        if self.legs[leg].leaves_country and state != SHIPPED:
            self._leave([part], state, "port_and_ship")
            state = SHIPPED
        days = w.draw(self.legs[leg].transit, self.legs[leg].transit_stream)
        if days > 0:
            w.wait(days).callbacks.append(lambda _: self.arrive(leg, [part], state))
        else:
            self.arrive(leg, [part], state)

    def _convoys(self, i: int, leg_index: int, lots: tuple[int, ...]) -> Process:
        w = self.w
        env = w.env
        timeout = env.timeout  # durations are drawn from non-negative distributions
        site = w.s.sites[i]
        leg = self.legs[leg_index]
        regions = leg.regions
        security = w.security
        gated = security.enabled
        release_delay = w.compliance.delay
        draw = w.draw
        road_days = self.transit_days[leg_index]
        vehicles = self.pools[leg.pool]
        capacity = leg.tonnes_per_trip
        destination = self.nodes[leg.end].label
        begun = env.now  # 0, or the amendment that declared the site
        yield w.declaration_submitted & w.site_inspected[i]
        declared = max(begun, w.milestones.get("declaration_submitted", env.now))
        trail = ready_trail(declared, env.now)  # the site's path so far
        yield w.wait_until(self.start_day)
        trail.add("logistics_start", env.now)
        while w.has_declared_to_move(lots):
            # The road first: a convoy for a site that is cut off takes no escort from the open sites.
            if gated and security.is_closed(regions):
                yield from security.wait_open(regions)
                trail.add("security_closures", env.now)
            with vehicles.request() as request:
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
                yield timeout(draw(leg.loading, leg.loading_stream))
                cargo = _load(w, lots, capacity, trail)  # the loading counts as its trip
                if not cargo:
                    break
                w.counters["convoys"] += 1
                if w.record_events:
                    number = self._number(leg.label)
                    tonnes = sum(item[1] for item in cargo)
                    w.log(f"{leg.label}_departed", entity=f"{leg.label} {number}", site=site.id, tonnes=tonnes,
                          note=_describe(w, cargo))
                if leg.leaves_country:
                    self._leave(cargo, ON_ROAD, "convoy_trip")
                yield timeout(road_days)
                for part in cargo:
                    part[2].add("convoy_trip", env.now)
                    part[2].arrived = env.now
                if w.record_events:
                    w.log(f"{leg.label}_delivered", entity=f"{leg.label} {number}", site=site.id, tonnes=tonnes,
                          note=f"{_describe(w, cargo)} to {destination}")
                self.arrive(leg_index, cargo, SHIPPED if leg.leaves_country else ON_ROAD)
                yield timeout(road_days)
                trail.add("earlier_convoys", env.now)  # what is left at the site waited for this convoy
        self.running[i] = False

    def _number(self, label: str) -> int:
        """The number of the next load of ``label`` in the trace (loads of each kind are numbered from 1)."""
        self.numbered[label] = number = self.numbered.get(label, 0) + 1
        return number

    def _leave(self, cargo: Cargo, state: int, cause: str) -> None:
        """``cargo`` leaves the country now: removed (its milestones may move)."""
        w = self.w
        now = w.env.now
        move = w.ledger.move
        for lot, tonnes, trail in cargo:
            move(now, lot, state, SHIPPED, tonnes)
            trail.add(cause, now)
        w.reach("first_removal")
        w.path_items = [(lot, trail) for lot, _, trail in cargo]
        w.check_removal([lot for lot, _, _ in cargo])
        w.path_items = []

    def _shuttle(self, leg_index: int) -> Process:
        """The dispatcher of a pool leg from a place: sends a vehicle with a load whenever both are there."""
        w = self.w
        env = w.env
        leg = self.legs[leg_index]
        store = self.stores[leg_index]
        vehicles = self.pools[leg.pool]
        security = w.security
        while True:
            claimed = store.wait_for_cargo(leg.tonnes_per_trip)
            if claimed is not None:
                yield claimed
            if security.enabled and security.is_closed(leg.regions):
                yield from security.wait_open(leg.regions)
            request = vehicles.request()
            yield request
            yield env.timeout(w.draw(leg.loading, leg.loading_stream))
            cargo = store.take(leg.tonnes_per_trip)
            if not cargo:
                vehicles.release(request)
                continue
            env.process(self._trip(leg_index, cargo, request))

    def _trip(self, leg_index: int, cargo: Cargo, request: simpy.Event) -> Process:
        w = self.w
        env = w.env
        leg = self.legs[leg_index]
        now = env.now
        for part in cargo:
            part[2].add("escort", now)  # waiting at the place for a vehicle (and loading it)
        w.counters["convoys"] += 1
        tonnes = sum(item[1] for item in cargo)
        if w.record_events:
            name = f"{leg.label} {self._number(leg.label)}"
            w.log(f"{leg.label}_departed", entity=name, tonnes=tonnes,
                  note=f"{_describe(w, cargo)} from {self.nodes[leg.start].label}")
        abroad = self.nodes[leg.start].abroad
        if leg.leaves_country:
            self._leave(cargo, AT_PORT, "escort")
        elif not abroad:
            for lot, part_tonnes, _ in cargo:
                w.ledger.move(now, lot, AT_PORT, ON_ROAD, part_tonnes)
        days = self.transit_days[leg_index]
        yield env.timeout(days)
        for part in cargo:
            part[2].add("convoy_trip", env.now)
            part[2].arrived = env.now
        if w.record_events:
            w.log(f"{leg.label}_delivered", entity=name, tonnes=tonnes,
                  note=f"{_describe(w, cargo)} to {self.nodes[leg.end].label}")
        self.arrive(leg_index, cargo, SHIPPED if leg.leaves_country or abroad else ON_ROAD)
        yield env.timeout(days)
        self.pools[leg.pool].release(request)


def _load(w: World, lots: tuple[int, ...], capacity: float, trail: Trail) -> Cargo:
    """Load up to ``capacity`` tonnes of ``lots`` (of one site, in loading order); each part carries a copy of
    the site's ``trail`` (the loading it just waited for counts as the convoy's trip)."""
    cargo: Cargo = []
    room = capacity
    ledger, now = w.ledger, w.env.now
    unit = w.plan.lot_unit_tonnes
    for lot in w.declared_to_move(lots):
        if room <= TOLERANCE_T:
            break
        part = min(ledger.tonnes[lot][AT_SITE], room)
        if unit[lot]:  # whole munitions; an empty vehicle takes one however big
            part = w.whole(lot, part) if cargo or part >= unit[lot] else min(unit[lot], ledger.tonnes[lot][AT_SITE])
            if part <= TOLERANCE_T:
                continue
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


HOLD_CHECK_DAYS = 1.0
"""A ship holding cargo at sea looks at its port's cargo once a day (and at every arrival)."""


def ship_voyages(w: World, removal: Removal, port: PortState, k: int, leg_index: int) -> Process:
    """Ship (or aircraft) ``k`` shuttling on ``leg_index`` from the start of the leg.

    A ship that ``holds_at_sea`` keeps what it loaded aboard and waits at sea (``holding_days`` from the port)
    until its hold is full, or nothing more will come to its port, and the plants of its cargo accept it; it
    comes back to the port for each new load (as the Ark Futura did off Latakia from January to June 2014)."""
    ship = w.s.ships[k]
    leg = removal.legs[leg_index]
    label = ship.name or ship.id
    start, end = removal.nodes[leg.start], removal.nodes[leg.end]
    env, draw, ledger = w.env, w.draw, w.ledger
    timeout = env.timeout  # durations are drawn from non-negative distributions
    capacity = ship.capacity_tonnes
    holds = ship.holds_at_sea
    stream = f"ship/{ship.id}/"
    max_wait_stream, loading_stream = stream + "max_wait_days", stream + "loading_days"
    voyage_stream, return_stream = stream + "voyage_days", stream + "return_days"
    holding_stream = stream + "holding_days"
    state = AT_PORT if not start.abroad else SHIPPED
    aboard: Cargo = []  # held at sea (holds_at_sea only)
    yield w.wait_until(draw(ship.available_day, stream + "available_day"))
    while True:
        room = capacity - sum(item[1] for item in aboard) if aboard else capacity
        if not aboard:
            claimed = port.wait_for_cargo(capacity)
            if claimed is not None:
                yield claimed
        else:  # at sea with cargo: back to the port when there is more for it, else on to the plants
            while port.tonnes <= TOLERANCE_T and port.more_expected():
                yield port.arrived | timeout(HOLD_CHECK_DAYS)
            if port.tonnes <= TOLERANCE_T:
                yield from _until_accepted(w, removal, aboard)
                yield from _voyage(w, removal, ship, label, leg_index, aboard, voyage_stream, return_stream)
                aboard = []
                continue
            yield timeout(draw(ship.holding_days, holding_stream))
            if w.record_events:
                w.log("ship_returned", entity=label, note=f"to {start.label} for more cargo")
        waited_until = env.now + draw(ship.max_wait_days, max_wait_stream)
        while env.now < waited_until and port.tonnes < room - TOLERANCE_T and port.more_expected():
            yield port.arrived | timeout(waited_until - env.now)
        with port.berths.request() as berth:
            yield berth
            cargo = port.take(room)
            if not cargo:
                continue
            yield timeout(draw(ship.loading_days, loading_stream))
        w.counters["voyages"] += 1
        tonnes = sum(item[1] for item in cargo)
        if w.record_events:
            w.log("ship_departed", entity=label, tonnes=tonnes, note=f"{_describe(w, cargo)} from {start.label}")
        if leg.leaves_country:
            removal._leave(cargo, state, "port_and_ship")
            carried = SHIPPED
        else:
            now = env.now
            for lot, part, trail in cargo:
                if state == AT_PORT:
                    ledger.move(now, lot, AT_PORT, ON_ROAD, part)
                trail.add("port_and_ship", now)
            carried = state if state == SHIPPED else ON_ROAD
        if not holds:
            yield from _voyage(w, removal, ship, label, leg_index, cargo, voyage_stream, return_stream, carried)
            continue
        aboard += cargo
        if room - tonnes > TOLERANCE_T and (port.tonnes > TOLERANCE_T or port.more_expected()):
            if w.record_events:
                w.log("ship_holding", entity=label, tonnes=sum(item[1] for item in aboard),
                      note="cargo held at sea, waiting for more")
            yield timeout(draw(ship.holding_days, holding_stream))
            continue
        yield from _until_accepted(w, removal, aboard)
        yield from _voyage(w, removal, ship, label, leg_index, aboard, voyage_stream, return_stream, carried)
        aboard = []


def _until_accepted(w: World, removal: Removal, cargo: Cargo) -> Process:
    """Wait at sea until every plant of ``cargo`` accepts deliveries."""
    for lot, _, _ in cargo:
        facility = removal.facilities[w.lot_facility[lot]]
        if not facility.accepts:
            if w.record_events:
                w.log("ship_holding", note=f"waiting for {facility.f.name or facility.f.id} to accept its cargo")
            yield facility.accepted()


def _voyage(w: World, removal: Removal, ship: Any, label: str, leg_index: int, cargo: Cargo, voyage_stream: str,
            return_stream: str, carried: int = SHIPPED) -> Process:
    """Sail ``cargo`` to the end of the leg, hand it on, and come back."""
    env = w.env
    end = removal.nodes[removal.legs[leg_index].end]
    yield env.timeout(w.draw(ship.voyage_days, voyage_stream))
    if w.record_events:
        w.log("ship_arrived", entity=label, tonnes=sum(item[1] for item in cargo), note=f"at {end.label}")
    now = env.now
    for part in cargo:
        part[2].add("voyage", now)
    removal.arrive(leg_index, cargo, carried)
    yield env.timeout(w.draw(ship.return_days, return_stream))
