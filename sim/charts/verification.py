"""Charts of "can we account for it?": open issues over time (issues.png), first detection by channel
(detection.png), the two books, declared against true (two_books.png), and the hidden stock remaining over time
(hidden.png); docs/verification.md, "Reading the charts".

Drawn for a scenario that hides something (:func:`sim.results.summary.has_concealment`: a concealment item, an
undeclared site or the secret unit); :func:`verification_charts` lists them for :func:`sim.charts.run.save_run_charts`.
Every time axis runs in calendar dates from the start to the horizon, with the report dates
(``verification.report_dates``, else each anniversary) drawn as dotted grey lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sim.charts.style import PALETTE, axes_for, date_axis, mark_deadlines, to_dates
from sim.core.contract import CHANNELS
from sim.results.summary import (HIDDEN_THRESHOLDS_T, first_channel_share, has_concealment, percent_of_runs,
                                 report_dates)
from sim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from sim.results.results import Results

USE_COLOUR = "#882255"
"""The channel "use" (an attributed use of hidden agent) and uses on the timeline: Tol's wine, the Okabe-Ito eight
being taken by the other channels."""
VERIFICATION_FIGSIZE = (10.0, 4.8)
"""Smaller than the other charts (12 x 6 in): four more charts must fit the report's size (tests/test_outputs.py)."""
CHANNEL_COLOURS = {"inspection": PALETTE["blue"], "records": PALETTE["orange"], "sampling": PALETTE["green"],
                   "estimate": PALETTE["vermillion"], "tip": PALETTE["sky"], "request": PALETTE["purple"],
                   "challenge": PALETTE["grey"], "use": USE_COLOUR}
REPORT_DATE_COLOUR = "#555555"


def mark_report_dates(ax: Axes, scenario: Scenario) -> None:
    """A dotted grey line at each report date, the dates as ticks along the top of the axes (where no data,
    legend or deadline label can hide them)."""
    dates = report_dates(scenario)
    for date in dates:
        ax.axvline(np.datetime64(date.isoformat()), color=REPORT_DATE_COLOUR, linestyle=":", linewidth=1.0)
    if dates:
        top = ax.secondary_xaxis("top")
        top.set_xticks([mdates.date2num(np.datetime64(d.isoformat())) for d in dates],
                       _report_labels(dates, scenario), fontsize=7.5, color=REPORT_DATE_COLOUR)
        top.tick_params(length=3, color=REPORT_DATE_COLOUR)


def _report_labels(dates: list, scenario: Scenario) -> list[str]:
    """Each report date's label; a date within 6% of the run's span of the next one leaves its label to it, which
    names both ("05 Sep / 08 Dec 2024"), so that labels never overlap."""
    close_days = 0.06 * scenario.horizon_days
    labels = [f"{d:%d %b %Y}" for d in dates]
    for i in range(len(dates) - 2, -1, -1):
        if (dates[i + 1] - dates[i]).days < close_days and labels[i]:
            first = f"{dates[i]:%d %b}" if dates[i].year == dates[i + 1].year else labels[i]
            labels[i + 1] = f"{first} / {labels[i + 1]}"
            labels[i] = ""
    return labels


def _series(timeseries: pd.DataFrame, quantity: str) -> pd.DataFrame:
    return timeseries[timeseries["quantity"] == quantity].sort_values("day")


def _band(ax: Axes, scenario: Scenario, q: pd.DataFrame, colour: str, label: str, mean: bool = False) -> None:
    """The p10-p90 band and the median of one quantity as day-end steps (and its mean, dashed)."""
    x = to_dates(scenario, q["day"])
    ax.fill_between(x, q["p10"], q["p90"], step="post", color=colour, alpha=0.25, linewidth=0,
                    label=f"{label}: 10th-90th percentile")
    ax.step(x, q["p50"], where="post", color=colour, linewidth=2.0, label=f"{label}: median")
    if mean:
        ax.step(x, q["mean"], where="post", color=colour, linewidth=1.2, linestyle="--", label=f"{label}: mean")


def _time_axis(ax: Axes, scenario: Scenario) -> None:
    ax.set_xlim(to_dates(scenario, [0.0])[0], to_dates(scenario, [float(scenario.horizon_days)])[0])
    ax.set_xlabel("Date")
    date_axis(ax)


