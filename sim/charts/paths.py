"""What delays each milestone: the critical path of the last tonne, by cause (:mod:`sim.model.trail`).

One horizontal bar per milestone with a recorded path (priority removal, removal, priority destruction,
destruction), from the start date to the milestone's mean day, cut into the mean days spent on each cause in
the order of the path; the milestone's deadlines are marked on its bar.  Means, not medians, so that the
segments add up to the bar (the mean of a sum is the sum of the means).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sim.charts.style import DEADLINE_COLOUR, axes_for, date_axis, to_dates
from sim.core.contract import CAUSE_IDS, CAUSES, MILESTONE_LABELS, PATH_MILESTONES, path_columns
from sim.scenario.routes import is_network_shape
from sim.scenario.schema import Scenario

CAUSE_COLOURS: dict[str, str] = {
    "declaration": "#CC79A7", "inspection": "#E8B5D3",                       # the state and the inspectors
    "logistics_start": "#999999", "gate": "#555555",                        # logistics and gates
    "security_closures": "#D55E00",                                         # closures
    "escort": "#E69F00", "convoy_release": "#F0E442", "earlier_convoys": "#F6CF7F",
    "convoy_trip": "#A6761D",                                               # convoys
    "port_and_ship": "#56B4E9", "voyage": "#0072B2",                        # ships
    "facility_not_ready": "#009E73", "destruction_queue": "#8FD3BE", "destruction": "#00553F",  # destruction
}
"""A colour per cause, by family: purple the declaration and inspection, greys the logistics and the gates
(pledges, deliveries, a host), orange and yellow the convoys, vermillion the closures, blue the ships, green the
destruction (Okabe-Ito hues and their tints)."""

NETWORK_CAUSES: dict[str, str] = {
    **CAUSES, "escort": "waiting for a vehicle of a pool", "earlier_convoys": "the site's earlier loads",
    "convoy_trip": "loading and the links travelled by a pool (road, rail)",
    "port_and_ship": "waiting for a ship or aircraft, loading, held at sea",
}
"""The causes in the words of a plan network, whose pools are trucks, wagons or escorts on any link (the port
shape keeps the contract's words: escorts, convoys, the road to the port)."""

LABEL_SHARE = 0.06
"""A segment is labelled with its days when it is at least this share of its bar."""


def path_means(runs: pd.DataFrame, milestone: str) -> tuple[np.ndarray, int]:
    """The mean days of each cause on ``milestone``'s path over the runs that reached it, and their number."""
    days = runs[path_columns(milestone)].to_numpy(dtype=float, na_value=np.nan)
    reached = ~np.isnan(days).any(axis=1)
    if not reached.any():
        return np.zeros(len(CAUSE_IDS)), 0
    return days[reached].mean(axis=0), int(reached.sum())


def plot_critical_paths(runs: pd.DataFrame, scenario: Scenario, ax: Axes | None = None) -> Axes:
    """Stacked bars: what the last tonne of each milestone spent its days on, with the deadlines marked."""
    milestones = [m for m in PATH_MILESTONES if set(path_columns(m)) <= set(runs.columns)]
    ax = axes_for(ax, (12.0, 2.2 + 1.0 * len(milestones)))
    start = to_dates(scenario, [0.0])[0]
    seen: set[str] = set()
    words = NETWORK_CAUSES if is_network_shape(scenario) else CAUSES
    for row, milestone in enumerate(reversed(milestones)):
        means, n = path_means(runs, milestone)
        total = float(means.sum())
        left = 0.0
        for cause, days in zip(CAUSE_IDS, means):
            if days <= 0:
                continue
            x0, x1 = to_dates(scenario, [left, left + days])
            ax.barh(row, x1 - x0, left=x0, height=0.62, color=CAUSE_COLOURS[cause], edgecolor="white",
                    linewidth=0.6, label=words[cause] if cause not in seen else None)
            seen.add(cause)
            if total > 0 and days / total >= LABEL_SHARE:
                ax.text(x0 + (x1 - x0) / 2, row, f"{days:.0f}", ha="center", va="center", fontsize=8,
                        color="white" if cause in ("voyage", "destruction", "security_closures", "gate") else "black")
            left += days
        for deadline in scenario.deadlines:
            if deadline.milestone == milestone:
                x = np.datetime64(deadline.date.isoformat())
                ax.plot([x, x], [row - 0.42, row + 0.42], color=DEADLINE_COLOUR, linewidth=2.2)
                ax.annotate(f"deadline {deadline.date:%d %b %Y}", xy=(x, row + 0.42), xytext=(2, 1),
                            textcoords="offset points", fontsize=7.5, color=DEADLINE_COLOUR)
        if n == 0:
            ax.text(start, row, "  not reached in any run", va="center", fontsize=8.5)
    ax.set_yticks(range(len(milestones)))
    ax.set_yticklabels([MILESTONE_LABELS[m] for m in reversed(milestones)], fontsize=9)
    ax.set_ylim(-0.6, len(milestones) - 0.2)
    ax.set_xlabel("Date (bars start on the start date; each segment is the mean days spent on one cause)")
    ax.set_title(f"{scenario.name}: what the last tonne of each milestone waited for, mean days over the runs "
                 f"(deadlines in red)", loc="left")
    date_axis(ax)
    ax.grid(False, axis="y")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=4, fontsize=8, frameon=False)
    return ax


__all__ = ["plot_critical_paths", "path_means", "CAUSE_COLOURS", "NETWORK_CAUSES"]
