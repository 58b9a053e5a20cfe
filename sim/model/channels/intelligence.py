"""Intelligence: estimates set against the declared totals, and tips from defectors or services.

*Estimates*: ``intelligence.estimate_days`` after the declaration, each estimate (of an agent, or of the whole
stockpile) is set against the declared total: below ``tonnes x (1 - tolerance)`` it raises the issue
``estimate_<agent>`` (``estimate_total``), which concerns every undeclared item with tonnes of that agent.  An
estimate may be wrong: with nothing hidden behind it, the state's explanation is true and accepted.

*Tips*: an item with ``tip_probability_per_year`` is reported after an exponential time with that yearly
chance, counted from day 0, or on its ``tip_day`` (a share not yet withheld is reported once it is); each move of the secret unit is reported with
``dispersal.detection.tip_probability_per_move`` after ``tip_delay_days``.  A tip leads to a request to inspect
the place it names (:mod:`.requests`) when requests are on and the item has a place, else to a challenge
inspection when that is on, else it raises the issue itself.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.model.world import Process, World

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.channels import Channels


class Intelligence:
    """Estimates and tips."""

    def __init__(self, w: World, channels: "Channels"):
        self.w = w
        self.channels = channels
        if w.s.verification.intelligence.estimates:
            w.env.process(self._estimates())
        for k, item in enumerate(w.concealment.items):
            if item.tip_probability_per_year > 0 or (item.spec is not None and item.spec.tip_day is not None):
                w.env.process(self._tip_after(k))

    def _estimates(self) -> Process:
        w = self.w
        intel = w.s.verification.intelligence
        yield w.declaration_submitted
        yield w.wait(w.draw(intel.estimate_days, "verification/intelligence/estimate_days"))
        for estimate in intel.estimates:
            declared = sum(t for lot, t in zip(w.s.lots, w.ledger.declared)
                           if estimate.agent is None or lot.agent == estimate.agent)
            if declared < estimate.tonnes * (1.0 - estimate.tolerance):
                items = w.concealment.items_of_agent(estimate.agent)
                w.issues.raise_issue(f"estimate_{estimate.agent or 'total'}", "estimate", items,
                                     note=f"declared {declared:,.1f} t against an estimate of {estimate.tonnes:,.0f} t")

    def _tip_after(self, k: int) -> Process:
        w = self.w
        item = w.concealment.items[k]
        if item.spec is not None and item.spec.tip_day is not None:
            yield w.wait_until(w.draw(item.spec.tip_day, f"verification/tip/{item.id}/day"))
        else:
            rate_per_day = -math.log1p(-min(item.tip_probability_per_year, 1.0 - 1e-12)) / 365.25
            if rate_per_day <= 0.0:  # a chance too small to count
                return
            yield w.wait(float(w.streams[f"verification/tip/{item.id}"].exponential(1.0 / rate_per_day)))
        if not item.exists:  # a withheld share is reported once it has left its site (before the declaration)
            yield w.declaration_submitted
        if self.channels.still_hidden(k):
            w.log("intelligence_tip", entity=item.id)
            self.route(k, w.s.verification.challenge_inspection)

    def unit_tip(self, k: int, move: int) -> None:
        self.w.env.process(self._unit_tip(k, move))

    def _unit_tip(self, k: int, move: int) -> Process:
        w = self.w
        det = w.s.dispersal.detection
        yield w.wait(w.draw(det.tip_delay_days, "dispersal/tip_delay_days"))
        w.log("intelligence_tip", entity=f"move {move + 1}", note=w.concealment.items[k].id)
        d = w.s.dispersal
        self.route(k, det.challenge_inspection if d.own("challenge_inspection") else w.s.verification.challenge_inspection)

    def route(self, k: int, challenge) -> None:  # type: ignore[no-untyped-def]
        """Where a tip about item ``k`` leads."""
        channels = self.channels
        item = self.w.concealment.items[k]
        if self.w.s.verification.requests.enabled and item.place is not None:
            channels.requests.request(k)
        elif challenge.enabled:
            channels.requests.challenge(k, challenge)
        else:
            channels.raise_when_declared(item.id, "tip", [k])
