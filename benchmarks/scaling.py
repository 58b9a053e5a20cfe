"""Scale-out figures: engine overheads, chunk sizes, and memory as replications grow.

    python benchmarks/scaling.py [--quick] [--json]

Measured in one run on this machine, as ratios where the machine's noise matters:

* task_overhead_ms_{pool,dask}  - wall time per trivial task on a 2-process pool and on a local Dask cluster
                                  of 2 single-threaded workers (started here, on 127.0.0.1), minus nothing:
                                  the cost an engine adds to every task;
* reps_per_s_{serial,pool,dask} - replications per second of the baseline through sim.execution.runs (chunked as
                                  in production), and the ratios pool/serial and dask/pool;
* chunk_sweep                   - replications per second on Dask for several chunk sizes;
* rss_peak_mb, rss_peak_mb_10x, rss_growth_10x - peak memory of the whole process tree above the
                                  post-import baseline, for N and 10 N replications (benchmarks/run.py's probe).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "syria_2013.yaml"


def noop(shared, item):
    return item


class LocalCluster:
    """A Dask scheduler and two single-threaded workers on loopback, as processes."""

    def __init__(self, folder: Path):
        file = folder / "scheduler.json"
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + str(ROOT / "benchmarks")}
        self.procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host",
                                        "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(file)],
                                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        while not file.exists():
            time.sleep(0.1)
        self.address = json.loads(file.read_text())["address"]
        self.procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file",
                                            str(file), "--nworkers", "2", "--nthreads", "1", "--host", "127.0.0.1",
                                            "--no-dashboard", "--memory-limit", "0"], env=env,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(self.address, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=120)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            proc.wait(timeout=30)


def task_overhead_ms(engine, tasks: int) -> float:
    list(engine.map_unordered(noop, None, list(range(20))))  # warm-up: workers started, function imported
    started = time.perf_counter()
    list(engine.map_unordered(noop, None, list(range(tasks))))
    return (time.perf_counter() - started) / tasks * 1000 * engine.slots


def reps_per_s(scenario, engine, replications: int, chunk_size: int | None = None) -> float:
    from sim.execution.runs import execute_run

    started = time.perf_counter()
    execute_run(scenario, replications, seed=1, engine=engine, chunk_size=chunk_size)
    return replications / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import sim
    from sim.execution.dask import DaskEngine
    from sim.execution.engines import PoolEngine, SerialEngine

    scenario = sim.load_scenario(BASELINE)
    reps = 400 if args.quick else 2000
    figures: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        cluster = LocalCluster(Path(tmp))
        try:
            with PoolEngine(2) as pool, DaskEngine(cluster.address) as dask, SerialEngine() as serial:
                tasks = 400 if args.quick else 2000
                figures["task_overhead_ms_pool"] = statistics.median(task_overhead_ms(pool, tasks) for _ in range(3))
                figures["task_overhead_ms_dask"] = statistics.median(task_overhead_ms(dask, tasks) for _ in range(3))
                reps_per_s(scenario, pool, 50)
                reps_per_s(scenario, dask, 50)
                serial_r, pool_r, dask_r = [], [], []
                for _ in range(2 if args.quick else 3):  # interleaved
                    serial_r.append(reps_per_s(scenario, serial, reps // 4))
                    pool_r.append(reps_per_s(scenario, pool, reps))
                    dask_r.append(reps_per_s(scenario, dask, reps))
                figures["reps_per_s_serial"] = statistics.median(serial_r)
                figures["reps_per_s_pool"] = statistics.median(pool_r)
                figures["reps_per_s_dask"] = statistics.median(dask_r)
                figures["pool_over_serial"] = figures["reps_per_s_pool"] / figures["reps_per_s_serial"]
                figures["dask_over_pool"] = figures["reps_per_s_dask"] / figures["reps_per_s_pool"]
                figures["chunk_sweep_dask"] = {size: reps_per_s(scenario, dask, reps, chunk_size=size)
                                               for size in (1, 5, 25, 100, 250)}
        finally:
            cluster.stop()
    import run as harness

    small, large = harness.rss_peaks(BASELINE, 100 if args.quick else 500)
    figures.update(rss_peak_mb=small, rss_peak_mb_10x=large, rss_growth_10x=large / small)
    for key, value in figures.items():
        print(f"{key:<24} {json.dumps(value) if isinstance(value, dict) else f'{value:,.3f}'}")
    if args.json:
        print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
