"""Ctrl-C and kill -9 at random moments of ``disarm run``: clean exits and never a corrupt output folder.

Each trial starts ``python -m sim run`` (bundled baseline, two worker processes, charts on) in a session of
its own and signals the whole process group, as a terminal's Ctrl-C does (the pool's workers get SIGINT too).
The moment is random (seeded) and stratified over the length of a reference run measured first, so the trials
fall in every phase: scenario loading, the process-pool run, writing the tables, drawing the charts, the swap.
The clock starts once the command body is running (pydantic is loaded: the scenario is being read); a signal
during the interpreter's own start-up is Python's business, not ours.  Nothing asserts on durations: the
reference run only spreads the moments, so a loaded machine makes the trials slower, never flaky.

SIGINT: exit code 130 and exactly one line on stderr, ``interrupted`` (and, once chunks are saved, where and
how to resume), or, if the run had already finished, exit 0 and a complete folder; no traceback; every process
of the group gone; no hidden folder but the staging folder ``.out.partial`` of the interrupted run, whose files
are each complete (part files for ``--resume``, see sim/parts.py).
SIGKILL: the folder is absent, or the previous complete folder, or a complete new one; hidden leftovers
(``.out.partial``, ``.out.old-*``, the empty lock file ``.out.lock``) may remain, and their files are each either complete or still under a
temporary name.  "Complete" means manifest.json present and every file readable (parquet by pandas, JSON,
the resolved scenario by the loader, charts as PNG).
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from conftest import ROOT, group_alive

TRIALS = 4
"""Trials per signal; each costs about one run of a few seconds."""
COMMAND = ["run", "-n", "120", "--workers", "2", "-o", "out", "--quiet", "--fresh"]
"""``--fresh``: each trial is a new job (another seed) in the same folder, and an interrupted trial's saved chunks
are to be discarded (without it the next trial is refused, issue 24 item 4)."""
TIMEOUT = 300  # seconds for any one process to end: generous, for a loaded machine
INTERRUPTED = re.compile(r"interrupted(; \d+ of \d+ chunks are saved in \S+\.partial; run the same command with "
                         r"--resume to finish)?\n")


def _start(cwd: Path, seed: int) -> subprocess.Popen:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "sim", *COMMAND, "--seed", str(seed)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_until_running(proc: subprocess.Popen) -> None:
    """Until the command body runs (pydantic's extension is mapped: the scenario is being loaded)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if "pydantic_core" in Path(f"/proc/{proc.pid}/maps").read_text():
                return
        except OSError:
            pass
        time.sleep(0.01)


def _wait_group_gone(pgid: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not group_alive(pgid), f"processes left running: {group_alive(pgid)}"


def _readable(path: Path) -> None:
    """Raise unless ``path`` is a complete file of its kind."""
    from sim.scenario.loading import load_scenario

    if path.suffix == ".parquet":
        pd.read_parquet(path)
    elif path.suffix == ".json":
        json.loads(path.read_text(encoding="utf-8"))
    elif path.name == "scenario.resolved.yaml":
        load_scenario(path)
    elif path.suffix == ".png":
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and data.rstrip().endswith(b"IEND\xaeB`\x82"), path
    elif path.suffix == ".html":
        assert path.read_text(encoding="utf-8").rstrip().endswith("</html>"), path
    else:
        path.read_bytes()


def _check_complete(folder: Path) -> dict:
    """A complete run folder: its manifest, every table, the summary, the scenario and its charts."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    names = {p.name for p in folder.iterdir()}
    assert {"runs.parquet", "timeseries.parquet", "events.parquet", "summary.json",
            "scenario.resolved.yaml"} <= names
    assert set(manifest["charts"]) <= names
    assert not [n for n in names if n.startswith(".")], f"temporary files in a complete folder: {names}"
    for path in folder.iterdir():
        _readable(path)
    assert len(pd.read_parquet(folder / "runs.parquet")) == manifest["replications"]
    return manifest


def _check_leftover(folder: Path) -> None:
    """A hidden leftover of a killed run: each file under its final name is complete."""
    for path in folder.rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            _readable(path)


def _reference_run(cwd: Path) -> float:
    """A complete run into ``out`` (the previous folder of the first trial); its length from the start of the
    command body, to spread the trials' moments."""
    proc = _start(cwd, seed=0)
    _wait_until_running(proc)
    started = time.monotonic()
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    _check_complete(cwd / "out")
    return time.monotonic() - started


def _trials(cwd: Path, sig: signal.Signals, seed: int) -> list[tuple[int, str, str | None]]:
    length = _reference_run(cwd)
    rng = random.Random(seed)
    previous = _check_complete(cwd / "out")
    outcomes = []
    for k in range(TRIALS):
        delay = rng.uniform(k / TRIALS, (k + 1) / TRIALS) * length * 1.05  # stratified over the run
        proc = _start(cwd, seed=100 + k)
        _wait_until_running(proc)
        time.sleep(delay)
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
        _, err = proc.communicate(timeout=TIMEOUT)
        _wait_group_gone(proc.pid)
        assert "Traceback" not in err, err

        out = cwd / "out"
        assert out.exists() or sig == signal.SIGKILL, "a Ctrl-C must never lose the previous folder"
        state = None
        if out.exists():
            manifest = _check_complete(out)  # never a folder named out without a manifest
            state = "previous" if manifest == previous else "new"
            if state == "new":
                assert manifest["seed"] == 100 + k
            previous = manifest
        hidden = sorted(p.name for p in cwd.iterdir() if p.name.startswith(".out."))
        assert all(n in (".out.partial", ".out.lock") or n.startswith(".out.old-") for n in hidden), hidden
        if sig == signal.SIGINT:
            assert set(hidden) <= {".out.partial"}, f"Ctrl-C left temporary folders: {hidden}"
        for name in hidden:
            _check_leftover(cwd / name)
        assert sorted(p.name for p in cwd.iterdir() if not p.name.startswith(".")) == (["out"] if state else [])
        outcomes.append((proc.returncode, err, state))
    return outcomes


def test_sigint_at_random_moments_exits_130_with_one_line(tmp_path):
    outcomes = _trials(tmp_path, signal.SIGINT, seed=2013)
    for returncode, err, state in outcomes:
        if returncode == 0:  # the run had finished when the signal came
            assert err == "" and state == "new"
        else:
            assert returncode == 130, err
            assert INTERRUPTED.fullmatch(err), err
            assert state in ("previous", "new")  # "new": Ctrl-C came during the swap, which finishes first
    assert sum(rc == 130 for rc, _, _ in outcomes) >= TRIALS // 2


def test_sigkill_at_random_moments_never_leaves_a_corrupt_folder(tmp_path):
    outcomes = _trials(tmp_path, signal.SIGKILL, seed=2014)
    for returncode, err, state in outcomes:
        assert returncode in (-signal.SIGKILL, 0), err
        if returncode == 0:
            assert state == "new"
    assert sum(rc == -signal.SIGKILL for rc, _, _ in outcomes) >= TRIALS // 2


def test_sigint_inside_a_garbage_collection_callback_still_interrupts(tmp_path):
    """Found by the random trials: Ctrl-C landing in a weakref callback (garbage collection inside pandas) was
    printed as "Exception ignored ... KeyboardInterrupt" with a traceback, and the run carried on."""
    driver = f"""
import signal, sys, time, weakref
sys.argv = ["disarm", "validate", {str(ROOT / "tests" / "data" / "tiny.yaml")!r}]
import sim.cli.entry as cli
class Thing: pass
command = cli.app
def app(**kwargs):
    thing = Thing()
    ref = weakref.ref(thing, lambda r: signal.raise_signal(signal.SIGINT))  # Ctrl-C inside the callback
    del thing
    time.sleep(2)  # the command goes on: the interrupt must still end it
    command(**kwargs)
cli.app = app
cli.main()
"""
    result = subprocess.run([sys.executable, "-c", driver], cwd=tmp_path, capture_output=True, text=True,
                            timeout=TIMEOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert (result.returncode, result.stderr, result.stdout) == (130, "interrupted\n", "")


def test_sigint_while_the_pool_runs_leaves_no_worker_noise(tmp_path):
    """A long run interrupted while both workers are busy: they ignore SIGINT (else each would print a
    KeyboardInterrupt traceback), the parent cancels the queued chunks and shuts the pool down, and every
    process of the group ends: none is left computing the other 99,000 replications."""
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "sim", "run", "-n", "100000", "--workers", "2", "-o", "big",
                             "--quiet"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    deadline = time.monotonic() + TIMEOUT
    while len(group_alive(proc.pid)) < 4 and time.monotonic() < deadline:  # parent, forkserver, 2 workers
        time.sleep(0.05)
    time.sleep(1.0)  # the workers are well into their first chunks
    assert proc.poll() is None
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 130 and INTERRUPTED.fullmatch(err), err
    _wait_group_gone(proc.pid)
    assert [p.name for p in tmp_path.iterdir()] == [".big.partial"]  # what finished, for --resume
    for path in (tmp_path / ".big.partial").rglob("*"):
        if path.is_file():
            _readable(path)
