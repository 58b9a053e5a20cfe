"""Charts of a run: progress bands, milestones against deadlines, completion dates, deadline probabilities, the
ledger and the sites of the median run, what held up the end, hidden stock and detection.

Data in, Axes out (:mod:`sim.charts.style`); :func:`save_run_charts` draws them all for a run folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sim.charts.style import (DEADLINE_COLOUR, PALETTE, axes_for, date_axis,
                              mark_deadlines, save_figure, shown_figures, to_dates, visible_end_day)
from sim.core.contract import MILESTONE_IDS, MILESTONE_LABELS, TOLERANCE_T
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
                 "removed: share of declared tonnes on a removal route (sea or commercial) shipped out;  "
                 "destroyed: share of all declared tonnes", loc="left", fontsize=10)
    date_axis(ax)
    ax.legend(loc="center right", fontsize=8.5, framealpha=0.95)
    return ax


def plot_milestones(runs: pd.DataFrame, scenario: Scenario, ax: Axes | None = None) -> Axes:
    """Each milestone's 10th-90th percentile span and median, against its deadline (a Gantt-like chart)."""
    from sim.results.summary import met_by
    from sim.core.stats import percentile_or_none

    ax = axes_for(ax, (12.0, 7.0))
    milestones = [m for m in MILESTONE_IDS if runs[f"{m}_day"].notna().any()]
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
    ax.legend(loc="upper right", fontsize=8.5, framealpha=0.95)
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
}
STATE_LABELS = {"at_site": "at sites", "on_road": "on the road", "at_port": "at the port", "shipped": "shipped",
                "destroyed": "destroyed", "hidden": "hidden"}


