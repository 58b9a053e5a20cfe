"""Hostile and broken input beyond the corpus: regressions found by the loader fuzz campaign, inputs that cannot
live in tests/broken/ (a directory, UTF-16, a file name too long), and output folders that cannot be written.

Each case must end in a ScenarioError (``disarm``: exit code 2, no traceback), one problem per line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BASELINE, ROOT, TINY
from sim.scenario.yaml_text import MAX_YAML_DEPTH, parse_yaml
from sim.core.problems import ScenarioError
from sim.scenario.loading import load_scenario


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path | str, overrides: list[str] | None = None) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides=overrides)
    lines = [str(p) for p in info.value.problems]
    assert all("\n" not in line and "\r" not in line for line in lines), lines
    return lines


def disarm(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "MPLBACKEND": "Agg"})


# ---------------------------------------------------------------------------------------------------------
# Regressions from the fuzz campaign (tests/test_fuzz_loader.py); each crashed or misreported before its fix.
# ---------------------------------------------------------------------------------------------------------


def test_control_character_is_a_located_one_line_error(tmp_path):
    # Was a multi-line PyYAML ReaderError without a line number.
    (line,) = problems(write(tmp_path / "c.yaml", "name: a\nquestion: b\x01c\n"))
    assert line == f"{tmp_path / 'c.yaml'}:2: YAML syntax error, column 12: character U+0001 is not allowed " \
                   "in a YAML file"


def test_override_text_with_a_newline_stays_on_one_line():
    # Was a two-line message: the override text was printed raw.
    (line,) = problems(BASELINE, overrides=["\n=1"])
    assert line.startswith("--set '\\n=1': ")


def test_a_bare_equals_sign_is_text_not_a_forbidden_tag():
    # '=' is YAML 1.1's "value" tag: it was refused as "YAML tag 'tag:yaml.org,2002:value' is not allowed".
    (line,) = problems(TINY, overrides=["convoys.escorts=="])
    assert line == "--set convoys.escorts==: convoys.escorts: expected a whole number, got '='"


def test_key_holding_a_newline_is_quoted_in_the_key_path(tmp_path):
    # Was a two-line message: the key was printed raw in the key path.
    path = write(tmp_path / "k.yaml", f'extends: {TINY}\nname: k\nconvoys:\n  "esc\\norts": 2\n')
    (line,) = problems(path)
    assert line.startswith(f"{path}:4: convoys['esc\\norts']: unknown key 'esc\\norts'")


def test_a_key_named_like_a_distribution_family_is_reported():
    # 'pert' was taken for a distribution tag and dropped from the location: IndexError.
    (line,) = problems(BASELINE, overrides=["pert=1"])
    assert line == "--set pert=1: pert: unknown key 'pert' (did you mean 'port'?)"
    (line,) = problems(BASELINE, overrides=["convoys.uniform=1"])
    assert line.startswith("--set convoys.uniform=1: convoys.uniform: unknown key 'uniform'")


def test_a_timestamp_tag_on_text_that_is_no_date(tmp_path):
    # '!!timestamp nope' made PyYAML's constructor raise AttributeError.
    (line,) = problems(write(tmp_path / "t.yaml", "name: t\nstart_date: !!timestamp nope\n"))
    assert line.endswith("t.yaml:2: start_date: expected a date (YYYY-MM-DD), got 'nope'")


@pytest.mark.parametrize("key", ["([# x", "function-after[x]"])
def test_a_key_that_looks_like_a_pydantic_location_tag(tmp_path, key):
    # Keys holding '[' were taken for pydantic's validator wrappers and dropped from the location: IndexError.
    (line,) = problems(write(tmp_path / "w.yaml", f"extends: {TINY}\nname: w\n'{key}': 1\n"))
    assert line.endswith(f"w.yaml:3: [{key!r}]: unknown key {key!r}; valid keys: name, question, start_date, "
                         "horizon_days, state_party, declaration, sites, lots, unfilled_munitions, "
                         "production_structures, inspectorate, convoys, port, transfer_port, places, pools, links, "
                         "ships, facilities, deadlines, dispersal, concealment, verification, uses, compliance, pressure, security, "
                         "gates, plan")


def test_text_that_reads_as_a_number_survives_the_resolved_yaml(tmp_path):
    # scenario.resolved.yaml wrote the name '1e3' bare, which the loader reads back as the number 1000.0.
    from sim.scenario.loading import scenario_to_yaml

    scenario = load_scenario(TINY, overrides=["name='1e3'", "lots[0].agent='2e5'", "facilities[0].agents=['2e5']"])
    again = load_scenario(write(tmp_path / "resolved.yaml", scenario_to_yaml(scenario)))
    assert again == scenario and again.name == "1e3"


def test_a_byte_order_mark_inside_the_text_is_refused(tmp_path):
    # libyaml skipped a mid-file U+FEFF, PyYAML read it as text: "\n\ufeff" was an empty file to one and the
    # text '\ufeff' to the other.  A leading one (what editors write) is fine.
    (line,) = problems(write(tmp_path / "b.yaml", "\n\ufeff"))
    assert line.endswith("b.yaml:2: a byte-order mark (U+FEFF) at column 1, not at the start of the file (files "
                         "pasted together?); remove it")
    assert load_scenario(write(tmp_path / "lead.yaml", "\ufeff" + TINY.read_text(encoding="utf-8"))).name == "tiny"


def test_recursive_alias_is_refused_not_a_recursion_error(tmp_path):
    (line,) = problems(write(tmp_path / "r.yaml", "name: &a [*a]\n"))
    assert line.endswith("r.yaml:1: name[0]: recursive alias: a value that contains itself")
    (line,) = problems(write(tmp_path / "r2.yaml", "name: &a {b: *a}\n"))
    assert "name.b: recursive alias" in line


@pytest.mark.parametrize("depth", [MAX_YAML_DEPTH + 5, 3000])  # libyaml parses the first, refuses the second
def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path, depth):
    (line,) = problems(write(tmp_path / "deep.yaml", "name: " + "[" * depth + "]" * depth + "\n"))
    assert f"nested more than {MAX_YAML_DEPTH} levels deep" in line


@pytest.mark.parametrize("target, reason", [
    ('"a\\0b"', "the path contains a NUL character"),
    ("x" * 5000, "File name too long"),
])
def test_extends_path_the_system_cannot_use(tmp_path, target, reason):
    # Both were an uncaught ValueError / OSError.
    (line,) = problems(write(tmp_path / "p.yaml", f"extends: {target}\nname: p\n"))
    assert ":1: extends: cannot use " in line and line.endswith(reason)


def test_scenario_path_too_long(tmp_path):
    (line,) = problems(tmp_path / ("y" * 5000))
    assert line.endswith(": cannot open: File name too long")


def test_replacing_a_distribution_by_set_forgets_its_old_lines():
    # The missing 'high' was located in the baseline file, which the override had replaced.
    lines = problems(BASELINE, overrides=["convoys.loading_days={dist: uniform, low: 1, hgh: 2}"])
    assert lines == [
        "--set convoys.loading_days={dist: uniform, low: 1, hgh: 2}: convoys.loading_days.high: required key is "
        "missing",
        "--set convoys.loading_days={dist: uniform, low: 1, hgh: 2}: convoys.loading_days.hgh: unknown key "
        "'hgh' (did you mean 'high'?)",
    ]


def test_an_endless_device_is_refused_without_reading_it_all():
    # /dev/zero reports size 0 and never ends: it was read whole, until memory ran out.  Since issue 24 (item
    # 10) anything that is not a regular file is refused before it is opened.
    (line,) = problems("/dev/zero")
    assert line == "/dev/zero: is a character device, not a regular file; inputs are read from regular files " \
                   "only (save it to a file first)"


# ---------------------------------------------------------------------------------------------------------
# Loader behaviour fixed alongside
# ---------------------------------------------------------------------------------------------------------


def test_a_child_may_change_a_distributions_family(tmp_path):
    # The baseline's triangular loading_days used to leak 'mode' into the child's uniform: "unknown key 'mode'".
    child = write(tmp_path / "child.yaml", f"extends: {BASELINE}\nname: child\nconvoys:\n"
                                           "  loading_days: {dist: uniform, low: 1, high: 2}\n")
    assert repr(load_scenario(child).convoys.loading_days) == "uniform(low=1, high=2)"
    same_family = write(tmp_path / "same.yaml", f"extends: {BASELINE}\nname: same\nconvoys:\n"
                                                "  loading_days: {high: 9}\n")
    base = load_scenario(BASELINE).convoys.loading_days
    assert load_scenario(same_family).convoys.loading_days == base.model_copy(update={"high": 9.0})


@pytest.mark.parametrize("override, message", [
    ("convoys.escorts=true", "expected a whole number, got True"),
    ("convoys.tonnes_per_convoy='20'", "expected a number, got '20'"),
    ("dispersal.enabled=1", "expected true or false, got 1"),
    ("dispersal.enabled=yes_please", "expected true or false, got 'yes_please'"),
    ("start_date=20130914", "expected a date (YYYY-MM-DD), got 20130914"),
    ("lots[0].category=true", "expected 1, 2 or 3, got True"),
    ("inspectorate.travel_days=true", "expected a number or a distribution, got True"),
    ("inspectorate.travel_days={dist: uniform, low: true, high: 2}", "expected a number, got True"),
    ("facilities[0].categories=[1, true]", "expected 1, 2 or 3, got [1, True]"),
])
def test_no_lax_conversions(override, message):
    (line,) = problems(BASELINE, overrides=[override])
    assert line.endswith(message), line


def test_quoted_dates_are_still_dates():
    assert str(load_scenario(TINY, overrides=["start_date='2020-01-02'"]).start_date) == "2020-01-02"


def test_unknown_reference_without_a_close_match_lists_the_choices():
    (line,) = problems(TINY, overrides=["lots[0].site=nowhere"])
    assert line.endswith("lots[0].site: unknown site 'nowhere'; expected one of A, B")


def test_utf16_file_is_named_as_such(tmp_path):
    path = tmp_path / "utf16.yaml"
    path.write_bytes(TINY.read_text(encoding="utf-8").encode("utf-16"))
    (line,) = problems(path)
    assert line == f"{path}: UTF-16 text, not UTF-8; save the file as UTF-8"


def test_parse_yaml_agrees_with_the_pure_python_parser_on_the_shipped_files():
    import yaml

    from sim.scenario.yaml_text import _FastLoader, _Loader

    for path in [*sorted((ROOT / "scenarios").glob("*.yaml")), TINY]:
        text = path.read_text(encoding="utf-8")
        fast, slow = yaml.compose(text, Loader=_FastLoader), yaml.compose(text, Loader=_Loader)
        assert yaml.serialize(fast) == yaml.serialize(slow)
        assert parse_yaml(text, "x")[0] == yaml.load(text, Loader=_Loader)


# ---------------------------------------------------------------------------------------------------------
# disarm run: bad scenario files and output folders exit 2 before anything runs
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make, fragment", [
    (lambda d: d / "a_folder", "a_folder: is a directory, not a scenario file"),
    (lambda d: d / "latin1.yaml", "latin1.yaml:3: not UTF-8 text"),
    (lambda d: d / "utf16.yaml", "utf16.yaml: UTF-16 text, not UTF-8"),
    (lambda d: d / "binary.yaml", "binary.yaml: binary content (NUL bytes)"),
], ids=["directory", "latin1", "utf16", "binary"])
def test_run_refuses_unreadable_scenarios(tmp_path, make, fragment):
    (tmp_path / "a_folder").mkdir()
    (tmp_path / "latin1.yaml").write_bytes("name: x\nquestion: y\nregion: Alep\xe9\n".encode("latin-1"))
    (tmp_path / "utf16.yaml").write_bytes("name: x\n".encode("utf-16"))
    (tmp_path / "binary.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = disarm("run", str(make(tmp_path).name), "-n", "2", "--no-plots", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [next(ln for ln in result.stderr.splitlines() if fragment in ln)]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "plots").exists()


@pytest.mark.parametrize("output, fragment", [
    ("blocker/out", "blocker/out: cannot create it: {tmp}/blocker is a file, not a folder"),
    ("blocker/a/b/out", "blocker/a/b/out: cannot create it: {tmp}/blocker is a file, not a folder"),
    ("blocker", "blocker: exists and is not a folder"),
    ("mine", "mine: exists and is not an output folder of disarm-sim (no manifest.json); refusing to replace it"),
    (".", ".: is the current folder or contains it"),
    ("..", "..: is the current folder or contains it"),
    ("x" * 300, "cannot use as the output folder: File name too long"),
])
def test_unwritable_output_folder_exits_2_before_simulating(tmp_path, output, fragment):
    # Running as root ignores permission bits, so "cannot write" is a regular file in the path.
    (tmp_path / "blocker").write_text("not a folder")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    before = sorted(p.name for p in tmp_path.iterdir())
    # A scenario that would take minutes: the refusal must come before any replication.
    result = disarm("run", str(BASELINE), "-n", "100000", "--workers", "1", "-o", output, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == next(ln for ln in result.stderr.splitlines() if ln.strip())
    assert fragment.format(tmp=tmp_path) in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"


def test_an_empty_folder_and_a_previous_run_may_be_replaced(tmp_path):
    (tmp_path / "empty").mkdir()
    for folder in ("empty", "empty"):  # the second time, a complete run folder is replaced
        result = disarm("run", str(TINY), "-n", "2", "--workers", "1", "--no-plots", "--quiet", "-o", folder,
                        cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / folder / "manifest.json").is_file()

