"""Charts of a backtest's counts and binary events: a count's simulated band with the record's points on it
(backtest_<quantity>.png), and the reliability diagram of the binary forecasts (reliability.png).

Both take the backtest's table (:meth:`sim.history.backtest.Backtest.table`): rows with ``kind`` (count, state,
binary), ``target`` (the quantity or the event id), ``date`` (ISO), ``observed`` (a number, or true/false),
``p10``/``p50``/``p90`` (count and state rows), ``p`` (binary rows: the share of replications in which it is
true by the date) and ``inside``; a ``scored`` column, when there is one, leaves out the unscored rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sim.charts.style import PALETTE, axes_for, date_axis, new_figure, to_dates
from sim.core.contract import BINARY_SERIES, COUNT_LABELS, EVENT_LABELS
from sim.scenario.schema import Scenario

COUNT_KINDS = ("count", "state")
"""The kinds of rows scored against a band of counts."""
RELIABILITY_BINS = 5
OUTCOME_COLOURS = {True: PALETTE["green"], False: PALETTE["vermillion"]}
COUNTS_COLOUR = PALETTE["blue"]


def scored_rows(observations: pd.DataFrame) -> pd.DataFrame:
    """The rows that were scored (all of them when the table has no ``scored`` column)."""
    if "scored" not in observations.columns:
        return observations
    return observations[observations["scored"].fillna(False).astype(bool)]


def count_quantities(observations: pd.DataFrame) -> list[str]:
    """The count and state quantities with scored rows, in the order of :data:`COUNT_LABELS`; a 0/1 state
    (:data:`BINARY_SERIES`, scored as a binary) is left to the reliability diagram."""
    rows = scored_rows(observations)
    present = set(rows.loc[rows["kind"].isin(COUNT_KINDS), "target"])
    return [q for q in COUNT_LABELS if q in present and q not in BINARY_SERIES]


def binary_rows(observations: pd.DataFrame) -> pd.DataFrame:
    """The scored binary rows (kind binary, or a 0/1 state of :data:`BINARY_SERIES` with its ``p``), with ``o``
    (the outcome, 0 or 1) added."""
    rows = scored_rows(observations)
    if "p" not in rows.columns:
        return rows.iloc[0:0].assign(p=[], o=[])
    binary = (rows["kind"] == "binary") | ((rows["kind"] == "state") & rows["target"].isin(BINARY_SERIES)
                                           & rows["p"].notna())
    rows = rows[binary].copy()
    rows["o"] = [float(_truth(v)) for v in rows["observed"]]
    rows["p"] = rows["p"].astype(float)
    return rows


def _truth(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1")
    return bool(value)


def brier(rows: pd.DataFrame) -> float:
    """The Brier score of binary rows: the mean of (p - o)^2."""
    return float(np.mean((rows["p"].to_numpy(dtype=float) - rows["o"].to_numpy(dtype=float)) ** 2))


def _days(scenario: Scenario, dates: Any) -> np.ndarray:
    return np.array([scenario.day_of(dt.date.fromisoformat(str(d)[:10])) for d in dates], dtype=float)


def plot_backtest_counts(timeseries: pd.DataFrame, observations: pd.DataFrame, scenario: Scenario, quantity: str,
                         ax: Axes | None = None, replications: int | None = None) -> Axes:
    """One count (or state) over the horizon: the simulated 80% band and median as day-end steps, the record's
    points on it (filled: inside the band; hollow: outside), each labelled with its value."""
    ax = axes_for(ax, (12.0, 5.5))
    series = timeseries[timeseries["quantity"] == quantity].sort_values("day")
    rows = scored_rows(observations)
    points = rows[rows["kind"].isin(COUNT_KINDS) & (rows["target"] == quantity)].sort_values("date")
    x = to_dates(scenario, series["day"])
    ax.fill_between(x, series["p10"], series["p90"], step="post", color=COUNTS_COLOUR, alpha=0.25, linewidth=0,
                    label="simulated 10th-90th percentile (80% band)")
    ax.step(x, series["p50"], where="post", color=COUNTS_COLOUR, linewidth=2, label="simulated median")
    px = to_dates(scenario, _days(scenario, points["date"]))
    py = np.array([float(_truth(v)) if isinstance(v, (bool, str)) else float(v) for v in points["observed"]])
    inside = points["inside"].astype(bool).to_numpy()
    if inside.any():
        ax.plot(px[inside], py[inside], "o", color=PALETTE["black"], markersize=8, linestyle="",
                label="observed, inside the band")
    if (~inside).any():
        ax.plot(px[~inside], py[~inside], "o", markerfacecolor="white", markeredgecolor=PALETTE["vermillion"],
                markeredgewidth=2, markersize=8, linestyle="", label="observed, outside the band")
    for xi, yi in zip(px, py):
        ax.annotate(f"{yi:g}", xy=(xi, yi), xytext=(0, 8), textcoords="offset points", fontsize=8, ha="center",
                    bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 0.5})
    top = max([1.0, *py, float(series["p90"].max()) if len(series) else 0.0])
    ax.set_ylim(0, top * 1.18 + 0.5)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    label = COUNT_LABELS.get(quantity, quantity)
    ax.set_ylabel(f"{label} (count)")
    ax.set_xlabel("Date (a point is the count at the end of its day)")
    ax.set_xlim(to_dates(scenario, [0.0])[0], to_dates(scenario, [float(scenario.horizon_days)])[0])
    over = f", {replications} replications" if replications else ""
    ax.set_title(f"{label} ({scenario.name}{over})\n{int(inside.sum())} of {len(points)} observations inside the "
                 "simulated 80% band (10th-90th percentile)", loc="left", fontsize=10)
    date_axis(ax)
    ax.legend(loc="upper left", fontsize=8, framealpha=0.95)
    return ax


def _diagram(ax: Axes, rows: pd.DataFrame) -> None:
    """The diagonal, the observed frequency per forecast bin (with its count), and a tick at each row's p."""
    ax.plot([0, 1], [0, 1], linestyle="--", color=PALETTE["grey"], linewidth=1, label="perfectly reliable")
    edges = np.linspace(0.0, 1.0, RELIABILITY_BINS + 1)
    bins = np.clip(np.digitize(rows["p"], edges[1:-1]), 0, RELIABILITY_BINS - 1)
    xs, ys, ns = [], [], []
    for k in range(RELIABILITY_BINS):
        members = rows[bins == k]
        if len(members):
            xs.append(float(members["p"].mean()))
            ys.append(float(members["o"].mean()))
            ns.append(len(members))
    ax.plot(xs, ys, "-o", color=PALETTE["blue"], markersize=8, label="observed frequency in the bin")
    for xi, yi, n in zip(xs, ys, ns):
        ax.annotate(f"n={n}", xy=(xi, yi), xytext=(0, -15 if yi > 0.5 else 9), textcoords="offset points",
                    fontsize=8, ha="center")  # away from the outcome ticks along the top and the bottom
    for outcome, y0 in ((True, 1.04), (False, -0.04)):
        mine = rows[rows["o"] == float(outcome)]
        ax.plot(mine["p"], np.full(len(mine), y0), "|", color=OUTCOME_COLOURS[outcome], markersize=14,
                markeredgewidth=2, label=f"a forecast: {'happened' if outcome else 'did not happen'}")
    for k in edges[1:-1]:
        ax.axvline(k, color="#eeeeee", linewidth=0.8, zorder=0)
    ax.set_xlabel("Forecast probability p (share of replications; bins of 20%)")
    ax.set_ylabel("Observed frequency (%)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.09, 1.09)  # room for the outcome ticks above 100% and below 0%
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=8, frameon=False)


