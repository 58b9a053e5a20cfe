"""How results show themselves in a notebook or a console: a short ``repr`` and a small HTML summary.

A notebook user who types ``results`` wants to know what ran and the headline numbers, not
``<sim.results.Results at 0x...>`` or a dataclass dump of every table.  The HTML is a few small tables (inline
styles only, escaped text, no script), the same numbers as summary.json.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from sim.core.contract import MILESTONE_LABELS


@dataclass
class Table:
    """One small table of an HTML summary: a caption, column headings and rows of already formatted text."""

    caption: str
    columns: Sequence[str]
    rows: list[Sequence[str]] = field(default_factory=list)


def number(value: Any, digits: int = 1, unit: str = "") -> str:
    """A number for a reader: ``--`` for a missing one, thousands separated, the unit after it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "--"
    text = f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"
    return f"{text} {unit}".strip()


def percent(p: Any) -> str:
    return "--" if p is None else f"{100 * float(p):.0f}%"


def interval(ci: Sequence[Any] | None) -> str:
    """A 95% interval of a probability in percent."""
    if not ci or ci[0] is None:
        return "--"
    return f"{100 * float(ci[0]):.0f}-{100 * float(ci[1]):.0f}%"


def html_summary(title: str, lines: Iterable[str], tables: Iterable[Table]) -> str:
    """A titled block of text lines and tables, for ``_repr_html_``."""
    cell = "padding:2px 10px;text-align:left;border-bottom:1px solid #ddd"
    parts = ['<div style="font-family:sans-serif;font-size:13px">', f"<strong>{html.escape(title)}</strong>"]
    parts += [f"<div>{html.escape(line)}</div>" for line in lines]
    for table in tables:
        parts.append('<table style="border-collapse:collapse;margin:6px 0">')
        parts.append(f'<caption style="text-align:left;font-weight:bold">{html.escape(table.caption)}</caption>')
        parts.append("<tr>" + "".join(f'<th style="{cell}">{html.escape(c)}</th>' for c in table.columns) + "</tr>")
        for row in table.rows:
            parts.append("<tr>" + "".join(f'<td style="{cell}">{html.escape(str(v))}</td>' for v in row) + "</tr>")
        parts.append("</table>")
    parts.append("</div>")
    return "\n".join(parts)


def milestone_table(summary: dict[str, Any]) -> Table:
    """Milestone dates (p10, median, p90) and how often each is reached, from summary.json's contents."""
    rows = []
    for milestone, entry in summary["milestones"].items():
        rows.append([MILESTONE_LABELS.get(milestone, milestone), entry.get("p10_date") or "not reached",
                     entry.get("p50_date") or "not reached", entry.get("p90_date") or "not reached",
                     percent(entry["reached_fraction"])])
    return Table("Milestones (calendar dates)", ["milestone", "p10", "median", "p90", "reached"], rows)


def deadline_table(summary: dict[str, Any]) -> Table:
    """Each deadline: its date, the chance of meeting it with its 95% interval, and the median lateness."""
    rows = []
    for deadline_id, entry in summary["deadlines"].items():
        late = entry["days_late"].get("p50")
        rows.append([deadline_id.replace("_", " "), entry["date"], percent(entry["p_met"]), interval(entry["ci95"]),
                     "--" if late is None else f"{late:+.0f} days"])
    return Table("Deadlines", ["deadline", "date", "P(met)", "95% interval", "median lateness"], rows)


def run_headline(summary: dict[str, Any]) -> str:
    """One line: when destruction is complete (median date) and how many deadlines are met in most runs."""
    done = summary["milestones"].get("destruction_complete", {})
    when = done.get("p50_date") or "not within the horizon"
    deadlines = summary["deadlines"]
    likely = sum(1 for entry in deadlines.values() if entry["p_met"] >= 0.5)
    tail = f"; {likely} of {len(deadlines)} deadlines met in most runs" if deadlines else ""
    return f"destruction complete {when} (median){tail}"


__all__ = ["Table", "number", "percent", "interval", "html_summary", "milestone_table", "deadline_table",
           "run_headline"]