def plot_issues(timeseries: pd.DataFrame, scenario: Scenario, ax: Axes | None = None) -> Axes:
    """Open issues (raised or unresolved) over time, and the concealed facilities still undeclared: p10-p90
    bands, medians and the mean of the open issues; the declaration deadline and the report dates marked."""
    ax = axes_for(ax, VERIFICATION_FIGSIZE)
    issues = _series(timeseries, "open_issues")
    _band(ax, scenario, issues, PALETTE["vermillion"], "open issues", mean=True)
    facilities = _series(timeseries, "undeclared_facilities")
    if len(facilities) and float(facilities["p90"].max()) > 0:
        _band(ax, scenario, facilities, PALETTE["blue"], "undeclared facilities")
        note = ""
    else:
        note = "; no concealed facility in any run" if len(facilities) else ""
    mark_deadlines(ax, scenario, {"declaration_submitted"})
    mark_report_dates(ax, scenario)
    top = max(1.0, float(issues["p90"].max()) if len(issues) else 0.0,
              float(facilities["p90"].max()) if len(facilities) else 0.0)
    ax.set_ylim(0, top * 1.15 + 0.5)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylabel("Count (issues, facilities)")
    ax.set_title(f"{scenario.name}: open issues with the declaration over time{note}\n"
                 "open: raised and not yet amended or explained, or left unresolved; dotted lines: report dates (top)",
                 loc="left", fontsize=10)
    _time_axis(ax, scenario)
    ax.legend(loc="upper right", fontsize=8.5, framealpha=0.95)
    return ax


def plot_detection_channels(runs: pd.DataFrame, scenario: Scenario, ax: Axes | None = None) -> Axes:
    """For each channel, the share of runs in which it has raised its first issue by each date (over all runs,
    so each curve levels off at the channel's share), and the first issue by any channel."""
    ax = axes_for(ax, (VERIFICATION_FIGSIZE[0], VERIFICATION_FIGSIZE[1] + 0.7))  # room for the legend below
    n = len(runs)
    first = first_channel_share(runs)
    silent = []
    for channel, label in [("any", "any channel (the first issue)"), *CHANNELS.items()]:
        column = "detection_day" if channel == "any" else f"detection_day_{channel}"
        days = np.sort(runs[column].dropna().to_numpy(dtype=float))
        if not len(days):
            if channel != "any":
                silent.append(channel)
            continue
        share = (f"{percent_of_runs(len(days) / n)} of runs"
                 + ("" if channel == "any" else f", first in {percent_of_runs(first[channel])}"))
        ax.step(to_dates(scenario, np.concatenate([[0.0], days, [float(scenario.horizon_days)]])),
                np.concatenate([np.arange(0, len(days) + 1), [len(days)]]) / n, where="post",
                color=PALETTE["black"] if channel == "any" else CHANNEL_COLOURS[channel],
                linewidth=2.6 if channel == "any" else 1.8, linestyle="--" if channel == "any" else "-",
                label=f"{label}: {share}")
    mark_report_dates(ax, scenario)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylabel("Share of runs in which the channel has raised an issue (%)")
    never = f"\nnever raised an issue: {', '.join(silent)}" if silent else ""
    ax.set_title(f"{scenario.name}: when each detection channel first raises an issue ({n} runs){never}",
                 loc="left", fontsize=10)
    _time_axis(ax, scenario)
    # below the axes: inside, it hid the curves of the rarer channels
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8.5, frameon=False,
              title="channel: raised an issue in (first: the share of runs in which it raised the first issue)",
              title_fontsize=8.5)
    return ax


def plot_two_books(timeseries: pd.DataFrame, scenario: Scenario, ax: Axes | None = None) -> Axes:
    """The two books over all runs: the declared tonnes (the declared book) against the true stockpile (the
    tonnes at the start, declared or not), and the tonnes hidden from the declaration: bands and medians."""
    ax = axes_for(ax, VERIFICATION_FIGSIZE)
    true_t = scenario.initial_tonnes
    ax.axhline(true_t, color=PALETTE["black"], linewidth=1.5, label=f"true stockpile at the start: {true_t:,.0f} t")
    declared = _series(timeseries, "declared_tonnes")
    hidden = _series(timeseries, "hidden_tonnes")
    _band(ax, scenario, declared, PALETTE["blue"], "declared book")
    _band(ax, scenario, hidden, PALETTE["purple"], "hidden (withheld, moved or at undeclared sites)")
    mark_deadlines(ax, scenario, {"declaration_submitted"})
    mark_report_dates(ax, scenario)
    title = None
    if len(declared) and len(hidden):  # the horizon's figures head the legend: a box of their own hid it
        last_declared, last_hidden = declared.iloc[-1], hidden.iloc[-1]
        title = (f"at the horizon (medians): declared {last_declared['p50']:,.0f} t, hidden {last_hidden['p50']:,.0f} t"
                 f"\n(hidden: 80% of runs within {last_hidden['p10']:,.0f}-{last_hidden['p90']:,.0f} t)")
    ax.set_ylim(0, true_t * 1.12)
    ax.set_ylabel("Tonnes")
    ax.set_title(f"{scenario.name}: the two books, what the state declared against what it held\n"
                 "declared: the declaration and its amendments; hidden: tonnes kept out of it (all runs)",
                 loc="left", fontsize=10)
    _time_axis(ax, scenario)
    ax.legend(loc="center right", fontsize=8.5, framealpha=0.95, title=title, title_fontsize=8.5)
    return ax


