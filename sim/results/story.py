"""The concealment story of one replication, from its events (events.parquet): hidden tonnes over time, the uses
by kind, the issues raised by channel.  Read by the timeline chart (:mod:`sim.charts.afterwards`) and the
report's sentence about it (:mod:`sim.report.accounting`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.results.summary import has_concealment


def has_story(scenario: Any) -> bool:
    """Whether a run folder gets timeline.png: the scenario hides something or has uses on."""
    uses = getattr(scenario, "uses", None)
    return has_concealment(scenario) or bool(uses is not None and uses.enabled)


def hidden_steps(events: pd.DataFrame, scenario: Any) -> pd.DataFrame:
    """Hidden tonnes and tonnes of hidden agent used after every change (columns day, hidden, used; first row day
    0): the lots of undeclared sites are hidden from the start; the ledger's moves into and out of ``hidden`` (and
    into ``used``) and the tonnes of each reconstitution change them."""
    declared = {site.id: site.declared for site in scenario.sites}
    hidden = sum(lot.tonnes for lot in scenario.lots if not declared[lot.site])
    used = 0.0
    rows = [{"day": 0.0, "hidden": hidden, "used": used}]
    moves = events[events["event"].isin(("ledger", "reconstitution"))]
    for day, event, entity, tonnes in zip(moves["day"], moves["event"], moves["entity"], moves["tonnes"]):
        source, target = str(entity).split("->") if event == "ledger" else ("", "hidden")
        if "hidden" not in (source, target) and target != "used":
            continue
        hidden += float(tonnes) * ((target == "hidden") - (source == "hidden"))
        used += float(tonnes) * ((target == "used") - (source == "used"))
        rows.append({"day": float(day), "hidden": max(hidden, 0.0), "used": used})
    return pd.DataFrame(rows)


def dual_use_ids(scenario: Any) -> set[str]:
    """The ids of the scenario's dual-use stocks (a use's ``note`` names its stock, or the concealed item)."""
    uses = getattr(scenario, "uses", None)
    return {stock.id for stock in uses.dual_use} if uses is not None else set()


def uses_by_kind(events: pd.DataFrame, scenario: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``use`` events split into uses of hidden stockpile agent and of dual-use stocks."""
    uses = events[events["event"] == "use"]
    dual = uses["note"].isin(dual_use_ids(scenario))
    return uses[~dual], uses[dual]


def issue_channel(note: Any) -> str:
    """The channel that raised an issue, from its ``issue_raised`` note (``"records: round 1"`` -> ``records``)."""
    return str(note).split(":", 1)[0].strip() or "unknown"


def is_raised_again(note: Any) -> bool:
    """Whether an ``issue_raised`` note is of an issue raised again (not its first raising)."""
    return "raised again" in str(note)


def members_of(note: Any) -> int:
    """How many issues a line of the trace stands for: a group's line (a programme's ``copies``) ends with its
    number of members (``"3 members"``, ``"records: round 2 (3 members)"``); any other line is one."""
    last = str(note).rstrip(")").rsplit("(", 1)[-1].rsplit(": ", 1)[-1].rsplit("; ", 1)[-1]
    number, _, word = last.partition(" ")
    return int(number) if number.isdigit() and word in ("member", "members") else 1


def amendment_count(events: pd.DataFrame) -> int:
    """The amendments in ``events``: one a line, a group's line counting its members."""
    notes = events.loc[events["event"] == "amendment", "note"]
    return int(sum(members_of(note) for note in notes))


def story_sentence(events: pd.DataFrame, scenario: Any) -> str:
    """One sentence of the replication's story: hidden tonnes at the start and the end, uses, attributions,
    amendments."""
    steps = hidden_steps(events, scenario)
    agent, dual = uses_by_kind(events, scenario)
    attributed = events[events["event"] == "use_attributed"]
    amendments = amendment_count(events)
    replication = int(events["replication"].iloc[0]) if "replication" in events and len(events) else 0
    text = (f"In replication {replication} (the median run by destruction date) {steps['hidden'].iloc[0]:,.1f} t "
            f"are hidden at the start and {steps['hidden'].iloc[-1]:,.1f} t at the horizon; the declaration is "
            f"amended {amendments} time{'s' if amendments != 1 else ''}")
    if len(agent) or len(dual) or getattr(getattr(scenario, "uses", None), "enabled", False):
        first = attributed["date"].iloc[0] if len(attributed) else None
        text += (f"; {len(agent)} uses of hidden agent ({steps['used'].iloc[-1]:,.1f} t) and {len(dual)} of "
                 f"dual-use stocks, {len(attributed)} attributed"
                 + (f" (the first report on {first})" if first is not None else ""))
    return text + "."


__all__ = ["has_story", "hidden_steps", "dual_use_ids", "uses_by_kind", "issue_channel", "is_raised_again",
           "story_sentence"]
