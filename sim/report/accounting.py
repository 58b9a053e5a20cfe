"""The report's "Can we account for it?" section: the key figures of summary.json's ``verification`` (issues,
the declaration judged complete by the report dates, first detection by channel, what stays undeclared,
amendments) as sentences and small tables, and a one-sentence reading of each verification chart
(:mod:`sim.charts.verification`).  Built from summary.json and the daily bands alone."""

from __future__ import annotations

import html
from typing import Any, Callable

import pandas as pd

from sim.results.story import story_sentence
from sim.results.summary import percent_of_runs

VERIFICATION_CHARTS = ("issues.png", "detection.png", "two_books.png", "hidden.png")
"""The charts that make the section: a folder without them (written before the accounting outputs) gets the
older "Verification and hidden stock" paragraph."""
ACCOUNTING_CHARTS = (*VERIFICATION_CHARTS, "timeline.png")
"""The charts the section shows, in its order (the report's other charts follow under "Charts")."""


def _spread(entry: dict[str, Any], digits: int = 1, unit: str = "") -> str:
    """``median X (80% of runs within a-b)`` of a ``{p10, p50, p90}`` entry."""
    if entry.get("p50") is None:
        return "none"
    fmt = f"{{:,.{digits}f}}"
    u = f" {unit}" if unit else ""
    if entry["p10"] == entry["p90"]:
        return f"{fmt.format(entry['p50'])}{u} in at least 80% of runs"
    return (f"median {fmt.format(entry['p50'])}{u} (80% of runs within {fmt.format(entry['p10'])}-"
            f"{fmt.format(entry['p90'])}{u})")


def key_figures(v: dict[str, Any]) -> list[str]:
    """The section's opening sentences: issues, amendments, the judgement of completeness, what stays hidden."""
    issues, amendments = v["issues"], v["amendments"]
    out = [f"Issues raised with the declaration by the horizon: mean {issues['raised']['mean']:.1f} a run, "
           f"{_spread(issues['raised'], 0)}; amended {issues['amended']['mean']:.1f}, explained and accepted "
           f"{issues['explained']['mean']:.1f}, still open at the horizon {issues['open']['mean']:.1f} (means).",
           f"Amendments: mean {amendments['mean']:.1f} a run; at least one in "
           f"{percent_of_runs(amendments['p_at_least_one'])} of runs."]
    judged = v["p_judged_complete_by"]
    if judged and not any(e["p"] for e in judged):
        out.append(f"No run has the declaration judged complete by {judged[-1]['date']} (the judgement needs the "
                   "record reconciliation's quiet rounds with no issue open).")
    elif judged:
        out.append("The declaration is judged complete (the record reconciliation's quiet rounds, no issue open) "
                   + "; ".join(f"by {e['date']} in {percent_of_runs(e['p'])} of runs (95% interval "
                               f"{e['ci95'][0]:.0%}-{e['ci95'][1]:.0%})" for e in judged) + ".")
    horizon = v["undeclared_at_dates"]["horizon"]
    out.append(f"Still undeclared at the horizon ({horizon['date']}): hidden tonnes "
               f"{_spread(horizon['hidden_tonnes'], 1, 't')}; filled munitions hidden "
               f"{_spread(horizon['hidden_munitions'], 0)}; concealed facilities undeclared "
               f"{_spread(horizon['undeclared_facilities'], 0)}.")
    return out


def channel_rows(v: dict[str, Any]) -> list[list[str]]:
    """One row per channel that raised an issue in some run: label, share of runs with its 95% interval, median
    date of its first issue, share of runs in which it raised the first issue."""
    first = v["first_channel_share"]
    rows = []
    for channel, e in v["first_detection_by_channel"].items():
        if e["runs"]:
            rows.append([e["label"], percent_of_runs(e["p"]), f"{e['ci95'][0]:.0%}-{e['ci95'][1]:.0%}",
                         e["p50_date"] or "", percent_of_runs(first[channel])])
    return rows


def undeclared_rows(v: dict[str, Any]) -> list[list[str]]:
    """One row per report date: hidden tonnes p10/p50/p90 and the median of the undeclared facilities."""
    rows = []
    for e in v["undeclared_at_dates"]["dates"]:
        t, f = e["hidden_tonnes"], e["undeclared_facilities"]
        rows.append([e["date"], *(f"{t[p]:,.1f}" if t[p] is not None else "" for p in ("p10", "p50", "p90")),
                     f"{f['p50']:.0f}" if f["p50"] is not None else ""])
    return rows


