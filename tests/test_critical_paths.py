"""What delays each milestone: the critical path of the last tonne (sim/model/trail.py), its columns, its
summary, its chart and its sentences."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SCENARIOS
from sim.core.contract import CAUSE_IDS, PATH_MILESTONES, path_column, path_columns
from sim.model import simulate

# Hand computation on tests/data/tiny.yaml (see tests/test_model_trace.py for the event days): the last 10 t
# of L1 wait for the declaration until day 12 (site A is inspected on day 8, before it), for the logistics
# until day 20, for the site's first convoy (loading, the road and back: days 20-25), then load and drive
# (25-28), wait at the port for the ship back from its first voyage (28-31: removal), sail (31-34) and are
# destroyed at once, the facility idle and ready since day 29 (34-35).
REMOVAL_PATH = {"declaration": 12.0, "logistics_start": 8.0, "earlier_convoys": 5.0, "convoy_trip": 3.0,
                "port_and_ship": 3.0}
DESTRUCTION_PATH = {**REMOVAL_PATH, "voyage": 3.0, "destruction": 1.0}


def path_of(row: dict, milestone: str) -> dict[str, float]:
    return {cause: row[path_column(milestone, cause)] for cause in CAUSE_IDS if row[path_column(milestone, cause)]}


def test_the_tiny_paths_match_the_hand_computation(tiny):
    row = simulate(tiny, seed=1).row
    assert path_of(row, "removal_complete") == REMOVAL_PATH
    assert path_of(row, "priority_removal_complete") == REMOVAL_PATH
    assert path_of(row, "destruction_complete") == DESTRUCTION_PATH
    assert path_of(row, "priority_destruction_complete") == DESTRUCTION_PATH


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**32 - 1),
       name=st.sampled_from(["syria_2013", "secret_unit_dispersal", "contested_access", "compliance_delays",
                             "worst_case"]))
def test_a_path_accounts_for_every_day_of_its_milestone(seed, name):
    from sim.scenario.loading import load_scenario

    scenario = _scenario(name, load_scenario)
    row = simulate(scenario, seed=seed).row
    for milestone in PATH_MILESTONES:
        day = row[f"{milestone}_day"]
        days = [row[c] for c in path_columns(milestone)]
        if day is None:
            assert all(d is None for d in days)
            continue
        assert all(d is not None and d >= 0.0 for d in days)
        assert math.isclose(sum(days), day, rel_tol=1e-9, abs_tol=1e-6), (milestone, day, sum(days))


_SCENARIOS: dict[str, object] = {}


def _scenario(name, load):
    if name not in _SCENARIOS:
        _SCENARIOS[name] = load(SCENARIOS / f"{name}.yaml")
    return _SCENARIOS[name]


def test_the_summary_gives_mean_days_by_cause_that_add_up_to_the_mean_day(baseline):
    import sim

    results = sim.run(baseline, replications=30, seed=5, workers=1)
    paths = results.summary()["critical_paths"]
    assert list(paths) == list(PATH_MILESTONES)
    for milestone, entry in paths.items():
        reached = results.runs[f"{milestone}_day"].dropna()
        assert entry["runs"] == len(reached)
        assert math.isclose(entry["mean_day"], float(reached.mean()), rel_tol=1e-9)
        causes = entry["causes"]
        assert math.isclose(sum(c["mean_days"] for c in causes.values()), entry["mean_day"], rel_tol=1e-9)
        assert math.isclose(sum(c["share"] for c in causes.values()), 1.0, rel_tol=1e-9)
        assert math.isclose(sum(c["largest_in"] for c in causes.values()), 1.0, rel_tol=1e-9)
    # the 2013 plan's removal is held up by the closure of the Damascus airfield site (scheduled in the
    # baseline from day 124 to 275): closures are the largest cause on the removal path in most runs
    removal = paths["removal_complete"]["causes"]
    assert max(removal, key=lambda c: removal[c]["mean_days"]) == "security_closures"


def test_the_report_says_why_each_missed_deadline_is_missed(tmp_path, baseline):
    import re

    import sim

    results = sim.run(baseline, replications=20, seed=2, workers=1)
    results.save(tmp_path / "r")
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "critical_paths.png" in page
    section = page[page.index("Why deadlines are missed"):]
    sentences = re.findall(r"<li>(.*?)</li>", section[: section.index("</ul>")])
    summary = results.summary()
    missed = [k for k, d in summary["deadlines"].items() if d["p_met"] < 0.5 and d["milestone"] in PATH_MILESTONES]
    assert len(sentences) == len(missed) >= 2
    assert sentences[0].startswith("Priority removal by 31 december (2013-12-31) is missed by a median")
    assert "security closures" in sentences[0] and "on the path of the last tonne" in sentences[0]


def test_an_older_run_folder_without_paths_still_draws(tmp_path, tiny):
    """A run folder written before paths were recorded has no path columns: no critical-path chart, no
    sentence, and nothing fails."""
    import sim
    from sim.charts.run import save_run_charts

    results = sim.run(tiny, replications=3, seed=0, workers=1)
    results.runs = results.runs.drop(columns=path_columns())
    assert "critical_paths.png" not in save_run_charts(results, tmp_path)
    assert "critical_paths" in results.summary() and results.summary()["critical_paths"] == {}


def test_the_paths_are_bookkeeping_only(baseline):
    """Recording paths draws nothing and schedules nothing: every other column of a replication is what the
    golden files hold (tests/test_golden.py), and paths of two seeds differ where their draws do."""
    a, b = simulate(baseline, seed=11).row, simulate(baseline, seed=12).row
    assert a["removal_complete_day"] != b["removal_complete_day"]
    assert np.isclose(sum(a[c] for c in path_columns("removal_complete")), a["removal_complete_day"])


def test_a_milestone_a_declaration_completes_has_the_declarations_path(baseline):
    """Found in review: priority removal reached at the declaration itself (only an in-country lot is priority)
    had no path at all; its path is now the wait for the declaration, and adds up to its day."""
    from sim.scenario.loading import load_scenario

    from conftest import BASELINE

    overrides = [f"lots[{lot.id}].priority=false" for lot in baseline.lots if lot.priority]
    scenario = load_scenario(BASELINE, overrides=[*overrides, "lots[IPA-1].priority=true"])
    row = simulate(scenario, seed=1).row
    day = row["priority_removal_complete_day"]
    assert day is not None and path_of(row, "priority_removal_complete") == {"declaration": day}


def test_an_amended_site_waits_for_its_amendment_not_for_an_inspection():
    """Found in review: a site declared by an amendment 400 days late counted the 400 days as its inspection."""
    from sim.scenario.loading import load_scenario

    scenario = load_scenario(SCENARIOS / "secret_unit_dispersal.yaml",
                             overrides=["dispersal.detection.amendment_delay_days=400"])
    amended = 0
    for seed in range(6):
        row = simulate(scenario, seed=seed).row
        if row["amendments"] and row["removal_complete_day"] is not None:
            amended += 1
            path = path_of(row, "removal_complete")
            assert path.get("inspection", 0.0) < 30.0 and path["declaration"] > 400.0
            assert math.isclose(sum(path.values()), row["removal_complete_day"], rel_tol=1e-9)
    assert amended >= 3
