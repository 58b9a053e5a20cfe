"""Charts of a sweep: data in, Axes out (the style of :mod:`sim.charts.style`).

* :func:`plot_tornado` - one at a time: each parameter's effect on an outcome at its lowest and highest value;
* :func:`plot_morris` - Morris screening: mu* against sigma, with their 95% intervals;
* :func:`plot_sobol` - Sobol indices S1 and ST with their 95% intervals;
* :func:`plot_heatmap` - a two-parameter grid: the outcome in every cell;
* :func:`plot_scatter` - each parameter against an outcome, one panel per parameter;
* :func:`plot_discovery` - PRIM's peeling trajectory (coverage against density) and the chosen box.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.charts.style import save_figure
from sim.charts.sweep_indices import plot_morris, plot_sobol, plot_tornado
from sim.charts.sweep_labels import outcome_text, parameter_unit
from sim.charts.sweep_points import plot_calibration, plot_discovery, plot_heatmap, plot_scatter

if TYPE_CHECKING:  # pragma: no cover
    from sim.sweeps.api import SweepResults


def save_sweep_charts(results: "SweepResults", folder: Path) -> list[str]:
    """Draw every chart of a finished sweep into ``folder``; returns the file names."""
    sw, design, s = results.sweep, results.design, results.sensitivity
    start = sw.base.start_date
    charts: dict[str, Any] = {}
    for outcome in sw.outcomes:
        key = outcome.spec
        if "oat" in s and s["oat"][key]["effects"]:
            charts[f"tornado_{outcome.name}.png"] = lambda o=outcome, k=key: plot_tornado(
                s["oat"][k],
                o,
                f"{sw.name}: what moves '{outcome_text(o)}' most, one parameter at a time "
                f"({sw.replications} replications a point, the same seeds at every point)",
                start,
            )
        if "morris" in s and "indices" in s["morris"][key]:
            charts[f"morris_{outcome.name}.png"] = lambda o=outcome, k=key: plot_morris(s["morris"][k], o)
        if "sobol" in s and "indices" in s["sobol"][key]:
            charts[f"sobol_{outcome.name}.png"] = lambda o=outcome, k=key: plot_sobol(s["sobol"][k], o)
        if design.method == "grid" and len(design.spaces) == 2:
            charts[f"heatmap_{outcome.name}.png"] = lambda o=outcome: plot_heatmap(
                results.points, design, o, start
            )
        charts[f"scatter_{outcome.name}.png"] = lambda o=outcome: plot_scatter(
            results.points, design, o, start
        )[0]
    for i, entry in enumerate(s.get("discovery", [])):
        charts[f"discovery_{i + 1}.png"] = lambda e=entry: plot_discovery(e)
    for name, draw in charts.items():
        save_figure(draw(), Path(folder) / name)
    return list(charts)


__all__ = ["plot_tornado", "plot_morris", "plot_sobol", "plot_heatmap", "plot_scatter", "plot_discovery",
           "plot_calibration", "save_sweep_charts", "parameter_unit"]
