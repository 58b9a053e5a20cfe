"""The detection channels: each a process with its own timing and evidence, able to fire only once what it
compares exists (docs/verification.md).

* :mod:`.inspection` - a gap against the declared quantity at a declared site's inspection;
* :mod:`.records` - rounds of record reconciliation with the state (the Declaration Assessment Team);
* :mod:`.sampling` - samples and their laboratory delay, at inspected places;
* :mod:`.intelligence` - estimates set against the declared totals, and tips;
* :mod:`.requests` - inspections of "any other site" a tip names, and challenge inspections.

Every channel raises its issues through :meth:`Channels.raise_when_declared`: an issue is a discrepancy with the
declaration, so none is raised before the declaration is in (evidence found earlier waits for it).
"""

from __future__ import annotations

from sim.model.channels.inspection import InspectionGaps
from sim.model.channels.intelligence import Intelligence
from sim.model.channels.records import records_rounds
from sim.model.channels.requests import Requests
from sim.model.channels.sampling import Sampling
from sim.model.world import World


class Channels:
    """Every detection channel of one replication, and the hooks the other processes call."""

    def __init__(self, w: World):
        self.w = w
        v = w.s.verification
        self.inspection = InspectionGaps(w, self)
        self.sampling = Sampling(w, self)
        self.requests = Requests(w, self)
        self.intelligence = Intelligence(w, self)
        if v.records.enabled:
            w.env.process(records_rounds(w, self))

    def on_site_inspected(self, site: int) -> None:
        self.inspection.on_site_inspected(site)
        self.sampling.on_site_inspected(site)

    def on_declaration(self) -> None:
        self.inspection.on_declaration()

    def unit_tip(self, item: int, move: int) -> None:
        """A tip about the secret unit's move number ``move`` into hideout ``item``."""
        self.intelligence.unit_tip(item, move)

    def raise_when_declared(self, issue_id: str, channel: str, items: list[int], note: str = "") -> None:
        """Raise the issue now, or once the declaration is in if it is not yet."""
        w = self.w
        if w.declaration_submitted.triggered:
            self._raise(issue_id, channel, items, note)
        else:
            w.when(w.declaration_submitted, lambda: self._raise(issue_id, channel, items, note))

    def _raise(self, issue_id: str, channel: str, items: list[int], note: str) -> None:
        concealment = self.w.concealment
        if items and not concealment.hidden_behind(items):
            return  # amended meanwhile: nothing left to find
        self.w.issues.raise_issue(issue_id, channel, items, note)

    def still_hidden(self, item: int) -> bool:
        candidate = self.w.concealment.items[item]
        return not candidate.declared and candidate.exists


__all__ = ["Channels"]
