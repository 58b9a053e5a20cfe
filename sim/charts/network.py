"""The network chart of a run: the places of the plan, its links by mode, and the tonnes that flowed on each link
in the median replication (:func:`sim.results.flows.link_flows`, whose docstring says what is counted).

The scenario format has no coordinates, so the places are laid out in **columns by route depth**: the sites on
the left; then the places in the country, each in the column of its fewest links from a site; the country's
plants in its last column; a dashed "border" line; the places abroad, each in the column of its fewest links
from the first place abroad; the plants abroad on the right, on a shaded ground.  Within a column the places
are ordered by the places they are reached from (fewer crossing lines).  A link is an arrow whose style is its
mode (a legend) and whose width is its tonnes, labelled.  Sites whose lots are destroyed where they lie are
joined to their plant by a thin dotted line.

**More than** :data:`MAX_SITE_NODES` **sites** are drawn one box per region (the region's sites listed in it), and
the links of its sites to one place by one mode as one arrow carrying their sum (labelled with how many links it
stands for): the 23 sites of the Syria baseline become five boxes.  So the chart stays readable, and its size
bounded, however many sites a programme has (the places and plants are few).
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

from sim.charts.style import MAX_HEIGHT_IN, PALETTE, axes_for
from sim.results.flows import Flows, link_flows
from sim.scenario.routes import Network, network_of
from sim.scenario.schema import Facility, Scenario

MAX_SITE_NODES = 12
"""The most sites drawn one box each; more are drawn one box per region."""
MAX_LISTED_SITES = 8
"""The most site ids a region's box lists (then "+N more")."""
BOX_WIDTH = 0.64
"""A box's width, in columns."""
WRAP_CHARS = 26
"""A box's line length, characters (8-point text in a box of :data:`BOX_WIDTH` of a 3.2-inch column)."""
LINE_IN = 0.15
"""A line of a box's text, inches."""
MODE_STYLES = {"road": ("#555555", "-"), "rail": (PALETTE["purple"], "-."), "sea": (PALETTE["blue"], "--"),
               "air": (PALETTE["vermillion"], ":")}
"""Colour and line style of each mode."""
SITE, PLACE, PLANT = "site", "place", "plant"
IN_PLACE = "in place"
"""The mode of the dotted line from the sites whose lots are destroyed where they lie to their plant."""
FACES = {(SITE, False): "#fbe3b5", (PLACE, False): "#ffffff", (PLACE, True): "#ffffff",
         (PLANT, False): "#b9e4d3", (PLANT, True): "#ffffff"}
EDGES = {SITE: PALETTE["orange"], PLACE: "#555555", PLANT: PALETTE["green"]}
ABROAD_GROUND = "#e8f1f8"


@dataclass
class Box:
    """A box of the chart: a place, a plant, a site, or the sites of a region."""

    key: str
    kind: str  # SITE, PLACE or PLANT
    abroad: bool
    lines: list[str]
    column: int = 0
    y: float = 0.0
    preds: list[str] = field(default_factory=list)


@dataclass
class Arrow:
    """One or more links drawn as one arrow (the sites of a region to one place by one mode)."""

    start: str
    end: str
    mode: str
    tonnes: float
    links: int
    labelled: bool = True


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, WRAP_CHARS, break_on_hyphens=False) or [""]


def _site_keys(scenario: Scenario) -> tuple[dict[str, str], bool]:
    """Each site's box key (itself, or its region's when the sites are many) and whether they are grouped."""
    grouped = len(scenario.sites) > MAX_SITE_NODES
    return {s.id: (f"region:{s.region}" if grouped else s.id) for s in scenario.sites}, grouped


