"""What the explorer shows of a finished output folder: a run (bands, milestones, deadlines, what delays it,
verification), a comparison (paired differences with intervals) and any folder (its charts and tables: sweeps,
backtests, searches).  Read only: every number comes from the folder's own files, as ``disarm run`` wrote
them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nicegui import ui

from sim.explorer.workspace import Workspace

BAND_QUANTITIES = ("removed_fraction", "destroyed_fraction")
_BAND_TOOLTIP = (
    "ps => ps[0].axisValue + '<br>' + ps.filter(p => !p.seriesName.endsWith('band'))"
    ".map(p => p.marker + p.seriesName + ': ' + (100 * p.value).toFixed(1) + '%').join('<br>')"
)
"""Hover values of the bands: the date, then each quantity's 10th percentile, median and 90th percentile."""
_INTERVAL_TOOLTIP = ("p => { const v = p.value.slice(-5).map(x => x.toFixed(1)); return p.name + "
                     "'<br>mean difference: ' + v[2] + '<br>95% interval: ' + v[0] + ' to ' + v[4]; }")
"""Hover values of a paired difference: its mean and 95% interval (the box spans the interval)."""
COMPARED = (
    "removal_complete_day",
    "destruction_complete_day",
    "priority_destruction_complete_day",
    "hidden_tonnes",
    "destroyed_tonnes",
    "detection_day",
)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _num(x: float | None, digits: int = 1) -> str:
    """``x`` to ``digits`` decimals; a value that rounds to zero is ``0.0``, never ``-0.0``."""
    return "-" if x is None else f"{round(x, digits) + 0.0:,.{digits}f}"


def _table(rows: list[dict[str, Any]], classes: str, title: str | None = None) -> None:
    columns = [
        {"name": k, "label": k.replace("_", " "), "field": k, "align": "left"}
        for k in (rows[0] if rows else {})
    ]
    keyed = [{**row, "_key": i} for i, row in enumerate(rows)]
    ui.table(rows=keyed, columns=columns, row_key="_key", title=title).classes(f"w-full {classes}").props(
        "dense flat bordered"
    )


def _image(workspace: Workspace, chart: Path) -> None:
    ui.image(f"/files/{workspace.relative(chart)}").classes("w-full").props("no-transition no-spinner")


_CHART_ORDER = ("tornado", "sobol", "morris", "discovery", "front", "heatmap", "backtest", "scatter")


def _chart_rank(chart: Path) -> tuple[int, str]:
    """Sweeps' and searches' charts, the summaries first (tornado, Sobol, Morris, discovery boxes, fronts)."""
    return next(
        (i for i, word in enumerate(_CHART_ORDER) if chart.name.startswith(word)), len(_CHART_ORDER)
    ), chart.name


def downloads(workspace: Workspace, folder: Path, tables: tuple[str, ...]) -> None:
    """Links to the folder's report, resolved scenario and tables (CSV each, one XLSX)."""
    rel = workspace.relative(folder)
    with ui.row().classes("items-center gap-3 downloads"):
        ui.label("Download:").classes("font-bold")
        if (folder / "report.html").is_file():
            ui.link("report (HTML)", f"/files/{rel}/report.html", new_tab=True).classes("download-report")
        if (folder / "scenario.resolved.yaml").is_file():
            ui.link("resolved scenario (YAML)", f"/files/{rel}/scenario.resolved.yaml?download=1")
        for table in tables:
            ui.link(f"{table}.csv", f"/export/{rel}/{table}.csv")
        ui.link("all tables (XLSX)", f"/export/{rel}/tables.xlsx")


