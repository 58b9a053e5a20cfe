"""The performance harness: the model's speed as ratios against limits measured in the same run.

    python benchmarks/run.py [--quick] [--json] [--scenario FILE]

These machines are shared and noisy, so every figure that is compared with a target is a ratio of two
measurements taken in the same run, each the median of interleaved repeats:

* raw_simpy_events_per_s   - a bare SimPy loop of timeouts (the limit any SimPy model can reach);
* model_events_per_s       - SimPy events processed (env.step() calls) per second by the scenario, serially;
* event_rate_ratio         - model / raw;
* events_per_replication   - events one replication needs (a design choice, usually the bigger lever);
* reps_vs_plain            - the scenario's replications per second over those of benchmarks/plain.py, a plain
                             SimPy model of the same process as a competent user would write it (no ledger, no
                             named streams, no records), measured interleaved (median of the repeats' ratios);
                             plain_events_per_replication is that model's event count;
* replication_cost_in_timeouts - the bare SimPy timeout rate over the scenario's replications per second: how
                             many bare timeouts one replication costs;
* reps_per_s_serial / reps_per_s_parallel (2 workers, the production code path) / parallel_efficiency;
* end_to_end_overhead      - wall time of `disarm run -n 2000 --workers 1 --no-plots --quiet` over 2000 /
                             reps_per_s_serial, the production code path's serial rate, here measured just
                             before and just after each CLI run (their mean; median of 2 or 3 such runs), so
                             that the machine's drift between the two does not enter the ratio;
                             end_to_end_over_simulate is the same wall time over a bare loop of `simulate`
                             measured alongside (it adds the chunks' bookkeeping: daily bands, rows);
* scaling_exponent_sites   - log-log slope of time per replication against programme size (1x, 10x, 100x sites,
                             lots and every resource);
* rss_growth_10x           - peak memory above the post-import baseline (children included) of a run with 10x the
                             replications, over that of the smaller run (rss_peak_mb, rss_peak_mb_10x: the two
                             peaks, sampled over the whole process tree);
* cli_import_ms, cli_heavy_imports - start-up of `disarm validate` and the heavy modules it imports.

With --json the last line printed is one JSON object with every key.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from plain import plain_rate  # noqa: E402  (benchmarks/ is not a package: its scripts import each other by path)
BASELINE = ROOT / "scenarios" / "syria_2013.yaml"
HEAVY = ("matplotlib", "pandas", "pyarrow", "dask", "distributed", "scipy")


def raw_simpy_rate(events: int) -> float:
    """Events per second of a bare SimPy loop of timeouts, stepped like the model (env.step)."""
    import simpy

    env = simpy.Environment()

    def ticker(env):
        while True:
            yield env.timeout(1.0)

    env.process(ticker(env))
    step = env.step
    started = time.perf_counter()
    for _ in range(events):
        step()
    return events / (time.perf_counter() - started)


def model_rate(scenario, replications: int, first_seed: int = 0) -> tuple[float, float, float]:
    """(events per second, events per replication, replications per second), serially."""
    from sim.model import simulate

    events = 0
    started = time.perf_counter()
    for k in range(replications):
        events += simulate(scenario, first_seed + k).row["events"]
    wall = time.perf_counter() - started
    return events / wall, events / replications, replications / wall


def pool_rate(scenario, replications: int, workers: int) -> float:
    """Replications per second through the production code path (sim.execution.runs.execute_run), pool included."""
    from sim.execution.engines import make_engine
    from sim.execution.runs import execute_run

    started = time.perf_counter()
    with make_engine(workers) as engine:
        execute_run(scenario, replications, seed=1, engine=engine)
    return replications / (time.perf_counter() - started)


def serial_rates(scenario, replications: int) -> tuple[float, float]:
    """Replications per second on one core through the production code path and through a bare loop of
    ``simulate``, back to back (what ``end_to_end`` is set against)."""
    serial = pool_rate(scenario, replications, workers=1)
    return serial, model_rate(scenario, replications, first_seed=10_000)[2]


def scaled(scenario, factor: int):
    """The scenario with its sites, lots and every resource multiplied by ``factor``."""
    from sim.scenario.schema import Scenario

    data = scenario.model_dump(mode="python", by_alias=True)
    on_site = {f["id"]: f for f in data["facilities"] if f.get("site")}  # plants at a site: one per copy
    sites, lots, links, facilities, groups = [], [], [], [], []
    for k in range(factor):
        for site in data["sites"]:
            sites.append({**site, "id": f"{site['id']}_{k}"})
        for lot in data["lots"]:
            copy = {**lot, "id": f"{lot['id']}_{k}", "site": f"{lot['site']}_{k}"}
            plant = next((f for f in on_site.values() if f["site"] == lot["site"]
                          and (f["agents"] is None or lot["agent"] in f["agents"])), None)
            if plant is not None:
                copy["facility"] = f"{plant['id']}_{k}"
            lots.append(copy)
        for link in data["links"]:
            if any(link["start"] == site["id"] for site in data["sites"]):
                links.append({**link, "id": f"{link['id']}_{k}", "start": f"{link['start']}_{k}"})
        facilities += [{**f, "id": f"{f['id']}_{k}", "site": f"{f['site']}_{k}"} for f in on_site.values()]
        groups += [{**g, "site": f"{g['site']}_{k}"} for g in data["production_structures"]["groups"] if g.get("site")]
    data["sites"], data["lots"] = sites, lots
    data["links"] = links + [link for link in data["links"]
                             if not any(link["start"] == site["id"] for site in scenario.model_dump()["sites"])]
    data["facilities"] = [f for f in data["facilities"] if f["id"] not in on_site] + facilities
    data["inspectorate"]["teams"] *= factor
    data["convoys"]["escorts"] *= factor
    if data.get("port"):
        data["port"]["berths"] *= factor
    for place in data.get("places", []):
        place["berths"] *= factor
    data["ships"] = [{**ship, "id": f"{ship['id']}_{k}"} for k in range(factor) for ship in data["ships"]]
    for facility in data["facilities"]:
        if not facility.get("site"):  # a plant at a site is copied with its site: its lines are multiplied already
            facility["lines"] *= factor
    data["production_structures"]["crews"] *= factor
    placed = [g for g in data["production_structures"]["groups"] if g.get("site")]
    for group in data["production_structures"]["groups"]:
        group["count"] *= factor
    data["production_structures"]["groups"] = [g for g in data["production_structures"]["groups"]
                                               if not g.get("site")] + (groups if placed else [])
    data["unfilled_munitions"]["count"] *= factor
    data["concealment"]["items"] = [  # each copy of the programme conceals what the original does
        {**item, "id": f"{item['id']}_{k}",
         **({"site": f"{item['site']}_{k}"} if item.get("site") else {}),
         **({"lot": f"{item['lot']}_{k}"} if item.get("lot") else {})}
        for k in range(factor) for item in data["concealment"]["items"]]
    data["horizon_days"] = max(data["horizon_days"], 3000)
    data["compliance"]["enabled"] = False  # releases one convoy at a time: not a resource that scales
    return Scenario.model_validate(data)


def scaling_exponent(scenario, factors: tuple[int, ...], replications: int) -> float:
    times = []
    for factor in factors:
        big = scaled(scenario, factor)
        samples = []
        for _ in range(3):
            _, _, reps_per_s = model_rate(big, max(1, replications // factor))
            samples.append(1.0 / reps_per_s)
        times.append(statistics.median(samples))
    xs = [math.log(f) for f in factors]
    ys = [math.log(t) for t in times]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


RSS_PROBE = r"""
import json, sys, threading, time
import psutil
import sim
import sim.results.results, sim.results.bands, sim.execution.engines, sim.execution.runs  # what the run imports
scenario = sim.load_scenario(sys.argv[1])
me = psutil.Process()

