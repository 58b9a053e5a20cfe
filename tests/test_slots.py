"""sim.model.slots: a Resource without release events hands its slots out first come, first served."""

from __future__ import annotations

import pytest
import simpy

from sim.model.slots import Slots


def _user(env: simpy.Environment, slots: Slots, name: str, start: float, hold: float, log: list):
    yield env.timeout(start)
    with slots.request() as request:
        yield request
        log.append((env.now, name, "got"))
        yield env.timeout(hold)
    log.append((env.now, name, "gave back"))


def test_slots_are_handed_out_in_order_of_request_and_passed_on_at_release():
    env = simpy.Environment()
    slots = Slots(env, 2)
    log: list = []
    for name, start, hold in (("a", 0, 5), ("b", 1, 2), ("c", 2, 1), ("d", 2, 4), ("e", 3, 1)):
        env.process(_user(env, slots, name, start, hold, log))
    env.run()
    assert log == [(0, "a", "got"), (1, "b", "got"), (3, "b", "gave back"), (3, "c", "got"),
                   (4, "c", "gave back"), (4, "d", "got"), (5, "a", "gave back"), (5, "e", "got"),
                   (6, "e", "gave back"), (8, "d", "gave back")]
    assert slots.in_use == 0 and not slots.waiting


def test_a_request_never_granted_leaves_the_line():
    env = simpy.Environment()
    slots = Slots(env, 1)
    held = slots.request()
    waiting = slots.request()
    assert held.triggered and not waiting.triggered and list(slots.waiting) == [waiting]
    waiting.release()  # it gives up before its turn (the with block's exit does this)
    assert not slots.waiting
    held.release()
    assert slots.in_use == 0
    held.release()  # a second release changes nothing
    assert slots.in_use == 0
    later = slots.request()
    assert later.triggered and slots.in_use == 1


def test_a_release_without_anyone_waiting_frees_the_slot_and_a_slot_needs_a_capacity():
    env = simpy.Environment()
    slots = Slots(env, 1)
    first = slots.request()
    slots.release(first)
    assert slots.in_use == 0 and slots.request().triggered
    with pytest.raises(ValueError, match="capacity must be > 0"):
        Slots(env, 0)