def bands_chart(folder: Path, classes: str = "results-bands") -> None:
    """The daily bands (10th-90th percentile and median) of the removed and destroyed shares, with hover
    values."""
    import pandas as pd

    series = pd.read_parquet(
        folder / "timeseries.parquet", columns=["day", "date", "quantity", "p10", "p50", "p90"]
    )
    series = series[series["quantity"].isin(BAND_QUANTITIES)].assign(date=lambda f: f["date"].astype(str))
    # the chart ends two months after the last change of any band (the baseline's horizon, 2024, is far later)
    moving = series.sort_values("day").groupby("quantity")[["p10", "p50", "p90"]].diff().abs().sum(axis=1) > 0
    last = int(series.loc[moving, "day"].max()) if moving.any() else int(series["day"].max())
    series = series[(series["day"] <= last + 60) & (series["day"] % 7 == 0)]
    dates = sorted(series["date"].unique())
    options: dict[str, Any] = {
        "animation": False,
        "legend": {"top": 0, "data": []},
        "tooltip": {"trigger": "axis", ":formatter": _BAND_TOOLTIP},
        "grid": {"left": 50, "right": 20, "top": 40, "bottom": 40},
        "xAxis": {"type": "category", "data": dates},
        "yAxis": {"type": "value", "min": 0, "max": 1, "name": "share of declared tonnes"},
        "series": [],
    }
    for colour, quantity in zip(("#1f77b4", "#d62728"), BAND_QUANTITIES):
        part = series[series["quantity"] == quantity].set_index("date").reindex(dates)
        label = quantity.replace("_fraction", "")
        hidden = {"type": "line", "symbol": "none", "lineStyle": {"opacity": 0}, "color": colour}
        options["legend"]["data"] += [f"{label} median", f"{label} p10-p90 band"]
        options["series"] += [
            {**hidden, "name": f"{label} p10", "data": part["p10"].round(3).tolist(), "stack": label},
            {
                **hidden,
                "name": f"{label} p10-p90 band",
                "stack": label,
                "areaStyle": {"opacity": 0.25},
                "data": (part["p90"] - part["p10"]).round(3).tolist(),
            },
            {
                "name": f"{label} median",
                "type": "line",
                "data": part["p50"].round(3).tolist(),
                "symbol": "none",
                "color": colour,
            },
            {**hidden, "name": f"{label} p90", "data": part["p90"].round(3).tolist()},
        ]
    ui.echart(options).classes(f"w-full h-80 {classes}")


def delays_chart(summary: dict[str, Any]) -> None:
    """What delayed the completion of destruction: mean days on each cause of the critical path, with hover.
    """
    paths = summary.get("critical_paths") or {}
    milestone = "destruction_complete" if "destruction_complete" in paths else next(iter(paths), None)
    if milestone is None:
        return
    causes = sorted(paths[milestone]["causes"].values(), key=lambda c: c["mean_days"])
    ui.label(f"What delays {milestone.replace('_', ' ')}: mean days on each cause (critical path)").classes(
        "font-bold"
    )
    ui.echart(
        {
            "animation": False,
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 260, "right": 30, "top": 10, "bottom": 30},
            "xAxis": {"type": "value", "name": "days"},
            "yAxis": {"type": "category", "data": [c["label"] for c in causes]},
            "series": [
                {"type": "bar", "name": "mean days", "data": [round(c["mean_days"], 1) for c in causes]}
            ],
        }
    ).classes("w-full h-96 results-delays")


def show_run(workspace: Workspace, folder: Path) -> None:
    """The Results page of a run folder."""
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    ui.label(
        f"{summary['scenario']}: {summary['replications']} replications, seed {summary['seed']}, "
        f"from {summary['start_date']}"
    ).classes("text-h6 results-title")
    downloads(workspace, folder, ("runs", "milestones", "deadlines", "outcomes"))
    bands_chart(folder)
    with ui.row().classes("w-full no-wrap gap-4"):
        with ui.column().classes("w-1/2"):
            _table(
                [
                    {
                        "milestone": m,
                        "reached": _pct(e["reached_fraction"]),
                        "p10": e.get("p10_date") or "not reached",
                        "median": e.get("p50_date") or "not reached",
                        "p90": e.get("p90_date") or "not reached",
                    }
                    for m, e in summary["milestones"].items()
                ],
                "results-milestones",
                "Milestones (dates)",
            )
        with ui.column().classes("w-1/2"):
            _table(
                [
                    {
                        "deadline": d,
                        "date": e["date"],
                        "P(met)": _pct(e["p_met"]),
                        "95% interval": f"{_pct(e['ci95'][0])}-{_pct(e['ci95'][1])}",
                    }
                    for d, e in summary["deadlines"].items()
                ],
                "results-deadlines",
                "Deadlines: probability of being met",
            )
    delays_chart(summary)
    verification = summary.get("verification") or {}
    if verification:
        hidden = verification.get("hidden_tonnes") or {}
        detection = verification.get("detection_day") or {}
        ci = verification.get("p_detected_ci95") or [None, None]
        _table(
            [
                {
                    "output": "concealment detected",
                    "value": _pct(verification.get("p_detected")),
                    "detail": f"95% interval {_pct(ci[0])}-{_pct(ci[1])}",
                },
                {
                    "output": "first issue raised (median)",
                    "value": detection.get("p50_date") or "-",
                    "detail": f"10th-90th: {detection.get('p10_date') or '-'} to {detection.get('p90_date') or '-'}",
                },
                {
                    "output": "hidden at the horizon (t)",
                    "value": _num(hidden.get("p50")),
                    "detail": f"90th percentile {_num(hidden.get('p90'))} t",
                },
            ],
            "results-verification",
            "Verification",
        )
    charts = sorted(folder.glob("*.png"))
    if charts:
        with ui.expansion("All charts of the report").classes("w-full"):
            for chart in charts:
                _image(workspace, chart)


