"""Distributions: parameters validated, analytic means right, draws only from the Generator given."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from sim.scenario.distributions import (Distribution, Empirical, Exponential, Fixed, Lognormal, NonNegativeDistribution, Pert, ProbabilityDistribution, Triangular, Uniform)

ANY = TypeAdapter(Distribution)
NON_NEGATIVE = TypeAdapter(NonNegativeDistribution)
PROBABILITY = TypeAdapter(ProbabilityDistribution)

CASES = [
    ({"dist": "uniform", "low": 2, "high": 6}, 4.0),
    ({"dist": "triangular", "low": 1, "mode": 2, "high": 6}, 3.0),
    ({"dist": "pert", "low": 0, "mode": 3, "high": 12}, 4.0),
    ({"dist": "pert", "low": 0, "mode": 3, "high": 12, "shape": 2}, 4.5),
    ({"dist": "lognormal", "mean": 5, "sd": 2}, 5.0),
    ({"dist": "exponential", "mean": 7}, 7.0),
    ({"dist": "empirical", "values": [1, 2, 4], "weights": [1, 1, 2]}, 2.75),
    (3.5, 3.5),
]


@pytest.mark.parametrize(("data", "mean"), CASES)
def test_analytic_mean_matches_the_sample_mean(data, mean):
    dist = ANY.validate_python(data)
    assert dist.mean == pytest.approx(mean)
    rng = np.random.default_rng(2024)
    draws = np.array([dist.sample(rng) for _ in range(40_000)])
    assert draws.mean() == pytest.approx(mean, rel=0.03, abs=0.02)
    lo, hi = dist.support()
    assert draws.min() >= lo and draws.max() <= hi


def test_bare_number_is_a_fixed_value_and_draws_nothing():
    dist = ANY.validate_python(4)
    assert isinstance(dist, Fixed)
    rng = np.random.default_rng(1)
    state = rng.bit_generator.state
    assert dist.sample(rng) == 4
    assert rng.bit_generator.state == state


def test_readable_repr():
    assert repr(ANY.validate_python({"dist": "triangular", "low": 2, "mode": 3, "high": 6})) == \
        "triangular(low=2, mode=3, high=6)"
    assert repr(ANY.validate_python(2.5)) == "2.5"
    assert repr(ANY.validate_python({"dist": "lognormal", "mean": 3, "sd": 1})) == "lognormal(mean=3, sd=1)"


def test_same_generator_state_gives_the_same_draws():
    dist = ANY.validate_python({"dist": "pert", "low": 1, "mode": 2, "high": 9})
    a = [dist.sample(np.random.default_rng(5)) for _ in range(3)]
    b = [dist.sample(np.random.default_rng(5)) for _ in range(3)]
    assert a == b


@pytest.mark.parametrize("data, fragment", [
    ({"dist": "uniform", "low": 3, "high": 2}, "low <= high"),
    ({"dist": "triangular", "low": 1, "mode": 5, "high": 4}, "low <= mode <= high"),
    ({"dist": "pert", "low": 1, "mode": 0, "high": 4}, "low <= mode <= high"),
    ({"dist": "lognormal", "mean": -1, "sd": 1}, "greater than 0"),
    ({"dist": "exponential", "mean": 0}, "greater than 0"),
    ({"dist": "empirical", "values": [1, 2], "weights": [1]}, "one weight per value"),
    ({"dist": "empirical", "values": [1, 2], "weights": [0, 0]}, "must not all be zero"),
    ({"dist": "gamma", "shape": 1}, "does not match any of the expected tags"),
    ({"low": 1, "high": 2}, "needs a 'dist' key"),
    ("soon", "expected a number or a distribution"),
    (float("nan"), "finite number"),
    ({"dist": "uniform", "low": 1, "high": 2, "mode": 1}, "Extra inputs"),
])
def test_bad_parameters_are_refused(data, fragment):
    with pytest.raises(ValidationError) as info:
        ANY.validate_python(data)
    assert fragment in str(info.value)


def test_non_negative_and_probability_bounds():
    with pytest.raises(ValidationError, match="must not be negative"):
        NON_NEGATIVE.validate_python({"dist": "uniform", "low": -1, "high": 2})
    with pytest.raises(ValidationError, match=r"must lie in \[0, 1\]"):
        PROBABILITY.validate_python({"dist": "uniform", "low": 0.5, "high": 1.5})
    assert PROBABILITY.validate_python({"dist": "uniform", "low": 0.2, "high": 0.9}).mean == pytest.approx(0.55)


def test_families_are_frozen():
    dist = Uniform(dist="uniform", low=1, high=2)
    with pytest.raises(ValidationError):
        dist.low = 5  # type: ignore[misc]
    for cls in (Fixed, Uniform, Triangular, Pert, Lognormal, Exponential, Empirical):
        assert cls.model_config["frozen"] is True
