"""The critical path of a milestone: what the last tonne that completed it spent its time on, from day 0.

Every tonne on its way carries a :class:`Trail`: the days it has spent on each of
:data:`sim.core.contract.CAUSES` so far, and the instant up to which they are counted.  A site's convoys keep a
trail of the site (the declaration, the inspection, waiting for the logistics, closures, escorts, convoy
releases, the site's earlier convoys); a convoy's cargo starts from a copy of it, then adds its own trip, the
wait at the port, the voyage, the facility and the destruction queue.  When a milestone is reached, the trail
of the tonne that completed it is kept: its days add up to the milestone's day, so every day of the path is
accounted for, and across replications the causes say what held each milestone up.

Bookkeeping only: a trail draws no random number and schedules no event, so results are the same with it as
without it.
"""

from __future__ import annotations

from sim.core.contract import CAUSE_IDS


class Trail:
    """Days by cause up to the instant ``since``; ``arrived`` is when the tonne reached its current queue (the
    tonne that arrived last is the one the others waited for)."""

    __slots__ = ("days", "since", "arrived")

    def __init__(self, since: float = 0.0, days: dict[str, float] | None = None, arrived: float = 0.0):
        self.days: dict[str, float] = dict(days) if days else {}
        self.since = since
        self.arrived = arrived

    def add(self, cause: str, until: float) -> None:
        """Count the time from :attr:`since` to ``until`` as ``cause``."""
        if until > self.since:
            self.days[cause] = self.days.get(cause, 0.0) + (until - self.since)
            self.since = until

    def copy(self) -> "Trail":
        return Trail(self.since, self.days, self.arrived)

    def row(self) -> list[float]:
        """The days of every cause, in the order of :data:`~sim.core.contract.CAUSE_IDS`."""
        days = self.days
        return [days.get(cause, 0.0) for cause in CAUSE_IDS]


def ready_trail(declared_day: float, now: float) -> Trail:
    """The trail of a site when it is ready (declared and inspected) at ``now``: until ``declared_day`` (the
    formal declaration, or the amendment that declared the site), waiting for the declaration; from then to
    ``now``, its inspection (the wait for a team, travel, verification, access)."""
    trail = Trail()
    trail.add("declaration", min(declared_day, now))
    trail.add("inspection", now)
    return trail


__all__ = ["Trail", "ready_trail"]
