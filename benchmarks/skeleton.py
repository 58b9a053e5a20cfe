"""The ceiling of event_rate_ratio for the baseline's mix of events: a SimPy skeleton with no model code.

    python benchmarks/skeleton.py [--quick] [--scenario FILE]

``event_rate_ratio`` (benchmarks/run.py) compares the model's events per second with a bare loop of
timeouts, SimPy's cheapest event.  The model's events are a mix: requests for slots (teams, vehicles,
berths, lines, crews: sim.model.slots, a Resource without release events), process starts and ends, plain
events and conditions cost SimPy more than a timeout.  This script counts the baseline's events by type (one
traced replication per seed), then builds a skeleton that makes the same mix per replication with no model
code at all - processes that take a slot, wait on timeouts, trigger and wait for plain events, wait on
conditions - and measures, in one run with interleaved repeats:

* ``skeleton_ratio``: the skeleton's events per second over the bare timeout loop's: the most any model
  with this mix of events could reach;
* ``model_ratio``: the model's own ``event_rate_ratio``;
* ``model_over_skeleton``: the model's events per second over the skeleton's.

It prints the event mix of both, so one can see the skeleton matches.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import simpy

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from run import BASELINE, model_rate, raw_simpy_rate  # noqa: E402

from sim.model.slots import Slots  # noqa: E402

KINDS = ("Timeout", "Request", "Release", "Event", "Initialize", "Process", "Condition")


def kind_of(event: simpy.Event) -> str:
    """The kind of a SimPy event, by its class (AllOf and AnyOf are conditions; the model's slot requests,
    sim.model.slots, are requests)."""
    for cls in type(event).__mro__:
        if cls.__name__ == "SlotRequest":
            return "Request"
        if cls.__name__ in KINDS:
            return "Condition" if cls.__name__ in ("AllOf", "AnyOf") else cls.__name__
    return "Event"


def count_events(run) -> Counter:
    """Events processed while ``run()`` runs, by kind (SimPy's step is wrapped to look at each event, and the
    model is run on SimPy's own stepped loop, ``sim.model.clock.step_to_horizon``, the same events as its
    faster loop; the model's horizon event, which only stops the run, is left out)."""
    import sim.model
    from sim.model.clock import step_to_horizon

    counts: Counter = Counter()
    real_step = simpy.Environment.step
    real_run = sim.model.run_to_horizon

    def counting_step(env):
        if env._queue:
            event = env._queue[0][3]
            if type(event).__name__ != "Horizon":
                counts[kind_of(event)] += 1
        real_step(env)

    simpy.Environment.step = counting_step
    sim.model.run_to_horizon = step_to_horizon
    try:
        run()
    finally:
        simpy.Environment.step = real_step
        sim.model.run_to_horizon = real_run
    return counts


def model_mix(scenario, seeds: int) -> Counter:
    """Events per replication of the model, by kind."""
    from sim.model import simulate

    counts = count_events(lambda: [simulate(scenario, seed) for seed in range(seeds)])
    return Counter({k: v / seeds for k, v in counts.items()})


def skeleton_replication(mix: Counter) -> int:
    """One replication's worth of the mix, no model code; returns the events processed."""
    env = simpy.Environment()
    processes = max(1, round(mix["Initialize"]))
    cycles = mix["Request"] / processes  # Resource cycles per process
    # a condition brings its own timeout, and so does a plain event (the timeout that triggers it)
    timeouts = max(0.0, mix["Timeout"] - mix["Condition"] - mix["Event"]) / processes
    plain = mix["Event"] / processes
    conditions = mix["Condition"] / processes
    resource = Slots(env, capacity=2)  # the model's Resource (sim.model.slots): no release events

    def share(total: float, k: int) -> int:  # spread a fractional count over processes exactly
        return int((k + 1) * total) - int(k * total)

    def worker(k: int):
        n_timeouts, n_cycles = share(timeouts, k), share(cycles, k)
        held = n_timeouts // n_cycles if n_cycles else 0  # timeouts while holding the Resource, per cycle
        for _ in range(n_cycles):
            with resource.request() as request:
                yield request
                for _ in range(held):
                    yield env.timeout(1.0)
        for _ in range(n_timeouts - held * n_cycles):  # the rest, without it
            yield env.timeout(1.0)
        for _ in range(share(conditions, k)):
            yield env.event() | env.timeout(0.5)  # the event is never triggered: the timeout wins
        for _ in range(share(plain, k)):
            signal = env.event()
            env.timeout(0.25).callbacks.append(lambda _, s=signal: s.succeed())
            yield signal

    for k in range(processes):
        env.process(worker(k))
    events = 0
    while env._queue:
        env.step()
        events += 1
    return events


def skeleton_rate(mix: Counter, replications: int) -> float:
    """Events per second of the skeleton, over ``replications`` replications."""
    events = 0
    started = time.perf_counter()
    for _ in range(replications):
        events += skeleton_replication(mix)
    return events / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scenario", type=Path, default=BASELINE)
    args = parser.parse_args(argv)
    import sim

    scenario = sim.load_scenario(args.scenario)
    mix = model_mix(scenario, 5 if args.quick else 20)
    built = count_events(lambda: skeleton_replication(mix))
    print("events per replication, by kind:   model  skeleton")
    for kind in KINDS:
        print(f"  {kind:<32} {mix.get(kind, 0):7.1f}  {built.get(kind, 0):8d}")
    print(f"  {'all':<32} {sum(mix.values()):7.1f}  {sum(built.values()):8d}")
    reps, repeats = (30, 3) if args.quick else (150, 5)
    raw, skel, model = [], [], []
    model_rate(scenario, 5)
    for r in range(repeats):
        raw.append(raw_simpy_rate(200_000))
        skel.append(skeleton_rate(mix, reps))
        model.append(model_rate(scenario, reps, first_seed=r * reps)[0])
    figures = {
        "skeleton_ratio": statistics.median(s / r for s, r in zip(skel, raw)),
        "model_ratio": statistics.median(m / r for m, r in zip(model, raw)),
        "model_over_skeleton": statistics.median(m / s for m, s in zip(model, skel)),
    }
    for key, value in figures.items():
        print(f"{key:<20} {value:.3f}")
    return figures


if __name__ == "__main__":
    main()
