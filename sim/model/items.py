"""Items destroyed in the country without a facility's lines: unfilled munitions (a count, Category 3) and
production structures (hangars, tunnels), demolished by crews (a Resource) after their start day."""

from __future__ import annotations

import simpy

from sim.model.world import Process, World


def munitions(w: World) -> Process:
    m = w.s.unfilled_munitions
    yield w.listing_submitted
    if m.site is not None:
        yield w.site_inspected[w.site_index[m.site]]
    yield w.wait_until(w.draw(m.start_day, "munitions/start_day"))
    per_day = w.draw(m.destroyed_per_day, "munitions/destroyed_per_day")
    yield w.wait(m.count / per_day)
    w.log("munitions_destroyed", note=f"{m.count} unfilled munitions")
    w.reach("munitions_destroyed")


def structures(w: World) -> Process:
    ps = w.s.production_structures
    yield w.declaration_submitted
    yield w.wait_until(w.draw(ps.start_day, "structures/start_day"))
    delay = w.compliance_delay("structures_delay_days", "compliance/structures_delay_days")
    if delay > 0:
        yield w.wait(delay)
    crews = simpy.Resource(w.env, capacity=ps.crews)
    items = [(g.kind, k + 1, g.demolition_days) for g in ps.groups for k in range(g.count)]
    durations = [w.draw(d, f"structures/{kind}/demolition_days") for kind, _, d in items]
    left = {"n": len(items)}
    for (kind, number, _), days in zip(items, durations):
        w.env.process(_demolish(w, crews, f"{kind} {number}", days, left))


def _demolish(w: World, crews: simpy.Resource, label: str, days: float, left: dict[str, int]) -> Process:
    with crews.request() as request:
        yield request
        yield w.wait(days)
    w.log("structure_destroyed", entity=label)
    w.reach("first_structure_destroyed")
    left["n"] -= 1
    if left["n"] == 0:
        w.reach("production_facilities_destroyed")
