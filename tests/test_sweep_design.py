"""Sweep designs: which values each point takes, integers for whole-number keys, seeds, and determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from conftest import SCENARIOS, TINY
from sim.scenario.distributions import Pert, Triangular
from sim.sweeps.loading import load_sweep
from sim.sweeps.design import ParameterSpace, make_design, quantile
from sim.execution.replicate import chunk_size_for, plan_tasks
from sim.core.streams import replication_seed


def write_sweep(folder: Path, method: str = "oat", samples: int | None = None, replications: int = 3,
                parameters: list[str] | None = None, outcomes: list[str] | None = None,
                discovery: list[str] | None = None, base: Path = TINY, name: str = "tiny_sweep",
                extra: str = "") -> Path:
    """A sweep file on a scenario (default: the tiny one), parameters and outcomes as YAML flow text."""
    parameters = parameters or ["{path: convoys.tonnes_per_convoy, low: 10, high: 30}"]
    outcomes = outcomes or ["removal_complete_day"]
    lines = [f"base: {base}", f"method: {method}", f"replications: {replications}", "seed: 3"]
    if samples is not None:
        lines.append(f"samples: {samples}")
    lines.append("parameters:")
    lines += [f"  - {p}" for p in parameters]
    lines.append("outcomes:")
    lines += [f"  - {o}" for o in outcomes]
    if discovery:
        lines.append("discovery:")
        lines += [f"  - {d}" for d in discovery]
    path = folder / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def test_one_at_a_time_varies_each_parameter_alone_around_the_base():
    sw = load_sweep(SCENARIOS / "sweeps" / "levers_oat.yaml", samples=4, replications=20)
    design = sw.design()
    frame = design.frame()
    assert design.varied[0] is None and frame.loc[0, "varied"] == "base"
    assert design.assignments()[0] == {}  # the base point is the base scenario unchanged
    teams = frame[frame["varied"] == "inspectorate.teams"]["inspectorate.teams"].tolist()
    escorts = frame[frame["varied"] == "convoys.escorts"]["convoys.escorts"].tolist()
    assert teams == [1, 3, 4, 6] and escorts == [1, 2, 3, 4]  # four levels, whole numbers
    assert frame["convoys.escorts"].dtype.kind == "i"
    for i, assignment in enumerate(design.assignments()[1:], start=1):
        assert list(assignment) == [design.varied[i]]  # one parameter at a time
        value = assignment[design.varied[i]]
        space = next(s for s in design.spaces if s.name == design.varied[i])
        assert isinstance(value, int) == (space.kind == "int")
    untouched = frame[frame["varied"] == "convoys.escorts"]
    assert (untouched["inspectorate.teams"] == 3).all() and (untouched["pressure.level"] == 0.25).all()
    # A tied parameter sets every listed path; each point's scenario validates.
    scenario = sw.point_scenario({"ships.capacity_tonnes": 250.0})
    assert [ship.capacity_tonnes for ship in scenario.ships] == [250.0, 250.0]


def test_grid_is_every_combination_of_levels():
    sw = load_sweep(SCENARIOS / "sweeps" / "grid_escorts_closures.yaml", samples=3)
    design = sw.design()
    frame = design.frame()
    assert design.size == 3 * 3
    assert sorted(set(frame["convoys.escorts"])) == [1, 3, 4]  # 1, 2.5, 4 rounded, halves up
    assert sorted(set(frame["security.mean_days_between_closures"])) == [15.0, 67.5, 120.0]
    scenario = sw.point_scenario(design.assignments()[-1])
    assert {r.mean_days_between_closures.mean for r in scenario.security.regions} == {120.0}


@pytest.mark.parametrize("method,samples,size", [("lhs", 16, 16), ("morris", 5, 5 * 3), ("sobol", 8, 8 * 4)])
def test_sampled_designs_have_the_documented_sizes_and_depend_only_on_the_seed(method, samples, size):
    spaces = [ParameterSpace("n", ("n",), "int", low=1, high=4),
              ParameterSpace("p", ("p",), "float", values=(0.1, 0.2, 0.5))]
    one = make_design(method, spaces, samples, seed=5)
    assert one.size == size and one.unit.shape == (size, 2)
    assert make_design(method, spaces, samples, seed=5).values == one.values
    assert make_design(method, spaces, samples, seed=6).values != one.values
    assert all(isinstance(row[0], int) and 1 <= row[0] <= 4 for row in one.values)
    assert all(row[1] in (0.1, 0.2, 0.5) for row in one.values)


def test_unit_coordinates_map_to_equally_likely_whole_numbers_and_list_items():
    u = (np.arange(4000) + 0.5) / 4000
    counts = pd.Series(ParameterSpace("n", ("n",), "int", low=1, high=4).from_unit(u)).value_counts()
    assert sorted(counts.index) == [1, 2, 3, 4] and (counts == 1000).all()
    items = pd.Series(ParameterSpace("v", ("v",), "bool", values=(False, True)).from_unit(u)).value_counts()
    assert items[True] == items[False] == 2000


def test_distribution_quantiles_match_scipy_and_the_distribution_means():
    tri = Triangular(dist="triangular", low=1, mode=2, high=6)
    pert = Pert(dist="pert", low=5, mode=7, high=25)
    u = (np.arange(20000) + 0.5) / 20000
    assert quantile(tri, u).mean() == pytest.approx(tri.mean, rel=1e-3)
    assert quantile(pert, u).mean() == pytest.approx(pert.mean, rel=1e-3)
    assert quantile(tri, np.array([0.0, 1.0])).tolist() == [1.0, 6.0]
    space = ParameterSpace("d", ("d",), "float", distribution=tri)
    assert space.levels(2) == pytest.approx(list(quantile(tri, np.array([0.1, 0.9]))))


def test_tasks_never_span_two_points_and_cover_every_replication():
    tasks = plan_tasks(5, 23, chunk_size_for(5 * 23, workers=2))
    for point in range(5):
        mine = [t for t in tasks if t.point == point]
        covered = [k for t in mine for k in range(t.first, t.first + t.count)]
        assert covered == list(range(23))
    assert len({t.count for t in tasks if t.first == 0}) == 1


def test_results_do_not_depend_on_chunk_size_and_use_common_random_numbers(tmp_path):
    path = write_sweep(tmp_path, method="grid", samples=2, replications=7, parameters=[
        "{path: convoys.tonnes_per_convoy, low: 10, high: 30}", "{path: inspectorate.teams, values: [1, 2]}"],
        outcomes=["removal_complete_day", "deadline:removal_by_day_30", "convoys"])
    overrides = ["convoys.loading_days={dist: uniform, low: 0, high: 3}"]
    one = sim.sweep(path, workers=1, chunk_size=1, overrides=overrides)
    other = sim.sweep(path, workers=1, chunk_size=5, overrides=overrides)
    pd.testing.assert_frame_equal(one.points, other.points)
    pd.testing.assert_frame_equal(one.runs, other.runs)
    runs = one.runs
    assert runs["point"].is_monotonic_increasing
    for _, group in runs.groupby("point"):  # replication k of every point: seed replication_seed(seed, k)
        assert group["seed"].tolist() == [replication_seed(3, k) for k in range(7)]
    assert list(one.points["point"]) == list(range(4))
    assert {
        "removal_complete_day_mean",
        "removal_complete_day_p10",
        "removal_complete_day_p50",
        "removal_complete_day_p90",
        "removal_complete_day_reached",
        "removal_by_day_30_p_met",
        "removal_by_day_30_ci_low",
        "removal_by_day_30_ci_high",
        "convoys_mean",
    } <= set(one.points.columns)
    assert one.points["convoys_mean"].tolist() == [3.0, 3.0, 1.0, 1.0]  # 30 t in loads of 10 or 30 t
