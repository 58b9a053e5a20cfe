"""Streaming to part files and --resume: an interrupted run or sweep finishes with identical results, running
only what was not saved; failing replications are recorded, never silently dropped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT, SCENARIOS, TINY
from sim.execution.engines import SerialEngine
from sim.execution.parts import PartStore, ResumeError, staging_path
from sim.execution.runs import ReplicationFailures, execute_run, run_identity

TIMEOUT = 300


class CountingEngine(SerialEngine):
    """This process, counting the tasks it runs; raises KeyboardInterrupt after ``stop_after`` of them."""

    def __init__(self, stop_after: int | None = None):
        self.ran: list = []
        self.stop_after = stop_after

    def map_unordered(self, fn, shared, items):
        for index, item in enumerate(items):
            if self.stop_after is not None and len(self.ran) == self.stop_after:
                raise KeyboardInterrupt
            self.ran.append(item)
            yield index, fn(shared, item)


def _store(folder: Path, scenario, seed: int, replications: int, resume: bool) -> PartStore:
    return PartStore(folder, run_identity(scenario, seed, replications), resume=resume)


def test_an_interrupted_run_resumes_running_only_the_missing_chunks(baseline, tmp_path):
    whole = execute_run(baseline, 40, 7, CountingEngine(), chunk_size=5)
    out = tmp_path / "out"
    with _store(out, baseline, 7, 40, resume=False) as store, pytest.raises(KeyboardInterrupt):
        execute_run(baseline, 40, 7, CountingEngine(stop_after=3), chunk_size=5, store=store)
    staging = staging_path(out)
    assert sorted(p.name for p in (staging / "parts").iterdir()) == [
        f"{kind}-{i:06d}.parquet" for kind in ("bands", "runs") for i in range(3)]
    assert not out.exists()

    engine = CountingEngine()
    with _store(out, baseline, 7, 40, resume=True) as store:
        resumed = execute_run(baseline, 40, 7, engine, chunk_size=99, store=store)  # the saved chunk size wins
    assert [task.first for task, _ in engine.ran] == [15, 20, 25, 30, 35]  # chunks 3..7 only
    assert resumed.resumed_chunks == 3
    pd.testing.assert_frame_equal(resumed.runs, whole.runs)
    pd.testing.assert_frame_equal(resumed.bands.frame(baseline.start_date), whole.bands.frame(baseline.start_date))


def test_resume_refuses_another_jobs_parts(tiny, tmp_path):
    out = tmp_path / "out"
    with _store(out, tiny, 1, 12, resume=False) as store, pytest.raises(KeyboardInterrupt):
        execute_run(tiny, 12, 1, CountingEngine(stop_after=1), chunk_size=4, store=store)
    with _store(out, tiny, 2, 12, resume=True) as store, pytest.raises(ResumeError) as caught:
        store.open(4, 3)
    assert "cannot resume" in str(caught.value) and "seed 1 there, 2 now" in str(caught.value)
    assert "--fresh" in str(caught.value)
    # without --resume the old parts are kept and the new run refused; with fresh they are dropped
    with _store(out, tiny, 2, 12, resume=False) as store, pytest.raises(ResumeError, match="--fresh"):
        store.open(4, 3)
    with PartStore(out, run_identity(tiny, 2, 12), fresh=True) as store:
        store.open(4, 3)
        assert store.done("runs", "bands") == []


def test_two_processes_cannot_write_one_output_folder(tiny, tmp_path):
    out = tmp_path / "out"
    with _store(out, tiny, 1, 12, resume=False) as first:
        first.open(4, 3)
        with _store(out, tiny, 1, 12, resume=True) as second, pytest.raises(ResumeError, match="another disarm-sim"):
            second.open(4, 3)


def test_a_failing_replication_is_recorded_and_the_rest_saved(tiny, tmp_path, monkeypatch):
    import sim.execution.replicate
    from sim.core.streams import replication_seed

    bad_seed = replication_seed(3, 5)
    real = sim.execution.replicate.run_one

    def flaky(scenario, seed, record_events=False):
        if seed == bad_seed:
            raise RuntimeError("a bug in the model")
        return real(scenario, seed, record_events)

    monkeypatch.setattr(sim.execution.replicate, "run_one", flaky)
    out = tmp_path / "out"
    with _store(out, tiny, 3, 12, resume=False) as store, pytest.raises(ReplicationFailures) as caught:
        execute_run(tiny, 12, 3, CountingEngine(), chunk_size=4, store=store)
    assert caught.value.failures == [{"replication": 5, "seed": bad_seed, "error": "RuntimeError: a bug in the model"}]
    assert "replication 5 (seed" in "\n".join(caught.value.lines())
    staging = staging_path(out)
    assert json.loads((staging / "failures.json").read_text())["failures"] == caught.value.failures
    with _store(out, tiny, 3, 12, resume=True) as store:
        store.open(4, 3)
        assert store.done("runs", "bands") == [0, 2]  # chunk 1 (replications 4-7) is not saved: it is rerun

    monkeypatch.setattr(sim.execution.replicate, "run_one", real)  # the bug fixed (a real fix would change the code hash)
    engine = CountingEngine()
    with _store(out, tiny, 3, 12, resume=True) as store:
        resumed = execute_run(tiny, 12, 3, engine, store=store)
    assert [task.first for task, _ in engine.ran] == [4]
    assert resumed.runs["replication"].tolist() == list(range(12))


# ------------------------------------------------------------------------------------------------------
# The command line: a real Ctrl-C, then --resume
# ------------------------------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    return {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}


def disarm(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=TIMEOUT, env=_env())


def _interrupt_after_parts(args: list[str], cwd: Path, staging: Path, parts: int) -> subprocess.CompletedProcess:
    """Start ``disarm ARGS``, send Ctrl-C to its process group once ``parts`` part files exist."""
    proc = subprocess.Popen([sys.executable, "-m", "sim", *args], cwd=cwd, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and proc.poll() is None:
        folder = staging / "parts"
        if folder.is_dir() and len([p for p in folder.iterdir() if not p.name.startswith(".")]) >= parts:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the run ended before it could be interrupted: make it longer"
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=TIMEOUT)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _same_folder(a: Path, b: Path, tables: tuple[str, ...]) -> None:
    for name in tables:
        pd.testing.assert_frame_equal(pd.read_parquet(a / name), pd.read_parquet(b / name))


def test_ctrl_c_then_resume_gives_the_uninterrupted_run(tmp_path):
    args = ["run", "-n", "3000", "--seed", "9", "--workers", "2", "--no-plots", "--quiet"]
    whole = disarm(*args, "-o", "whole", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    stopped = _interrupt_after_parts([*args, "-o", "out"], tmp_path, tmp_path / ".out.partial", parts=4)
    assert stopped.returncode == 130, stopped.stderr
    assert stopped.stderr.startswith("interrupted; ") and "--resume" in stopped.stderr
    assert not (tmp_path / "out").exists()
    saved = len(list((tmp_path / ".out.partial" / "parts").glob("runs-*.parquet")))
    tasks = json.loads((tmp_path / ".out.partial" / "job.json").read_text())["tasks"]
    assert 2 <= saved < tasks

    resumed = disarm(*args, "-o", "out", "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["resumed_chunks"] >= saved  # chunks finishing as Ctrl-C came were saved too
    assert manifest["resumed_chunks"] < tasks
    _same_folder(tmp_path / "whole", tmp_path / "out", ("runs.parquet", "timeseries.parquet", "events.parquet"))
    assert json.loads((tmp_path / "whole" / "summary.json").read_text()) == json.loads(
        (tmp_path / "out" / "summary.json").read_text())
    assert not (tmp_path / ".out.partial").exists()

    # resuming a finished job does nothing; another seed in the same folder is refused only with --resume
    again = disarm(*args, "-o", "out", "--resume", cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.startswith("nothing to resume")
    assert json.loads((tmp_path / "out" / "manifest.json").read_text()) == manifest


def test_ctrl_c_then_resume_a_sweep(tmp_path):
    args = ["sweep", str(SCENARIOS / "sweeps" / "levers_oat.yaml"), "--samples", "4", "--replications", "60",
            "--workers", "2", "--chunk-size", "20", "--no-plots", "--quiet"]
    whole = disarm(*args, "-o", "whole", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    stopped = _interrupt_after_parts([*args, "-o", "out"], tmp_path, tmp_path / ".out.partial", parts=10)
    assert stopped.returncode == 130, stopped.stderr
    tasks = json.loads((tmp_path / ".out.partial" / "job.json").read_text())["tasks"]
    saved = len(list((tmp_path / ".out.partial" / "parts").glob("runs-*.parquet")))
    assert tasks == 24 * 3 and 10 <= saved < tasks
    resumed = disarm(*args, "-o", "out", "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    _same_folder(tmp_path / "whole", tmp_path / "out", ("points.parquet", "runs.parquet"))
    assert json.loads((tmp_path / "whole" / "sensitivity.json").read_text()) == json.loads(
        (tmp_path / "out" / "sensitivity.json").read_text())


def test_resume_of_another_run_and_failing_replications_on_the_command_line(tmp_path):
    args = ["run", str(TINY), "-n", "12", "--workers", "1", "--no-plots", "--quiet", "-o", "out"]
    driver = """