def _boxes(scenario: Scenario, network: Network, flows: Flows) -> tuple[dict[str, Box], dict[int, str], bool]:
    """The boxes in the order they are first met, and the box of every node of the network."""
    keys, grouped = _site_keys(scenario)
    boxes: dict[str, Box] = {}
    members: dict[str, list[str]] = defaultdict(list)
    for site in sorted(scenario.sites, key=lambda s: [x.region for x in scenario.sites].index(s.region)):
        key = keys[site.id]
        members[key].append(site.id)
        if key not in boxes:
            boxes[key] = Box(key, SITE, False, [])
    for key, ids in members.items():
        sent = sum(flows.sent_t[i] for i in ids)
        if grouped:
            region = key.split(":", 1)[1]
            listed = ", ".join(ids[:MAX_LISTED_SITES]) + (f" +{len(ids) - MAX_LISTED_SITES} more"
                                                         if len(ids) > MAX_LISTED_SITES else "")
            boxes[key].lines = [f"{region}: {len(ids)} site{'s' if len(ids) > 1 else ''}", *_wrap(listed)]
        else:
            site = next(s for s in scenario.sites if s.id == ids[0])
            boxes[key].lines = [f"{site.id} ({site.kind.replace('_', '/')})", site.region]
        boxes[key].lines.append(f"{sent:,.0f} t sent" if sent else "nothing sent")
    facilities = {f.id: f for f in scenario.facilities}
    node_box: dict[int, str] = {}
    places = {p.id: p for p in scenario.places}
    for k, node in enumerate(network.nodes):
        if node.site is not None:
            node_box[k] = keys[node.id]
        elif node.facility is not None:
            node_box[k] = node.id
            boxes[node.id] = Box(node.id, PLANT, node.abroad, _plant_lines(facilities[node.facility], flows))
        else:
            node_box[k] = node.id
            kind = places[node.id].kind.replace("_", " ") if node.id in places else "port"
            named = kind.lower() in node.label.lower()  # "Gioia Tauro port" needs no line "port"
            boxes[node.id] = Box(node.id, PLACE, node.abroad, [*_wrap(node.label), *([] if named else [kind])])
    for f in scenario.facilities:  # the port shape's in-country plant is no node: its lots never travel
        if f.id not in boxes:
            boxes[f.id] = Box(f.id, PLANT, False, _plant_lines(f, flows))
    return boxes, node_box, grouped


def _plant_lines(f: Facility, flows: Flows) -> list[str]:
    destroyed, waiting = flows.destroyed_t[f.id], flows.waiting_t[f.id]
    lines = [*_wrap(f.name or f.id), f.method or "destruction plant", f"{destroyed:,.0f} t destroyed"]
    if 0 < flows.in_place_t[f.id] < destroyed:
        lines.append(f"({flows.in_place_t[f.id]:,.0f} t of it in place)")
    elif flows.in_place_t[f.id] > 0:
        lines[-1] += " in place"
    if waiting > 0.05:
        lines.append(f"{waiting:,.0f} t not yet destroyed")
    return lines


def _arrows(network: Network, flows: Flows, node_box: dict[int, str]) -> list[Arrow]:
    """The links, those of one box to one box by one mode summed into one arrow, in the network's order."""
    arrows: dict[tuple[str, str, str], Arrow] = {}
    for leg, tonnes in zip(network.legs, flows.links["tonnes"]):
        key = (node_box[leg.start], node_box[leg.end], leg.mode)
        if key in arrows:
            arrows[key].tonnes += float(tonnes)
            arrows[key].links += 1
        else:
            arrows[key] = Arrow(*key, float(tonnes), 1)
    return list(arrows.values())


def _in_place(scenario: Scenario, network: Network, flows: Flows, site_keys: dict[str, str]) -> list[Arrow]:
    """Dotted lines from the sites (their boxes) whose lots are destroyed where they lie to their plants."""
    lines: dict[tuple[str, str], Arrow] = {}
    for lot, route, plant in zip(scenario.lots, network.lot_route, network.lot_facility):
        if route:
            continue
        key = (site_keys[lot.site], plant)
        line = lines.setdefault(key, Arrow(key[0], plant, IN_PLACE, 0.0, 0))
        line.links += 1
        line.tonnes += flows.lot_destroyed_t[lot.id]
    drawn = list(lines.values())
    for line in drawn:  # several sites' lines into one plant: its box gives the sum, the lines no number
        line.labelled = sum(1 for other in drawn if other.end == line.end) == 1
    return drawn


