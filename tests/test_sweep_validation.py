"""Sweep files are validated like scenarios: every problem names the file, the line and the key path, and
each parameter is checked against the base scenario (its path exists, its values pass the scenario's checks,
whole-number keys get whole numbers)."""

from __future__ import annotations

import pytest

from conftest import BASELINE, ROOT, SCENARIOS
from sim.core.problems import ScenarioError
from sim.sweeps.loading import is_sweep_file, load_sweep

HEADER = f"base: {BASELINE}\nmethod: oat\n"


def problems_of(tmp_path, text: str, **kwargs) -> list[str]:
    path = tmp_path / "bad_sweep.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_sweep(path, **kwargs)
    return [str(p).replace(str(path), "FILE") for p in info.value.problems]


@pytest.mark.parametrize(
    "parameter,expected",
    [
        (
            "{path: convoys.escortz, low: 1, high: 4}",
            "FILE:4: parameters[0].path: convoys.escortz: the base scenario has no key 'escortz' "
            "under convoys (did you mean 'escorts'?)",
        ),
        (
            "{path: convoys.escorts, low: 1.5, high: 4}",
            "FILE:4: parameters[0].low: convoys.escorts takes whole numbers, got 1.5",
        ),
        (
            "{path: convoys.escorts, values: [1, 2.5]}",
            "FILE:4: parameters[0].values[1]: convoys.escorts takes whole numbers, got 2.5",
        ),
        (
            "{path: convoys.escorts, low: 0, high: 4}",
            "FILE:4: parameters[0].low: convoys.escorts = 0 is refused by the "
            "scenario: convoys.escorts: input should be greater than or equal "
            "to 1, got 0",
        ),
        (
            "{path: dispersal.detection.tip_probability_per_move, low: 0, high: 1.5}",
            "FILE:4: parameters[0].high: dispersal.detection.tip_probability_per_move = 1.5 is refused "
            "by the scenario: dispersal.detection.tip_probability_per_move: input should be less than "
            "or equal to 1, got 1.5",
        ),
        (
            "{path: convoys, low: 1, high: 2}",
            "FILE:4: parameters[0].path: convoys is a block of keys, not one value",
        ),
        (
            "{path: 'sites[40].road_days_to_port', low: 1, high: 2}",
            "FILE:4: parameters[0].path: sites[40].road_days_to_port: index 40 is out of range "
            "(sites has 27 items)",
        ),
        (
            "{path: convoys.escorts, low: 1, high: 3, values: [1]}",
            "FILE:4: parameters[0]: give exactly one of low/high (a range), values, or distribution; "
            "got range and values",
        ),
        (
            "{path: convoys.escorts, low: 3, high: 1}",
            "FILE:4: parameters[0]: low must be below high, got low=3, high=1",
        ),
        (
            "{path: convoys.escorts, distribution: {dist: uniform, low: 1, high: 3}}",
            "FILE:4: parameters[0].distribution: convoys.escorts takes whole numbers; "
            "give low/high or values",
        ),
        (
            "{path: 'convoys..escorts', low: 1, high: 3}",
            "FILE:4: parameters[0].path: cannot read key path 'convoys..escorts': unexpected '.'",
        ),
        (
            "{path: compliance.enabled, values: [0, 1]}",
            "FILE:4: parameters[0].values: compliance.enabled is true or false; give values: [false, true]",
        ),
        (
            "{path: convoys.escorts, hihg: 3, low: 1}",
            "FILE:4: parameters[0].hihg: unknown key 'hihg' (did you mean 'high'?)",
        ),
    ],
)
def test_a_bad_parameter_is_named_with_file_line_and_key(tmp_path, parameter, expected):
    problems = problems_of(
        tmp_path, HEADER + f"parameters:\n  - {parameter}\noutcomes: [removal_complete_day]\n"
    )
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    problems = problems_of(tmp_path, HEADER + "parameters:\n"
                           "  - {path: convoys.escorts, low: 0, high: 4}\n"
                           "  - {path: inspectorate.teamz, low: 1, high: 4}\n"
                           "outcomes:\n  - removal_complete_dya\n  - deadline:nope\n"
                           "discovery:\n  - hidden_tonnes >> 2\n")
    keys = [p.split(": ")[1] for p in problems]
    assert keys == ["parameters[0].low", "parameters[1].path", "outcomes[0]", "outcomes[1]", "discovery[0]"]
    assert "did you mean 'removal_complete_day'?" in problems[2]
    assert problems[3].startswith("FILE:8: outcomes[1]: unknown deadline 'nope'")


