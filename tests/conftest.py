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


def tiny_record(folder: Path, name: str = "tiny_record.yaml") -> Path:
    """An observed record for tests/data/tiny.yaml (every value fixed): 20 of its 30 t sail on day 24
    (2020-01-25), the rest on day 31 (2020-02-01)."""
    import yaml

    path = folder / name
    path.write_text(yaml.safe_dump({"name": "tiny_record", "description": "x", "observations": [
        {"id": "removal_complete", "milestone": "removal_complete", "date": "2020-02-01", "confidence": "high",
         "confidence_note": "x", "sources": [{"title": "t", "url": "https://example.org/x"}]},
        {"id": "removed", "quantity": "removed_fraction", "date": "2020-01-26", "value": 0.9, "confidence": "high",
         "confidence_note": "x", "sources": [{"title": "t", "url": "https://example.org/x"}]},
    ]}, sort_keys=False), encoding="utf-8")
    return path


def group_alive(pgid: int) -> list[str]:
    """The processes of a process group still running (zombies excluded), from /proc."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(f"{entry.name} {stat[stat.index('(') + 1:stat.rindex(')')]}")
    return alive
