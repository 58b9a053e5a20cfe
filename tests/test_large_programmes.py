"""Issue 24 item 18: a large programme (hundreds of sites, many lots, many deadlines) gives charts and a report
of bounded size: the sites chart draws at most 50 rows (the sites that finished last, and one row for the
others), the deadlines chart likewise, and the report's tables and resolved scenario are cut with a note
naming the file that holds everything.

The bounds below are written out here, not imported, so that the tests state the promise on their own:
old code drew one row per site (a 300-site programme: a chart over 11,000 px high) and put every
parameter of every site and lot in the report."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from PIL import Image

from conftest import ROOT, TINY

MAX_ROWS = 50
"""The most rows a chart draws one by one, and the most rows or list items a report table shows."""
MAX_CHART_PX = 2_000
"""The most pixels a chart may be high (or wide): 50 rows at the charts' row height and resolution."""
MAX_REPORT_BYTES = 2_000_000
"""The most bytes the report of the large programme may have (old code: 3.5 MB for it; 21 MB for 2,000
sites and 5,000 lots)."""
SITES = 300
LOTS = 900
DEADLINES = 80
REGIONS = 6


def large_scenario(sites: int = SITES, lots: int = LOTS, deadlines: int = DEADLINES) -> dict:
    """tests/data/tiny.yaml grown to a large programme that still simulates in a second or two: ``sites``
    sites over ``REGIONS`` regions with random closures (one site in fifty undeclared), ``lots`` small lots
    spread over the declared storage sites, ``deadlines`` deadlines, and inspectors, convoys and a plant
    scaled so that the programme ends within the horizon."""
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    data["name"] = "large"
    data["horizon_days"] = 400
    kinds = ["storage", "production", "mixing_filling", "research"]
    data["sites"] = [{"id": f"S{i:04d}", "kind": kinds[i % 4], "region": f"r{i % REGIONS}",
                      "road_days_to_port": 1 + (i % 3), "declared": i % 50 != 49} for i in range(sites)]
    storage = [s["id"] for s in data["sites"] if s["kind"] == "storage" and s["declared"]]
    data["lots"] = [{"id": f"L{j:05d}", "agent": "X", "category": 1, "tonnes": 0.5 + (j % 7) * 0.25,
                     "site": storage[j % len(storage)], "route": "sea", "priority": j % 3 == 0}
                    for j in range(lots)]
    data["inspectorate"] = {"arrival_day": 4, "teams": 20, "travel_days": 1, "verification_days": 1,
                            "equipment_disabling_days": 1}
    data["convoys"] = {"start_day": 20, "escorts": 10, "tonnes_per_convoy": 40, "loading_days": 1}
    data["ships"][0]["capacity_tonnes"] = 2000
    data["facilities"][0].update(lines=4, line_rate_t_per_day=20, batch_tonnes=20)
    data["deadlines"] = [{"id": f"d{k:03d}", "date": f"2020-{1 + k % 12:02d}-{1 + k % 28:02d}",
                          "milestone": ("removal_complete", "destruction_complete", "first_removal")[k % 3]}
                         for k in range(deadlines)]
    data["security"] = {"enabled": True, "regions": [
        {"region": f"r{r}", "mean_days_between_closures": 40, "closure_days": 3} for r in range(REGIONS)]}
    return data


@pytest.fixture(scope="module")
def large_run(tmp_path_factory) -> Path:
    """The large programme run by the command (-n 4) into a run folder with charts and report."""
    folder = tmp_path_factory.mktemp("large")
    scenario = folder / "large.yaml"
    scenario.write_text(yaml.safe_dump(large_scenario(), sort_keys=False), encoding="utf-8")
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "sim", "run", str(scenario), "-n", "4", "--seed", "3", "-q",
                           "--workers", "1", "-o", str(folder / "run")], capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    return folder / "run"


