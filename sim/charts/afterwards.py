"""The timeline of one replication's concealment story (timeline.png): hidden tonnes over the whole horizon, and
below them one lane per kind of event (issues raised by channel, amendments, uses of hidden agent and of dual-use
stocks, their investigation and attribution, reconstitution, the declaration judged complete, pressure raised),
with the declaration and destruction_complete marked.  Drawn from events.parquet (the median replication's
events) whenever the scenario hides something or has uses on (:func:`sim.results.story.has_story`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from sim.charts.style import DEADLINE_COLOUR, PALETTE, date_axis, new_figure, to_dates
from sim.charts.verification import CHANNEL_COLOURS, USE_COLOUR
from sim.results.story import (amendment_count, hidden_steps, is_raised_again, issue_channel, members_of,
                               uses_by_kind)
from sim.scenario.schema import Scenario

TIMELINE_FIGSIZE = (12.0, 8.0)
LANES = ("issues raised", "amendments", "uses", "investigated", "attributed", "reconstitution",
         "judged complete", "pressure raised")
"""The event lanes, top to bottom."""
USE_LANES = ("uses", "investigated", "attributed", "reconstitution")
"""The lanes left out when the scenario has uses off and the events hold none of them."""
USE_EVENTS = ("use", "use_investigated", "use_attributed", "reconstitution")
MILESTONES = {"declaration_submitted": "declaration", "destruction_complete": "destruction complete"}
"""The milestones marked as vertical lines, with their words."""
DUAL_COLOUR = PALETTE["orange"]


def _days(frame: pd.DataFrame, scenario: Scenario) -> Any:
    return to_dates(scenario, frame["day"].to_numpy(dtype=float))


def _lane(ax: Axes, scenario: Scenario, frame: pd.DataFrame, y: float, **style: Any) -> int:
    """Markers at the days of ``frame``'s events on lane ``y``; returns how many."""
    if len(frame):
        ax.plot(_days(frame, scenario), np.full(len(frame), y), linestyle="", **style)
    return len(frame)


def _draw_hidden(ax: Axes, events: pd.DataFrame, scenario: Scenario, end: float) -> None:
    steps = hidden_steps(events, scenario)
    steps = pd.concat([steps, steps.iloc[[-1]].assign(day=end)], ignore_index=True)
    x = _days(steps, scenario)
    ax.step(x, steps["hidden"], where="post", color=PALETTE["purple"], linewidth=2.2,
            label="hidden tonnes (withheld, moved, at undeclared sites, produced again)")
    if steps["used"].max() > 0:
        ax.step(x, steps["used"], where="post", color=USE_COLOUR, linewidth=1.5, linestyle="--",
                label="hidden agent used in attacks (cumulative tonnes)")
    top = float(max(steps["hidden"].max(), steps["used"].max()))
    ax.set_ylim(0, max(1.0, top) * 1.2)
    ax.set_ylabel("Tonnes")


def lanes_of(events: pd.DataFrame, scenario: Scenario) -> tuple[str, ...]:
    """The lanes drawn: all of them, but the uses' when the scenario has uses off and no use happened."""
    uses = getattr(scenario, "uses", None)
    if (uses is not None and uses.enabled) or events["event"].isin(USE_EVENTS).any():
        return LANES
    return tuple(lane for lane in LANES if lane not in USE_LANES)


def _draw_lanes(ax: Axes, events: pd.DataFrame, scenario: Scenario) -> list[str]:
    """The event lanes; returns the lanes' tick labels (with their counts)."""
    shown = lanes_of(events, scenario)
    y = {lane: len(shown) - 1 - k for k, lane in enumerate(shown)}
    y.update({lane: -10.0 for lane in LANES if lane not in shown})  # nothing is drawn there
    of = {name: events[events["event"] == name] for name in
          ("issue_raised", "amendment", "use_investigated", "use_attributed", "reconstitution",
           "declaration_judged_complete", "declaration_judgement_withdrawn", "pressure_raised")}
    raised = of["issue_raised"]
    again = raised["note"].map(is_raised_again).astype(bool)
    channels = raised["note"].map(issue_channel)
    for channel in sorted(set(channels)):
        colour = CHANNEL_COLOURS.get(channel, PALETTE["grey"])
        _lane(ax, scenario, raised[(channels == channel) & ~again], y["issues raised"], marker="o", color=colour,
              markersize=7)
        _lane(ax, scenario, raised[(channels == channel) & again], y["issues raised"], marker="o", markersize=4,
              markerfacecolor="none", markeredgecolor=colour)
    size = raised["note"].map(members_of).astype(int)  # a group's line counts its members
    counts = {"issues raised": f"{int(size[~again].sum())} + {int(size[again].sum())} again"}
    _lane(ax, scenario, of["amendment"], y["amendments"], marker="s", color=PALETTE["blue"], markersize=7)
    counts["amendments"] = str(amendment_count(of["amendment"]))  # a group's line counts its members
    agent, dual = uses_by_kind(events, scenario)
    n_agent = _lane(ax, scenario, agent, y["uses"], marker="X", color=USE_COLOUR, markersize=9,
                    markeredgecolor="white")
    n_dual = _lane(ax, scenario, dual, y["uses"], marker="^", color=DUAL_COLOUR, markersize=6, alpha=0.8)
    counts["uses"] = f"{n_agent} agent, {n_dual} dual-use"
    agent_ids = set(agent["entity"])
    for lane, frame in (("investigated", of["use_investigated"]), ("attributed", of["use_attributed"])):
        is_agent = frame["entity"].isin(agent_ids)
        _lane(ax, scenario, frame[is_agent], y[lane], marker="X", color=USE_COLOUR, markersize=8,
              markeredgecolor="white")
        _lane(ax, scenario, frame[~is_agent], y[lane], marker="^", color=DUAL_COLOUR, markersize=6, alpha=0.8)
        counts[lane] = str(len(frame))
    counts["reconstitution"] = str(_lane(ax, scenario, of["reconstitution"], y["reconstitution"], marker="P",
                                         color=PALETTE["purple"], markersize=8))
    counts["judged complete"] = str(_lane(ax, scenario, of["declaration_judged_complete"], y["judged complete"],
                                          marker="*", color=PALETTE["green"], markersize=11))
    _lane(ax, scenario, of["declaration_judgement_withdrawn"], y["judged complete"], marker="*",
          markerfacecolor="none", markeredgecolor=PALETTE["green"], markersize=11)
    counts["pressure raised"] = str(_lane(ax, scenario, of["pressure_raised"], y["pressure raised"], marker="^",
                                          color=PALETTE["black"], markersize=6))
    ax.set_yticks([y[lane] for lane in shown])
    labels = [f"{lane} ({counts[lane]})" for lane in shown]
    ax.set_yticklabels(labels, fontsize=8.5)
    ax.set_ylim(-0.6, len(shown) - 0.4)
    return labels


