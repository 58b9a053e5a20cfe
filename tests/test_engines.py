"""Engines: the same results in this process and on a pool; a dead worker's tasks run again elsewhere."""

from __future__ import annotations

import pytest

import faults
from sim.engines import EngineError, PoolEngine, SerialEngine, make_engine, scheduler_address


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
