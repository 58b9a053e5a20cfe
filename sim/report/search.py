"""The report.html of a red-team or blue-team search: one self-contained page (charts embedded as base64)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.report.sweep import escape as _e
from sim.report.sweep import figure, page
from sim.report.sweep import number as _num
from sim.report.sweep import table as _table

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from sim.adversarial.results import SearchResults

CAPTIONS = {
    "history.png": "Every evaluation's first objective in the order asked (crosses break a constraint); the red "
                   "step is the best feasible value so far, the dashed line the base scenario.",
    "front.png": "Every distinct candidate; the joined points are the front: no other candidate is better in "
                 "both. The star is the base scenario.",
    "levers.png": "The first objective against each lever: where the good candidates lie; the red line is the "
                  "best candidate's value.",
}


def _rows(results: "SearchResults", frame: "pd.DataFrame") -> tuple[list[str], list[list[Any]]]:
    s = results.search
    measures = [m.text for m in s.measures]
    header = ["evaluation", *(space.name for space in s.spaces), *measures,
              *(["cost"] if s.side == "blue" else []), "feasible"]
    rows = []
    for _, row in frame.iterrows():
        rows.append([int(row["evaluation"]), *(_num(row[space.name], 4) for space in s.spaces),
                     *(_num(row[m]) for m in measures), *([_num(row["cost"], 4)] if s.side == "blue" else []),
                     "yes" if row["feasible"] else "no"])
    return header, rows


def render_report(results: "SearchResults", folder: Path, charts: list[str]) -> str:
    s = results.search
    who = "the state (red team)" if s.side == "red" else "the verifier (blue team)"
    title = f"disarm-sim {s.side} team: {s.name}"
    body = [f"<h1>{_e(title)}</h1>", f"<p><b>{_e(s.spec.question)}</b></p>",
            f"<p class='meta'>Levers of {_e(who)} on {_e(s.base_path.name)}; {s.evaluations} evaluations in batches "
            f"of {s.batch}, {s.replications} replications each (the same seeds for every candidate), seed "
            f"{s.seed}; optimiser: Optuna TPE; {results.wall_seconds:.1f} s.</p>"]
    if len(s.arms) > 1:
        body.append(f"<p class='meta'>Against {len(s.arms)} state strategies ({_e(', '.join(a.name for a in s.arms))}"
                    f"): the {'worst case' if s.spec.robust == 'worst' else 'mean'} over them.</p>")
    goals = "; ".join(f"{g} {m.text}" for m, g in zip(s.objectives, s.goals))
    body.append(f"<p>Objectives: {_e(goals)}. Constraints: {_e('; '.join(c.text for c in s.constraints) or 'none')}"
                + (f"; cost at most {_num(float(s.spec.cost_limit or 0), 4)}" if s.side == "blue" else "") + ".</p>")
    first = s.objectives[0].text
    if results.best.empty:
        body.append("<p class='finding'>No candidate was evaluated with a value.</p>")
    else:
        best = results.best.iloc[0]
        feasible = "" if best["feasible"] else " (no candidate met every constraint: the least infeasible)"
        body.append(f"<p class='finding'>Best found{_e(feasible)}: {_e(first)} = <b>{_num(best[first])}</b> against "
                    f"{_num(results.reference.get(first))} in the base scenario, with "
                    + _e(", ".join(f"{k} = {_num(v, 4)}" for k, v in results.best_assignment().items())) + ".</p>")
    body.append("<h2>Best strategies</h2>")
    body.append(_table(*_rows(results, results.best)))
    body.append("<p class='meta'>Each is written as a scenario file that extends the base: best_1.yaml, ...</p>")
    if not results.front.empty and (len(s.objectives) == 2 or s.side == "blue"):
        body.append("<h2>Front</h2>")
        body.append(_table(*_rows(results, results.front)))
    body.append("<h2>Charts</h2>")
    body += [figure(folder, name, CAPTIONS.get(name, name)) for name in charts]
    body.append("<p class='meta'>A search finds good strategies, not proven optima, and only through the channels "
                "the model has: docs/adversarial.md in disarm-sim.</p>")
    return page(title, body)


def write_report(results: "SearchResults", folder: Path, charts: list[str]) -> str:
    """Write report.html into ``folder``; returns its name."""
    from sim.core.files import write_text

    write_text(Path(folder) / "report.html", render_report(results, folder, charts))
    return "report.html"


__all__ = ["render_report", "write_report"]
