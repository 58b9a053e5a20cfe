"""Carriers: ships (or aircraft) that shuttle on a leg from a port, sailing when full, when nothing more is on its
way, or after waiting ``max_wait_days``; loading takes one of the place's berths.  A ship may hold its cargo at sea
(a floating store) until the plants of its cargo accept it.  Part of step 4a (:mod:`sim.model.removal`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.core.contract import TOLERANCE_T
from sim.model.ledger import AT_PORT, ON_ROAD, SHIPPED
from sim.model.stores import Cargo, PortState, describe
from sim.model.world import Process, World

UPSTREAM_CHECK_DAYS = 7.0
"""A ship holding cargo at sea whose port is fed through other places looks again at least weekly whether
anything more will come (an arrival or the end of everything on its way wakes it at once)."""

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.removal import Removal

def ship_voyages(w: World, removal: Removal, port: PortState, k: int, leg_index: int) -> Process:
    """Ship (or aircraft) ``k`` shuttling on ``leg_index`` from the start of the leg.

    A ship that ``holds_at_sea`` keeps what it loaded aboard and waits at sea (``holding_days`` from the port)
    until its hold is full, or nothing more will come to its port, and the plants of its cargo accept it; it
    comes back to the port for each new load (as the Ark Futura did off Latakia from January to June 2014)."""
    ship = w.s.ships[k]
    leg = removal.legs[leg_index]
    label = ship.name or ship.id
    start = removal.nodes[leg.start]
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
        else:  # at sea with cargo: back to the port when cargo is claimed for it, else on to the plants
            back = False
            while True:  # a claim, as idle ships make: an arrival wakes only the ships its cargo needs
                if port.tonnes - port.claimed <= TOLERANCE_T and not port.more_expected():
                    break
                claimed = port.wait_for_cargo(room)
                if claimed is None:  # unclaimed cargo is here, now claimed for this ship
                    back = True
                    break
                wake = claimed | removal.drained_event()  # cargo claimed for it, or nothing more on its way
                if port.upstream:  # cargo bound for other legs may empty a store on the way: look again weekly
                    wake = wake | timeout(UPSTREAM_CHECK_DAYS)
                yield wake
                if claimed.triggered:
                    back = True
                    break
                port.withdraw(claimed)
            if not back:
                _held(aboard, env.now)
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
            w.log("ship_departed", entity=label, tonnes=tonnes, note=f"{describe(w, cargo)} from {start.label}")
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
        _held(aboard, env.now)
        yield from _until_accepted(w, removal, aboard)
        yield from _voyage(w, removal, ship, label, leg_index, aboard, voyage_stream, return_stream, carried)
        aboard = []


def _held(cargo: Cargo, now: float) -> None:
    """The days a load spent aboard at sea, waiting for the ship's later loads, count as ``port_and_ship``."""
    for part in cargo:
        part[2].add("port_and_ship", now)


def _until_accepted(w: World, removal: Removal, cargo: Cargo) -> Process:
    """Wait at sea until every plant of ``cargo`` accepts deliveries; on the critical path the wait is ``gate``
    if the plant waited for a gate (a host, a contractor), else ``facility_not_ready`` (its construction)."""
    for lot, _, _ in cargo:
        facility = removal.facilities[w.lot_facility[lot]]
        if not facility.accepts:
            gated = not all(gate in w.gates.passed_day for gate in facility.f.gates)
            if w.record_events:
                w.log("ship_holding", note=f"waiting for {facility.f.name or facility.f.id} to accept its cargo")
            yield facility.accepted()
            cause = "gate" if gated else "facility_not_ready"
            for part in cargo:
                part[2].add(cause, w.env.now)


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
