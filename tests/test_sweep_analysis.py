"""Known answers through the sweep's own analysis code: SALib's Ishigami function for Sobol, exact elementary
effects for Morris, and a scenario parameter that provably has no effect next to one that matters."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.sweeps.analysis import morris_indices, sobol_indices
from sim.sweeps.design import ParameterSpace, make_design
from test_sweep_design import write_sweep


def _uniform(name: str, low: float, high: float) -> ParameterSpace:
    return ParameterSpace(name, (name,), "float", low=low, high=high)


def ishigami(X: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])


# Analytic indices of the Ishigami function with a = 7, b = 0.1 (Saltelli et al. 2008, SALib's test values).
ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def test_sobol_indices_of_the_ishigami_function_match_the_analytic_values_within_their_intervals():
    spaces = [_uniform(f"x{i}", -math.pi, math.pi) for i in (1, 2, 3)]
    design = make_design("sobol", spaces, 1024, seed=1)
    assert design.size == 1024 * (3 + 2)
    result = sobol_indices(design, ishigami(design.matrix()), seed=1)["indices"]
    for name in ("x1", "x2", "x3"):
        entry = result[name]
        assert abs(entry["S1"] - ISHIGAMI_S1[name]) <= entry["S1_conf"], (name, entry)
        assert abs(entry["ST"] - ISHIGAMI_ST[name]) <= entry["ST_conf"], (name, entry)
        assert entry["S1_ci95"] == pytest.approx(
            [entry["S1"] - entry["S1_conf"], entry["S1"] + entry["S1_conf"]]
        )
    assert result["x2"]["ST"] > 0.3 and result["x1"]["ST"] > 0.4  # the two that matter, clearly positive


def test_morris_elementary_effects_are_exact_for_linear_quadratic_and_inert_inputs():
    spaces = [_uniform("a", 0, 2), _uniform("b", 0, 1), _uniform("c", -1, 1)]
    design = make_design("morris", spaces, 20, seed=3, levels=4)
    assert design.size == 20 * (3 + 1)
    X = design.matrix()
    result = morris_indices(design, 3 * X[:, 0] + X[:, 2] ** 2, seed=3)["indices"]
    # y = 3a over a range of 2: every elementary effect, per full range, is exactly 6; b does nothing.
    assert result["a"]["mu_star"] == pytest.approx(6.0) and result["a"]["sigma"] == pytest.approx(
        0.0, abs=1e-12
    )
    assert result["b"]["mu_star"] == 0.0 and result["b"]["sigma_ci95"] == [0.0, 0.0]
    # c^2 on the 4-level grid {-1, -1/3, 1/3, 1}, steps of 2/3 of the range: effects of +-4/3.
    assert result["c"]["mu_star"] == pytest.approx(4 / 3)
    assert abs(result["c"]["mu"]) < result["c"]["mu_star"]  # effects of both signs: non-monotonic
    lo, hi = result["c"]["sigma_ci95"]
    assert 0 < lo <= result["c"]["sigma"] <= hi + 1e-12


def test_a_parameter_without_effect_gets_zero_indices_and_one_that_matters_a_positive_one(tmp_path):
    # In the tiny scenario, dispersal is off: its hideouts provably change nothing. The load per convoy
    # decides how many convoys the 30 t need. Common random numbers make the inert parameter's indices 0.
    path = write_sweep(tmp_path, method="sobol", samples=32, replications=4, parameters=[
        "{path: convoys.tonnes_per_convoy, low: 10, high: 30}",
        "{path: dispersal.hideouts, low: 1, high: 50}",
    ], outcomes=["removal_complete_day", "deadline:removal_by_day_30"])
    results = sim.sweep(path, workers=1, overrides=["convoys.loading_days={dist: uniform, low: 0, high: 3}"])
    indices = results.sensitivity["sobol"]["removal_complete_day"]["indices"]
    inert, lever = indices["dispersal.hideouts"], indices["convoys.tonnes_per_convoy"]
    assert inert["S1"] == 0.0 and inert["ST"] == 0.0 and inert["ST_ci95"] == [0.0, 0.0]
    assert lever["ST_ci95"][0] > 0.5 and lever["S1_ci95"][0] > 0.5
    assert results.design.size == 32 * 4
    hideouts = results.points["dispersal.hideouts"]
    assert hideouts.dtype.kind == "i" and hideouts.between(1, 50).all()


def test_one_at_a_time_effects_are_paired_differences_against_the_base(tmp_path):
    path = write_sweep(tmp_path, method="oat", samples=2, replications=10, parameters=[
        "{path: convoys.tonnes_per_convoy, low: 10, high: 30}",
        "{path: dispersal.hideouts, low: 1, high: 50}",
    ], outcomes=["removal_complete_day"])
    results = sim.sweep(path, workers=1, overrides=["convoys.loading_days={dist: uniform, low: 0, high: 3}"])
    oat = results.sensitivity["oat"]["removal_complete_day"]
    first, second = oat["effects"]
    assert first["parameter"] == "convoys.tonnes_per_convoy"  # sorted by swing
    assert first["low"]["value"] == 10 and first["low"]["ci95"][0] > 0  # smaller loads: more convoys, later
    assert first["high"]["difference"] < 0  # 30 t in one convoy instead of two of 20 t: sooner
    assert second["swing"] == 0.0 and second["low"]["ci95"] == [0.0, 0.0]
    base = results.points.loc[0, "removal_complete_day_mean"]
    assert oat["base_mean"] == pytest.approx(base)
