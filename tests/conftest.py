"""Shared fixtures: paths of the shipped scenarios and small scenarios for fast tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "syria_2013.yaml"
DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "tiny.yaml"

os.environ.setdefault("MPLBACKEND", "Agg")

# CI runs a fixed, modest profile; `pytest --hypothesis-profile=long` for a longer campaign.
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def baseline():
    from sim.loading import load_scenario

    return load_scenario(BASELINE)


@pytest.fixture(scope="session")
def tiny():
    from sim.loading import load_scenario

    return load_scenario(TINY)