def show_comparison(workspace: Workspace, folder: Path) -> None:
    """The Compare page of a comparison folder: paired differences with their 95% intervals."""
    from sim.output.export import comparison_tables

    differences = comparison_tables(folder)["differences"]
    shown = differences[differences["outcome"].isin(COMPARED)]
    ui.label("Paired differences (common random numbers): each scenario minus the first").classes(
        "text-h6 compare-title"
    )
    downloads(workspace, folder, ("differences",))
    rows = [
        {
            "scenario": r.scenario,
            "outcome": r.outcome,
            "mean difference": _num(r.mean_difference),
            "95% interval": f"{_num(r.ci95_low)} to {_num(r.ci95_high)}",
            "pairs": int(r.pairs),
        }
        for r in shown.itertuples()
    ]
    _table(rows, "compare-differences")
    labels = [f"{r.scenario}: {r.outcome}" for r in shown.itertuples()]
    ui.echart(
        {
            "animation": False,
            "tooltip": {"trigger": "item", ":formatter": _INTERVAL_TOOLTIP},
            "grid": {"left": 330, "right": 30, "top": 10, "bottom": 30},
            "xAxis": {"type": "value"},
            "yAxis": {"type": "category", "data": labels},
            "series": [
                {
                    "type": "boxplot",
                    "name": "95% interval",
                    "data": [
                        [
                            round(v, 2)
                            for v in (r.ci95_low, r.ci95_low, r.mean_difference, r.ci95_high, r.ci95_high)
                        ]
                        for r in shown.itertuples()
                    ],
                }
            ],
        }
    ).classes("w-full h-72 compare-chart")
    for chart in sorted(folder.glob("compare_*.png")):
        _image(workspace, chart)


def show_folder(workspace: Workspace, folder: Path) -> None:
    """Any finished folder (a sweep, backtest or search): its charts and the first rows of its tables."""
    from sim.core.files import OutputError
    from sim.output.export import folder_tables

    try:
        kind, tables = folder_tables(folder)
    except OutputError as exc:
        ui.label(str(exc)).classes("text-negative")
        return
    ui.label(f"{workspace.relative(folder)} ({kind})").classes("text-h6 folder-title")
    downloads(workspace, folder, tuple(tables))
    for chart in sorted(folder.glob("*.png"), key=_chart_rank):
        ui.label(chart.name).classes("font-bold")
        _image(workspace, chart)
    for name, table in tables.items():
        head = table.head(50).astype(object).where(table.head(50).notna(), None)
        rows = [
            {
                str(k): (v if isinstance(v, (int, float, str, bool)) or v is None else str(v))
                for k, v in row.items()
            }
            for row in head.to_dict("records")
        ]
        with ui.expansion(f"{name}: {len(table)} rows (first 50 shown)").classes("w-full"):
            if rows:
                _table(rows, f"folder-table-{name}")


__all__ = ["show_run", "show_comparison", "show_folder", "downloads"]