import sys
import sim.execution.replicate
from sim.core.streams import replication_seed
real = sim.execution.replicate.run_one
def flaky(scenario, seed, record_events=False):
    if seed == replication_seed(0, 5):
        raise RuntimeError("a bug in the model")
    return real(scenario, seed, record_events)
sim.execution.replicate.run_one = flaky
import sim.cli
sys.argv = ["disarm", *sys.argv[1:]]
sim.cli.main()
"""
    failed = subprocess.run([sys.executable, "-c", driver, *args], cwd=tmp_path, capture_output=True, text=True,
                            timeout=TIMEOUT, env=_env())
    assert failed.returncode == 1, failed.stderr
    lines = failed.stderr.splitlines()
    assert lines[0] == "error: 1 of 12 replications failed:"
    assert lines[1].startswith("  replication 5 (seed ") and lines[1].endswith("RuntimeError: a bug in the model")
    assert "Traceback" not in failed.stderr and not (tmp_path / "out").exists()
    assert (tmp_path / ".out.partial" / "failures.json").is_file()

    other = disarm(*[a if a != "12" else "13" for a in args], "--resume", cwd=tmp_path)
    assert other.returncode == 2
    assert "cannot resume" in other.stderr and "replications 12 there, 13 now" in other.stderr
    fixed = disarm(*args, "--resume", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert len(pd.read_parquet(tmp_path / "out" / "runs.parquet")) == 12
