"""Issue 24, the inputs: every input read once and only if it is a regular file, contradictory observed records
refused, dates the tool cannot compute or draw refused, sweep sizes checked before anything is allocated, and
messages that say what is really wrong.

Commands that could hang on the old code (a FIFO) or take long (a 2 MB file) run in a subprocess with a
timeout, so that a regression fails the test instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from conftest import ROOT, TINY
from sim.core.problems import ScenarioError
from sim.scenario.loading import load_scenario

OBSERVED = ROOT / "scenarios" / "observed" / "syria_2013_2016.yaml"


def disarm(*args: str, cwd: Path, timeout: float = 120,
           pass_fds: tuple[int, ...] = ()) -> subprocess.CompletedProcess:
    """``disarm ARGS`` in a subprocess; killed (and the test failed) if it takes longer than ``timeout``."""
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, pass_fds=pass_fds, env={**os.environ, "MPLBACKEND": "Agg"})


def problems(path: Path | str, overrides: list[str] | None = None) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides=overrides)
    return [str(p) for p in info.value.problems]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def sweep_text(base: str, parameter: str = "{path: convoys.escorts, low: 1, high: 3}", extra: str = "") -> str:
    return (f"base: {base}\nmethod: lhs\nsamples: 4\nreplications: 2\nparameters:\n  - {parameter}\n"
            f"outcomes: [removal_complete_day]\n{extra}")


# ---------------------------------------------------------------------------------------------------------
# Item 6: the scenario file is read once, when it is loaded
# ---------------------------------------------------------------------------------------------------------


def _assumptions_of(folder: Path) -> list[dict[str, str]]:
    return json.loads((folder / "assumptions.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("change", ["edit", "delete"])
def test_the_scenario_file_changed_during_a_run_does_not_reach_its_assumptions(tmp_path, change):
    """Issue 24 item 6: the scenario file was read again at save time for its source comments: a file edited
    while the run simulated mixed two versions in assumptions.json, a deleted one lost every comment."""
    from sim.output.jobs import Hooks, run_job

    reference_file = shutil.copy(TINY, tmp_path / "reference.yaml")
    run_job(Path(reference_file), replications=2, seed=3, folder=tmp_path / "reference", plots=False)
    expected = _assumptions_of(tmp_path / "reference")

    scenario = Path(shutil.copy(TINY, tmp_path / "tiny.yaml"))

    @contextmanager
    def progress(total: int, label: str) -> Iterator:  # runs after loading, before simulating and saving
        if change == "edit":
            scenario.write_text(scenario.read_text(encoding="utf-8").replace("# ", "# EDITED ")
                                .replace("teams: 1", "teams: 1  # EDITED"), encoding="utf-8")
        else:
            scenario.unlink()
        yield lambda n: None

    run_job(scenario, replications=2, seed=3, folder=tmp_path / "run", plots=False, hooks=Hooks(progress=progress))
    got = _assumptions_of(tmp_path / "run")
    assert got == expected
    assert not any("EDITED" in row["source"] for row in got)
    assert any(row["source"].startswith("A tiny deterministic scenario") for row in got)


def test_compare_takes_the_source_comments_read_at_load_time(tmp_path):
    """Issue 24 item 6: compare too re-read each scenario file when it saved its run folders."""
    from sim.output.jobs import Hooks, compare_job

    first = Path(shutil.copy(TINY, tmp_path / "first.yaml"))
    second = write(tmp_path / "second.yaml", "extends: first.yaml\n# more teams\ninspectorate: {teams: 2}\n")

    @contextmanager
    def progress(total: int, label: str) -> Iterator:
        first.unlink()
        second.unlink()
        yield lambda n: None

    compare_job([first, second], replications=2, seed=1, folder=tmp_path / "cmp", plots=False,
                hooks=Hooks(progress=progress))
    rows = {row["parameter"]: row["source"] for row in _assumptions_of(tmp_path / "cmp" / "second")}
    assert rows["inspectorate.teams"] == "more teams"
    assert rows["horizon_days"].startswith("A tiny deterministic scenario")


# ---------------------------------------------------------------------------------------------------------
# Item 10: FIFOs, devices and pipes are refused before they are opened
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "fifo.yaml"
    os.mkfifo(path)
    return path


def test_a_fifo_is_refused_everywhere_a_path_is_read(tmp_path, fifo):
    """Issue 24 item 10: `mkfifo f; disarm validate f` never returned (opening a FIFO waits for a writer); nor did
    a scenario that extends one, a sweep whose base is one, or /dev/zero (read up to the limit)."""
    write(tmp_path / "child.yaml", "extends: fifo.yaml\nname: child\n")
    write(tmp_path / "sweep.yaml", sweep_text("fifo.yaml"))
    done = disarm("validate", "fifo.yaml", "child.yaml", "sweep.yaml", "/dev/zero", cwd=tmp_path, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert "fifo.yaml: is a pipe (a FIFO, or <(...) process substitution), not a regular file; inputs are read " \
           "from regular files only (save it to a file first)" in lines
    assert "child.yaml:1: extends: 'fifo.yaml' is a pipe (a FIFO, or <(...) process substitution), not a " \
           "regular file; inputs are read from regular files only" in lines
    assert "sweep.yaml:1: base: the base scenario 'fifo.yaml' is a pipe (a FIFO, or <(...) process " \
           "substitution), not a regular file; inputs are read from regular files only" in lines
    assert "/dev/zero: is a character device, not a regular file; inputs are read from regular files only " \
           "(save it to a file first)" in lines


def test_an_observed_record_that_is_a_fifo_is_refused_before_simulating(tmp_path, fifo):
    """Issue 24 item 10: `disarm backtest ... --observed FIFO` never returned."""
    done = disarm("backtest", str(TINY), "--observed", "fifo.yaml", "-n", "2", "-q", "-o", "bt", cwd=tmp_path,
                  timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == "fifo.yaml: is a pipe (a FIFO, or <(...) process substitution), not a regular " \
                                  "file; inputs are read from regular files only (save it to a file first)"
    assert not (tmp_path / "bt").exists()


@pytest.mark.parametrize("name", ["summary.json", "manifest.json", "runs.parquet"])
def test_plot_refuses_a_fifo_in_a_run_folder_without_hanging(tmp_path, name):
    """Issue 24 item 10 (disarm plot's inputs): a FIFO in place of a run folder's file is refused, not opened."""
    done = disarm("run", str(TINY), "-n", "4", "--workers", "1", "-q", "--no-plots", "-o", "r", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    before = sorted(p.name for p in (tmp_path / "r").iterdir())
    (tmp_path / "r" / name).unlink()
    os.mkfifo(tmp_path / "r" / name)
    done = disarm("plot", "r", cwd=tmp_path, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert f"r/{name}" in done.stderr or f"r{os.sep}{name}" in done.stderr
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == before


def test_process_substitution_is_called_a_pipe_not_a_missing_file(tmp_path):
    """Issue 24 items 10 and 17: `disarm validate <(cat f)` said "no such file" (the path /dev/fd/N resolves to
    pipe:[...]); it is refused as the pipe it is."""
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, TINY.read_bytes())
        os.close(write_end)
        done = disarm("validate", f"/dev/fd/{read_end}", cwd=tmp_path, timeout=60, pass_fds=(read_end,))
    finally:
        os.close(read_end)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"/dev/fd/{read_end}: is a pipe (a FIFO, or <(...) process substitution), not " \
                                  "a regular file; inputs are read from regular files only (save it to a file first)"


# ---------------------------------------------------------------------------------------------------------
# Item 17: messages that say what is really wrong (and item 12's input half: symlink loops)
# ---------------------------------------------------------------------------------------------------------


def test_extends_a_device_does_not_say_cannot_find(tmp_path):
    """Issue 24 item 17: `extends: /dev/zero` said "cannot find" a file that exists."""
    (line,) = problems(write(tmp_path / "z.yaml", "extends: /dev/zero\nname: z\n"))
    assert line == f"{tmp_path / 'z.yaml'}:1: extends: '/dev/zero' is a character device, not a regular file; " \
                   "inputs are read from regular files only"


def test_a_large_file_without_aliases_is_not_called_an_alias_bomb(tmp_path):
    """Issue 24 item 17: a large file with no alias was refused as "(alias bomb?)"."""
    (line,) = problems(write(tmp_path / "many.yaml", "name: [" + "0, " * 250_000 + "0]\n"))
    assert line == f"{tmp_path / 'many.yaml'}:1: more than 200,000 YAML nodes (keys, values and list items); " \
                   "a scenario has a few thousand"
    assert "alias" not in line


def test_a_sweep_bound_that_is_infinite_is_one_problem(tmp_path):
    """Issue 24 item 17: `high: .inf` gave two problems, `parameters[0].high.int` and `parameters[0].high.float`;
    a value of the wrong kind in `values` gave three."""
    from sim.sweeps.loading import load_sweep

    shutil.copy(TINY, tmp_path / "tiny.yaml")
    path = write(tmp_path / "s.yaml", sweep_text("tiny.yaml", "{path: convoys.escorts, low: 1, high: .inf}\n"
                                                 "  - {path: inspectorate.teams, values: [1, .nan, abc]}"))
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:6: parameters[0].high: expected a finite number, got inf",
        f"{path}:7: parameters[1].values[1]: expected a finite number or true/false, got nan",
        f"{path}:7: parameters[1].values[2]: expected a number or true/false, got 'abc'",
    ]


@pytest.mark.parametrize("override, where", [("a.a=1", "a"), ("sites[0].a.b=1", "sites[0].a")])
def test_a_key_an_override_creates_is_blamed_on_the_override(tmp_path, override, where):
    """Issue 24 item 17: `--set a.a=1` was blamed on the scenario file's first line (the nearest located parent
    of the mapping `a` the override created)."""
    child = write(tmp_path / "child.yaml", f"extends: {TINY}\nname: child\n")
    for path in (TINY, child):
        (line,) = problems(path, overrides=[override])
        assert line.startswith(f"--set {override}: {where}: unknown key 'a'"), line


def test_a_set_block_that_creates_a_key_is_blamed_on_its_line(tmp_path):
    """Issue 24 item 17: the same for a file's own `set:` block."""
    child = write(tmp_path / "child.yaml", f"extends: {TINY}\nname: child\nset:\n  convoys.extra.a: 1\n")
    (line,) = problems(child)
    assert line.startswith(f"{child}:4: convoys.extra: unknown key 'extra'"), line


