"""The self-contained HTML report of a run: one file, images embedded, nothing loaded from the network.

It holds the question the scenario asks, the headline numbers (milestone dates, deadline probabilities
with intervals, hidden stock), every chart with a one-sentence reading, the assumptions table (each
parameter with its value or distribution, unit and source comment), the resolved scenario and the manifest.
Built only from the run folder's files, so ``disarm plot DIR`` can rebuild it without simulating.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from sim.core.contract import MILESTONE_LABELS
from sim.core.problems import KeyPath

if TYPE_CHECKING:  # pragma: no cover
    from sim.results.results import Results

ASSUMPTIONS_FILE = "assumptions.json"

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:.92em}th,td{border:1px solid #ddd;padding:.3em .6em;
text-align:left;vertical-align:top}th{background:#f3f3f3}td.num{text-align:right;white-space:nowrap}
figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #eee}figcaption{font-size:.95em;color:#333}
pre{background:#f7f7f7;padding:1em;overflow-x:auto;font-size:.8em}.question{font-size:1.15em;font-style:italic}
.small{font-size:.85em;color:#555}
"""


# ------------------------------------------------------------------------------------------------------
# Assumptions: every parameter with its unit and source comment
# ------------------------------------------------------------------------------------------------------


def assumptions(scenario: Any, source: "str | Path | Mapping[KeyPath, str] | None") -> list[dict[str, str]]:
    """One row per numeric, boolean or distribution parameter: path, value, unit, source comment.

    ``source`` is the source comments read when the scenario was loaded
    (:func:`sim.scenario.comments.load_with_comments`: what the commands pass, so that nothing re-reads the file
    at save time), or the scenario file's path (read now: the Python API's ``results.save(source=...)``)."""
    from sim.core.problems import format_path
    from sim.scenario.loading import scenario_to_data
    from sim.scenario.comments import source_comments
    from sim.scenario.schema import unit_of

    if source is None:
        comments: Mapping[KeyPath, str] = {}
    elif isinstance(source, Mapping):
        comments = source
    else:
        comments = source_comments(source)
    rows: list[dict[str, str]] = []

    def source_of(path: tuple[Any, ...]) -> str:
        # parameters the file does not write (schema defaults) take their nearest written parent's comment
        for n in range(len(path), 0, -1):
            if path[:n] in comments:
                return comments[path[:n]]
        return "schema default (not set in the scenario file)"

    def walk(value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, dict) and "dist" in value:
            params = ", ".join(f"{k}={v}" for k, v in value.items() if k != "dist")
            rows.append(_row(path, f"{value['dist']}({params})"))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, path + (key,))
        elif isinstance(value, list):
            if value and all(isinstance(v, str) for v in value):
                return
            for i, item in enumerate(value):
                walk(item, path + (i,))
        elif isinstance(value, (bool, int, float)):
            rows.append(_row(path, str(value).lower() if isinstance(value, bool) else f"{value:g}"))

    def _row(path: tuple[Any, ...], value: str) -> dict[str, str]:
        key = next((p for p in reversed(path) if isinstance(p, str)), "")
        return {"parameter": format_path(path), "value": value, "unit": unit_of(key), "source": source_of(path)}

    walk(scenario_to_data(scenario), ())
    return rows


# ------------------------------------------------------------------------------------------------------
# One-sentence readings of the charts
# ------------------------------------------------------------------------------------------------------


def _date(entry: dict[str, Any], p: str) -> str:
    return entry.get(f"{p}_date") or "not reached by the horizon"


