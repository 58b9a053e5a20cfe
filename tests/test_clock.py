"""The model's environment (sim.model.clock): SimPy's events and order, with fewer events and a loop of its own.

Exact traces on tiny hand-built processes, and the shipped baseline run on the model's Clock against the same run
on SimPy's own Environment and processes, stepped by SimPy's own ``Environment.step``.
"""

from __future__ import annotations

import pytest
import simpy

from conftest import ROOT
from sim.model import simulate
from sim.model.clock import Clock, run_to_horizon, settle, step_to_horizon


def test_a_process_nobody_waits_for_ends_without_an_event():
    env = Clock()
    log = []

    def worker():
        yield env.timeout(1)
        log.append(("worked", env.now))

    process = env.process(worker())
    # Initialize, the timeout; the end of the process is processed at once (nobody waits for it)
    assert run_to_horizon(env, 5) == 2
    assert log == [("worked", 1)]
    assert process.processed and process.ok and process.value is None
    # SimPy's own environment spends an event on that end
    plain = simpy.Environment()
    plain.process((lambda: (yield plain.timeout(1)))())
    assert run_to_horizon(plain, 5) == 3


def test_a_waiter_resumes_at_the_same_instant_with_the_value_before_and_after_the_end():
    env = Clock()
    log = []

    def worker():
        yield env.timeout(2)
        return "done"

    def early(process):
        value = yield process  # waits before the end: the end is an event, as in SimPy
        log.append(("early", env.now, value))

    def late(process):
        yield env.timeout(3)
        value = yield process  # the process ended (quietly or not) long ago: resumes at once
        log.append(("late", env.now, value))

    watched = env.process(worker())
    env.process(early(watched))
    quiet = env.process(worker())
    env.process(late(quiet))
    run_to_horizon(env, 10)
    assert log == [("early", 2, "done"), ("late", 3, "done")]


def test_a_failed_process_crashes_the_run_as_in_simpy():
    env = Clock()

    def broken():
        yield env.timeout(1)
        raise KeyError("lot")

    env.process(broken())
    with pytest.raises(KeyError):
        run_to_horizon(env, 5)


def test_a_timeout_is_simpys_and_refuses_a_negative_delay():
    env = Clock()
    timeout = env.timeout(1.5, value="v")
    assert isinstance(timeout, simpy.Timeout) and timeout.triggered and not timeout.processed
    with pytest.raises(ValueError, match="Negative delay"):
        env.timeout(-1)
    assert run_to_horizon(env, 2) == 1 and timeout.processed and timeout.value == "v" and env.now == 2


def test_events_at_the_horizon_run_and_later_ones_do_not():
    env = Clock()
    seen = []
    for day in (1.0, 2.0, 2.0000001):
        env.timeout(day).callbacks.append(lambda event, day=day: seen.append(day))
    assert run_to_horizon(env, 2.0) == 2
    assert seen == [1.0, 2.0] and env.now == 2.0


def test_a_settled_signal_without_waiters_costs_no_event_and_still_wakes_later_waiters():
    env = Clock()
    signal, watched = env.event(), env.event()
    log = []

    def waiter(event, name):
        yield event
        log.append((name, env.now))

    env.process(waiter(watched, "waited"))

    def later():
        yield env.timeout(1)
        settle(signal, "x")  # nobody waits: processed at once
        settle(watched)  # someone waits: an event, as succeed()
        yield signal & env.timeout(0)  # a condition built later counts it at once
        log.append(("condition", env.now, signal.value))

    env.process(later())
    # Initialize x2, the timeout, the watched signal, the condition's timeout, the condition
    assert run_to_horizon(env, 5) == 6
    assert log == [("waited", 1), ("condition", 1, "x")]
    assert signal.processed and signal.ok


SCENARIOS = (ROOT / "scenarios" / "syria_2013.yaml", ROOT / "scenarios" / "libya_2016.yaml",
             ROOT / "tests" / "data" / "tiny_party.yaml")  # the baseline; two plans that begin at removal


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_the_model_on_the_clock_gives_the_results_of_simpy_itself(path, monkeypatch):
    """The model on its Clock, loop and settled signals against SimPy's own Environment, processes, succeed() and
    Environment.step: the same rows (but the event count), daily series and trace; the Clock's count is the
    stepped count of its own run."""
    import sim.model.inspection

    scenario = sim.load_scenario(path)
    seeds = range(6)
    ours = [simulate(scenario, seed, record_events=seed < 2) for seed in seeds]
    monkeypatch.setattr(sim.model, "run_to_horizon", step_to_horizon)
    stepped = [simulate(scenario, seed).row["events"] for seed in seeds]
    monkeypatch.setattr(sim.model.world, "Clock", simpy.Environment)
    monkeypatch.setattr(sim.model.inspection, "settle", lambda event, value=None: event.succeed(value))
    theirs = [simulate(scenario, seed, record_events=seed < 2) for seed in seeds]
    for mine, simpys, steps in zip(ours, theirs, stepped):
        mine_row, simpys_row = dict(mine.row), dict(simpys.row)
        assert mine_row["events"] == steps
        assert mine_row.pop("events") < simpys_row.pop("events")  # the quiet ends of processes
        assert mine_row == simpys_row
        assert mine.snapshots == simpys.snapshots and mine.count_steps == simpys.count_steps
        assert mine.records == simpys.records


def test_settling_twice_is_refused_as_succeeding_twice():
    env = Clock()
    signal = env.event()
    settle(signal)
    with pytest.raises(RuntimeError, match="already been triggered"):
        settle(signal)


def test_simpys_own_run_and_step_keep_the_clocks_now():
    env = Clock()
    seen = []

    def worker():
        yield env.timeout(3)
        seen.append(env.now)

    env.process(worker())
    env.run(until=5)
    assert seen == [3.0] and env.now == 5.0
    stepped = Clock()
    stepped.timeout(2).callbacks.append(lambda event: seen.append(stepped.now))
    stepped.step()
    assert seen == [3.0, 2.0] and stepped.now == 2.0


def test_a_bad_yield_says_what_was_yielded():
    env = Clock()

    def broken():
        yield 5

    env.process(broken())
    with pytest.raises(RuntimeError, match='test_clock.py, line [0-9]+, in broken: Invalid yield value "5"'):
        run_to_horizon(env, 1)
