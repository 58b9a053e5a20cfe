"""Engines: the same results in this process and on a pool; a dead worker's tasks run again elsewhere."""

from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import pytest

import faults
import sim.execution.engines
from sim.execution.base import EngineError
from sim.execution.engines import PoolEngine, SerialEngine, make_engine, scheduler_address
from sim.core.interrupts import sigint_held


def test_serial_and_pool_give_every_result_once():
    items = list(range(20))
    with SerialEngine() as serial, PoolEngine(2) as pool:
        a = dict(serial.map_unordered(faults.double, None, items))
        b = dict(pool.map_unordered(faults.double, None, items))
    assert a == b == {i: 2 * i for i in items}


def test_a_pool_whose_worker_dies_is_restarted_and_the_lost_tasks_rerun(tmp_path):
    with PoolEngine(2) as pool:
        results = dict(pool.map_unordered(faults.die_once, str(tmp_path), list(range(8))))
    assert (tmp_path / "died-3").exists()  # the worker really died once
    assert results == {i: 2 * i for i in range(8)}


def test_a_pool_gives_up_when_workers_keep_dying():
    with PoolEngine(2) as pool, pytest.raises(EngineError, match="worker processes died"):
        list(pool.map_unordered(faults.always_die, None, list(range(4))))


def test_the_engine_follows_workers_and_the_scheduler_setting(monkeypatch):
    monkeypatch.delenv("DISARM_SCHEDULER", raising=False)
    assert isinstance(make_engine(1), SerialEngine)
    engine = make_engine(2)
    assert isinstance(engine, PoolEngine) and engine.slots == 2
    assert scheduler_address(None) is None
    monkeypatch.setenv("DISARM_SCHEDULER", " tcp://127.0.0.1:1 ")
    assert scheduler_address(None) == "tcp://127.0.0.1:1"
    assert scheduler_address("tcp://10.0.0.1:8786") == "tcp://10.0.0.1:8786"


# ------------------------------------------------------------------------------------------------------
# Ctrl-C never lands inside the executors' own code (a KeyboardInterrupt there can leave a lock held for
# ever and hang the pool's shutdown: it once hung CI)
# ------------------------------------------------------------------------------------------------------


@contextmanager
def python_sigint_handler() -> Iterator[None]:
    """Python's own Ctrl-C handler, whatever this process started with (a background job ignores SIGINT)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _spin(seconds: float) -> None:
    """Run Python bytecode for a while: where Python would run a waiting signal handler."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass


def test_a_held_ctrl_c_waits_even_when_another_thread_receives_it():
    other = threading.Thread(target=time.sleep, args=(0.5,))  # started before: SIGINT is not blocked in it
    other.start()
    reached_the_end = False
    with python_sigint_handler(), pytest.raises(KeyboardInterrupt):
        with sigint_held():
            os.kill(os.getpid(), signal.SIGINT)  # the kernel gives it to the one thread not blocking it
            _spin(0.3)
            reached_the_end = True
    other.join()
    assert reached_the_end


def test_a_held_ctrl_c_follows_the_handler_in_force_and_nests():
    with python_sigint_handler():
        with pytest.raises(KeyboardInterrupt):
            with sigint_held():
                with sigint_held():
                    os.kill(os.getpid(), signal.SIGINT)
                    _spin(0.05)
                _spin(0.05)  # the inner block hands it to the outer one, still held
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with sigint_held():
            os.kill(os.getpid(), signal.SIGINT)
            _spin(0.05)
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN  # ignored before, ignored after, nothing raised


def test_ctrl_c_during_a_pool_wait_is_delivered_after_it_and_the_pool_closes(monkeypatch):
    real_wait = sim.execution.engines.wait
    waits = {"started": 0, "finished": 0}

    def wait_hit_by_ctrl_c(*args, **kwargs):
        waits["started"] += 1
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C right inside concurrent.futures.wait
        _spin(0.02)
        done = real_wait(*args, **kwargs)
        waits["finished"] += 1
        return done

    monkeypatch.setattr(sim.execution.engines, "wait", wait_hit_by_ctrl_c)
    got: list[int] = []
    with python_sigint_handler(), pytest.raises(KeyboardInterrupt):
        with PoolEngine(2) as pool:
            for index, _ in pool.map_unordered(faults.double, None, list(range(50))):
                got.append(index)
    assert waits["started"] == waits["finished"] == 1  # the wait was not cut in two; Ctrl-C came after it
    assert pool._pool is None  # and the pool shut down instead of hanging
    assert len(got) < 50
