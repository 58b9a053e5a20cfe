"""Charts of a run: progress bands, milestones against deadlines, completion dates, deadline probabilities, the
ledger and the sites of the median run, what held up the end, hidden stock and detection, and the verification
charts of :mod:`sim.charts.verification`.

Data in, Axes out (:mod:`sim.charts.style`); :func:`save_run_charts` draws them all for a run folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sim.charts.afterwards import timeline_charts
from sim.charts.network import plot_network
from sim.charts.paths import plot_critical_paths
from sim.charts.sites import plot_sites
from sim.charts.verification import verification_charts
from sim.charts.style import (DEADLINE_COLOUR, MAX_CHART_ROWS, MAX_HEIGHT_IN, PALETTE, axes_for, date_axis,
                              mark_deadlines, removed_words, save_figure, shown_figures, to_dates,
                              visible_end_day)
from sim.core.contract import MILESTONE_LABELS, TOLERANCE_T, path_columns
from sim.scenario.routes import is_network_shape
from sim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from sim.results.results import Results


def plot_progress(timeseries: pd.DataFrame, scenario: Scenario, ax: Axes | None = None) -> Axes:
    """Removed and destroyed fractions over time: p10-p90 bands, medians, every deadline marked."""
    ax = axes_for(ax)
    end = visible_end_day(timeseries, scenario)
    styles = {"removed_fraction": ("Removed from the country", PALETTE["blue"]),
              "destroyed_fraction": ("Destroyed", PALETTE["green"])}
    for quantity, (label, colour) in styles.items():
        q = timeseries[(timeseries["quantity"] == quantity) & (timeseries["day"] <= end)]
        x = to_dates(scenario, q["day"])
        ax.fill_between(x, q["p10"], q["p90"], color=colour, alpha=0.25, linewidth=0,
                        label=f"{label}: 10th-90th percentile")
        ax.plot(x, q["p50"], color=colour, linewidth=2.0, label=f"{label}: median")
    mark_deadlines(ax, scenario)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylabel("Share of declared tonnes (%)")
    ax.set_xlabel("Date")
    ax.set_title(f"{scenario.name}: removal and destruction of declared chemicals\n"
                 f"removed: share of {removed_words(scenario)};  destroyed: share of all declared tonnes",
                 loc="left", fontsize=10)
    date_axis(ax)
    ax.legend(loc="center right", fontsize=8.5, framealpha=0.95)
    return ax


def plot_milestones(runs: pd.DataFrame, scenario: Scenario, ax: Axes | None = None) -> Axes:
    """Each milestone's 10th-90th percentile span and median, against its deadline (a Gantt-like chart)."""
    from sim.results.summary import met_by
    from sim.core.stats import percentile_or_none

    ax = axes_for(ax, (12.0, 7.0))
    milestones = [m for m in scenario.plan_milestones() if runs[f"{m}_day"].notna().any()]
    deadlines = {d.milestone: d for d in scenario.deadlines}
    for row, milestone in enumerate(reversed(milestones)):
        values = runs[f"{milestone}_day"].to_numpy(dtype=float, na_value=np.nan)
        reached = float(np.mean(~np.isnan(values)))
        p10, p50, p90 = (percentile_or_none(values, q) for q in (10, 50, 90))
        finite_max = float(np.nanmax(values))
        lo = p10 if p10 is not None else finite_max
        hi = p90 if p90 is not None else float(scenario.horizon_days)
        ax.plot(to_dates(scenario, [lo, hi]), [row, row], color=PALETTE["blue"], linewidth=7, alpha=0.35,
                solid_capstyle="butt", label="10th-90th percentile" if row == 0 else None)
        if p50 is not None:
            ax.plot(to_dates(scenario, [p50]), [row], "o", color=PALETTE["blue"], markersize=7,
                    label="median" if row == 0 else None)
        note = "" if reached >= 1 else f"  reached in {reached:.0%} of runs"
        if milestone in deadlines:
            deadline = deadlines[milestone]
            met = float(np.mean(met_by(values, scenario, deadline.date)))
            ax.plot([np.datetime64(deadline.date.isoformat())], [row], marker="|", color=DEADLINE_COLOUR,
                    markersize=16, markeredgewidth=2.5, label="deadline" if "deadline" not in
                    [h.get_label() for h in ax.lines] else None)
            note += f"  P(by {deadline.date:%d %b %Y}) = {met:.0%}"
        if note:
            ax.annotate(note.strip(), xy=(to_dates(scenario, [hi])[0], row), xytext=(6, 0),
                        textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(range(len(milestones)))
    ax.set_yticklabels([MILESTONE_LABELS[m] for m in reversed(milestones)], fontsize=9)
    ax.set_xlabel("Date")
    ax.set_title(f"{scenario.name}: when each milestone is reached ({len(runs)} replications)", loc="left")
    date_axis(ax)
    ax.margins(x=0.15)
    # below the axes: at the upper right it hid the note of the top milestone ("reached in 90% of runs")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=3, fontsize=8.5, frameon=False)
    return ax


def plot_completion(runs: pd.DataFrame, scenario: Scenario, ax: Axes | None = None) -> Axes:
    """ECDFs of removal_complete and destruction_complete with P(met by deadline) annotated."""
    from sim.results.summary import met_by

    ax = axes_for(ax)
    n = len(runs)
    deadlines = {d.milestone: d for d in scenario.deadlines}
    for milestone, colour in (("removal_complete", PALETTE["blue"]), ("destruction_complete", PALETTE["green"])):
        values = np.sort(runs[f"{milestone}_day"].dropna().to_numpy(dtype=float))
        if len(values) == 0:
            continue
        y = np.arange(1, len(values) + 1) / n
        ax.step(to_dates(scenario, values), y, where="post", color=colour, linewidth=2,
                label=f"{MILESTONE_LABELS[milestone]} (reached in {len(values) / n:.0%} of runs)")
        if milestone in deadlines:
            deadline = deadlines[milestone]
            met = float(np.mean(met_by(runs[f"{milestone}_day"].to_numpy(dtype=float, na_value=np.nan),
                                       scenario, deadline.date)))
            x = np.datetime64(deadline.date.isoformat())
            ax.axvline(x, color=colour, linestyle="--", linewidth=1.2)
            y = 0.92 if milestone == "removal_complete" else 0.78
            ax.annotate(f"deadline {deadline.date:%d %b %Y}\nP(met) = {met:.0%}", xy=(x, y), xytext=(5, 0),
                        textcoords="offset points", fontsize=9, color=colour, va="center",
                        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1})
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylabel("Share of replications completed by the date (%)")
    ax.set_xlabel("Date")
    ax.set_title(f"{scenario.name}: when removal and destruction are complete (cumulative distribution)", loc="left")
    date_axis(ax)
    ax.legend(loc="lower right", fontsize=8.5, framealpha=0.9)
    return ax


