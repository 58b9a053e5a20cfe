"""Scenario discovery: PRIM recovers a planted box, and thresholds read as documented."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from sim.scenario.loading import load_scenario

from sim.sweeps.prim import prim
from sim.sweeps.outcomes import parse_threshold
from conftest import BASELINE


def _planted(noise: float, seed: int = 7, n: int = 3000):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(0, 1, n), rng.uniform(0, 100, n), rng.uniform(-1, 1, n),
                         rng.integers(1, 5, n)]).astype(float)
    inside = (X[:, 0] <= 0.4) & (X[:, 1] >= 50) & (X[:, 3] <= 2)
    y = inside ^ (rng.random(n) < noise)
    return X, y, inside


@pytest.mark.parametrize("noise", [0.0, 0.01])
def test_prim_recovers_a_planted_box(noise):
    X, y, _ = _planted(noise)
    names = ["closure_rate", "delay_days", "irrelevant", "escorts"]
    result = prim(X, y, names, kinds={"escorts": "int"})
    box = result.box
    assert box.coverage >= 0.8 and box.density >= 0.8
    restricted = result.restrictions()
    assert set(restricted) == {"closure_rate", "delay_days", "escorts"}  # the irrelevant input is not named
    assert (
        restricted["closure_rate"][1] == pytest.approx(0.4, abs=0.03)
        and restricted["closure_rate"][0] is None
    )
    assert restricted["delay_days"][0] == pytest.approx(50, abs=3) and restricted["delay_days"][1] is None
    assert restricted["escorts"] == (None, 2.0)
    statement = result.statement("Removal misses 2014-06-30")
    assert re.match(
        r"Removal misses 2014-06-30 when closure_rate <= 0\.(39|4)\d* and delay_days >= (4|5)\d", statement
    )
    assert (
        "escorts <= 2" in statement and f"coverage {box.coverage:.2f}, density {box.density:.2f}" in statement
    )
    assert all(p < 0.05 for p in result.quasi_p.values())
    trajectory = [(b.coverage, b.density) for b in result.trajectory]
    assert trajectory[0] == (1.0, pytest.approx(y.mean()))  # peeling starts from the whole space


def test_prim_counts_design_points_not_replications_when_judging_a_restriction():
    # 6 design points, 200 replications each; the outcome depends on nothing: whatever box PRIM peels to,
    # no restriction is significant once the replications of a point are not counted as independent.
    rng = np.random.default_rng(2)
    points = rng.uniform(0, 1, (6, 2))
    groups = np.repeat(np.arange(6), 200)
    X = points[groups]
    y = rng.random(len(groups)) < 0.3
    result = prim(X, y, ["a", "b"], groups=groups)
    assert result.restrictions() == {}
    assert "no restriction" in result.statement("late")


def test_prim_says_so_when_the_outcome_never_or_always_happens():
    X = np.random.default_rng(0).uniform(0, 1, (50, 2))
    assert "never happens" in prim(X, np.zeros(50, bool), ["a", "b"]).statement("Late")
    assert "every run" in prim(X, np.ones(50, bool), ["a", "b"]).statement("Late")


def test_thresholds_compare_calendar_dates_and_count_unreached_as_later():
    base = load_scenario(BASELINE)
    t = parse_threshold("removal_complete_day > 2014-06-30", base)
    day = (dt.date(2014, 6, 30) - base.start_date).days
    assert t.holds(np.array([day + 0.99, day + 1.0, np.nan]), base.start_date).tolist() == [False, True, True]
    assert t.words == "All chemicals removed after 2014-06-30"
    hidden = parse_threshold("hidden_tonnes >= 10", base)
    assert hidden.holds(np.array([9.9, 10.0]), base.start_date).tolist() == [False, True]
    assert parse_threshold("deadline:removal_by_5_february == 0", base).words == \
        "deadline removal_by_5_february missed"
    assert parse_threshold("detected == 0", base).words == "dispersal never detected"
    for bad, fragment in (
        ("hidden_tonnes >> 3", "cannot read threshold"),
        ("hidden_tonnes > 2014-01-01", "a date"),
        ("hiden_tonnes > 3", "did you mean 'hidden_tonnes'"),
        ("hidden_tonnes > soon", "a number"),
    ):
        with pytest.raises(ValueError, match=fragment):
            parse_threshold(bad, base)
