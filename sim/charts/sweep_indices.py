"""Charts of a sweep's sensitivity indices: one at a time (tornado), Morris screening, Sobol indices."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes

from sim.charts.style import PALETTE, axes_for
from sim.charts.sweep_labels import (HIGH_COLOUR, LOW_COLOUR, is_share, outcome_text, value_text, wrap)

if TYPE_CHECKING:  # pragma: no cover
    from sim.sweeps.outcomes import OutcomeSpec


def plot_tornado(oat: dict[str, Any], outcome: "OutcomeSpec", title: str = "", start_date: Any = None,
                 ax: Axes | None = None) -> Axes:
    """Horizontal bars: each parameter's change of the outcome's mean from the base, at its lowest (blue) and
    highest (orange) value, with paired 95% intervals; the parameter that moves the outcome most on top."""
    effects = oat["effects"]
    ax = axes_for(ax, (12.0, max(4.0, 0.75 * len(effects) + 2.0)))
    share = is_share(outcome)
    scale = 100.0 if share else 1.0
    rows = list(reversed(effects))
    for row, effect in enumerate(rows):
        for end, colour, offset in (("low", LOW_COLOUR, 0.17), ("high", HIGH_COLOUR, -0.17)):
            level = effect[end]
            diff = (level["difference"] or 0.0) * scale
            ax.barh(
                row + offset,
                diff,
                height=0.32,
                color=colour,
                alpha=0.85,
                label={"low": "at its lowest value", "high": "at its highest value"}[end]
                if row == 0
                else None,
            )
            lo, hi = level["ci95"]
            tip = diff
            if lo is not None:
                ax.plot([lo * scale, hi * scale], [row + offset] * 2, color=PALETTE["black"], linewidth=1.2,
                        label="95% interval of the paired difference" if row == 0 and end == "low" else None)
                tip = max(diff, hi * scale) if diff >= 0 else min(diff, lo * scale)
            none = lo is not None and abs(lo) < 1e-12 and abs(hi) < 1e-12
            ax.annotate(
                f"= {value_text(level['value'])}" + (": no change" if none else ""),
                xy=(tip, row + offset),
                xytext=(5 if diff >= 0 else -5, 0),
                textcoords="offset points",
                ha="left" if diff >= 0 else "right",
                va="center",
                fontsize=8,
                color=colour,
            )
        for level in effect["levels"][1:-1]:  # intermediate levels, if any
            ax.plot([(level["difference"] or 0.0) * scale], [row], "o", color=PALETTE["grey"], markersize=4,
                    label="intermediate values" if row == 0 and level is effect["levels"][1] else None)
    ax.axvline(0, color=PALETTE["black"], linewidth=1)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{e['parameter']}\n(base {e['base']})" for e in rows], fontsize=8.5)
    reach = [abs(v) for e in effects for lv in e["levels"]
             for v in (lv["difference"], *(lv["ci95"] or [])) if v is not None and math.isfinite(v)]
    extent = max(reach + [0.0]) * scale
    extent = extent if extent > 0 else (0.05 if share else 1.0) * scale
    ax.set_xlim(-1.3 * extent, 1.3 * extent)  # symmetric: sooner and later read alike, labels fit
    base = oat["base_mean"]
    if share:
        ax.set_xlabel(f"Change in {outcome_text(outcome)} against the base (percentage points)\n"
                      f"base: {base:.0%}")
    elif outcome.unit == "days":
        when = ""
        if start_date is not None and base is not None and math.isfinite(base):
            import datetime as dt

            when = f" ({(start_date + dt.timedelta(days=int(base))).isoformat()})"
        ax.set_xlabel(
            f"Change in the mean day of '{outcome_text(outcome)}' against the base (days; negative = "
            f"sooner)\nbase: mean day {base:.0f}{when}"
        )
    else:
        ax.set_xlabel(
            f"Change in the mean {outcome_text(outcome)} against the base ({outcome.unit or 'units'})"
            f"\nbase: mean {base:.3g}"
        )
    ax.set_ylabel("Parameter (its base value)")
    ax.set_title(wrap(title or f"What moves '{outcome_text(outcome)}' most: one parameter at a time", 90),
                 loc="left")
    ax.grid(True, axis="x", color="#dddddd")
    ax.set_axisbelow(True)
    ax.legend(loc="lower right", fontsize=8.5, framealpha=0.95)
    return ax


def plot_morris(
    morris: dict[str, Any], outcome: "OutcomeSpec", title: str = "", ax: Axes | None = None
) -> Axes:
    """mu* (importance) against sigma (non-linearity or interactions), with 95% intervals and the
    sigma/mu* = 0.1, 0.5 and 1 lines of Garcia Sanchez et al. (2014)."""
    ax = axes_for(ax, (11.0, 7.0))
    indices = morris["indices"]
    names = list(indices)
    scale = 100.0 if is_share(outcome) else 1.0

    def finite(v: Any, default: float) -> float:
        return float(v) * scale if v is not None and math.isfinite(v) else default

    entries = []
    for name in names:
        e = indices[name]
        x, y = e["mu_star"] * scale, e["sigma"] * scale
        entries.append((name, x, y, finite(e["mu_star_ci95"][0], x), finite(e["mu_star_ci95"][1], x),
                        finite(e["sigma_ci95"][0], y), finite(e["sigma_ci95"][1], y)))
    top = max([max(x_hi, y_hi) for _, _, _, _, x_hi, _, y_hi in entries] + [0.0])
    top = top * 1.1 if top > 0 else 1.0
    for ratio, words, at in (
        (1.0, "sigma = mu*: non-linear or interacting", 0.8),
        (0.5, "sigma = mu*/2: monotonic", 0.97),
        (0.1, "sigma = mu*/10: almost linear", 0.97),
    ):
        ax.plot([0, top], [0, top * ratio], linestyle="--", color=PALETTE["grey"], linewidth=0.9)
        ax.annotate(words, xy=(top * at, top * ratio * at), xytext=(0, 4), textcoords="offset points",
                    fontsize=7.5, color=PALETTE["grey"], ha="right", va="bottom")
    quiet = [e for e in entries if max(e[1], e[2]) < 0.02 * top]
    for k, (name, x, y, xlo, xhi, ylo, yhi) in enumerate(entries):
        ax.errorbar(
            [x],
            [y],
            xerr=[[max(0, x - xlo)], [max(0, xhi - x)]],
            yerr=[[max(0, y - ylo)], [max(0, yhi - y)]],
            fmt="o",
            color=PALETTE["blue"],
            ecolor=PALETTE["sky"],
            elinewidth=1.2,
            capsize=3,
            label="mu* and sigma with 95% intervals" if k == 0 else None,
        )
        if all(name != q[0] for q in quiet):
            ax.annotate(name, xy=(x, y), xytext=(6, 6), textcoords="offset points", fontsize=8.5,
                        bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 0.5})
    if quiet:
        ax.annotate("no visible effect (near 0, 0):\n" + "\n".join(q[0] for q in quiet), xy=(0, 0),
                    xytext=(10, 14), textcoords="offset points", fontsize=8, va="bottom",
                    bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": PALETTE["grey"], "pad": 3},
                    arrowprops={"arrowstyle": "->", "color": PALETTE["grey"]})
    unit = "percentage points" if is_share(outcome) else (outcome.unit or "units")
    ax.set_xlim(-0.015 * top, top)
    ax.set_ylim(-0.015 * top, top)
    ax.set_xlabel(f"mu*: importance, the mean absolute elementary effect on '{outcome_text(outcome)}'\n"
                  f"({unit} when the parameter moves over its full range)")
    ax.set_ylabel(f"sigma: spread of the elementary effects ({unit})\nnon-linearity or interactions")
    ax.set_title(
        title
        or f"Morris screening of '{outcome_text(outcome)}' ({morris['trajectories']} trajectories, "
        f"{morris['levels']} levels)",
        loc="left",
    )
    ax.grid(True, color="#eeeeee")
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", fontsize=8.5, framealpha=0.95)
    return ax


def plot_sobol(
    sobol: dict[str, Any], outcome: "OutcomeSpec", title: str = "", ax: Axes | None = None
) -> Axes:
    """First-order (S1) and total (ST) Sobol indices per parameter with 95% intervals, largest ST on top."""
    indices = sobol["indices"]
    names = sorted(indices, key=lambda n: indices[n]["ST"])
    ax = axes_for(ax, (12.0, max(4.0, 0.7 * len(names) + 2.0)))
    y = np.arange(len(names))
    for key, colour, offset, words in (
        ("S1", PALETTE["blue"], 0.18, "S1: share of the variance it explains alone"),
        ("ST", PALETTE["orange"], -0.18, "ST: total share, its interactions with the others included"),
    ):
        values = np.array([indices[n][key] for n in names])
        confs = np.array([indices[n][f"{key}_conf"] for n in names])
        ax.barh(y + offset, values, height=0.34, color=colour, alpha=0.85, label=words)
        ax.errorbar(
            values,
            y + offset,
            xerr=confs,
            fmt="none",
            ecolor=PALETTE["black"],
            elinewidth=1.1,
            capsize=3,
            label="95% interval (bootstrap)" if key == "S1" else None,
        )
    ax.axvline(0, color=PALETTE["black"], linewidth=1)
    ax.set_yticks(y)
    ax.set_yticklabels(names, fontsize=8.5)
    lo = min(0.0, min((indices[n]["S1"] - indices[n]["S1_conf"] for n in names), default=0.0))
    hi = max(1.0, max((indices[n]["ST"] + indices[n]["ST_conf"] for n in names), default=1.0))
    ax.set_xlim(lo - 0.02, hi + 0.02)
    ax.set_xlabel(
        f"Sobol index: share of the variance of {outcome_text(outcome)} across the design (0 to 1)"
    )
    ax.set_ylabel("Parameter")
    ax.set_title(title or f"Which parameter drives {outcome_text(outcome)}? Sobol indices "
                          f"(base sample {sobol['base_samples']})", loc="left")
    ax.grid(True, axis="x", color="#dddddd")
    ax.set_axisbelow(True)
    ax.legend(loc="lower right", fontsize=8.5, framealpha=0.95)
    return ax


__all__ = ["plot_tornado", "plot_morris", "plot_sobol"]
