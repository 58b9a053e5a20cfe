"""Replications: reproducible, independent of worker count and chunking, every row balanced."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.core.contract import SERIES
from sim.execution.engines import PoolEngine
from sim.execution.runs import chunk_size_for, daily_series, execute_run, run, run_one
from sim.core.streams import replication_seed


@pytest.fixture(scope="module")
def baseline_runs(baseline):
    return run(baseline, replications=24, seed=11, workers=1)


def test_workers_and_chunking_do_not_change_results(baseline, baseline_runs):
    parallel = run(baseline, replications=24, seed=11, workers=2, chunk_size=5)
    pd.testing.assert_frame_equal(baseline_runs.runs, parallel.runs)
    pd.testing.assert_frame_equal(baseline_runs.timeseries, parallel.timeseries)


def test_another_seed_gives_different_results(baseline, baseline_runs):
    other = run(baseline, replications=24, seed=12, workers=1)
    assert not other.runs["removal_complete_day"].equals(baseline_runs.runs["removal_complete_day"])


def test_replication_k_is_run_one_with_its_own_seed(baseline, baseline_runs):
    row = baseline_runs.runs.iloc[7]
    assert int(row["seed"]) == replication_seed(11, 7)
    alone = run_one(baseline, replication_seed(11, 7)).row
    assert alone["destruction_complete_day"] == row["destruction_complete_day"]
    assert alone["events"] == row["events"]


def test_every_row_balances(baseline_runs):
    runs = baseline_runs.runs
    total = (runs["destroyed_tonnes"] + runs["remaining_tonnes"] + runs["in_transit_tonnes"] + runs["hidden_tonnes"]
             + runs["used_tonnes"])  # the baseline's retained DF is used in attacks (docs/afterwards.md)
    assert np.allclose(total, runs["initial_tonnes"] + runs["reconstituted_tonnes"], atol=1e-6, rtol=0)
    assert (runs["used_tonnes"] > 0).any()
    columns = ["destroyed_tonnes", "remaining_tonnes", "in_transit_tonnes", "hidden_tonnes", "used_tonnes"]
    assert (runs[columns] >= -1e-9).all().all()


def test_runs_columns_follow_the_contract(baseline_runs):
    from sim.core.contract import MILESTONE_IDS

    columns = list(baseline_runs.runs.columns)
    assert columns[:2] == ["replication", "seed"]
    for milestone in MILESTONE_IDS:
        assert f"{milestone}_day" in columns
    for column in ("initial_tonnes", "declared_tonnes", "removed_tonnes", "destroyed_tonnes", "remaining_tonnes",
                   "in_transit_tonnes", "hidden_tonnes", "dispersed_tonnes", "detected", "detection_day", "convoys",
                   "voyages", "access_denials", "amendments", "events"):
        assert column in columns
    assert baseline_runs.runs["replication"].tolist() == list(range(24))


def test_daily_series_are_monotone_fractions(baseline):
    outcome = run_one(baseline, 5)
    series = daily_series(outcome, baseline.horizon_days)
    removed, destroyed = series[0], series[1]
    assert series.shape == (len(SERIES), baseline.horizon_days + 1)
    assert 0 <= removed.min() and removed.max() <= 1 and 0 <= destroyed.min() and destroyed.max() <= 1
    assert np.all(np.diff(series[4]) >= -1e-6)  # destroyed tonnes never decrease
    assert destroyed[-1] == pytest.approx(1.0)


def test_chunks_come_back_in_order_and_complete(tiny):
    with PoolEngine(2) as engine:
        out = execute_run(tiny, replications=11, seed=0, engine=engine, chunk_size=3)
    assert out.runs["replication"].tolist() == list(range(11))
    assert out.bands.replications == 11


def test_chunk_size_is_bounded():
    assert chunk_size_for(100_000, 2) == 250  # at most MAX_CHUNK
    assert chunk_size_for(1000, 2) == 32  # about 16 chunks a worker
    assert chunk_size_for(10, 2) == 5  # at least MIN_CHUNK on a pool, but every worker gets a chunk
    assert chunk_size_for(10, 1, "serial") == 10 and chunk_size_for(1000, 1, "serial") == 250  # no balancing
    assert chunk_size_for(1000, 16, "dask") == 25  # a Dask task costs ~10x a pool task: bigger chunks


def test_zero_replications_is_an_error(tiny):
    with pytest.raises(ValueError, match="at least 1"):
        run(tiny, replications=0)
