"""Inspection of declared sites: a gap against the declared quantity.

Inspectors verifying a declared site see residues, seals and records of what was there.  When concealed items
were taken from the site (their *origins*: a withheld share, or the secret unit's moves), they notice that more
was there than is declared with ``verification.inspection.gap_probability``, one chance a site: the issue
``gap_<site>`` concerns every item taken from it (the unit's hideouts only: ``dispersal.detection.
discrepancy_probability`` when the scenario writes it, the older key).  The comparison needs both the
inspection and the declaration: a site inspected before the declaration is compared when the declaration comes
in.  Inspectors can find a gap
only against something declared: an item at an undeclared place has no origin here.

When the unit moved declared tonnes away before the site's inspection (``dispersal.window_end: inspection``),
the inspection also reconciles the declared book with what is there, noticed or not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.core.contract import TOLERANCE_T
from sim.model.ledger import HIDDEN
from sim.model.world import UNIT_UNIFORM, World

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.channels import Channels


class InspectionGaps:
    """Gaps found at the inspection of declared sites."""

    def __init__(self, w: World, channels: "Channels"):
        self.w = w
        self.channels = channels
        self.waiting: list[int] = []  # inspected before the declaration

    def on_site_inspected(self, site: int) -> None:
        w = self.w
        for lot in w.site_lots[site]:
            self._reconcile(lot)
        if w.declaration_submitted.triggered:
            self._compare(site)
        else:
            self.waiting.append(site)

    def on_declaration(self) -> None:
        for site in self.waiting:
            self._compare(site)
        self.waiting = []

    def _compare(self, site: int) -> None:
        """One look at the site's residues and records: noticed or not, for everything taken from it at once (the
        gap tells of the site, not of where the stock went); the issue ``gap_<site>`` concerns those items."""
        w = self.w
        still_hidden = self.channels.still_hidden  # the items taken from the site, by index (not every item)
        taken = [k for k in w.concealment.taken_from.get(site, ()) if still_hidden(k)]
        if not taken:
            return
        d = w.s.dispersal
        items = w.concealment.items
        unit = all(items[k].unit for k in taken)
        p = (d.detection.discrepancy_probability if unit and d.own("discrepancy_probability")
             else w.s.verification.inspection.gap_probability)
        if p > 0 and w.draw(UNIT_UNIFORM, "verification/inspection") < p:
            name = w.s.sites[site].id
            self.channels.raise_when_declared(f"gap_{name}", "inspection", taken, note=f"gap at {name}")

    def _reconcile(self, lot: int) -> None:
        """The declared book of ``lot`` becomes what is in the chain (everything not hidden)."""
        w = self.w
        if w.ledger.declared[lot] <= 0:
            return
        in_chain = w.ledger.initial[lot] - w.ledger.of(lot, HIDDEN)
        if w.ledger.declared[lot] - in_chain > TOLERANCE_T:
            w.ledger.declare(w.now, lot, in_chain - w.ledger.declared[lot])
