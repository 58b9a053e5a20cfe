"""The sites chart of a run: each site's status over time in the representative replication, bounded in size
however many sites the programme has.

**At most** :data:`~sim.charts.style.MAX_CHART_ROWS` **rows (50).**  A programme of up to 50 sites (every
shipped scenario: 23, and 45 for the ex-ante one) has one row per site, in the scenario's order, as always.
A larger one has one row for each of the 49 sites that finished last (emptied last, or inspected last where
a site held no chemicals; a site still holding chemicals or not yet inspected at the end of the chart counts
as last of all, the largest declared tonnes first among equals), in the scenario's order, and one bottom row,
"other N sites", that shows what share of the other sites is in each status on each day.  So the chart
names the sites that held the programme up, and its size and drawing time do not grow with the number of
sites: a 2,000-site programme drew a 1320 x 70,620 px chart (12 MB, most of a 21 MB report) in over a
minute.  Fifty rows of 8-point labels are about 2,000 px high, the most that still reads as one picture.

**Grouped by place.**  The rows drawn one by one are grouped by region and by where the sites' links lead
(``road to Latakia``, ``rail to yard``: the links that start at the site in the plan network), so a reader sees
which sites share a road, a port and a region's closures; each group is bracketed and named on the right, its
sites in the scenario's order, the groups in the order of their first site.  More than :data:`MAX_GROUPS` groups
are not grouped: the rows keep the scenario's order and each label names its region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from matplotlib.transforms import blended_transform_factory

from sim.charts.style import MAX_CHART_ROWS, PALETTE, axes_for
from sim.scenario.routes import network_of
from sim.scenario.schema import Scenario, Site

ROW_HEIGHT = 0.7
"""Height of a row's bars, in rows."""
SHARE_STEPS = 600
"""Days at which the "other sites" row counts the sites in each status (a step of under a day for most runs)."""
COLOURS = {"awaiting": "#d9d9d9", "holding": PALETTE["orange"], "no chemicals": PALETTE["sky"],
           "emptied": PALETTE["green"], "undeclared": "#555555"}
_CLOSURE_NOTE = re.compile(r"([0-9.]+) days")
"""The length in a closure's note: "12.0 days, until day 40.0", or "claimed by the state, 12.0 days, ..."."""
MAX_GROUPS = 12
"""The most groups of sites the chart brackets; more, and the rows keep the scenario's order."""


@dataclass(frozen=True)
class SiteStory:
    """What happened to one site in the replication: the day it was inspected and the day it was emptied
    (None: not by the horizon), whether it held chemicals at all, and the tonnes declared there."""

    site: Site
    inspected_day: float | None
    emptied_day: float | None
    held: bool
    declared_tonnes: float

    def finished_day(self, end_day: float) -> float:
        """The day the site's story ended (``end_day`` if it had not): emptied, or inspected if it held
        nothing."""
        if self.inspected_day is None:
            return end_day
        if self.held:
            return self.emptied_day if self.emptied_day is not None else end_day
        return self.inspected_day


def site_stories(events: pd.DataFrame, scenario: Scenario) -> tuple[list[SiteStory], float]:
    """Every site's story from the ledger moves and inspections, and the last day worth drawing: 90 days after
    the last site was inspected or emptied (closures go on to the horizon), at most the horizon."""
    site_of_lot = {lot.id: lot.site for lot in scenario.lots}
    declared = {site.id: site.declared for site in scenario.sites}
    holding = dict.fromkeys(declared, 0.0)
    for lot in scenario.lots:
        if declared[lot.site]:
            holding[lot.site] += lot.tonnes
    tonnes = dict(holding)
    emptied_day: dict[str, float] = {}
    held_any = {sid for sid, t in holding.items() if t > 0}
    for day, entity, lot_id, moved in zip(events["day"], events["entity"], events["lot"], events["tonnes"]):
        if not isinstance(entity, str) or "->" not in entity:
            continue
        source, target = entity.split("->")
        site = site_of_lot[lot_id]
        if source == "at_site":
            holding[site] -= moved
            if holding[site] <= 1e-6 and site in held_any:
                emptied_day.setdefault(site, float(day))
        if target == "at_site":
            holding[site] += moved
            held_any.add(site)
            emptied_day.pop(site, None)
    inspected = {site: float(day) for day, event, site in zip(events["day"], events["event"], events["site"])
                 if event == "site_inspected"}
    story = [*inspected.values(), *emptied_day.values()]
    end = min(float(scenario.horizon_days), (max(story) if story else 0.0) + 90.0)
    stories = [SiteStory(s, inspected.get(s.id), emptied_day.get(s.id), s.id in held_any, tonnes[s.id])
               for s in scenario.sites]
    return stories, end


