"""Step 4a: moving the chemicals along their routes through the plan network, out of the country or to a plant.

Every lot that is not destroyed where it lies travels the legs of its route (:mod:`sim.scenario.routes`):

* **From a site**, by vehicles of a pool (escorted convoys in the port shape): every declared site holding
  chemicals to move sends loads once it has been inspected, the declaration is in and the logistics are ready
  (``convoys.start_day``).  A pool is a set of slots (sim.model.slots): a vehicle loads at the site, travels
  the link, hands over, and travels back.  Each site's loads take priority chemicals first.  A load whose site or link is
  closed waits for them to open before it takes a vehicle (and gives its vehicle back if they close while it
  waits for one), so a site cut off for months does not hold up the others.
* **From a place, by a pool** (a rail yard, a staging area): loads wait at the place; a dispatcher sends each
  vehicle off as it comes free, while the place and the link are open.
* **By ship or aircraft** (carriers): each waits at its link's start for cargo, sails when full, when no more
  cargo is on its way, or when it has waited ``max_wait_days``; loading takes a berth of the place (a slot).
* **Directly** (nothing named to carry it): each load travels the link alone, e.g. a facility's onward delivery.

A tonne counts as *removed* when it leaves for a place abroad (in the port shape: when its ship leaves the port;
docs/model.md).  At the end of its route a load is handed to its destruction facility.
"""

from __future__ import annotations

from typing import Any

import simpy

from sim.core.contract import TOLERANCE_T
from sim.model.carriers import ship_voyages
from sim.model.destruction import FacilityState
from sim.model.ledger import AT_PORT, AT_SITE, ON_ROAD, SHIPPED
from sim.model.slots import SlotRequest, Slots
from sim.model.stores import Cargo, PortState, describe
from sim.model.trail import Trail, ready_trail
from sim.model.world import Process, World
from sim.scenario.routes import DIRECT, POOL


class Removal:
    """Loads from every site with chemicals to move, the dispatchers of places, and the carriers."""

    def __init__(self, w: World, facilities: dict[str, FacilityState]):
        self.w = w
        self.facilities = facilities
        plan = w.plan
        network = plan.network
        self.legs = network.legs
        self.nodes = network.nodes
        self.berths = {k: Slots(w.env, node.berths) for k, node in enumerate(self.nodes)
                       if any(self.legs[leg].start == k for leg in plan.carrier_legs)}
        self.stores = {k: PortState(w, self.berths[self.legs[k].start]) for k in plan.carrier_legs}
        self.pools = {pool.id: Slots(w.env, pool.vehicles) for pool in network.pools}
        pool_legs = [k for k, leg in enumerate(self.legs) if leg.kind == POOL]
        transits = w.draw_each_dist([self.legs[k].transit for k in pool_legs], "convoy/road_days")
        self.transit_days = dict(zip(pool_legs, transits))  # drawn once per replication, in leg order
        self.running: set[tuple[int, int]] = set()  # (site, first leg) whose loads are under way
        self._drained: simpy.Event | None = None
        self.numbered: dict[str, int] = {}  # loads so far by label ("convoy", "train"): the trace numbers them
        self.start_day = w.draw(w.s.convoys.start_day, "convoy/start_day")
        self.next_release_day = 0.0
        for i in plan.convoy_order:
            if w.site_declared[i]:
                self.start_site(i)
        for k in plan.shuttle_legs:
            self.stores[k] = PortState(w, None)
            w.env.process(self._shuttle(k))
        if any(w.s.ships[ship].holds_at_sea for ship, _ in network.carriers):
            w.ledger.on_drained = self.drained
        for ship, leg in network.carriers:
            store = self.stores[leg]
            store.upstream = [self.stores[j] for j in plan.upstream_stores[leg]]
            store.leg = leg
            w.env.process(ship_voyages(w, self, store, ship, leg))

    def drained(self) -> None:
        """Nothing more is on its way to a port: wake the ships holding cargo at sea, to sail on."""
        if self._drained is not None:
            event, self._drained = self._drained, None
            event.succeed()

    def drained_event(self) -> simpy.Event:
        """The event of nothing more being on its way (made only when a ship holding cargo waits for it)."""
        if self._drained is None:
            self._drained = self.w.env.event()
        return self._drained

    def start_site(self, i: int) -> None:
        """Start (or restart, after an amendment) the loads of site ``i`` if it has anything to move."""
        w = self.w
        for leg, lots in w.plan.site_legs[i]:
            if (i, leg) not in self.running:
                self.running.add((i, leg))
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
        elif state == AT_PORT:  # travelling in the country: on its way (the ledger's on_its_way counts it)
            w.ledger.move(w.env.now, part[0], AT_PORT, ON_ROAD, part[1])
            state = ON_ROAD
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
        yield from w.wait_for_stages("removal")  # stages the plan puts first (none by default); counted below
        yield w.wait_until(self.start_day)
        trail.add("logistics_start", env.now)
        gates = w.s.convoys.gates
        if gates:  # pledges, vehicles, packaging (sim.model.gates)
            yield w.gates.passed(gates)
            trail.add("gate", env.now)
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
                          note=describe(w, cargo))
                if leg.leaves_country:
                    self._leave(cargo, ON_ROAD, "convoy_trip")
                yield timeout(road_days)
                for part in cargo:
                    part[2].add("convoy_trip", env.now)
                    part[2].arrived = env.now
                if w.record_events:
                    w.log(f"{leg.label}_delivered", entity=f"{leg.label} {number}", site=site.id, tonnes=tonnes,
                          note=f"{describe(w, cargo)} to {destination}")
                self.arrive(leg_index, cargo, SHIPPED if leg.leaves_country else ON_ROAD)
                yield timeout(road_days)
                trail.add("earlier_convoys", env.now)  # what is left at the site waited for this convoy
        self.running.discard((i, leg_index))

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

    def _trip(self, leg_index: int, cargo: Cargo, request: SlotRequest) -> Process:
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
                  note=f"{describe(w, cargo)} from {self.nodes[leg.start].label}")
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
                  note=f"{describe(w, cargo)} to {self.nodes[leg.end].label}")
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
