"""Loading: extends chains, --set overrides, line numbers, safety limits, and round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import BASELINE, ROOT, TINY
from sim.scenario.loading import deep_merge, load_scenario, scenario_to_yaml
from sim.scenario.yaml_text import MAX_FILE_BYTES
from sim.core.problems import ScenarioError, format_path, parse_path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_path_syntax_round_trips():
    assert parse_path("sites[2].road_days_to_port") == ("sites", 2, "road_days_to_port")
    assert format_path(("sites", 2, "road_days_to_port")) == "sites[2].road_days_to_port"
    assert parse_path("a.b[0][1].c") == ("a", "b", 0, 1, "c")
    assert parse_path("a[x]") == ("a", "x")  # an item named by its id (tests/test_keyed_lists.py)
    for bad in ("", "a..b", "[0]", "a.", "a b", "a[x y]", "[x]"):
        with pytest.raises(ValueError):
            parse_path(bad)


def test_deep_merge_merges_mappings_and_replaces_lists():
    base = {"a": {"x": 1, "y": [1, 2, 3]}, "b": 1}
    assert deep_merge(base, {"a": {"y": [9]}, "c": 2}) == {"a": {"x": 1, "y": [9]}, "b": 1, "c": 2}
    assert base == {"a": {"x": 1, "y": [1, 2, 3]}, "b": 1}


def test_chain_of_two_extends(tmp_path):
    write(tmp_path / "middle.yaml",
          f"extends: {TINY}\nname: middle\nconvoys:\n  escorts: 3\nhorizon_days: 150\n")
    child = write(tmp_path / "child.yaml",
                  "extends: middle.yaml\nname: child\nconvoys:\n  tonnes_per_convoy: 7\n")
    scenario = load_scenario(child)
    assert scenario.name == "child"
    assert scenario.horizon_days == 150            # from the middle file
    assert scenario.convoys.escorts == 3           # merged mapping: middle
    assert scenario.convoys.tonnes_per_convoy == 7  # merged mapping: child
    assert scenario.convoys.start_day.mean == 20   # merged mapping: the tiny grandparent
    assert scenario.lots[0].id == "L1"


def test_keyed_lists_merge_by_id_and_other_lists_are_replaced_whole(tmp_path):
    child = write(tmp_path / "child.yaml", f"extends: {TINY}\nname: child\nsites:\n"
                  "  - {id: A, kind: storage, road_days_to_port: 5}\n")
    scenario = load_scenario(child)
    assert [s.id for s in scenario.sites] == ["A", "B"]  # A changed, B inherited
    assert scenario.sites[0].road_days_to_port.mean == 5.0
    assert deep_merge({"a": {"y": [1, 2]}}, {"a": {"y": [9]}}) == {"a": {"y": [9]}}


def test_error_in_the_parent_names_the_parent_file(tmp_path):
    write(tmp_path / "parent.yaml", TINY.read_text().replace("teams: 1", "teams: 0"))
    child = write(tmp_path / "child.yaml", "extends: parent.yaml\nname: child\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    (problem,) = info.value.problems
    assert problem.file.endswith("parent.yaml")
    assert problem.path == "inspectorate.teams"
    assert problem.line == TINY.read_text().splitlines().index(
        next(ln for ln in TINY.read_text().splitlines() if "teams: 1" in ln)) + 1


def test_set_overrides_a_list_item_and_a_nested_key():
    scenario = load_scenario(BASELINE, overrides=["links[2].transit_days=3", "convoys.escorts=4",
                                                  "inspectorate.travel_days={dist: uniform, low: 1, high: 2}"])
    assert scenario.links[2].transit_days.mean == 3
    assert scenario.convoys.escorts == 4
    assert repr(scenario.inspectorate.travel_days) == "uniform(low=1, high=2)"
    assert load_scenario(BASELINE).links[2].transit_days.mean != 3


def test_set_can_switch_on_a_behaviour_block_absent_from_the_file():
    scenario = load_scenario(TINY, overrides=["compliance.enabled=true", "compliance.listing_delay_days=4"])
    assert scenario.compliance.enabled is True


@pytest.mark.parametrize("override, fragment", [
    ("sites[99].road_days_to_port=3", "index out of range (it has 27 items)"),
    ("convoys.escortz=3", "unknown key 'escortz' (did you mean 'escorts'?)"),
    ("convoys.escorts=many", "expected a whole number, got 'many'"),
    ("convoys.escorts", "expected KEY.PATH=VALUE"),
    ("sites[x]=1", "sites: no item with id 'x' (its items: S01, S02"),
])
def test_bad_overrides_are_reported_with_the_override(override, fragment):
    with pytest.raises(ScenarioError) as info:
        load_scenario(BASELINE, overrides=[override])
    text = str(info.value)
    assert fragment in text
    assert f"--set {override}" in text


def test_resolved_yaml_loads_back_to_an_equal_scenario(tmp_path, baseline):
    text = scenario_to_yaml(baseline)
    again = load_scenario(write(tmp_path / "resolved.yaml", text))
    assert again == baseline
    assert "dist: fixed" not in text  # fixed values are written as bare numbers


def test_bundled_baseline_is_the_canonical_file():
    from sim.data import baseline_path

    assert baseline_path().read_bytes() == BASELINE.read_bytes()


def test_schema_validates_the_baseline_and_rejects_a_typo():
    import jsonschema

    from sim.scenario.docgen import json_schema

    data = json.loads(json.dumps(yaml.safe_load(BASELINE.read_text(encoding="utf-8")), default=str))
    jsonschema.validate(data, json_schema())
    data["convoys"]["escortz"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, json_schema())


def test_scenario_reference_doc_is_current():
    from sim.scenario.docgen import render

    doc = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    assert doc == render(), "docs/scenario-format.md is stale: run python -m sim.scenario.docgen docs/scenario-format.md"


def test_oversized_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"# " + b"x" * (MAX_FILE_BYTES + 10) + b"\n")
    with pytest.raises(ScenarioError, match="limit for a scenario is 2,097,152 bytes"):
        load_scenario(path)


def test_alias_bomb_is_refused(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for k in range(1, 9):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 10) + "]")
    path = write(tmp_path / "bomb.yaml", "\n".join(lines) + "\n")
    with pytest.raises(ScenarioError, match="alias bomb"):
        load_scenario(path)


def test_non_utf8_and_binary_are_refused(tmp_path):
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(latin)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\x00\x01\x02")
    with pytest.raises(ScenarioError, match="binary content"):
        load_scenario(binary)


def test_scientific_notation_without_a_dot_is_a_number(tmp_path):
    path = write(tmp_path / "sci.yaml", f"extends: {TINY}\nname: sci\nconvoys:\n  tonnes_per_convoy: 2e1\n")
    assert load_scenario(path).convoys.tonnes_per_convoy == 20.0


def test_a_set_block_changes_one_list_item_after_the_merge(tmp_path):
    from sim.scenario.loading import load_scenario

    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {BASELINE}\nname: child\nset:\n  \"facilities[5].available_day\": 480\n"
                     "  \"compliance.convoy_release_delay_days.mode\": 22\n  inspectorate.teams: 4\n",
                     encoding="utf-8")
    base, scenario = load_scenario(BASELINE), load_scenario(child)
    assert scenario.facilities[5].available_day.value == 480
    assert scenario.compliance.convoy_release_delay_days.mode == 22
    assert scenario.compliance.convoy_release_delay_days.high == base.compliance.convoy_release_delay_days.high
    assert scenario.inspectorate.teams == 4
    # everything else, the rest of the list included, is the parent's
    assert scenario.facilities[:5] == base.facilities[:5] and scenario.sites == base.sites
    # a grandchild's own keys win over its parent's set; --set wins over both
    grandchild = tmp_path / "grandchild.yaml"
    grandchild.write_text("extends: child.yaml\ninspectorate: {teams: 5}\n", encoding="utf-8")
    assert load_scenario(grandchild).inspectorate.teams == 5
    assert load_scenario(grandchild, overrides=["inspectorate.teams=6"]).inspectorate.teams == 6