def rows_to_draw(stories: list[SiteStory], end_day: float,
                 max_rows: int = MAX_CHART_ROWS) -> tuple[list[SiteStory], list[SiteStory]]:
    """(the sites drawn one per row, in the scenario's order; the others, drawn together in one row).

    All sites if they fit in ``max_rows``; else the ``max_rows - 1`` that finished last, largest declared
    tonnes first among equals, and the scenario's order among equals of both."""
    if len(stories) <= max_rows:
        return stories, []
    order = sorted(range(len(stories)),
                   key=lambda i: (-stories[i].finished_day(end_day), -stories[i].declared_tonnes, i))
    shown = set(order[: max_rows - 1])
    return ([s for i, s in enumerate(stories) if i in shown], [s for i, s in enumerate(stories) if i not in shown])


def _status_bars(ax: Axes, row: int, story: SiteStory, end: float) -> bool:
    """A site's row: awaiting inspection, then holding chemicals and emptied (or: no chemicals).  False for
    an undeclared site never inspected: one dark bar, and nothing else is drawn on its row."""
    first = story.inspected_day
    if not story.site.declared and first is None:
        ax.barh(row, end, left=0, color=COLOURS["undeclared"], height=ROW_HEIGHT)
        return False
    start = first if first is not None else end
    ax.barh(row, start, left=0, color=COLOURS["awaiting"], height=ROW_HEIGHT)
    if first is None:
        return True
    if story.held:
        done = story.emptied_day if story.emptied_day is not None else end
        ax.barh(row, done - first, left=first, color=COLOURS["holding"], height=ROW_HEIGHT)
        if story.emptied_day is not None:
            ax.barh(row, end - done, left=done, color=COLOURS["emptied"], height=ROW_HEIGHT)
    else:
        ax.barh(row, end - first, left=first, color=COLOURS["no chemicals"], height=ROW_HEIGHT)
    return True


def status_shares(stories: list[SiteStory], days: np.ndarray) -> dict[str, np.ndarray]:
    """Share of ``stories``' sites in each status on each of ``days`` (the shares add up to 1 each day)."""
    inf = np.inf
    inspected = np.array([inf if s.inspected_day is None else s.inspected_day for s in stories])[:, None]
    emptied = np.array([inf if s.emptied_day is None else s.emptied_day for s in stories])[:, None]
    held = np.array([s.held for s in stories])[:, None]
    hidden = np.array([not s.site.declared and s.inspected_day is None for s in stories])[:, None]
    t = days[None, :]
    after = ~hidden & (t >= inspected)
    counts = {"undeclared": hidden & np.ones_like(t, dtype=bool),
              "awaiting": ~hidden & (t < inspected),
              "holding": after & held & (t < emptied),
              "emptied": after & held & (t >= emptied),
              "no chemicals": after & ~held}
    return {status: mask.mean(axis=0) for status, mask in counts.items()}


def _share_row(ax: Axes, row: int, stories: list[SiteStory], end: float) -> None:
    """The "other sites" row: the share of them in each status, stacked within the row's height, day by day."""
    days = np.linspace(0.0, end, SHARE_STEPS)
    bottom = np.full(len(days), row - ROW_HEIGHT / 2)
    for status in ("awaiting", "holding", "no chemicals", "emptied", "undeclared"):
        share = status_shares(stories, days)[status] * ROW_HEIGHT
        if share.any():
            ax.fill_between(days, bottom, bottom + share, step="post", color=COLOURS[status], linewidth=0)
        bottom = bottom + share