def test_a_syntax_error_at_the_end_of_a_2mb_file_is_reported_fast(tmp_path):
    """Issue 24 item 17: a 2 MB file with a syntax error on its last line took 22 s to report (libyaml found it,
    then the pure-Python parser re-read the whole file to word it, three times over in `validate`)."""
    rows = [f"key_{i}: [" + ", ".join(["x" * 9] * 9) + "]" for i in range(18_000)]  # 198,000 nodes
    text = "\n".join(rows) + "\nbad: [1, 2\n"
    assert 1_900_000 < len(text) < 2_097_152
    write(tmp_path / "big.yaml", text)
    done = disarm("validate", "big.yaml", cwd=tmp_path, timeout=10)  # well under a second now, 20 s before
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("big.yaml:18002: YAML syntax error, column 1: "), line


def test_symlink_loops_are_refused_with_a_clear_message(tmp_path):
    """Issue 24 items 12 and 17: a loop of symbolic links as `extends:` or a sweep's `base:` (or as the file
    itself) gave `RuntimeError: Symlink loop`, exit code 1."""
    os.symlink("loop_b.yaml", tmp_path / "loop_a.yaml")
    os.symlink("loop_a.yaml", tmp_path / "loop_b.yaml")
    write(tmp_path / "child.yaml", "extends: loop_a.yaml\nname: child\n")
    write(tmp_path / "sweep.yaml", sweep_text("loop_a.yaml"))
    done = disarm("validate", "child.yaml", "sweep.yaml", "loop_a.yaml", cwd=tmp_path, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "child.yaml:1: extends: cannot use 'loop_a.yaml' as a file path: a loop of symbolic links",
        "sweep.yaml:1: base: cannot use the base scenario 'loop_a.yaml' as a file path: a loop of symbolic links",
        "loop_a.yaml: cannot open: a loop of symbolic links",
    ]


