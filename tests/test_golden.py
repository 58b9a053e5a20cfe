"""Seeded golden summaries: the model's numbers change only on purpose (tests/golden/regenerate.py)."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
_spec = importlib.util.spec_from_file_location("regenerate", GOLDEN / "regenerate.py")
regenerate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(regenerate)


def assert_close(actual, expected, path="summary"):
    if isinstance(expected, dict):
        assert set(actual) == set(expected), f"{path}: keys differ"
        for key in expected:
            assert_close(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), f"{path}: length differs"
        for k, (a, e) in enumerate(zip(actual, expected)):
            assert_close(a, e, f"{path}[{k}]")
    elif isinstance(expected, float) and actual is not None:
        assert math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-9), f"{path}: {actual} != {expected}"
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


@pytest.mark.parametrize("name", sorted(regenerate.CASES))
def test_summary_matches_the_golden_file(name):
    path, replications, seed = regenerate.CASES[name]
    expected = json.loads((GOLDEN / name).read_text(encoding="utf-8"))
    actual = json.loads(json.dumps(regenerate.golden_summary(path, replications, seed)))
    assert_close(actual, expected)
