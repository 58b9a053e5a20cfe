"""Step 3: allow inspection.

Inspectors arrive on a set day (never before the listing tells them where to go).  Teams (a SimPy Resource)
visit every declared site in the order of the scenario: travel, then verification, then at production and
mixing/filling sites the equipment is made inoperable.  A site whose region is closed by a security incident
waits for it to reopen.  Milestones: ``initial_inspections_complete`` when every declared site is verified,
``equipment_destroyed`` when every declared production or mixing/filling site has its equipment disabled.
"""

from __future__ import annotations

import simpy

from sim.model.world import Process, World
from sim.scenario import EQUIPMENT_SITE_KINDS


def inspections(w: World) -> Process:
    yield w.listing_submitted
    inspectorate = w.s.inspectorate
    yield w.wait_until(w.draw(inspectorate.arrival_day, "inspection/arrival_day"))
    w.log("inspectors_arrived", note=f"{inspectorate.teams} teams")
    declared = [i for i, site in enumerate(w.s.sites) if site.declared]
    if not declared:
        return
    n = len(w.s.sites)
    travel = w.draw_each(inspectorate.travel_days, "inspection/travel_days", n)
    verify = w.draw_each(inspectorate.verification_days, "inspection/verification_days", n)
    disable = w.draw_each(inspectorate.equipment_disabling_days, "inspection/equipment_disabling_days", n)
    teams = simpy.Resource(w.env, capacity=inspectorate.teams)
    remaining = {"sites": len(declared), "equipment": len(w.equipment_sites)}
    if remaining["equipment"] == 0:
        w.reach("equipment_destroyed")
    for i in declared:
        w.env.process(_visit(w, teams, i, travel[i], verify[i], disable[i], remaining))


def _visit(w: World, teams: simpy.Resource, i: int, travel_days: float, verification_days: float,
           disabling_days: float, remaining: dict[str, int]) -> Process:
    site = w.s.sites[i]
    with teams.request() as request:
        yield request
        yield w.wait(travel_days)
        yield from w.gate_site_access(i)
        yield w.wait(verification_days)
        w.log("site_inspected", entity=site.id, site=site.id)
        if site.kind in EQUIPMENT_SITE_KINDS:
            yield w.wait(disabling_days)
            w.log("equipment_disabled", entity=site.id, site=site.id)
    w.site_inspected[i].succeed()
    w.on_site_inspected(i)
    remaining["sites"] -= 1
    if remaining["sites"] == 0:
        w.reach("initial_inspections_complete")
    if site.kind in EQUIPMENT_SITE_KINDS:
        remaining["equipment"] -= 1
        if remaining["equipment"] == 0:
            w.reach("equipment_destroyed")
