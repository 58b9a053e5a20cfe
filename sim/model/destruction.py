"""Step 4b: destruction.

Facilities destroy what they receive in batches of ``batch_tonnes`` (one event per batch, never one per
tonne or per day).  Each facility has ``lines`` parallel lines (a SimPy Resource, held by a line while it has
work, batch after batch); a line's rate is drawn once per replication (the plant's real throughput is the uncertain thing, not each batch).  A facility starts at
``available_day``, ``setup_days`` after its first delivery or, with ``start_after_all_received``, after
everything declared for it has arrived (the Cape Ray took the whole priority cargo on board before sailing).

In-country facilities destroy lots on site once the site has been inspected.  Unfilled munitions (a count,
Category 3) are destroyed in the country; production structures by crews (a Resource) after their start day.
"""

from __future__ import annotations

from collections import deque

from sim.core.contract import TOLERANCE_T
import simpy

from sim.model.ledger import AT_SITE, DESTROYED, SHIPPED
from sim.model.trail import Trail, ready_trail
from sim.model.world import Process, World
from sim.scenario.schema import Facility


class FacilityState:
    """A destruction facility during one replication."""

    def __init__(self, w: World, facility: Facility, index: int):
        self.w = w
        self.f = facility
        self.queue: deque[list] = deque()  # [lot, tonnes, ledger state the tonnes are in, Trail]
        self.started_day = float("inf")  # when its lines start
        self.received = 0.0
        self.delivered = w.env.event()
        self.lines = simpy.Resource(w.env, capacity=facility.lines)
        self.rate_t_per_day = w.draw(facility.line_rate_t_per_day, f"facility/{facility.id}/line_rate_t_per_day")
        self.lots = w.plan.facility_lots[facility.id]
        self.delivery_stream = f"facility/{facility.id}/delivery_days"
        self._declared_at, self._declared = -1, 0.0  # cache of all_received's sum, by ledger.declarations
        w.env.process(self.run())

    def deliver(self, lot: int, tonnes: float, trail: Trail) -> None:
        """Hand ``tonnes`` of ``lot`` to the facility (after its onward delivery time, if any)."""
        delay = self.w.draw(self.f.delivery_days, self.delivery_stream)
        if delay > 0:  # one timeout event with a callback, rather than a process of its own
            self.w.wait(delay).callbacks.append(lambda _: self._arrive(lot, tonnes, SHIPPED, trail))
        else:
            self._arrive(lot, tonnes, SHIPPED, trail)

    def _arrive(self, lot: int, tonnes: float, state: int, trail: Trail) -> None:
        now = self.w.env.now
        trail.add("voyage", now)  # the onward delivery, if any
        trail.arrived = now
        self.queue.append([lot, tonnes, state, trail])
        self.received += tonnes
        if self.delivered.callbacks:  # wake whoever waits; nobody waiting: the next waiter sees the queue
            event, self.delivered = self.delivered, self.w.env.event()
            event.succeed()

    def all_received(self) -> bool:
        ledger = self.w.ledger
        if self._declared_at != ledger.declarations:  # the declared book changed since the last sum
            self._declared_at = ledger.declarations
            self._declared = sum(ledger.declared[i] for i in self.lots)
        return self.received >= self._declared - TOLERANCE_T

    def run(self) -> Process:
        w, f = self.w, self.f
        yield from w.wait_for_stages("destruction")  # stages the plan puts first (none by default)
        yield w.wait_until(w.draw(f.available_day, f"facility/{f.id}/available_day"))
        while not self.queue:
            yield self.delivered
        if f.start_after_all_received:
            while not (w.declaration_submitted.triggered and self.all_received()):
                yield self.delivered
        yield w.wait(w.draw(f.setup_days, f"facility/{f.id}/setup_days"))
        self.started_day = w.env.now
        w.log("facility_started", entity=f.name or f.id, note=f.location)
        for _ in range(f.lines):
            w.env.process(self._line())

    def _line(self) -> Process:
        """One destruction line: it takes a line of the Resource while there is work, batch after batch."""
        w = self.w
        env, ledger = w.env, w.ledger
        timeout, move, declared, tonnes_of = env.timeout, ledger.move, ledger.declared, ledger.tonnes
        name = self.f.name or self.f.id
        queue = self.queue
        batch_tonnes = self.f.batch_tonnes
        while True:
            while not queue:
                yield self.delivered
            with self.lines.request() as request:
                yield request
                while queue:
                    head = queue[0]  # the next batch: up to batch_tonnes of the first lot in the queue
                    lot, tonnes, state, trail = head
                    if tonnes > batch_tonnes:
                        tonnes = batch_tonnes
                    if tonnes >= head[1] - 1e-12:
                        queue.popleft()
                    else:
                        head[1] -= tonnes
                    started = env.now  # the batch's trail is built only if it finishes its lot (below)
                    yield timeout(tonnes / self.rate_t_per_day)
                    move(env.now, lot, state, DESTROYED, tonnes)
                    if w.record_events:
                        w.log("destroyed", entity=name, site=w.s.sites[w.lot_site[lot]].id, lot=w.s.lots[lot].id,
                              agent=w.s.lots[lot].agent, tonnes=tonnes)
                    if declared[lot] - tonnes_of[lot][DESTROYED] <= TOLERANCE_T:  # the lot is done: milestones may move
                        done = trail.copy()  # the batch's path: its trail, the facility, the queue, itself
                        done.add("facility_not_ready", self.started_day)
                        done.add("destruction_queue", started)
                        done.add("destruction", env.now)
                        w.path_items = [(lot, done)]
                        w.check_destruction(lot)
                        w.path_items = []


