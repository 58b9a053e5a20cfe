"""Issue 17 item 6, pictures of the plan: the tonnes on each link of the plan network (sim.results.flows), the
network chart (sim.charts.network) and the sites chart grouped by place, for both shapes of scenario.

Hand computation of the tonnes on network_tiny (tests/data/network_tiny.yaml; its trace is computed in
tests/test_network_trace.py): lot L1 (30 t at site A) travels rail (A to the yard), road (the yard to port P), sea
(P to T, abroad) and delivery (T to plant F).  Train 1 leaves A with 20 t on day 21, train 2 with the last 10 t on
day 26; F destroys 10 t on each of days 33, 34 and 38, the last 10 t reaching F on day 37 (at T on day 35).

* horizon 100: 30 t sent, 30 t on each of the four links, 30 t destroyed at F, nothing waiting;
* horizon 24: only train 1 has left: 20 t sent (10 t still at A), 20 t on each link (drawn along the whole route),
  nothing destroyed, 20 t waiting for F (on their way);
* horizon 36: 30 t sent, 20 t destroyed (days 33 and 34), 10 t waiting (at T since day 35, due at F on day 37).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.patches import FancyArrowPatch
from PIL import Image

from sim.charts.network import MAX_SITE_NODES, plot_network
from sim.charts.sites import plot_sites, site_groups, site_stories, site_ways
from sim.execution.runs import run
from sim.model import simulate
from sim.results.flows import link_flows
from sim.results.tables import events_frame
from sim.scenario.loading import load_scenario
from sim.scenario.routes import network_of
from sim.scenario.schema import Scenario
from strategies import networks
from test_network_trace import plant_at_home

NETWORK_TINY = Path(__file__).parent / "data" / "network_tiny.yaml"


def _tiny(horizon_days: int = 100) -> Scenario:
    data = load_scenario(NETWORK_TINY).model_dump(mode="json")
    data["horizon_days"] = horizon_days
    return Scenario.model_validate(data)


def _events(scenario: Scenario, seed: int = 1):
    outcome = simulate(scenario, seed, record_events=True, keep_changes=True)
    return events_frame(scenario, 0, outcome.records, outcome.changes)


def _balance(scenario: Scenario, flows) -> None:
    """What leaves each site along its links is what its lots sent; what reaches each plant is what it destroyed
    of the lots routed to it plus what is waiting; what enters every other place leaves it."""
    network = network_of(scenario)
    into: dict[str, float] = {}
    out: dict[str, float] = {}
    for row in flows.links.itertuples():
        out[row.start] = out.get(row.start, 0.0) + row.tonnes
        into[row.end] = into.get(row.end, 0.0) + row.tonnes
    for node in network.nodes:
        if node.site is not None:
            assert out.get(node.id, 0.0) == pytest.approx(flows.sent_t[node.id], abs=1e-6)
        elif node.facility is not None:
            routed = flows.destroyed_t[node.id] - flows.in_place_t[node.id]
            assert into.get(node.id, 0.0) == pytest.approx(routed + flows.waiting_t[node.id], abs=1e-6)
        else:
            assert into.get(node.id, 0.0) == pytest.approx(out.get(node.id, 0.0), abs=1e-6)


@pytest.mark.parametrize("horizon, sent, destroyed, waiting", [(100, 30.0, 30.0, 0.0), (24, 20.0, 0.0, 20.0),
                                                                (36, 30.0, 20.0, 10.0)])
def test_the_tonnes_on_each_link_of_network_tiny_follow_the_hand_computation(horizon, sent, destroyed, waiting):
    scenario = _tiny(horizon)
    flows = link_flows(_events(scenario), scenario)
    assert flows.links[["leg", "start", "end", "mode", "tonnes"]].values.tolist() == [
        ["rail", "A", "yard", "rail", sent], ["road", "yard", "P", "road", sent], ["sea", "P", "T", "sea", sent],
        ["delivery", "T", "F", "road", sent]]
    assert flows.sent_t == {"A": sent, "B": 0.0}
    assert flows.destroyed_t == {"F": destroyed} and flows.in_place_t == {"F": 0.0}
    assert flows.waiting_t == {"F": waiting} and flows.waiting_total_t == waiting
    _balance(scenario, flows)


def test_a_replication_that_moved_nothing_has_no_tonnes_on_any_link():
    scenario = _tiny()
    events = _events(scenario)
    flows = link_flows(events[events["event"] != "ledger"], scenario)
    assert flows.links["tonnes"].tolist() == [0.0] * 4 and flows.sent_t == {"A": 0.0, "B": 0.0}
    ax = plot_network(events.iloc[0:0], scenario)  # no event at all: the network, every link at 0 t
    assert len(_arrows(ax)) == 4 and "nothing sent" in [t.get_text() for t in ax.texts]


def test_the_port_shape_counts_lots_destroyed_where_they_lie_on_no_link(baseline):
    """Syria: the isopropanol lot (133 t at S07) is destroyed in the country where it lies: no link carries it;
    the sea leg carries everything else that left the sites."""
    flows = link_flows(_events(baseline, seed=3), baseline)
    assert flows.in_place_t["in_country_isopropanol"] == pytest.approx(133.0)
    sea = flows.links.loc[flows.links["leg"] == "sea", "tonnes"].item()
    assert sea == pytest.approx(sum(flows.sent_t.values()))
    hidden = sum(lot.tonnes for lot in baseline.lots if lot.site.startswith("U"))  # the retained stock stays put
    assert sea + 133.0 == pytest.approx(baseline.initial_tonnes - hidden)  # the run destroys all declared
    _balance(baseline, flows)


@settings(max_examples=25, deadline=None)
@given(data=networks(), seed=st.integers(0, 2**32))
def test_the_tonnes_balance_at_every_place_of_generated_networks(data, seed):
    scenario = Scenario.model_validate(data)
    _balance(scenario, link_flows(_events(scenario, seed), scenario))


def _arrows(ax) -> list[FancyArrowPatch]:
    return [p for p in ax.patches if isinstance(p, FancyArrowPatch)]


def test_the_network_chart_of_network_tiny_draws_every_place_link_and_tonne():
    scenario = _tiny()
    ax = plot_network(_events(scenario), scenario)
    texts = [t.get_text() for t in ax.texts]
    for place in ("A (storage)", "B (production)", "yard", "P", "T", "F"):
        assert place in texts
    assert "30 t destroyed" in texts and "30 t sent" in texts and "nothing sent" in texts
    assert texts.count("30 t") == 4  # the four links, each labelled
    arrows = _arrows(ax)
    assert len(arrows) == 4
    assert len({a.get_linewidth() for a in arrows}) == 1  # the same tonnes, the same width
    assert {"border", "abroad"} <= set(texts)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"road", "rail", "sea", "plant abroad", "abroad"} <= set(legend) and "air" not in legend
    title = ax.get_title(loc="left")
    assert "replication 0 (the median by destruction date)" in title and "not destroyed" not in title


def test_the_network_chart_says_how_many_tonnes_had_not_reached_their_plant():
    scenario = _tiny(36)
    ax = plot_network(_events(scenario), scenario)
    assert "10 t of it not destroyed by the horizon" in ax.get_title(loc="left")
    assert "10 t not yet destroyed" in [t.get_text() for t in ax.texts]


def test_a_plant_in_the_country_is_drawn_before_the_border_and_no_border_when_nothing_is_abroad():
    data = plant_at_home()
    data["places"] = data["places"][:1]  # the yard: nothing is abroad
    scenario = Scenario.model_validate(data)
    ax = plot_network(_events(scenario), scenario)
    texts = [t.get_text() for t in ax.texts]
    assert "border" not in texts and texts.count("30 t") == 2
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "plant in the country" in legend and "plant abroad" not in legend


def test_the_syria_network_groups_its_sites_by_region(baseline):
    """27 sites (more than MAX_SITE_NODES) become one box per region; the roads of a region's sites to Latakia
    are one arrow labelled with their number; the in-country plant is joined to its site's region by a dotted
    line; nothing abroad is left out."""
    assert len(baseline.sites) > MAX_SITE_NODES
    ax = plot_network(_events(baseline, seed=3), baseline)
    texts = [t.get_text() for t in ax.texts]
    regions = list(dict.fromkeys(site.region for site in baseline.sites))
    for region in regions:
        count = sum(1 for site in baseline.sites if site.region == region)
        assert f"{region}: {count} site{'s' if count > 1 else ''}" in texts
    assert "Latakia" in texts and "Gioia Tauro" in texts
    roads = {region: sum(1 for link in baseline.links for site in baseline.sites
                         if link.start == site.id and site.region == region) for region in regions}
    # damascus: 3 roads (S01, S02 and the undeclared U04's, which nothing takes), one arrow
    assert roads["damascus"] == 3 and "3 road links" in " ".join(texts)
    assert any(t.endswith("destroyed in place") and t.startswith("133 t") for t in texts)
    with_roads = sum(1 for n in roads.values() if n)  # aleppo's sites hold no chemicals: no road
    assert len(_arrows(ax)) == with_roads + 1 + 5 + 1  # region roads, the sea, five deliveries, in place
    assert "sites in one box per region" in ax.get_title(loc="left")
    height_px = ax.figure.get_size_inches()[1] * ax.figure.dpi
    assert height_px < 1_200


def test_the_sites_chart_groups_the_sites_by_region_and_where_their_links_lead(baseline):
    events = _events(baseline, seed=3)
    ways = site_ways(baseline)
    with_links = {link.start for link in baseline.links if link.start in {site.id for site in baseline.sites}}
    assert {ways[site] for site in with_links} == {"road to Latakia"}
    assert {ways[site.id] for site in baseline.sites if site.id not in with_links} == {""}
    stories, _ = site_stories(events, baseline)
    groups = site_groups(stories, baseline)
    assert [(g.region, len(g.stories)) for g in groups] == [  # by region and way, the sites with roads first
        ("damascus", 3), ("damascus_airfield", 1), ("homs", 3), ("hama", 2),
        ("damascus", 8), ("homs", 3), ("hama", 4), ("aleppo", 3)]
    ax = plot_sites(events, baseline)
    labels = [t.get_text().split(" ")[0] for t in ax.get_yticklabels()]
    assert labels == [s.site.id for g in reversed(groups) for s in reversed(g.stories)]
    assert len(labels) == len(baseline.sites)
    notes = [t.get_text() for t in ax.texts]
    assert "damascus (3 sites)\nroad to Latakia" in notes and "damascus (8 sites)\nno load leaves it" in notes
    assert "grouped (right) by region" in ax.get_title(loc="left")


def test_the_sites_chart_of_a_network_names_where_each_site_leads():
    scenario = _tiny()
    ax = plot_sites(_events(scenario), scenario)
    notes = [t.get_text() for t in ax.texts]
    assert notes == ["north (1 site)\nrail to yard", "north (1 site)\nno load leaves it"]


@pytest.mark.parametrize("path", [NETWORK_TINY, Path(__file__).parent.parent / "scenarios" / "syria_2013.yaml"])
def test_a_run_folder_of_either_shape_has_the_network_chart(path, tmp_path):
    scenario = load_scenario(path)
    results = run(scenario, replications=3, seed=2, workers=1)
    folder = tmp_path / "out"
    results.save(folder, command="test", source=path)
    png = folder / "network.png"
    assert png.is_file()
    width, height = Image.open(png).size
    assert width >= 1000 and height >= 500
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "network.png" in manifest["charts"] and "network.png" in manifest["files"]
    assert manifest["charts"].index("network.png") == manifest["charts"].index("sites.png") + 1
    report = (folder / "report.html").read_text()
    assert "alt='network.png'" in report and "the busiest is" in report
