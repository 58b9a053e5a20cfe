"""Charts of a sweep's points: a two-parameter heatmap, each parameter against an outcome, PRIM's discovery
boxes, and a calibration's search."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.charts.style import DPI, PALETTE, axes_for
from sim.charts.sweep_labels import (display_value, is_share, outcome_text, parameter_label,
                                     value_text, wrap)

if TYPE_CHECKING:  # pragma: no cover
    from sim.sweeps.design import Design
    from sim.sweeps.outcomes import OutcomeSpec


def plot_heatmap(points: pd.DataFrame, design: "Design", outcome: "OutcomeSpec", start_date: Any = None,
                 title: str = "", ax: Axes | None = None) -> Axes:
    """The outcome's mean (or met share) in every cell of a two-parameter grid, cells labelled."""
    ax = axes_for(ax, (11.0, 7.5))
    xs, ys = design.spaces[0].name, design.spaces[1].name
    table = points.pivot_table(index=ys, columns=xs, values=outcome.metric, aggfunc="mean")
    data = table.to_numpy(dtype=float)
    cmap = "viridis" if is_share(outcome) else "viridis_r"  # dark = bad: late, or rarely met
    image = ax.imshow(data, origin="lower", aspect="auto", cmap=cmap)
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            v = data[i, j]
            bright = (v - np.nanmin(data)) / (np.nanmax(data) - np.nanmin(data) or 1)
            if cmap == "viridis_r":
                bright = 1 - bright
            ax.text(j, i, display_value(v, outcome, start_date), ha="center", va="center", fontsize=9,
                    color="black" if bright > 0.55 else "white")
    ax.set_xticks(range(len(table.columns)))
    ax.set_xticklabels([value_text(v) for v in table.columns])
    ax.set_yticks(range(len(table.index)))
    ax.set_yticklabels([value_text(v) for v in table.index])
    ax.set_xlabel(parameter_label(xs))
    ax.set_ylabel(parameter_label(ys))
    bar = ax.figure.colorbar(image, ax=ax)
    if is_share(outcome):
        bar.set_label(f"{outcome_text(outcome)} (share of replications)")
        bar.formatter = matplotlib.ticker.PercentFormatter(1.0)
        bar.update_ticks()
    elif outcome.unit == "days":
        bar.set_label(f"Mean day of '{outcome_text(outcome)}' (days after {start_date}; cells: the date)")
    else:
        bar.set_label(f"Mean {outcome_text(outcome)} ({outcome.unit})")
    note = ""
    reached = f"{outcome.name}_reached"
    if reached in points and (points[reached] < 1).any():
        note = "; runs not finished by the horizon count as finished at the horizon"
    ax.set_title(
        wrap(
            title or f"'{outcome_text(outcome)}' over the grid: mean of each cell's replications{note}", 100
        ),
        loc="left",
    )
    return ax


def plot_scatter(points: pd.DataFrame, design: "Design", outcome: "OutcomeSpec", start_date: Any = None,
                 title: str = "", fig: Figure | None = None) -> list[Axes]:
    """One panel per parameter: the outcome's mean at every design point against the parameter's value
    (one at a time: the points that vary that parameter, and the base in black)."""
    spaces = design.spaces
    columns = min(3, len(spaces))
    rows = math.ceil(len(spaces) / columns)
    fig = fig or Figure(figsize=(4.6 * columns, 3.6 * rows + 0.8), dpi=DPI, layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False, sharey=True).ravel()  # one scale: effects compare
    y = points[outcome.metric].to_numpy(dtype=float)
    as_dates = outcome.kind == "milestone" and start_date is not None
    if as_dates:
        y_plot = np.datetime64(start_date.isoformat()) + (np.nan_to_num(y) * 86_400).astype("timedelta64[s]")
    else:
        y_plot = y * (100.0 if is_share(outcome) else 1.0)
    for k, (ax, space) in enumerate(zip(axes, spaces)):
        x = points[space.name].to_numpy(dtype=float)
        if design.varied is not None:
            mine = np.array([v == space.name for v in design.varied])
            mine[0] = True  # the base is a level of every parameter: the line runs through it
            order = np.argsort(x[mine], kind="stable")
            ax.plot(x[mine][order], y_plot[mine][order], "o-", color=PALETTE["blue"], markersize=5,
                    label="varied alone")
            ax.plot(x[:1], y_plot[:1], "s", color=PALETTE["black"], markersize=6, label="base")
            ax.legend(fontsize=7.5, loc="best")
        else:
            ax.plot(x, y_plot, "o", color=PALETTE["blue"], markersize=3.5, alpha=0.6)
        ax.set_xlabel(parameter_label(space.name), fontsize=8.5)
        if space.kind == "int":
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        if k % columns:
            pass  # the shared y axis is labelled once per row
        elif as_dates:
            ax.set_ylabel(f"Mean date: {outcome_text(outcome)}", fontsize=8.5)
            locator = matplotlib.dates.AutoDateLocator(minticks=4, maxticks=8)
            ax.yaxis.set_major_locator(locator)
            ax.yaxis.set_major_formatter(matplotlib.dates.DateFormatter("%d %b %Y"))
        elif is_share(outcome):
            ax.set_ylabel(f"{outcome_text(outcome)} (% of runs)", fontsize=8.5)
        else:
            ax.set_ylabel(f"Mean {outcome_text(outcome)}" + (f" ({outcome.unit})" if outcome.unit else ""),
                          fontsize=8.5)
        ax.tick_params(labelsize=8)
        ax.grid(True, color="#eeeeee")
    for ax in axes[len(spaces):]:
        ax.set_visible(False)
    text = title or (f"'{outcome_text(outcome)}' against each parameter (one dot per design point, the mean "
                     "of its replications; one scale for all panels)")
    fig.suptitle(wrap(text, int(10 * 4.6 * columns)), x=0.01, ha="left", fontsize=11)
    return list(axes[:len(spaces)])