def _legend(ax: Axes, channels: list[str], top: Axes, uses: bool) -> None:
    """The upper axes' lines and the lanes' markers, below the lanes (inside, a legend hid the labels of the
    milestones)."""
    def mark(label: str, **style: Any) -> Line2D:
        return Line2D([], [], linestyle="", label=label, **style)

    handles = list(top.get_legend_handles_labels()[0])
    handles += [mark(f"issue raised by {c}", marker="o", color=CHANNEL_COLOURS.get(c, PALETTE["grey"]), markersize=7)
               for c in channels]
    handles += [mark("issue raised again (hollow)", marker="o", markersize=4, markerfacecolor="none",
                     markeredgecolor=PALETTE["grey"]),
                mark("amendment", marker="s", color=PALETTE["blue"], markersize=7)]
    if uses:
        handles += [mark("hidden stockpile agent (use, finding, attribution)", marker="X", color=USE_COLOUR,
                         markersize=9, markeredgecolor="white"),
                    mark("dual-use stock, e.g. chlorine", marker="^", color=DUAL_COLOUR, markersize=6),
                    mark("agent produced again", marker="P", color=PALETTE["purple"], markersize=8)]
    handles += [mark("declaration judged complete (hollow: withdrawn)", marker="*", color=PALETTE["green"],
                     markersize=11),
                mark("pressure raised", marker="^", color=PALETTE["black"], markersize=6)]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=8, frameon=False)


def _mark_milestones(axes: list[Axes], events: pd.DataFrame, scenario: Scenario) -> None:
    """A dashed line at each time the declaration was submitted or destruction completed, labelled on top."""
    reached = events[(events["event"] == "milestone") & events["entity"].isin(list(MILESTONES))]
    for day, entity in zip(reached["day"], reached["entity"]):
        x = to_dates(scenario, [float(day)])[0]
        for ax in axes:
            ax.axvline(x, color=DEADLINE_COLOUR, linestyle="--", linewidth=1.0, alpha=0.8)
        axes[0].annotate(f"{MILESTONES[entity]}\n{scenario.date_of(float(day)):%d %b %Y}", xy=(x, 0.97),
                         xycoords=("data", "axes fraction"), xytext=(4, 0), textcoords="offset points",
                         fontsize=8, color=DEADLINE_COLOUR, va="top", ha="left",
                         bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 0.8})


def plot_timeline(events: pd.DataFrame, scenario: Scenario, ax: Axes | None = None) -> Axes:
    """One replication's concealment story over the whole horizon: hidden tonnes (and hidden agent used) as steps
    on ``ax`` (or a new figure's upper axes), and the events in lanes below on an axes sharing its dates; returns
    the upper axes (the lanes' axes is ``ax.figure.axes[1]`` when the figure is new)."""
    if ax is None:
        fig = new_figure(TIMELINE_FIGSIZE)
        ax, lanes = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1.0, 1.35]})
    else:
        lanes = ax.inset_axes((0.0, -1.45, 1.0, 1.25), sharex=ax)
    end = float(scenario.horizon_days)
    _draw_hidden(ax, events, scenario, end)
    _draw_lanes(lanes, events, scenario)
    raised = events[events["event"] == "issue_raised"]
    _legend(lanes, sorted(set(raised["note"].map(issue_channel))), ax, "uses" in lanes_of(events, scenario))
    _mark_milestones([ax, lanes], events, scenario)
    ax.set_xlim(to_dates(scenario, [0.0])[0], to_dates(scenario, [end])[0])
    for axes in (ax, lanes):
        date_axis(axes)
    lanes.grid(True, axis="y", color="#eeeeee")
    lanes.set_xlabel("Date")
    replication = int(events["replication"].iloc[0]) if "replication" in events and len(events) else 0
    ax.set_title(f"{scenario.name}: the concealment story of replication {replication} (the median run by "
                 "destruction date)\nabove: tonnes hidden from the declaration; below: what happened, one lane a "
                 "kind of event (in brackets: how many)", loc="left", fontsize=10)
    return ax


def timeline_charts(events: pd.DataFrame, scenario: Scenario) -> dict[str, Any]:
    """timeline.png for :func:`sim.charts.run.save_run_charts`, when the scenario hides something or has uses."""
    from sim.results.story import has_story

    return {"timeline.png": lambda: plot_timeline(events, scenario)} if has_story(scenario) else {}


__all__ = ["plot_timeline", "timeline_charts", "lanes_of", "LANES", "USE_LANES"]