def _columns(boxes: dict[str, Box], arrows: list[Arrow]) -> int:
    """Give every box its column (the module's docstring); returns the border's column (places abroad start
    there), or -1 if nothing is abroad."""
    out: dict[str, list[str]] = defaultdict(list)
    for a in arrows:
        out[a.start].append(a.end)
        if a.mode != IN_PLACE:  # a plant's dotted lines do not order its column: it goes below the places
            boxes[a.end].preds.append(a.start)

    def depths(starts: list[str], inside: bool) -> dict[str, int]:
        depth = dict.fromkeys(starts, 0)
        frontier = list(starts)
        while frontier:
            nxt = []
            for key in frontier:
                for end in out[key]:
                    if end not in depth and boxes[end].abroad == inside:
                        depth[end] = depth[key] + 1
                        nxt.append(end)
            frontier = nxt
        return depth

    home = depths([k for k, b in boxes.items() if b.kind == SITE], False)
    home_places = [b for b in boxes.values() if not b.abroad and b.kind != SITE]
    last_home = max([home.get(b.key, 1) for b in home_places], default=0)
    for b in boxes.values():
        if not b.abroad:
            b.column = last_home if b.kind == PLANT else home.get(b.key, 1 if b.kind != SITE else 0)
    abroad = [k for k, b in boxes.items() if b.abroad]
    if not abroad:
        return -1
    entries = [k for k in abroad if any(not boxes[a.start].abroad for a in arrows if a.end == k)] or abroad[:1]
    away = depths(entries, True)
    border = last_home + 1
    last = border + max([away.get(k, 0) for k in abroad if boxes[k].kind != PLANT], default=-1) + 1
    for key in abroad:
        b = boxes[key]
        b.column = last if b.kind == PLANT else border + away.get(key, 0)
    return border


def _rows(boxes: dict[str, Box]) -> int:
    """Order each column's boxes (by the mean height of the boxes they are reached from) and give each its y
    (the first at the top); returns the most boxes in a column."""
    columns: dict[int, list[Box]] = defaultdict(list)
    for b in boxes.values():
        columns[b.column].append(b)
    tallest = max(len(c) for c in columns.values())
    for column in sorted(columns):
        members = columns[column]
        if column > 0:
            def height(b: Box) -> float:
                ys = [boxes[p].y for p in b.preds if boxes[p].column < column]
                return -sum(ys) / len(ys) if ys else float("inf")
            members.sort(key=height)  # stable: the network's order among equals
        n = len(members)
        gap = min(1.5, (tallest - 1) / (n - 1)) if n > 1 else 0.0
        for i, b in enumerate(members):
            b.y = (tallest - 1) / 2 - (i - (n - 1) / 2) * gap
    return tallest


def _draw_box(ax: Axes, b: Box, line_units: float, arrows: int) -> float:
    """Draw ``b`` (tall enough for its text and for ``arrows`` arrows on one side); returns its half height in
    data units."""
    text_half = (len(b.lines) * line_units) / 2
    half = max(text_half + 0.06, min(0.42, 0.06 * arrows))
    face = FACES.get((b.kind, b.abroad), "#ffffff")
    ax.add_patch(FancyBboxPatch((b.column - BOX_WIDTH / 2, b.y - half), BOX_WIDTH, 2 * half,
                                boxstyle="round,pad=0,rounding_size=0.04", facecolor=face, edgecolor=EDGES[b.kind],
                                linewidth=2.2 if b.kind == PLANT else 1.2, zorder=3))
    ax.text(b.column, b.y + text_half - line_units / 2, b.lines[0], ha="center", va="center", fontsize=8.5,
            fontweight="bold", zorder=4)
    for i, line in enumerate(b.lines[1:], start=1):
        ax.text(b.column, b.y + text_half - (i + 0.5) * line_units, line, ha="center", va="center", fontsize=8,
                zorder=4)
    return half


