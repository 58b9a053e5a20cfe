"""The concealed items of a scenario as static templates, built once per scenario (:mod:`sim.model.plan`).

Each replication makes its own mutable :class:`sim.model.concealment.Item` from these: what it holds, whether it
is declared and where it left traces change during a run; what it is, where it came from and where it is do not.
The order is :mod:`sim.model.concealment`'s: the scenario's ``concealment.items`` (a programme with ``copies: N``
as one item of ``N`` like members, a *group*, with one issue that counts its members by state:
:class:`sim.model.issues.GroupIssue`), then every other undeclared site, as an item named by the site's id.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.schema import Scenario
from sim.scenario.verification import ConcealedItem


@dataclass(frozen=True)
class ItemTemplate:
    """What one concealed item is, before a replication changes it."""

    id: str
    kind: str
    spec: ConcealedItem | None
    lot: int | None  # a withheld share's lot
    place: int | None  # its undeclared site (a programme: the site of its records and traces)
    origins: frozenset[int]  # declared sites it is taken from
    trace_sites: frozenset[int]
    site_lots: tuple[int, ...]  # an undeclared site's lots, which the item is
    records_probability: float = 0.0
    tip_probability_per_year: float = 0.0
    members: int = 1  # a programme's copies: like members of one group (one item, one issue)


def item_templates(s: Scenario, site_index: dict[str, int], site_lots: tuple[tuple[int, ...], ...]
                   ) -> tuple[ItemTemplate, ...]:
    lot_index = {lot.id: i for i, lot in enumerate(s.lots)}
    out = []
    for spec in s.concealment.items:
        place = site_index[spec.site] if spec.site is not None else None
        lot = lot_index[spec.lot] if spec.lot is not None else None
        origins: frozenset[int] = frozenset()
        if lot is not None:
            origin = site_index[s.lots[lot].site]
            origins = frozenset({origin}) if s.sites[origin].declared else frozenset()
        traces = (origins | ({place} if place is not None else set())) if spec.traces else frozenset()
        whole_site = place is not None and lot is None and spec.kind != "programme"
        out.append(ItemTemplate(spec.id, spec.kind, spec, lot, place, origins, frozenset(traces),
                                site_lots[place] if whole_site and place is not None else (),
                                spec.records_probability, spec.tip_probability_per_year, spec.copies))
    named = {item.site for item in s.concealment.items if item.kind != "programme" and item.lot is None}
    for i, site in enumerate(s.sites):
        if not site.declared and site.id not in named:
            out.append(ItemTemplate(site.id, "agent" if site_lots[i] else "facility", None, None, i, frozenset(),
                                    frozenset({i}), site_lots[i]))
    return tuple(out)


def traces_index(templates: tuple[ItemTemplate, ...]) -> dict[int, tuple[int, ...]]:
    """Site -> the items that left traces there, in item order."""
    index: dict[int, list[int]] = {}
    for k, template in enumerate(templates):
        for site in sorted(template.trace_sites):
            index.setdefault(site, []).append(k)
    return {site: tuple(items) for site, items in index.items()}


def structures_by_site(s: Scenario, site_index: dict[str, int]) -> tuple[tuple[int, ...], int]:
    """The production structures standing at each site, and those at no site."""
    per_site = [0] * len(s.sites)
    unsited = 0
    for group in s.production_structures.groups:
        if group.site is None:
            unsited += group.count
        else:
            per_site[site_index[group.site]] += group.count
    return tuple(per_site), unsited


__all__ = ["ItemTemplate", "item_templates", "structures_by_site", "traces_index"]
