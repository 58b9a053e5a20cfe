"""A plain SimPy model of the baseline's process: the yardstick of ``reps_vs_plain`` (benchmarks/run.py).

    python benchmarks/plain.py [--replications 200]

Written as a competent SimPy user would write it in an afternoon: processes and Resources, one
``random.Random`` per replication, no ledger, no named streams, no records, no trace.  It simulates what the
baseline simulates, at the same scale (issue 21 of the project's tracker):

* accession and the declaration (a delay each);
* 20 sites inspected by 3 teams (a Resource), a visit each: travel, then the inspection;
* 12 of the sites hold agent (1,300 t in all): after the site is inspected and logistics start, convoys with
  one of 2 escorts (a Resource) carry 60 t loads to the port (a Container), and come back;
* 2 ships (1,000 t) wait at the port for a full load or for whatever is left to come, sail to the
  destruction plants and come back;
* 3 plants destroy what they receive one tonne at a time (one event per tonne destroyed: the tonne's
  destruction time at a rate drawn per line);
* a secret unit moves a share of the agent to hiding places before the declaration; each inspection may find
  traces of it, and then the state amends its declaration and the hidden tonnes are moved as well;
* the run goes on to the same horizon as the baseline (2024), with nothing more happening.

About 1,500 events a replication.  Its numbers are the baseline's orders of magnitude, not its calibrated
values: what matters here is the cost of each kind of event, not the dates.
"""

from __future__ import annotations

import argparse
import random
import time

import simpy

SITES = 20
AGENT_SITES = 12
TONNES = 1300.0
TEAMS = 3
ESCORTS = 2
LOAD_T = 60.0
SHIPS = 2
SHIP_T = 1000.0
PLANTS = (("cape_ray", 2, (5.0, 7.0, 25.0), 0.6), ("finland", 1, (3.0, 6.0, 10.0), 0.2),
          ("texas", 1, (2.0, 5.0, 8.0), 0.2))  # name, lines, triangular rate in t/day (low, mode, high), share
HIDDEN_SHARE = 0.05
HORIZON_DAYS = 4126.0
LOGISTICS_START_DAY = 80.0


class Plant:
    """A destruction plant: its lines take the deliveries in turn and destroy them a tonne at a time."""

    def __init__(self, env: simpy.Environment, rng: random.Random, lines: int, rate: tuple[float, float, float],
                 tally: dict):
        self.env, self.rng, self.tally = env, rng, tally
        self.deliveries = simpy.Store(env)
        for _ in range(lines):
            env.process(self.line(rng.triangular(rate[0], rate[2], rate[1])))

    def line(self, rate_t_per_day: float):
        while True:
            tonnes = yield self.deliveries.get()
            while tonnes > 1e-9:
                tonne = min(1.0, tonnes)
                yield self.env.timeout(tonne / rate_t_per_day)
                tonnes -= tonne
                self.tally["destroyed"] += tonne
                if self.tally["destroyed"] >= self.tally["total"] - 1e-6:
                    self.tally["destruction_complete_day"] = self.env.now


