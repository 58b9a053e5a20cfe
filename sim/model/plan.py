"""The static facts of a scenario every replication needs: indices, lists and flags, computed once.

A replication takes a few milliseconds, so rebuilding the same lookups (which lots sit at which site, in which
order convoys load them, which regions a convoy drives through) in every replication is a measurable share
of its cost.  :func:`plan_of` builds them once per scenario object and keeps the last few (sweeps run many
point scenarios, each many times).  Nothing here changes during a replication: what does (declarations,
tonnes, closures) lives in the world and the ledger.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from sim.model.concealed import ItemTemplate, item_templates, structures_by_site, traces_index
from sim.scenario.places import facility_regions
from sim.scenario.routes import DIRECT, POOL, Network, network_of
from sim.scenario.schema import EQUIPMENT_SITE_KINDS, Scenario

CACHED_PLANS = 64


@dataclass(frozen=True)
class Plan:
    """Lookups over the scenario's sites and lots (indices follow the scenario's lists)."""

    site_index: dict[str, int]
    lot_site: tuple[int, ...]
    lot_facility: tuple[str, ...]
    lot_on_route: tuple[bool, ...]  # its route leaves the country: it counts towards the removal milestones
    lot_priority: tuple[bool, ...]
    lot_category: tuple[int, ...]
    lot_unit_tonnes: tuple[float, ...]  # a munition's fill, t (0: bulk): loads and batches take whole units
    site_lots: tuple[tuple[int, ...], ...]  # priority lots first: the order convoys load and ships carry them
    site_route_lots: tuple[tuple[int, ...], ...]  # the same, that travel (a route of one leg or more)
    site_in_country_lots: tuple[tuple[int, ...], ...]  # the same, destroyed where they lie (an empty route)
    site_declared: tuple[bool, ...]  # declared at the outset
    site_legs: tuple[tuple[tuple[int, tuple[int, ...]], ...], ...]  # per site: (first leg, its lots), by leg
    equipment_sites: tuple[int, ...]  # declared production and mixing/filling sites
    convoy_order: tuple[int, ...]  # sites with priority chemicals first
    route_lots: tuple[int, ...]
    facility_lots: dict[str, tuple[int, ...]]
    network: Network
    in_plan: frozenset[str]  # Scenario.plan_milestones()
    facility_regions: dict[str, tuple[str, ...]]  # whose closures stop each plant's lines (places.facility_regions)
    next_leg: tuple[dict[int, int], ...]  # per lot: the leg after each leg of its route (-1: its plant)
    shuttle_legs: tuple[int, ...]  # pool legs from a place that is not a site: a dispatcher each
    carrier_legs: tuple[int, ...]  # legs sailed by ships or aircraft: a store at their start each
    upstream_stores: dict[int, tuple[int, ...]]  # per carrier leg: the stores loads reach before it
    lot_legs: tuple[frozenset[int], ...]  # the legs of each lot's route
    concealed: tuple[ItemTemplate, ...]  # the concealed items (sim.model.concealed), before a run changes them
    traces_at: dict[int, tuple[int, ...]]  # site -> the concealed items that left traces there
    site_structures: tuple[int, ...]  # production structures standing at each site
    unsited_structures: int  # production structures at no site


_PLANS: "OrderedDict[int, tuple[Scenario, Plan]]" = OrderedDict()


def plan_of(scenario: Scenario) -> Plan:
    """The plan of ``scenario`` (built on first use, then cached for the object)."""
    key = id(scenario)
    cached = _PLANS.get(key)
    if cached is not None and cached[0] is scenario:
        _PLANS.move_to_end(key)
        return cached[1]
    plan = _build(scenario)
    _PLANS[key] = (scenario, plan)  # the scenario is held, so its id cannot be reused while cached
    while len(_PLANS) > CACHED_PLANS:
        _PLANS.popitem(last=False)
    return plan


def lots_by_facility(s: Scenario, lot_facility: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    """Each facility's lots, in lot order: one pass over the lots (not one per facility: quadratic at scale)."""
    out: dict[str, list[int]] = {f.id: [] for f in s.facilities}
    for i, fid in enumerate(lot_facility):
        if fid in out:
            out[fid].append(i)
    return {fid: tuple(lots) for fid, lots in out.items()}


def _build(s: Scenario) -> Plan:
    lots, sites = s.lots, s.sites
    network = network_of(s)
    site_index = {site.id: i for i, site in enumerate(sites)}
    lot_site = tuple(site_index[lot.site] for lot in lots)
    lot_facility = network.lot_facility
    on_route = tuple(network.removal_route(i) for i in range(len(lots)))
    routes = network.lot_route
    legs = network.legs
    members: list[list[int]] = [[] for _ in sites]
    for i, site in enumerate(lot_site):
        members[site].append(i)
    for group in members:
        group.sort(key=lambda i: (not lots[i].priority, i))
    site_lots = tuple(tuple(group) for group in members)
    convoy_order = tuple(sorted(range(len(sites)), key=lambda i: (not any(lots[j].priority for j in site_lots[i]), i)))
    site_legs = tuple(
        tuple((leg, tuple(i for i in group if routes[i] and routes[i][0] == leg))
              for leg in sorted({routes[i][0] for i in group if routes[i]}))
        for group in site_lots)
    next_leg = tuple({leg: (route[k + 1] if k + 1 < len(route) else -1) for k, leg in enumerate(route)}
                     for route in routes)
    carrier_legs = tuple(sorted({leg for _, leg in network.carriers}))
    stored = {leg for route in routes for leg in route[1:]}  # legs whose loads wait at a place for them
    stores = {k for k in stored if legs[k].kind != DIRECT}  # a direct leg's loads travel alone: no store
    upstream = {k: tuple(sorted({route[j] for route in routes if k in route for j in range(1, route.index(k))
                                 if route[j] in stores}))
                for k in carrier_legs}
    concealed = item_templates(s, site_index, site_lots)
    site_structures, unsited_structures = structures_by_site(s, site_index)
    return Plan(
        site_index=site_index,
        lot_site=lot_site,
        lot_facility=lot_facility,
        lot_on_route=on_route,
        lot_priority=tuple(bool(lot.priority) for lot in lots),
        lot_category=tuple(lot.category for lot in lots),
        lot_unit_tonnes=tuple(lot.munitions.fill_kg / 1000.0 if lot.munitions else 0.0 for lot in lots),
        site_lots=site_lots,
        site_route_lots=tuple(tuple(i for i in group if routes[i]) for group in site_lots),
        site_in_country_lots=tuple(tuple(i for i in group if not routes[i]) for group in site_lots),
        site_declared=tuple(site.declared for site in sites),
        site_legs=site_legs,
        equipment_sites=tuple(i for i, site in enumerate(sites)
                              if site.declared and site.kind in EQUIPMENT_SITE_KINDS),
        convoy_order=convoy_order,
        route_lots=tuple(i for i in range(len(lots)) if on_route[i]),
        facility_lots=lots_by_facility(s, lot_facility),
        network=network,
        in_plan=frozenset(s.plan_milestones()),
        facility_regions={f.id: facility_regions(s, f) for f in s.facilities},
        next_leg=next_leg,
        shuttle_legs=tuple(k for k in sorted(stored) if legs[k].kind == POOL),
        carrier_legs=carrier_legs,
        upstream_stores=upstream,
        lot_legs=tuple(frozenset(route) for route in routes),
        concealed=concealed,
        traces_at=traces_index(concealed),
        site_structures=site_structures,
        unsited_structures=unsited_structures,
    )


__all__ = ["Plan", "plan_of"]
