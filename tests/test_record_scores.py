"""Observations of counts, states and binary events (issue 19): the record format, its checks, and their scores
computed by hand (docs/backtest.md, "Counts, states and events")."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import BASELINE, ROOT, TINY
from sim.core.contract import EVENTS
from sim.core.problems import ScenarioError
from sim.history.backtest import probes_of, score, summarise
from sim.history.calibrate import SCALE_COUNT, target_values, targets_of
from sim.history.observed import load_observed, observed_validation
from sim.history.scores import crps, log_score, reliability, score_binary, score_count
from sim.scenario.loading import load_scenario

RECORD_2024 = ROOT / "scenarios" / "observed" / "syria_2013_2024.yaml"
SOURCE = '    sources: [{title: "OPCW, 2017: a report", url: "https://www.opcw.org/x"}]\n'


def _row(ident: str, key: str, what: str, date: str, value: str | None = None, extra: str = "") -> str:
    text = f"  - id: {ident}\n    {key}: {what}\n    date: {date}\n"
    if value is not None:
        text += f"    value: {value}\n"
    return text + f"    confidence: high\n    confidence_note: a report\n{SOURCE}{extra}"


def _record(path: Path, rows: list[str], extends: str | None = None, name: str = "r") -> Path:
    head = f"name: {name}\ndescription: a test record\n" + (f"extends: {extends}\n" if extends else "")
    path.write_text(head + "observations:\n" + "".join(rows), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------------------
# Scores by hand
# ------------------------------------------------------------------------------------------------------


def test_a_count_observation_scored_by_hand():
    """Values [0, 1, 1, 2, 3], observed 1.  Empirical quantiles (a value some replication took): the CDF is
    0.2 at 0, 0.6 at 1, 0.8 at 2, 1 at 3, so p10 = 0, p50 = 1, p90 = 3; inside.  Mid-PIT = P(X < 1) + P(X = 1)/2
    = 0.2 + 0.4/2 = 0.4.  Error = 1 - 1 = 0, width 3.  CRPS = E|X - 1| - E|X - X'|/2: E|X - 1| = (1+0+0+1+2)/5
    = 0.8; the 10 unordered pairs differ by 1,1,2,3,0,1,2,1,2,1 = 14, so E|X - X'| = 2 * 14 / 25 = 1.12;
    CRPS = 0.8 - 0.56 = 0.24."""
    s = score_count(np.array([0, 1, 1, 2, 3]), 1.0)
    assert (s["p10"], s["p50"], s["p90"]) == (0.0, 1.0, 3.0)
    assert s["pit"] == pytest.approx(0.4) and s["inside"] and s["position"] == "inside"
    assert s["error"] == 0.0 and s["width"] == 3.0
    assert s["crps"] == pytest.approx(0.24)
    # observed 4, above every replication: PIT 1, outside above; CRPS = E|X - 4| - 0.56 = (4+3+3+2+1)/5 - 0.56
    s = score_count(np.array([0, 1, 1, 2, 3]), 4.0)
    assert s["pit"] == 1.0 and s["position"] == "above" and s["crps"] == pytest.approx(2.04)


def test_a_binary_observation_scored_by_hand():
    """3 of 4 replications true, observed true: p = 0.75, Brier (0.75 - 1)^2 = 0.0625, log score -ln 0.75
    = 0.2877; mid-PIT = P(X < 1) + P(X = 1)/2 = 0.25 + 0.375 = 0.625; the 0/1 values' p10 is 0 and p90 1, so
    inside.  The CRPS of a 0/1 forecast is its Brier score."""
    s = score_binary(np.array([1, 1, 0, 1]), True)
    assert s["p"] == 0.75 and s["brier"] == pytest.approx(0.0625)
    assert s["log_score"] == pytest.approx(-math.log(0.75)) and s["pit"] == pytest.approx(0.625)
    assert s["inside"] and s["crps"] == pytest.approx(0.0625) and s["outcome"] == 1.0
    assert crps(np.array([1, 1, 0, 1]), 1.0) == pytest.approx(0.0625)


def test_the_log_score_is_clipped_at_one_over_2n():
    """No replication had it (p = 0), but it happened: p is clipped to 1/(2n) = 1/8, the score is ln 8."""
    s = score_binary(np.zeros(4), True)
    assert s["log_score"] == pytest.approx(math.log(8)) and s["brier"] == 1.0 and not s["inside"]
    assert log_score(1.0, False, 10) == pytest.approx(math.log(20))


def test_the_reliability_table_bins_forecasts_in_fifths():
    rows = [{"p": 0.1, "outcome": 0.0}, {"p": 0.15, "outcome": 1.0}, {"p": 0.9, "outcome": 1.0},
            {"p": 1.0, "outcome": 1.0}]
    table = reliability(rows)
    assert [b["n"] for b in table] == [2, 0, 0, 0, 2]
    assert table[0]["mean_forecast"] == pytest.approx(0.125) and table[0]["observed_frequency"] == 0.5
    assert table[1]["mean_forecast"] is None and table[4]["observed_frequency"] == 1.0


# ------------------------------------------------------------------------------------------------------
# A record of every kind scored on hand-made replications
# ------------------------------------------------------------------------------------------------------


def test_score_reads_events_from_their_day_column_and_counts_from_probes(tmp_path):
    """tiny.yaml starts 2020-01-01.  Event rows: 'a use by 2020-01-11' (day 10): replication days
    [3.5, 10.9, 11.0, NaN] happened by the end of day 10 in 2 of 4 (10.9 < 11; 11.0 is the next day).
    Amendments by 2020-01-21 (day 20), probes [0, 1, 1, 2, 3], observed 1 (as by hand above)."""
    tiny = load_scenario(TINY)
    path = _record(tmp_path / "r.yaml", [
        _row("use_by_0111", "event", "use", "2020-01-11", "true"),
        _row("amendments_0121", "quantity", "amendments", "2020-01-21", "1"),
        _row("complete_0121", "quantity", "judged_complete", "2020-01-21", "false"),
    ])
    record = load_observed(path)
    assert [o.kind for o in record.observations] == ["binary", "count", "binary"]
    assert probes_of(tiny, record) == [("amendments", 20), ("judged_complete", 20)]
    runs = pd.DataFrame({EVENTS["use"]: [3.5, 10.9, 11.0, math.nan, 1.0]})
    probes = np.array([[0, 0], [1, 1], [1, 0], [2, 0], [3, 0]], dtype=float)
    rows, unscored = score(tiny, record, runs, probes)
    use, amendments, complete = rows
    assert use["p"] == pytest.approx(0.6) and use["brier"] == pytest.approx(0.16)  # 3 of 5 (1.0 too)
    assert amendments["crps"] == pytest.approx(0.24) and amendments["crps_scaled"] == pytest.approx(0.24 / 2)
    assert complete["p"] == pytest.approx(0.2) and complete["brier"] == pytest.approx(0.04)
    s = summarise(rows)
    assert s["coverage_by_kind"]["binary"]["n"] == 2 and s["coverage_by_kind"]["count"]["inside"] == 1
    assert s["binary"]["brier"] == pytest.approx(0.1)
    assert s["binary"]["log_score"] == pytest.approx((-math.log(0.6) - math.log(0.8)) / 2)
    assert s["crps_by_kind"]["count"]["mean"] == pytest.approx(0.12) and s["counts"]["mae"] == 0.0
    assert sum(b["n"] for b in s["binary"]["reliability"]) == 2


# ------------------------------------------------------------------------------------------------------
# The record: loading, extends, contradictions
# ------------------------------------------------------------------------------------------------------


def test_the_record_to_2024_loads_and_fits_the_baseline_run_to_2024():
    record = load_observed(RECORD_2024)
    kinds = {kind: sum(o.kind == kind for o in record.observations) for kind in ("count", "state", "binary")}
    assert all(n > 0 for n in kinds.values())
    assert record.observations[0].id == load_observed(RECORD_2024.parent / "syria_2013_2016.yaml").observations[0].id
    baseline = load_scenario(BASELINE, overrides=["horizon_days=4126"])
    assert record.check_against(baseline) == []
    ok, problems = observed_validation(RECORD_2024)
    assert problems == [] and "binary events" in ok


def test_extends_puts_the_base_rows_first_and_refuses_shared_ids(tmp_path):
    _record(tmp_path / "base.yaml", [_row("a", "quantity", "amendments", "2020-01-05", "1")], name="base")
    sub = tmp_path / "sub"
    sub.mkdir()
    child = _record(sub / "child.yaml", [_row("b", "quantity", "amendments", "2020-02-05", "3")],
                    extends="../base.yaml")
    assert [o.id for o in load_observed(child).observations] == ["a", "b"]
    clash = _record(sub / "clash.yaml", [_row("a", "quantity", "amendments", "2020-02-05", "3")],
                    extends="../base.yaml")
    with pytest.raises(ScenarioError) as err:
        load_observed(clash)
    assert any(str(clash) in str(p) and "observations[1].id: duplicate id 'a'" in str(p) for p in err.value.problems)


def test_a_problem_in_the_base_is_located_in_the_base_file(tmp_path):
    base = _record(tmp_path / "base.yaml", [_row("a", "quantity", "amendments", "2020-01-05", "1.5")], name="base")
    child = _record(tmp_path / "child.yaml", [_row("b", "event", "use", "2020-02-05", "true")],
                    extends="base.yaml")
    with pytest.raises(ScenarioError) as err:
        load_observed(child)
    assert [str(p).split(": ")[0] for p in err.value.problems] == [f"{base}:7"]


def test_a_cycle_of_extends_is_refused(tmp_path):
    _record(tmp_path / "a.yaml", [_row("a", "event", "use", "2020-01-05", "true")], extends="b.yaml")
    b = _record(tmp_path / "b.yaml", [_row("b", "event", "use", "2020-02-05", "true")], extends="a.yaml")
    with pytest.raises(ScenarioError) as err:
        load_observed(b)
    assert "a cycle of extends" in str(err.value.problems[0])


def test_a_cumulative_count_cannot_fall_but_a_state_can(tmp_path):
    falling = _record(tmp_path / "f.yaml", [_row("a", "quantity", "amendments", "2020-01-05", "3"),
                                           _row("b", "quantity", "amendments", "2020-02-05", "2")])
    with pytest.raises(ScenarioError) as err:
        load_observed(falling)
    assert "a cumulative count cannot fall" in str(err.value.problems[0])
    state = _record(tmp_path / "s.yaml", [_row("a", "quantity", "open_issues", "2020-01-05", "3"),
                                         _row("b", "quantity", "open_issues", "2020-02-05", "2")])
    assert len(load_observed(state).observations) == 2


@pytest.mark.parametrize("key, what, value, fragment", [
    ("event", "use", "2", "expected true or false for an event"),
    ("quantity", "open_issues", "-1", "open_issues is a count: a whole number >= 0"),
    ("quantity", "judged_complete", "2", "expected true or false (or 1 or 0)"),
    ("quantity", "amendments", "true", "amendments is a count"),
    ("quantity", "removed_fraction", "1.5", "less than or equal to 1"),
    ("event", "use", None, "required for a use row"),
])
def test_a_value_of_the_wrong_kind_is_a_located_problem(tmp_path, key, what, value, fragment):
    path = _record(tmp_path / "r.yaml", [_row("a", key, what, "2020-01-05", value)])
    with pytest.raises(ScenarioError) as err:
        load_observed(path)
    assert any(fragment in str(p) and "observations[0]" in str(p) for p in err.value.problems), err.value.problems


# ------------------------------------------------------------------------------------------------------
# Calibration targets
# ------------------------------------------------------------------------------------------------------


def test_calibration_targets_of_every_kind(tmp_path):
    tiny = load_scenario(TINY)
    record = load_observed(_record(tmp_path / "r.yaml", [
        _row("use_by_0111", "event", "use", "2020-01-11", "true"),
        _row("amendments_0121", "quantity", "amendments", "2020-01-21", "1"),
        _row("issues_0121", "quantity", "open_issues", "2020-01-21", "4"),
        _row("complete_0121", "quantity", "judged_complete", "2020-01-21", "false"),
    ]))
    use, amendments, issues, complete = targets_of(tiny, record)
    assert (use.outcome, use.column, use.kind, use.observed, use.by_day) == ("first_use_day", "first_use_day",
                                                                            "binary", 1.0, 11.0)
    assert (amendments.column, amendments.kind, amendments.scale) == ("amendments@20", "count", SCALE_COUNT)
    assert (issues.kind, issues.observed) == ("state", 4.0)
    assert (complete.column, complete.kind, complete.scale, complete.observed) == ("judged_complete@20", "binary",
                                                                                  1.0, 0.0)
    runs = pd.DataFrame({"first_use_day": [3.5, 10.9, 11.0, math.nan]})  # 2 points x 2 replications
    assert target_values(runs, use, 2, tiny.horizon_days).tolist() == [[1.0, 1.0], [0.0, 0.0]]


def test_a_calibration_runs_on_targets_of_every_kind(tmp_path):
    """tiny.yaml has no uses, amendments or judgement: every replication's counts are 0 and its events never
    happen, so 'no use by 2020-01-11' and 'not judged complete' are certain and right (Brier 0, log score
    -ln(1 - 1/(2n)) with n = 6 confirmation replications), and 0 amendments is exact."""
    from sim.history.calibrate import FitParameter, calibrate

    record = load_observed(_record(tmp_path / "r.yaml", [
        _row("use_by_0111", "event", "use", "2020-01-11", "false"),
        _row("amendments_0121", "quantity", "amendments", "2020-01-21", "0"),
        _row("issues_0121", "quantity", "open_issues", "2020-01-21", "0"),
        _row("complete_0121", "quantity", "judged_complete", "2020-01-21", "false"),
    ]))
    fit = calibrate(TINY, record, [FitParameter("convoys.start_day", 10, 40)], samples=3, replications=2, confirm=1,
                    confirm_replications=6, workers=1)
    after = fit.to_json()["after"]
    assert after["brier"] == 0.0 and after["log_score"] == pytest.approx(-math.log(1 - 1 / 12))
    assert after["count_mae"] == 0.0 and after["coverage_by_kind"]["binary"] == 1.0
    assert [t["kind"] for t in fit.to_json()["targets"]] == ["binary", "count", "state", "binary"]
