"""Charts of a sweep: data in, Axes out (matplotlib only here and in :mod:`sim.plotting`, whose style it
shares).

* :func:`plot_tornado` - one at a time: each parameter's effect on an outcome at its lowest and highest value;
* :func:`plot_morris` - Morris screening: mu* against sigma, with their 95% intervals;
* :func:`plot_sobol` - Sobol indices S1 and ST with their 95% intervals;
* :func:`plot_heatmap` - a two-parameter grid: the outcome in every cell;
* :func:`plot_scatter` - each parameter against an outcome, one panel per parameter;
* :func:`plot_discovery` - PRIM's peeling trajectory (coverage against density) and the chosen box.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.plotting import DPI, PALETTE, _axes, save_figure

if TYPE_CHECKING:  # pragma: no cover
    from sim.sweep import OutcomeSpec
    from sim.sweep_design import Design
    from sim.sweep_results import SweepResults

LOW_COLOUR = PALETTE["blue"]
HIGH_COLOUR = PALETTE["orange"]

_COUNT_KEYS = ("teams", "escorts", "berths", "lines", "crews", "moves", "hideouts", "count")


def parameter_unit(name: str) -> str:
    """The unit of a parameter, read from its key name (the scenario format puts units in keys)."""
    key = name.split(".")[-1].split("]")[-1].strip(". ")
    if key.endswith("_t_per_day"):
        return "t/day"
    if key.endswith("_days") or key.endswith("_day") or "_days_" in key:
        return "days"
    if key.endswith("_tonnes") or key == "tonnes" or key.startswith("tonnes_per"):
        return "t"
    if key.endswith("_hours"):
        return "hours"
    if "probability" in key:
        return "probability"
    if key.endswith("fraction") or key.endswith("share"):
        return "fraction"
    if key == "level":
        return "0: no threat, 1: Chapter VII"
    if key in _COUNT_KEYS:
        return "number"
    return ""


def parameter_label(name: str) -> str:
    unit = parameter_unit(name)
    return f"{name} ({unit})" if unit else name


def _outcome_text(outcome: "OutcomeSpec") -> str:
    return outcome.label.removesuffix(" (day)")


def _is_share(outcome: "OutcomeSpec") -> bool:
    return outcome.kind == "deadline" or outcome.unit == "share of runs"


def _wrap(text: str, width: int = 95) -> str:
    return "\n".join(textwrap.wrap(text, width))


# ----------------------------------------------------------------------------------------------------
# One at a time
# ----------------------------------------------------------------------------------------------------


def plot_tornado(oat: dict[str, Any], outcome: "OutcomeSpec", title: str = "", start_date: Any = None,
                 ax: Axes | None = None) -> Axes:
    """Horizontal bars: each parameter's change of the outcome's mean from the base, at its lowest (blue) and
    highest (orange) value, with paired 95% intervals; the parameter that moves the outcome most on top."""
    effects = oat["effects"]
    ax = _axes(ax, (12.0, max(4.0, 0.75 * len(effects) + 2.0)))
    share = _is_share(outcome)
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
                f"= {_value(level['value'])}" + (": no change" if none else ""),
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
        ax.set_xlabel(f"Change in {_outcome_text(outcome)} against the base (percentage points)\n"
                      f"base: {base:.0%}")
    elif outcome.unit == "days":
        when = ""
        if start_date is not None and base is not None and math.isfinite(base):
            import datetime as dt

            when = f" ({(start_date + dt.timedelta(days=int(base))).isoformat()})"
        ax.set_xlabel(
            f"Change in the mean day of '{_outcome_text(outcome)}' against the base (days; negative = "
            f"sooner)\nbase: mean day {base:.0f}{when}"
        )
    else:
        ax.set_xlabel(
            f"Change in the mean {_outcome_text(outcome)} against the base ({outcome.unit or 'units'})"
            f"\nbase: mean {base:.3g}"
        )
    ax.set_ylabel("Parameter (its base value)")
    ax.set_title(_wrap(title or f"What moves '{_outcome_text(outcome)}' most: one parameter at a time", 90),
                 loc="left")
    ax.grid(True, axis="x", color="#dddddd")
    ax.set_axisbelow(True)
    ax.legend(loc="lower right", fontsize=8.5, framealpha=0.95)
    return ax


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


# ----------------------------------------------------------------------------------------------------
# Morris and Sobol
# ----------------------------------------------------------------------------------------------------


def plot_morris(
    morris: dict[str, Any], outcome: "OutcomeSpec", title: str = "", ax: Axes | None = None
) -> Axes:
    """mu* (importance) against sigma (non-linearity or interactions), with 95% intervals and the
    sigma/mu* = 0.1, 0.5 and 1 lines of Garcia Sanchez et al. (2014)."""
    ax = _axes(ax, (11.0, 7.0))
    indices = morris["indices"]
    names = list(indices)
    scale = 100.0 if _is_share(outcome) else 1.0

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
    unit = "percentage points" if _is_share(outcome) else (outcome.unit or "units")
    ax.set_xlim(-0.015 * top, top)
    ax.set_ylim(-0.015 * top, top)
    ax.set_xlabel(f"mu*: importance, the mean absolute elementary effect on '{_outcome_text(outcome)}'\n"
                  f"({unit} when the parameter moves over its full range)")
    ax.set_ylabel(f"sigma: spread of the elementary effects ({unit})\nnon-linearity or interactions")
    ax.set_title(
        title
        or f"Morris screening of '{_outcome_text(outcome)}' ({morris['trajectories']} trajectories, "
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
    ax = _axes(ax, (12.0, max(4.0, 0.7 * len(names) + 2.0)))
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
        f"Sobol index: share of the variance of {_outcome_text(outcome)} across the design (0 to 1)"
    )
    ax.set_ylabel("Parameter")
    ax.set_title(title or f"Which parameter drives {_outcome_text(outcome)}? Sobol indices "
                          f"(base sample {sobol['base_samples']})", loc="left")
    ax.grid(True, axis="x", color="#dddddd")
    ax.set_axisbelow(True)
    ax.legend(loc="lower right", fontsize=8.5, framealpha=0.95)
    return ax


# ----------------------------------------------------------------------------------------------------
# Grid heatmap and scatter
# ----------------------------------------------------------------------------------------------------


def _display(value: float, outcome: "OutcomeSpec", start_date: Any) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    if _is_share(outcome):
        return f"{value:.0%}"
    if outcome.kind == "milestone" and start_date is not None:
        import datetime as dt

        return (start_date + dt.timedelta(days=int(value))).strftime("%d %b %Y")
    return f"{value:.3g}"


def plot_heatmap(points: pd.DataFrame, design: "Design", outcome: "OutcomeSpec", start_date: Any = None,
                 title: str = "", ax: Axes | None = None) -> Axes:
    """The outcome's mean (or met share) in every cell of a two-parameter grid, cells labelled."""
    ax = _axes(ax, (11.0, 7.5))
    xs, ys = design.spaces[0].name, design.spaces[1].name
    table = points.pivot_table(index=ys, columns=xs, values=outcome.metric, aggfunc="mean")
    data = table.to_numpy(dtype=float)
    cmap = "viridis" if _is_share(outcome) else "viridis_r"  # dark = bad: late, or rarely met
    image = ax.imshow(data, origin="lower", aspect="auto", cmap=cmap)
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            v = data[i, j]
            bright = (v - np.nanmin(data)) / (np.nanmax(data) - np.nanmin(data) or 1)
            if cmap == "viridis_r":
                bright = 1 - bright
            ax.text(j, i, _display(v, outcome, start_date), ha="center", va="center", fontsize=9,
                    color="black" if bright > 0.55 else "white")
    ax.set_xticks(range(len(table.columns)))
    ax.set_xticklabels([_value(v) for v in table.columns])
    ax.set_yticks(range(len(table.index)))
    ax.set_yticklabels([_value(v) for v in table.index])
    ax.set_xlabel(parameter_label(xs))
    ax.set_ylabel(parameter_label(ys))
    bar = ax.figure.colorbar(image, ax=ax)
    if _is_share(outcome):
        bar.set_label(f"{_outcome_text(outcome)} (share of replications)")
        bar.formatter = matplotlib.ticker.PercentFormatter(1.0)
        bar.update_ticks()
    elif outcome.unit == "days":
        bar.set_label(f"Mean day of '{_outcome_text(outcome)}' (days after {start_date}; cells: the date)")
    else:
        bar.set_label(f"Mean {_outcome_text(outcome)} ({outcome.unit})")
    note = ""
    reached = f"{outcome.name}_reached"
    if reached in points and (points[reached] < 1).any():
        note = "; runs not finished by the horizon count as finished at the horizon"
    ax.set_title(
        _wrap(
            title or f"'{_outcome_text(outcome)}' over the grid: mean of each cell's replications{note}", 100
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
        y_plot = y * (100.0 if _is_share(outcome) else 1.0)
    for k, (ax, space) in enumerate(zip(axes, spaces)):
        x = points[space.name].to_numpy(dtype=float)
        if design.varied is not None:
            mine = np.array([v == space.name for v in design.varied])
            ax.plot(x[mine], y_plot[mine], "o-", color=PALETTE["blue"], markersize=5, label="varied alone")
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
            ax.set_ylabel(f"Mean date: {_outcome_text(outcome)}", fontsize=8.5)
            locator = matplotlib.dates.AutoDateLocator(minticks=4, maxticks=8)
            ax.yaxis.set_major_locator(locator)
            ax.yaxis.set_major_formatter(matplotlib.dates.DateFormatter("%d %b %Y"))
        elif _is_share(outcome):
            ax.set_ylabel(f"{_outcome_text(outcome)} (% of runs)", fontsize=8.5)
        else:
            ax.set_ylabel(f"Mean {_outcome_text(outcome)}" + (f" ({outcome.unit})" if outcome.unit else ""),
                          fontsize=8.5)
        ax.tick_params(labelsize=8)
        ax.grid(True, color="#eeeeee")
    for ax in axes[len(spaces):]:
        ax.set_visible(False)
    text = title or (f"'{_outcome_text(outcome)}' against each parameter (one dot per design point, the mean "
                     "of its replications; one scale for all panels)")
    fig.suptitle(_wrap(text, int(10 * 4.6 * columns)), x=0.01, ha="left", fontsize=11)
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
                   label=f"fitted: {_value(calibration.best[name])}")
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
    fig.suptitle(_wrap(text, int(10 * 4.8 * columns)), x=0.01, ha="left", fontsize=11)
    return list(axes[:len(names)])


# ----------------------------------------------------------------------------------------------------
# Scenario discovery
# ----------------------------------------------------------------------------------------------------


def plot_discovery(entry: dict[str, Any], ax: Axes | None = None) -> Axes:
    """PRIM's peeling trajectory: coverage against density of every box, the chosen box marked."""
    ax = _axes(ax, (10.0, 6.5))
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
        _wrap(
            f"Scenario discovery (PRIM), runs of interest: {entry['target']}. Found: {entry['statement']}",
            100,
        ),
        loc="left",
        fontsize=9.5,
    )
    ax.grid(True, color="#eeeeee")
    ax.legend(loc="lower left", fontsize=8.5, framealpha=0.95)
    return ax