def tree_rss():
    total = me.memory_info().rss
    for child in me.children(recursive=True):  # the forkserver and the pool's workers
        try:
            total += child.memory_info().rss
        except psutil.Error:
            pass
    return total

base = tree_rss()
peak = [base]
done = threading.Event()

def sample():
    while not done.is_set():
        peak[0] = max(peak[0], tree_rss())
        time.sleep(0.01)

sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
results = sim.run(scenario, replications=int(sys.argv[2]), seed=0, workers=int(sys.argv[3]))
done.set()
sampler.join()
peak[0] = max(peak[0], tree_rss())
print(json.dumps({"base_kb": base // 1024, "peak_kb": peak[0] // 1024}))
"""


def rss_peaks(scenario_path: Path, replications: int, workers: int = 2) -> tuple[float, float]:
    """Peak memory (MB) above the post-import baseline of runs of N and 10 N replications: this process and
    every child (the forkserver and the pool's workers), sampled every 10 ms during the run."""
    peaks = []
    for n in (replications, replications * 10):
        out = subprocess.run([sys.executable, "-c", RSS_PROBE, str(scenario_path), str(n), str(workers)],
                             capture_output=True, text=True, check=True, cwd=ROOT).stdout
        m = json.loads(out.strip().splitlines()[-1])
        peaks.append(max(1, m["peak_kb"] - m["base_kb"]) / 1024)
    return peaks[0], peaks[1]


def end_to_end(scenario_path: Path, replications: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim", "run", str(scenario_path), "-n", str(replications),
                        "--workers", "1", "--no-plots", "--quiet", "-o", str(Path(tmp) / "out")], check=True,
                       cwd=ROOT)
        return time.perf_counter() - started


def cli_start(scenario_path: Path) -> tuple[float, list[str]]:
    """Wall milliseconds of `disarm validate` and the heavy modules it imported."""
    samples = []
    for _ in range(3):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "sim", "validate", str(scenario_path)],
                              capture_output=True, text=True, check=True, cwd=ROOT)
        samples.append((time.perf_counter() - started) * 1000)
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines()
                if line.startswith("import time:") and "|" in line}
    return statistics.median(samples), sorted(m for m in HEAVY if m in imported)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer events and replications (a couple of minutes)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    parser.add_argument("--scenario", type=Path, default=BASELINE, help="scenario to measure [the baseline]")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import sim

    scenario = sim.load_scenario(args.scenario)
    quick = args.quick
    raw_events = 200_000 if quick else 1_000_000
    reps = 30 if quick else 200
    repeats = 3 if quick else 5

    # interleaved repeats: raw, model, raw, model, ... so both see the same machine load
    raw, model, per_rep, serial, plain, plain_events = [], [], [], [], [], []
    model_rate(scenario, 3)  # warm-up (imports, caches)
    plain_rate(3)
    for r in range(repeats):
        raw.append(raw_simpy_rate(raw_events))
        ev_s, ev_rep, rep_s = model_rate(scenario, reps, first_seed=r * reps)
        model.append(ev_s)
        per_rep.append(ev_rep)
        serial.append(rep_s)
        plain_reps_s, plain_ev = plain_rate(reps, first_seed=r * reps)
        plain.append(plain_reps_s)
        plain_events.append(plain_ev)
    # About 3 s (quick) or 10 s of serial work: long enough that starting a pool is not the figure (a production
    # run is hundreds to millions of replications), whatever the scenario's cost per replication.
    parallel_reps = max(200, int(statistics.median(serial) * (3 if quick else 10)))
    parallel, serial_pool = [], []
    for _ in range(2 if quick else 3):
        serial_pool.append(pool_rate(scenario, parallel_reps // 2, workers=1))
        parallel.append(pool_rate(scenario, parallel_reps, workers=2))
    e2e_reps = 2000  # the definition: `disarm run -n 2000 --workers 1 --no-plots --quiet`
    e2e_ratios, e2e_over_simulate = [], []
    # each CLI run against the serial rates measured just before and just after it (the rates measured between
    # two runs serve both), over as many replications as reps_per_s_serial
    before = serial_rates(scenario, parallel_reps // 2)
    for _ in range(2 if quick else 3):
        wall = end_to_end(args.scenario, e2e_reps)
        after = serial_rates(scenario, parallel_reps // 2)
        e2e_ratios.append(wall * (before[0] + after[0]) / 2 / e2e_reps)
        e2e_over_simulate.append(wall * (before[1] + after[1]) / 2 / e2e_reps)
        before = after
    figures = {
        "raw_simpy_events_per_s": statistics.median(raw),
        "model_events_per_s": statistics.median(model),
        "event_rate_ratio": statistics.median(m / r for m, r in zip(model, raw)),
        "events_per_replication": statistics.median(per_rep),
        "reps_vs_plain": statistics.median(m / p for m, p in zip(serial, plain)),
        "plain_events_per_replication": statistics.median(plain_events),
        "replication_cost_in_timeouts": statistics.median(r / m for r, m in zip(raw, serial)),
        "reps_per_s_serial": statistics.median(serial_pool),
        "reps_per_s_parallel": statistics.median(parallel),
        "parallel_efficiency": statistics.median(parallel) / (2 * statistics.median(serial_pool)),
        "end_to_end_overhead": statistics.median(e2e_ratios),
        "end_to_end_over_simulate": statistics.median(e2e_over_simulate),
        "scaling_exponent_sites": scaling_exponent(scenario, (1, 10) if quick else (1, 10, 100), 20 if quick else 100),
    }
    small, large = rss_peaks(args.scenario, 100 if quick else 500)
    figures["rss_peak_mb"], figures["rss_peak_mb_10x"] = small, large
    figures["rss_growth_10x"] = large / small
    figures["cli_import_ms"], figures["cli_heavy_imports"] = cli_start(args.scenario)
    width = max(map(len, figures))
    for key, value in figures.items():
        shown = f"{value:,.3f}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown}")
    if args.json:
        print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")
    main()