# ---------------------------------------------------------------------------------------------------------
# Item 3: contradictory observed records
# ---------------------------------------------------------------------------------------------------------


def _row(row_id: str, **fields: object) -> dict[str, object]:
    return {"id": row_id, **fields, "confidence": "high", "confidence_note": "stated",
            "sources": [{"title": "a page", "url": "https://example.org/page"}]}


def _record(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    import yaml

    path = tmp_path / "record.yaml"
    path.write_text(yaml.safe_dump({"name": "record", "description": "made up", "observations": rows},
                                   sort_keys=False), encoding="utf-8")
    return path


def _record_problems(path: Path) -> list[str]:
    from sim.history.observed import load_observed

    with pytest.raises(ScenarioError) as info:
        load_observed(path)
    return [str(p) for p in info.value.problems]


HINT = ". If the sources disagree, keep the row that disagrees with 'conflict:' (why) and 'scored: false'"
CONTRADICTIONS = {
    "two values on one date": (
        [_row("a", quantity="removed_fraction", date="2014-03-20", value=0.493),
         _row("b", quantity="removed_fraction", date="2014-03-20", value=0.45)],
        "observations[1].value: a second removed_fraction on 2014-03-20: 0.45 in observations[1] and 0.493 in "
        "observations[0]; a quantity has one value on a date"),
    "a removed fraction that falls": (
        [_row("a", quantity="removed_fraction", date="2014-03-20", value=0.493),
         _row("b", quantity="removed_fraction", date="2014-04-01", value=0.3)],
        "observations[1].value: removed_fraction falls from 0.493 on 2014-03-20 (observations[0]) to 0.3 on "
        "2014-04-01 (observations[1]); a cumulative fraction cannot fall"),
    "destruction before removal": (
        [_row("r", milestone="removal_complete", date="2014-06-23"),
         _row("d", milestone="destruction_complete", date="2014-01-01")],
        "observations[1].date: removal_complete is dated 2014-06-23 (observations[0]), but destruction_complete "
        "is dated 2014-01-01 (observations[1]); removal_complete cannot come after destruction_complete"),
    "all destroyed before all removed": (
        [_row("d", quantity="destroyed_fraction", date="2014-05-01", value=1.0),
         _row("r", quantity="removed_fraction", date="2014-06-01", value=0.9)],
        "observations[1].value: removed_fraction 0.9 on 2014-06-01 (observations[1]) means removal_complete was "
        "not reached by then, but destroyed_fraction 1 on 2014-05-01 (observations[0]) means "
        "destruction_complete was reached by then; removal_complete cannot come after destruction_complete"),
    "50% removed after all removed": (
        [_row("r", milestone="removal_complete", date="2014-06-23"),
         _row("h", quantity="removed_fraction", date="2014-07-01", value=0.5)],
        "observations[1].value: removed_fraction 0.5 on 2014-07-01 (observations[1]) means removal_complete was "
        "not reached by then, but removal_complete is dated 2014-06-23 (observations[0])"),
    "removed before the first removal": (
        [_row("f", milestone="first_removal", date="2014-01-07"),
         _row("h", quantity="removed_fraction", date="2014-01-01", value=0.1)],
        "observations[1].value: first_removal is dated 2014-01-07 (observations[0]), but removed_fraction 0.1 on "
        "2014-01-01 (observations[1]) means first_removal was reached by then"),
}


@pytest.mark.parametrize("case", list(CONTRADICTIONS))
def test_a_contradictory_record_is_refused_naming_both_rows(tmp_path, case):
    """Issue 24 item 3: contradictory observed records were accepted and scored (two values for one quantity
    on one date, a removed fraction that falls, destruction before removal, "50% removed" after "all
    removed"); each is refused with the file, the line, the key and the contradiction."""
    rows, message = CONTRADICTIONS[case]
    path = _record(tmp_path, rows)
    (line,) = _record_problems(path)
    row_line = path.read_text(encoding="utf-8").splitlines().index(f"- id: {rows[1]['id']}") + 1
    key = message.split(":", 1)[0].rsplit(".", 1)[1]
    key_line = next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                    if n > row_line and text.strip().startswith(f"{key}:"))
    assert line == f"{path}:{key_line}: {message}{HINT}"