def test_options_that_conflict_with_the_method_are_refused(tmp_path):
    text = (f"base: {BASELINE}\nmethod: sobol\nsamples: 48\nparameters:\n"
            "  - {path: convoys.escorts, low: 1, high: 4}\n  - {path: pressure.level, low: 0, high: 1}\n"
            "outcomes: [removal_complete_day]\n")
    assert problems_of(tmp_path, text) == [
        "FILE:3: samples: sobol needs a power of 2 (e.g. 32, 64, 128) for its convergence properties, got 48"
    ]
    assert problems_of(tmp_path, text.replace("samples: 48", "samples: 32"), samples=12)[0].startswith(
        "--samples: samples: sobol needs a power of 2")
    morris = text.replace("sobol", "morris").replace("samples: 48", "levels: 5")
    assert problems_of(tmp_path, morris)[0].startswith(
        "FILE:3: levels: morris needs an even number of levels"
    )


def test_a_missing_base_and_a_refused_override_are_named(tmp_path):
    text = "base: nowhere.yaml\nmethod: oat\nparameters:\n  - {path: a, low: 1, high: 2}\noutcomes: [x]\n"
    assert problems_of(tmp_path, text)[0].startswith(
        "FILE:1: base: cannot find the base scenario 'nowhere.yaml'"
    )
    ok = (
        HEADER
        + "parameters:\n  - {path: convoys.escorts, low: 1, high: 4}\noutcomes: [removal_complete_day]\n"
    )
    assert problems_of(tmp_path, ok, overrides=["convoys.escorts=-1"])[0].startswith(
        "--set convoys.escorts=-1: convoys.escorts: input should be greater than or equal to 1")


def test_shipped_sweeps_are_valid_and_detected_as_sweeps():
    files = sorted((SCENARIOS / "sweeps").glob("*.yaml"))
    assert {p.stem for p in files} >= {"levers_oat", "dispersal_sobol", "grid_escorts_closures"}
    for path in files:
        assert is_sweep_file(path)
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# "), f"{path.name} must open with a comment saying what it asks"
        sweep = load_sweep(path)
        assert sweep.spec.question
        assert sweep.design().size * sweep.replications <= 25_000  # small by default: minutes on 2 cores
    assert not is_sweep_file(BASELINE) and not is_sweep_file(ROOT / "nothing.yaml")


def test_curve_points_are_outcomes_and_bad_ones_are_located(tmp_path):
    """``QUANTITY@DATE``: a daily quantity's value at the end of a date, per replication (calibration uses it)."""
    import sim
    from sim.sweeps.loading import load_sweep

    good = tmp_path / "curve.yaml"
    good.write_text(f"base: {BASELINE}\nmethod: oat\nsamples: 2\nreplications: 4\nparameters:\n"
                    "  - {path: convoys.escorts, low: 1, high: 3}\n"
                    "outcomes: [removed_fraction@2014-03-07]\n", encoding="utf-8")
    results = sim.sweep(load_sweep(good), workers=1)
    values = results.runs["removed_fraction@174"]
    assert 0 < values.min() and values.max() < 1  # early March 2014: part of the stockpile is out
    by_point = results.points.set_index("convoys.escorts")["removed_fraction@2014-03-07_mean"]
    assert by_point[1] < by_point[2] < by_point[3]  # more escorts, faster removal
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("removed_fraction@2014-03-07",
                                            "removed_fractoin@2014-03-07, destroyed_fraction@2030-01-01"))
    with pytest.raises(ScenarioError) as caught:
        load_sweep(bad)
    messages = [(p.line, p.path, p.message) for p in caught.value.problems]
    assert any(m[1] == "outcomes[0]" and "did you mean 'removed_fraction'" in m[2] for m in messages)
    assert any(m[1] == "outcomes[1]" and "2030-01-01 is outside the scenario" in m[2] for m in messages)
