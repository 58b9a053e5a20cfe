"""The self-contained HTML report of a run: one file, images embedded, nothing loaded from the network.

It opens with the bottom line (three sentences: when the stockpile is destroyed, how likely each deadline is,
what holds it up most), then the question the scenario asks, the headline numbers (milestone dates, deadline
probabilities with intervals, hidden stock), every chart with a one-sentence reading, the assumptions (each
parameter with its value or distribution and unit, grouped by section of the scenario, each source or reason
given once and referred to by number), the resolved scenario and the manifest.  Built only from the run
folder's files, so ``disarm plot DIR`` can rebuild it without simulating.

Size and print.  The charts are embedded as lossless WebP images of a :data:`REPORT_COLOURS`-colour palette
(the PNG files beside the report keep every colour): the baseline's report is about a fifth of its former
1.1 MB, small enough to e-mail.  The page prints on A4 or Letter: no chart or table row is split across
pages.

Its size is bounded whatever the size of the programme: tables that grow with the scenario show at most
:data:`REPORT_ROWS` rows (or list items) and say how many more are in which file, the resolved scenario is
cut at :data:`MAX_RESOLVED_LINES` lines, and the charts it embeds are bounded by ``sim.charts``.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from sim.core.contract import MILESTONE_LABELS
from sim.report.accounting import (ACCOUNTING_CHARTS, accounting_readings, accounting_section,
                                   hidden_stock_sentences, VERIFICATION_CHARTS)
from sim.report.words import bottom_line, deadline_sentences, what_delays
from sim.report.words import date_of as _date
from sim.core.problems import KeyPath

if TYPE_CHECKING:  # pragma: no cover
    from sim.results.results import Results

ASSUMPTIONS_FILE = "assumptions.json"
REPORT_ROWS = 50
"""The most rows the report shows of a table that grows with the scenario (deadlines), and the most items of
a list (sites, lots, ...) whose parameters the assumptions table shows; the rest are counted in a note that
names the file holding them all (summary.json, assumptions.json).  The same fifty as the charts' rows
(``sim.charts.style.MAX_CHART_ROWS``): every shipped scenario (at most 45 sites, 24 lots, 9 deadlines) is shown
in full, and a 2,000-site programme's report stays small (it was 21 MB, mostly its assumptions and its sites
chart)."""
MAX_RESOLVED_LINES = 2_000
"""The most lines of the resolved scenario the report shows (the baseline's has about 700); the whole is in
scenario.resolved.yaml."""
MAX_RESOLVED_CHARS = 100_000
"""...and the most characters, however long its lines."""

REPORT_COLOURS = 40
"""Colours of the palette the report's embedded charts are reduced to.  The charts use the eight colours of the
Okabe-Ito palette, grey and their anti-aliased edges.  The palette is chosen by octree (FASTOCTREE) and the
lossless WebP written with method 6 at the default effort: with 40 colours the text and lines stay smooth (a
median-cut palette began to show jagged text at 32) and the charts take about 10% less than with a median-cut
palette.  The highest effort (quality=100) saved 4% more but took ~1.3 s a chart (17 s a report instead of
0.6 s), so it is not used."""

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:.92em}th,td{border:1px solid #ddd;padding:.3em .6em;
text-align:left;vertical-align:top}th{background:#f3f3f3}td.num{text-align:right;white-space:nowrap}
figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #eee}figcaption{font-size:.95em;color:#333}
pre{background:#f7f7f7;padding:1em;overflow-x:auto;font-size:.8em}.question{font-size:1.15em;font-style:italic}
.small{font-size:.85em;color:#555}
.bottom-line{border-left:5px solid #0072B2;background:#f2f7fb;padding:.6em 1em;margin:1em 0 1.5em;font-size:1.08em}
.bottom-line p{margin:.35em 0}h3{margin-top:1.5em}ol.sources{font-size:.88em}ol.sources li{margin:.25em 0}
@media print{body{max-width:none;margin:0;font-size:10.5pt}figure,tr,.bottom-line{break-inside:avoid}
h2,h3{break-after:avoid}pre{white-space:pre-wrap}a{color:inherit;text-decoration:none}}
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


def readings(results: "Results", summary: dict[str, Any]) -> dict[str, str]:
    """Chart file name -> one sentence an analyst can check against the chart."""
    m = summary["milestones"]
    deadlines = summary["deadlines"]
    out = {
        "progress.png": (f"Half of the runs have removed every declared chemical on a removal route by "
                         f"{_date(m['removal_complete'], 'p50')} (80% of runs between {_date(m['removal_complete'], 'p10')} "
                         f"and {_date(m['removal_complete'], 'p90')}), and destroyed every declared chemical by "
                         f"{_date(m['destruction_complete'], 'p50')}."),
        "milestones.png": ("Bars span the 10th to 90th percentile of each milestone's date, dots mark the median; "
                           + (f"{sum(1 for d in deadlines.values() if d['p_met'] >= 0.5)} of {len(deadlines)} "
                              "deadlines are met in at least half of the runs." if deadlines else
                              "the scenario sets no deadlines.")),
    }
    finals = [f"P({MILESTONE_LABELS[d['milestone']].lower()} by {d['date']}) = {d['p_met']:.0%}"
              for d in deadlines.values() if d["milestone"] in ("removal_complete", "destruction_complete")]
    out["completion.png"] = "Each curve gives the share of runs that have finished by each date" + \
        ("; " + "; ".join(finals) if finals else "") + "."
    if not deadlines:
        out["deadlines.png"] = "The scenario sets no deadlines."
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
    if len(s.sites) > REPORT_ROWS:  # the charts' bound (sim.charts.style.MAX_CHART_ROWS) is the same fifty
        out["sites.png"] += (f" Of its {len(s.sites):,} sites, the chart draws the {REPORT_ROWS - 1} that finished "
                             "last, one a row, and the share of the others in each status in its bottom row.")
    out["network.png"] = network_reading(results)
    counts = results.runs["critical_activity"].value_counts(normalize=True)
    if len(counts):
        out["delay_drivers.png"] = (f"The longest phase of the last lot destroyed is most often "
                                    f"'{counts.index[0]}' ({counts.iloc[0]:.0%} of runs): the lever to pull first.")
    if "critical_paths" in summary:
        out["critical_paths.png"] = ("Each bar is the path of the last tonne of a milestone, from the start date, cut "
                                     "into the mean days it spent on each cause. " + what_delays(summary))
    v = summary["verification"]
    out["hidden.png"] = (f"Median hidden stock at the horizon {v['hidden_tonnes']['p50']:.1f} t (90th percentile "
                         f"{v['hidden_tonnes']['p90']:.1f} t); more than 1 t stays hidden in "
                         f"{v['p_hidden_above_1_tonne']:.0%} of runs.")
    lo, hi = v["p_detected_ci95"]
    out["detection.png"] = (f"Dispersal is detected in {v['p_detected']:.0%} of runs (95% interval {lo:.0%}-{hi:.0%}); "
                            f"median date of detection {v['detection_day']['p50_date'] or 'not reached'}.")
    out.update(accounting_readings(summary, results.timeseries, results.events, s))  # and timeline.png's
    return out


def network_reading(results: "Results") -> str:
    """The network chart's sentence: what left the sites in the median run, and the busiest link."""
    from sim.results.flows import link_flows
    from sim.scenario.routes import network_of

    s = results.scenario
    network = network_of(s)
    flows = link_flows(results.events, s, network)
    sent = sum(flows.sent_t.values())
    links = flows.links
    used = links[links["tonnes"] > 0]
    text = (f"In the same run, {sent:,.0f} t left {sum(1 for t in flows.sent_t.values() if t > 0)} of "
            f"{len(s.sites)} sites along {len(used)} of the network's {len(links)} links")
    if len(used):
        top = used.loc[used["tonnes"].idxmax()]
        names = {node.id: node.label for node in network.nodes}
        text += (f"; the busiest is {top['leg']} ({top['mode']}, {names[top['start']]} to {names[top['end']]}, "
                 f"{top['tonnes']:,.0f} t)")
    in_place = sum(flows.in_place_t.values())
    if in_place > 0:
        text += f"; {in_place:,.0f} t were destroyed where they lay"
    if flows.waiting_total_t > 0.05:
        text += f"; {flows.waiting_total_t:,.0f} t sent were not destroyed by the horizon"
    return text + "."


# ------------------------------------------------------------------------------------------------------
# The assumptions: by section, each source once
# ------------------------------------------------------------------------------------------------------


def _section(parameter: str) -> str:
    """The top-level key a parameter belongs to (``convoys.escorts`` -> ``convoys``, ``sites[3].x`` -> ``sites``)."""
    head = parameter.split(".", 1)[0]
    return head.split("[", 1)[0]


def grouped_assumptions(rows: list[list[str]]) -> tuple[list[tuple[str, list[list[str]]]], list[str]]:
    """The assumptions table's rows (parameter, value, unit, source) by section of the scenario, in the order
    they come, with each source replaced by its number in the list of sources (each source once)."""
    sources: list[str] = []
    number: dict[str, int] = {}
    sections: dict[str, list[list[str]]] = {}
    for parameter, value, unit, source in rows:
        ref = ""
        if source:
            if source not in number:
                sources.append(source)
                number[source] = len(sources)
            ref = f"[{number[source]}]"
        sections.setdefault(_section(parameter), []).append([parameter, value, unit, ref])
    return list(sections.items()), sources


def _assumptions_html(rows: list[list[str]]) -> str:
    sections, sources = grouped_assumptions(rows)
    parts = ["<p class='small'>Every parameter of the scenario as it ran, by section; the number refers to the "
             "comment that states its source or the reason for its value (from the scenario file and the files it "
             "extends), listed once below.</p>"]
    for name, section in sections:
        parts += [f"<h3>{html.escape(name)}</h3>",
                  _table(["parameter", "value", "unit", "source"], section)]
    parts.append("<h3>Sources and reasons</h3><ol class='sources'>"
                 + "".join(f"<li id='source-{i}'>{html.escape(text)}</li>" for i, text in enumerate(sources, 1))
                 + "</ol>")
    return "\n".join(parts)


def embedded_image(path: Path) -> tuple[str, str]:
    """(MIME type, base64 data) of a chart for the report: a lossless WebP of a :data:`REPORT_COLOURS`-colour
    palette, or the PNG as it is if Pillow cannot write WebP."""
    import io

    from PIL import Image, features

    data = path.read_bytes()
    if not features.check("webp"):
        return "image/png", base64.b64encode(data).decode("ascii")
    with Image.open(io.BytesIO(data)) as image:
        palette = image.convert("RGB").quantize(colors=REPORT_COLOURS, method=Image.Quantize.FASTOCTREE,
                                                dither=Image.Dither.NONE)
    out = io.BytesIO()
    # lossless; quality (the effort) left at its default: 100 took ~1.3 s a chart for 4% fewer bytes
    palette.save(out, format="WEBP", lossless=True, method=6)
    return "image/webp", base64.b64encode(out.getvalue()).decode("ascii")


# ------------------------------------------------------------------------------------------------------
# The page
# ------------------------------------------------------------------------------------------------------


def _bounded(rows: list[list[str]], what: str, where: str) -> tuple[list[list[str]], str]:
    """(the first :data:`REPORT_ROWS` rows, a note saying how many more ``what`` are in the file ``where``, or
    nothing)."""
    if len(rows) <= REPORT_ROWS:
        return rows, ""
    return rows[:REPORT_ROWS], (f"<p class='small'>The first {REPORT_ROWS} of {len(rows):,} {html.escape(what)}; "
                                f"{len(rows) - REPORT_ROWS:,} more in {html.escape(where)}.</p>")


def _list_item_past(parameter: str, max_items: int) -> tuple[str, str, int] | None:
    """(the list's key path, its items' name, the index) if ``parameter`` belongs to an item of a list past
    its first ``max_items`` (``lots[60].tonnes`` -> ``('lots', 'lots', 60)``), else None."""
    from sim.core.problems import format_path, parse_path

    try:
        path = parse_path(parameter)
    except ValueError:  # not a key path: shown as it is
        return None
    for depth, part in enumerate(path):
        if isinstance(part, int) and part >= max_items:
            name = next((p for p in reversed(path[:depth]) if isinstance(p, str)), "items")
            return format_path(path[:depth]), name, part
    return None


def assumption_rows(rows: list[dict[str, str]], max_items: int = REPORT_ROWS) -> list[list[str]]:
    """The assumptions table as the report shows it: every parameter, except that of a list with more than
    ``max_items`` items (sites, lots) only the first ``max_items`` items' parameters are shown, and one row,
    where the rest would start, counts the others (all of them are in assumptions.json)."""
    out: list[list[str] | None] = []
    hidden: dict[str, dict[str, Any]] = {}  # a list's key path -> where its note goes, and what it counts
    for r in rows:
        past = _list_item_past(r["parameter"], max_items)
        if past is None:
            out.append([r["parameter"], r["value"], r["unit"], r["source"]])
            continue
        path, name, index = past
        if path not in hidden:
            hidden[path] = {"at": len(out), "name": name, "rows": 0, "items": set()}
            out.append(None)  # the note's place: where the list's hidden items would start
        entry = hidden[path]
        entry["rows"] += 1
        entry["items"].add(index)
    for path, entry in hidden.items():
        first, last = min(entry["items"]), max(entry["items"])
        out[entry["at"]] = [f"{path}[{first}] to {path}[{last}]",
                            f"{len(entry['items']):,} more {entry['name']} ({entry['rows']:,} parameters), in "
                            f"{ASSUMPTIONS_FILE}", "", ""]
    return [row for row in out if row is not None]


def _resolved_text(text: str) -> str:
    """The resolved scenario as the report shows it: at most :data:`MAX_RESOLVED_LINES` lines and
    :data:`MAX_RESOLVED_CHARS` characters, then a line saying the rest is in scenario.resolved.yaml."""
    lines = text.splitlines(keepends=True)
    shown, size = [], 0
    for line in lines[:MAX_RESOLVED_LINES]:
        if size + len(line) > MAX_RESOLVED_CHARS:
            break
        shown.append(line)
        size += len(line)
    if len(shown) == len(lines):
        return text
    return "".join(shown) + f"# ... {len(lines) - len(shown):,} more lines in scenario.resolved.yaml\n"


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
    title = results.name or s.name  # with --set overrides, '<stem>+<hash>': not the scenario file's run
    changed = (f"<p class='small'>Scenario '{html.escape(s.name)}' as changed for this run: "
               f"<code>{html.escape(str(manifest.get('command', '')))}</code></p>"
               if "+" in title and " --set" in str(manifest.get("command", "")) else "")
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}: "
             f"disarm-sim report</title><style>{CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>{changed}",
             "<div class='bottom-line' id='bottom-line'><strong>Bottom line.</strong> "
             + "".join(f"<p>{html.escape(sentence)}</p>" for sentence in bottom_line(results, summary)) + "</div>",
             f"<p class='question'>{html.escape(s.question)}</p>",
             f"<p>{summary['replications']} replications, seed {summary['seed']}, from {summary['start_date']} over "
             f"{s.horizon_days} days. Dates are the 10th, 50th and 90th percentiles over the replications; a "
             "milestone not reached by the horizon counts as later than every reached one.</p>",
             "<h2>Milestones</h2>",
             _table(["milestone", "reached", "10th percentile", "median", "90th percentile"],
                    [[MILESTONE_LABELS.get(k, k), f"{v['reached_fraction']:.0%}", *(v[f'{p}_date'] or 'not reached'
                      for p in ('p10', 'p50', 'p90'))] for k, v in summary["milestones"].items()
                     if v["reached_fraction"] > 0], numeric={1, 2, 3, 4})]
    if summary["deadlines"]:
        rows, note = _bounded([[d.get("description") or k, d["date"], MILESTONE_LABELS.get(d["milestone"],
                                                                                          d["milestone"]),
                                f"{d['p_met']:.0%}", f"{d['ci95'][0]:.0%}-{d['ci95'][1]:.0%}"]
                               for k, d in summary["deadlines"].items()], "deadlines", "summary.json")
        parts += ["<h2>Deadlines</h2>",
                  _table(["deadline", "date", "milestone", "P(met)", "95% interval"], rows, numeric={3, 4}) + note]
        missed = deadline_sentences(summary)
        if missed:
            parts.append("<h3>Why deadlines are missed</h3><ul>"
                         + "".join(f"<li>{html.escape(sentence)}</li>" for sentence in missed) + "</ul>"
                         "<p class='small'>The critical path of a milestone is the path of the tonne that "
                         "completed it, from the start: its days by cause add up to the milestone's day "
                         "(chart 'critical_paths.png').</p>")
    v = summary["verification"]
    sentences = readings(results, summary)
    accounting = v.get("concealment", False) and any(name in charts for name in VERIFICATION_CHARTS)
    if accounting:
        parts += accounting_section(v, _table, [_figure(folder, name, sentences) for name in ACCOUNTING_CHARTS
                                                if name in charts])
    else:
        parts += ["<h2>Verification and hidden stock</h2>", f"<p>{html.escape(hidden_stock_sentences(v))}</p>"]
    cat1 = v["category1_destroyed_by"]
    if cat1:
        rows, note = _bounded([[k, e["date"], f"{e['p']:.0%}"] for k, e in cat1.items()], "deadlines",
                              "summary.json")
        parts.append(_table(["deadline", "date", "P(all declared Category 1 destroyed by then)"], rows,
                            numeric={2}) + note)
    parts.append("<h2>Charts</h2>")
    parts += [_figure(folder, name, sentences) for name in charts
              if not (accounting and name in ACCOUNTING_CHARTS)]
    rows_file = Path(folder) / ASSUMPTIONS_FILE
    parts.append("<h2>Assumptions</h2>")
    if rows_file.exists():
        rows = json.loads(rows_file.read_text(encoding="utf-8"))
        parts.append(_assumptions_html(assumption_rows(rows)))
    else:
        parts.append("<p>No assumptions table: the run was made without its scenario file.</p>")
    resolved = Path(folder) / "scenario.resolved.yaml"
    if resolved.exists():
        parts += ["<h2>The scenario as it ran</h2>",
                  f"<pre>{html.escape(_resolved_text(resolved.read_text(encoding='utf-8')))}</pre>"]
    parts += ["<h2>Manifest</h2>", f"<pre>{html.escape(json.dumps(manifest, indent=2))}</pre>",
              "<p class='small'>Made by disarm-sim. Self-contained: no scripts, styles or images are loaded from "
              "elsewhere.</p></body></html>"]
    return "\n".join(parts)


def _figure(folder: Path, name: str, sentences: dict[str, str]) -> str:
    """A chart of the folder embedded with its reading (nothing if its file is missing)."""
    path = Path(folder) / name
    if not path.exists():
        return ""
    mime, data = embedded_image(path)
    return (f"<figure><img alt='{html.escape(name)}' src='data:{mime};base64,{data}'>"
            f"<figcaption>{html.escape(sentences.get(name, ''))}</figcaption></figure>")


def write_report(results: "Results", folder: Path, charts: list[str], manifest: dict[str, Any],
                 writer: Callable[[Path, str], None] | None = None) -> str:
    """Write report.html into ``folder``; returns its file name."""
    from sim.core.files import write_text

    (writer or write_text)(Path(folder) / "report.html", render(results, folder, charts, manifest))
    return "report.html"
