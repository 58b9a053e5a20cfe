"""Items destroyed in the country without a facility's lines: unfilled munitions (a count, Category 3) and
production structures (hangars, tunnels), demolished by crews (slots) after their start day.

Both may stand at a site (``site``): then the security closures of the site's region reach them.  Work does
not *start* while the region is closed: a structure waits for the region to open without holding a crew (the
crews go on with structures elsewhere), and takes a crew again when it opens; the munitions wait before their
destruction begins.  Work already under way when a closure begins runs to its end, as a convoy already on the
road does (:mod:`sim.model.security`): the model's closures gate the start of work, the only moment at which the
record tells of work held back.  Structures at a declared site also wait for the site's inspection; those of an
undeclared facility wait for the amendment that declares it, then for its inspection, and
``production_facilities_destroyed`` counts the declared structures only (it reopens when an amendment declares
more).

The World counts the structures destroyed (``counters["structures_destroyed"]``); :func:`structures_total`
is how many there are, so that destroyed + remaining = total in every replication.
"""

from __future__ import annotations


from sim.model.slots import Slots
from sim.model.world import Process, World
from sim.scenario.schema import Scenario, StructureGroup


def structures_total(s: Scenario) -> int:
    """How many production structures the scenario has (the destroyed and the remaining add up to it)."""
    return sum(group.count for group in s.production_structures.groups)


def _site_regions(w: World, site: str | None) -> tuple[str, ...]:
    """The region of ``site`` as a gate for :meth:`sim.model.security.Security.wait_open` (none without a site)."""
    return () if site is None else (w.s.sites[w.site_index[site]].region,)


def munitions(w: World) -> Process:
    m = w.s.unfilled_munitions
    yield w.listing_submitted
    if m.site is not None:
        yield w.site_inspected[w.site_index[m.site]]
    yield from w.wait_for_stages("munitions")
    yield w.wait_until(w.draw(m.start_day, "munitions/start_day"))
    if m.gates:
        yield w.gates.passed(m.gates)
    per_day = w.draw(m.destroyed_per_day, "munitions/destroyed_per_day")
    yield from w.security.wait_open(_site_regions(w, m.site))  # nothing to wait for without a site or closures
    yield w.wait(m.count / per_day)
    w.log("munitions_destroyed", note=f"{m.count} unfilled munitions")
    w.reach("munitions_destroyed")


def structures(w: World) -> Process:
    ps = w.s.production_structures
    yield w.declaration_submitted
    yield from w.wait_for_stages("structures")
    yield w.wait_until(w.draw(ps.start_day, "structures/start_day"))
    if ps.gates:
        yield w.gates.passed(ps.gates)
    delay = w.compliance_delay("structures_delay_days", "compliance/structures_delay_days")
    if delay > 0:
        yield w.wait(delay)
    crews = Slots(w.env, ps.crews)
    items = [(g, k + 1) for g in ps.groups for k in range(g.count)]
    durations = [w.draw(g.demolition_days, f"structures/{g.kind}/demolition_days") for g, _ in items]
    for (group, number), days in zip(items, durations):
        w.env.process(_demolish(w, crews, group, f"{group.kind} {number}", days))


def _demolish(w: World, crews: Slots, group: StructureGroup, label: str, days: float,
              ) -> Process:
    """One structure: (at a declared site, its inspection), a crew while its region is open, its demolition."""
    regions = _site_regions(w, group.site)
    if group.site is not None:
        site = w.site_index[group.site]
        if not w.site_declared[site]:  # an undeclared facility's structures wait for its amendment
            yield w.concealment.site_declared_event[site]
        yield w.site_inspected[site]
    security = w.security
    while True:
        yield from security.wait_open(regions)
        with crews.request() as request:
            yield request
            if regions and security.is_closed(regions):  # closed while it waited for a crew: hand the crew back
                continue
            yield w.wait(days)
            break
    w.log("structure_destroyed", entity=label, site=group.site or "", note=group.method)
    w.reach("first_structure_destroyed")
    w.counters["structures_destroyed"] += 1
    check_structures(w)


def check_structures(w: World) -> None:
    """Reach (or reopen, after an amendment declared a facility with structures) production_facilities_destroyed:
    every declared structure destroyed."""
    if any(group.count for group in w.s.production_structures.groups):
        w.hold("production_facilities_destroyed",
               w.counters["structures_destroyed"] >= w.concealment.structures_declared)
