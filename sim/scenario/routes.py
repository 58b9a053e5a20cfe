"""The compiled plan network: every place as a node, every way between them as a leg, every lot's route.

:func:`network_of` turns either shape of the format (:mod:`sim.scenario.network`) into one :class:`Network`, and
:func:`network_problems` says, with the key to blame, why a scenario's network cannot be built (a link to an
unknown place, a lot with no route to a plant that accepts it, ...).  Pure data: nothing here draws or runs.

Legs are of three kinds, by what carries loads on them:

* ``pool``: a vehicle of a pool (escorts, wagons) loads at the start, travels, unloads and travels back;
* ``carrier``: ships or aircraft, each its own entity, shuttle from the start (a port or airfield with berths);
* ``direct``: nothing is named; each load travels alone (a facility's onward delivery from a transfer port).

The port shape compiles to: a ``pool`` leg from every site to the port (pool ``escorts``: ``convoys.escorts``
vehicles of ``tonnes_per_convoy``), one ``carrier`` leg from the port to the transfer port (every ship), and a
``direct`` leg from the transfer port to every facility abroad (its ``delivery_days``); a lot on the
``in_country`` route is destroyed where it lies (an empty route).  The random streams of these legs keep the
names they had before the network existed, so the port shape's results are unchanged.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.core.problems import did_you_mean
from sim.scenario.distributions import fixed
from sim.scenario.network import Pool
from sim.scenario.places import facility_regions

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario.schema import Facility, Lot, Scenario

Problem = tuple[tuple[Any, ...], str, Any]

POOL, CARRIER, DIRECT = "pool", "carrier", "direct"
CONVOYS = "convoys"
"""The pool the ``convoys`` block defines (``escorts`` vehicles of ``tonnes_per_convoy``): the port shape's roads
use it, and so may any link of a network (``pool: convoys``), so ``convoys.escorts`` means the same in both."""
PORT_NODE, TRANSFER_NODE = "port", "transfer_port"


@dataclass(frozen=True)
class Node:
    """A place of the network: a site, a place of ``places`` or a destruction plant."""

    id: str
    label: str
    region: str
    abroad: bool
    berths: int
    site: int | None  # index of the site it is, if it is one
    facility: str | None  # id of the plant it is, if it is one


@dataclass(frozen=True)
class Leg:
    """A link as the model runs it."""

    id: str
    start: int  # node index
    end: int
    mode: str
    kind: str  # POOL, CARRIER or DIRECT
    transit: Any  # pool: drawn once per replication; direct: once per load; carrier: its quickest ship's voyage (routing only)
    transit_stream: str
    regions: tuple[str, ...]  # a load starts only while none is closed: the start's region and the link's
    pool: str | None
    tonnes_per_trip: float
    loading: Any
    loading_stream: str
    leaves_country: bool  # from a place in the state to one abroad: leaving is removal
    label: str  # how the trace names a load on it ("convoy", "rail load", ...)


@dataclass(frozen=True)
class PoolSize:
    id: str
    vehicles: int


@dataclass(frozen=True)
class Network:
    """The compiled network of a scenario."""

    nodes: tuple[Node, ...]
    legs: tuple[Leg, ...]
    pools: tuple[PoolSize, ...]
    carriers: tuple[tuple[int, int], ...]  # (ship index, leg index)
    lot_route: tuple[tuple[int, ...], ...]  # leg indices of each lot, in order; empty: destroyed where it lies
    lot_facility: tuple[str, ...]
    port_shape: bool

    def removal_route(self, lot: int) -> bool:
        """Whether the lot's route leaves the country (its tonnes count towards the removal milestones)."""
        return any(self.legs[leg].leaves_country for leg in self.lot_route[lot])


def is_network_shape(s: "Scenario") -> bool:
    return bool(s.links)


# ---- the port shape ----------------------------------------------------------------------------------------


