"""Sampling: samples taken where inspectors are, analysed in designated laboratories after ``lab_days``.

From ``sampling.start_day``, inspectors take samples at each declared site they verify and, with
``every_days``, in campaigns at every declared site already inspected; a visit to "any other site"
(:mod:`.requests`) samples there too.  A sample taken where a concealed item left traces (where it came from,
where it is kept, or a programme's site) finds them with ``positive_probability`` (an item's own
``sample_probability`` if it has one; one uniform a visit, so that an item with fainter traces is found only
when those with stronger ones are); the result comes ``lab_days`` later and raises an issue once the declaration is
in, named after the item, or ``traces_<site>`` when the traces are of several.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.world import UNIT_UNIFORM, Process, World

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.channels import Channels


class Sampling:
    """Samples and their laboratory results."""

    def __init__(self, w: World, channels: "Channels"):
        self.w = w
        self.channels = channels
        self.s = w.s.verification.sampling
        self.start_day = w.draw(self.s.start_day, "verification/sampling/start_day") if self.s.enabled else 0.0
        if self.s.enabled and self.s.every_days is not None:
            w.env.process(self._campaigns())

    def on_site_inspected(self, site: int) -> None:
        if self.s.enabled and self.w.now >= self.start_day:
            self.sample(site)

    def sample(self, site: int) -> None:
        """Take samples at ``site`` now (a laboratory result follows if anything there left traces)."""
        candidates = self.w.concealment.traces_at.get(site)
        if not candidates:
            return
        items = [k for k in candidates if self.channels.still_hidden(k)]
        if items:
            w = self.w
            w.after(w.draw(self.s.lab_days, "verification/sampling/lab_days"), lambda: self._result(site, items))

    def _result(self, site: int, items: list[int]) -> None:
        """One laboratory result for the samples of one visit: positive or not for the traces there at once.  The
        issue is named after the item when the traces are of one item, else ``traces_<site>``."""
        w = self.w
        items = [k for k in items if self.channels.still_hidden(k)]
        if not items:
            return
        u = w.draw(UNIT_UNIFORM, "verification/sampling/positive")  # one result a visit: the faintest found last
        items = [k for k in items if u < self._probability(k)]
        if items:
            name = w.s.sites[site].id
            issue = w.concealment.items[items[0]].id if len(items) == 1 else f"traces_{name}"
            w.log("sample_positive", entity=issue, site=name)
            self.channels.raise_when_declared(issue, "sampling", items, note=f"traces at {name}")

    def _probability(self, k: int) -> float:
        spec = self.w.concealment.items[k].spec
        return self.s.positive_probability if spec is None or spec.sample_probability is None \
            else spec.sample_probability

    def _campaigns(self) -> Process:
        w = self.w
        assert self.s.every_days is not None
        yield w.wait_until(self.start_day)
        traces_at = w.concealment.traces_at
        while True:
            for site in sorted(traces_at):  # every declared site already inspected (only those with traces matter)
                if w.site_declared[site] and w.site_inspected[site].triggered:
                    self.sample(site)
            yield w.wait(w.draw(self.s.every_days, "verification/sampling/every_days"))
