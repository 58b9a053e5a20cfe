"""Step 4b: destruction.

Facilities destroy what they receive in batches of ``batch_tonnes`` (one event per batch, never one per
tonne or per day).  Each facility has ``lines`` parallel lines (slots, sim.model.slots: held by a line while
it has work, batch after batch); a line's rate is drawn once per replication (the plant's real throughput is
the uncertain thing, not each batch).  A facility starts at
``available_day``, ``setup_days`` after its first delivery or, with ``start_after_all_received``, after
everything declared for it has arrived (the Cape Ray took the whole priority cargo on board before sailing).

A plant built during the plan (``construction_days``, ``commissioning_days``, from ``available_day``) accepts
nothing before it is commissioned: what arrives waits in its queue.  A plant at a ``site`` (in its region) or in a
``region`` is reached by the closures of that region: a line starts no batch while it is closed (a batch under
way ends), and the wait is on the critical path as ``security_closures``.

In-country facilities destroy lots on site once the site has been inspected.  Unfilled munitions (a count,
Category 3) and production structures are :mod:`sim.model.items`.
A facility, the unfilled munitions and the structures also wait for the gates they name (:mod:`sim.model.gates`).
"""

from __future__ import annotations

from collections import deque

from sim.core.contract import TOLERANCE_T
import simpy

from sim.model.ledger import AT_SITE, DESTROYED
from sim.model.items import munitions, structures
from sim.model.slots import Slots
from sim.model.trail import Trail, ready_trail
from sim.model.world import Process, World
from sim.scenario.places import builds
from sim.scenario.schema import Facility