def _port_shape(s: "Scenario") -> Network:
    nodes = [Node(site.id, site.id, site.region, False, 1, i, None) for i, site in enumerate(s.sites)]
    port = len(nodes)
    nodes.append(Node(PORT_NODE, s.port.name, "default", False, s.port.berths, None, None))
    transfer = len(nodes)
    nodes.append(Node(TRANSFER_NODE, s.transfer_port.name, "default", True, s.transfer_port.berths, None, None))
    legs: list[Leg] = []
    convoys = s.convoys
    for i, site in enumerate(s.sites):  # every site, in order: the draws of convoy/road_days follow this order
        legs.append(Leg(f"road_{site.id}", i, port, "road", POOL, site.road_days_to_port, "convoy/road_days",
                        (site.region, *site.road_regions), CONVOYS, convoys.tonnes_per_convoy,
                        convoys.loading_days, "convoy/loading_days", False, "convoy"))
    sea = len(legs)
    legs.append(Leg("sea", port, transfer, "sea", CARRIER, fixed(0.0), "", (), None, 0.0, fixed(0.0), "", True,
                    "voyage"))
    delivery: dict[str, int] = {}
    for f in s.facilities:
        if f.route == "in_country":
            continue
        delivery[f.id] = len(legs)
        nodes.append(Node(f.id, f.name or f.id, "default", True, 1, None, f.id))
        legs.append(Leg(f"delivery_{f.id}", transfer, len(nodes) - 1, "sea", DIRECT, f.delivery_days,
                        f"facility/{f.id}/delivery_days", (), None, 0.0, fixed(0.0), "", False, "delivery"))
    site_road = {site.id: i for i, site in enumerate(s.sites)}  # a site's road leg has the site's index
    routes: list[tuple[int, ...]] = []
    lot_facility = []
    for lot in s.lots:
        facility = s.facility_for(lot)
        lot_facility.append(facility.id)
        routes.append(() if lot.route == "in_country" else (site_road[lot.site], sea, delivery[facility.id]))
    return Network(tuple(nodes), tuple(legs), (PoolSize(CONVOYS, convoys.escorts),),
                   tuple((k, sea) for k in range(len(s.ships))), tuple(routes), tuple(lot_facility), True)


# ---- the network shape -------------------------------------------------------------------------------------


def _nodes(s: "Scenario") -> list[Node]:
    nodes = [Node(site.id, site.id, site.region, False, 1, i, None) for i, site in enumerate(s.sites)]
    nodes += [Node(p.id, p.name or p.id, p.region, p.abroad, p.berths, None, None) for p in s.places]
    for f in s.facilities:
        regions = facility_regions(s, f)
        nodes.append(Node(f.id, f.name or f.id, regions[0] if regions else "default", f.abroad, 1, None, f.id))
    return nodes


def _pools(s: "Scenario") -> dict[str, tuple[Pool, str]]:
    """The scenario's vehicle pools with the stream of their loading times: ``pools``, and ``convoys`` if the
    convoys block sizes its escorts."""
    pools = {p.id: (p, f"pool/{p.id}/loading_days") for p in s.pools}
    c = s.convoys
    if c.escorts is not None and c.tonnes_per_convoy is not None:
        pools[CONVOYS] = (Pool(id=CONVOYS, vehicles=c.escorts, tonnes_per_trip=c.tonnes_per_convoy,
                               loading_days=c.loading_days), "convoy/loading_days")
    return pools


def _legs(s: "Scenario", nodes: list[Node]) -> list[Leg]:
    index = {node.id: k for k, node in enumerate(nodes)}
    pools = _pools(s)
    voyage: dict[str, float] = {}  # a carrier link's time, for the quickest route: its quickest ship's voyage
    for ship in s.ships:
        if ship.link is not None:
            voyage[ship.link] = min(voyage.get(ship.link, float("inf")), float(ship.voyage_days.mean))
    legs = []
    for link in s.links:
        start, end = nodes[index[link.start]], nodes[index[link.end]]
        pool, loading_stream = pools.get(link.pool, (None, "")) if link.pool else (None, "")
        kind = POOL if pool is not None else CARRIER if link.id in voyage else DIRECT
        legs.append(Leg(
            link.id, index[link.start], index[link.end], link.mode, kind,
            fixed(voyage[link.id]) if kind == CARRIER else link.transit_days,
            "convoy/road_days" if kind == POOL else f"link/{link.id}/transit_days",
            (start.region, *link.regions), link.pool, pool.tonnes_per_trip if pool else 0.0,
            pool.loading_days if pool else fixed(0.0), loading_stream,
            (not start.abroad) and end.abroad, {"road": "convoy", "rail": "train"}.get(link.mode, link.mode)))
    return legs