def readings(results: "Results", summary: dict[str, Any]) -> dict[str, str]:
    """Chart file name -> one sentence an analyst can check against the chart."""
    m = summary["milestones"]
    deadlines = summary["deadlines"]
    out = {
        "progress.png": (f"Half of the runs have removed every declared chemical on a removal route by "
                         f"{_date(m['removal_complete'], 'p50')} (80% of runs between {_date(m['removal_complete'], 'p10')} "
                         f"and {_date(m['removal_complete'], 'p90')}), and destroyed every declared chemical by "
                         f"{_date(m['destruction_complete'], 'p50')}."),
        "milestones.png": (f"Bars span the 10th to 90th percentile of each milestone's date, dots mark the median; "
                           f"{sum(1 for d in deadlines.values() if d['p_met'] >= 0.5)} of {len(deadlines)} "
                           "deadlines are met in at least half of the runs."),
        "completion.png": "Each curve gives the share of runs that have finished by each date; "
                          + "; ".join(f"P({MILESTONE_LABELS[d['milestone']].lower()} by {d['date']}) = {d['p_met']:.0%}"
                                      for d in deadlines.values()
                                      if d["milestone"] in ("removal_complete", "destruction_complete")) + ".",
    }
    if deadlines:
        best = max(deadlines.items(), key=lambda kv: kv[1]["p_met"])
        worst = min(deadlines.items(), key=lambda kv: kv[1]["p_met"])
        out["deadlines.png"] = (f"Most likely met: {best[0].replace('_', ' ')} ({best[1]['p_met']:.0%}); least likely: "
                                f"{worst[0].replace('_', ' ')} ({worst[1]['p_met']:.0%}).")
    replication = int(results.events["replication"].iloc[0]) if len(results.events) else 0
    median = results.runs.loc[results.runs["replication"] == replication].iloc[0]
    s = results.scenario

    def day_text(value: Any) -> str:
        return "not reached" if value != value or value is None else s.date_of(float(value)).isoformat()

    out["ledger.png"] = (f"In replication {replication}, the median run by destruction date, removal ends on "
                         f"{day_text(median['removal_complete_day'])} and the last declared tonne is destroyed on "
                         f"{day_text(median['destruction_complete_day'])}.")
    inspected = results.events[results.events["event"] == "site_inspected"]
    out["sites.png"] = (f"In the same run, {inspected['site'].nunique()} sites are inspected, the last on "
                        f"{day_text(inspected['day'].max() if len(inspected) else None)}; hatching marks security "
                        "closures of a site's region or road.")
    counts = results.runs["critical_activity"].value_counts(normalize=True)
    if len(counts):
        out["delay_drivers.png"] = (f"The longest phase of the last lot destroyed is most often "
                                    f"'{counts.index[0]}' ({counts.iloc[0]:.0%} of runs): the lever to pull first.")
    v = summary["verification"]
    out["hidden.png"] = (f"Median hidden stock at the horizon {v['hidden_tonnes']['p50']:.1f} t (90th percentile "
                         f"{v['hidden_tonnes']['p90']:.1f} t); more than 1 t stays hidden in "
                         f"{v['p_hidden_above_1_tonne']:.0%} of runs.")
    lo, hi = v["p_detected_ci95"]
    out["detection.png"] = (f"Dispersal is detected in {v['p_detected']:.0%} of runs (95% interval {lo:.0%}-{hi:.0%}); "
                            f"median date of detection {v['detection_day']['p50_date'] or 'not reached'}.")
    return out