def _forecasts(ax: Axes, rows: pd.DataFrame) -> None:
    """Each binary row on its own line: its forecast p (written beside it), coloured by its outcome, labelled
    with what and when."""
    import textwrap

    rows = rows.sort_values("p", kind="stable").reset_index(drop=True)
    for y, r in rows.iterrows():
        p = float(r["p"])
        ax.plot([p], [y], "o", color=OUTCOME_COLOURS[bool(r["o"])], markersize=8)
        ax.annotate(f"{p:.0%}", xy=(p, y), xytext=(8, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([textwrap.fill(f"{_event_words(r)} by {str(r['date'])[:10]} ({'yes' if r['o'] else 'no'})",
                                      42) for _, r in rows.iterrows()], fontsize=8)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlim(-0.02, 1.12)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("Forecast probability p\n(green: it happened; vermillion: it did not)")
    ax.grid(True, axis="x", color="#dddddd", linewidth=0.7)


def _event_words(row: pd.Series) -> str:
    """What a binary row forecasts, in words: its label, else the event's or the state's label, else its id."""
    label = row.get("label")
    if isinstance(label, str) and label and label != row["target"]:
        return label
    target = str(row["target"])
    return EVENT_LABELS.get(target, COUNT_LABELS.get(target, target))


def plot_reliability(observations: pd.DataFrame, ax: Axes | None = None, name: str = "") -> Axes:
    """The reliability diagram of the binary rows (on ``ax``, or on the left of a new figure whose right panel
    lists each forecast); the title gives the Brier score.  Returns the diagram's axes."""
    rows = binary_rows(observations)
    if ax is None:
        fig = new_figure((12.0, max(5.5, 0.32 * len(rows) + 2.5)))
        ax, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.0]})
        _forecasts(right, rows)
        right.set_title("each binary observation: its forecast and outcome", loc="left", fontsize=10)
    _diagram(ax, rows)
    who = f"{name}: " if name else ""
    ax.set_title(f"{who}reliability of {len(rows)} binary forecasts\nBrier score {brier(rows):.3f} "
                 "(mean (p - o)^2; 0 is perfect, 0.25 is p = 50% throughout)", loc="left", fontsize=10)
    return ax


__all__ = ["plot_backtest_counts", "plot_reliability", "count_quantities", "binary_rows", "brier", "scored_rows"]
