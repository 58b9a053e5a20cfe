"""The charts of a red-team or blue-team search (``disarm redteam``, ``disarm blueteam``):

* ``history.png`` - every evaluation's first objective in the order asked, feasible and not, with the best
  feasible value so far as a step line and the base (the scenario unchanged) as a dashed line;
* ``front.png`` - two objectives: every candidate at (second objective, first), the Pareto front joined; the
  verifier: cost against the robust objective, the cost limit and the cost/effectiveness front;
* ``levers.png`` - one panel per lever: each feasible candidate's first objective against the lever's value.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.charts.style import PALETTE, new_figure, save_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from sim.adversarial.results import SearchResults

BEST_COLOUR = PALETTE["vermillion"]
FEASIBLE_COLOUR = PALETTE["blue"]
INFEASIBLE_COLOUR = PALETTE["grey"]


def _label(results: "SearchResults", k: int) -> str:
    """The axis label of objective ``k``: its measure, its unit and whether more is better."""
    measure = results.search.objectives[k]
    goal = results.search.goals[k]
    unit = "" if measure.unit in ("", "probability") else f", {measure.unit}"
    robust = ""
    if len(results.search.arms) > 1:
        robust = (f"worst of {len(results.search.arms)} state strategies; " if results.search.spec.robust == "worst"
                  else f"mean of {len(results.search.arms)} state strategies; ")
    side = "state" if results.search.side == "red" else "verifier"
    return f"{measure.text}{unit}\n({robust}{'higher' if goal == 'maximize' else 'lower'} is better for the {side})"


def _points(ax: "Axes", frame: pd.DataFrame, x: str, y: str) -> None:
    feasible = frame[frame["feasible"]]
    infeasible = frame[~frame["feasible"]]
    ax.scatter(feasible[x], feasible[y], s=22, color=FEASIBLE_COLOUR, alpha=0.7, label="feasible candidate")
    if not infeasible.empty:
        ax.scatter(infeasible[x], infeasible[y], s=22, marker="x", color=INFEASIBLE_COLOUR,
                   label="breaks a constraint")


def plot_history(results: "SearchResults") -> "Axes":
    history = results.history
    text = results.search.objectives[0].text
    up = results.search.goals[0] == "maximize"
    ax = new_figure((10.0, 5.0)).add_subplot()
    _points(ax, history, "evaluation", text)
    values = history[text].where(history["feasible"]).to_numpy(dtype=float)
    filled = np.where(np.isnan(values), -np.inf if up else np.inf, values)
    running = np.maximum.accumulate(filled) if up else np.minimum.accumulate(filled)
    running = np.where(np.isfinite(running), running, np.nan)
    ax.step(history["evaluation"], running, where="post", color=BEST_COLOUR, lw=2, label="best feasible so far")
    base = results.reference.get(text)
    if base is not None and np.isfinite(base):
        ax.axhline(base, color=PALETTE["black"], ls="--", lw=1, label=f"base scenario ({base:.3g})")
    for b in range(1, int(history["batch"].max()) + 1):
        ax.axvline(b * results.search.batch - 0.5, color="#dddddd", lw=0.8, zorder=0)
    ax.set_xlabel(f"evaluation, in the order the optimiser asked (grey lines: batches of {results.search.batch})")
    ax.set_ylabel(_label(results, 0))
    ax.set_title(f"{results.search.name}: the search ({results.search.evaluations} evaluations x "
                 f"{results.search.replications} replications, seed {results.search.seed})")
    ax.legend(loc="best", fontsize=9)
    ax.grid(alpha=0.3)
    return ax


def plot_front(results: "SearchResults") -> "Axes | None":
    """The Pareto front (two objectives) or the verifier's cost/effectiveness front; None if neither."""
    s = results.search
    first = results.history.drop_duplicates("candidate")
    ax = new_figure((10.0, 6.0)).add_subplot()
    if s.side == "blue":
        x, xlabel = "cost", "cost of the regime (the file's cost units)"
        ax.axvline(float(s.spec.cost_limit or 0), color=PALETTE["black"], ls=":", lw=1.2,
                   label=f"cost limit ({float(s.spec.cost_limit or 0):.4g})")
    elif len(s.objectives) == 2:
        x, xlabel = s.objectives[1].text, _label(results, 1)
        for constraint in s.constraints:  # a bound on the x axis's measure
            if constraint.measure.text == x:
                ax.axvline(constraint.bound, color=PALETTE["black"], ls=":", lw=1.2,
                           label=f"constraint: {constraint.text}")
    else:
        return None
    y = s.objectives[0].text
    _points(ax, first, x, y)
    front = results.front.sort_values(x) if not results.front.empty else results.front
    if not front.empty:
        ax.plot(front[x], front[y], "-o", color=BEST_COLOUR, lw=1.8, ms=6, label="front (none better in both)")
    base = results.reference
    if base.get(x) is not None and base.get(y) is not None:
        ax.scatter([base[x]], [base[y]], marker="*", s=180, color=PALETTE["black"], zorder=5, label="base scenario")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(_label(results, 0))
    ax.set_title(f"{s.name}: " + ("cost against effectiveness" if s.side == "blue" else "the trade-off"))
    ax.legend(loc="best", fontsize=9)
    ax.grid(alpha=0.3)
    return ax


def plot_levers(results: "SearchResults") -> "Axes":
    s = results.search
    first = results.history.drop_duplicates("candidate")
    y = s.objectives[0].text
    n = len(s.spaces)
    columns = min(n, 3)
    rows = -(-n // columns)
    figure = new_figure((4.2 * columns, 3.4 * rows))
    axes = figure.subplots(rows, columns, squeeze=False, sharey=True)
    best = results.best_assignment()
    for k, space in enumerate(s.spaces):
        ax = axes[k // columns][k % columns]
        _points(ax, first, space.name, y)
        if best:
            ax.axvline(float(best[space.name]), color=BEST_COLOUR, lw=1.5, label="best found")
        ax.set_xlabel(space.name)
        ax.grid(alpha=0.3)
        if k % columns == 0:
            unit = s.objectives[0].unit
            ax.set_ylabel(y + ("" if unit in ("", "probability") else f", {unit}"))
    for k in range(n, rows * columns):
        axes[k // columns][k % columns].set_visible(False)
    axes[0][0].legend(loc="best", fontsize=8)
    figure.suptitle(f"{s.name}: {y} against each lever (each point one candidate)")
    return axes[0][0]


def save_search_charts(results: "SearchResults", folder: Path) -> list[str]:
    """Write the charts into ``folder``; their file names."""
    charts: list[tuple[str, Any]] = [("history.png", plot_history(results)),
                                     ("front.png", plot_front(results)), ("levers.png", plot_levers(results))]
    names = []
    for name, ax in charts:
        if ax is not None:
            save_figure(ax, Path(folder) / name)
            names.append(name)
    return names


__all__ = ["plot_history", "plot_front", "plot_levers", "save_search_charts"]
