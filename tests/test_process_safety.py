"""Processes, signals and engines (issue 24, items 4, 7, 8, 11 and 19): saved work is never discarded without
being asked, SIGTERM saves like Ctrl-C, no worker outlives its parent, a huge ``-n`` costs nothing to plan and
is refused where its results could not fit, a wrong Dask address ends in one line, and the NumPy and SimPy
versions are part of what ``--resume`` and the Dask workers must match.

Every process a test starts runs in a session of its own and is killed (its whole group) when the test ends;
every server is on 127.0.0.1 and closed when the test ends.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

import faults
from conftest import ROOT, TINY, group_alive
from sim.execution.engines import PoolEngine, SerialEngine
from sim.execution.parts import PartStore, ResumeError, staging_path
from sim.execution.runs import execute_run, run_identity

TIMEOUT = 120
"""Seconds for a command that should end by itself (generous, for a loaded machine)."""
QUICK = 15
"""Seconds within which a refusal must come: no Dask client left waiting 20 s to close, no plan being built."""
ORPHAN_WAIT = 20
"""Seconds a SIGKILLed command's workers may take to notice and end."""


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT), **extra}
    env.pop("DISARM_SCHEDULER", None)
    return env


def disarm(*args: str, cwd: Path, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=_env())


@contextmanager
def started(*args: str, cwd: Path) -> Iterator[subprocess.Popen]:
    """``disarm ARGS`` in a session of its own; on leaving, whatever is left of its process group is killed."""
    proc = subprocess.Popen([sys.executable, "-m", "sim", *args], cwd=cwd, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        yield proc
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def saved_parts(staging: Path) -> list[str]:
    folder = staging / "parts"
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []


class StopAfter(SerialEngine):
    """This process; raises KeyboardInterrupt (as Ctrl-C would) after ``chunks`` chunks."""

    def __init__(self, chunks: int):
        self.chunks = chunks

    def map_unordered(self, fn, shared, items):
        for index, item in enumerate(items):
            if index == self.chunks:
                raise KeyboardInterrupt
            yield index, fn(shared, item)


def interrupted_run(tiny, folder: Path, seed: int = 0, replications: int = 12, chunks: int = 2) -> PartStore:
    """An interrupted ``disarm run tiny -n 12 --chunk-size 4 --seed SEED -o FOLDER``: ``chunks`` of 3 saved."""
    with PartStore(folder, run_identity(tiny, seed, replications)) as store, pytest.raises(KeyboardInterrupt):
        execute_run(tiny, replications, seed, StopAfter(chunks), chunk_size=4, store=store)
    assert len(saved_parts(staging_path(folder))) == 2 * chunks  # runs and bands of each chunk
    return store


# ------------------------------------------------------------------------------------------------------
# Item 4: saved chunks are never discarded silently; SIGTERM saves like Ctrl-C
# ------------------------------------------------------------------------------------------------------

TERMINATED = re.compile(r"terminated; \d+ of \d+ chunks are saved in \.out\.partial; run the same command with "
                        r"--resume to finish\n")


@pytest.mark.parametrize("target", ["main process", "process group"])
def test_sigterm_saves_the_finished_chunks_says_so_and_exits_143(tmp_path, target):
    """Issue 24 item 4: SIGTERM printed nothing and exited -15, so a batch job requeued after SIGTERM lost its
    chunks without a word.  Now it is handled as Ctrl-C: what finished is saved, one line says how to finish,
    exit code 143; every process of the group ends.  Sent to the group, as a batch scheduler does, the workers
    ignore it and the main process shuts the pool down, as when it is sent to the main process alone (workers
    that died of it could leave the pool's result pipe half-written: the main process hung about once in 80
    runs)."""
    args = ["run", str(TINY), "-n", "20000", "--chunk-size", "50", "--workers", "2", "--no-plots", "-q",
            "-o", "out"]
    with started(*args, cwd=tmp_path) as proc:
        staging = tmp_path / ".out.partial"
        assert wait_for(lambda: len(saved_parts(staging)) >= 4 or proc.poll() is not None, TIMEOUT)
        assert proc.poll() is None, "the run ended before it could be stopped: make it longer"
        (os.killpg if target == "process group" else os.kill)(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 143, err
        assert TERMINATED.fullmatch(err), err
        assert wait_for(lambda: not group_alive(proc.pid), ORPHAN_WAIT), group_alive(proc.pid)
    saved = int(re.match(r"terminated; (\d+)", err).group(1))
    assert saved >= 2 and len(saved_parts(staging)) >= 2 * saved
    assert not (tmp_path / "out").exists()


def test_a_rerun_without_resume_over_saved_chunks_is_refused(tiny, tmp_path):
    """Issue 24 item 4: after an interrupt left chunks saved, the same command without --resume (with -q) exited
    0 and recomputed everything, silently deleting them.  Now it is refused with exit 2, before simulating,
    in one line naming --resume and --fresh, and the saved chunks are untouched; the same for another job's
    chunks (where only --fresh applies)."""
    interrupted_run(tiny, tmp_path / "out")
    before = saved_parts(staging_path(tmp_path / "out"))
    args = ["run", str(TINY), "-n", "12", "--chunk-size", "4", "--workers", "1", "--no-plots", "-q", "-o", "out"]
    same = disarm(*args, cwd=tmp_path)
    assert same.returncode == 2, same.stderr
    assert same.stderr == ("out: 2 of 3 chunks of an interrupted run of this job are saved in .out.partial; run "
                           "the same command with --resume to finish it, or with --fresh to discard them and "
                           "start again\n")
    other = disarm(*args, "--seed", "5", cwd=tmp_path)
    assert other.returncode == 2, other.stderr
    assert other.stderr.count("\n") == 1 and "another interrupted job (differs in seed 0 there, 5 now)" in \
        other.stderr and "--fresh" in other.stderr
    assert saved_parts(staging_path(tmp_path / "out")) == before and not (tmp_path / "out").exists()

    resumed = disarm(*args, "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr


def test_fresh_discards_saved_chunks_deliberately_and_excludes_resume(tiny, tmp_path):
    """Issue 24 item 4: --fresh (run and sweep) is the deliberate way to discard saved chunks; with --resume it
    is refused (exit 2, one line)."""
    interrupted_run(tiny, tmp_path / "out")
    args = ["run", str(TINY), "-n", "12", "--chunk-size", "4", "--workers", "1", "--no-plots", "-o", "out"]
    both = disarm(*args, "--fresh", "--resume", "-q", cwd=tmp_path)
    assert both.returncode == 2 and both.stderr.count("\n") == 1, both.stderr
    assert "--resume and --fresh exclude each other" in both.stderr
    fresh = disarm(*args, "--fresh", "--seed", "5", cwd=tmp_path)
    assert fresh.returncode == 0, fresh.stderr
    assert "--fresh: discarding the 2 chunks an interrupted run saved in .out.partial" in fresh.stderr
    assert not staging_path(tmp_path / "out").exists() and (tmp_path / "out" / "manifest.json").is_file()
    sweep = disarm("sweep", "--help", cwd=tmp_path)
    assert "--fresh" in sweep.stdout


def test_a_held_sigterm_is_delivered_as_an_interrupt_after_the_step(monkeypatch):
    """Issue 24 item 4: on the command line SIGTERM becomes an interrupt; inside a step that must not be cut in
    two (an executor's wait, a folder's swap) it is held like Ctrl-C, and remembered as a SIGTERM."""
    import sim.core.interrupts as interrupts

    monkeypatch.setattr(interrupts, "_terminated", [])
    previous = signal.getsignal(signal.SIGTERM)
    try:
        interrupts.sigterm_interrupts()
        reached_the_end = False
        with pytest.raises(KeyboardInterrupt):
            with interrupts.sigint_held():
                os.kill(os.getpid(), signal.SIGTERM)
                deadline = time.monotonic() + 0.1
                while time.monotonic() < deadline:  # bytecode, where Python runs a waiting handler
                    pass
                reached_the_end = True
        assert reached_the_end and interrupts.terminated()
    finally:
        signal.signal(signal.SIGTERM, previous)


# ------------------------------------------------------------------------------------------------------
# Item 7: no process outlives the command
# ------------------------------------------------------------------------------------------------------


def test_sigkill_of_the_main_process_leaves_no_worker_forkserver_or_tracker(tmp_path):
    """Issue 24 item 7: SIGKILL to the main process left the forkserver, the resource tracker and the workers
    alive (computing the queued chunks, then blocked for ever), holding the caller's standard output open.
    Now the workers die with the main process, and the forkserver and the tracker follow."""
    with started("run", str(TINY), "-n", "1000000", "--chunk-size", "250", "--workers", "2", "--no-plots", "-q",
                 "-o", "out", cwd=tmp_path) as proc:
        # main, resource tracker, forkserver, two workers; and the workers busy with their first chunks
        assert wait_for(lambda: len(group_alive(proc.pid)) >= 5 or proc.poll() is not None, TIMEOUT)
        assert wait_for(lambda: saved_parts(tmp_path / ".out.partial") or proc.poll() is not None, TIMEOUT)
        assert proc.poll() is None, group_alive(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        try:
            proc.communicate(timeout=ORPHAN_WAIT)  # standard output and error close: nobody holds them
        except subprocess.TimeoutExpired:
            pytest.fail(f"the caller's pipes are still held after {ORPHAN_WAIT} s by {group_alive(proc.pid)}")
        assert wait_for(lambda: not group_alive(proc.pid), ORPHAN_WAIT), group_alive(proc.pid)


# ------------------------------------------------------------------------------------------------------
# Item 8: huge -n: lazy planning and submission, and a cap where the results could not fit
# ------------------------------------------------------------------------------------------------------


def test_planning_a_huge_run_takes_no_memory_and_hands_the_engine_an_iterator(tiny, monkeypatch):
    """Issue 24 item 8: -n 10**9 grew to 9.4 GB before its first chunk finished (every task, item and future
    built up front).  Now the plan is computed from each chunk's index and handed over lazily: planning
    10**9 replications and starting them costs well under a megabyte."""
    import sim.execution.replicate as replicate
    from sim.execution.replicate import Job, Task, execute, plan_tasks

    monkeypatch.setattr(replicate, "memory_bytes", lambda: 10 ** 18, raising=False)  # about planning, not the cap

    class TakeOne(SerialEngine):
        def map_unordered(self, fn, shared, items):
            self.first = next(iter(items))
            raise KeyboardInterrupt  # Ctrl-C as the first chunk starts

    engine = TakeOne()
    tracemalloc.start()
    try:
        plan = plan_tasks(1, 10 ** 9, 250)
        assert len(plan) == 4_000_000 and plan[-1] == Task(0, 999_999_750, 250) and plan[1] == Task(0, 250, 250)
        with pytest.raises(KeyboardInterrupt):  # a sweep's job: a run's would add its daily bands' ~6 MB
            execute(Job("sweep", 0, columns=("removal_complete_day",)), [tiny, tiny], 10 ** 9, engine,
                    chunk_size=250)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert engine.first[0] == Task(0, 0, 250)
    assert peak < 1_000_000, f"planning took {peak:,} bytes"


def test_the_pool_takes_items_lazily_a_few_per_worker():
    """Issue 24 item 8: the pool submitted every item at once (millions of futures, and a minute to answer
    Ctrl-C); now it keeps a few per worker in flight and takes the next as one finishes."""
    from sim.execution.base import in_flight

    taken = 0

    def items() -> Iterator[int]:
        nonlocal taken
        for i in range(10 ** 9):
            taken += 1
            yield i

    with PoolEngine(2) as pool:
        results = pool.map_unordered(faults.double, None, items())
        got = [next(results) for _ in range(3)]
        assert taken <= in_flight(2) + 3
        results.close()
    assert all(result == 2 * index for index, result in got)


def _limit_address_space() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 * 2 ** 30, 4 * 2 ** 30))  # the old code would take all memory


def test_an_n_whose_results_cannot_fit_is_refused_before_simulating(tmp_path):
    """Issue 24 item 8: -n is capped where the results (a row per replication, gathered in this process) could
    not fit in this machine's memory: one line naming -n and what would fit, exit 2, nothing written."""
    result = subprocess.run([sys.executable, "-m", "sim", "run", str(TINY), "-n", str(10 ** 15), "-q", "-o",
                             "out"], cwd=tmp_path, capture_output=True, text=True, timeout=QUICK * 4, env=_env(),
                            preexec_fn=_limit_address_space)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert re.fullmatch(r"-n 1000000000000000: 1,000,000,000,000,000 replications need about [\d.,]+ [PE]B of "
                        r"memory for their results \(a row of about [\d.,]+ kB each, at the peak\), more than this "
                        r"machine's [\d.,]+ [kMGT]B; use at most [\d,]+ replications\n", result.stderr), result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_the_cap_counts_every_point_of_a_sweep():
    """Issue 24 item 8: a sweep's table has a row per point and replication, of the columns it keeps."""
    from sim.core.problems import ScenarioError
    from sim.execution.replicate import Job, refuse_oversized, replication_bytes

    job = Job("sweep", 0, columns=("removal_complete_day", "hidden_tonnes"))
    per_row = replication_bytes(job) * 4
    refuse_oversized(job, 24, 1000, memory=24 * 1000 * per_row)  # fits exactly
    with pytest.raises(ScenarioError) as caught:
        refuse_oversized(job, 24, 1001, memory=24 * 1000 * per_row)
    assert str(caught.value).startswith("-n 1001: 1,001 replications of 24 points need about ")
    assert str(caught.value).endswith("use at most 1,000 replications per point")


# ------------------------------------------------------------------------------------------------------
# Item 11: Dask addresses: one line, exit 2, no traceback, no delay
# ------------------------------------------------------------------------------------------------------


@contextmanager
def speaking_server(first_words: bytes) -> Iterator[int]:
    """A TCP server on 127.0.0.1 that sends ``first_words`` to whoever connects, then waits for them to hang up;
    yields its port, and is closed (with its thread) on leaving."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (socket.timeout, OSError):
                continue
            with conn:
                conn.settimeout(0.2)
                try:
                    conn.sendall(first_words)
                    while not stop.is_set():
                        try:
                            if not conn.recv(4096):
                                break
                        except socket.timeout:
                            continue
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def _refused_in_one_line(address: str, cwd: Path) -> str:
    result = disarm("run", str(TINY), "-n", "2", "--scheduler", address, "-o", "out", cwd=cwd, timeout=QUICK)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"--scheduler {address}: ")
    assert not (cwd / "out").exists()
    return result.stderr


@pytest.mark.parametrize("first_words", [b"SSH-2.0-OpenSSH_9.6\r\n", b"\xff" * 8 + b"\x01" * 8,
                                         b"\x10\x00\x00\x00\x00\x00\x00\x00" + b"\xff" * 16],
                         ids=["garbage", "huge length", "huge frame count"])
def test_a_port_that_speaks_first_but_not_dask_is_refused_in_one_line(tmp_path, first_words):
    """Issue 24 item 11: a port that speaks first gave `MemoryError: Unable to allocate 2.82 EiB` (Dask's client
    trusts the length it reads) or `unpack_from requires a buffer`, then a Client.__del__ traceback 20 s
    later.  Now what answers must speak Dask's protocol, read with bounds: one line, exit 2, at once."""
    with speaking_server(first_words) as port:
        err = _refused_in_one_line(f"tcp://127.0.0.1:{port}", tmp_path)
    assert "not in Dask's protocol: it is not a Dask scheduler" in err


@pytest.mark.parametrize("address", ["http://127.0.0.1:8786", "tls://127.0.0.1:8786", "inproc://127.0.0.1/1/1",
                                     "ucx://127.0.0.1:8786", "ws://127.0.0.1:8786", "wss://127.0.0.1:8786",
                                     "tcp://127.0.0.1:99999"])
def test_unsupported_or_unusable_scheduler_addresses_are_refused_in_one_line(tmp_path, address):
    """Issue 24 item 11: http://, tls:// (without TLS settings), inproc:// and ucx:// printed a correct line and
    then a Client.__del__ traceback 20 s later; ws:// waited and failed with a traceback.  Now: one line, exit
    2, no traceback, no delay."""
    err = _refused_in_one_line(address, tmp_path)
    scheme = address.partition("://")[0]
    if scheme == "tls":
        assert "tls:// needs Dask's TLS settings" in err
    elif scheme == "tcp":
        assert "expected an address such as tcp://host:8786" in err
    else:
        assert f"{scheme}:// addresses are not supported" in err


def test_a_failed_dask_client_closes_itself_at_once():
    """Issue 24 item 11: a Dask client whose start failed was left half-built and printed a Client.__del__
    traceback 20 s later; the engine's client closes itself when its start fails."""
    driver = ("import time\n"
              "from sim.execution.dask import _closing_client_class, _quiet_dask_logging\n"
              "_quiet_dask_logging()\n"
              "try:\n"
              "    _closing_client_class()('http://127.0.0.1:1', timeout='5s', set_as_default=False)\n"
              "except ValueError as exc:\n"
              "    print('refused:', exc)\n")
    result = subprocess.run([sys.executable, "-c", driver], capture_output=True, text=True, timeout=QUICK,
                            env=_env())
    assert result.returncode == 0 and result.stdout.startswith("refused: unknown address scheme 'http'")
    assert result.stderr == "", result.stderr


# ------------------------------------------------------------------------------------------------------
# Item 19: NumPy and SimPy versions in the resume identity and the Dask workers' check
# ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("library", ["numpy", "simpy"])
def test_resume_refuses_chunks_computed_with_another_numpy_or_simpy(tiny, tmp_path, monkeypatch, library):
    """Issue 24 item 19: part files saved under one NumPy (random streams) or SimPy (event order) were resumed
    under another, mixing results; the versions are now in the job's identity and --resume names them."""
    import importlib

    interrupted_run(tiny, tmp_path / "out")
    module = importlib.import_module(library)
    real = module.__version__
    monkeypatch.setattr(module, "__version__", "0.0.1")
    with PartStore(tmp_path / "out", run_identity(tiny, 0, 12), resume=True) as store, \
            pytest.raises(ResumeError) as caught:
        store.open(4, 3)
    assert f"{library} '{real}' there, '0.0.1' now" in str(caught.value)


def test_dask_workers_with_another_numpy_or_simpy_are_refused(monkeypatch):
    """Issue 24 item 19: the Dask workers' check compared disarm-sim's version and model code only; a worker
    with another NumPy or SimPy is now refused before any work is sent, naming the library."""
    import numpy
    import simpy

    from sim.execution.base import EngineUnavailable
    from sim.execution.dask import DaskEngine

    class Workers:
        """Two workers: one like this process, one with other NumPy and SimPy versions."""

        def wait_for_workers(self, n, timeout=None):
            return None

        def run(self, fn):
            with monkeypatch.context() as other:
                other.setattr(numpy, "__version__", "1.0.0")
                other.setattr(simpy, "__version__", "3.0.0")
                theirs = fn()
            return {"tcp://127.0.0.1:2": theirs, "tcp://127.0.0.1:1": fn()}

    engine = DaskEngine.__new__(DaskEngine)
    engine.address, engine.client = "tcp://127.0.0.1:8786", Workers()
    with pytest.raises(EngineUnavailable) as caught:
        engine._check_workers()
    message = str(caught.value)
    assert "1 of 2 workers run another disarm-sim or other libraries than this one" in message
    assert f"numpy 1.0.0 there, {numpy.__version__} here" in message
    assert f"simpy 3.0.0 there, {simpy.__version__} here" in message
    assert "e.g. tcp://127.0.0.1:2" in message