def _quickest(legs: list[Leg], start: int, targets: set[int]) -> tuple[int, ...] | None:
    """The legs of the quickest way from ``start`` to any of ``targets`` (by mean transit), or None."""
    out: dict[int, list[int]] = {}
    for k, leg in enumerate(legs):
        out.setdefault(leg.start, []).append(k)
    best = {start: 0.0}
    came: dict[int, int] = {}
    heap = [(0.0, start)]
    while heap:
        days, node = heapq.heappop(heap)
        if node in targets:
            route = []
            while node != start:
                route.append(came[node])
                node = legs[came[node]].start
            return tuple(reversed(route))
        if days > best.get(node, float("inf")):
            continue
        for k in out.get(node, ()):
            leg = legs[k]
            nxt = days + float(leg.transit.mean) + 1e-9  # a hop costs a little: fewer legs win a tie
            if nxt < best.get(leg.end, float("inf")):
                best[leg.end] = nxt
                came[leg.end] = k
                heapq.heappush(heap, (nxt, leg.end))
    return None


def _given_path(lot: "Lot", legs: list[Leg], nodes: list[Node]) -> tuple[int, ...] | None:
    index = {node.id: k for k, node in enumerate(nodes)}
    route = []
    for a, b in zip(lot.path, lot.path[1:]):
        leg = next((k for k, leg in enumerate(legs) if leg.start == index[a] and leg.end == index[b]), None)
        if leg is None:
            return None
        route.append(leg)
    return tuple(route)


def _network_shape(s: "Scenario") -> Network:
    nodes = _nodes(s)
    legs = _legs(s, nodes)
    index = {node.id: k for k, node in enumerate(nodes)}
    routes, lot_facility = [], []
    for lot in s.lots:
        facility = s.facility_for(lot)
        lot_facility.append(facility.id)
        routes.append(_route_of(s, lot, facility, legs, nodes, index) or ())
    carriers = tuple((k, next(j for j, leg in enumerate(legs) if leg.id == ship.link))
                     for k, ship in enumerate(s.ships) if ship.link is not None)
    return Network(tuple(nodes), tuple(legs), tuple(PoolSize(p.id, p.vehicles) for p, _ in _pools(s).values()),
                   carriers,
                   tuple(routes), tuple(lot_facility), False)


def _route_of(s: "Scenario", lot: "Lot", facility: "Facility", legs: list[Leg], nodes: list[Node],
              index: dict[str, int]) -> tuple[int, ...] | None:
    """The lot's route: its given path, or the quickest way to its plant; () if the plant is at its site."""
    if facility.site == lot.site:
        return ()
    if lot.path:
        return _given_path(lot, legs, nodes)
    return _quickest(legs, index[lot.site], {index[facility.id]})


_CACHE: dict[int, tuple["Scenario", Network]] = {}


def network_of(s: "Scenario") -> Network:
    """The compiled network of a valid scenario (cached for the object)."""
    cached = _CACHE.get(id(s))
    if cached is not None and cached[0] is s:
        return cached[1]
    network = _network_shape(s) if is_network_shape(s) else _port_shape(s)
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[id(s)] = (s, network)
    return network


# ---- problems ----------------------------------------------------------------------------------------------

PORT_SHAPE_KEYS = ("port", "transfer_port")


