"""The ledger: where every tonne of every lot is, and what the state has declared.

Ground truth: each tonne of each lot is, at every instant, in exactly one state of :data:`STATES`::

    at_site -> on_road -> at_port -> shipped -> destroyed
       |                                           ^
       +--> hidden --(detected + amended)--> at_site
    at_site --(in-country destruction)-------------+
    hidden --(used in an attack)--> used
    (reconstitution) --> hidden

A lot's tonnes are its initial tonnes plus those produced again from retained means (:meth:`Ledger.produce`,
reconstitution): mass balance holds lot by lot over ``initial + produced``.

(In runs.parquet ``in_transit_tonnes`` is on_road + at_port + shipped.)

The declaration is a separate book (:attr:`Ledger.declared`): what the state has told the OPCW.  Every move is
checked (no state goes negative beyond a 1e-9 t rounding tolerance) and recorded, so that mass balance can be
checked at every state change and daily series can be derived afterwards without polling.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from sim.core.contract import STATES, TOLERANCE_T, Change

AT_SITE, ON_ROAD, AT_PORT, SHIPPED, DESTROYED, HIDDEN, USED = range(len(STATES))


class LedgerError(RuntimeError):
    """A move the ledger cannot make: the model has a bug."""


class Snapshot(NamedTuple):
    """Headline totals just after a change, for the daily series (stored as plain tuples of these fields;
    several changes at one instant keep only the last)."""

    day: float
    removed: float
    declared: float
    declared_route: float
    destroyed: float
    hidden: float


class Ledger:
    """Tonnes by lot and state, the declared book, and the history of both."""

    def __init__(self, lot_tonnes: list[float], hidden_at_start: list[bool], on_removal_route: tuple[bool, ...],
                 keep_changes: bool = True, priority: tuple[bool, ...] | None = None,
                 category1: tuple[bool, ...] | None = None):
        self.initial = [float(t) for t in lot_tonnes]
        self.initial_total = float(sum(self.initial))
        self.tonnes: list[list[float]] = []
        for tonnes, hidden in zip(self.initial, hidden_at_start):
            row = [0.0] * len(STATES)
            row[HIDDEN if hidden else AT_SITE] = tonnes
            self.tonnes.append(row)
        self.totals = [sum(column) for column in zip(*self.tonnes)] if self.tonnes else [0.0] * len(STATES)
        self.on_route = list(on_removal_route)
        self.declared = [0.0] * len(self.initial)
        self.declarations = 0  # changes of the declared book so far (lets readers cache sums over it)
        self.declared_total = 0.0
        self.declared_route = 0.0
        self.removed = [0.0] * len(self.initial)
        self.removed_total = 0.0
        self.dispersed_total = 0.0
        self.produced = [0.0] * len(self.initial)
        self.produced_total = 0.0
        self.keep_changes = keep_changes  # every Change, for replays and events.parquet; else totals only
        self.changes: list[Change] = []
        self.declaration_changes: list[tuple[int, float, int, float]] = []
        """With keep_changes: every change of the declared book as (changes before it, day, lot, tonnes)."""
        self.last_day: list[list[float | None]] = [[None] * len(STATES) for _ in self.initial]  # last move into
        self.snapshots: list[tuple[float, float, float, float, float, float]] = [
            (0.0, 0.0, 0.0, 0.0, 0.0, self.totals[HIDDEN])]
        # Counts the milestone checks need, kept up to date at every move and declaration so that a check costs
        # the same with 17 lots or 17,000: declared lots not fully destroyed (all, priority, Category 1),
        # declared lots on a removal route not fully shipped (all, priority), and declared lots on a removal
        # route with tonnes still at a site or on the road (more cargo on its way to the port).
        n = len(self.initial)
        self.priority = tuple(priority) if priority is not None else (False,) * n
        self.category1 = tuple(category1) if category1 is not None else (False,) * n
        self.undestroyed = [0, 0, 0]
        self.unremoved = [0, 0]
        self.on_its_way = 0
        self.on_drained: Callable[[], None] | None = None
        """Called when :attr:`on_its_way` falls to 0 (ships holding cargo at sea stop waiting for more)."""
        self._flags = [[False, False, False] for _ in range(n)]

    # ---- moves -----------------------------------------------------------------------------------
    def move(self, day: float, lot: int, source: int, target: int, tonnes: float) -> float:
        """Move ``tonnes`` of ``lot`` from state ``source`` to ``target``; returns the tonnes moved."""
        row = self.tonnes[lot]
        held = row[source]
        if tonnes < 0 or tonnes > held + TOLERANCE_T:
            raise LedgerError(
                f"cannot move {tonnes!r} t of lot {lot} from {STATES[source]} "
                f"(holds {held!r} t) to {STATES[target]} on day {day}"
            )
        if tonnes > held:
            tonnes = held
        row[source] = held - tonnes
        row[target] += tonnes
        totals = self.totals
        totals[source] -= tonnes
        totals[target] += tonnes
        if target == SHIPPED:
            self.removed[lot] += tonnes
            self.removed_total += tonnes
        elif target == HIDDEN and source != HIDDEN:
            self.dispersed_total += tonnes
        self.last_day[lot][target] = day
        if self.keep_changes:
            self.changes.append(Change(day, lot, source, target, tonnes))
        # each milestone count reads only some states: bring up to date those this move can change
        if target == DESTROYED:
            self._count_undestroyed(lot)
        elif target == SHIPPED:
            self._count_unremoved(lot)
        if (source <= ON_ROAD or target <= ON_ROAD) and self.on_route[lot]:
            self._count_coming(lot)
        # the snapshot (see _snapshot), inline: this is the model's most frequent call
        snap = (day, self.removed_total, self.declared_total, self.declared_route, totals[DESTROYED], totals[HIDDEN])
        snapshots = self.snapshots
        if snapshots[-1][0] == day:
            snapshots[-1] = snap
        else:
            snapshots.append(snap)
        return tonnes

    def produce(self, day: float, lot: int, tonnes: float) -> None:
        """Add ``tonnes`` of ``lot``, produced again from retained precursors or equipment, to its hidden stock."""
        if tonnes < 0:
            raise LedgerError(f"cannot produce {tonnes!r} t of lot {lot} on day {day}")
        self.produced[lot] += tonnes
        self.produced_total += tonnes
        self.tonnes[lot][HIDDEN] += tonnes
        self.totals[HIDDEN] += tonnes
        self.last_day[lot][HIDDEN] = day
        self._snapshot(day)

    def declare(self, day: float, lot: int, tonnes: float) -> None:
        """Add ``tonnes`` of ``lot`` to the declared book (initial declaration or amendment)."""
        self.declarations += 1
        if self.keep_changes:
            self.declaration_changes.append((len(self.changes), day, lot, tonnes))
        self.declared[lot] += tonnes
        self.declared_total += tonnes
        if self.on_route[lot]:
            self.declared_route += tonnes
        self._count(lot)
        self._snapshot(day)

    def _count(self, lot: int) -> None:
        """Bring the milestone counts up to date for ``lot`` (after its declaration changed)."""
        self._count_undestroyed(lot)
        if self.on_route[lot]:
            self._count_unremoved(lot)
            self._count_coming(lot)

    def _count_undestroyed(self, lot: int) -> None:
        """Declared lots not fully destroyed: reads the declared book and ``destroyed``."""
        undestroyed = self.declared[lot] - self.tonnes[lot][DESTROYED] > TOLERANCE_T
        flags = self._flags[lot]
        if undestroyed != flags[0]:
            step = 1 if undestroyed else -1
            self.undestroyed[0] += step
            self.undestroyed[1] += step if self.priority[lot] else 0
            self.undestroyed[2] += step if self.category1[lot] else 0
            flags[0] = undestroyed

    def _count_unremoved(self, lot: int) -> None:
        """Declared lots on a removal route not fully shipped: reads the declared book and ``removed``."""
        if not self.on_route[lot]:
            return
        unremoved = self.declared[lot] - self.removed[lot] > TOLERANCE_T
        flags = self._flags[lot]
        if unremoved != flags[1]:
            step = 1 if unremoved else -1
            self.unremoved[0] += step
            self.unremoved[1] += step if self.priority[lot] else 0
            flags[1] = unremoved

    def _count_coming(self, lot: int) -> None:
        """Declared removal-route lots with tonnes at a site or on the road: reads those two states."""
        row = self.tonnes[lot]
        coming = self.declared[lot] > 0 and (row[AT_SITE] > TOLERANCE_T or row[ON_ROAD] > TOLERANCE_T)
        flags = self._flags[lot]
        if coming != flags[2]:
            self.on_its_way += 1 if coming else -1
            flags[2] = coming
            if not self.on_its_way and self.on_drained is not None:
                self.on_drained()

    def _snapshot(self, day: float) -> None:
        snap = (day, self.removed_total, self.declared_total, self.declared_route, self.totals[DESTROYED],
                self.totals[HIDDEN])
        snapshots = self.snapshots
        if snapshots[-1][0] == day:
            snapshots[-1] = snap  # the daily series read the last state of an instant
        else:
            snapshots.append(snap)

    # ---- queries -----------------------------------------------------------------------------------
    def of(self, lot: int, state: int) -> float:
        return self.tonnes[lot][state]

    def undestroyed_declared(self, lot: int) -> float:
        """Declared tonnes of ``lot`` not yet destroyed."""
        return max(0.0, self.declared[lot] - self.tonnes[lot][DESTROYED])

    def unremoved_declared(self, lot: int) -> float:
        """Declared tonnes of a removal-route ``lot`` that have not yet left the port."""
        return max(0.0, self.declared[lot] - self.removed[lot])

    def balance_error(self) -> float:
        """Largest absolute mass-balance error over all lots and the total, in tonnes."""
        worst = abs(sum(self.totals) - self.initial_total - self.produced_total)
        for row, initial, produced in zip(self.tonnes, self.initial, self.produced):
            worst = max(worst, abs(sum(row) - initial - produced))
        return worst

    def check(self) -> None:
        """Raise :class:`LedgerError` unless every lot balances and no state is negative."""
        if self.balance_error() > 1e-6:
            raise LedgerError(f"mass balance broken by {self.balance_error()!r} t")
        for lot, row in enumerate(self.tonnes):
            if min(row) < -TOLERANCE_T:
                raise LedgerError(f"lot {lot} has a negative state: {row}")
        previous = 0.0
        for day, _, _, _, destroyed, _ in self.snapshots:
            if destroyed < previous - TOLERANCE_T:
                raise LedgerError(f"cumulative destroyed decreased on day {day}")
            previous = destroyed
