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
    from sim.scenario.loading import load_scenario

    return load_scenario(BASELINE)


@pytest.fixture(scope="session")
def tiny():
    from sim.scenario.loading import load_scenario

    return load_scenario(TINY)


def write_synthetic_record(path: Path, name: str, scenario, milestone_dates: dict[str, str],
                           curve_points: list[tuple[str, int, float]], note: str) -> Path:
    """Write an observed record made up from simulated values: a row per milestone date and per
    (quantity, day, value) curve point, each sourced to a placeholder page."""
    import yaml

    source = [{"title": "synthetic", "url": "https://example.org/synthetic"}]
    rows = [{"id": m, "milestone": m, "date": date, "confidence": "high", "confidence_note": note,
             "sources": source} for m, date in milestone_dates.items()]
    rows += [{"id": f"{quantity}_{day}", "quantity": quantity, "date": scenario.date_of(day).isoformat(),
              "value": value, "confidence": "high", "confidence_note": note, "sources": source}
             for quantity, day, value in curve_points]
    path.write_text(yaml.safe_dump({"name": name, "description": "synthetic", "observations": rows},
                                   sort_keys=False), encoding="utf-8")
    return path
