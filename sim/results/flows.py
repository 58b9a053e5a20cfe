"""The tonnes that flowed on each link of the plan network in one replication (the network chart's numbers).

Derived, not recorded: runs.parquet has no per-link column, and the events of a replication name vehicles, not
links.  What the events do give exactly is each lot's ledger moves, and :func:`sim.scenario.routes.network_of`
gives each lot's route (its legs, in order).  So, for the replication whose events are given (a run folder's
median replication):

* a lot's **sent** tonnes are those that left its site (its ``at_site->on_road`` moves: nothing else takes a tonne
  off a site onto a route; dispersal's ``at_site->hidden`` is not a route);
* every leg of the lot's route carries the lot's sent tonnes: a leg's tonnes are the sum over the lots routed
  over it;
* a plant's **destroyed** tonnes are its lots' ``->destroyed`` moves; its **waiting** tonnes are what its lots sent
  and it has not destroyed (on their way to it, or queued at it, at the end of the replication).

Hence, exactly: what leaves a site along its links is what its lots sent; what arrives at a plant along its links
is what it destroyed of them plus what is waiting; what enters a place is what leaves it.  The one approximation:
tonnes still on their way at the end are drawn along the whole of their route (the chart says how many: none
when the replication destroyed everything, as the median one of a finished programme does).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.scenario.routes import Network, network_of
from sim.scenario.schema import Scenario

LINK_COLUMNS = ("leg", "start", "end", "mode", "kind", "tonnes")
"""The columns of :attr:`Flows.links`: the link's id, the ids of its two places, its mode and kind, its tonnes."""


@dataclass(frozen=True)
class Flows:
    """Tonnes through the network in one replication (see the module's docstring for what each counts)."""

    replication: int
    links: pd.DataFrame  # one row per leg of the network, in its order: LINK_COLUMNS
    sent_t: dict[str, float]  # site id -> tonnes that left it on its lots' routes
    destroyed_t: dict[str, float]  # plant id -> tonnes it destroyed (of lots routed to it or destroyed in place)
    in_place_t: dict[str, float]  # plant id -> of those, tonnes of lots destroyed where they lie (no route)
    waiting_t: dict[str, float]  # plant id -> tonnes sent to it and not destroyed: on their way or queued
    lot_destroyed_t: dict[str, float]  # lot id -> its tonnes destroyed

    @property
    def waiting_total_t(self) -> float:
        return sum(self.waiting_t.values())


def lot_moves(events: pd.DataFrame) -> pd.DataFrame:
    """The ledger moves of ``events`` as (lot, source, target, tonnes)."""
    moves = events[events["event"] == "ledger"]
    if moves.empty:
        return pd.DataFrame({"lot": pd.Series(dtype=str), "source": pd.Series(dtype=str),
                             "target": pd.Series(dtype=str), "tonnes": pd.Series(dtype=float)})
    parts = moves["entity"].astype(str).str.split("->", n=1, expand=True)
    return pd.DataFrame({"lot": moves["lot"].to_numpy(), "source": parts[0].to_numpy(),
                         "target": parts[1].to_numpy(), "tonnes": moves["tonnes"].to_numpy(dtype=float)})


def link_flows(events: pd.DataFrame, scenario: Scenario, network: Network | None = None) -> Flows:
    """The :class:`Flows` of the replication whose events (with their ledger moves) are ``events``."""
    network = network or network_of(scenario)
    moves = lot_moves(events)
    sent = moves[(moves["source"] == "at_site") & (moves["target"] == "on_road")].groupby("lot")["tonnes"].sum()
    destroyed = moves[moves["target"] == "destroyed"].groupby("lot")["tonnes"].sum()
    leg_tonnes = [0.0] * len(network.legs)
    sent_t = {site.id: 0.0 for site in scenario.sites}
    plants = [f.id for f in scenario.facilities]
    destroyed_t, in_place_t, waiting_t = (dict.fromkeys(plants, 0.0) for _ in range(3))
    lot_destroyed_t = {}
    for lot, route, plant in zip(scenario.lots, network.lot_route, network.lot_facility):
        lot_sent = float(sent.get(lot.id, 0.0))
        lot_destroyed = float(destroyed.get(lot.id, 0.0))
        destroyed_t[plant] += lot_destroyed
        lot_destroyed_t[lot.id] = lot_destroyed
        if not route:
            in_place_t[plant] += lot_destroyed
            continue
        sent_t[lot.site] += lot_sent
        waiting_t[plant] += max(0.0, lot_sent - lot_destroyed)
        for leg in route:
            leg_tonnes[leg] += lot_sent
    nodes = network.nodes
    links = pd.DataFrame([{"leg": leg.id, "start": nodes[leg.start].id, "end": nodes[leg.end].id, "mode": leg.mode,
                           "kind": leg.kind, "tonnes": tonnes} for leg, tonnes in zip(network.legs, leg_tonnes)],
                         columns=list(LINK_COLUMNS))
    replication = int(events["replication"].iloc[0]) if "replication" in events and len(events) else 0
    return Flows(replication, links, sent_t, destroyed_t, in_place_t, waiting_t, lot_destroyed_t)


__all__ = ["Flows", "LINK_COLUMNS", "link_flows", "lot_moves"]
