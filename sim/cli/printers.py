"""What the commands print: tables of milestones, deadlines, differences, scores and fits (Rich)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from sim.core.contract import MILESTONE_LABELS


def print_summary(summary: dict[str, Any], folder: Path) -> None:
    from rich.console import Console
    from rich.table import Table


    console = Console()
    table = Table(title=f"{summary['scenario']}: milestone dates over {summary['replications']} replications "
                        f"(seed {summary['seed']})", title_justify="left")
    for column in ("milestone", "reached", "p10", "median", "p90"):
        table.add_column(column, justify="left" if column == "milestone" else "right")
    for milestone, entry in summary["milestones"].items():
        if entry["reached_fraction"] == 0:
            continue
        table.add_row(MILESTONE_LABELS.get(milestone, milestone), f"{entry['reached_fraction']:.0%}",
                      *(entry[f"{p}_date"] or "not reached" for p in ("p10", "p50", "p90")))
    console.print(table)
    if summary["deadlines"]:
        deadlines = Table(title="Deadlines: probability of being met", title_justify="left")
        for column in ("deadline", "date", "P(met)", "95% interval"):
            deadlines.add_column(column, justify="left" if column == "deadline" else "right")
        for name, entry in summary["deadlines"].items():
            lo, hi = entry["ci95"]
            deadlines.add_row(name, entry["date"], f"{entry['p_met']:.0%}", f"{lo:.0%}-{hi:.0%}")
        console.print(deadlines)
    v = summary["verification"]
    if v.get("concealment") or v["dispersal_enabled"] or v["hidden_tonnes"]["mean"] > 0:
        lo, hi = v["p_detected_ci95"]
        det = v["detection_day"]
        console.print(f"Concealment detected (an issue raised) in {v['p_detected']:.0%} of runs (95% interval "
                      f"{lo:.0%}-{hi:.0%}); median first issue {det['p50_date'] or 'not reached'}; hidden at the "
                      f"horizon: median {v['hidden_tonnes']['p50']:.1f} t, 90th percentile "
                      f"{v['hidden_tonnes']['p90']:.1f} t")
        judged = v.get("p_judged_complete_by") or []
        if judged:
            console.print(f"Declaration judged complete by {judged[-1]['date']} in {judged[-1]['p']:.0%} of runs "
                          f"(docs/verification.md)")
    console.print(f"Results written to {folder}{os.sep}")


def print_comparison(data: dict[str, Any], folder: Path) -> None:
    from rich.console import Console
    from rich.table import Table


    console = Console()
    for name, metrics in data["scenarios"].items():
        table = Table(title=f"{name} minus {data['baseline']}: paired differences over {data['replications']} "
                            f"replications (seed {data['seed']})", title_justify="left")
        for column in ("outcome", "unit", "mean difference", "95% interval", "censored pairs"):
            table.add_column(column, justify="left" if column in ("outcome", "unit") else "right")
        for metric, entry in metrics.items():
            unit = entry.get("unit", "")
            scale, shown_unit = (100.0, "% of runs") if unit == "share of runs" else (1.0, unit)
            if entry.get("no_difference"):
                table.add_row(entry.get("label", metric), shown_unit, "no difference", "", "")
                continue
            if entry["mean_diff"] is None:
                table.add_row(entry.get("label", metric), shown_unit, "--", "", "")
                continue
            lo, hi = entry["ci95"]
            interval = "" if lo is None else f"{lo * scale:+.1f} to {hi * scale:+.1f}"
            table.add_row(entry.get("label", metric), shown_unit, f"{entry['mean_diff'] * scale:+.1f}", interval,
                          str(entry["censored_pairs"] or ""))
        console.print(table)
        deadlines = data.get("deadlines", {}).get(name, {})
        if deadlines:
            table = Table(title=f"{name} against {data['baseline']}: chance of meeting each deadline",
                          title_justify="left")
            for column in ("deadline", "date", f"P(met), {data['baseline']}", f"P(met), {name}", "difference",
                           "95% interval"):
                table.add_column(column, justify="left" if column == "deadline" else "right")
            for deadline_id, entry in deadlines.items():
                lo, hi = entry["ci95"]
                change = "no difference" if entry["no_difference"] else f"{100 * entry['difference']:+.0f} points"
                interval = "" if entry["no_difference"] or lo is None else f"{100 * lo:+.0f} to {100 * hi:+.0f}"
                table.add_row(deadline_id.replace("_", " "), entry["date"], f"{entry['p_met_baseline']:.0%}",
                              f"{entry['p_met']:.0%}", change, interval)
            console.print(table)
    console.print(f"Results written to {folder}{os.sep}")


def print_sweep(results: Any, folder: Path) -> None:
    s = results.sensitivity

    def amount(value: float, unit: str) -> str:
        return f"{value:.0%} of runs" if unit == "share of runs" else f"{value:.3g} {unit}".strip()

    print(f"{s['sweep']}: {s['method']}, {s['points']} points x {s['replications']} replications (seed {s['seed']}), "
          f"{results.wall_seconds:.1f} s of simulation")
    for outcome in results.sweep.outcomes:
        key = outcome.spec
        if "oat" in s and s["oat"][key]["effects"]:
            top = s["oat"][key]["effects"][0]
            print(f"  {key}: largest one-at-a-time swing: {top['parameter']} ({amount(top['swing'], outcome.unit)})")
        for method, index in (("morris", "mu_star"), ("sobol", "ST")):
            indices = s.get(method, {}).get(key, {}).get("indices")
            if indices:
                name, entry = max(indices.items(), key=lambda kv: kv[1][index])
                print(f"  {key}: highest {index}: {name} ({entry[index]:.3g})")
    for entry in s.get("discovery", []):
        print(f"  discovery: {entry['statement']}")
    print(f"Results written to {folder}{os.sep}")


def print_backtest(data: dict[str, Any], folder: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 132)  # a file or pipe gets the whole table
    table = Table(title=f"{data['scenario']} against {data['record']}: {data['replications']} replications "
                        f"(seed {data['seed']})", title_justify="left")
    for column in ("observation", "confidence", "observed", "p10", "median", "p90", "PIT", "80% band"):
        table.add_column(column, justify="left" if column in ("observation", "confidence") else "right")

    def show(row: dict[str, Any], key: str) -> str:
        if row["unit"] == "days":
            return row[f"{key}_date"] or "not reached"
        if row["unit"] == "count":
            return f"{row[key]:g}"
        if row["unit"] == "probability":  # a binary row: its band of 0/1 values, the median as the forecast p
            return f"p={row['p']:.0%}" if key == "p50" else ("yes" if row[key] else "no")
        return f"{row[key]:.1%}"

    def observed_of(row: dict[str, Any]) -> str:
        if row["unit"] == "days":
            return row["observed"]
        if row["unit"] == "count":
            return f"{row['observed']:g}"
        if row["unit"] == "probability":
            return "yes" if row["observed"] else "no"
        return f"{row['observed']:.1%}"

    for row in data["observations"]:
        observed = observed_of(row)
        table.add_row(row["id"], row["confidence"], observed, show(row, "p10"), show(row, "p50"), show(row, "p90"),
                      f"{row['pit']:.2f}", row["position"])
    console.print(table)
    s = data["summary"]
    c = s["coverage"]
    lo, hi = c["all"]["coverage_ci95"]
    console.print(f"Coverage of the 80% bands: {c['all']['inside']} of {c['all']['n']} ({c['all']['coverage']:.0%}, "
                  f"95% interval {lo:.0%}-{hi:.0%}); milestones {c['milestones']['inside']}/{c['milestones']['n']}, "
                  f"removed {c['removed_fraction']['inside']}/{c['removed_fraction']['n']}, "
                  f"destroyed {c['destroyed_fraction']['inside']}/{c['destroyed_fraction']['n']}", soft_wrap=True)
    m, f = s["milestones"], s["fractions"]
    if m["n"]:
        console.print(f"Milestones: mean absolute error of the median {m['mae']:.1f} days "
                      f"(mean {m['mean_error']:+.1f}; positive: the model is later), "
                      f"mean band width {m['sharpness']:.1f} days", soft_wrap=True)
    if f["n"]:
        console.print(f"Curve points: mean absolute error of the median {f['mae']:.3f} "
                      f"(mean {f['mean_error']:+.3f}; positive: the model is ahead), "
                      f"mean band width {f['sharpness']:.3f}", soft_wrap=True)
    counts, binary = s.get("counts", {}), s.get("binary", {})
    if counts.get("n"):
        console.print(f"Counts and states: mean absolute error of the median {counts['mae']:.1f} "
                      f"(mean {counts['mean_error']:+.1f}), mean band width {counts['sharpness']:.1f}", soft_wrap=True)
    if binary.get("n"):
        console.print(f"Binary events: {binary['n']}, mean Brier score {binary['brier']:.3f}, mean log score "
                      f"{binary['log_score']:.3f} (0 is a certain, right forecast)", soft_wrap=True)
    console.print(f"Results written to {folder}{os.sep}")


def print_calibration(result: Any, folder: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 132)
    table = Table(title=f"{result.base.name} fitted to {result.record.name} ({len(result.targets)} observations)",
                  title_justify="left")
    for column in ("parameter", "range", "as given", "fitted", "within 10% of the best score"):
        table.add_column(column, justify="left" if column == "parameter" else "right")
    for p in result.parameters:
        iv = result.intervals[p.path]
        table.add_row(p.path, f"{p.low:g} to {p.high:g}", f"{result.before['values'][p.path]:.4g}",
                      f"{result.best[p.path]:.4g}", f"{iv['low']:.4g} to {iv['high']:.4g}")
    console.print(table)
    b, a = result.before, result.after
    console.print(f"Score {b['score']:.3f} -> {a['score']:.3f}; inside the 80% bands {b['coverage']['inside']} -> "
                  f"{a['coverage']['inside']} of {a['coverage']['n']}; curve band width "
                  f"{b['curve_width'] or 0:.3f} -> {a['curve_width'] or 0:.3f}", soft_wrap=True)
    console.print(f"Results written to {folder}{os.sep} (calibrated scenario: "
                  f"{result.scenario_path.stem}.calibrated.yaml)", soft_wrap=True)


__all__ = ["print_summary", "print_comparison", "print_sweep", "print_backtest", "print_calibration"]