# ----------------------------------------------------------------------------------------------------
# All the charts of a sweep
# ----------------------------------------------------------------------------------------------------


def save_sweep_charts(results: "SweepResults", folder: Path) -> list[str]:
    """Draw every chart of a finished sweep into ``folder``; returns the file names."""
    sw, design, s = results.sweep, results.design, results.sensitivity
    start = sw.base.start_date
    charts: dict[str, Any] = {}
    for outcome in sw.outcomes:
        key = outcome.spec
        if "oat" in s and s["oat"][key]["effects"]:
            charts[f"tornado_{outcome.name}.png"] = lambda o=outcome, k=key: plot_tornado(
                s["oat"][k],
                o,
                f"{sw.name}: what moves '{_outcome_text(o)}' most, one parameter at a time "
                f"({sw.replications} replications a point, the same seeds at every point)",
                start,
            )
        if "morris" in s and "indices" in s["morris"][key]:
            charts[f"morris_{outcome.name}.png"] = lambda o=outcome, k=key: plot_morris(s["morris"][k], o)
        if "sobol" in s and "indices" in s["sobol"][key]:
            charts[f"sobol_{outcome.name}.png"] = lambda o=outcome, k=key: plot_sobol(s["sobol"][k], o)
        if design.method == "grid" and len(design.spaces) == 2:
            charts[f"heatmap_{outcome.name}.png"] = lambda o=outcome: plot_heatmap(
                results.points, design, o, start
            )
        charts[f"scatter_{outcome.name}.png"] = lambda o=outcome: plot_scatter(
            results.points, design, o, start
        )[0]
    for i, entry in enumerate(s.get("discovery", [])):
        charts[f"discovery_{i + 1}.png"] = lambda e=entry: plot_discovery(e)
    for name, draw in charts.items():
        save_figure(draw(), Path(folder) / name)
    return list(charts)


__all__ = ["plot_tornado", "plot_morris", "plot_sobol", "plot_heatmap", "plot_scatter", "plot_discovery",
           "save_sweep_charts", "parameter_unit"]
