"""Step 3: allow inspection.

Inspectors start once they have arrived and the listing tells them where to go.  Teams (slots, sim.model.slots)
visit every declared site in the order of the scenario: travel, then - once the site's region is open and
the state grants access (compliance delays and denials) - verification, and at production and
mixing/filling sites the equipment is made inoperable.  Milestones: ``initial_inspections_complete`` when
every site declared at the outset is verified, ``equipment_destroyed`` when every such production or
mixing/filling site has its equipment disabled.  A site declared later by an amendment is visited the same
way but does not move those milestones.  A plan that begins at removal (``plan.begins_with``) had its initial
inspections before day 0: every declared site counts as inspected on day 0, and only sites an amendment
declares are visited.
"""

from __future__ import annotations

from sim.model.clock import settle
from sim.model.world import Process, World
from sim.scenario.schema import EQUIPMENT_SITE_KINDS


class Inspections:
    """The inspectorate in one replication."""

    def __init__(self, w: World, inspected_before_day_0: bool = False):
        self.w = w
        self.ready = False
        self.queued: list[int] = []
        self.initial = [i for i, declared in enumerate(w.site_declared) if declared]
        self.counted = set(self.initial)  # the sites whose visits move the milestones: a set, as a list's `in` at
        # every visit is quadratic in the number of sites
        self.left = {"sites": len(self.initial), "equipment": len(w.equipment_sites)}
        n = len(w.s.sites)
        insp = w.s.inspectorate
        # drawn up front, one value per site in site order: independent of the order of visits
        self.travel = w.draw_each(insp.travel_days, "inspection/travel_days", n)
        self.verify = w.draw_each(insp.verification_days, "inspection/verification_days", n)
        for i, site in enumerate(w.s.sites):  # a site's own times, from streams of its own (the others' draws stay)
            if site.travel_days is not None:
                self.travel[i] = w.draw(site.travel_days, f"inspection/{site.id}/travel_days")
            if site.verification_days is not None:
                self.verify[i] = w.draw(site.verification_days, f"inspection/{site.id}/verification_days")
        self.disable = w.draw_each(insp.equipment_disabling_days, "inspection/equipment_disabling_days", n)
        self.counts_milestones = not inspected_before_day_0
        if inspected_before_day_0:  # the plan begins at removal: the initial inspections are done
            for i in self.initial:
                settle(w.site_inspected[i])  # most sites: nobody waits (nothing declared there to move)
                w.site_inspected_day[i] = 0.0
                w.log("site_inspected", entity=w.s.sites[i].id, site=w.s.sites[i].id, note="before day 0")
            self.initial = []
            self.counted = set()
        w.start_visit = self.start_visit
        w.env.process(self._arrive())

    def start_visit(self, site: int) -> None:
        if self.ready:
            self.w.env.process(self._visit(site))
        else:
            self.queued.append(site)

    def _arrive(self) -> Process:
        w = self.w
        yield w.listing_submitted
        yield from w.wait_for_stages("inspection")
        insp = w.s.inspectorate
        yield w.wait_until(w.draw(insp.arrival_day, "inspection/arrival_day"))
        w.log("inspectors_arrived", note=f"{insp.teams} teams")
        if self.counts_milestones and self.left["equipment"] == 0:
            w.reach("equipment_destroyed")
        if self.counts_milestones and self.left["sites"] == 0:
            w.reach("initial_inspections_complete")
        self.ready = True
        for site in self.initial + self.queued:
            w.env.process(self._visit(site))

    def _visit(self, i: int) -> Process:
        w = self.w
        site = w.s.sites[i]
        security = w.security
        with w.teams.request() as request:
            yield request
            yield w.wait(self.travel[i])
            if security.enabled and security.is_closed((site.region,)):
                yield from security.wait_open((site.region,))
            if w.compliance.c.enabled:
                yield from w.compliance.access(i)
            yield w.wait(self.verify[i])
            if w.record_events:
                w.log("site_inspected", entity=site.id, site=site.id)
            if site.kind in EQUIPMENT_SITE_KINDS:
                yield w.wait(self.disable[i])
                if w.record_events:
                    w.log("equipment_disabled", entity=site.id, site=site.id)
        settle(w.site_inspected[i])  # most sites: nobody waits (nothing declared there to move)
        w.site_inspected_day[i] = w.now
        w.on_site_inspected(i)
        if i not in self.counted:
            return
        self.left["sites"] -= 1
        if self.left["sites"] == 0:
            w.reach("initial_inspections_complete")
        if site.kind in EQUIPMENT_SITE_KINDS:
            self.left["equipment"] -= 1
            if self.left["equipment"] == 0:
                w.reach("equipment_destroyed")
