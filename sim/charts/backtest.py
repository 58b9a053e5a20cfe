"""Charts of a backtest: the simulated bands with the observed points, and milestones against the record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.charts.style import (DPI, PALETTE, axes_for, date_axis,
                              mark_deadlines, removed_words, save_figure, to_dates)
from sim.scenario.schema import Scenario


BACKTEST_COLOURS = {"removed_fraction": PALETTE["blue"], "destroyed_fraction": PALETTE["green"]}
_BACKTEST_WHAT = {"removed_fraction": "Removed: share of the {removed}",
                  "destroyed_fraction": "Destroyed: share of all declared tonnes destroyed"}
_BACKTEST_DEADLINES = {"removed_fraction": {"priority_removal_complete", "removal_complete"},
                       "destroyed_fraction": {"priority_destruction_complete", "destruction_complete"}}


def _observed_days(scenario: Scenario, dates: Any) -> np.ndarray:
    import datetime as dt

    return np.array([scenario.day_of(dt.date.fromisoformat(str(d))) for d in dates], dtype=float)


def plot_backtest_curve(timeseries: pd.DataFrame, observations: pd.DataFrame, scenario: Scenario, quantity: str,
                        ax: Axes | None = None, replications: int | None = None) -> Axes:
    """One progress quantity: the simulated 80% band and median, with the record's points on it.

    Scored points are dots (inside the band) or crosses (outside), labelled with their value; with
    removed_fraction, the record's "removed or destroyed in country" figures (not simulated, not scored) are
    drawn as hollow diamonds for context.
    """
    ax = axes_for(ax)
    colour = BACKTEST_COLOURS[quantity]
    series = timeseries[timeseries["quantity"] == quantity]
    points = observations[(observations["kind"] == "curve") & (observations["target"] == quantity)
                          & observations["scored"].astype(bool)]
    context = observations[observations["target"] == "removed_or_destroyed_in_country_fraction"] \
        if quantity == "removed_fraction" else observations.iloc[0:0]
    days = _observed_days(scenario, pd.concat([points["date"], context["date"]]))
    moving = series[series["p90"] > 1e-3]["day"]
    done = series[series["p10"] >= 0.999]["day"]
    first = float(moving.min()) if len(moving) else 0.0
    last = float(done.min()) if len(done) else float(scenario.horizon_days)
    lo = max(0.0, min([first, *days]) - 20)
    hi = min(float(scenario.horizon_days), max([last, *days]) + 30)
    band = series[(series["day"] >= lo) & (series["day"] <= hi)]
    x = to_dates(scenario, band["day"])
    ax.fill_between(x, band["p10"], band["p90"], color=colour, alpha=0.25, linewidth=0,
                    label="simulated 10th-90th percentile (80% band)")
    ax.plot(x, band["p50"], color=colour, linewidth=2, label="simulated median")
    mark_deadlines(ax, scenario, _BACKTEST_DEADLINES[quantity])  # first, so that the points' labels stay on top
    inside = points["inside"].astype(bool).to_numpy()
    px = to_dates(scenario, _observed_days(scenario, points["date"]))
    py = points["observed"].astype(float).to_numpy()
    if inside.any():
        ax.plot(px[inside], py[inside], "o", color=PALETTE["black"], markersize=7, linestyle="",
                label="observed, inside the band")
    if (~inside).any():
        ax.plot(px[~inside], py[~inside], "X", color=PALETTE["vermillion"], markeredgecolor="white", markersize=10,
                linestyle="", label="observed, outside the band")
    close = np.timedelta64(10, "D")
    for k, (xi, yi) in enumerate(zip(px, py)):
        # above left of the point; of two points a few days apart, the lower one's value goes below right
        lower = any(abs(xj - xi) <= close and yj > yi for j, (xj, yj) in enumerate(zip(px, py)) if j != k)
        ax.annotate(f"{yi:.1%}", xy=(xi, yi), xytext=(6, -5) if lower else (-6, 5), textcoords="offset points",
                    fontsize=8, va="top" if lower else "bottom", ha="left" if lower else "right",
                    bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 0.5})
    if len(context):
        cx = to_dates(scenario, _observed_days(scenario, context["date"]))
        ax.plot(cx, context["observed"].astype(float), "D", markerfacecolor="none", markeredgecolor=PALETTE["grey"],
                markersize=7, linestyle="",
                label="observed removed or destroyed in country (not simulated, not scored)")
    ax.set_xlim(to_dates(scenario, [lo, hi]))
    ax.set_ylim(0, 1.04)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylabel("Share of declared tonnes (%)")
    ax.set_xlabel("Date (a point is the share at the end of its day)")
    n_in = int(inside.sum())
    over = f", {replications} replications" if replications else ""
    what = _BACKTEST_WHAT[quantity].format(removed=removed_words(scenario))
    ax.set_title(f"{what} ({scenario.name}{over})\n"
                 f"{n_in} of {len(points)} observations inside the simulated 80% band (10th-90th percentile)",
                 loc="left", fontsize=10)
    date_axis(ax)
    # Both curves rise from the lower left to the upper right, so the lower right (late dates, low shares) is
    # empty whatever the scenario: a forecast that finishes early fills the upper left.
    ax.legend(loc="lower right", fontsize=8, framealpha=0.95)
    return ax


def plot_backtest_milestones(observations: pd.DataFrame, scenario: Scenario, ax: Axes | None = None,
                             replications: int | None = None) -> Axes:
    """Each observed milestone: the simulated 10th-90th percentile span and median against the observed date."""
    rows = observations[(observations["kind"] == "milestone") & observations["scored"].astype(bool)]
    rows = list(rows.sort_values("date", kind="stable").iterrows())[::-1]  # the earliest at the top
    ax = axes_for(ax, (12.0, max(5.0, 0.5 * len(rows) + 2.0)))
    horizon = float(scenario.horizon_days)

    def day(value: Any) -> float:  # a percentile day; None (among the unreached) is drawn at the horizon
        return horizon if value is None or pd.isna(value) else float(value)

    spans = []
    for _, r in rows:
        observed = float(_observed_days(scenario, [r["date"]])[0]) + 0.5  # the middle of the observed date
        spans.append((day(r["p10"]), day(r["p90"]), observed))
    left = min(min(lo, ob) for lo, _, ob in spans)
    right = max(max(hi, ob) for _, hi, ob in spans)
    pad = 0.04 * (right - left or 1.0)
    labelled: set[str] = set()

    def once(label: str) -> str | None:
        if label in labelled:
            return None
        labelled.add(label)
        return label

    for y, ((_, r), (lo, hi, observed)) in enumerate(zip(rows, spans)):
        ax.plot(to_dates(scenario, [lo, hi]), [y, y], color=PALETTE["blue"], linewidth=8, alpha=0.35,
                solid_capstyle="butt", label=once("simulated 10th-90th percentile (80% band)"))
        if r["p50"] is not None and not pd.isna(r["p50"]):
            ax.plot(to_dates(scenario, [r["p50"]]), [y], "o", color=PALETTE["blue"], markersize=6,
                    label=once("simulated median"))
        if r["inside"]:
            ax.plot(to_dates(scenario, [observed]), [y], "D", color=PALETTE["black"], markersize=6,
                    label=once("observed date, inside the band"))
        else:
            ax.plot(to_dates(scenario, [observed]), [y], "X", color=PALETTE["vermillion"], markeredgecolor="white",
                    markersize=11, label=once("observed date, outside the band"))
        error = int(r["error"])
        median = "on the observed date" if error == 0 else \
            f"{abs(error)} day{'s' if abs(error) != 1 else ''} {'later' if error > 0 else 'earlier'}"
        text = (f"observed {r['date']}; simulated median {median}"
                f"{' (censored at the horizon)' if r['censored'] else ''}; PIT {r['pit']:.2f}")
        end, start = max(hi, observed), min(lo, observed)
        if end < left + 0.55 * (right - left):  # room on the right of the marks
            ax.annotate(text, xy=(to_dates(scenario, [end])[0], y), xytext=(9, 0), textcoords="offset points",
                        va="center", ha="left", fontsize=8)
        else:
            ax.annotate(text, xy=(to_dates(scenario, [start])[0], y), xytext=(-9, 0), textcoords="offset points",
                        va="center", ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{r['label']} ({r['confidence']})" for _, r in rows], fontsize=9)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlim(to_dates(scenario, [left - pad, right + pad]))
    ax.set_xlabel("Date (in brackets: the confidence of the observation)")
    n_in = sum(bool(r["inside"]) for _, r in rows)
    over = f" ({replications} replications)" if replications else ""
    ax.set_title(f"{scenario.name}: observed milestone dates against the simulated 80% bands{over}; "
                 f"{n_in} of {len(rows)} inside", loc="left", fontsize=10)
    date_axis(ax)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.95)  # the late milestones sit low on the right
    return ax


def save_backtest_charts(timeseries: pd.DataFrame, observations: pd.DataFrame, scenario: Scenario,
                         folder: Path, replications: int | None = None) -> list[str]:
    """The charts of ``disarm backtest``; returns the file names."""
    fig = Figure(figsize=(12.0, 10.0), dpi=DPI, layout="constrained")
    top, bottom = fig.subplots(2, 1)
    plot_backtest_curve(timeseries, observations, scenario, "removed_fraction", ax=top, replications=replications)
    plot_backtest_curve(timeseries, observations, scenario, "destroyed_fraction", ax=bottom,
                        replications=replications)
    save_figure(top, Path(folder) / "backtest_progress.png")
    save_figure(plot_backtest_milestones(observations, scenario, replications=replications),
                Path(folder) / "backtest_milestones.png")
    return ["backtest_progress.png", "backtest_milestones.png",
            *save_count_charts(timeseries, observations, scenario, folder, replications)]


def save_count_charts(timeseries: pd.DataFrame, observations: pd.DataFrame, scenario: Scenario, folder: Path,
                      replications: int | None = None) -> list[str]:
    """One chart per count or state quantity with scored rows (backtest_<quantity>.png), and reliability.png
    when there are binary rows; returns the file names."""
    from sim.charts.backtest_counts import binary_rows, count_quantities, plot_backtest_counts, plot_reliability

    if "kind" not in observations.columns:
        return []
    names = []
    for quantity in count_quantities(observations):
        name = f"backtest_{quantity}.png"
        save_figure(plot_backtest_counts(timeseries, observations, scenario, quantity, replications=replications),
                    Path(folder) / name)
        names.append(name)
    if len(binary_rows(observations)):
        save_figure(plot_reliability(observations, name=scenario.name), Path(folder) / "reliability.png")
        names.append("reliability.png")
    return names
__all__ = ["plot_backtest_curve", "plot_backtest_milestones", "save_backtest_charts", "save_count_charts"]
