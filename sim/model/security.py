"""Security closures: episodes that close a region's sites and roads; convoys and inspections there wait.

Random closures of a region are a Poisson process: its mean interval (``mean_days_between_closures``) is drawn
once per replication (the rate itself is uncertain), then intervals are exponential with that mean and each
closure lasts ``closure_days``.  Scheduled closures are episodes known to have happened (fixed days).
A process that reaches a gate while any of its regions is closed waits until they are all open (the end of a
closure is known when it starts); closures that begin while a convoy is already on the road do not stop it.
This is what paused removal for two weeks from 20 March 2014 and kept the last ~8% at one site for two months.

A closure is real fighting unless the scenario marks it ``claimed``: one the state declares for "security
concerns".  Pressure shortens a claimed closure as it shortens a compliance delay: its length (drawn, or
scheduled) is multiplied by :meth:`sim.model.compliance.Compliance.factor` at the moment it begins (a later rise
of the pressure does not cut short a closure already under way, as it does not cut short a delay already
drawn).  Pressure never shortens real fighting.

Real fighting is drawn lazily: a region's closures are generated, in order and from the region's own streams (so
with the same values as a process would draw), only up to the instant someone asks whether the region is closed,
and to the horizon at the end of the replication (:meth:`Security.finish`, for the count and the trace).  No event
is spent on a closure nobody waits for: years after the last convoy, a long horizon costs nothing here.  A claimed
closure depends on the pressure on the day it begins, so claimed regions keep a process.
"""

from __future__ import annotations

from typing import Any

from sim.model.world import Process, World
from sim.scenario.schema import RegionClosures, ScheduledClosure


class _Region:
    """A region's random closures not yet generated: the next start and the intervals drawn ahead."""

    def __init__(self, w: World, c: RegionClosures):
        self.c = c
        self.mean_days = w.draw(c.mean_days_between_closures, f"security/{c.region}/mean_days_between_closures")
        self.intervals: Any = w.streams[f"security/{c.region}/intervals"]
        self.closure_stream = f"security/{c.region}/closure_days"
        self.ahead: list[float] = []
        self.next_start = self.interval()

    def interval(self) -> float:
        if not self.ahead:  # drawn in blocks: the same values as one draw at a time (see World.draw)
            self.ahead = self.intervals.exponential(self.mean_days, size=16).tolist()
            self.ahead.reverse()
        return self.ahead.pop()


class Security:
    """The closures of one replication."""

    def __init__(self, w: World):
        self.w = w
        self.enabled = w.s.security.enabled
        self.closed_until: dict[str, float] = {}
        self.lazy: dict[str, list[_Region]] = {}
        """Per region, its random closures of real fighting, generated when asked (see the module)."""
        if not self.enabled:
            return
        for closures in w.s.security.regions:
            region = _Region(w, closures)
            if closures.claimed:
                w.env.process(self._claimed_closures(region))
            else:
                self.lazy.setdefault(closures.region, []).append(region)
        for scheduled in w.s.security.scheduled:
            w.env.process(self._scheduled(scheduled))

    def _claimed_closures(self, region: _Region) -> Process:
        """A claimed region's closures, each at its own instant (its length depends on the pressure then)."""
        w = self.w
        timeout = w.env.timeout
        interval = region.next_start
        while True:
            yield timeout(interval)
            self._close(region.c.region, w.draw(region.c.closure_days, region.closure_stream), True)
            interval = region.interval()
            region.next_start += interval

    def _generate(self, region: str, until: float, lengths: bool = True) -> None:
        """Generate ``region``'s lazy closures that begin by ``until`` (in order, at their own instants); without
        ``lengths``, only count them (their lengths are not drawn)."""
        for lazy in self.lazy.get(region, ()):
            while lazy.next_start <= until:
                start = lazy.next_start
                if lengths:
                    self._close(region, self.w.draw(lazy.c.closure_days, lazy.closure_stream), False, start)
                else:
                    self.w.counters["closures"] += 1
                lazy.next_start = start + lazy.interval()

    def finish(self) -> None:
        """At the horizon: the closures nobody asked about, for the count and the trace.  Without a trace only
        their count is read, so their lengths are not drawn: they come from a stream of their own
        (``closure_days``) that nothing draws from after this, so the count is the same."""
        for region in self.lazy:
            self._generate(region, self.w.horizon - 1e-9, lengths=self.w.record_events)

    def _scheduled(self, c: ScheduledClosure) -> Process:
        yield self.w.wait_until(c.start_day)
        self._close(c.region, c.days, c.claimed)

    def _close(self, region: str, days: float, claimed: bool, start: float | None = None) -> None:
        w = self.w
        start = w.now if start is None else start
        if claimed:  # the state's "security concerns": pressure shortens them, as it does a compliance delay
            days *= w.compliance.factor()
        self.closed_until[region] = max(self.closed_until.get(region, 0.0), start + days)
        w.counters["closures"] += 1
        if w.record_events:
            kind = "claimed by the state, " if claimed else ""
            w.log("closure", entity=region, note=f"{kind}{days:.1f} days, until day {start + days:.1f}", day=start)

    def is_closed(self, regions: tuple[str, ...]) -> bool:
        now = self.w.env.now
        closed = self.closed_until
        lazy = self.lazy
        for region in regions:  # a loop, not any(): this runs before every convoy and visit
            if region in lazy:
                self._generate(region, now)
            if closed.get(region, -1.0) > now:
                return True
        return False

    def wait_open(self, regions: tuple[str, ...]) -> Process:
        """Wait until none of ``regions`` is closed (returns at once, without an event, if open)."""
        if not self.enabled:
            return
        w = self.w
        while True:
            for region in regions:
                if region in self.lazy:
                    self._generate(region, w.now)
            until = max((self.closed_until.get(r, -1.0) for r in regions), default=-1.0)
            if until <= w.now:
                return
            yield w.wait_until(until)
