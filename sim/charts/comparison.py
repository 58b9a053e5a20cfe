"""Charts of a comparison: the bands of every scenario on one axis, and the paired differences with intervals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
from matplotlib.axes import Axes

from sim.charts.style import (PALETTE, SCENARIO_COLOURS, axes_for, date_axis,
                              mark_deadlines, save_figure, to_dates, visible_end_day)
from sim.core.contract import FRACTIONS, MILESTONE_IDS, MILESTONE_LABELS
from sim.scenario.schema import Scenario


def plot_compare_bands(timeseries: dict[str, pd.DataFrame], scenario: Scenario, quantity: str,
                       ax: Axes | None = None, stockpiles: dict[str, float] | None = None) -> Axes:
    """One quantity's p10-p90 band and median for several scenarios on one calendar axis.

    A share (``removed_fraction``, ``destroyed_fraction``) is of each scenario's *declared* tonnes; tonnes
    (``destroyed_tonnes``) are of the whole stockpile, with each scenario's stockpile (``stockpiles``, tonnes by
    name) drawn as a dashed line: a scenario that hides chemicals never reaches it, which a share of declared
    tonnes cannot show."""
    ax = axes_for(ax)
    share = quantity in FRACTIONS
    end = max(visible_end_day(ts, scenario, "destroyed_fraction" if not share else quantity)
              for ts in timeseries.values())
    for k, (name, ts) in enumerate(timeseries.items()):
        colour = SCENARIO_COLOURS[k % len(SCENARIO_COLOURS)]
        q = ts[(ts["quantity"] == quantity) & (ts["day"] <= end)]
        x = to_dates(scenario, q["day"])
        ax.fill_between(x, q["p10"], q["p90"], color=colour, alpha=0.15, linewidth=0)
        ax.plot(x, q["p50"], color=colour, linewidth=2, label=f"{name}: median (band: 10th-90th percentile)")
        if not share and stockpiles and name in stockpiles and len(set(stockpiles.values())) > 1:
            ax.axhline(stockpiles[name], color=colour, linestyle=":", linewidth=1.2,
                       label=f"{name}: whole stockpile, {stockpiles[name]:,.0f} t")
    if not share and stockpiles and len(set(stockpiles.values())) == 1:  # one stockpile: one line
        (tonnes,) = set(stockpiles.values())
        ax.axhline(tonnes, color=PALETTE["grey"], linestyle=":", linewidth=1.2,
                   label=f"whole stockpile, declared or not (every scenario): {tonnes:,.0f} t")
    removal = quantity == "removed_fraction"
    mark_deadlines(ax, scenario, {"removal_complete", "priority_removal_complete"} if removal
                    else {"destruction_complete", "priority_destruction_complete"})
    what = "removed from the country" if removal else "destroyed"
    if share:
        ax.set_ylim(0, 1.02)
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_ylabel(f"Share of declared tonnes {what} (%)")
        ax.set_title(f"Share of declared chemicals {what}: scenarios compared with the same seeds", loc="left")
    else:
        ax.set_ylim(0, None)
        ax.set_ylabel("Tonnes destroyed (t)")
        ax.set_title("Tonnes destroyed against the whole stockpile, declared or not (dotted): scenarios compared "
                     "with the same seeds", loc="left")
    ax.set_xlabel("Date")
    date_axis(ax)
    ax.legend(loc="lower right", fontsize=8.5, framealpha=0.95)
    return ax


def plot_compare_differences(differences: dict[str, dict[str, dict[str, Any]]], baseline: str,
                             ax: Axes | None = None) -> Axes:
    """Forest plot: paired mean difference in milestone days (scenario - baseline) with 95% intervals."""
    milestones = [m for m in MILESTONE_IDS if any(
        d.get(f"{m}_day", {}).get("mean_diff") not in (None, 0.0) for d in differences.values())]
    ax = axes_for(ax, (12.0, max(5.0, 0.45 * len(milestones) * max(1, len(differences)) + 1.5)))
    names = list(differences)
    height = 0.8 / max(1, len(names))
    for k, name in enumerate(names):
        colour = SCENARIO_COLOURS[(k + 1) % len(SCENARIO_COLOURS)]
        for row, milestone in enumerate(reversed(milestones)):
            entry = differences[name][f"{milestone}_day"]
            if entry["mean_diff"] is None:
                continue
            y = row + (k - (len(names) - 1) / 2) * height
            lo, hi = entry["ci95"]
            if lo is not None:
                ax.plot([lo, hi], [y, y], color=colour, linewidth=2)
            ax.plot([entry["mean_diff"]], [y], "o", color=colour, markersize=5,
                    label=name if row == 0 else None)
            if entry.get("censored_pairs"):
                ax.annotate(f"{entry['censored_pairs']} censored", xy=(entry["mean_diff"], y), xytext=(6, 3),
                            textcoords="offset points", fontsize=7, color=colour)
    ax.axvline(0, color=PALETTE["grey"], linewidth=1)
    ax.set_yticks(range(len(milestones)))
    ax.set_yticklabels([MILESTONE_LABELS[m] for m in reversed(milestones)], fontsize=9)
    ax.set_xlabel(f"Paired difference in milestone day, scenario minus {baseline} (days; later is positive)")
    ax.set_title(f"Milestone delays against {baseline}: mean and 95% interval of paired differences", loc="left")
    ax.grid(True, axis="x", color="#dddddd")
    ax.legend(loc="lower right", fontsize=8.5, framealpha=0.95)
    return ax


def save_comparison_charts(comparison: Any, folder: Path) -> list[str]:
    """The comparison charts of ``disarm compare``; returns the file names."""
    timeseries = {name: r.timeseries for name, r in zip(comparison.names, comparison.results)}
    scenario = comparison.results[0].scenario
    charts = {
        "compare_removed.png": lambda: plot_compare_bands(timeseries, scenario, "removed_fraction"),
        "compare_destroyed.png": lambda: plot_compare_bands(timeseries, scenario, "destroyed_fraction"),
        "compare_destroyed_tonnes.png": lambda: plot_compare_bands(
            timeseries, scenario, "destroyed_tonnes",
            stockpiles={name: r.scenario.initial_tonnes for name, r in zip(comparison.names, comparison.results)}),
        "compare_differences.png": lambda: plot_compare_differences(comparison.differences(), comparison.baseline),
    }
    for name, draw in charts.items():
        save_figure(draw(), Path(folder) / name)
    return list(charts)


__all__ = ["plot_compare_bands", "plot_compare_differences", "save_comparison_charts"]
