"""A/B: one replication's cost in two checkouts of disarm-sim, measured alternately in the same run.

    python benchmarks/ab.py OLD_CHECKOUT [NEW_CHECKOUT] [--rounds 4] [--replications 120] [--scenario FILE]

Without ``--scenario`` each checkout runs its own bundled baseline (the baseline of its day: the format may differ
between checkouts); with it, both run that file.

Each round runs a fresh interpreter in each checkout in turn (old, new, old, new, ...), with that checkout
first on ``sys.path``; each interpreter measures the bare SimPy timeout loop and the scenario's replications
three times, interleaved, and reports the medians (``benchmarks/run.py``'s own ``raw_simpy_rate`` and
``model_rate``).  The machine's drift hits both checkouts alike, so the ratio of their times per replication
is the figure to quote; a single absolute time means little on a shared machine.

Make the old checkout with, for example, ``git worktree add /tmp/base HEAD~3``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

PROBE = r"""
import statistics, sys
sys.path.insert(0, "benchmarks")
import sim
from run import model_rate, raw_simpy_rate
scenario = sim.load_scenario(sys.argv[1])
replications = int(sys.argv[2])
model_rate(scenario, 20)  # warm-up: imports, caches, the first streams
ratios, ms = [], []
for r in range(3):
    raw = raw_simpy_rate(200_000)
    events_per_s, _, reps_per_s = model_rate(scenario, replications, first_seed=r * replications)
    ratios.append(events_per_s / raw)
    ms.append(1e3 / reps_per_s)
print(statistics.median(ratios), statistics.median(ms))
"""


def measure(checkout: Path, scenario: Path, replications: int) -> tuple[float, float]:
    """(event_rate_ratio, ms per replication) of one fresh interpreter in ``checkout``."""
    env = dict(os.environ, PYTHONPATH=str(checkout))
    done = subprocess.run([sys.executable, "-c", PROBE, str(scenario.resolve()), str(replications)],
                          cwd=checkout, env=env, capture_output=True, text=True, check=True)
    ratio, ms = map(float, done.stdout.split())
    return ratio, ms


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path, nargs="?", default=HERE.parent)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--replications", type=int, default=120)
    parser.add_argument("--scenario", type=Path, default=None,
                        help="one scenario for both checkouts; default: each checkout's own "
                             "scenarios/syria_2013.yaml (the baseline of its day, in its own format)")
    args = parser.parse_args(argv)
    results: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
    for _ in range(args.rounds):
        for name in ("old", "new"):
            checkout = getattr(args, name).resolve()
            scenario = args.scenario or checkout / "scenarios" / "syria_2013.yaml"
            results[name].append(measure(checkout, scenario, args.replications))
    out: dict[str, float] = {}
    for name, runs in results.items():
        out[f"{name}_event_rate_ratio"] = statistics.median(r for r, _ in runs)
        out[f"{name}_ms_per_replication"] = statistics.median(ms for _, ms in runs)
        print(f"{name}: event_rate_ratio {out[f'{name}_event_rate_ratio']:.3f} "
              f"({' '.join(f'{r:.3f}' for r, _ in runs)}), {out[f'{name}_ms_per_replication']:.2f} ms a replication")
    out["time_new_over_old"] = out["new_ms_per_replication"] / out["old_ms_per_replication"]
    print(f"time per replication, new / old: {out['time_new_over_old']:.3f}")
    return out


if __name__ == "__main__":
    main()