def network_problems(s: "Scenario") -> list[Problem]:
    """Why the scenario's network cannot be built, each with the key to blame (none for a good network)."""
    if not is_network_shape(s):
        return _port_shape_problems(s)
    problems: list[Problem] = []
    for key in PORT_SHAPE_KEYS:
        if getattr(s, key) is not None:
            problems.append(((key,), f"{key} belongs to the port shape; a scenario with links names its ports "
                                     f"in places and its ways in links", key))
    for i, site in enumerate(s.sites):
        if site.road_days_to_port is not None:
            problems.append((("sites", i, "road_days_to_port"), "a scenario with links gives its roads as links "
                             "(road_days_to_port belongs to the port shape)", site.id))
    for i, pool in enumerate(s.pools):
        if pool.id == CONVOYS:
            problems.append((("pools", i, "id"), "the pool 'convoys' is the convoys block (convoys.escorts and "
                             "tonnes_per_convoy); give this pool another id", pool.id))
    names = [site.id for site in s.sites] + [p.id for p in s.places] + [f.id for f in s.facilities]
    seen: dict[str, str] = {}
    for loc, ids in (("sites", [x.id for x in s.sites]), ("places", [p.id for p in s.places]),
                     ("facilities", [f.id for f in s.facilities])):
        for i, name in enumerate(ids):
            if name in seen and seen[name] != loc:
                problems.append(((loc, i, "id"), f"{name!r} names a {seen[name][:-1]} already: sites, places and "
                                 "plants share one set of names in a network", name))
            seen.setdefault(name, loc)
    pool_ids = [p.id for p in s.pools if p.id != CONVOYS]
    if s.convoys.escorts is not None and s.convoys.tonnes_per_convoy is not None:
        pool_ids.append(CONVOYS)
    for i, link in enumerate(s.links):
        for key in ("start", "end"):
            value = getattr(link, key)
            if value not in names:
                problems.append((("links", i, key), f"unknown place {value!r}"
                                 f"{did_you_mean(value, names, exhaustive=True)}", value))
        if link.pool is not None and link.pool not in pool_ids:
            why = (" (the convoys pool needs convoys.escorts and convoys.tonnes_per_convoy)" if link.pool == CONVOYS
                   else did_you_mean(link.pool, pool_ids, exhaustive=True))
            problems.append((("links", i, "pool"), f"unknown pool {link.pool!r}{why}", link.pool))
    link_ids = [link.id for link in s.links]
    for k, ship in enumerate(s.ships):
        if ship.link is None:
            problems.append((("ships", k, "link"), "in a scenario with links, every ship names the link it "
                             "sails (a sea or air link from a port or airfield)", None))
        elif ship.link not in link_ids:
            problems.append((("ships", k, "link"), f"unknown link {ship.link!r}"
                             f"{did_you_mean(ship.link, link_ids, exhaustive=True)}", ship.link))
        else:
            link = s.links[link_ids.index(ship.link)]
            if link.pool is not None:
                problems.append((("ships", k, "link"), f"link {link.id!r} is carried by pool {link.pool!r}; a "
                                 "ship sails a link without a pool", ship.link))
    if problems:  # the rest needs a network of known places
        return problems
    nodes = _nodes(s)
    legs = _legs(s, nodes)
    index = {node.id: k for k, node in enumerate(nodes)}
    for i, link in enumerate(s.links):
        if index[link.start] < len(s.sites) and legs[i].kind != POOL:
            problems.append((("links", i, "pool"), f"link {link.id!r} leaves site {link.start!r}: loads leave a "
                             "site in vehicles, so the link needs a pool", None))
        if nodes[index[link.start]].abroad and not nodes[index[link.end]].abroad:
            problems.append((("links", i, "end"), f"link {link.id!r} comes back into the state from "
                             f"{link.start!r} abroad: a tonne is removed once, when it leaves, so no link leads "
                             "from a place abroad to one in the state", link.end))
    for k, ship in enumerate(s.ships):
        if ship.holds_at_sea and ship.link in link_ids and not legs[link_ids.index(ship.link)].leaves_country:
            problems.append((("ships", k, "holds_at_sea"), f"ship {ship.id!r} holds its cargo at sea until the "
                             f"plants accept it, so its link ({ship.link!r}) must leave the state: from a place "
                             "in it to one abroad", True))
    for i, f in enumerate(s.facilities):
        if f.abroad and f.site is not None:
            problems.append((("facilities", i, "abroad"), f"plant {f.id!r} is abroad, so it stands at no site "
                             f"of the state (give site: {f.site}, or abroad: true)", True))
    for i, lot in enumerate(s.lots):
        facility = s.facility_for(lot)
        if lot.path and facility.site == lot.site:
            problems.append((("lots", i, "path"), f"lot {lot.id!r} is destroyed where it lies (its plant "
                             f"{facility.id!r} stands at its site {lot.site!r}): it has no path", lot.path))
            continue
        if lot.path and len(set(lot.path)) < len(lot.path):
            twice = next(name for name in lot.path if lot.path.count(name) > 1)
            problems.append((("lots", i, "path"), f"the path of lot {lot.id!r} passes {twice!r} twice", lot.path))
            continue
        if lot.path:
            if lot.path[0] != lot.site or lot.path[-1] != facility.id:
                problems.append((("lots", i, "path"), f"the path of lot {lot.id!r} must run from its site "
                                 f"{lot.site!r} to its plant {facility.id!r}", lot.path))
                continue
            if any(name not in index for name in lot.path):
                bad = next(name for name in lot.path if name not in index)
                problems.append((("lots", i, "path"), f"unknown place {bad!r} in the path of lot {lot.id!r}"
                                 f"{did_you_mean(bad, names, exhaustive=True)}", lot.path))
                continue
        if _route_of(s, lot, facility, legs, nodes, index) is None:
            what = "no route through the links"
            if facility.site is not None:
                what += (f" (the plant stands at site {facility.site!r} but is a place of its own: a link must end "
                         f"at {facility.id!r})")
            if lot.path:
                a, b = next((a, b) for a, b in zip(lot.path, lot.path[1:])
                            if not any(leg.start == index[a] and leg.end == index[b] for leg in legs))
                what = f"its path goes from {a!r} to {b!r}, and no link does"
            problems.append((("lots", i, "path" if lot.path else "site"),
                             f"lot {lot.id!r} cannot reach plant {facility.id!r}, which accepts it: {what}",
                             lot.path or lot.site))
    return problems


