"""Where production structures and destruction plants are, and how they are destroyed or destroy: the words of
their ``method``, and the checks of the places they name (a site that exists; a plant at a site or in a region,
not both).  A structure or plant with a place is reached by the security closures of its region.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from sim.core.problems import did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario.distributions import Distribution
    from sim.scenario.schema import Facility, Scenario

StructureMethod = Literal["demolition", "dismantling", "sealing"]
"""How a production structure is destroyed (CWC Art. V): torn down, taken apart, or sealed shut (Iraq sealed
its bunkers at Al Muthanna).  A label shown in the trace: the time it takes is the group's ``demolition_days``."""

FacilityMethod = Literal["hydrolysis", "incineration", "demilitarisation", "crushing", "detonation"]
"""How a destruction plant destroys what it receives.  A label shown in the trace: its throughput is the
plant's lines and ``line_rate_t_per_day``."""


def place_regions(s: "Scenario") -> set[str]:
    """Regions named by the plants that give a ``region`` of their own (those at a site take the site's)."""
    return {f.region for f in s.facilities if f.region is not None}


def facility_regions(s: "Scenario", facility: "Facility") -> tuple[str, ...]:
    """The region whose closures stop ``facility``'s lines: its site's, its own, or none."""
    if facility.site is not None:
        return tuple(site.region for site in s.sites if site.id == facility.site)
    return () if facility.region is None else (facility.region,)


def builds(facility: "Facility") -> bool:
    """Whether ``facility`` is built during the plan (a construction or commissioning time other than 0)."""
    return not (_zero(facility.construction_days) and _zero(facility.commissioning_days))


def _zero(days: "Distribution") -> bool:
    return days.support() == (0.0, 0.0)


def place_problems(s: "Scenario") -> list[tuple[tuple[Any, ...], str, Any]]:
    """Every structure group and facility that names an unknown site, as (location, message, offending value)."""
    site_ids = [site.id for site in s.sites]
    problems: list[tuple[tuple[Any, ...], str, Any]] = []

    def check(loc: tuple[Any, ...], site: str | None) -> None:
        if site is not None and site not in site_ids:
            problems.append((loc, f"unknown site {site!r}{did_you_mean(site, site_ids, exhaustive=True)}", site))

    for i, group in enumerate(s.production_structures.groups):
        check(("production_structures", "groups", i, "site"), group.site)
    for i, facility in enumerate(s.facilities):
        check(("facilities", i, "site"), facility.site)
        if facility.site is not None and facility.region is not None:
            problems.append((("facilities", i, "region"), "give site or region, not both: a plant at a site is in "
                             "the site's region", facility.region))
    return problems


__all__ = ["StructureMethod", "FacilityMethod", "place_regions", "place_problems", "facility_regions", "builds"]
