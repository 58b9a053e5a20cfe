"""The cross-references of a scenario, checked all at once: ids unique, every lot's site and facility known,
every deadline's milestone, region, agent and gate named where it is used exists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.core.contract import MILESTONE_IDS
from sim.core.problems import did_you_mean
from sim.scenario.places import place_problems, place_regions

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario.schema import Scenario

REMOVAL_ROUTES: tuple[str, ...] = ("sea", "commercial")
"""Routes that leave the country by ship (the others are destroyed in the country)."""


def _duplicates(items: list[Any], key: str, loc: str) -> list[tuple[tuple[Any, ...], str, Any]]:
    seen: dict[str, int] = {}
    out = []
    for i, item in enumerate(items):
        value = getattr(item, key)
        if value in seen:
            out.append(((loc, i, key), f"duplicate {key} {value!r} (already used by {loc}[{seen[value]}])",
                        value))
        seen.setdefault(value, i)
    return out


def reference_problems(s: "Scenario") -> list[tuple[tuple[Any, ...], str, Any]]:
    """Every broken cross-reference of a scenario as (location, message, offending value)."""
    problems = []
    for loc, items in (("sites", s.sites), ("lots", s.lots), ("ships", s.ships), ("facilities", s.facilities),
                       ("deadlines", s.deadlines), ("places", s.places), ("pools", s.pools), ("links", s.links),
                       ("gates", s.gates)):
        problems += _duplicates(items, "id", loc)
    site_ids = [site.id for site in s.sites]
    agents = sorted({lot.agent for lot in s.lots})
    facility_ids = [f.id for f in s.facilities]
    regions = sorted({site.region for site in s.sites} | {r for site in s.sites for r in site.road_regions}
                     | {p.region for p in s.places} | {r for link in s.links for r in link.regions}
                     | place_regions(s))
    for i, lot in enumerate(s.lots):
        if lot.site not in site_ids:
            problems.append((("lots", i, "site"), f"unknown site {lot.site!r}"
                             f"{did_you_mean(lot.site, site_ids, exhaustive=True)}",
                             lot.site))
        if lot.facility is not None:
            facility = next((f for f in s.facilities if f.id == lot.facility), None)
            if facility is None:
                problems.append((("lots", i, "facility"),
                                 f"unknown facility {lot.facility!r}"
                                 f"{did_you_mean(lot.facility, facility_ids, exhaustive=True)}",
                                 lot.facility))
            elif not facility.accepts(lot):
                problems.append((("lots", i, "facility"),
                                 f"facility {facility.id!r} does not accept lot {lot.id!r} "
                                 f"({lot.agent}, category {lot.category}, route {lot.route})", lot.facility))
        elif not any(f.accepts(lot) for f in s.facilities):
            problems.append((("lots", i, "route"),
                             f"no facility accepts lot {lot.id!r} ({lot.agent}, category {lot.category}, "
                             f"route {lot.route})", lot.route))
    if s.unfilled_munitions.site is not None and s.unfilled_munitions.site not in site_ids:
        problems.append((("unfilled_munitions", "site"), f"unknown site {s.unfilled_munitions.site!r}",
                         s.unfilled_munitions.site))
    problems += place_problems(s)
    # A facility may list agents no lot holds (a variant may drop lots); only a lot nobody accepts is an error.
    if not s.links and any(lot.route in REMOVAL_ROUTES for lot in s.lots) and not s.ships:  # the port shape
        problems.append((("ships",), "lots on a removal route (sea or commercial) need at least one ship", []))
    for i, deadline in enumerate(s.deadlines):
        if deadline.milestone not in MILESTONE_IDS:
            problems.append((("deadlines", i, "milestone"),
                             f"unknown milestone {deadline.milestone!r}"
                             f"{did_you_mean(deadline.milestone, list(MILESTONE_IDS), exhaustive=True)}",
                             deadline.milestone))
        if deadline.date < s.start_date:
            problems.append((("deadlines", i, "date"),
                             f"deadline {deadline.date} is before the start date {s.start_date}",
                             deadline.date.isoformat()))
    for j, agent in enumerate(s.dispersal.eligible_agents or []):
        if agent not in agents:
            problems.append((("dispersal", "eligible_agents", j),
                             f"unknown agent {agent!r}{did_you_mean(agent, agents, exhaustive=True)}", agent))
    deadline_ids = [d.id for d in s.deadlines]
    for j, name in enumerate(s.pressure.escalation.on_deadlines or []):
        if name not in deadline_ids:
            problems.append((("pressure", "escalation", "on_deadlines", j),
                             f"unknown deadline {name!r}{did_you_mean(name, deadline_ids, exhaustive=True)}", name))
    for block in ("regions", "scheduled"):
        for i, item in enumerate(getattr(s.security, block)):
            if item.region not in regions:
                problems.append((("security", block, i, "region"),
                                 f"unknown region {item.region!r}"
                                 f"{did_you_mean(item.region, regions, exhaustive=True)}",
                                 item.region))
    return problems + _gate_problems(s)


def _gate_problems(s: "Scenario") -> list[tuple[tuple[Any, ...], str, Any]]:
    """Each gate's candidates named once, and every gate a consumer waits for declared in ``gates``."""
    problems = []
    for i, gate in enumerate(s.gates):
        names = [candidate.name for candidate in gate.candidates]
        problems += [(("gates", i, "candidates", j, "name"),
                      f"candidate {name!r} is asked twice (already gates[{i}].candidates[{names.index(name)}])", name)
                     for j, name in enumerate(names) if names.index(name) < j]
    gate_ids = sorted({gate.id for gate in s.gates})
    consumers: list[tuple[tuple[Any, ...], list[str]]] = [
        (("convoys",), s.convoys.gates), (("unfilled_munitions",), s.unfilled_munitions.gates),
        (("production_structures",), s.production_structures.gates),
        *((("facilities", i), f.gates) for i, f in enumerate(s.facilities)),
    ]
    for where, names in consumers:
        for j, name in enumerate(names):
            if name not in gate_ids:
                problems.append((where + ("gates", j), f"unknown gate {name!r}"
                                 f"{did_you_mean(name, gate_ids, exhaustive=True)}", name))
    return problems


__all__ = ["reference_problems", "REMOVAL_ROUTES"]
