"""Lists that extend (issue 22): under ``extends:`` the lists of named items merge by id, a child adds,
changes or removes items; ``--set`` and ``set:`` name items by id; ``extends: syria_2013`` finds the bundled
baseline from any folder; a problem in an inherited item names both files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BASELINE, ROOT
from sim.core.problems import ItemId, ScenarioError, format_path, parse_path
from sim.scenario.loading import load_scenario
from sim.scenario.merge import resolve_item_ids

BASE = str(BASELINE)


def child(tmp_path: Path, text: str, name: str = "child.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"extends: {BASE}\nname: child\n{text}", encoding="utf-8")
    return path


def test_a_child_adds_two_sites_and_removes_one_by_id(tmp_path):
    parent = load_scenario(BASELINE)
    scenario = load_scenario(child(tmp_path, (
        "sites:\n"
        "  - {id: S24, kind: storage, region: homs}\n"
        "  - {id: R04, remove: true}\n"
        "  - {id: S25, kind: storage, region: hama}\n")))
    ids = [site.id for site in scenario.sites]
    expected = [site.id for site in parent.sites if site.id != "R04"] + ["S24", "S25"]
    assert ids == expected
    for mine, theirs in zip(scenario.sites, [s for s in parent.sites if s.id != "R04"]):
        assert mine == theirs  # the parent's items are inherited unchanged
    assert (scenario.sites[-2].region, scenario.sites[-1].region) == ("homs", "hama")
    assert scenario.lots == parent.lots and scenario.deadlines == parent.deadlines


def test_a_child_changes_one_key_of_an_item_and_keeps_the_rest(tmp_path):
    parent = load_scenario(BASELINE)
    scenario = load_scenario(child(tmp_path, "links:\n  - {id: road_S03, transit_days: 4}\n"
                                             "security:\n  regions:\n    - {region: hama, closure_days: 9}\n"))
    i = [link.id for link in parent.links].index("road_S03")
    assert scenario.links[i].transit_days.mean == 4.0
    assert scenario.links[i].model_dump(exclude={"transit_days"}) == \
        parent.links[i].model_dump(exclude={"transit_days"})
    assert [link.id for link in scenario.links] == [link.id for link in parent.links]
    regions = {r.region: r for r in scenario.security.regions}
    before = {r.region: r for r in parent.security.regions}
    assert list(regions) == list(before)
    assert regions["hama"].closure_days.mean == 9.0
    assert regions["hama"].mean_days_between_closures == before["hama"].mean_days_between_closures


def test_an_error_in_an_inherited_item_names_both_files(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # files are named relative to the current folder
    path = child(tmp_path, "sites:\n  - {id: S01, remove: true}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    lines = [str(p) for p in caught.value.problems]
    assert any(line.startswith("scenarios/syria_2013.yaml:") and "unknown site 'S01'" in line
               and f"(in scenarios/syria_2013.yaml, which {path} extends)" in line for line in lines), lines


@pytest.mark.parametrize("text, fragment", [
    ("sites:\n  - {id: S99, remove: true}\n", "sites[0]: remove: the parent has no item 'S99' in sites"),
    ("sites:\n  - {kind: storage}\n", "sites[0]: the items of sites merge with the parent's by their id"),
    ("links:\n  - {id: road_S03, transit_days: 4}\n  - {id: road_S03, transit_days: 5}\n",
     "links[1]: id 'road_S03' appears twice"),
    ("sites:\n  - {id: S03, remove: true, region: homs}\n", "has only its id and remove"),
])
def test_a_wrong_keyed_item_is_named_at_its_line(tmp_path, text, fragment):
    path = child(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert any(str(p).startswith(f"{path}:") and fragment in str(p) for p in caught.value.problems), \
        [str(p) for p in caught.value.problems]


def test_set_and_overrides_name_items_by_id(tmp_path):
    parent = load_scenario(BASELINE)
    i = [link.id for link in parent.links].index("road_S03")
    by_override = load_scenario(BASELINE, overrides=["links[road_S03].transit_days=4"])
    assert by_override.links[i].transit_days.mean == 4.0
    by_set = load_scenario(child(tmp_path, 'set:\n  "links[road_S03].transit_days": 4\n'))
    assert by_set.links == by_override.links
    with pytest.raises(ScenarioError) as caught:
        load_scenario(BASELINE, overrides=["links[road_S99].transit_days=4"])
    assert "links: no item with id 'road_S99' (its items: road_S01, road_S02" in str(caught.value)


def test_item_ids_in_key_paths():
    path = parse_path("security.regions[hama].closure_days")
    assert path == ("security", "regions", "hama", "closure_days") and isinstance(path[2], ItemId)
    assert format_path(path) == "security.regions[hama].closure_days"
    assert parse_path("sites[12].x") == ("sites", 12, "x")
    data = {"security": {"regions": [{"region": "homs"}, {"region": "hama"}]}}
    assert resolve_item_ids(data, path) == ("security", "regions", 1, "closure_days")


def test_a_child_restating_the_parents_list_changes_nothing(tmp_path):
    import yaml

    parent = load_scenario(BASELINE)
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    path = child(tmp_path, yaml.safe_dump({"sites": data["sites"], "deadlines": data["deadlines"]},
                                          sort_keys=False))
    assert load_scenario(path).model_dump(exclude={"name"}) == parent.model_dump(exclude={"name"})


def test_extends_finds_the_bundled_baseline_from_an_empty_folder(tmp_path):
    (tmp_path / "mine.yaml").write_text("extends: syria_2013\nname: mine\nconvoys: {escorts: 3}\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "sim", "validate", "mine.yaml"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: mine.yaml (scenario mine, 18 lots, 1,321.3 t, 20.0 t of it at undeclared sites)")
    (tmp_path / "typo.yaml").write_text("extends: syrai_2013\nname: typo\n")
    done = subprocess.run([sys.executable, "-m", "sim", "validate", "typo.yaml"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "shipped with disarm-sim are named without a path: syria_2013" in done.stderr


def test_a_sweep_parameter_names_an_item_by_id(tmp_path):
    from sim.sweeps.loading import load_sweep

    (tmp_path / "s.yaml").write_text(
        f"name: s\nbase: {BASE}\nmethod: grid\nsamples: 2\nreplications: 2\n"
        "parameters:\n  - {path: 'links[road_S03].transit_days', low: 1, high: 5}\n"
        "outcomes: [removal_complete_day]\n", encoding="utf-8")
    sweep = load_sweep(tmp_path / "s.yaml")
    design = sweep.design()
    scenarios = sweep.point_scenarios(design)
    i = [link.id for link in scenarios[0].links].index("road_S03")
    assert sorted(s.links[i].transit_days.mean for s in scenarios) == [1.0, 5.0]


def test_a_sweep_cannot_name_one_value_twice_by_index_and_by_id(tmp_path):
    from sim.sweeps.loading import load_sweep

    (tmp_path / "s.yaml").write_text(
        f"name: s\nbase: {BASE}\nmethod: grid\nsamples: 2\nreplications: 2\n"
        "parameters:\n  - {path: 'links[road_S03].transit_days', low: 1, high: 5}\n"
        "  - {path: 'links[2].transit_days', low: 1, high: 5}\n"
        "outcomes: [removal_complete_day]\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_sweep(tmp_path / "s.yaml")
    assert any("links[2].transit_days is the value links[road_S03].transit_days already sweeps" in str(p)
               for p in caught.value.problems), [str(p) for p in caught.value.problems]


def test_a_problem_inherited_by_a_sweeps_base_names_both_files(tmp_path, monkeypatch):
    from sim.sweeps.loading import load_sweep

    monkeypatch.chdir(ROOT)
    base = child(tmp_path, "sites:\n  - {id: S01, remove: true}\n")
    (tmp_path / "s.yaml").write_text(
        f"name: s\nbase: {base}\nmethod: oat\nsamples: 2\nreplications: 2\n"
        "parameters:\n  - {path: convoys.escorts, low: 1, high: 3}\noutcomes: [removal_complete_day]\n")
    with pytest.raises(ScenarioError) as caught:
        load_sweep(tmp_path / "s.yaml")
    assert any("unknown site 'S01'" in str(p) and f"which {base} extends" in str(p) for p in caught.value.problems)
