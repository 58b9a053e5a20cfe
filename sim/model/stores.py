"""Cargo waiting at a place for its next leg (a port for its ships, a rail yard for its wagons), and how a load
is described in the trace.  Part of step 4a (:mod:`sim.model.removal`)."""

from __future__ import annotations

from collections import deque
from typing import Any

import simpy

from sim.core.contract import TOLERANCE_T
from sim.model.slots import Slots
from sim.model.world import World

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

    def __init__(self, w: World, berths: Slots | None):
        self.w = w
        self.cargo: Cargo = []
        self.tonnes = 0.0
        self.claimed = 0.0  # tonnes of capacity of ships woken for cargo that have not taken it yet
        self.idle: deque[tuple[simpy.Event, float]] = deque()
        self.arrived = w.env.event()
        self.berths = berths  # the place's berths (shared by the carrier legs from it); None for a pool leg
        self.upstream: list[PortState] = []  # stores whose cargo may come here next (set by Removal)
        self.leg = -1  # the leg this store's cargo waits for (set by Removal)

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

    def withdraw(self, claim: simpy.Event) -> None:
        """A ship that waited for cargo (:meth:`wait_for_cargo`) and got none gives up its place in line."""
        self.idle = deque(item for item in self.idle if item[0] is not claim)

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
        if self.upstream:
            lot_legs, leg = self.w.plan.lot_legs, self.leg
            for store in self.upstream:  # only cargo whose route comes this way
                if sum(part[1] for part in store.cargo if leg in lot_legs[part[0]]) > TOLERANCE_T:
                    return True
        return False



def describe(w: World, cargo: Cargo) -> str:
    by_agent: dict[str, float] = {}
    for lot, tonnes, _ in cargo:
        agent = w.s.lots[lot].agent
        by_agent[agent] = by_agent.get(agent, 0.0) + tonnes
    return ", ".join(f"{t:.1f} t of {a}" for a, t in by_agent.items())