def test_every_chart_of_a_large_programme_is_bounded_in_pixels(large_run):
    """Issue 24 item 18: every chart of a 300-site, 900-lot, 80-deadline run is at most 2,000 px high and wide
    (the old sites chart: one 0.32-inch row per site, over 11,000 px)."""
    charts = json.loads((large_run / "manifest.json").read_text())["charts"]
    assert "sites.png" in charts and "deadlines.png" in charts
    for name in charts:
        with Image.open(large_run / name) as image:
            width, height = image.size
        assert width <= MAX_CHART_PX and height <= MAX_CHART_PX, (name, image.size)


def test_the_report_of_a_large_programme_is_bounded(large_run):
    """Issue 24 item 18: the report stays under 2 MB (old code: 3.5 MB): its deadlines table shows 50 rows,
    its assumptions table 50 items of each list, its resolved scenario at most 2,000 lines, each with a note
    naming the file that holds everything."""
    report = large_run / "report.html"
    assert report.stat().st_size < MAX_REPORT_BYTES
    text = report.read_text(encoding="utf-8")
    assert f"The first {MAX_ROWS} of {DEADLINES} deadlines; {DEADLINES - MAX_ROWS} more in summary.json." in text
    assert (f"<td>sites[{MAX_ROWS}] to sites[{SITES - 1}]</td><td>{SITES - MAX_ROWS} more sites "
            in text)
    assert f"<td>lots[{MAX_ROWS}] to lots[{LOTS - 1}]</td><td>{LOTS - MAX_ROWS} more lots (" in text
    assert "in assumptions.json" in text
    assert not re.search(rf"<td>(sites|lots)\[{MAX_ROWS}\]\.", text)  # no parameter of a hidden item
    assert "<td>lots[49].tonnes</td>" in text  # the shown ones are all there
    pre = text.split("<h2>The scenario as it ran</h2>")[1].split("<pre>")[1].split("</pre>")[0]
    assert pre.count("\n") <= 2_001 and "more lines in scenario.resolved.yaml" in pre
    assert len(re.findall("<tr>", text)) < 600
    # everything is still in the files
    assert len(json.loads((large_run / "summary.json").read_text())["deadlines"]) == DEADLINES
    parameters = {row["parameter"] for row in json.loads((large_run / "assumptions.json").read_text())}
    assert f"lots[{LOTS - 1}].tonnes" in parameters and f"sites[{SITES - 1}].road_days_to_port" in parameters


def test_the_sites_chart_draws_the_sites_that_finished_last_and_sums_up_the_others(large_run):
    """Issue 24 item 18: the sites chart has at most 50 rows: the 49 sites that finished last and one row for
    the other 251, so the bars drawn are bounded by the rows, not by the sites."""
    from sim.charts.run import plot_sites
    from sim.output.run_folder import load_run

    results = load_run(large_run)
    scenario, events = results.scenario, results.events
    ax = plot_sites(events, scenario)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == MAX_ROWS
    assert labels[0] == f"other {SITES - MAX_ROWS + 1} sites (share in each status)"
    status_bars = [p for p in ax.patches if not p.get_hatch()]
    closure_bars = [p for p in ax.patches if p.get_hatch()]
    assert len(status_bars) <= 3 * (MAX_ROWS - 1)  # at most three a row (old code: one to three a site)
    assert len(closure_bars) <= (MAX_ROWS - 1) * len(events[events["event"] == "closure"])
    height_px = ax.figure.get_size_inches()[1] * ax.figure.dpi
    assert height_px <= MAX_CHART_PX
    # the rows are the sites that finished last, in the scenario's order, grouped by region and where their
    # links lead (issue 17 item 6: six regions, every road to the port, so six groups)
    from sim.charts.sites import rows_to_draw, site_groups, site_stories

    stories, end = site_stories(events, scenario)
    shown, others = rows_to_draw(stories, end)
    groups = site_groups(shown, scenario)
    assert len(groups) == REGIONS
    drawn = [s for group in reversed(groups) for s in reversed(group.stories)]
    assert sorted(s.site.id for s in drawn) == sorted(s.site.id for s in shown)
    assert [f"{s.site.id} " for s in drawn] == [label[: len(s.site.id) + 1] for label, s in zip(labels[1:], drawn)]
    assert min(s.finished_day(end) for s in shown) >= max(s.finished_day(end) for s in others)
    order = [s.site.id for s in stories]
    assert [order.index(s.site.id) for s in shown] == sorted(order.index(s.site.id) for s in shown)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "undeclared" in legend and "closed (site or road region)" in legend


