"""What the two verification scenarios claim (docs/verification.md), checked on the same seeds.

``declaration_gaps`` is the record to the end of 2024: the DAT's rounds at the record's pace, the facilities of
July 2014 and the other items amended, a retained stock never declared, a declaration almost never judged complete.
``stronger_verification`` changes only verification (sampling from the start, the DAT from the declaration,
requests to inspect any other site after tips): it must find the retained stock sooner and more often by a date
on the same seeds, and, because the state never amends that stock, leave it hidden all the same.  Each claim is
a margin a worse scenario would miss; the last test shows the "finding is not declaring" claim turning false when
the state is willing to amend.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from conftest import ROOT, SCENARIOS
from sim.model import simulate
from sim.scenario.loading import load_scenario

N = 120
RETAINED = "retained_df"
JULY_2014 = ("rd_facilities_2014_u01", "rd_facilities_2014_u02", "rd_facilities_2014_u03")


def day_of(scenario, date: str) -> int:
    return (dt.date.fromisoformat(date) - scenario.start_date).days


def replicate(name: str, *overrides: str) -> tuple[object, list[dict]]:
    """Per seed 0..N-1: the runs.parquet row, the first day each issue was raised, the day each was amended, and
    the days of the DAT's rounds."""
    scenario = load_scenario(SCENARIOS / f"{name}.yaml", overrides=list(overrides))
    out = []
    for seed in range(N):
        outcome = simulate(scenario, seed, record_events=True)
        raised: dict[str, float] = {}
        amended: dict[str, float] = {}
        for r in outcome.records:
            if r.event == "issue_raised":
                raised.setdefault(r.entity, r.day)
            elif r.event == "issue_amended":
                amended[r.entity] = r.day
        rounds = [r.day for r in outcome.records if r.event == "records_round"]
        out.append({"row": outcome.row, "raised": raised, "amended": amended, "rounds": rounds})
    return scenario, out


@pytest.fixture(scope="module")
def gaps():
    return replicate("declaration_gaps")


@pytest.fixture(scope="module")
def stronger():
    return replicate("stronger_verification")


def raised_day(run: dict, item: str, never: float) -> float:
    return run["raised"].get(item, never)


def test_declaration_gaps_runs_to_the_end_of_2024_with_the_record_s_rounds(gaps):
    scenario, runs = gaps
    assert scenario.start_date + dt.timedelta(days=scenario.horizon_days) == dt.date(2024, 12, 31)
    # 28 rounds from April 2014 to September 2024 (docs/sources.md, Part F); the first in April-May 2014.
    by_september = [sum(d <= day_of(scenario, "2024-09-18") for d in run["rounds"]) for run in runs]
    assert 26 <= np.median(by_september) <= 30
    first = [run["rounds"][0] for run in runs]
    assert day_of(scenario, "2014-03-15") <= np.median(first) <= day_of(scenario, "2014-05-31")


def test_the_facilities_of_july_2014_are_amended_and_the_retained_stock_survives(gaps):
    scenario, runs = gaps
    for run in runs:
        row = run["row"]  # retained_df, never amended: what attacks did not use stays hidden
        assert row["hidden_tonnes"] + row["used_tonnes"] == pytest.approx(20.0) and row["hidden_tonnes"] > 10
        assert RETAINED not in run["amended"]
    for item in JULY_2014:  # declared in July 2014 in the record: amended in every run, most within 2014-2015
        days = [run["amended"].get(item, np.inf) for run in runs]
        assert max(days) < np.inf and np.median(days) <= day_of(scenario, "2015-06-30"), item
    # Nothing is raised before the declaration (2013-10-24, day 40 at the latest of its range).
    assert min(min(run["raised"].values()) for run in runs) >= 33


def test_the_declaration_is_almost_never_judged_complete_and_issues_stay_open(gaps):
    scenario, runs = gaps
    fall = day_of(scenario, "2024-12-08")
    judged = [run["row"]["declaration_judged_complete_day"] for run in runs]
    assert np.mean([d is not None and d <= fall for d in judged]) <= 0.15
    assert np.median([run["row"]["issues_open"] for run in runs]) >= 1
    assert np.median([run["row"]["amendments"] for run in runs]) >= 5


def test_stronger_verification_finds_the_retained_stock_sooner_on_the_same_seeds(gaps, stronger):
    scenario, base_runs = gaps
    _, strong_runs = stronger
    never = scenario.horizon_days + 1.0
    base = np.array([raised_day(run, RETAINED, never) for run in base_runs])
    strong = np.array([raised_day(run, RETAINED, never) for run in strong_runs])
    assert np.median(strong - base) <= -120  # four months sooner or more, paired by seed
    assert np.mean(strong < base) >= 0.65
    end_2014 = day_of(scenario, "2014-12-31")
    assert np.mean(strong <= end_2014) - np.mean(base <= end_2014) >= 0.15
    khan_shaykhun = day_of(scenario, "2017-04-04")  # found before the sarin of 2017 (which the model does not draw)
    assert np.mean(strong <= khan_shaykhun) >= 0.85 and np.mean(strong <= khan_shaykhun) > np.mean(base <= khan_shaykhun)
    # and every item of July 2014 sooner too
    for item in JULY_2014:
        b = np.array([raised_day(run, item, never) for run in base_runs])
        s = np.array([raised_day(run, item, never) for run in strong_runs])
        assert np.median(s - b) <= -60, item


def test_each_strengthened_channel_fires_and_first_detection_comes_sooner(gaps, stronger):
    _, base_runs = gaps
    _, strong_runs = stronger
    requests = [run["row"]["detection_day_request"] for run in strong_runs]
    assert np.mean([d is not None for d in requests]) >= 0.5
    assert all(run["row"]["detection_day_request"] is None for run in base_runs)  # requests are off
    first = np.array([[b["row"]["detection_day"], s["row"]["detection_day"]] for b, s in zip(base_runs, strong_runs)])
    assert np.median(first[:, 1] - first[:, 0]) <= -90
    sampling = np.array([[b["row"]["detection_day_sampling"], s["row"]["detection_day_sampling"]]
                         for b, s in zip(base_runs, strong_runs)
                         if b["row"]["detection_day_sampling"] is not None
                         and s["row"]["detection_day_sampling"] is not None], dtype=float)
    assert len(sampling) >= N // 2 and np.median(sampling[:, 1] - sampling[:, 0]) <= -90


def test_finding_is_not_declaring_unless_the_state_amends(stronger):
    _, runs = stronger
    assert all(run["row"]["hidden_tonnes"] + run["row"]["used_tonnes"] == pytest.approx(20.0) for run in runs)
    # The same scenario with a state willing to amend the stock once found: the claim above becomes false.
    _, willing = replicate("stronger_verification", f"concealment.items[{RETAINED}].amend_probability=1")
    assert np.mean([run["row"]["hidden_tonnes"] < 1e-6 for run in willing]) >= 0.9


ADDRESS = re.compile(r"https?://[^\s)]+")


@pytest.mark.parametrize("name", ["syria_2013", "declaration_gaps", "stronger_verification"])
def test_every_address_the_scenario_cites_is_listed_in_the_sources(name):
    text = (SCENARIOS / f"{name}.yaml").read_text(encoding="utf-8")
    sources = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    cited = {a.rstrip(".,;") for line in text.splitlines() if "#" in line
             for a in ADDRESS.findall(line[line.index("#"):])}
    assert len(cited) >= 6
    assert sorted(a for a in cited if a not in sources) == []