def replicate(seed: int, horizon_days: float = HORIZON_DAYS) -> dict:
    """One replication: the day removal and destruction were complete, the tonnes destroyed, the events."""
    rng = random.Random(seed)
    env = simpy.Environment()
    teams = simpy.Resource(env, TEAMS)
    escorts = simpy.Resource(env, ESCORTS)
    port = simpy.Container(env)
    tally = {"total": TONNES, "destroyed": 0.0, "at_sea": 0.0, "to_come": TONNES, "amendments_due": 0}
    plants = [Plant(env, rng, lines, rate, tally) for _, lines, rate, _ in PLANTS]
    shares = [share for *_, share in PLANTS]
    weights = [rng.random() + 0.5 for _ in range(AGENT_SITES)]
    stock = [TONNES * w / sum(weights) for w in weights] + [0.0] * (SITES - AGENT_SITES)
    hidden = [0.0] * SITES
    declared = env.event()
    inspected = [env.event() for _ in range(SITES)]

    def secret_unit():
        for site in rng.sample(range(AGENT_SITES), 3):  # three sites' stocks, part moved before the declaration
            yield env.timeout(rng.uniform(1, 10))
            moved = stock[site] * HIDDEN_SHARE * 3
            stock[site] -= moved
            hidden[site] += moved
            tally["total"] -= moved  # what the plan will remove and destroy: the declared tonnes
            tally["to_come"] -= moved

    def accession_and_declaration():
        yield env.timeout(rng.triangular(20, 40, 30))
        yield env.timeout(rng.triangular(15, 30, 20))
        declared.succeed()

    def inspection(site: int):
        yield declared
        with teams.request() as team:
            yield team
            yield env.timeout(rng.triangular(1, 5, 2))  # travel
            yield env.timeout(rng.triangular(1, 4, 2))  # the inspection
        inspected[site].succeed()
        if hidden[site] > 0 and rng.random() < 0.5:  # traces of the secret unit's move: the state amends
            tally["amendments_due"] += 1
            yield env.timeout(rng.expovariate(1 / 60))
            tally["amendments_due"] -= 1
            stock[site] += hidden[site]
            tally["total"] += hidden[site]
            tally["to_come"] += hidden[site]
            hidden[site] = 0.0
            env.process(convoys(site))

    def convoys(site: int):
        yield inspected[site]
        if env.now < LOGISTICS_START_DAY:
            yield env.timeout(LOGISTICS_START_DAY - env.now)
        while stock[site] > 1e-9:
            with escorts.request() as escort:
                yield escort
                if stock[site] <= 1e-9:  # another convoy (after an amendment) took the rest
                    break
                load = min(LOAD_T, stock[site])
                stock[site] -= load
                yield env.timeout(rng.triangular(0.5, 2, 1))  # loading
                yield env.timeout(rng.triangular(1, 4, 2))  # the road to the port
                port.put(load)
                tally["to_come"] -= load
                yield env.timeout(rng.triangular(1, 4, 2))  # back

    def ship():
        yield env.timeout(rng.uniform(60, 90))  # on station
        while True:
            wanted = min(SHIP_T, port.level + tally["to_come"])  # a full hold, or all that is left to come
            while port.level < wanted - 1e-9 or port.level <= 1e-9:
                yield env.timeout(rng.uniform(3, 10))  # look again at the port
                if tally["to_come"] <= 1e-9 and port.level <= 1e-9 and not tally["amendments_due"]:
                    return
            cargo = min(SHIP_T, port.level)
            yield port.get(cargo)
            tally["at_sea"] += cargo
            yield env.timeout(rng.triangular(5, 15, 8))  # the voyage
            for plant, share in zip(plants, shares):
                plant.deliveries.put(cargo * share)
            tally["at_sea"] -= cargo
            if tally["to_come"] <= 1e-9 and port.level <= 1e-9:
                tally.setdefault("removal_complete_day", env.now)
            yield env.timeout(rng.triangular(5, 15, 8))  # back

    env.process(secret_unit())
    env.process(accession_and_declaration())
    for site in range(SITES):
        env.process(inspection(site))
        if stock[site] > 0:
            env.process(convoys(site))
    for _ in range(SHIPS):
        env.process(ship())
    step = env.step
    events = 0
    while env.peek() < horizon_days:
        step()
        events += 1
    return {"removal_complete_day": tally.get("removal_complete_day"),
            "destruction_complete_day": tally.get("destruction_complete_day"),
            "destroyed_tonnes": tally["destroyed"], "hidden_tonnes": sum(hidden), "events": events}


def plain_rate(replications: int, first_seed: int = 0) -> tuple[float, float]:
    """(replications per second, events per replication) of the plain model, serially."""
    events = 0
    started = time.perf_counter()
    for k in range(replications):
        events += replicate(first_seed + k)["events"]
    wall = time.perf_counter() - started
    return replications / wall, events / replications


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=200)
    args = parser.parse_args(argv)
    reps_per_s, events = plain_rate(args.replications)
    one = replicate(0)
    print(f"plain model: {reps_per_s:,.1f} replications/s, {events:,.0f} events a replication; seed 0: "
          f"removal day {one['removal_complete_day']:.0f}, destruction day {one['destruction_complete_day']:.0f}, "
          f"{one['destroyed_tonnes']:.1f} t destroyed, {one['hidden_tonnes']:.1f} t still hidden")


if __name__ == "__main__":
    main()
