"""The report's words: the bottom line at its top (when, how likely each deadline, what delays it most) and a
sentence for each deadline missed in most runs, saying by how much and what its last tonne waited for (the
critical paths of summary.json, :mod:`sim.model.trail`).  Built from summary.json alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.core.contract import MILESTONE_LABELS

if TYPE_CHECKING:  # pragma: no cover
    from sim.results.results import Results


def date_of(entry: dict[str, Any], p: str) -> str:
    """A milestone's percentile date from summary.json, or words for one not reached."""
    return entry.get(f"{p}_date") or "not reached by the horizon"


AT_RISK_NAMED = 3
"""The most deadlines the bottom line names (those least likely to be met); the table below lists them all."""


def _days(value: Any) -> str:
    days = abs(round(float(value)))
    return f"{days} day" + ("" if days == 1 else "s")


def path_causes(summary: dict[str, Any], milestone: str, top: int = 3) -> str:
    """``milestone``'s critical path in words: its ``top`` causes by mean days, with their shares."""
    entry = summary.get("critical_paths", {}).get(milestone)
    if not entry or not entry["runs"]:
        return ""
    causes = sorted(entry["causes"].values(), key=lambda c: -c["mean_days"])
    return ", ".join(f"{c['label']} {c['mean_days']:.0f} days ({c['share']:.0%})" for c in causes[:top]
                     if c["mean_days"] >= 0.5)


def what_delays(summary: dict[str, Any]) -> str:
    """The bottom line's third sentence: the causes on the path of the milestone whose deadline is missed most
    (or, with no deadline on a path milestone, of the end of destruction)."""
    paths = summary.get("critical_paths", {})
    missed = sorted(((d["p_met"], d["milestone"]) for d in summary["deadlines"].values()
                     if d["milestone"] in paths and paths[d["milestone"]]["runs"]), key=lambda pm: pm[0])
    milestone = missed[0][1] if missed else "destruction_complete"
    words = path_causes(summary, milestone)
    if not words:
        return "No critical path was recorded (the milestones were not reached)."
    return (f"What delays it most: the last tonne of '{MILESTONE_LABELS[milestone].lower()}' spends, on average, "
            f"{words}.")


def deadline_sentences(summary: dict[str, Any]) -> list[str]:
    """One sentence per deadline missed in most runs whose milestone has a recorded critical path: by how much,
    and what its last tonne waited for."""
    out = []
    for key, d in summary["deadlines"].items():
        late = d["days_late"].get("p50")
        words = path_causes(summary, d["milestone"])
        if d["p_met"] >= 0.5 or not words:
            continue
        by = ("in most runs" if late is None or late <= 0 else "by less than a day (median)" if late < 0.5
              else f"by a median {_days(late)}")
        out.append(f"{key.replace('_', ' ').capitalize()} ({d['date']}) is missed {by} (met in {d['p_met']:.0%} "
                   f"of runs): on the path of the last tonne, {words}.")
    return out


def bottom_line(results: "Results", summary: dict[str, Any]) -> list[str]:
    """Three sentences for the top of the report: when, how likely each deadline, what holds it up most."""
    m = summary["milestones"]
    done, removed = m["destruction_complete"], m["removal_complete"]
    if done["p50_date"]:
        late = f"and {done['p90_date']}" if done["p90_date"] else "and beyond the horizon"
        when = (f"Half of the runs destroy every declared chemical by {done['p50_date']} (80% of runs between "
                f"{date_of(done, 'p10')} {late})")
    else:
        when = (f"In most runs the declared chemicals are not all destroyed by the horizon "
                f"({results.scenario.date_of(results.scenario.horizon_days).isoformat()}; destroyed in "
                f"{done['reached_fraction']:.0%} of runs)")
    if removed["reached_fraction"] > 0 and removed["p50_date"]:
        when += f"; removal from the country is complete by {removed['p50_date']} in half of them."
    else:
        when += "."
    deadlines = summary["deadlines"]
    if deadlines:
        met = sum(1 for d in deadlines.values() if d["p_met"] >= 0.5)
        risky = sorted(((k, d) for k, d in deadlines.items() if d["p_met"] < 0.5), key=lambda kv: kv[1]["p_met"])
        named = []
        for key, d in risky[:AT_RISK_NAMED]:
            late = d["days_late"].get("p50")
            lateness = f", a median {_days(late)} late" if late is not None and late > 0 else ""
            named.append(f"{key.replace('_', ' ')} ({d['p_met']:.0%}{lateness})")
        likely = (f"{met} of the plan's {len(deadlines)} deadlines are met in most runs"
                  + (f"; the least likely: {'; '.join(named)}." if named else "."))
    else:
        likely = "The scenario sets no deadlines."
    delays = what_delays(summary)
    return [when, likely, delays]



__all__ = ["bottom_line", "deadline_sentences", "path_causes", "what_delays", "date_of", "AT_RISK_NAMED"]
