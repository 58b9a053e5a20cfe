"""What an event costs in each kind of loop: SimPy's, the model's Clock, callbacks, and a bare heap loop.

    python benchmarks/loops.py [--events 200000] [--repeats 5]

Four loops, each processing the same number of events (one every day, one after the other), measured in turn
``--repeats`` times (medians):

* a SimPy process waiting on timeouts, run by ``Environment.run`` (a plain SimPy model's usual event);
* the same process on the model's environment (``sim.model.clock.Clock``, ``run_to_horizon``);
* a chain of timeouts with callbacks on the Clock (no generator to resume: ``World.after``'s kind of event);
* a heap of (day, number, callback) with a loop of its own: what an event loop written for the model, without
  SimPy's events, could cost.

It bounds what replacing SimPy's machinery could save (docs/performance.md, "Why reps_vs_plain stops short of
1.5"); a single absolute time means little on a shared machine, the ratios between the four do.
"""

from __future__ import annotations

import argparse
import heapq
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import simpy  # noqa: E402

from sim.model.clock import Clock, run_to_horizon  # noqa: E402


def simpy_process(events: int) -> tuple[float, int]:
    env = simpy.Environment()
    done = [0]

    def worker():
        while True:
            yield env.timeout(1.0)
            done[0] += 1

    env.process(worker())
    started = time.perf_counter()
    env.run(until=events + 0.5)
    return time.perf_counter() - started, done[0]


def clock_process(events: int) -> tuple[float, int]:
    env = Clock()
    done = [0]

    def worker():
        timeout = env.timeout
        while True:
            yield timeout(1.0)
            done[0] += 1

    env.process(worker())
    started = time.perf_counter()
    run_to_horizon(env, events + 0.5)
    return time.perf_counter() - started, done[0]


def clock_callbacks(events: int) -> tuple[float, int]:
    env = Clock()
    done = [0]

    def tick(_event) -> None:
        done[0] += 1
        env.timeout(1.0).callbacks.append(tick)

    env.timeout(1.0).callbacks.append(tick)
    started = time.perf_counter()
    run_to_horizon(env, events + 0.5)
    return time.perf_counter() - started, done[0]


def heap_loop(events: int) -> tuple[float, int]:
    queue: list[tuple[float, int, Callable[[float], None]]] = []
    push, pop = heapq.heappush, heapq.heappop
    done = [0]

    def tick(now: float) -> None:
        done[0] += 1
        push(queue, (now + 1.0, done[0], tick))

    push(queue, (1.0, 0, tick))
    horizon = events + 0.5
    started = time.perf_counter()
    while queue[0][0] <= horizon:
        now, _, call = pop(queue)
        call(now)
    return time.perf_counter() - started, done[0]


LOOPS = {
    "SimPy process on timeouts (Environment.run)": simpy_process,
    "the same process on the model's Clock": clock_process,
    "timeouts with callbacks on the Clock": clock_callbacks,
    "a heap loop of its own, plain callbacks": heap_loop,
}


def main(argv: list[str] | None = None) -> dict[str, tuple[float, int]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    samples: dict[str, list[tuple[float, int]]] = {name: [] for name in LOOPS}
    for _ in range(args.repeats):
        for name, loop in LOOPS.items():
            samples[name].append(loop(args.events))
    out = {}
    first = statistics.median(s for s, _ in samples[next(iter(LOOPS))])
    for name, values in samples.items():
        seconds = statistics.median(s for s, _ in values)
        out[name] = (seconds / args.events * 1e6, values[0][1])
        print(f"{name:<45} {out[name][0]:.2f} us an event  ({seconds / first:.2f} of SimPy's)")
    return out


if __name__ == "__main__":
    main()
