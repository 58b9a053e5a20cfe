"""The verification outputs an analyst reads (issue 18 item 4): summary.json's ``verification``, the charts, the
report's "Can we account for it?" section and the `disarm trace` sentences of the new events.

The tiny scenario (tests/data/tiny.yaml; days by hand in tests/test_verification_trace.py), every number fixed:
15 t of L1 withheld on day 1, found at the inspection of A once the declaration is in (day 12), amended 30 days
later (day 42); a programme at B raised by the third round of record reconciliation (day 42, after a pressure
event on day 40 makes the state hand over its records), amended on day 72; four quiet rounds later (day 82,
2020-03-23) the declaration is judged complete.  Every replication is the same run.
"""

from __future__ import annotations

import datetime as dt

import matplotlib
import pytest

from conftest import TINY
from sim.core.contract import CHANNELS, Record
from sim.execution.runs import run
from sim.execution.trace import SENTENCES, lines, sentence
from sim.model import simulate
from sim.results.summary import first_channel_share, percent_of_runs, report_dates
from sim.scenario.loading import load_scenario

matplotlib.use("Agg")

ACCOUNTED = ("concealment.items=[{id: reserve, kind: agent, lot: L1, share: 0.5, moved_day: 1}, "
             "{id: programme_b, kind: programme, site: B, records_probability: 1}]",
             "verification.inspection.gap_probability=1",
             "verification.records={enabled: true, first_round_days: 10, round_days: 10, cooperation: 0}",
             "verification.pressure_events=[{date: 2020-02-10, step: 1}]",
             "verification.report_dates=[2020-03-01, 2020-03-23, 2020-04-09, 2021-01-01]")


def tiny_with(*overrides: str):
    return load_scenario(TINY, overrides=list(overrides))


@pytest.fixture(scope="module")
def accounted(tmp_path_factory):
    results = run(tiny_with(*ACCOUNTED), replications=3, seed=0, workers=1)
    folder = tmp_path_factory.mktemp("out") / "accounted"
    results.save(folder, command="test")
    return results, folder


def test_the_days_of_the_tiny_case_are_those_computed_by_hand():
    row = simulate(tiny_with(*ACCOUNTED), seed=1).row
    assert row["detection_day_inspection"] == 12.0 and row["detection_day_records"] == 42.0
    assert row["declaration_judged_complete_day"] == 82.0
    assert row["issues_raised"] == 2 and row["issues_amended"] == 2 and row["amendments"] == 2


def test_summary_verification_keys_and_values(accounted):
    results, _ = accounted
    v = results.summary()["verification"]
    # the existing keys are kept
    assert {"dispersal_enabled", "p_detected", "p_detected_ci95", "detection_day", "hidden_tonnes",
            "p_hidden_above_1_tonne", "category1_destroyed_by"} <= set(v)
    assert v["concealment"] is True and v["p_detected"] == 1.0 and v["detection_day"]["p50_date"] == "2020-01-13"
    # report dates: those within the run (start to day 100, 2020-04-10); 2021-01-01 is after the horizon
    assert v["report_dates"] == ["2020-03-01", "2020-03-23", "2020-04-09"]
    assert v["issues"]["raised"] == {"mean": 2.0, "p10": 2.0, "p50": 2.0, "p90": 2.0}
    assert v["issues"]["open"]["mean"] == 0.0 and v["issues"]["amended"]["mean"] == 2.0
    assert v["issues"]["explained"]["p90"] == 0.0
    # judged complete on day 82 = 2020-03-23: not by 1 March, by the end of 23 March
    judged = v["p_judged_complete_by"]
    assert [(e["date"], e["p"]) for e in judged] == [("2020-03-01", 0.0), ("2020-03-23", 1.0), ("2020-04-09", 1.0)]
    assert judged[0]["ci95"][0] == 0.0 and judged[1]["ci95"][1] == 1.0 and 0 < judged[1]["ci95"][0] < 1
    assert v["declaration_judged_complete_day"]["p50_date"] == "2020-03-23"
    channels = v["first_detection_by_channel"]
    assert list(channels) == list(CHANNELS)
    assert channels["inspection"]["p"] == 1.0 and channels["inspection"]["p50_date"] == "2020-01-13"
    assert channels["records"]["p50"] == 42.0 and channels["records"]["runs"] == 3
    assert channels["sampling"] == {**channels["sampling"], "p": 0.0, "runs": 0, "p50": None, "p50_date": None}
    assert v["first_channel_share"] == {**dict.fromkeys(CHANNELS, 0.0), "inspection": 1.0, "none": 0.0}
    # nothing stays hidden after the amendment of day 42: 15 t hidden from day 1 to day 41
    at = v["undeclared_at_dates"]
    assert at["from"] == "timeseries" and [e["day"] for e in at["dates"]] == [60, 82, 99]
    assert all(e["hidden_tonnes"]["p50"] == 0.0 for e in at["dates"])
    assert at["horizon"]["date"] == "2020-04-10" and at["horizon"]["hidden_tonnes"]["p90"] == 0.0
    assert at["horizon"]["p_hidden_above_tonnes"] == {"1": 0.0, "10": 0.0, "100": 0.0}
    assert v["amendments"] == {"mean": 2.0, "p10": 2.0, "p50": 2.0, "p90": 2.0, "p_at_least_one": 1.0}


