"""The sweep's report.html: one self-contained page (charts embedded as base64, no external resources)."""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sim.sweeps.api import SweepResults

_STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em;
        display: block; overflow-x: auto; max-width: 100%; }  /* a wide table scrolls, the page does not */
th, td { border: 1px solid #ddd; padding: 0.3em 0.6em; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; } th { background: #f4f4f4; }
.meta { color: #555; } .finding { background: #f6f9fc; border-left: 4px solid #0072B2; padding: 0.5em 0.8em; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; } code { background: #f4f4f4; padding: 0 0.2em; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _num(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}g}"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _ci(pair: list[Any] | None) -> str:
    if not pair or pair[0] is None:
        return "–"
    return f"{_num(pair[0])} to {_num(pair[1])}"


def _outcome_sections(results: "SweepResults") -> list[str]:
    s = results.sensitivity
    out = []
    for outcome in results.sweep.outcomes:
        key = outcome.spec
        parts = [f"<h3>{_e(outcome.label)} <code>{_e(key)}</code></h3>",
                 f"<p class='meta'>Per point: {_e(s['outcomes'][key]['statistic'])}.</p>"]
        if "oat" in s:
            oat = s["oat"][key]
            if oat["effects"]:
                top = oat["effects"][0]
                parts.append(
                    f"<p class='finding'>Largest one-at-a-time effect: <b>{_e(top['parameter'])}</b>, "
                    f"a swing of {_num(top['swing'])} {_e(outcome.unit)} between its lowest and highest "
                    f"value (base mean {_num(oat['base_mean'])}).</p>"
                )
            parts.append(
                _table(
                    [
                        "parameter",
                        "base",
                        "lowest value",
                        "change (95% CI)",
                        "highest value",
                        "change (95% CI)",
                        "swing",
                    ],
                    [
                        [
                            e["parameter"],
                            e["base"],
                            _num(e["low"]["value"]),
                            f"{_num(e['low']['difference'])} ({_ci(e['low']['ci95'])})",
                            _num(e["high"]["value"]),
                            f"{_num(e['high']['difference'])} ({_ci(e['high']['ci95'])})",
                            _num(e["swing"]),
                        ]
                        for e in oat["effects"]
                    ],
                )
            )
        if "morris" in s:
            m = s["morris"][key]
            if "indices" in m:
                ranked = sorted(m["indices"].items(), key=lambda kv: -kv[1]["mu_star"])
                parts.append(
                    _table(
                        ["parameter", "mu*", "mu* 95% CI", "mu", "sigma", "sigma 95% CI"],
                        [
                            [
                                n,
                                _num(e["mu_star"]),
                                _ci(e["mu_star_ci95"]),
                                _num(e["mu"]),
                                _num(e["sigma"]),
                                _ci(e["sigma_ci95"]),
                            ]
                            for n, e in ranked
                        ],
                    )
                )
            else:
                parts.append(f"<p>{_e(m.get('note', ''))}</p>")
        if "sobol" in s:
            so = s["sobol"][key]
            if "note" in so:
                parts.append(f"<p>{_e(so['note'])}</p>")
            if "indices" in so:
                ranked = sorted(so["indices"].items(), key=lambda kv: -kv[1]["ST"])
                parts.append(
                    _table(
                        ["parameter", "S1", "S1 95% CI", "ST", "ST 95% CI"],
                        [
                            [n, _num(e["S1"], 2), _ci(e["S1_ci95"]), _num(e["ST"], 2), _ci(e["ST_ci95"])]
                            for n, e in ranked
                        ],
                    )
                )
        if "correlations" in s and results.design.method in ("grid", "lhs"):
            corr = s["correlations"][key]
            parts.append(_table(["parameter", "Spearman rank correlation", "95% CI"],
                                [[n, _num(e["spearman"], 2), _ci(e["ci95"])] for n, e in corr.items()]))
        out.append("\n".join(parts))
    return out


def render_report(results: "SweepResults", folder: Path, charts: list[str]) -> str:
    """The report as HTML text; ``charts`` are PNG files in ``folder``, embedded in the page."""
    sw, s = results.sweep, results.sensitivity
    title = f"Sweep {sw.name}"
    wall = "" if math.isnan(results.wall_seconds) else f", {results.wall_seconds:.1f} s of simulation"
    body = [f"<h1>{_e(title)}</h1>"]
    if sw.spec.question:
        body.append(f"<p><b>{_e(sw.spec.question)}</b></p>")
    body.append(
        f"<p class='meta'>Method <b>{_e(results.design.method)}</b> on the base scenario "
        f"<code>{_e(sw.spec.base)}</code> ({_e(sw.base.name)}): {results.design.size:,} design points × "
        f"{sw.replications:,} replications, seed {sw.seed}{wall}. Every point uses the same replication "
        f"seeds (common random numbers), so differences between points are the parameters' doing.</p>"
    )
    body.append("<h2>Parameters</h2>")
    body.append(_table(["parameter", "key path(s)", "values swept", "base value"],
                       [[p["name"], ", ".join(p["paths"]), p["values"], p["base"]] for p in s["parameters"]]))
    if s.get("discovery"):
        body.append("<h2>Scenario discovery</h2>")
        for d in s["discovery"]:
            body.append(f"<p class='finding'>{_e(d['statement'])}</p>")
        body.append(
            "<p class='meta'>Coverage: the share of the runs of interest that fall in the box; density: the "
            "share of the box's runs that are of interest (PRIM over every replication).</p>"
        )
    body.append("<h2>Sensitivity, outcome by outcome</h2>")
    body += _outcome_sections(results)
    if charts:
        body.append("<h2>Charts</h2>")
        for name in charts:
            body.append(figure(folder, name, name))
    body.append("<p class='meta'>How to read each method and chart: docs/sensitivity.md in disarm-sim.</p>")
    return page(title, body)


def figure(folder: Path, name: str, caption: str) -> str:
    """A chart of ``folder`` embedded as base64, with its caption."""
    data = base64.b64encode((Path(folder) / name).read_bytes()).decode("ascii")
    return (f"<figure><img alt='{_e(name)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def page(title: str, body: list[str]) -> str:
    """A self-contained HTML page of ``body``'s parts in the reports' style."""
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>"
            f"<style>{_STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_report(results: "SweepResults", folder: Path, charts: list[str]) -> str:
    """Write report.html into ``folder``; returns its name."""
    from sim.core.files import write_text

    write_text(Path(folder) / "report.html", render_report(results, folder, charts))
    return "report.html"


escape, number, table = _e, _num, _table
"""The helpers the other reports share (the search's): HTML-escape, a number to a few digits, a table."""

__all__ = ["render_report", "write_report", "figure", "page", "escape", "number", "table"]