class Destruction:
    """Every facility, the in-country hand-over of lots, munitions and structures."""

    def __init__(self, w: World):
        self.w = w
        self.facilities = {f.id: FacilityState(w, f, k) for k, f in enumerate(w.s.facilities)}
        self.handed_over = [0.0] * len(w.s.lots)  # in-country tonnes given to a facility so far
        self.waiting = [False] * len(w.s.sites)
        for i, declared in enumerate(w.site_declared):
            if declared:
                self.start_in_country(i)
        if w.s.unfilled_munitions.count > 0:
            w.env.process(munitions(w))
        if any(group.count for group in w.s.production_structures.groups):
            w.env.process(structures(w))

    def start_in_country(self, i: int) -> None:
        """Hand site ``i``'s declared in-country lots to their facility once the site is inspected."""
        w = self.w
        if self.waiting[i] or not w.plan.site_in_country_lots[i]:
            return
        self.waiting[i] = True
        w.env.process(self._hand_over(i))

    def _hand_over(self, i: int) -> Process:
        w = self.w
        begun = w.env.now  # 0, or the amendment that declared the site
        yield w.declaration_submitted & w.site_inspected[i]
        self.waiting[i] = False
        ready = ready_trail(max(begun, w.milestones.get("declaration_submitted", w.env.now)), w.env.now)
        for lot in w.plan.site_in_country_lots[i]:
            queued = self.handed_over[lot] - w.ledger.of(lot, DESTROYED)  # handed over, not yet destroyed
            tonnes = min(w.ledger.declared[lot] - self.handed_over[lot], w.ledger.of(lot, AT_SITE) - queued)
            if tonnes > TOLERANCE_T:
                self.handed_over[lot] += tonnes
                self.facilities[w.lot_facility[lot]]._arrive(lot, tonnes, AT_SITE, ready.copy())


def munitions(w: World) -> Process:
    m = w.s.unfilled_munitions
    yield w.listing_submitted
    if m.site is not None:
        yield w.site_inspected[w.site_index[m.site]]
    yield from w.wait_for_stages("munitions")
    yield w.wait_until(w.draw(m.start_day, "munitions/start_day"))
    per_day = w.draw(m.destroyed_per_day, "munitions/destroyed_per_day")
    yield w.wait(m.count / per_day)
    w.log("munitions_destroyed", note=f"{m.count} unfilled munitions")
    w.reach("munitions_destroyed")


def structures(w: World) -> Process:
    ps = w.s.production_structures
    yield w.declaration_submitted
    yield from w.wait_for_stages("structures")
    yield w.wait_until(w.draw(ps.start_day, "structures/start_day"))
    delay = w.compliance_delay("structures_delay_days", "compliance/structures_delay_days")
    if delay > 0:
        yield w.wait(delay)
    crews = simpy.Resource(w.env, capacity=ps.crews)
    items = [(g.kind, k + 1, g.demolition_days) for g in ps.groups for k in range(g.count)]
    durations = [w.draw(d, f"structures/{kind}/demolition_days") for kind, _, d in items]
    left = {"n": len(items)}
    for (kind, number, _), days in zip(items, durations):
        w.env.process(_demolish(w, crews, f"{kind} {number}", days, left))


def _demolish(w: World, crews: simpy.Resource, label: str, days: float, left: dict[str, int]) -> Process:
    with crews.request() as request:
        yield request
        yield w.wait(days)
    w.log("structure_destroyed", entity=label)
    w.reach("first_structure_destroyed")
    left["n"] -= 1
    if left["n"] == 0:
        w.reach("production_facilities_destroyed")