def test_undeclared_stock_at_a_report_date_is_read_from_the_bands():
    # Withheld on day 1 and never found (no channel): 15 t hidden at every report date and at the horizon.
    results = run(tiny_with("concealment.items=[{id: reserve, kind: agent, lot: L1, share: 0.5, moved_day: 1}]",
                            "verification.report_dates=[2020-01-01, 2020-02-01]"), replications=2, seed=0, workers=1)
    v = results.verification_summary()
    assert [e["hidden_tonnes"]["p50"] for e in v["undeclared_at_dates"]["dates"]] == [0.0, 15.0]
    assert v["undeclared_at_dates"]["horizon"]["p_hidden_above_tonnes"] == {"1": 1.0, "10": 1.0, "100": 0.0}
    assert v["p_detected"] == 0.0 and v["first_channel_share"]["none"] == 1.0
    assert v["amendments"]["p_at_least_one"] == 0.0
    # without the bands (a script's own runs table), only the horizon
    from sim.results.summary import verification_summary

    alone = verification_summary(results.scenario, results.runs)
    assert alone["undeclared_at_dates"]["from"] == "horizon" and alone["undeclared_at_dates"]["dates"] == []


def test_report_dates_default_to_each_anniversary_within_the_horizon():
    leap = tiny_with("start_date=2020-02-29", "horizon_days=1200", "deadlines=[]")
    assert report_dates(leap) == [dt.date(2021, 2, 28), dt.date(2022, 2, 28), dt.date(2023, 2, 28)]
    assert report_dates(tiny_with()) == []  # 100 days: no anniversary


def test_first_channel_share_splits_a_tie_equally():
    import pandas as pd

    runs = pd.DataFrame({f"detection_day_{c}": [None, None, None, None] for c in CHANNELS}, dtype=float)
    runs.loc[0, "detection_day_inspection"] = 12.0
    runs.loc[0, "detection_day_records"] = 30.0
    runs.loc[1, "detection_day_estimate"] = 5.0
    runs.loc[1, "detection_day_tip"] = 5.0
    runs.loc[2, "detection_day_records"] = 3.0
    shares = first_channel_share(runs)
    assert shares["inspection"] == 0.25 and shares["records"] == 0.25
    assert shares["estimate"] == shares["tip"] == 0.125 and shares["none"] == 0.25
    assert sum(shares.values()) == pytest.approx(1.0)
    assert [percent_of_runs(p) for p in (0.0, 0.004, 0.5, 0.996, 1.0)] == ["0%", "<1%", "50%", ">99%", "100%"]


def test_the_verification_charts_and_the_section_are_drawn_when_something_is_concealed(accounted):
    _, folder = accounted
    pngs = {p.name for p in folder.glob("*.png")}
    assert {"issues.png", "detection.png", "two_books.png", "hidden.png", "timeline.png"} <= pngs
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "Can we account for it?" in page and "record reconciliation" in page
    section = page[page.index("Can we account for it?"): page.index("<h2>Charts</h2>")]
    assert section.count("<figure>") == 5 and "alt='timeline.png'" in section and "by 2020-03-23 in 100% of runs" in section


def test_no_verification_chart_nor_section_without_concealment(tmp_path):
    results = run(tiny_with(), replications=2, seed=0, workers=1)
    assert results.verification_summary()["concealment"] is False
    results.save(tmp_path / "plain", command="test")
    pngs = {p.name for p in (tmp_path / "plain").glob("*.png")}
    assert not pngs & {"issues.png", "detection.png", "two_books.png", "hidden.png"}
    page = (tmp_path / "plain" / "report.html").read_text(encoding="utf-8")
    assert "Can we account for it?" not in page and "Verification and hidden stock" in page


def test_the_verification_charts_are_labelled(accounted):
    from sim.charts.verification import (plot_detection_channels, plot_hidden_remaining, plot_issues,
                                         plot_two_books)

    results, _ = accounted
    s, runs, ts = results.scenario, results.runs, results.timeseries
    ax = plot_issues(ts, s)
    assert "open issues: median" in [t.get_text() for t in ax.get_legend().get_texts()]
    ax = plot_detection_channels(runs, s)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "inspection of a declared site: 100% of runs, first in 100%" in labels
    assert "record reconciliation: 100% of runs, first in 0%" in labels
    assert "never raised an issue: sampling, estimate, tip, request, challenge" in ax.get_title(loc="left")
    ax = plot_two_books(ts, s)
    assert any(t.get_text() == "true stockpile at the start: 30 t" for t in ax.get_legend().get_texts())
    ax = plot_hidden_remaining(ts, runs, s)
    assert any("> 1 t in 0%" in t.get_text() for t in ax.texts) and ax.get_ylabel().startswith("Tonnes hidden")