def _ports(arrows: list[Arrow], boxes: dict[str, Box], half: dict[str, float]) -> list[tuple[float, float]]:
    """Where each arrow leaves its box and enters the next, as heights off the boxes' middles: the arrows of a
    box's side spread over its height, in the order of the boxes at their other ends (so they do not cross
    there, and many links into one port do not meet in one point).  Arrows that go to the right only."""
    ports = [(0.0, 0.0)] * len(arrows)
    sides: dict[tuple[str, int], list[tuple[float, int]]] = defaultdict(list)
    for k, a in enumerate(arrows):
        if boxes[a.end].column > boxes[a.start].column:
            sides[(a.start, 0)].append((-boxes[a.end].y, k))
            sides[(a.end, 1)].append((-boxes[a.start].y, k))
    for (key, end), members in sides.items():
        members.sort()
        n = len(members)
        spread = 0.6 * half[key]
        for i, (_, k) in enumerate(members):
            dy = spread * (1 - 2 * i / (n - 1)) if n > 1 else 0.0
            ports[k] = (ports[k][0], dy) if end else (dy, ports[k][1])
    return ports


def _draw_arrow(ax: Axes, a: Arrow, boxes: dict[str, Box], half: dict[str, float], bend: float,
                width: float, port: tuple[float, float]) -> None:
    s, e = boxes[a.start], boxes[a.end]
    if e.column > s.column:
        p, q = (s.column + BOX_WIDTH / 2, s.y + port[0]), (e.column - BOX_WIDTH / 2, e.y + port[1])
        bend = 0.0
    elif e.column < s.column:
        p, q = (s.column - BOX_WIDTH / 2, s.y), (e.column + BOX_WIDTH / 2, e.y)
        bend += 0.3
    else:
        down = e.y < s.y
        p = (s.column + 0.1, s.y - half[s.key] if down else s.y + half[s.key])
        q = (e.column + 0.1, e.y + half[e.key] if down else e.y - half[e.key])
        bend += 0.4
    if a.mode == IN_PLACE:
        colour, style = PALETTE["green"], ":"
    else:
        colour, style = MODE_STYLES.get(a.mode, ("#555555", "-"))
    ax.add_patch(FancyArrowPatch(p, q, arrowstyle="-|>", mutation_scale=10 + 2 * width, linewidth=width,
                                 linestyle=style, color=colour, alpha=0.9 if a.tonnes > 0 else 0.45,
                                 connectionstyle=f"arc3,rad={bend}", zorder=2, shrinkA=0, shrinkB=1))
    if a.labelled and (a.tonnes > 0 or a.links > 1):
        text = f"{a.tonnes:,.0f} t"
        if a.mode == IN_PLACE:
            text += " destroyed in place"
        elif a.links > 1:
            text += f" ({a.links} {a.mode} links)"
        mid = ((p[0] + q[0]) / 2 - bend * (q[1] - p[1]) / 2, (p[1] + q[1]) / 2 + bend * (q[0] - p[0]) / 2)
        ax.annotate(text, mid, xytext=(0, 4 + width / 2), textcoords="offset points", ha="center", va="bottom",
                    fontsize=8, color=colour if a.tonnes > 0 else "#777777",
                    zorder=5, bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 0.6})