def _port_shape_problems(s: "Scenario") -> list[Problem]:
    problems: list[Problem] = []
    if s.places or s.pools:
        key = "places" if s.places else "pools"
        problems.append(((key,), f"{key} need links: without links a scenario has the port shape (one port, "
                                 "roads to it, ships)", key))
    for key in PORT_SHAPE_KEYS:
        if getattr(s, key) is None:
            problems.append(((key,), f"a scenario without links needs {key} (or give the network as places "
                                     "and links)", None))
    for i, site in enumerate(s.sites):
        if site.road_days_to_port is None:
            problems.append((("sites", i, "road_days_to_port"), "a scenario without links needs each site's "
                             "road_days_to_port (or give the network as places and links)", site.id))
    for key in ("escorts", "tonnes_per_convoy"):
        if getattr(s.convoys, key) is None:
            problems.append((("convoys", key), f"a scenario without links needs convoys.{key}", None))
    for k, ship in enumerate(s.ships):
        if ship.link is not None:
            problems.append((("ships", k, "link"), "a ship names a link only in a scenario with links", ship.link))
    for loc, items in (("lots", s.lots), ("facilities", s.facilities)):
        for i, item in enumerate(items):
            if item.route is None:
                problems.append(((loc, i, "route"), "a scenario without links needs a route (sea, commercial or "
                                 "in_country)", None))
    for i, lot in enumerate(s.lots):
        if lot.path:
            problems.append((("lots", i, "path"), "a lot's path needs links (a scenario without them has one "
                             "route per lot: road, port, ship)", lot.path))
    return problems


__all__ = ["Network", "Node", "Leg", "PoolSize", "network_of", "network_problems", "is_network_shape",
           "POOL", "CARRIER", "DIRECT"]