class FacilityState:
    """A destruction facility during one replication."""

    def __init__(self, w: World, facility: Facility, index: int):
        self.w = w
        self.f = facility
        self.queue: deque[list] = deque()  # [lot, tonnes, ledger state the tonnes are in, Trail]
        self.started_day = float("inf")  # when its lines start
        self.gated_from = self.gated_until = 0.0  # when it waited for its gates, once available
        self.received = 0.0
        self.delivered = w.env.event()
        self.built = not builds(facility)  # a plant built during the plan: once it is commissioned
        self._built: simpy.Event | None = None  # made only when someone waits: no event otherwise
        self._accepted: simpy.Process | None = None
        self.lines = Slots(w.env, facility.lines)
        self.rate_t_per_day = w.draw(facility.line_rate_t_per_day, f"facility/{facility.id}/line_rate_t_per_day")
        self.munitions_per_day = (w.draw(facility.munitions_per_day, f"facility/{facility.id}/munitions_per_day")
                                  if facility.munitions_per_day is not None else None)
        self.lots = w.plan.facility_lots[facility.id]
        self._declared_at, self._declared = -1, 0.0  # cache of all_received's sum, by ledger.declarations
        w.env.process(self.run())

    def arrive(self, lot: int, tonnes: float, state: int, trail: Trail) -> None:
        """``tonnes`` of ``lot`` (in ledger ``state``) reach the facility and join its queue."""
        now = self.w.env.now
        trail.add("voyage", now)  # the onward delivery, if any
        trail.arrived = now
        self.queue.append([lot, tonnes, state, trail])
        self.received += tonnes
        if self.delivered.callbacks:  # wake whoever waits; nobody waiting: the next waiter sees the queue
            event, self.delivered = self.delivered, self.w.env.event()
            event.succeed()

    @property
    def accepts(self) -> bool:
        """Whether the plant takes deliveries: its gates have passed (a host, a contractor) and, if it is built
        during the plan, it is commissioned.  Its ``available_day`` is when its lines may begin, not when it may
        take cargo (Port Arthur stored the hydrogen fluoride for months before destroying it)."""
        passed = self.w.gates.passed_day
        return self.built and all(gate in passed for gate in self.f.gates)

    def accepted(self) -> simpy.Event:
        """The event of the plant's taking deliveries (for a ship that waits at sea until it does)."""
        if self._accepted is None:
            self._accepted = self.w.env.process(self._until_accepting())
        return self._accepted

    def _until_accepting(self) -> Process:
        if self.f.gates:
            yield self.w.gates.passed(self.f.gates)
        if not self.built:
            self._built = self.w.env.event()
            yield self._built

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
        if f.gates:  # a host country, a contractor (sim.model.gates): the wait from available_day is the gates'
            self.gated_from = w.env.now
            yield w.gates.passed(f.gates)
            self.gated_until = w.env.now
        if builds(f):  # a plant built during the plan: it accepts nothing until it is built and commissioned
            w.log("facility_construction_started", entity=f.name or f.id, note=f.location)
            yield w.wait(w.draw(f.construction_days, f"facility/{f.id}/construction_days"))
            yield w.wait(w.draw(f.commissioning_days, f"facility/{f.id}/commissioning_days"))
            w.log("facility_commissioned", entity=f.name or f.id, note=f.method or "")
        self.built = True
        if self._built is not None:
            self._built.succeed()
        while not self.queue:
            yield self.delivered
        if f.start_after_all_received:
            while not (w.declaration_submitted.triggered and self.all_received()):
                yield self.delivered
        yield w.wait(w.draw(f.setup_days, f"facility/{f.id}/setup_days"))
        self.started_day = w.env.now
        w.log("facility_started", entity=f.name or f.id, note=", ".join(filter(None, (f.location, f.method))))
        for _ in range(f.lines):
            w.env.process(self._line())

    def _line(self) -> Process:
        """One destruction line: it takes one of the lines' slots while there is work, batch after batch."""
        w = self.w
        env, ledger = w.env, w.ledger
        timeout, move, declared, tonnes_of = env.timeout, ledger.move, ledger.declared, ledger.tonnes
        name = self.f.name or self.f.id
        queue = self.queue
        batch_tonnes = self.f.batch_tonnes
        unit = w.plan.lot_unit_tonnes
        security = w.security
        regions = w.plan.facility_regions[self.f.id]
        gated = security.enabled and bool(regions)
        closed_from = closed_to = -1.0  # the last wait of this line for its region to open
        while True:
            while not queue:
                yield self.delivered
            with self.lines.request() as request:
                yield request
                while queue:
                    if gated and security.is_closed(regions):  # no batch starts while the plant's region is closed
                        closed_from = env.now
                        yield from security.wait_open(regions)
                        closed_to = env.now
                        continue  # another line may have emptied the queue meanwhile
                    head = queue[0]  # the next batch: up to batch_tonnes of the first lot in the queue
                    lot, tonnes, state, trail = head
                    if tonnes > batch_tonnes:
                        tonnes = batch_tonnes
                        if unit[lot]:  # whole munitions, at least one
                            tonnes = max(w.whole(lot, tonnes), unit[lot])
                    if tonnes >= head[1] - 1e-12:
                        if unit[lot]:
                            tonnes = head[1]  # the last munitions of the part (never more than it holds)
                        queue.popleft()
                    else:
                        head[1] -= tonnes
                    started = env.now  # the batch's trail is built only if it finishes its lot (below)
                    if unit[lot] and self.munitions_per_day is not None:
                        yield timeout(round(tonnes / unit[lot]) / self.munitions_per_day)
                    else:
                        yield timeout(tonnes / self.rate_t_per_day)
                    move(env.now, lot, state, DESTROYED, tonnes)
                    if w.record_events:
                        w.log("destroyed", entity=name, site=w.s.sites[w.lot_site[lot]].id, lot=w.s.lots[lot].id,
                              agent=w.s.lots[lot].agent, tonnes=tonnes)
                    if declared[lot] - tonnes_of[lot][DESTROYED] <= TOLERANCE_T:  # the lot is done: milestones may move
                        done = trail.copy()  # the batch's path: its trail, the facility, the queue, itself
                        done.add("facility_not_ready", self.gated_from)
                        done.add("gate", self.gated_until)
                        done.add("facility_not_ready", self.started_day)
                        if closed_to > closed_from:  # the last closure this line waited out, as far as the
                            done.add("destruction_queue", closed_from)  # batch's tonnes were here for it
                            done.add("security_closures", closed_to)
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
                self.facilities[w.lot_facility[lot]].arrive(lot, tonnes, AT_SITE, ready.copy())