def plot_network(events: pd.DataFrame, scenario: Scenario, ax: Axes | None = None) -> Axes:
    """The plan network and the tonnes on each link in the replication of ``events`` (a run's median one)."""
    network = network_of(scenario)
    flows = link_flows(events, scenario, network)
    boxes, node_box, grouped = _boxes(scenario, network, flows)
    site_keys, _ = _site_keys(scenario)
    arrows = _arrows(network, flows, node_box)
    dotted = _in_place(scenario, network, flows, site_keys)
    border = _columns(boxes, arrows + dotted)
    tallest = _rows(boxes)
    columns = max(b.column for b in boxes.values()) + 1
    most_lines = max(len(b.lines) for b in boxes.values())
    row_in = max(1.0, most_lines * LINE_IN + 0.45)
    height = min(MAX_HEIGHT_IN, max(5.5, tallest * row_in + 2.4))
    ax = axes_for(ax, (max(12.0, 2.9 * columns), height))
    line_units = LINE_IN / row_in
    sides: dict[tuple[str, bool], int] = defaultdict(int)
    for a in arrows + dotted:
        sides[(a.start, False)] += 1
        sides[(a.end, True)] += 1
    half = {b.key: _draw_box(ax, b, line_units, max(sides[(b.key, False)], sides[(b.key, True)]))
            for b in boxes.values()}
    most = max([a.tonnes for a in arrows], default=0.0)
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    drawn = arrows + dotted
    for a, port in zip(drawn, _ports(drawn, boxes, half)):
        pair = (a.start, a.end)
        bend = 0.18 * pairs[pair] * (1 if pairs[pair] % 2 else -1)
        pairs[pair] += 1
        width = 1.0 if a.mode == IN_PLACE else 0.8 + 5.5 * (a.tonnes / most if most > 0 else 0.0)
        _draw_arrow(ax, a, boxes, half, bend, width, port)
    top = (tallest - 1) / 2 + (tallest - 1) / 2 + 0.75
    if border >= 0:
        ax.axvspan(border - 0.5, columns - 0.5, color=ABROAD_GROUND, zorder=0, linewidth=0)
        ax.axvline(border - 0.5, color=PALETTE["black"], linestyle="--", linewidth=1.2, zorder=1)
        ax.text(border - 0.52, top - 0.1, "border", ha="right", va="top", fontsize=8.5, style="italic")
        ax.text(border - 0.48, top - 0.1, "abroad", ha="left", va="top", fontsize=8.5, style="italic")
    ax.set_xlim(-0.5, columns - 0.5)
    ax.set_ylim(-0.75, top)
    ax.set_axis_off()
    ax.set_title(_title(scenario, flows, grouped), loc="left", fontsize=10)
    ax.legend(handles=_legend(network, list(boxes.values()), bool(dotted), border >= 0), loc="upper center",
              bbox_to_anchor=(0.5, 0.0), ncol=5, fontsize=8, framealpha=0.95)
    return ax


def _title(scenario: Scenario, flows: Flows, grouped: bool) -> str:
    note = "" if flows.waiting_total_t <= 0.05 else \
        f"; {flows.waiting_total_t:,.0f} t of it not destroyed by the horizon, drawn along its whole route"
    group = "; sites in one box per region" if grouped else ""
    return (f"{scenario.name}: the plan network, and the tonnes on each link in replication {flows.replication} "
            f"(the median by destruction date)\nline width: the tonnes that left the sites along each lot's route "
            f"in that run{note}{group}")


def _legend(network: Network, boxes: list[Box], in_place: bool, abroad: bool) -> list:
    modes = [m for m in MODE_STYLES if any(leg.mode == m for leg in network.legs)]
    handles: list = [Line2D([], [], color=MODE_STYLES[m][0], linestyle=MODE_STYLES[m][1], linewidth=2.5, label=m)
                     for m in modes]
    if in_place:
        handles.append(Line2D([], [], color=PALETTE["green"], linestyle=":", linewidth=1.2,
                              label="destroyed where they lie"))
    handles += [Patch(facecolor=FACES[(SITE, False)], edgecolor=EDGES[SITE], label="site"),
                Patch(facecolor="#ffffff", edgecolor=EDGES[PLACE], label="place (port, yard, ...)")]
    if any(b.kind == PLANT and not b.abroad for b in boxes):
        handles.append(Patch(facecolor=FACES[(PLANT, False)], edgecolor=EDGES[PLANT], linewidth=2,
                             label="plant in the country"))
    if any(b.kind == PLANT and b.abroad for b in boxes):
        handles.append(Patch(facecolor="#ffffff", edgecolor=EDGES[PLANT], linewidth=2, label="plant abroad"))
    if abroad:
        handles.append(Patch(facecolor=ABROAD_GROUND, edgecolor="none", label="abroad"))
    return handles


__all__ = ["plot_network", "MAX_SITE_NODES", "MODE_STYLES"]
