"""What each part of a scenario costs: the scenario with one behaviour switched off at a time, and the plain model.

    python benchmarks/parts.py [--scenario FILE] [--replications 120] [--repeats 3]

Each variant is the scenario with one ``--set`` override (security closures, uses, the DAT's rounds, compliance
delays, concealment; a shorter horizon; then all five off: the core of sites, teams, convoys, ships and plants).
The variants and ``benchmarks/plain.py`` are measured in turn, ``--repeats`` times, each time over the same seeds;
the table gives each one's events and milliseconds a replication (medians) and its share of the scenario's time.
The parts interact (no concealment means no issues to answer), so the savings do not add up.  The machine's
drift hits every variant alike; a single absolute time means little on a shared machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from plain import plain_rate  # noqa: E402
from run import BASELINE, model_rate  # noqa: E402

PARTS = {
    "security closures": "security.enabled=false",
    "uses": "uses.enabled=false",
    "the DAT's rounds": "verification.records.enabled=false",
    "compliance delays": "compliance.enabled=false",
    "concealment": "concealment.items=[]",
}


def variants(horizon_days: int) -> dict[str, list[str]]:
    """The overrides of each variant, by its label."""
    out: dict[str, list[str]] = {"as given": []}
    out.update({f"without {part}": [override] for part, override in PARTS.items()})
    out[f"to {horizon_days} days"] = [f"horizon_days={horizon_days}"]
    out["the core only (all five off)"] = list(PARTS.values())
    return out


def cost(scenario, replications: int) -> tuple[float, float]:
    """(milliseconds, events) a replication of ``scenario``, serially, over seeds 0 .. replications - 1."""
    _, events, reps_per_s = model_rate(scenario, replications)
    return 1000 / reps_per_s, events


def main(argv: list[str] | None = None) -> list[tuple[str, float, float, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=BASELINE)
    parser.add_argument("--replications", type=int, default=120)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    import sim

    base = sim.load_scenario(args.scenario)
    horizon = min(1400, int(base.horizon_days))
    scenarios = {label: sim.load_scenario(args.scenario, overrides=overrides)
                 for label, overrides in variants(horizon).items()}
    samples: dict[str, list[tuple[float, float]]] = {label: [] for label in scenarios}
    samples["the plain model (benchmarks/plain.py)"] = []
    for scenario in scenarios.values():
        cost(scenario, 2)  # warm-up
    for _ in range(args.repeats):
        for label, scenario in scenarios.items():
            samples[label].append(cost(scenario, args.replications))
        reps_per_s, plain_events = plain_rate(args.replications)
        samples["the plain model (benchmarks/plain.py)"].append((1000 / reps_per_s, plain_events))
    whole = statistics.median(ms for ms, _ in samples["as given"])
    rows = []
    print(f"{args.scenario.name}: {args.repeats} repeats of {args.replications} replications\n")
    print("| variant | events a replication | ms a replication | of the scenario |\n|---|---|---|---|")
    for label, values in samples.items():
        ms = statistics.median(v[0] for v in values)
        events = statistics.median(v[1] for v in values)
        rows.append((label, events, ms, ms / whole))
        print(f"| {label} | {events:,.0f} | {ms:.2f} | {ms / whole:.2f} |")
    return rows


if __name__ == "__main__":
    main()
