"""Runs and sweeps on a Dask cluster: identical to local results, robust to a dying worker or scheduler.

The cluster is real: a ``dask scheduler`` and a ``dask worker`` with two worker processes (one thread each,
each under a nanny that restarts it if it dies), started by the test on 127.0.0.1 only, from this Python.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT, SCENARIOS, TINY

LEVERS = SCENARIOS / "sweeps" / "levers_oat.yaml"
TIMEOUT = 300


class Cluster:
    """A scheduler and ``workers`` worker processes on loopback, for the length of a test or module."""

    def __init__(self, folder: Path, workers: int = 2):
        self.folder = folder
        file = folder / "scheduler.json"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        common = ["--no-dashboard"]
        self.scheduler = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
             "--scheduler-file", str(file), *common], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=open(folder / "scheduler.log", "w"))
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.address = json.loads(file.read_text())["address"]
        self.workers = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(file), "--nworkers",
             str(workers), "--nthreads", "1", "--host", "127.0.0.1", "--memory-limit", "0", *common], cwd=ROOT,
            env=env, stdout=subprocess.DEVNULL, stderr=open(folder / "workers.log", "w"))
        self.wait_for_workers(workers)

    def client(self):
        from distributed import Client

        return Client(self.address, timeout="30s", set_as_default=False)

    def wait_for_workers(self, n: int) -> None:
        with self.client() as client:
            client.wait_for_workers(n, timeout=120)

    def worker_pids(self) -> list[int]:
        with self.client() as client:
            return sorted(client.run(os.getpid).values())

    def stop(self) -> None:
        for proc in (self.workers, self.scheduler):
            if proc.poll() is None:
                proc.terminate()
        for proc in (self.workers, self.scheduler):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("dask"))
    yield c
    c.stop()


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT), **extra}
    env.pop("DISARM_SCHEDULER", None) if "DISARM_SCHEDULER" not in extra else None
    return env


def disarm(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=TIMEOUT, env=_env(**env))


def _same(a: Path, b: Path, *tables: str) -> None:
    for name in tables:
        pd.testing.assert_frame_equal(pd.read_parquet(a / name), pd.read_parquet(b / name))


def test_oat_sweep_is_identical_with_one_worker_two_workers_and_dask(cluster, tmp_path):
    args = ["sweep", str(LEVERS), "--samples", "4", "--replications", "20", "--no-plots", "--quiet"]
    for name, extra in (("one", ["--workers", "1"]), ("two", ["--workers", "2"]),
                        ("dask", ["--scheduler", cluster.address])):
        done = disarm(*args, *extra, "-o", name, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    for name in ("two", "dask"):
        _same(tmp_path / "one", tmp_path / name, "points.parquet", "runs.parquet")
    assert len(pd.read_parquet(tmp_path / "dask" / "points.parquet")) == 24


def test_a_run_through_the_environment_variable_matches_a_local_run(cluster, tmp_path):
    args = ["run", "-n", "60", "--seed", "4", "--no-plots", "--quiet"]
    local = disarm(*args, "--workers", "2", "-o", "local", cwd=tmp_path)
    remote = disarm(*args, "-o", "remote", cwd=tmp_path, DISARM_SCHEDULER=cluster.address)
    assert local.returncode == 0 and remote.returncode == 0, (local.stderr, remote.stderr)
    _same(tmp_path / "local", tmp_path / "remote", "runs.parquet", "timeseries.parquet", "events.parquet")


def _wait_for_parts(proc: subprocess.Popen, parts: Path, n: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and proc.poll() is None:
        if parts.is_dir() and len([p for p in parts.iterdir() if not p.name.startswith(".")]) >= n:
            return
        time.sleep(0.01)
    raise AssertionError("the job ended (or stalled) before it could be disturbed")


def test_killing_a_worker_mid_sweep_changes_nothing(cluster, tmp_path):
    args = ["sweep", str(LEVERS), "--samples", "4", "--replications", "40", "--chunk-size", "10",
            "--no-plots", "--quiet"]
    calm = disarm(*args, "--workers", "2", "-o", "calm", cwd=tmp_path)
    assert calm.returncode == 0, calm.stderr
    proc = subprocess.Popen([sys.executable, "-m", "sim", *args, "--scheduler", cluster.address, "-o", "hit"],
                            cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_parts(proc, tmp_path / ".hit.partial" / "parts", 8)
    victim = cluster.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)  # mid-sweep: 8 of its 96 tasks are saved
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    _same(tmp_path / "calm", tmp_path / "hit", "points.parquet", "runs.parquet")
    cluster.wait_for_workers(2)  # the nanny restarted the killed worker


def test_a_lost_scheduler_keeps_what_finished_and_a_local_resume_finishes(tmp_path):
    lonely = Cluster(tmp_path / "c", workers=1) if (tmp_path / "c").mkdir() is None else None
    try:
        args = ["run", "-n", "1500", "--seed", "2", "--chunk-size", "25", "--no-plots", "--quiet"]
        proc = subprocess.Popen([sys.executable, "-m", "sim", *args, "--scheduler", lonely.address, "-o", "out"],
                                cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        _wait_for_parts(proc, tmp_path / ".out.partial" / "parts", 4)
        lonely.scheduler.kill()
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        lonely.stop()
    assert proc.returncode == 1, err
    assert re.fullmatch(f"error: lost the Dask scheduler at {lonely.address}; \\d+ of 60 chunks are saved in "
                        "\\.out\\.partial; run the same command with --resume to finish\n", err), err
    resumed = disarm(*args, "--workers", "2", "-o", "out", "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    whole = disarm(*args, "--workers", "2", "-o", "whole", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    _same(tmp_path / "whole", tmp_path / "out", "runs.parquet", "timeseries.parquet")
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["resumed_chunks"] >= 2


def test_bad_scheduler_addresses_are_bad_input(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for address, message in ((f"tcp://127.0.0.1:{port}", "cannot reach a Dask scheduler there: Connection refused"),
                             ("nonsense", "expected an address such as tcp://host:8786")):
        done = disarm("run", str(TINY), "-n", "2", "--scheduler", address, "-o", "out", cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert done.stderr == f"--scheduler {address}: {message}\n"
        assert not (tmp_path / "out").exists()


def test_workers_with_other_model_code_are_refused(cluster, monkeypatch):
    import sim.execution.parts
    from sim.execution.dask import DaskEngine
    from sim.execution.base import EngineUnavailable

    monkeypatch.setattr(sim.execution.parts, "code_hash", lambda: "0" * 64)  # as if this process ran edited code
    with pytest.raises(EngineUnavailable, match="2 of 2 workers run another disarm-sim"):
        DaskEngine(cluster.address)


def test_a_closed_connection_counts_as_a_lost_scheduler_even_while_the_client_still_says_running():
    """The race CI once hit: the gather's connection closes (CommClosedError, an OSError) before the client
    notices the scheduler died, so its status still reads "running"; the engine must still say "lost"."""
    import socket
    import types

    from distributed.comm.core import CommClosedError

    from sim.execution.dask import DaskEngine
    from sim.execution.base import EngineLost

    with socket.socket() as s:  # the port the dead scheduler listened on, now refusing connections
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"

    class ClosingClient:
        status = "running"
        loop = None

        def scatter(self, *args, **kwargs):
            raise CommClosedError("in <TCP (closed) ConnectionPool.gather>: Stream is closed")

    engine = DaskEngine.__new__(DaskEngine)
    engine.address, engine.client, engine._futures = address, ClosingClient(), []
    with pytest.raises(EngineLost, match=f"lost the Dask scheduler at {re.escape(address)}"):
        list(engine.map_unordered(lambda shared, item: item, None, [1, 2]))
    engine.client = types.SimpleNamespace(status="closed")
    assert not engine._alive()


def test_ctrl_c_inside_the_dask_client_is_delivered_after_it(cluster, monkeypatch):
    """As for the pool (tests/test_engines.py): the client's locks are not safe against KeyboardInterrupt."""
    import distributed

    from sim.execution.dask import DaskEngine

    real = distributed.as_completed
    polls = {"started": 0, "finished": 0}

    class HitByCtrlC(real):
        def next_batch(self, block=True):
            polls["started"] += 1
            if polls["started"] == 1:
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C right inside the client's code
                deadline = time.monotonic() + 0.02
                while time.monotonic() < deadline:  # bytecode, where Python would run the handler
                    pass
            batch = super().next_batch(block)
            polls["finished"] += 1
            return batch

    monkeypatch.setattr(distributed, "as_completed", HitByCtrlC)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with DaskEngine(cluster.address) as engine, pytest.raises(KeyboardInterrupt):
            list(engine.map_unordered(max, -1, list(range(20))))  # a builtin: the workers can unpickle it
    finally:
        signal.signal(signal.SIGINT, previous)
    assert polls["started"] == polls["finished"] == 1