def test_the_command_line_refuses_a_contradictory_record_before_simulating(tmp_path):
    """Issue 24 item 3: `disarm validate` accepted such a record and `disarm backtest` scored it."""
    rows, message = CONTRADICTIONS["50% removed after all removed"]
    _record(tmp_path, rows)
    for args in (["validate", "record.yaml"],
                 ["backtest", str(ROOT / "scenarios" / "syria_2013.yaml"), "--observed", "record.yaml", "-n", "2",
                  "-q", "-o", "bt"]):
        done = disarm(*args, cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip().endswith(message + HINT), done.stderr
    assert not (tmp_path / "bt").exists()


def test_a_contradiction_the_record_explains_is_kept_and_scored_once(tmp_path):
    """Issue 24 item 3: where the record itself disagrees, the row that disagrees carries `conflict:` and
    `scored: false`: it is kept and shown, the other row alone is scored."""
    from sim.history.backtest import backtest
    from sim.history.observed import load_observed

    rows = [_row("a", quantity="removed_fraction", date="2020-01-28", value=0.3),
            _row("b", quantity="removed_fraction", date="2020-01-28", value=0.5, scored=False,
                 conflict="a second source gave 50% the same day")]
    record = load_observed(_record(tmp_path, rows))
    assert [row.id for row in record.scored] == ["a"]
    result = backtest(load_scenario(TINY), record, replications=2, seed=1, workers=1)
    assert [row["id"] for row in result.rows] == ["a"]
    (unscored,) = result.unscored
    assert unscored["id"] == "b"
    assert unscored["reason"] == "contradicts another row of the record: a second source gave 50% the same day"

    # a conflict note on a row that is still scored does not explain it: both would be scored
    rows[1].pop("scored")
    (line,) = _record_problems(_record(tmp_path, rows))
    assert "a second removed_fraction on 2020-01-28" in line


def test_the_shipped_record_has_no_contradiction():
    """Issue 24 item 3: the shipped record loads unchanged (its backtest is unchanged: tests/test_backtest.py)."""
    from sim.history.consistency import contradictions
    from sim.history.observed import load_observed

    record = load_observed(OBSERVED)
    assert len(record.observations) == 29
    assert contradictions(record.observations) == []


# ---------------------------------------------------------------------------------------------------------
# Item 9: dates the tool cannot compute or draw are refused when the scenario is loaded
# ---------------------------------------------------------------------------------------------------------


def _tiny_with(start: str | None = None, horizon: int | None = None, deadline: str | None = None) -> str:
    text = TINY.read_text(encoding="utf-8")
    if start is not None:
        text = text.replace("start_date: 2020-01-01", f"start_date: {start}")
        text = text.replace("date: 2020-01-31", "date: 2199-12-31").replace("date: 2020-02-06", "date: 2199-12-31")
    if horizon is not None:
        text = text.replace("horizon_days: 100", f"horizon_days: {horizon}")
    if deadline is not None:
        text = text.replace("date: 2020-02-06", f"date: {deadline}")
    return text


RANGE = "expected a date from 1900-01-01 to 2199-12-31 (what the tool can compute and draw)"


@pytest.mark.parametrize("text, message", [
    (_tiny_with(start="9999-01-01"), f"5: start_date: {RANGE}, got 9999-01-01"),
    (_tiny_with(start="0001-01-02"), f"5: start_date: {RANGE}, got 0001-01-02"),
    (_tiny_with(deadline="9999-12-31"), f"24: deadlines[1].date: {RANGE}, got 9999-12-31"),
    (_tiny_with(start="2150-01-01", horizon=36_500),
     "6: horizon_days: the run would end on 2249-12-08, after 2199-12-31, the last date the tool can compute and "
     "draw; shorten horizon_days or move start_date"),
], ids=["start 9999", "start 0001", "deadline 9999-12-31", "horizon past 2199"])
def test_a_date_the_tool_cannot_draw_is_refused_before_simulating(tmp_path, text, message):
    """Issue 24 item 9: start 9999-01-01 (`year 10000 is out of range`), 0001-01-02 or a deadline of 9999-12-31
    (Matplotlib's date range) validated, and crashed after the whole simulation."""
    write(tmp_path / "s.yaml", text)
    done = disarm("run", "s.yaml", "-n", "2", "-q", "-o", "out", cwd=tmp_path)
    assert (done.returncode, done.stderr.strip()) == (2, f"s.yaml:{message}")
    assert not (tmp_path / "out").exists()


def test_the_edges_of_the_date_range_run_and_draw(tmp_path):
    """Issue 24 item 9: the documented range is what the tool can really compute and draw, charts included."""
    write(tmp_path / "late.yaml", _tiny_with(start="2099-12-31", horizon=36_500))
    write(tmp_path / "early.yaml", _tiny_with(start="1900-01-01").replace("date: 2199-12-31", "date: 1900-02-06"))
    for name in ("late", "early"):
        done = disarm("run", f"{name}.yaml", "-n", "2", "-q", "-o", name, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / name / "progress.png").is_file()


def test_an_observed_date_out_of_range_is_refused(tmp_path):
    """Issue 24 item 9: observed records take the same range."""
    path = _record(tmp_path, [_row("a", milestone="first_removal", date="9999-12-31")])
    (line,) = _record_problems(path)
    assert line == f"{path}:6: observations[0].date: {RANGE}, got 9999-12-31"


# ---------------------------------------------------------------------------------------------------------
# Item 14: a sweep's size is checked before anything is allocated
# ---------------------------------------------------------------------------------------------------------


def _limited(max_bytes: int):
    def limit() -> None:  # in the child: a runaway allocation fails there instead of swapping the machine
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
    return limit


@pytest.mark.parametrize("args, parameters, message", [
    (["--samples", "1099511627776"], "{path: convoys.escorts, low: 1, high: 3}",
     "--samples: samples: must be at most 1,000,000, got 1,099,511,627,776"),
    (["--replications", "1099511627776"], "{path: convoys.escorts, low: 1, high: 3}",
     "--replications: must be at most 1,000,000 (as in a sweep file), got 1,099,511,627,776"),
    (["--samples", "1000"], "{path: convoys.tonnes_per_convoy, low: 1, high: 30}\n"
                            "  - {path: inspectorate.travel_days, low: 0, high: 3}\n"
                            "  - {path: inspectorate.verification_days, low: 1, high: 3}",
     "--samples: samples: the design has 1,000,000,000 points; the limit is 1,000,000"),
], ids=["lhs samples", "replications", "grid of a billion points"])
def test_a_sweep_too_large_is_refused_before_allocating(tmp_path, args, parameters, message):
    """Issue 24 item 14: `--samples 1099511627776` allocated 16 TiB (MemoryError, exit 1) before the
    1,000,000-point check; a grid's points were all built before they were counted."""
    shutil.copy(TINY, tmp_path / "tiny.yaml")
    method = "grid" if "grid" in message or "design" in message else "lhs"
    write(tmp_path / "s.yaml", sweep_text("tiny.yaml", parameters).replace("method: lhs", f"method: {method}"))
    done = subprocess.run([sys.executable, "-m", "sim", "sweep", "s.yaml", *args, "-o", "out"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, preexec_fn=_limited(3 * 2**30),
                          env={**os.environ, "MPLBACKEND": "Agg"})
    assert (done.returncode, done.stderr.strip()) == (2, message)


def test_the_design_size_is_counted_exactly():
    """Issue 24 item 14: the count made before the design matches the design made."""
    from sim.sweeps.design import ParameterSpace, design_size, make_design

    spaces = [ParameterSpace("a", ("a",), "int", low=1, high=3),
              ParameterSpace("b", ("b",), "float", low=0, high=1),
              ParameterSpace("c", ("c",), "bool", values=(False, True))]
    for method in ("grid", "oat", "lhs", "morris", "sobol"):
        for samples in (1, 2, 4, 8):
            for second_order in (False, True):
                if method == "sobol" and samples == 1:
                    continue
                design = make_design(method, spaces, samples, seed=1, second_order=second_order)
                assert design_size(method, spaces, samples, second_order) == design.size, (method, samples)
