"""Charts: data in, Axes out.  Matplotlib is imported only here, never by the model.

Every function takes tidy tables (the run folder's DataFrames) and the scenario, draws on the Axes it is
given (or a new figure's), and returns the Axes.  One style: the Okabe-Ito colour-blind-safe palette,
calendar dates on time axes, units in labels, deadlines drawn and labelled.  Figures are built with the
object-oriented API (no pyplot), so nothing depends on a display.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg", force=False)

import re  # noqa: E402

import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.milestones import MILESTONE_IDS, MILESTONE_LABELS  # noqa: E402
from sim.scenario import Scenario  # noqa: E402

if TYPE_CHECKING:  # pragma: no cover
    from sim.results import Results

# Okabe & Ito (2008), "Color Universal Design".
PALETTE = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000", "grey": "#7F7F7F",
}
FIGSIZE = (12.0, 6.0)
DPI = 110
DEADLINE_COLOUR = PALETTE["vermillion"]


def _axes(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    if ax is not None:
        return ax
    fig = Figure(figsize=figsize, dpi=DPI, layout="constrained")
    return fig.add_subplot()


def _to_dates(scenario: Scenario, days: Any) -> Any:
    start = np.datetime64(scenario.start_date.isoformat())
    return start + (np.asarray(days, dtype=float) * 86_400).astype("timedelta64[s]")


def _date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=5, maxticks=12)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(True, axis="both", color="#dddddd", linewidth=0.7)
    ax.set_axisbelow(True)


def _mark_deadlines(ax: Axes, scenario: Scenario, milestones: set[str] | None = None) -> None:
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


def _visible_end_day(frame: pd.DataFrame, scenario: Scenario, quantity: str = "destroyed_fraction") -> float:
    """Last day worth showing: when the slow band (p10) of ``quantity`` reaches 1, plus two months."""
    series = frame[frame["quantity"] == quantity]
    done = series[series["p10"] >= 0.999]
    end = float(done["day"].iloc[0]) + 60 if len(done) else float(scenario.horizon_days)
    return min(end, float(scenario.horizon_days))


def plot_progress(timeseries: pd.DataFrame, scenario: Scenario, ax: Axes | None = None) -> Axes:
    """Removed and destroyed fractions over time: p10-p90 bands, medians, every deadline marked."""
    ax = _axes(ax)
    end = _visible_end_day(timeseries, scenario)
    styles = {"removed_fraction": ("Removed from the country", PALETTE["blue"]),
              "destroyed_fraction": ("Destroyed", PALETTE["green"])}
    for quantity, (label, colour) in styles.items():
        q = timeseries[(timeseries["quantity"] == quantity) & (timeseries["day"] <= end)]
        x = _to_dates(scenario, q["day"])
        ax.fill_between(x, q["p10"], q["p90"], color=colour, alpha=0.25, linewidth=0,
                        label=f"{label}: 10th-90th percentile")
        ax.plot(x, q["p50"], color=colour, linewidth=2.0, label=f"{label}: median")
    _mark_deadlines(ax, scenario)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylabel("Share of declared tonnes (%)")
    ax.set_xlabel("Date")
    ax.set_title(f"{scenario.name}: removal and destruction of declared chemicals\n"
                 "removed: share of declared tonnes on a removal route (sea or commercial) shipped out;  "
                 "destroyed: share of all declared tonnes", loc="left", fontsize=10)
    _date_axis(ax)
    ax.legend(loc="center right", fontsize=8.5, framealpha=0.95)
    return ax


def plot_milestones(runs: pd.DataFrame, scenario: Scenario, ax: Axes | None = None) -> Axes:
    """Each milestone's 10th-90th percentile span and median, against its deadline (a Gantt-like chart)."""
    from sim.results import met_by, percentile_or_none

    ax = _axes(ax, (12.0, 7.0))
    milestones = [m for m in MILESTONE_IDS if runs[f"{m}_day"].notna().any()]
    deadlines = {d.milestone: d for d in scenario.deadlines}
    for row, milestone in enumerate(reversed(milestones)):
        values = runs[f"{milestone}_day"].to_numpy(dtype=float, na_value=np.nan)
        reached = float(np.mean(~np.isnan(values)))
        p10, p50, p90 = (percentile_or_none(values, q) for q in (10, 50, 90))
        finite_max = float(np.nanmax(values))
        lo = p10 if p10 is not None else finite_max
        hi = p90 if p90 is not None else float(scenario.horizon_days)
        ax.plot(_to_dates(scenario, [lo, hi]), [row, row], color=PALETTE["blue"], linewidth=7, alpha=0.35,
                solid_capstyle="butt", label="10th-90th percentile" if row == 0 else None)
        if p50 is not None:
            ax.plot(_to_dates(scenario, [p50]), [row], "o", color=PALETTE["blue"], markersize=7,
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
            ax.annotate(note.strip(), xy=(_to_dates(scenario, [hi])[0], row), xytext=(6, 0),
                        textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(range(len(milestones)))
    ax.set_yticklabels([MILESTONE_LABELS[m] for m in reversed(milestones)], fontsize=9)
    ax.set_xlabel("Date")
    ax.set_title(f"{scenario.name}: when each milestone is reached ({len(runs)} replications)", loc="left")
    _date_axis(ax)
    ax.margins(x=0.15)
    ax.legend(loc="upper right", fontsize=8.5, framealpha=0.95)
    return ax


def plot_completion(runs: pd.DataFrame, scenario: Scenario, ax: Axes | None = None) -> Axes:
    """ECDFs of removal_complete and destruction_complete with P(met by deadline) annotated."""
    from sim.results import met_by

    ax = _axes(ax)
    n = len(runs)
    deadlines = {d.milestone: d for d in scenario.deadlines}
    for milestone, colour in (("removal_complete", PALETTE["blue"]), ("destruction_complete", PALETTE["green"])):
        values = np.sort(runs[f"{milestone}_day"].dropna().to_numpy(dtype=float))
        if len(values) == 0:
            continue
        y = np.arange(1, len(values) + 1) / n
        ax.step(_to_dates(scenario, values), y, where="post", color=colour, linewidth=2,
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
    _date_axis(ax)
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
    from sim.model.ledger import STATES

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
    from sim.model.ledger import STATES

    ax = _axes(ax)
    table = _ledger_table(events, scenario)
    end = min(float(scenario.horizon_days), table["day"].max() + 60)
    table = pd.concat([table, table.iloc[[-1]].assign(day=end)], ignore_index=True)
    x = _to_dates(scenario, table["day"])
    states = [s for s in STATES if table[s].max() > 1e-9]
    ax.stackplot(x, [table[s].clip(lower=0) for s in states], step="post",
                 colors=[STATE_COLOURS[s] for s in states], labels=[STATE_LABELS[s] for s in states], alpha=0.9)
    _mark_deadlines(ax, scenario, {"removal_complete", "destruction_complete"})
    replication = int(events["replication"].iloc[0]) if len(events) else 0
    ax.set_ylabel("Tonnes")
    ax.set_xlabel("Date")
    ax.set_title(f"{scenario.name}: where the stockpile is, replication {replication} (the median by destruction "
                 "date)", loc="left")
    ax.set_ylim(0, scenario.initial_tonnes * 1.02)
    _date_axis(ax)
    ax.legend(loc="center right", fontsize=8.5, framealpha=0.95, title="Tonnes that are", title_fontsize=8.5)
    return ax


def plot_deadlines(summary: dict[str, Any], ax: Axes | None = None) -> Axes:
    """P(met) for every deadline with its Wilson 95% interval."""
    deadlines = summary["deadlines"]
    ax = _axes(ax, (12.0, max(5.0, 0.55 * len(deadlines) + 1.5)))
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
    ax = _axes(ax, (12.0, max(6.0, 0.32 * len(sites) + 2)))
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
    from sim.model.critical import NOT_FINISHED, PHASE_COLUMNS, PHASES

    ax = _axes(ax)
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
    ax = _axes(ax)
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
    ax = _axes(ax)
    n = len(runs)
    days = np.sort(runs["detection_day"].dropna().to_numpy(dtype=float))
    if len(days):
        ax.step(_to_dates(scenario, np.concatenate([[0.0], days])), np.arange(0, len(days) + 1) / n, where="post",
                color=PALETTE["purple"], linewidth=2, label=f"detected by the date (all: {len(days) / n:.0%})")
    _mark_deadlines(ax, scenario, {"declaration_submitted", "initial_inspections_complete"})
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylabel("Share of replications in which dispersal is detected (%)")
    ax.set_xlabel("Date of first detection")
    ax.set_title(f"{scenario.name}: when is the secret unit's dispersal detected?", loc="left")
    _date_axis(ax)
    ax.legend(loc="lower right", fontsize=9)
    return ax


SCENARIO_COLOURS = [PALETTE[c] for c in ("black", "blue", "orange", "green", "vermillion", "purple", "sky", "yellow")]


def plot_compare_bands(timeseries: dict[str, pd.DataFrame], scenario: Scenario, quantity: str,
                       ax: Axes | None = None) -> Axes:
    """One quantity's p10-p90 band and median for several scenarios on one calendar axis."""
    ax = _axes(ax)
    end = max(_visible_end_day(ts, scenario, quantity) for ts in timeseries.values())
    for k, (name, ts) in enumerate(timeseries.items()):
        colour = SCENARIO_COLOURS[k % len(SCENARIO_COLOURS)]
        q = ts[(ts["quantity"] == quantity) & (ts["day"] <= end)]
        x = _to_dates(scenario, q["day"])
        ax.fill_between(x, q["p10"], q["p90"], color=colour, alpha=0.15, linewidth=0)
        ax.plot(x, q["p50"], color=colour, linewidth=2, label=f"{name}: median (band: 10th-90th percentile)")
    _mark_deadlines(ax, scenario, {"removal_complete", "priority_removal_complete"} if quantity == "removed_fraction"
                    else {"destruction_complete", "priority_destruction_complete"})
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    what = "removed from the country" if quantity == "removed_fraction" else "destroyed"
    ax.set_ylabel(f"Share of declared tonnes {what} (%)")
    ax.set_xlabel("Date")
    ax.set_title(f"Share of declared chemicals {what}: scenarios compared with the same seeds", loc="left")
    _date_axis(ax)
    ax.legend(loc="lower right", fontsize=8.5, framealpha=0.95)
    return ax


def plot_compare_differences(differences: dict[str, dict[str, dict[str, Any]]], baseline: str,
                             ax: Axes | None = None) -> Axes:
    """Forest plot: paired mean difference in milestone days (scenario - baseline) with 95% intervals."""
    milestones = [m for m in MILESTONE_IDS if any(
        d.get(f"{m}_day", {}).get("mean_diff") not in (None, 0.0) for d in differences.values())]
    ax = _axes(ax, (12.0, max(5.0, 0.45 * len(milestones) * max(1, len(differences)) + 1.5)))
    names = list(differences)
    height = 0.8 / max(1, len(names))
    for k, name in enumerate(names):
        colour = SCENARIO_COLOURS[(k + 1) % len(SCENARIO_COLOURS)]
        for row, milestone in enumerate(reversed(milestones)):
            entry = differences[name][f"{milestone}_day"]
            if entry["mean_diff"] is None:
                continue
            y = row + (k - (len(names) - 1) / 2) * height
            lo, hi = entry["ci95"]
            if lo is not None:
                ax.plot([lo, hi], [y, y], color=colour, linewidth=2)
            ax.plot([entry["mean_diff"]], [y], "o", color=colour, markersize=5,
                    label=name if row == 0 else None)
            if entry.get("censored_pairs"):
                ax.annotate(f"{entry['censored_pairs']} censored", xy=(entry["mean_diff"], y), xytext=(6, 3),
                            textcoords="offset points", fontsize=7, color=colour)
    ax.axvline(0, color=PALETTE["grey"], linewidth=1)
    ax.set_yticks(range(len(milestones)))
    ax.set_yticklabels([MILESTONE_LABELS[m] for m in reversed(milestones)], fontsize=9)
    ax.set_xlabel(f"Paired difference in milestone day, scenario minus {baseline} (days; later is positive)")
    ax.set_title(f"Milestone delays against {baseline}: mean and 95% interval of paired differences", loc="left")
    ax.grid(True, axis="x", color="#dddddd")
    ax.legend(loc="lower right", fontsize=8.5, framealpha=0.95)
    return ax


def save_comparison_charts(comparison: Any, folder: Path) -> list[str]:
    """The comparison charts of ``disarm compare``; returns the file names."""
    timeseries = {name: r.timeseries for name, r in zip(comparison.names, comparison.results)}
    scenario = comparison.results[0].scenario
    charts = {
        "compare_removed.png": lambda: plot_compare_bands(timeseries, scenario, "removed_fraction"),
        "compare_destroyed.png": lambda: plot_compare_bands(timeseries, scenario, "destroyed_fraction"),
        "compare_differences.png": lambda: plot_compare_differences(comparison.differences(), comparison.baseline),
    }
    for name, draw in charts.items():
        save_figure(draw(), Path(folder) / name)
    return list(charts)


def save_figure(ax: Axes, path: Path) -> None:
    from sim.output import write_atomic

    write_atomic(Path(path), lambda tmp: ax.figure.savefig(tmp, format="png", dpi=DPI))


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


# ------------------------------------------------------------------------------------------------------
# Backtest charts (`disarm backtest`, sim/backtest.py): simulated bands against the observed record.
# ``observations`` is the backtest's table (sim.backtest.Backtest.table()): one row per observation.
# ------------------------------------------------------------------------------------------------------

BACKTEST_COLOURS = {"removed_fraction": PALETTE["blue"], "destroyed_fraction": PALETTE["green"]}
_BACKTEST_WHAT = {"removed_fraction": "Removed: share of the declared tonnes on a removal route (sea or commercial) "
                                        "shipped out",
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
    ax = _axes(ax)
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
    x = _to_dates(scenario, band["day"])
    ax.fill_between(x, band["p10"], band["p90"], color=colour, alpha=0.25, linewidth=0,
                    label="simulated 10th-90th percentile (80% band)")
    ax.plot(x, band["p50"], color=colour, linewidth=2, label="simulated median")
    _mark_deadlines(ax, scenario, _BACKTEST_DEADLINES[quantity])  # first, so that the points' labels stay on top
    inside = points["inside"].astype(bool).to_numpy()
    px = _to_dates(scenario, _observed_days(scenario, points["date"]))
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
        cx = _to_dates(scenario, _observed_days(scenario, context["date"]))
        ax.plot(cx, context["observed"].astype(float), "D", markerfacecolor="none", markeredgecolor=PALETTE["grey"],
                markersize=7, linestyle="",
                label="observed removed or destroyed in country (not simulated, not scored)")
    ax.set_xlim(_to_dates(scenario, [lo, hi]))
    ax.set_ylim(0, 1.04)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylabel("Share of declared tonnes (%)")
    ax.set_xlabel("Date (a point is the share at the end of its day)")
    n_in = int(inside.sum())
    over = f", {replications} replications" if replications else ""
    ax.set_title(f"{_BACKTEST_WHAT[quantity]} ({scenario.name}{over})\n"
                 f"{n_in} of {len(points)} observations inside the simulated 80% band (10th-90th percentile)",
                 loc="left", fontsize=10)
    _date_axis(ax)
    # Both curves rise from the lower left to the upper right, so the lower right (late dates, low shares) is
    # empty whatever the scenario: a forecast that finishes early fills the upper left.
    ax.legend(loc="lower right", fontsize=8, framealpha=0.95)
    return ax


def plot_backtest_milestones(observations: pd.DataFrame, scenario: Scenario, ax: Axes | None = None,
                             replications: int | None = None) -> Axes:
    """Each observed milestone: the simulated 10th-90th percentile span and median against the observed date."""
    rows = observations[(observations["kind"] == "milestone") & observations["scored"].astype(bool)]
    rows = list(rows.sort_values("date", kind="stable").iterrows())[::-1]  # the earliest at the top
    ax = _axes(ax, (12.0, max(5.0, 0.5 * len(rows) + 2.0)))
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
        ax.plot(_to_dates(scenario, [lo, hi]), [y, y], color=PALETTE["blue"], linewidth=8, alpha=0.35,
                solid_capstyle="butt", label=once("simulated 10th-90th percentile (80% band)"))
        if r["p50"] is not None and not pd.isna(r["p50"]):
            ax.plot(_to_dates(scenario, [r["p50"]]), [y], "o", color=PALETTE["blue"], markersize=6,
                    label=once("simulated median"))
        if r["inside"]:
            ax.plot(_to_dates(scenario, [observed]), [y], "D", color=PALETTE["black"], markersize=6,
                    label=once("observed date, inside the band"))
        else:
            ax.plot(_to_dates(scenario, [observed]), [y], "X", color=PALETTE["vermillion"], markeredgecolor="white",
                    markersize=11, label=once("observed date, outside the band"))
        error = int(r["error"])
        median = "on the observed date" if error == 0 else \
            f"{abs(error)} day{'s' if abs(error) != 1 else ''} {'later' if error > 0 else 'earlier'}"
        text = (f"observed {r['date']}; simulated median {median}"
                f"{' (censored at the horizon)' if r['censored'] else ''}; PIT {r['pit']:.2f}")
        end, start = max(hi, observed), min(lo, observed)
        if end < left + 0.55 * (right - left):  # room on the right of the marks
            ax.annotate(text, xy=(_to_dates(scenario, [end])[0], y), xytext=(9, 0), textcoords="offset points",
                        va="center", ha="left", fontsize=8)
        else:
            ax.annotate(text, xy=(_to_dates(scenario, [start])[0], y), xytext=(-9, 0), textcoords="offset points",
                        va="center", ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{r['label']} ({r['confidence']})" for _, r in rows], fontsize=9)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlim(_to_dates(scenario, [left - pad, right + pad]))
    ax.set_xlabel("Date (in brackets: the confidence of the observation)")
    n_in = sum(bool(r["inside"]) for _, r in rows)
    over = f" ({replications} replications)" if replications else ""
    ax.set_title(f"{scenario.name}: observed milestone dates against the simulated 80% bands{over}; "
                 f"{n_in} of {len(rows)} inside", loc="left", fontsize=10)
    _date_axis(ax)
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
    return ["backtest_progress.png", "backtest_milestones.png"]
