"""The plan network of the scenario format: places, vehicle pools and links.

A scenario describes its logistics in one of two shapes:

* **the port shape** (every scenario written before the network existed, e.g. Syria 2013): each site has a road
  to one port of embarkation (``road_days_to_port``), one escort pool carries convoys (``convoys``), ships shuttle
  from the port to one transfer port, and each facility abroad is a delivery away from it;
* **the network shape** (``links`` given): places (ports, airfields, border crossings, staging areas, ships
  at sea), the scenario's sites and destruction plants, and links between them, each with a mode, a transit
  time, the regions it crosses (for closures) and what carries loads on it: a vehicle pool (escorts, wagons,
  trucks), the ships or aircraft that name it, or nothing (each load travels alone, e.g. a delivery by the
  plant's own transport).  Every lot travels a route through the network to a plant that accepts it: the
  ``path`` it gives, or the quickest one.

Both shapes compile to the same network (:mod:`sim.scenario.routes`), which the model runs: the port shape is
the network of one port.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.scenario.distributions import fixed
from sim.scenario.fields import Days, Identifier, PositiveTonnes, Strict

PlaceKind = Literal["port", "airfield", "border_crossing", "staging_area", "rail_yard", "ship", "plant_site"]
Mode = Literal["road", "rail", "sea", "air"]


class Place(Strict):
    """A place of the network that is neither a site nor a destruction plant."""

    id: Identifier
    kind: PlaceKind = Field(description="What the place is: port, airfield, border_crossing, staging_area, "
                                        "rail_yard, ship (a ship at sea used as a store), plant_site.")
    name: str = ""
    region: Identifier = Field("default", description="Region of the place, for security closures.")
    abroad: bool = Field(False, description="Outside the state: a tonne leaving for a place abroad counts as "
                                            "removed when it leaves.")
    berths: int = Field(1, ge=1, le=1000, description="Ships or aircraft that can load here at once.")


class Pool(Strict):
    """Vehicles that carry loads on the links that name the pool (escorted convoys, rail wagons, trucks).

    A vehicle loads at the link's start, travels the link, unloads and travels back before its next load."""

    id: Identifier
    vehicles: int = Field(ge=1, le=10_000, description="Loads that can be on the pool's links at once (a site "
                                                        "loads one at a time: several vehicles serve several "
                                                        "sites, or a place's dispatcher, at once).")
    tonnes_per_trip: PositiveTonnes = Field(description="Tonnes one load carries.")
    loading_days: Days = Field(fixed(0.0), description="Loading at the start of the link, per load.")


class Link(Strict):
    """A way from one place to another."""

    id: Identifier
    start: Identifier = Field(description="Where the link starts: a site, a place or a plant.")
    end: Identifier = Field(description="Where it ends: a site, a place or a plant.")
    mode: Mode = Field(description="road, rail, sea or air.")
    transit_days: Days = Field(
        fixed(0.0),
        description="Time to travel the link, days.  On a link with a pool it is drawn once per replication (the "
                    "road's condition is the uncertain thing); on a link with nothing named to carry loads, once "
                    "per load; ships and aircraft use their own voyage_days.")
    regions: list[Identifier] = Field(
        default_factory=list,
        description="Regions the link crosses besides its start's: a closure of any stops loads from starting.")
    pool: Identifier | None = Field(None, description="The vehicle pool that carries loads on it (road, rail).")


__all__ = ["Place", "Pool", "Link", "PlaceKind", "Mode"]
