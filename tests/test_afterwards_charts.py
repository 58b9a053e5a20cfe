"""The charts of issue 19 (item 6): the timeline of the median run's concealment story (timeline.png), a count's
band with the record's points (backtest_<quantity>.png) and the reliability diagram of the binary forecasts
(reliability.png).  Each is drawn from a small hand-made table and the test reads back what was drawn."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from conftest import TINY
from sim.charts.afterwards import LANES, plot_timeline, timeline_charts
from sim.charts.backtest import save_count_charts
from sim.charts.backtest_counts import binary_rows, brier, count_quantities, plot_backtest_counts, plot_reliability
from sim.charts.style import save_figure
from sim.core.contract import COUNT_LABELS
from sim.results.story import hidden_steps, story_sentence
from sim.scenario.loading import load_scenario

matplotlib.use("Agg")

PNG = b"\x89PNG\r\n\x1a\n"
HIDING = ("sites=[{id: A, kind: storage, road_days_to_port: 2}, {id: B, kind: production, road_days_to_port: 1}, "
          "{id: C, kind: storage, declared: false, road_days_to_port: 1}]",
          "lots=[{id: L1, agent: X, category: 1, tonnes: 30, site: A, route: sea, priority: true}, "
          "{id: L2, agent: X, category: 1, tonnes: 5, site: C, route: sea}]",
          "uses={enabled: true, dual_use: [{id: chlorine, periods: [{start: 2020-01-10, uses_per_year: 50}]}]}")
"""The tiny scenario with 5 t of L2 at the undeclared site C (hidden from day 0) and chlorine, a dual-use stock."""


@pytest.fixture(scope="module")
def hiding():
    return load_scenario(TINY, overrides=list(HIDING))


def event(day: float, name: str, entity: str = "", tonnes: float = 0.0, note: str = "", agent: str = "",
          lot: str = "") -> dict:
    return {"replication": 3, "day": day, "date": "", "event": name, "entity": entity, "site": "", "lot": lot,
            "agent": agent, "tonnes": tonnes, "note": note}


def story_events() -> pd.DataFrame:
    """5 t hidden at C from day 0; 3 t of L1 withheld on day 5; a use of 1 t of hidden agent on day 20 and two of
    chlorine; its finding and attribution; 2 t produced again on day 30; issues raised by records and sampling
    (one raised again), an amendment, a pressure event; the declaration on day 12, destruction complete on 40."""
    rows = [event(5, "ledger", "at_site->hidden", 3.0, lot="L1"), event(5, "stock_withheld", "reserve", 3.0),
            event(8, "ledger", "at_site->on_road", 10.0, lot="L1"),
            event(12, "milestone", "declaration_submitted"),
            event(15, "issue_raised", "reserve", note="records: round 1"),
            event(16, "use", "use_1", 0.1, note="chlorine", agent="chlorine"),
            event(20, "use", "use_2", 1.0, note="reserve", agent="X"),
            event(20, "ledger", "hidden->used", 1.0, lot="L2"),
            event(22, "use", "use_3", 0.1, note="chlorine", agent="chlorine"),
            event(25, "issue_raised", "reserve", note="records: raised again in round 2"),
            event(26, "issue_raised", "site_c", note="sampling: traces at C"),
            event(28, "use_investigated", "use_2", agent="X"), event(29, "use_investigated", "use_1"),
            event(30, "reconstitution", "reserve", 2.0, lot="L2", agent="X"),
            event(33, "amendment", "reserve", note="reserve"),
            event(35, "use_attributed", "use_2", agent="X"), event(35, "pressure_raised", "use_2 attributed"),
            event(40, "milestone", "destruction_complete")]
    return pd.DataFrame(rows)


def test_hidden_steps_follow_the_ledger_and_reconstitution(hiding):
    steps = hidden_steps(story_events(), hiding)
    assert steps["day"].tolist() == [0.0, 5.0, 20.0, 30.0]  # the move to on_road leaves hidden alone
    assert steps["hidden"].tolist() == pytest.approx([5.0, 8.0, 7.0, 9.0])
    assert steps["used"].tolist() == pytest.approx([0.0, 0.0, 1.0, 1.0])


def test_timeline_draws_the_hidden_steps_the_lanes_and_the_milestones(hiding, tmp_path):
    ax = plot_timeline(story_events(), hiding)
    lanes = ax.figure.axes[1]
    hidden = ax.get_lines()[0]
    assert list(hidden.get_ydata()) == pytest.approx([5.0, 8.0, 7.0, 9.0, 9.0])  # carried to the horizon
    assert ax.get_ylabel() == "Tonnes" and lanes.get_xlabel() == "Date"
    labels = [t.get_text() for t in lanes.get_yticklabels()]
    assert labels == [f"{lane} ({n})" for lane, n in zip(LANES, (
        "2 + 1 again", "1", "1 agent, 2 dual-use", "2", "1", "1", "0", "1"))]
    y_uses = len(LANES) - 1 - LANES.index("uses")
    on_uses = [line for line in lanes.get_lines() if len(line.get_ydata()) and set(line.get_ydata()) == {y_uses}]
    assert sorted(len(line.get_xdata()) for line in on_uses) == [1, 2]  # one agent use, two of chlorine
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--" and len(line.get_xdata()) == 2]
    assert len(dashed) == 2  # the declaration and destruction complete
    assert "replication 3" in ax.get_title("left")
    save_figure(ax, tmp_path / "timeline.png")
    assert (tmp_path / "timeline.png").read_bytes()[:8] == PNG


def test_story_sentence_counts_the_uses_by_kind(hiding):
    text = story_sentence(story_events(), hiding)
    assert "5.0 t are hidden at the start and 9.0 t at the horizon" in text
    assert "1 uses of hidden agent (1.0 t) and 2 of dual-use stocks, 1 attributed" in text


def test_timeline_is_drawn_when_something_is_hidden_or_uses_are_on(hiding):
    assert timeline_charts(story_events(), load_scenario(TINY)) == {}
    assert list(timeline_charts(story_events(), hiding)) == ["timeline.png"]
    uses_only = load_scenario(TINY, overrides=[HIDING[2]])
    assert list(timeline_charts(story_events(), uses_only)) == ["timeline.png"]


def count_rows() -> pd.DataFrame:
    """Three amendments observations (two inside the band, one outside), an open-issues state, a judged-complete
    state scored as a binary, and four binary events."""
    def row(kind, target, date, observed, inside, **more):
        return {"kind": kind, "target": target, "date": date, "observed": observed, "inside": inside,
                "scored": True, "p10": None, "p50": None, "p90": None, "p": None, **more}

    return pd.DataFrame([
        row("count", "amendments", "2020-01-20", 1, True, p10=0, p50=1, p90=2),
        row("count", "amendments", "2020-02-20", 2, True, p10=1, p50=2, p90=3),
        row("count", "amendments", "2020-03-20", 6, False, p10=1, p50=2, p90=3),
        row("state", "open_issues", "2020-02-01", 1, True, p10=0, p50=1, p90=2),
        row("state", "judged_complete", "2020-03-01", False, True, p=0.1),
        row("binary", "amendment", "2020-01-15", False, True, p=0.15),
        row("binary", "use", "2020-02-01", True, True, p=0.5),
        row("binary", "attribution", "2020-03-01", True, True, p=0.9),
        row("binary", "agent_use", "2020-03-10", True, True, p=0.95),
        {**row("binary", "use", "2020-03-15", True, True, p=0.0), "scored": False},  # not scored: not drawn
    ])


def band_series() -> pd.DataFrame:
    days = np.arange(0, 101, dtype=float)
    step = np.minimum(days // 30, 3)
    frame = pd.DataFrame({"day": days, "quantity": "amendments", "mean": step, "p10": np.maximum(step - 1, 0),
                          "p50": step, "p90": step + 1})
    return pd.concat([frame, frame.assign(quantity="open_issues")], ignore_index=True)


def test_counts_chart_draws_the_band_and_the_points(tmp_path):
    scenario = load_scenario(TINY)
    ax = plot_backtest_counts(band_series(), count_rows(), scenario, "amendments", replications=7)
    band = next(c for c in ax.collections if isinstance(c, PolyCollection))
    ys = np.concatenate([p.vertices[:, 1] for p in band.get_paths()])
    assert ys.min() == pytest.approx(0.0) and ys.max() == pytest.approx(4.0)  # p10 from 0, p90 up to 3 + 1
    inside = [line for line in ax.get_lines() if line.get_label() == "observed, inside the band"]
    outside = [line for line in ax.get_lines() if line.get_label() == "observed, outside the band"]
    assert list(inside[0].get_ydata()) == [1.0, 2.0] and list(outside[0].get_ydata()) == [6.0]
    assert outside[0].get_markerfacecolor() == "white"  # hollow outside the band
    assert [t.get_text() for t in ax.texts] == ["1", "2", "6"]
    assert all(float(t).is_integer() for t in ax.get_yticks())
    assert COUNT_LABELS["amendments"] in ax.get_ylabel()
    assert "2 of 3 observations inside" in ax.get_title("left") and "7 replications" in ax.get_title("left")
    save_figure(ax, tmp_path / "counts.png")
    assert (tmp_path / "counts.png").read_bytes()[:8] == PNG


def test_reliability_diagram_bins_ticks_and_brier(tmp_path):
    rows = binary_rows(count_rows())
    assert len(rows) == 5  # four events and the judged-complete state; the unscored row left out
    expected = np.mean((np.array([0.1, 0.15, 0.5, 0.9, 0.95]) - np.array([0, 0, 1, 1, 1])) ** 2)
    assert brier(rows) == pytest.approx(expected)
    ax = plot_reliability(count_rows(), name="tiny")
    assert f"Brier score {expected:.3f}" in ax.get_title("left")
    freq = next(line for line in ax.get_lines() if line.get_label() == "observed frequency in the bin")
    assert list(freq.get_xdata()) == pytest.approx([0.125, 0.5, 0.925])  # bins 0-20%, 40-60%, 80-100%
    assert list(freq.get_ydata()) == pytest.approx([0.0, 1.0, 1.0])
    assert [t.get_text() for t in ax.texts] == ["n=2", "n=1", "n=2"]
    ticks = {line.get_label(): len(line.get_xdata()) for line in ax.get_lines() if line.get_marker() == "|"}
    assert ticks == {"a forecast: happened": 3, "a forecast: did not happen": 2}
    listed = [t.get_text() for t in ax.figure.axes[1].get_yticklabels()]
    assert len(listed) == 5 and listed[0] == "Declaration judged complete by 2020-03-01\n(no)"  # sorted by p
    save_figure(ax, tmp_path / "reliability.png")
    assert (tmp_path / "reliability.png").read_bytes()[:8] == PNG


def test_backtest_folder_gets_a_chart_per_count_and_the_reliability_diagram(tmp_path):
    assert count_quantities(count_rows()) == ["open_issues", "amendments"]  # judged_complete: a binary
    names = save_count_charts(band_series(), count_rows(), load_scenario(TINY), tmp_path, replications=7)
    assert names == ["backtest_open_issues.png", "backtest_amendments.png", "reliability.png"]
    for name in names:
        assert (tmp_path / name).read_bytes()[:8] == PNG
    curve_only = count_rows().assign(kind="curve")
    assert save_count_charts(band_series(), curve_only, load_scenario(TINY), tmp_path / "none") == []


def test_run_folder_has_the_timeline_and_the_report_reads_it(tmp_path):
    from sim.execution.runs import run

    results = run(load_scenario(TINY, overrides=list(HIDING)), replications=2, seed=0, workers=1)
    folder = tmp_path / "run"
    results.save(folder, command="test")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "timeline.png" in manifest["charts"]
    assert (folder / "timeline.png").read_bytes()[:8] == PNG
    report = (folder / "report.html").read_text()
    assert "alt='timeline.png'" in report and "of dual-use stocks" in report