def _ledger_table(events: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Tonnes by state after every ledger move of the representative replication (first row: day 0)."""
    from sim.core.contract import STATES

    declared = {site.id: site.declared for site in scenario.sites}
    totals = dict.fromkeys(STATES, 0.0)
    for lot in scenario.lots:
        totals["at_site" if declared[lot.site] else "hidden"] += lot.tonnes
    rows = [{"day": 0.0, **totals}]
    moves = events[events["event"] == "ledger"]
    for day, entity, tonnes in zip(moves["day"], moves["entity"], moves["tonnes"]):
        source, target = entity.split("->")
        totals[source] -= tonnes
        totals[target] += tonnes
        rows.append({"day": float(day), **totals})
    return pd.DataFrame(rows)


def plot_ledger(events: pd.DataFrame, scenario: Scenario, ax: Axes | None = None) -> Axes:
    """Tonnes by ledger state over time in the representative (median) replication, stacked."""
    from sim.core.contract import STATES

    ax = axes_for(ax)
    table = _ledger_table(events, scenario)
    end = min(float(scenario.horizon_days), table["day"].max() + 60)
    table = pd.concat([table, table.iloc[[-1]].assign(day=end)], ignore_index=True)
    x = to_dates(scenario, table["day"])
    states = [s for s in STATES if table[s].max() > TOLERANCE_T]
    ax.stackplot(x, [table[s].clip(lower=0) for s in states], step="post",
                 colors=[STATE_COLOURS[s] for s in states], labels=[STATE_LABELS[s] for s in states], alpha=0.9)
    mark_deadlines(ax, scenario, {"removal_complete", "destruction_complete"})
    replication = int(events["replication"].iloc[0]) if len(events) else 0
    ax.set_ylabel("Tonnes")
    ax.set_xlabel("Date")
    ax.set_title(f"{scenario.name}: where the stockpile is, replication {replication} (the median by destruction "
                 "date)", loc="left")
    ax.set_ylim(0, scenario.initial_tonnes * 1.02)
    date_axis(ax)
    ax.legend(loc="center right", fontsize=8.5, framealpha=0.95, title="Tonnes that are", title_fontsize=8.5)
    return ax


def plot_deadlines(summary: dict[str, Any], ax: Axes | None = None) -> Axes:
    """P(met) for every deadline with its Wilson 95% interval."""
    deadlines = summary["deadlines"]
    ax = axes_for(ax, (12.0, max(5.0, 0.55 * len(deadlines) + 1.5)))
    names = list(deadlines)
    for row, name in enumerate(reversed(names)):
        entry = deadlines[name]
        lo, hi = entry["ci95"]
        p = entry["p_met"]
        ax.barh(row, p, color=PALETTE["sky"], height=0.6)
        ax.plot([lo, hi], [row, row], color=PALETTE["black"], linewidth=1.5)
        ax.plot([lo, lo], [row - 0.15, row + 0.15], color=PALETTE["black"], linewidth=1.5)
        ax.plot([hi, hi], [row - 0.15, row + 0.15], color=PALETTE["black"], linewidth=1.5)
        ax.annotate(f"{p:.0%}", xy=(hi, row), xytext=(6, 0), textcoords="offset points", va="center", fontsize=9)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels([f"{deadlines[n]['date']}  {n.replace('_', ' ')}" for n in reversed(names)], fontsize=9)
    ax.set_xlim(0, 1.1)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("Probability that the deadline is met (bar), with its 95% Wilson interval (line)")
    ax.set_title(f"{summary['scenario']}: will the deadlines be met? ({summary['replications']} replications)",
                 loc="left")
    ax.grid(True, axis="x", color="#dddddd")
    ax.set_axisbelow(True)
    return ax


_CLOSURE_NOTE = re.compile(r"([0-9.]+) days")


def plot_sites(events: pd.DataFrame, scenario: Scenario, ax: Axes | None = None) -> Axes:
    """Each site's status over time in the representative replication: awaiting inspection, inspected and
    holding chemicals, emptied; security closures of its region hatched; dispersal moves marked."""
    sites = scenario.sites
    ax = axes_for(ax, (12.0, max(6.0, 0.32 * len(sites) + 2)))
    lots = {lot.id: lot for lot in scenario.lots}
    holding = {site.id: 0.0 for site in sites}
    for lot in scenario.lots:
        if next(s for s in sites if s.id == lot.site).declared:
            holding[lot.site] += lot.tonnes
    emptied_day: dict[str, float] = {}
    held_any = {sid for sid, t in holding.items() if t > 0}
    for day, entity, lot_id, tonnes in zip(events["day"], events["entity"], events["lot"], events["tonnes"]):
        if not isinstance(entity, str) or "->" not in entity:
            continue
        source, target = entity.split("->")
        site = lots[lot_id].site
        if source == "at_site":
            holding[site] -= tonnes
            if holding[site] <= 1e-6 and site in held_any:
                emptied_day.setdefault(site, float(day))
        if target == "at_site":
            holding[site] += tonnes
            held_any.add(site)
            emptied_day.pop(site, None)
    inspected = {site: float(day) for day, event, site in zip(events["day"], events["event"], events["site"])
                 if event == "site_inspected"}
    # the sites' story ends when the last site is inspected or emptied; closures go on to the horizon
    story = [*inspected.values(), *emptied_day.values()]
    end = min(float(scenario.horizon_days), (max(story) if story else 0.0) + 90.0)
    colours = {"awaiting": "#d9d9d9", "holding": PALETTE["orange"], "no chemicals": PALETTE["sky"],
               "emptied": PALETTE["green"], "undeclared": "#555555"}
    for row, site in enumerate(reversed(sites)):
        start_insp = inspected.get(site.id)
        if not site.declared and start_insp is None:
            ax.barh(row, end, left=0, color=colours["undeclared"], height=0.7)
            continue
        first = start_insp if start_insp is not None else end
        ax.barh(row, first, left=0, color=colours["awaiting"], height=0.7)
        if start_insp is not None:
            done = emptied_day.get(site.id, end if site.id in held_any else None)
            if site.id in held_any:
                ax.barh(row, done - first, left=first, color=colours["holding"], height=0.7)
                if site.id in emptied_day:
                    ax.barh(row, end - done, left=done, color=colours["emptied"], height=0.7)
            else:
                ax.barh(row, end - first, left=first, color=colours["no chemicals"], height=0.7)
        regions = {site.region, *site.road_regions}
        for day, ev, entity, note in zip(events["day"], events["event"], events["entity"], events["note"]):
            if ev == "closure" and entity in regions:
                m = _CLOSURE_NOTE.match(str(note))
                length = float(m.group(1)) if m else 1.0
                ax.barh(row, length, left=float(day), color="none", edgecolor=PALETTE["vermillion"], hatch="////",
                        height=0.7, linewidth=0.8)
        moves = events[(events["event"] == "dispersal_move") & (events["site"] == site.id)]
        if len(moves):
            ax.plot(moves["day"], [row] * len(moves), "v", color=PALETTE["purple"], markersize=6)
    from matplotlib.patches import Patch
    from matplotlib.lines import Line2D

    handles = [Patch(color=colours["awaiting"], label="declared, not yet inspected"),
               Patch(color=colours["holding"], label="inspected, holding chemicals"),
               Patch(color=colours["emptied"], label="emptied"),
               Patch(color=colours["no chemicals"], label="inspected, no chemicals"),
               Patch(facecolor="none", edgecolor=PALETTE["vermillion"], hatch="////",
                     label="closed (site or road region)")]
    if (events["event"] == "dispersal_move").any():
        handles.append(Line2D([], [], marker="v", color=PALETTE["purple"], linestyle="", label="dispersal move"))
    if any(not s.declared for s in sites):
        handles.append(Patch(color=colours["undeclared"], label="undeclared"))
    ax.set_yticks(range(len(sites)))
    ax.set_yticklabels([f"{s.id} ({s.kind.replace('_', '/')}, {s.region})" for s in reversed(sites)], fontsize=8)
    ax.set_xlim(0, end)
    ticks = ax.get_xticks()
    ax.set_xticks(ticks[(ticks >= 0) & (ticks <= end)])
    ax.set_xticklabels([scenario.date_of(t).strftime("%b %Y") for t in ax.get_xticks()], fontsize=8.5)
    ax.set_xlabel("Date")
    replication = int(events["replication"].iloc[0]) if len(events) else 0
    ax.set_title(f"{scenario.name}: status of every site, replication {replication} (the median)", loc="left")
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=4, fontsize=8.5,
              framealpha=0.95)
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
    for row, (phase, column) in enumerate(zip(reversed(PHASES), reversed(PHASE_COLUMNS))):
        values = finished[column].dropna().to_numpy(dtype=float)
        if len(values) == 0:
            continue
        p10, p50, p90 = np.percentile(values, [10, 50, 90])
        share = float(np.mean(runs["critical_activity"] == phase))
        ax.barh(row, p50, color=PALETTE["blue"] if share > 0 else PALETTE["sky"], height=0.6,
                label="median duration" if row == 0 else None)
        ax.plot([p10, p90], [row, row], color=PALETTE["black"], linewidth=1.5,
                label="10th-90th percentile" if row == 0 else None)
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
    """ECDF of the day dispersal is first detected, over all replications (so it levels off at P(detected))."""
    ax = axes_for(ax)
    n = len(runs)
    days = np.sort(runs["detection_day"].dropna().to_numpy(dtype=float))
    if len(days):
        ax.step(to_dates(scenario, np.concatenate([[0.0], days])), np.arange(0, len(days) + 1) / n, where="post",
                color=PALETTE["purple"], linewidth=2, label=f"detected by the date (all: {len(days) / n:.0%})")
    mark_deadlines(ax, scenario, {"declaration_submitted", "initial_inspections_complete"})
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylabel("Share of replications in which dispersal is detected (%)")
    ax.set_xlabel("Date of first detection")
    ax.set_title(f"{scenario.name}: when is the secret unit's dispersal detected?", loc="left")
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
        "delay_drivers.png": lambda: plot_delay_drivers(runs),
    }
    if scenario.dispersal.enabled or runs["hidden_tonnes"].max() > 0:
        charts["hidden.png"] = lambda: plot_hidden(runs)
        charts["detection.png"] = lambda: plot_detection(runs, scenario)
    for name, draw in charts.items():
        save_figure(draw(), Path(folder) / name)
    return list(charts)


__all__ = ["plot_progress", "plot_milestones", "plot_completion", "plot_ledger", "plot_deadlines", "plot_sites",
           "plot_delay_drivers", "plot_hidden", "plot_detection", "save_run_charts",
           "shown_figures"]  # re-exported for Results.plot_*, whose one delegate import is this module