STATE_COLOURS = {
    "at_site": PALETTE["orange"], "on_road": PALETTE["yellow"], "at_port": PALETTE["sky"],
    "shipped": PALETTE["blue"], "destroyed": PALETTE["green"], "hidden": PALETTE["purple"],
    "used": PALETTE["vermillion"],
}
STATE_LABELS = {"at_site": "at sites", "on_road": "on the road", "at_port": "at a port or yard", "shipped": "shipped",
                "destroyed": "destroyed", "hidden": "hidden", "used": "used in attacks"}
NETWORK_STATE_LABELS = {**STATE_LABELS, "on_road": "on the way in the country (road, rail, ...)",
                        "at_port": "waiting at a place or plant in the country", "shipped": "out of the country"}
"""The ledger's states in the words of a plan network: ``at_port`` is any place in the country (a yard, a port, a
plant's queue) and ``on_road`` any way between them (sim.model.removal)."""


def _ledger_table(events: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Tonnes by state after every ledger move of the representative replication (first row: day 0)."""
    from sim.core.contract import STATES

    declared = {site.id: site.declared for site in scenario.sites}
    totals = dict.fromkeys(STATES, 0.0)
    for lot in scenario.lots:
        totals["at_site" if declared[lot.site] else "hidden"] += lot.tonnes
    rows = [{"day": 0.0, **totals}]
    moves = events[events["event"].isin(("ledger", "reconstitution"))]  # reconstitution: produced into hidden
    for day, event, entity, tonnes in zip(moves["day"], moves["event"], moves["entity"], moves["tonnes"]):
        source, target = entity.split("->") if event == "ledger" else (None, "hidden")
        if source is not None:
            totals[source] -= tonnes
        totals[target] += tonnes
        rows.append({"day": float(day), **totals})
    return pd.DataFrame(rows)


def plot_ledger(events: pd.DataFrame, scenario: Scenario, ax: Axes | None = None) -> Axes:
    """Tonnes by ledger state over time in the representative (median) replication, stacked."""
    from sim.core.contract import STATES

    ax = axes_for(ax)
    table = _ledger_table(events, scenario)
    # The plan's story: up to two months after its last move; tonnes used in attacks later (hidden -> used) are
    # the afterwards' story, drawn over the whole horizon in timeline.png (a decade of one colour says nothing).
    moves = events[(events["event"] == "ledger") & ~events["entity"].astype(str).str.endswith("->used")]
    last = float(moves["day"].max()) if len(moves) else 0.0
    end = min(float(scenario.horizon_days), last + 60)
    table = table[table["day"] <= end]
    table = pd.concat([table, table.iloc[[-1]].assign(day=end)], ignore_index=True)
    x = to_dates(scenario, table["day"])
    states = [s for s in STATES if table[s].max() > TOLERANCE_T]
    words = NETWORK_STATE_LABELS if is_network_shape(scenario) else STATE_LABELS
    ax.stackplot(x, [table[s].clip(lower=0) for s in states], step="post",
                 colors=[STATE_COLOURS[s] for s in states], labels=[words[s] for s in states], alpha=0.9)
    mark_deadlines(ax, scenario, {"removal_complete", "destruction_complete"})
    replication = int(events["replication"].iloc[0]) if len(events) else 0
    ax.set_ylabel("Tonnes")
    ax.set_xlabel("Date")
    ax.set_title(f"{scenario.name}: where the stockpile is, replication {replication} (the median by destruction "
                 "date)", loc="left")
    ax.set_ylim(0, max(scenario.initial_tonnes, float(table[states].sum(axis=1).max())) * 1.02)
    date_axis(ax)
    ax.legend(loc="center right", fontsize=8.5, framealpha=0.95, title="Tonnes that are", title_fontsize=8.5)
    return ax


def plot_deadlines(summary: dict[str, Any], ax: Axes | None = None, max_rows: int = MAX_CHART_ROWS) -> Axes:
    """P(met) for every deadline with its Wilson 95% interval.  More than ``max_rows`` deadlines: the
    ``max_rows - 1`` least likely met (in the scenario's order) and one row for the range of the others'."""
    deadlines = summary["deadlines"]
    names = list(deadlines)
    others: list[str] = []
    if len(names) > max_rows:
        at_risk = set(sorted(names, key=lambda n: (deadlines[n]["p_met"], names.index(n)))[: max_rows - 1])
        names, others = [n for n in names if n in at_risk], [n for n in names if n not in at_risk]
    rows = len(names) + (1 if others else 0)
    ax = axes_for(ax, (12.0, min(MAX_HEIGHT_IN, max(5.0, 0.55 * rows + 1.5))))
    first_row = 1 if others else 0
    for row, name in enumerate(reversed(names), start=first_row):
        entry = deadlines[name]
        lo, hi = entry["ci95"]
        p = entry["p_met"]
        ax.barh(row, p, color=PALETTE["sky"], height=0.6)
        ax.plot([lo, hi], [row, row], color=PALETTE["black"], linewidth=1.5)
        ax.plot([lo, lo], [row - 0.15, row + 0.15], color=PALETTE["black"], linewidth=1.5)
        ax.plot([hi, hi], [row - 0.15, row + 0.15], color=PALETTE["black"], linewidth=1.5)
        ax.annotate(f"{p:.0%}", xy=(hi, row), xytext=(6, 0), textcoords="offset points", va="center", fontsize=9)
    labels = [f"{deadlines[n]['date']}  {n.replace('_', ' ')}" for n in reversed(names)]
    if others:
        p_others = [deadlines[n]["p_met"] for n in others]
        ax.plot([min(p_others), max(p_others)], [0, 0], "o-", color=PALETTE["grey"], linewidth=1.5)
        spread = f"{min(p_others):.0%} to {max(p_others):.0%}" if min(p_others) < max(p_others) else \
            f"{min(p_others):.0%} each"
        ax.annotate(f"P(met) {spread}", xy=(max(p_others), 0), xytext=(6, 0), textcoords="offset points",
                    va="center", fontsize=9)
        labels.insert(0, f"other {len(others):,} deadlines (all in summary.json)")
    ax.set_yticks(range(rows))
    ax.set_yticklabels(labels, fontsize=9)
    if not rows:  # a scenario without deadlines: say so rather than draw an empty frame
        ax.text(0.5, 0.5, "This scenario sets no deadlines.", transform=ax.transAxes, ha="center", va="center",
                fontsize=11, color=PALETTE["grey"])
    ax.set_xlim(0, 1.1)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("Probability that the deadline is met (bar), with its 95% Wilson interval (line)")
    shown = f"; the {len(names)} least likely met of {len(names) + len(others):,}" if others else ""
    ax.set_title(f"{summary['scenario']}: will the deadlines be met? ({summary['replications']} replications"
                 f"{shown})", loc="left")
    ax.grid(True, axis="x", color="#dddddd")
    ax.set_axisbelow(True)
    return ax


def plot_delay_drivers(runs: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Phases of the critical lot (the last one destroyed): how long each took, and how often each was the
    longest, i.e. on the critical path to destruction_complete."""
    from sim.core.contract import NOT_FINISHED, PHASE_COLUMNS, PHASES

    ax = axes_for(ax)
    finished = runs[runs["critical_activity"] != NOT_FINISHED]
    n = len(runs)
    labelled = False  # the legend's entries go on the first phase drawn
    for row, (phase, column) in enumerate(zip(reversed(PHASES), reversed(PHASE_COLUMNS))):
        values = finished[column].dropna().to_numpy(dtype=float)
        if len(values) == 0:
            continue
        p10, p50, p90 = np.percentile(values, [10, 50, 90])
        share = float(np.mean(runs["critical_activity"] == phase))
        ax.barh(row, p50, color=PALETTE["blue"] if share > 0 else PALETTE["sky"], height=0.6,
                label=None if labelled else "median duration")
        ax.plot([p10, p90], [row, row], color=PALETTE["black"], linewidth=1.5,
                label=None if labelled else "10th-90th percentile")
        labelled = True
        ax.annotate(f"longest phase in {share:.0%} of runs", xy=(p90, row), xytext=(8, 0),
                    textcoords="offset points", va="center", fontsize=9)
    unfinished = float(np.mean(runs["critical_activity"] == NOT_FINISHED))
    ax.set_yticks(range(len(PHASES)))
    ax.set_yticklabels(list(reversed(PHASES)), fontsize=9.5)
    ax.set_xlabel("Days the phase took for the last lot destroyed")
    note = f"; {unfinished:.0%} of runs not finished by the horizon" if unfinished else ""
    lots = finished["critical_lot"].value_counts()
    top = f"; last lot most often {lots.index[0]} ({lots.iloc[0] / n:.0%})" if len(lots) else ""
    ax.set_title(f"What held up the end: phases of the last lot destroyed{top}{note}", loc="left", fontsize=11)
    ax.margins(x=0.25)
    ax.grid(True, axis="x", color="#dddddd")
    ax.set_axisbelow(True)
    if labelled:
        ax.legend(loc="lower right", fontsize=8.5)
    return ax


def plot_hidden(runs: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Distribution of the tonnes still hidden at the horizon."""
    ax = axes_for(ax)
    hidden = runs["hidden_tonnes"].to_numpy(dtype=float)
    bins = np.linspace(0, max(1.0, hidden.max()) * 1.0001, 31)
    ax.hist(hidden, bins=bins, color=PALETTE["purple"], alpha=0.8, edgecolor="white")
    for q, style in ((50, "-"), (90, "--")):
        value = float(np.percentile(hidden, q))
        ax.axvline(value, color=PALETTE["black"], linestyle=style, linewidth=1.2,
                   label=f"{'median' if q == 50 else '90th percentile'}: {value:.1f} t")
    ax.set_xlabel("Tonnes still hidden at the horizon (moved by the secret unit or never declared, not recovered)")
    ax.set_ylabel("Replications")
    share = float(np.mean(hidden > 1.0))
    ax.set_title(f"Hidden stock at the horizon: more than 1 t hidden in {share:.0%} of {len(hidden)} runs", loc="left")
    ax.legend(loc="upper right", fontsize=9)
    ax.grid(True, axis="y", color="#dddddd")
    ax.set_axisbelow(True)
    return ax


def plot_detection(runs: pd.DataFrame, scenario: Scenario, ax: Axes | None = None) -> Axes:
    """ECDF of the day concealment is first detected (the first issue raised, by any channel), over all
    replications (so it levels off at P(detected))."""
    ax = axes_for(ax)
    n = len(runs)
    days = np.sort(runs["detection_day"].dropna().to_numpy(dtype=float))
    if len(days):
        ax.step(to_dates(scenario, np.concatenate([[0.0], days])), np.arange(0, len(days) + 1) / n, where="post",
                color=PALETTE["purple"], linewidth=2, label=f"detected by the date (all: {len(days) / n:.0%})")
    mark_deadlines(ax, scenario, {"declaration_submitted", "initial_inspections_complete"})
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylabel("Share of replications with an issue raised (%)")
    ax.set_xlabel("Date of first detection (the first issue raised with the declaration)")
    ax.set_title(f"{scenario.name}: when is concealment first detected?", loc="left")
    date_axis(ax)
    ax.legend(loc="lower right", fontsize=9)
    return ax


def save_run_charts(results: "Results", folder: Path) -> list[str]:
    """Draw every chart of a run into ``folder`` from its saved tables; returns the file names."""
    runs, scenario, events = results.runs, results.scenario, results.events
    charts = {
        "progress.png": lambda: plot_progress(results.timeseries, scenario),
        "milestones.png": lambda: plot_milestones(runs, scenario),
        "completion.png": lambda: plot_completion(runs, scenario),
        "deadlines.png": lambda: plot_deadlines(results.summary()),
        "ledger.png": lambda: plot_ledger(events, scenario),
        "sites.png": lambda: plot_sites(events, scenario),
        "network.png": lambda: plot_network(events, scenario),
        "delay_drivers.png": lambda: plot_delay_drivers(runs),
    }
    if set(path_columns()) <= set(runs.columns):  # a folder written before paths were recorded has none
        charts["critical_paths.png"] = lambda: plot_critical_paths(runs, scenario)
    accounting = verification_charts(results)  # issues, detection by channel, the two books, hidden over time
    if accounting:
        charts.update(accounting)
    elif scenario.dispersal.enabled or runs["hidden_tonnes"].max() > 0:  # a folder without the accounting outputs
        charts["hidden.png"] = lambda: plot_hidden(runs)
        if runs["detected"].any():  # nothing detected: no empty chart; the report says so in words
            charts["detection.png"] = lambda: plot_detection(runs, scenario)
    charts.update(timeline_charts(events, scenario))  # the median run's concealment story
    for name, draw in charts.items():
        save_figure(draw(), Path(folder) / name)
    return list(charts)


__all__ = ["plot_progress", "plot_milestones", "plot_completion", "plot_ledger", "plot_deadlines", "plot_sites",
           "plot_delay_drivers", "plot_hidden", "plot_detection", "plot_critical_paths", "plot_network",
           "save_run_charts",
           "shown_figures"]  # re-exported for Results.plot_*, whose one delegate import is this module
