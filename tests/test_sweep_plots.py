"""Every sweep chart renders (Agg) with labelled axes and a title, and the report embeds them all."""

from __future__ import annotations

import matplotlib
import pytest

import sim
from sim.charts.sweep import (plot_discovery, plot_heatmap, plot_morris, plot_scatter, plot_sobol, plot_tornado, save_sweep_charts)
from sim.report.sweep import render_report
from test_sweep_design import write_sweep

matplotlib.use("Agg")

PARAMETERS = [
    "{path: convoys.tonnes_per_convoy, low: 10, high: 30}",
    "{path: inspectorate.teams, values: [1, 2]}",
]
OUTCOMES = ["removal_complete_day", "deadline:removal_by_day_30", "convoys"]
OVERRIDES = ["convoys.loading_days={dist: uniform, low: 0, high: 3}"]


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweeps")
    out = {}
    for method, samples in (("oat", 3), ("grid", 3), ("morris", 4), ("sobol", 8), ("lhs", 12)):
        path = write_sweep(folder, method=method, samples=samples, replications=4, parameters=PARAMETERS,
                           outcomes=OUTCOMES, discovery=["removal_complete_day > 2020-02-01"], name=method)
        out[method] = sim.sweep(path, workers=1, overrides=OVERRIDES)
    return out


def _labelled(ax) -> None:
    assert ax.get_xlabel().strip() and ax.get_ylabel().strip(), (ax.get_xlabel(), ax.get_ylabel())
    assert ax.get_title(loc="left").strip() or ax.figure._suptitle is not None


def test_every_chart_has_labelled_axes_and_a_title(sweeps):
    oat, grid, morris, sobol = sweeps["oat"], sweeps["grid"], sweeps["morris"], sweeps["sobol"]
    start = oat.sweep.base.start_date
    for outcome in oat.sweep.outcomes:
        ax = plot_tornado(oat.sensitivity["oat"][outcome.spec], outcome, start_date=start)
        _labelled(ax)
        assert "against the base" in ax.get_xlabel()
        ticks = [t.get_text() for t in ax.get_yticklabels()]
        assert ticks[-1].startswith("convoys.tonnes_per_convoy")  # the largest swing on top
        _labelled(plot_morris(morris.sensitivity["morris"][outcome.spec], outcome))
        _labelled(plot_sobol(sobol.sensitivity["sobol"][outcome.spec], outcome))
        _labelled(plot_heatmap(grid.points, grid.design, outcome, start))
        for panel in plot_scatter(grid.points, grid.design, outcome, start):
            assert panel.get_xlabel()
        assert plot_scatter(grid.points, grid.design, outcome, start)[0].get_ylabel()
    ax = plot_discovery(grid.sensitivity["discovery"][0])
    _labelled(ax)
    assert "coverage" in ax.get_title(loc="left")
    sobol_ax = plot_sobol(sobol.sensitivity["sobol"]["removal_complete_day"], sobol.sweep.outcomes[0])
    assert {t.get_text() for t in sobol_ax.get_legend().get_texts()} >= {
        "S1: share of the variance it explains alone",
        "ST: total share, its interactions with the others included",
    }


def test_save_writes_every_chart_and_a_self_contained_report(sweeps, tmp_path):
    expected = {
        "oat": {"tornado_removal_complete_day.png", "scatter_removal_complete_day.png", "discovery_1.png"},
        "grid": {"heatmap_removal_complete_day.png", "heatmap_removal_by_day_30.png", "heatmap_convoys.png"},
        "morris": {"morris_removal_complete_day.png", "morris_convoys.png"},
        "sobol": {"sobol_removal_complete_day.png", "sobol_removal_by_day_30.png"},
        "lhs": {"scatter_convoys.png", "discovery_1.png"},
    }
    for method, results in sweeps.items():
        folder = tmp_path / method
        folder.mkdir()
        charts = save_sweep_charts(results, folder)
        assert expected[method] <= set(charts), (method, charts)
        for name in charts:
            assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        page = render_report(results, folder, charts)
        assert page.count("data:image/png;base64,") == len(charts)
        assert "src='http" not in page and 'src="http' not in page
        assert "coverage" in page and results.sweep.name in page


def test_the_one_at_a_time_line_runs_through_the_base_point(sweeps):
    """Each panel's line joins every level of its parameter, the base's included, in order of the value."""
    oat = sweeps["oat"]
    outcome = oat.sweep.outcomes[0]
    for ax, space in zip(plot_scatter(oat.points, oat.design, outcome), oat.design.spaces):
        line = ax.get_lines()[0]
        xs = list(line.get_xdata())
        base = float(oat.points[space.name].iloc[0])
        assert base in xs and xs == sorted(xs)
        assert len(xs) == 1 + sum(v == space.name for v in oat.design.varied)