def plot_hidden_remaining(timeseries: pd.DataFrame, runs: pd.DataFrame, scenario: Scenario,
                          ax: Axes | None = None) -> Axes:
    """Hidden tonnes remaining over time (p10-p90 band, median, mean), the median at each report date, and the
    shares of runs with more than each threshold hidden at the horizon."""
    ax = axes_for(ax, VERIFICATION_FIGSIZE)
    hidden = _series(timeseries, "hidden_tonnes")
    _band(ax, scenario, hidden, PALETTE["purple"], "hidden tonnes", mean=True)
    mark_report_dates(ax, scenario)
    for date in report_dates(scenario):
        row = hidden[hidden["day"] == scenario.day_of(date)]
        if len(row):
            value = float(row["p50"].iloc[0])
            ax.plot([np.datetime64(date.isoformat())], [value], "o", color=PALETTE["purple"], markersize=5)
            ax.annotate(f"{value:,.0f} t", xy=(np.datetime64(date.isoformat()), value), xytext=(0, 7),
                        textcoords="offset points", fontsize=8.5, color=PALETTE["black"], ha="center",
                        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 0.5})
    at_end = runs["hidden_tonnes"].to_numpy(dtype=float)
    shares = ", ".join(f"> {t:g} t in {np.mean(at_end > t):.0%}" for t in HIDDEN_THRESHOLDS_T)
    end = scenario.date_of(float(scenario.horizon_days))
    ax.annotate(f"still hidden at the horizon ({end:%d %b %Y}):\n{shares} of {len(at_end)} runs",
                xy=(0.99, 0.74), xycoords="axes fraction", ha="right", va="top", fontsize=9,
                bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "#cccccc", "pad": 3})
    top = float(hidden["p90"].max()) if len(hidden) else 0.0
    ax.set_ylim(0, max(1.0, top) * 1.25)
    ax.set_ylabel("Tonnes hidden (not declared, not recovered)")
    ax.set_title(f"{scenario.name}: hidden stock remaining over time\n"
                 "dots: the median at each report date (dotted lines, dates along the top)", loc="left", fontsize=10)
    _time_axis(ax, scenario)
    ax.legend(loc="upper right", fontsize=8.5, framealpha=0.95)
    return ax


def verification_charts(results: "Results") -> dict[str, Callable[[], Any]]:
    """The verification charts of a run, by file name: none if the scenario hides nothing or the folder was
    written before the accounting outputs existed (then :func:`sim.charts.run.save_run_charts` draws the older
    hidden.png and detection.png).  ``detection.png`` (first detection by channel) folds in the older chart of the
    first detection (its "any channel" curve) and is drawn only if some run raised an issue: no empty chart;
    ``hidden.png`` (hidden stock over time) folds in the older histogram at the horizon (its shares above 1, 10
    and 100 t)."""
    s, runs, timeseries = results.scenario, results.runs, results.timeseries
    if (not has_concealment(s) or "open_issues" not in set(timeseries["quantity"])
            or "detection_day_inspection" not in runs.columns):
        return {}
    charts: dict[str, Callable[[], Any]] = {"issues.png": lambda: plot_issues(timeseries, s)}
    if runs["detected"].any():
        charts["detection.png"] = lambda: plot_detection_channels(runs, s)
    charts["two_books.png"] = lambda: plot_two_books(timeseries, s)
    charts["hidden.png"] = lambda: plot_hidden_remaining(timeseries, runs, s)
    return charts


__all__ = ["plot_issues", "plot_detection_channels", "plot_two_books", "plot_hidden_remaining",
           "verification_charts", "mark_report_dates"]