NEW_EVENTS = {
    Record(1.0, "stock_withheld", "reserve", "A", "L1", "X", 15.0):
        "the state withholds 15.0 t of X (lot L1) at site A from its declaration (reserve)",
    Record(2.0, "dispersal_move", "hideout_1", "A", "L1", "X", 5.0):
        "the secret unit moves 5.0 t of X from site A to hideout_1",
    Record(12.0, "issue_raised", "reserve", note="inspection: gap at A"):
        "issue reserve raised by inspection of a declared site: gap at A",
    Record(42.0, "issue_raised", "programme_b", note="records: round 3"):
        "issue programme_b raised by record reconciliation: round 3",
    Record(56.0, "issue_raised", "facility_c", note="request"):
        "issue facility_c raised by an any-other-site inspection",
    Record(42.0, "issue_amended", "reserve", note="pressure 0.00"):
        "issue reserve closed by an amendment (pressure 0.00)",
    Record(52.0, "issue_explained", "programme_b", note="explanation accepted"):
        "issue programme_b closed: the state's explanation is accepted",
    Record(52.0, "issue_unresolved", "programme_b", note="explanation not accepted"):
        "issue programme_b stays open, unresolved: the state's explanation is not accepted",
    Record(42.0, "amendment", "reserve", tonnes=15.0, note="reserve"):
        "amended declaration on issue reserve: 15.0 t declared",
    Record(42.0, "amendment", "estimate_X", tonnes=15.0, note="hideout_1, hideout_2"):
        "amended declaration on issue estimate_X: 15.0 t declared (hideout_1, hideout_2)",
    Record(52.0, "amendment", "facility_c", note="facility_c"):
        "amended declaration on issue facility_c: facility_c declared",
    Record(40.0, "state_stalled", "reserve", note="pressure 0.50"): "the state stalls on issue reserve (pressure 0.50)",
    Record(22.0, "records_round", "round 1"): "record reconciliation with the state: round 1",
    Record(82.0, "declaration_judged_complete", "round 7"): "the declaration is judged complete (round 7 of "
                                                             "reconciliation)",
    Record(90.0, "declaration_judgement_withdrawn", "programme_b"):
        "the judgement that the declaration is complete is withdrawn: issue programme_b raised",
    Record(32.0, "sample_positive", "programme_b", "B"): "a sample from site B is positive: traces of programme_b",
    Record(15.0, "intelligence_tip", "facility_c"): "an intelligence tip reports facility_c",
    Record(15.0, "intelligence_tip", "move 3", note="hideout_3"):
        "an intelligence tip reports move 3 of the secret unit (hideout_3)",
    Record(29.0, "request_refused", "C", note="request 1, pressure 0.00"):
        "the state refuses a request to inspect C (request 1, pressure 0.00)",
    Record(49.0, "request_accepted", "C", note="request 2, pressure 1.00"):
        "the state accepts a request to inspect C (request 2, pressure 1.00)",
    Record(56.0, "site_visited", "C", "C", note="found"): "inspectors visit C: found",
    Record(60.0, "challenge_inspection", "hideout_2", note="stock found"):
        "challenge inspection after the tip on hideout_2: stock found",
    Record(29.0, "pressure_raised", "request to inspect C refused", note="level 1.00"):
        "pressure on the state raised to level 1.00: request to inspect C refused",
}


@pytest.mark.parametrize("record", list(NEW_EVENTS), ids=lambda r: f"{r.event}:{r.entity}")
def test_disarm_trace_tells_each_new_event_as_a_sentence(record):
    assert sentence(record) == NEW_EVENTS[record]


def test_a_missed_deadline_raising_pressure_is_told_as_such():
    record = Record(31.0, "pressure_raised", "removal_by_day_30", note="level 0.20")
    assert sentence(record, frozenset({"removal_by_day_30"})) == \
        "deadline removal_by_day_30 missed: pressure raised to level 0.20"
    scenario = tiny_with()
    assert "deadline removal_by_day_30 missed" in lines(scenario, [record])[0]


def test_a_traced_run_tells_no_new_event_by_its_raw_name():
    scenario = tiny_with(*ACCOUNTED)
    outcome = simulate(scenario, seed=1, record_events=True)
    told = "\n".join(lines(scenario, outcome.records))
    events = {r.event for r in outcome.records}
    assert {"stock_withheld", "issue_raised", "issue_amended", "amendment", "records_round",
            "declaration_judged_complete", "pressure_raised"} <= events
    assert all(event in SENTENCES for event in events if event not in ("ledger",))
    assert "issue_raised" not in told and "records_round" not in told and "stock_withheld" not in told
    assert "2020-03-23 (day   82.00)  the declaration is judged complete (round 7 of reconciliation)" in told


def test_report_dates_close_together_share_one_label():
    from pathlib import Path

    from sim.charts.verification import _report_labels
    from sim.scenario.loading import load_scenario

    scenario = load_scenario(Path(__file__).parent.parent / "scenarios" / "declaration_gaps.yaml")  # 4,126 days: 6% is ~248 days
    dates = [dt.date(2020, 12, 11), dt.date(2022, 1, 5), dt.date(2024, 9, 5), dt.date(2024, 12, 8)]
    assert _report_labels(dates, scenario) == ["11 Dec 2020", "05 Jan 2022", "", "05 Sep / 08 Dec 2024"]