def hidden_stock_sentences(v: dict[str, Any]) -> str:
    """The words of a report whose scenario hides nothing (or a folder without the accounting outputs)."""
    return (f"Dispersal by a secret unit is {'on' if v['dispersal_enabled'] else 'off'} in this scenario. "
            f"Tonnes hidden at the horizon: mean {v['hidden_tonnes']['mean']:.1f}, median "
            f"{v['hidden_tonnes']['p50']:.1f}, 90th percentile {v['hidden_tonnes']['p90']:.1f}. Dispersal "
            f"detected in {v['p_detected']:.0%} of runs (95% interval {v['p_detected_ci95'][0]:.0%}-"
            f"{v['p_detected_ci95'][1]:.0%}).")


def accounting_section(v: dict[str, Any], table: Callable[..., str], figures: list[str]) -> list[str]:
    """The section's HTML parts: its heading, the key figures, the channels' and the report dates' tables (made
    with the report's ``table``), and the charts' ``figures`` (already embedded, with their readings)."""
    parts = ["<h2 id='account'>Can we account for it?</h2>",
             "".join(f"<p>{html.escape(sentence)}</p>" for sentence in key_figures(v))]
    rows = channel_rows(v)
    if rows:
        parts.append(table(["channel", "raised an issue in", "95% interval", "median date of its first issue",
                            "raised the first issue in"], rows, numeric={1, 2, 3, 4}))
    rows = undeclared_rows(v)
    if rows:
        parts.append(table(["report date", "hidden t, 10th percentile", "median", "90th percentile",
                            "undeclared facilities, median"], rows, numeric={1, 2, 3, 4}))
    if not v["p_detected"]:
        parts.append("<p>No run raised an issue: there is no chart of detection.</p>")
    return parts + figures


def accounting_readings(summary: dict[str, Any], timeseries: pd.DataFrame, events: pd.DataFrame | None = None,
                        scenario: Any = None) -> dict[str, str]:
    """Chart file name -> one sentence for each chart of the section: the verification charts' when the scenario
    hides something (they replace the older hidden.png and detection.png), and timeline.png's (the median run's
    story, :func:`sim.results.story.story_sentence`) when ``events`` and ``scenario`` are given."""
    v = summary["verification"]
    out: dict[str, str] = {}
    if events is not None and scenario is not None and len(events):
        out["timeline.png"] = story_sentence(events, scenario)
    if not v.get("concealment"):
        return out
    issues = timeseries[timeseries["quantity"] == "open_issues"]
    if len(issues):
        peak = issues.loc[issues["p50"].idxmax()]
        last = issues.iloc[-1]
        out["issues.png"] = (f"The median run has most issues open ({peak['p50']:.0f}) on {peak['date']}; at the "
                             f"horizon {last['mean']:.1f} are open on average (median {last['p50']:.0f}).")
    first = {c: s for c, s in v["first_channel_share"].items() if c != "none"}
    top = max(first, key=lambda c: first[c]) if first else None
    if top is not None and first[top] > 0:
        out["detection.png"] = (f"The first issue is raised in {percent_of_runs(v['p_detected'])} of runs, by a "
                                f"median date of {v['detection_day']['p50_date'] or 'not reached'}; "
                                f"{v['first_detection_by_channel'][top]['label']} raises it first most often "
                                f"({percent_of_runs(first[top])} of runs).")
    declared = timeseries[timeseries["quantity"] == "declared_tonnes"]
    hidden = timeseries[timeseries["quantity"] == "hidden_tonnes"]
    if len(declared) and len(hidden):
        out["two_books.png"] = (f"At the horizon the declared book holds a median of {declared.iloc[-1]['p50']:,.0f} t "
                                f"and {hidden.iloc[-1]['p50']:,.0f} t stay hidden (medians over the runs).")
    shares = v["undeclared_at_dates"]["horizon"]["p_hidden_above_tonnes"]
    at_dates = "; ".join(f"{e['date']}: median {e['hidden_tonnes']['p50']:,.1f} t"
                         for e in v["undeclared_at_dates"]["dates"] if e["hidden_tonnes"]["p50"] is not None)
    out["hidden.png"] = ((f"Hidden tonnes at the report dates: {at_dates}. " if at_dates else "")
                         + f"At the horizon more than {', '.join(f'{t} t' for t in shares)} stay hidden in "
                         + ", ".join(percent_of_runs(p) for p in shares.values()) + " of runs.")
    return out


__all__ = ["ACCOUNTING_CHARTS", "VERIFICATION_CHARTS", "accounting_section", "hidden_stock_sentences", "key_figures", "channel_rows", "undeclared_rows", "accounting_readings"]
