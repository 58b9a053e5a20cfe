"""The world of one replication: the SimPy environment and the state every process shares.

Processes (one module per step and behaviour) read the scenario, draw from named streams, move tonnes in the
ledger, reach milestones and append flat event records.  Nothing here reads files, prints or aggregates
across replications.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Generator

import simpy

from sim.core.contract import PATH_MILESTONES, TOLERANCE_T, Record
from sim.scenario.distributions import Fixed, Uniform
from sim.model.clock import Clock
from sim.model.counts import Counts
from sim.model.ledger import AT_SITE, DESTROYED, Ledger
from sim.model.plan import plan_of
from sim.model.slots import Slots
from sim.model.trail import Trail
from sim.scenario.schema import Scenario
from sim.core.streams import Streams

Process = Generator[simpy.Event, Any, Any]

UNIT_UNIFORM = Uniform(dist="uniform", low=0.0, high=1.0)
"""Uniform on [0, 1): ``World.draw(UNIT_UNIFORM, stream)`` gives the values ``rng.random()`` would, in blocks."""


PATH_SET = frozenset(PATH_MILESTONES)


class World:
    """Shared state of one replication."""

    def __init__(self, scenario: Scenario, seed: int, record_events: bool = True, keep_changes: bool = False):
        self.s = scenario
        self.plan = plan = plan_of(scenario)
        self.env = Clock()
        self.streams = Streams(seed)
        self._drawn: dict[str, list[float]] = {}  # per stream, values drawn ahead, next one last
        self.horizon = float(scenario.horizon_days)
        self.record_events = record_events
        self.records: list[Record] = []
        self.milestones: dict[str, float] = {}
        self.in_plan = plan.in_plan  # the milestones of the plan: the others are never reached
        self.path_items: list[tuple[int, Trail]] = []
        """The tonnes whose move may complete a milestone now (set around a milestone check, then emptied)."""
        self.paths: dict[str, list[float]] = {}
        """The critical path of each of PATH_MILESTONES reached: days by cause (:mod:`sim.model.trail`)."""
        self.counters: dict[str, int] = {
            "convoys": 0, "voyages": 0, "access_denials": 0, "amendments": 0, "closures": 0,
            "structures_destroyed": 0,
        }
        self.detection_day: float | None = None
        self.first_amendment_day: float | None = None
        self.counts = Counts(self)
        """The daily counts (issues, amendments, uses, ...) as steps (:mod:`sim.model.counts`)."""

        self.site_index = plan.site_index
        self.lot_site = plan.lot_site
        self.lot_facility = plan.lot_facility
        self.site_lots = plan.site_lots  # priority lots first: the order convoys load and ships carry them
        self.ledger = Ledger(
            [lot.tonnes for lot in scenario.lots],
            [not plan.site_declared[i] for i in plan.lot_site],
            plan.lot_on_route,
            keep_changes=keep_changes,
            priority=plan.lot_priority,
            category1=tuple(c == 1 for c in plan.lot_category),
        )

        env = self.env
        self.steps_may_start = env.event()
        self.listing_submitted = env.event()
        self.declaration_submitted = env.event()
        self.site_inspected = [env.event() for _ in scenario.sites]
        self.site_inspected_day: list[float | None] = [None] * len(scenario.sites)
        self.equipment_sites = plan.equipment_sites
        self.site_declared = list(plan.site_declared)  # amendments may declare more
        self.teams = Slots(self.env, scenario.inspectorate.teams)
        # Set by sim.model.simulate: the behaviours and the callbacks that (re)start per-site work.
        self.compliance: Any = None
        self.security: Any = None
        self.concealment: Any = None  # sim.model.concealment.Concealment
        self.issues: Any = None  # sim.model.issues.IssueBook
        self.channels: Any = None  # sim.model.channels.Channels
        self.gates: Any = None  # sim.model.gates.Gates
        self.uses: Any = None  # sim.model.uses.Uses
        self.start_visit: Callable[[int], None] = lambda site: None
        self.start_site_removal: Callable[[int], None] = lambda site: None
        # Set by sim.model.stages.Stages when the plan adds dependencies between stages (empty by default).
        self.stage_gates: dict[str, simpy.Event] = {}
        """Per stage that waits for others to be complete: the event that succeeds once they all are."""
        self.completes_stage: dict[str, list[Callable[[], None]]] = {}
        """Per milestone that closes a stage another one waits for: what to call when it is reached."""

    # ---- time, draws, records ------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.env.now

    def draw(self, dist: Any, stream: str) -> float:
        """The next value of ``dist`` from the named stream (a fixed value touches no stream).

        A stream serves one distribution, so its values are drawn ahead in blocks (16, then 64 at a time):
        the same values, in the same order, as one draw per call (NumPy's vectorised draws consume the bit
        stream as its scalar ones do), at a fraction of the cost of a NumPy call per value.  (A NumPy call
        costs about as much as 60 values more in its block, so a stream drawn once loses nothing to it.)
        """
        if dist.__class__ is Fixed:
            return dist.value
        ahead = self._drawn.get(stream)
        if not ahead:
            ahead = self._draw_ahead(dist, stream)
        return ahead.pop()

    def _draw_ahead(self, dist: Any, stream: str) -> list[float]:
        values = dist.sample_many(self.streams[stream], 64 if stream in self._drawn else 16)
        values.reverse()
        self._drawn[stream] = values
        return values

    def draw_each(self, dist: Any, stream: str, count: int) -> list[float]:
        """``count`` values of ``dist`` from one stream, in entity order (drawn up front, order-proof)."""
        if dist.__class__ is Fixed:
            return [dist.value] * count
        return dist.sample_many(self.streams[stream], count)

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
            tonnes: float = 0.0, note: str = "", day: float | None = None) -> None:
        """Record an event now (or on ``day``, for what is generated later, e.g. a lazy closure: the records are
        put in time order at the end of the replication)."""
        if self.record_events:
            self.records.append(Record(self.env.now if day is None else day, event, entity, site, lot, agent, tonnes,
                                       note))

    def reach(self, milestone: str) -> None:
        """Record that ``milestone`` is reached now; later calls keep the first day."""
        if milestone not in self.milestones and milestone in self.in_plan:
            self.milestones[milestone] = self.env.now
            self.log("milestone", entity=milestone)
            if milestone in PATH_SET:
                self._keep_path(milestone)
            if milestone in self.completes_stage:
                for call in self.completes_stage[milestone]:
                    call()

    def _keep_path(self, milestone: str) -> None:
        """Keep the critical path of ``milestone``, reached now: the trail of the tonne that arrived last among
        those just moved (of priority lots for a priority milestone).  A milestone no moved tonne completes (it
        becomes true when a declaration or an amendment declares what it counts, or an amendment withdraws what
        was left) gets the path of that declaration: every day of it waiting for the declaration."""
        items = self.path_items
        if milestone.startswith("priority_"):
            priority = self.plan.lot_priority
            items = [item for item in items if priority[item[0]]]
        if items:
            trail = max(items, key=lambda item: item[1].arrived)[1]
            self.paths[milestone] = trail.row()
        else:
            declared = Trail()
            declared.add("declaration", self.env.now)
            self.paths[milestone] = declared.row()

    def whole(self, lot: int, tonnes: float) -> float:
        """``tonnes`` of ``lot`` rounded down to whole munitions (bulk: unchanged)."""
        unit = self.plan.lot_unit_tonnes[lot]
        if not unit:
            return tonnes
        return math.floor(tonnes / unit + 1e-6) * unit

    def hold(self, milestone: str, condition: bool) -> None:
        """For a milestone that is a standing condition ("all declared X destroyed"): record the day it
        last became true. An amendment that declares more makes it false again, so the day moves later."""
        if condition:
            self.reach(milestone)
        elif milestone in self.milestones:
            del self.milestones[milestone]
            self.paths.pop(milestone, None)  # reached again later, with the path of that day
            self.log("milestone_reopened", entity=milestone)

    def _stage_open(self, stage: str) -> bool:
        """Whether ``stage`` may have begun: no added dependency, or the stages it follows are complete.  (Its
        standing milestones, e.g. priority destruction with no priority chemical, hold no earlier: sim.model.stages
        checks them again when the stage opens.)"""
        gate = self.stage_gates.get(stage)
        return gate is None or gate.triggered

    def wait_for_stages(self, stage: str) -> Process:
        """Wait until the stages ``stage`` follows in the plan (``plan.stages``) are complete; with none, return
        at once without an event (``yield from w.wait_for_stages("removal")``)."""
        gate = self.stage_gates.get(stage)
        if gate is not None:
            yield gate

    def wait(self, days: float) -> simpy.Timeout:
        return self.env.timeout(days if days > 0.0 else 0.0)

    def after(self, days: float, call: Callable[[], None]) -> None:
        """Call ``call`` ``days`` from now: one timeout event with a callback, no process (a process costs two
        events more); for the short answers and results of :mod:`sim.model.answers` and the channels."""
        self.env.timeout(days if days > 0.0 else 0.0).callbacks.append(lambda _event: call())

    def when(self, event: simpy.Event, call: Callable[[], None]) -> None:
        """Call ``call`` once ``event`` is processed (at once if it already was)."""
        if event.processed:
            call()
        else:
            event.callbacks.append(lambda _event: call())

    def wait_until(self, day: float) -> simpy.Timeout:
        days = day - self.env.now
        return self.env.timeout(days if days > 0.0 else 0.0)

    # ---- milestone checks over the declared book ------------------------------------------------
    def check_removal(self, lots: list[int] | None = None) -> None:
        """Reach (or reopen) the removal milestones whose declared chemicals have all left the port.

        With ``lots`` (just shipped), nothing can change unless one of them is now fully removed."""
        if not self.declaration_submitted.triggered or not self._stage_open("removal"):
            return
        ledger = self.ledger
        declared, removed = ledger.declared, ledger.removed
        if lots is not None and all(declared[i] - removed[i] > TOLERANCE_T for i in lots):
            return
        self.hold("priority_removal_complete", ledger.unremoved[1] == 0)
        self.hold("removal_complete", ledger.unremoved[0] == 0)

    def check_destruction(self, lot: int | None = None) -> None:
        """Reach (or reopen) the destruction milestones whose declared chemicals are all destroyed.

        With ``lot`` (just destroyed in part), nothing can change unless that lot is now done."""
        ledger = self.ledger
        if lot is not None and ledger.declared[lot] - ledger.tonnes[lot][DESTROYED] > TOLERANCE_T:
            return
        if not self.declaration_submitted.triggered or not self._stage_open("destruction"):
            return
        left = ledger.undestroyed
        self.hold("priority_destruction_complete", left[1] == 0)
        self.hold("category1_destroyed", left[2] == 0)
        self.hold("destruction_complete", left[0] == 0)

    # ---- behaviour hooks (set by sim.model.simulate) ------------------------------------------------
    def compliance_delay(self, key: str, stream: str) -> float:
        """An extra delay of the compliance block (0 when it is off), shrunk by the current pressure."""
        return self.compliance.delay(key, stream)

    def on_site_inspected(self, site: int) -> None:
        """Called when inspectors finish a site: the declared book is reconciled, gaps and traces may be found."""
        self.channels.on_site_inspected(site)

    def declared_to_move(self, lots: tuple[int, ...]) -> list[int]:
        """Those of ``lots`` (of one site, in loading order) with declared tonnes still at the site."""
        declared, tonnes = self.ledger.declared, self.ledger.tonnes
        return [i for i in lots if declared[i] > 0 and tonnes[i][AT_SITE] > TOLERANCE_T]

    def has_declared_to_move(self, lots: tuple[int, ...]) -> bool:
        """Whether :meth:`declared_to_move` would list anything (without building the list)."""
        declared, tonnes = self.ledger.declared, self.ledger.tonnes
        for i in lots:
            if declared[i] > 0 and tonnes[i][AT_SITE] > TOLERANCE_T:
                return True
        return False

    def declared_undestroyed(self) -> float:
        return sum(self.ledger.undestroyed_declared(i) for i in range(len(self.s.lots)))

    def destroyed_total(self) -> float:
        return self.ledger.totals[DESTROYED]