def _closures(events: pd.DataFrame) -> list[tuple[float, str, float]]:
    """Every closure of the replication as (day, region, length in days), in the order of the events."""
    closures = events[events["event"] == "closure"]
    out = []
    for day, region, note in zip(closures["day"], closures["entity"], closures["note"]):
        m = _CLOSURE_NOTE.search(str(note))  # search: a claimed closure's note does not begin with it
        out.append((float(day), region, float(m.group(1)) if m else 1.0))
    return out


def site_ways(scenario: Scenario) -> dict[str, str]:
    """Where each site's links lead ("road to Latakia; rail to yard"), from the plan network; "" for none."""
    network = network_of(scenario)
    ways: dict[str, list[str]] = {site.id: [] for site in scenario.sites}
    for leg in network.legs:
        start = network.nodes[leg.start]
        if start.site is not None:
            way = f"{leg.mode} to {network.nodes[leg.end].label}"
            if way not in ways[start.id]:
                ways[start.id].append(way)
    return {site: "; ".join(found) for site, found in ways.items()}


def site_regions(scenario: Scenario) -> dict[str, set[str]]:
    """The regions whose closures hold up each site's loads: its own and those of the links leaving it (in the
    port shape: its region and its road's ``road_regions``)."""
    network = network_of(scenario)
    regions = {site.id: {site.region, *site.road_regions} for site in scenario.sites}
    for leg in network.legs:
        start = network.nodes[leg.start]
        if start.site is not None:
            regions[start.id].update(leg.regions)
    return regions


@dataclass(frozen=True)
class SiteGroup:
    """Sites of one region whose links lead to the same places, in the scenario's order."""

    region: str
    ways: str
    stories: list[SiteStory]

    def label(self) -> str:
        count = len(self.stories)
        head = f"{self.region} ({count} site{'s' if count > 1 else ''})"
        ways = self.ways or "no load leaves it"
        ways = ways if len(ways) <= 30 else ways[:29] + "..."
        return f"{head}\n{ways}"


def site_groups(stories: list[SiteStory], scenario: Scenario,
                max_groups: int = MAX_GROUPS) -> list[SiteGroup] | None:
    """``stories`` grouped by region and where their links lead, groups in the order of their first site; None
    if there would be more than ``max_groups``."""
    ways = site_ways(scenario)
    groups: dict[tuple[str, str], list[SiteStory]] = {}
    for story in stories:
        groups.setdefault((story.site.region, ways[story.site.id]), []).append(story)
    if len(groups) > max_groups:
        return None
    return [SiteGroup(region, way, members) for (region, way), members in groups.items()]


def _label(site: Site, grouped: bool) -> str:
    kind = site.kind.replace("_", "/")
    return f"{site.id} ({kind})" if grouped else f"{site.id} ({kind}, {site.region})"


def _bracket_groups(ax: Axes, groups: list[SiteGroup], first_row: int) -> None:
    """A bracket and a name on the right of each group's rows, and a line between groups."""
    right = blended_transform_factory(ax.transAxes, ax.transData)
    top = first_row + sum(len(g.stories) for g in groups)
    roomy = top <= 12  # rows tall enough for two lines of 8-point text
    for k, group in enumerate(groups):
        high = top - 1
        low = top - len(group.stories)
        ax.plot([1.006, 1.012, 1.012, 1.006], [high + 0.4, high + 0.4, low - 0.4, low - 0.4], transform=right,
                color=PALETTE["grey"], linewidth=1.0, clip_on=False)
        ax.annotate(group.label(), xy=(1.012, (high + low) / 2), xycoords=right, xytext=(5, 0),
                    textcoords="offset points", va="center", ha="left",
                    fontsize=8 if roomy or len(group.stories) > 1 else 7, linespacing=1.0)
        if k:
            ax.axhline(high + 0.5, color=PALETTE["grey"], linewidth=0.7, linestyle="-")
        top = low