def test_the_other_sites_row_shows_each_status_as_a_share():
    """Issue 24 item 18: the bottom row's shares add up to one every day and follow the sites' stories."""
    import numpy as np

    from sim.charts.sites import SiteStory, status_shares
    from sim.scenario.schema import Site

    def site(i: int, declared: bool = True) -> Site:
        return Site(id=f"S{i}", road_days_to_port=1, declared=declared)

    stories = [SiteStory(site(0), 10.0, 30.0, True, 5.0),  # awaiting, holding from 10, emptied on 30
               SiteStory(site(1), 20.0, None, False, 0.0),  # awaiting, no chemicals from 20
               SiteStory(site(2), None, None, False, 0.0),  # awaiting throughout
               SiteStory(site(3, declared=False), None, None, True, 2.0)]  # undeclared throughout
    days = np.array([0.0, 15.0, 25.0, 35.0])
    shares = status_shares(stories, days)
    assert np.allclose(sum(shares.values()), 1.0)
    assert list(shares["awaiting"]) == [0.75, 0.5, 0.25, 0.25]
    assert list(shares["holding"]) == [0, 0.25, 0.25, 0]
    assert list(shares["emptied"]) == [0, 0, 0, 0.25]
    assert list(shares["no chemicals"]) == [0, 0, 0.25, 0.25]
    assert list(shares["undeclared"]) == [0.25] * 4


def test_the_deadlines_chart_of_many_deadlines_is_bounded(large_run):
    """Issue 24 item 18: 80 deadlines give 49 rows, the least likely met, and one row for the others' range
    (old code: 80 rows, 0.55 inch each, 4,800 px)."""
    from sim.charts.run import plot_deadlines
    from sim.output.run_folder import load_run

    summary = load_run(large_run).summary()
    ax = plot_deadlines(summary)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == MAX_ROWS and len(ax.patches) == MAX_ROWS - 1
    assert labels[0] == f"other {DEADLINES - MAX_ROWS + 1} deadlines (all in summary.json)"
    shown = {label.split("  ")[1] for label in labels[1:]}
    p_met = {name: d["p_met"] for name, d in summary["deadlines"].items()}
    assert max(p_met[n] for n in shown) <= min(p for n, p in p_met.items() if n not in shown)
    assert ax.figure.get_size_inches()[1] * ax.figure.dpi <= MAX_CHART_PX


def test_a_programme_of_fifty_sites_or_fewer_is_drawn_site_by_site():
    """Issue 24 item 18: up to 50 sites nothing is summed up (every shipped scenario has at most 45 sites):
    one row a site, in the scenario's order within each group of sites (issue 17 item 6)."""
    import sim
    from sim.charts.run import plot_sites
    from sim.scenario.schema import Scenario

    data = large_scenario(sites=MAX_ROWS, lots=40, deadlines=3)
    scenario = Scenario.model_validate(data)
    results = sim.run(scenario, replications=2, seed=1, workers=1)
    ax = plot_sites(results.events, scenario)
    labels = [t.get_text().split(" ")[0] for t in ax.get_yticklabels()]
    # grouped by region (issue 17 item 6), the scenario's order within each, the groups in the order of their first
    regions = list(dict.fromkeys(s.region for s in scenario.sites))
    grouped = [s.id for region in regions for s in scenario.sites if s.region == region]
    assert labels == list(reversed(grouped))
