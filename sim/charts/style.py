"""The charts' one style: the Okabe-Ito colour-blind-safe palette, calendar dates on time axes, deadlines drawn
and labelled, figures built with the object-oriented API (no pyplot), so nothing depends on a display.

Charts take tidy tables and the scenario, draw on the Axes they are given (or a new figure's) and return
the Axes; they never import the model or the execution layer (an import-linter contract checks it).

Figures and backends.  The charts never choose matplotlib's backend: importing them changes nothing in the
user's session (a notebook keeps its inline backend).  Figures made for files (the output layer) are
:class:`~matplotlib.figure.Figure` objects unknown to pyplot, drawn and saved without any backend and freed with
their last reference.  Figures made for a person (:meth:`sim.Results.plot_progress` and the other ``plot_*``
methods, inside :func:`shown_figures`) are made with pyplot, so that a notebook shows them inline and
``plt.show()`` shows them from a script, as pandas' ``DataFrame.plot`` does.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.core.files import write_atomic
from sim.scenario.schema import Scenario

# Okabe & Ito (2008), "Color Universal Design".
PALETTE = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000", "grey": "#7F7F7F",
}
FIGSIZE = (12.0, 6.0)
DPI = 110
DEADLINE_COLOUR = PALETTE["vermillion"]
MAX_CHART_ROWS = 50
"""The most rows a chart draws one by one (sites, deadlines); more are summed up in one last row, so that a
chart's size and drawing time stay bounded however large the programme (a 2,000-site programme drew a
1320 x 70,620 px sites chart).  Fifty rows at the charts' row height make a chart about 2,000 px high; every
shipped scenario (at most 45 sites, 9 deadlines) has fewer, so its charts are drawn in full."""
MAX_HEIGHT_IN = 18.0
"""The tallest chart, inches: MAX_CHART_ROWS rows of sites (1,980 px at DPI)."""


_SHOWN = contextvars.ContextVar("disarm_shown_figures", default=False)


@contextmanager
def shown_figures() -> Iterator[None]:
    """Inside this block new figures are made with pyplot: a notebook shows them inline."""
    token = _SHOWN.set(True)
    try:
        yield
    finally:
        _SHOWN.reset(token)


def new_figure(figsize: tuple[float, float] = FIGSIZE) -> Figure:
    """A new figure: pyplot's inside :func:`shown_figures`, otherwise one pyplot never sees (for files)."""
    if _SHOWN.get():
        import matplotlib.pyplot as plt

        return plt.figure(figsize=figsize, dpi=DPI, layout="constrained")
    return Figure(figsize=figsize, dpi=DPI, layout="constrained")


def axes_for(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    """``ax``, or the Axes of a new figure (:func:`new_figure`)."""
    if ax is not None:
        return ax
    return new_figure(figsize).add_subplot()


def to_dates(scenario: Scenario, days: Any) -> Any:
    start = np.datetime64(scenario.start_date.isoformat())
    return start + (np.asarray(days, dtype=float) * 86_400).astype("timedelta64[s]")


def date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=5, maxticks=12)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(True, axis="both", color="#dddddd", linewidth=0.7)
    ax.set_axisbelow(True)


def mark_deadlines(ax: Axes, scenario: Scenario, milestones: set[str] | None = None) -> None:
    """A dashed vertical line for every deadline (or those of the given milestones), labelled along it."""
    by_date: dict[Any, list[str]] = {}
    for deadline in scenario.deadlines:
        if milestones is None or deadline.milestone in milestones:
            by_date.setdefault(deadline.date, []).append(deadline.id.replace("_", " "))
    for date, names in sorted(by_date.items()):
        x = np.datetime64(date.isoformat())
        ax.axvline(x, color=DEADLINE_COLOUR, linestyle="--", linewidth=1.0, alpha=0.8)
        ax.annotate(f"{date:%d %b %Y}: {'; '.join(names)}", xy=(x, 0.02), xycoords=("data", "axes fraction"),
                    xytext=(-3, 0), textcoords="offset points", rotation=90, fontsize=7.5,
                    color=DEADLINE_COLOUR, va="bottom", ha="right",
                    bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 0.8})


def visible_end_day(frame: pd.DataFrame, scenario: Scenario, quantity: str = "destroyed_fraction") -> float:
    """Last day worth showing: when the slow band (p10) of ``quantity`` reaches 1, plus two months."""
    series = frame[frame["quantity"] == quantity]
    done = series[series["p10"] >= 0.999]
    end = float(done["day"].iloc[0]) + 60 if len(done) else float(scenario.horizon_days)
    return min(end, float(scenario.horizon_days))


def removed_words(scenario: Scenario) -> str:
    """What "removed" counts, in the words of the scenario's shape (the port shape names its removal routes)."""
    from sim.scenario.routes import is_network_shape

    if is_network_shape(scenario):
        return "declared tonnes on a route out of the country that have left it"
    return "declared tonnes on a removal route (sea or commercial) shipped out"


SCENARIO_COLOURS = [PALETTE[c] for c in ("black", "blue", "orange", "green", "vermillion", "purple", "sky", "yellow")]


def save_figure(ax: Axes, path: Path) -> None:
    write_atomic(Path(path), lambda tmp: ax.figure.savefig(tmp, format="png", dpi=DPI))


__all__ = ["PALETTE", "FIGSIZE", "DPI", "DEADLINE_COLOUR", "MAX_CHART_ROWS", "MAX_HEIGHT_IN", "SCENARIO_COLOURS",
           "axes_for", "new_figure", "shown_figures", "to_dates", "date_axis",
           "mark_deadlines", "visible_end_day", "save_figure", "removed_words"]