def plot_sites(events: pd.DataFrame, scenario: Scenario, ax: Axes | None = None,
               max_rows: int = MAX_CHART_ROWS) -> Axes:
    """Each site's status over time in the representative replication: awaiting inspection, inspected and
    holding chemicals, emptied; security closures of its region hatched; dispersal moves marked.  At most
    ``max_rows`` rows (the module's docstring says which sites have their own)."""
    stories, end = site_stories(events, scenario)
    shown, others = rows_to_draw(stories, end, max_rows)
    groups = site_groups(shown, scenario)
    if groups is not None:
        shown = [story for group in groups for story in group.stories]
    rows = len(shown) + (1 if others else 0)
    ax = axes_for(ax, (12.0, max(6.0, 0.32 * rows + 2)))
    closures = _closures(events)
    moves = events[events["event"] == "dispersal_move"]
    moves_at = {site: frame["day"] for site, frame in moves.groupby("site")}
    first_row = 1 if others else 0
    closing = site_regions(scenario)
    for row, story in enumerate(reversed(shown), start=first_row):
        if not _status_bars(ax, row, story, end):
            continue
        regions = closing[story.site.id]
        for day, region, length in closures:
            if region in regions:
                ax.barh(row, length, left=day, color="none", edgecolor=PALETTE["vermillion"], hatch="////",
                        height=ROW_HEIGHT, linewidth=0.8)
        if story.site.id in moves_at:
            days = moves_at[story.site.id]
            ax.plot(days, [row] * len(days), "v", color=PALETTE["purple"], markersize=6)
    if others:
        _share_row(ax, 0, others, end)
        other_ids = {s.site.id for s in others}
        days = moves.loc[moves["site"].isin(other_ids), "day"]
        if len(days):
            ax.plot(days, [0] * len(days), "v", color=PALETTE["purple"], markersize=6)
    handles: list[Any] = [Patch(color=COLOURS["awaiting"], label="declared, not yet inspected"),
                          Patch(color=COLOURS["holding"], label="inspected, holding chemicals"),
                          Patch(color=COLOURS["emptied"], label="emptied"),
                          Patch(color=COLOURS["no chemicals"], label="inspected, no chemicals"),
                          Patch(facecolor="none", edgecolor=PALETTE["vermillion"], hatch="////",
                                label="closed (site or road region)")]
    if len(moves):
        handles.append(Line2D([], [], marker="v", color=PALETTE["purple"], linestyle="", label="dispersal move"))
    if any(not s.declared for s in scenario.sites):
        handles.append(Patch(color=COLOURS["undeclared"], label="undeclared"))
    labels = [_label(s.site, groups is not None) for s in reversed(shown)]
    if others:
        labels.insert(0, f"other {len(others):,} sites (share in each status)")
    ax.set_yticks(range(rows))
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlim(0, end)
    ticks = ax.get_xticks()
    ax.set_xticks(ticks[(ticks >= 0) & (ticks <= end)])
    months = [scenario.date_of(t).strftime("%b %Y") for t in ax.get_xticks()]
    if len(set(months)) < len(months):  # a short programme: two ticks in one month
        months = [scenario.date_of(t).strftime("%d %b %Y") for t in ax.get_xticks()]
    ax.set_xticklabels(months, fontsize=8.5)
    ax.set_xlabel("Date")
    replication = int(events["replication"].iloc[0]) if len(events) else 0
    grouping = "; grouped (right) by region and where their links lead" if groups is not None else ""
    if others:
        ax.set_title(f"{scenario.name}: status of the sites, replication {replication} (the median){grouping}\n"
                     f"the {len(shown)} of {len(stories):,} sites that finished last, one a row; the other "
                     f"{len(others):,} in the bottom row, as shares (closures not drawn)", loc="left")
    else:
        ax.set_title(f"{scenario.name}: status of every site, replication {replication} (the median){grouping}",
                     loc="left")
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=4, fontsize=8.5,
              framealpha=0.95)
    ax.grid(True, axis="x", color="#dddddd")
    ax.set_axisbelow(True)
    if groups is not None:
        _bracket_groups(ax, groups, first_row)
    return ax


__all__ = ["plot_sites", "site_stories", "rows_to_draw", "status_shares", "site_groups", "site_ways", "site_regions",
           "SiteStory", "SiteGroup", "ROW_HEIGHT", "MAX_GROUPS"]