def plot_calibration(calibration: Any, fig: Figure | None = None) -> list[Axes]:
    """One panel per fitted parameter: every evaluated point's score against the parameter's value (stage 1
    over the whole range, stage 2 around its best), the scenario's own value and the fitted one."""
    names = [p.path for p in calibration.parameters]
    columns = min(3, len(names))
    rows = math.ceil(len(names) / columns)
    fig = fig or Figure(figsize=(4.8 * columns, 3.8 * rows + 0.9), dpi=DPI, layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False, sharey=True).ravel()
    points = calibration.evaluated
    searched = points[points["stage"] < 3]
    for k, (ax, name) in enumerate(zip(axes, names)):
        for stage, colour, label in ((1, PALETTE["grey"], "stage 1: the whole range"),
                                     (2, PALETTE["blue"], "stage 2: among stage 1's best")):
            mine = searched[searched["stage"] == stage]
            ax.plot(mine[name], mine["score"], "o", color=colour, markersize=3.5, alpha=0.7, label=label)
        ax.axvline(calibration.before["values"][name], color=PALETTE["black"], linestyle="--", linewidth=1,
                   label="the scenario as given")
        ax.axvline(calibration.best[name], color=PALETTE["vermillion"], linewidth=1.6,
                   label=f"fitted: {value_text(calibration.best[name])}")
        interval = calibration.intervals[name]
        ax.axvspan(interval["low"], interval["high"], color=PALETTE["vermillion"], alpha=0.08,
                   label="scores within 10% of the best")
        ax.set_xlabel(parameter_label(name), fontsize=8.5)
        if not k % columns:
            ax.set_ylabel("Score: weighted mean CRPS\n(lower fits the record better)", fontsize=8.5)
        ax.tick_params(labelsize=8)
        ax.grid(True, color="#eeeeee")
        ax.legend(fontsize=7, loc="best")
    for ax in axes[len(names):]:
        ax.set_visible(False)
    b, a = calibration.before, calibration.after
    text = (f"Calibration of {calibration.base.name} against {calibration.record.name}: score "
            f"{b['score']:.3f} as given, {a['score']:.3f} fitted; observations inside the 80% bands "
            f"{b['coverage']['inside']} -> {a['coverage']['inside']} of {a['coverage']['n']}")
    fig.suptitle(wrap(text, int(10 * 4.8 * columns)), x=0.01, ha="left", fontsize=11)
    return list(axes[:len(names)])


# ----------------------------------------------------------------------------------------------------
# Scenario discovery
# ----------------------------------------------------------------------------------------------------


def plot_discovery(entry: dict[str, Any], ax: Axes | None = None) -> Axes:
    """PRIM's peeling trajectory: coverage against density of every box, the chosen box marked."""
    ax = axes_for(ax, (10.0, 6.5))
    trajectory = entry["trajectory"]
    cov = [t["coverage"] for t in trajectory]
    den = [t["density"] for t in trajectory]
    sup = [t["support"] for t in trajectory]
    points = ax.scatter(cov, den, c=sup, cmap="viridis", s=22, vmin=0, vmax=1, zorder=3)
    ax.plot(cov, den, color=PALETTE["grey"], linewidth=0.8, zorder=2)
    ax.plot([entry["coverage"]], [entry["density"]], marker="*", color=PALETTE["vermillion"], markersize=16,
            linestyle="none", zorder=4, label="the box reported (after pasting and pruning)")
    ax.axhline(entry["base_rate"], color=PALETTE["grey"], linestyle=":", linewidth=1,
               label=f"share of all runs ({entry['base_rate']:.0%})")
    bar = ax.figure.colorbar(points, ax=ax)
    bar.set_label("Support: share of all runs in the box")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("Coverage: share of the runs of interest that fall in the box")
    ax.set_ylabel("Density: share of the box's runs that are of interest")
    ax.set_title(
        wrap(
            f"Scenario discovery (PRIM), runs of interest: {entry['target']}. Found: {entry['statement']}",
            100,
        ),
        loc="left",
        fontsize=9.5,
    )
    ax.grid(True, color="#eeeeee")
    ax.legend(loc="lower left", fontsize=8.5, framealpha=0.95)
    return ax


__all__ = ["plot_heatmap", "plot_scatter", "plot_discovery", "plot_calibration"]
