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
"""

from __future__ import annotations

from sim.model.world import Process, World
from sim.scenario.schema import RegionClosures, ScheduledClosure


class Security:
    """The closures of one replication."""

    def __init__(self, w: World):
        self.w = w
        self.enabled = w.s.security.enabled
        self.closed_until: dict[str, float] = {}
        if not self.enabled:
            return
        for closures in w.s.security.regions:
            w.env.process(self._random_closures(closures))
        for scheduled in w.s.security.scheduled:
            w.env.process(self._scheduled(scheduled))

    def _random_closures(self, c: RegionClosures) -> Process:
        w = self.w
        mean_days = w.draw(c.mean_days_between_closures, f"security/{c.region}/mean_days_between_closures")
        intervals = w.streams[f"security/{c.region}/intervals"]
        closure_stream = f"security/{c.region}/closure_days"
        ahead: list[float] = []
        timeout = w.env.timeout
        while True:
            if not ahead:  # drawn in blocks: the same values as one draw at a time (see World.draw)
                ahead = intervals.exponential(mean_days, size=16).tolist()
                ahead.reverse()
            yield timeout(ahead.pop())
            self._close(c.region, w.draw(c.closure_days, closure_stream), c.claimed)

    def _scheduled(self, c: ScheduledClosure) -> Process:
        yield self.w.wait_until(c.start_day)
        self._close(c.region, c.days, c.claimed)

    def _close(self, region: str, days: float, claimed: bool) -> None:
        w = self.w
        if claimed:  # the state's "security concerns": pressure shortens them, as it does a compliance delay
            days *= w.compliance.factor()
        self.closed_until[region] = max(self.closed_until.get(region, 0.0), w.now + days)
        w.counters["closures"] += 1
        if w.record_events:
            kind = "claimed by the state, " if claimed else ""
            w.log("closure", entity=region, note=f"{kind}{days:.1f} days, until day {w.now + days:.1f}")

    def is_closed(self, regions: tuple[str, ...]) -> bool:
        now = self.w.env.now
        closed = self.closed_until
        for region in regions:  # a loop, not any(): this runs before every convoy and visit
            if closed.get(region, -1.0) > now:
                return True
        return False

    def wait_open(self, regions: tuple[str, ...]) -> Process:
        """Wait until none of ``regions`` is closed (returns at once, without an event, if open)."""
        if not self.enabled:
            return
        w = self.w
        while True:
            until = max((self.closed_until.get(r, -1.0) for r in regions), default=-1.0)
            if until <= w.now:
                return
            yield w.wait_until(until)
