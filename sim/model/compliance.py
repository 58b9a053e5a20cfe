"""Compliance delays, access denials, and the political pressure that shrinks them.

With ``compliance.enabled`` the state slow-walks: extra delays before the listing, the declaration, each
inspection visit (``access_delay_days``), each convoy (``convoy_release_delay_days``) and the demolition of
production structures; and each inspection visit is denied with ``access_denial_probability`` for
``denial_days``.  Every delay, denial duration and denial probability is multiplied by

    1 - pressure.delay_reduction_at_full_pressure x pressure level

so that at level 0 (no credible threat of force) they are as written and at level 1 (Chapter VII
enforcement) they shrink by the given share.  With ``pressure.escalation.enabled``, each deadline missed
(its milestone not reached by the end of its date; all deadlines, or those in ``on_deadlines``) raises the
level by ``step``, up to ``max_level``; later delays are drawn at the new level.
"""

from __future__ import annotations

from sim.model.world import UNIT_UNIFORM, Process, World


class Compliance:
    """Slow-walking and pressure in one replication."""

    def __init__(self, w: World):
        self.w = w
        self.c = w.s.compliance
        self.level = w.s.pressure.level
        if w.s.pressure.escalation.enabled and w.s.deadlines:
            w.env.process(self._escalation())

    def factor(self) -> float:
        """Multiplier of delays at the current pressure level."""
        return 1.0 - self.w.s.pressure.delay_reduction_at_full_pressure * self.level

    def delay(self, key: str, stream: str) -> float:
        """An extra delay (0 when compliance is off), at the current pressure."""
        if not self.c.enabled:
            return 0.0
        return self.w.draw(getattr(self.c, key), stream) * self.factor()

    def access(self, site: int) -> Process:
        """Before an inspection visit: the access delay, then possibly a denial."""
        if not self.c.enabled:
            return
        w = self.w
        delay = self.delay("access_delay_days", "compliance/access_delay_days")
        if delay > 0:
            yield w.wait(delay)
        # one uniform per visit whatever the probability, so the stream's draws line up across scenarios
        u = w.draw(UNIT_UNIFORM, "compliance/access_denial")
        if u < self.c.access_denial_probability * self.factor():
            w.counters["access_denials"] += 1
            days = self.delay("denial_days", "compliance/denial_days")
            w.log("access_denied", entity=w.s.sites[site].id, site=w.s.sites[site].id, note=f"{days:.1f} days")
            yield w.wait(days)

    def raise_level(self, step: float, reason: str) -> None:
        """Raise the pressure level by ``step`` (up to 1) now: an issue raised, a request refused, an event
        (:mod:`sim.model.answers`)."""
        if step <= 0 or self.level >= 1.0:
            return
        self.level = min(1.0, self.level + step)
        self.w.log("pressure_raised", entity=reason, note=f"level {self.level:.2f}")

    def _escalation(self) -> Process:
        w = self.w
        esc = w.s.pressure.escalation
        chosen = [d for d in w.s.deadlines if esc.on_deadlines is None or d.id in esc.on_deadlines]
        for deadline in sorted(chosen, key=lambda d: d.date):
            yield w.wait_until(w.s.end_of_day(deadline.date))
            if deadline.milestone not in w.milestones and self.level < esc.max_level:
                self.level = min(esc.max_level, self.level + esc.step)
                w.log("pressure_raised", entity=deadline.id, note=f"level {self.level:.2f}")
