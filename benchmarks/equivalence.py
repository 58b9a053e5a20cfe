"""Statistical equivalence of two checkouts: do they give the same distributions of outcomes?

    python benchmarks/equivalence.py OLD_CHECKOUT [NEW_CHECKOUT] [--replications 2000] [--scenario FILE]

A change that alters results only through the order of draws or events (a faster design of the same model)
must leave the distributions where they were.  Each checkout runs the scenario (its own bundled baseline, or
``--scenario``) with the same seed and replications, in a fresh interpreter with that checkout first on
``sys.path``.  For every milestone (``*_day`` columns of runs.parquet) and the main quantities, the old run's
10th, 50th and 90th percentiles get a 95% interval that assumes nothing about the distribution (order
statistics: the ranks of a Binomial(n, q) central 95%); the new run's percentile must fall inside it, and the
share of replications that never reach the milestone must fall inside the old share's Wilson interval.  It
prints one row per column and percentile and exits 1 if any falls outside.

With a 95% interval for each of some hundred figures, about five can fall outside by chance alone even for
identical models: a failure is a figure to look at (run again with another ``--seed``), not a verdict.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUANTITIES = ("removed_tonnes", "destroyed_tonnes", "hidden_tonnes", "issues_raised", "amendments", "uses",
              "agent_uses_attributed")
PERCENTILES = (0.1, 0.5, 0.9)

PROBE = r"""
import json, sys
import sim
scenario = sim.load_scenario(sys.argv[1])
results = sim.run(scenario, replications=int(sys.argv[2]), seed=int(sys.argv[3]), workers=2)
runs = results.runs
columns = [c for c in runs.columns if c.endswith("_day") and not c.startswith("detection_day_")]
columns += [c for c in json.loads(sys.argv[4]) if c in runs.columns]
print(json.dumps({c: [None if v != v else float(v) for v in runs[c].tolist()] for c in columns}))
"""


def run(checkout: Path, scenario: Path, replications: int, seed: int) -> dict[str, list[float | None]]:
    """Each column's values over the replications (None: not reached) in a fresh interpreter in ``checkout``."""
    env = dict(os.environ, PYTHONPATH=str(checkout), MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "-c", PROBE, str(scenario.resolve()), str(replications), str(seed),
                           json.dumps(QUANTITIES)], cwd=checkout, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def binomial_ranks(n: int, q: float) -> tuple[int, int]:
    """0-based ranks (lo, hi) of the sorted sample bracketing the q-quantile with at least 95% coverage."""
    from scipy.stats import binom

    lo = int(binom.ppf(0.025, n, q)) - 1
    hi = int(binom.ppf(0.975, n, q))
    return max(lo, 0), min(hi, n - 1)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = k / n
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    return centre - half, centre + half


def percentile(values: list[float], q: float) -> float:
    """The q-quantile of a sorted list by the same order statistic the interval uses (nearest rank)."""
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def compare(old: dict, new: dict, replications: int) -> list[tuple[str, str, float, float, float, bool]]:
    """(column, figure, old value, interval low, interval high, new inside?) for every column and figure."""
    rows = []
    for column in old:
        if column not in new:
            continue
        a = sorted(v for v in old[column] if v is not None)
        b = sorted(v for v in new[column] if v is not None)
        missing_old, missing_new = replications - len(a), replications - len(b)
        lo, hi = wilson(missing_old, replications)
        share = missing_new / replications
        rows.append((column, "not reached", missing_old / replications, lo, hi, lo - 1e-12 <= share <= hi + 1e-12))
        if len(a) < 20 or len(b) < 20:  # too few reached to compare percentiles
            continue
        for q in PERCENTILES:
            r_lo, r_hi = binomial_ranks(len(a), q)
            value = percentile(b, q)
            rows.append((column, f"p{round(q * 100)}", percentile(a, q), a[r_lo], a[r_hi],
                         a[r_lo] - 1e-9 <= value <= a[r_hi] + 1e-9))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path, nargs="?", default=HERE.parent)
    parser.add_argument("--replications", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenario", type=Path, default=None,
                        help="a scenario file for both checkouts [each its own scenarios/syria_2013.yaml]")
    args = parser.parse_args(argv)
    scenario_of = (lambda checkout: args.scenario) if args.scenario else (
        lambda checkout: checkout / "scenarios" / "syria_2013.yaml")
    old = run(args.old, scenario_of(args.old), args.replications, args.seed)
    new = run(args.new, scenario_of(args.new), args.replications, args.seed)
    rows = compare(old, new, args.replications)
    newer = {c: sorted(v for v in new[c] if v is not None) for c in new}
    print(f"{'column':<42} {'figure':<12} {'old':>10} {'95% interval':>23} {'new':>10}  inside")
    for column, figure, value, lo, hi, inside in rows:
        if figure == "not reached":
            shown = sum(v is None for v in new[column]) / args.replications
        else:
            shown = percentile(newer[column], int(figure[1:]) / 100)
        print(f"{column:<42} {figure:<12} {value:>10.3f} [{lo:>10.3f}, {hi:>10.3f}] {shown:>10.3f}  "
              f"{'yes' if inside else 'NO'}")
    outside = sum(not row[-1] for row in rows)
    print(f"{len(rows) - outside} of {len(rows)} figures inside the old run's 95% intervals "
          f"({args.replications} replications, seed {args.seed})")
    return 1 if outside else 0


if __name__ == "__main__":
    sys.exit(main())