# ------------------------------------------------------------------------------------------------------
# The page
# ------------------------------------------------------------------------------------------------------


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="num">{html.escape(c)}</td>' if i in numeric
                                    else f"<td>{html.escape(c)}</td>" for i, c in enumerate(row)) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render(results: "Results", folder: Path, charts: list[str], manifest: dict[str, Any]) -> str:
    """The report's HTML text."""
    s = results.scenario
    summary = results.summary()
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(s.name)}: "
             f"disarm-sim report</title><style>{CSS}</style></head><body>",
             f"<h1>{html.escape(s.name)}</h1><p class='question'>{html.escape(s.question)}</p>",
             f"<p>{summary['replications']} replications, seed {summary['seed']}, from {summary['start_date']} over "
             f"{s.horizon_days} days. Dates are the 10th, 50th and 90th percentiles over the replications; a "
             "milestone not reached by the horizon counts as later than every reached one.</p>",
             "<h2>Milestones</h2>",
             _table(["milestone", "reached", "10th percentile", "median", "90th percentile"],
                    [[MILESTONE_LABELS.get(k, k), f"{v['reached_fraction']:.0%}", *(v[f'{p}_date'] or 'not reached'
                      for p in ('p10', 'p50', 'p90'))] for k, v in summary["milestones"].items()
                     if v["reached_fraction"] > 0], numeric={1, 2, 3, 4})]
    if summary["deadlines"]:
        parts += ["<h2>Deadlines</h2>",
                  _table(["deadline", "date", "milestone", "P(met)", "95% interval"],
                         [[d.get("description") or k, d["date"], MILESTONE_LABELS.get(d["milestone"], d["milestone"]),
                           f"{d['p_met']:.0%}", f"{d['ci95'][0]:.0%}-{d['ci95'][1]:.0%}"]
                          for k, d in summary["deadlines"].items()], numeric={3, 4})]
    v = summary["verification"]
    parts += ["<h2>Verification and hidden stock</h2>",
              f"<p>Dispersal by a secret unit is {'on' if v['dispersal_enabled'] else 'off'} in this scenario. "
              f"Tonnes hidden at the horizon: mean {v['hidden_tonnes']['mean']:.1f}, median {v['hidden_tonnes']['p50']:.1f}, "
              f"90th percentile {v['hidden_tonnes']['p90']:.1f}. Dispersal detected in {v['p_detected']:.0%} of runs "
              f"(95% interval {v['p_detected_ci95'][0]:.0%}-{v['p_detected_ci95'][1]:.0%}).</p>"]
    cat1 = v["category1_destroyed_by"]
    if cat1:
        parts.append(_table(["deadline", "date", "P(all declared Category 1 destroyed by then)"],
                            [[k, e["date"], f"{e['p']:.0%}"] for k, e in cat1.items()], numeric={2}))
    parts.append("<h2>Charts</h2>")
    sentences = readings(results, summary)
    for name in charts:
        path = Path(folder) / name
        if not path.exists():
            continue
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        parts.append(f"<figure><img alt='{html.escape(name)}' src='data:image/png;base64,{data}'>"
                     f"<figcaption>{html.escape(sentences.get(name, ''))}</figcaption></figure>")
    rows_file = Path(folder) / ASSUMPTIONS_FILE
    parts.append("<h2>Assumptions</h2>")
    if rows_file.exists():
        rows = json.loads(rows_file.read_text(encoding="utf-8"))
        parts.append("<p class='small'>Every parameter of the scenario as it ran, with the comment that states its "
                     "source or the reason for its value (from the scenario file and the files it extends).</p>")
        parts.append(_table(["parameter", "value", "unit", "source or reason"],
                            [[r["parameter"], r["value"], r["unit"], r["source"]] for r in rows]))
    else:
        parts.append("<p>No assumptions table: the run was made without its scenario file.</p>")
    resolved = Path(folder) / "scenario.resolved.yaml"
    if resolved.exists():
        parts += ["<h2>The scenario as it ran</h2>", f"<pre>{html.escape(resolved.read_text(encoding='utf-8'))}</pre>"]
    parts += ["<h2>Manifest</h2>", f"<pre>{html.escape(json.dumps(manifest, indent=2))}</pre>",
              "<p class='small'>Made by disarm-sim. Self-contained: no scripts, styles or images are loaded from "
              "elsewhere.</p></body></html>"]
    return "\n".join(parts)


def write_report(results: "Results", folder: Path, charts: list[str], manifest: dict[str, Any],
                 writer: Callable[[Path, str], None] | None = None) -> str:
    """Write report.html into ``folder``; returns its file name."""
    from sim.core.files import write_text

    (writer or write_text)(Path(folder) / "report.html", render(results, folder, charts, manifest))
    return "report.html"
