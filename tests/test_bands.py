"""Daily bands from mergeable histograms: accurate to a bin, exact on ties, the same whatever the chunking."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.scenario.uses import most_uses
from sim.scenario.verification import most_issues, repeats_amendments
from sim.results.bands import (DEFAULT_BINS, FULL_BINS_HORIZON_DAYS, Bands, BandSpec, ChunkBands, daily_values, day_steps, segments_of)
from sim.core.contract import SERIES
from sim.execution.runs import run_one

START = dt.date(2020, 1, 1)


def _steps(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A dense series (quantities x days) as day_steps gives it: the days where something changes."""
    change = np.ones(values.shape[1], dtype=bool)
    change[1:] = (values[:, 1:] != values[:, :-1]).any(axis=0)
    return np.flatnonzero(change), values[:, change]


MOST_ISSUES = 20
"""The scale of the counts (open issues, undeclared facilities) in these tests."""


def _bands(series: list[np.ndarray], horizon: int, scale: float, chunks: list[list[int]]) -> Bands:
    bands = Bands(BandSpec.for_scenario(horizon, scale, most_issues=MOST_ISSUES))
    for members in chunks:
        chunk = ChunkBands(horizon)
        for k in members:
            chunk.add(*_steps(series[k]))
        bands.add(chunk)
    return bands


def _exact(series: list[np.ndarray]) -> dict[str, np.ndarray]:
    stacked = np.stack(series)
    p10, p50, p90 = np.percentile(stacked, (10, 50, 90), axis=0)
    return {"mean": stacked.mean(axis=0), "p10": p10, "p50": p50, "p90": p90}


def test_segments_rebuild_the_series():
    values = np.array([[0, 0, 0.5, 0.5, 1.0], [3, 3, 3, 3, 3], [0, 1, 0, 1, 0], [0, 0, 0, 0, 0], [2, 2, 2, 5, 5]],
                      dtype=float)
    rebuilt = np.zeros_like(values)
    for q, day, value, delta in segments_of(*_steps(values), 4).tolist():
        rebuilt[q, day:] += delta * value  # +value from the run's first day, -value after its last
    np.testing.assert_array_equal(rebuilt, values)


def test_day_steps_are_the_day_end_values_of_the_snapshots():
    # (day, removed, declared, declared on a route, destroyed, hidden); two changes on day 2 (2.2 and 2.9):
    # day 2 ends with the second; a change at instant 4.0 belongs to day 4; nothing changes on day 1 or 3.
    snapshots = [(0.0, 0, 0, 0, 0, 0), (0.5, 0, 10, 8, 0, 0), (2.2, 2, 10, 8, 0, 0), (2.9, 4, 10, 8, 1, 0),
                 (4.0, 8, 10, 8, 2, 0)]
    days, values = day_steps(snapshots, horizon_days=6)
    assert days.tolist() == [0, 2, 4]
    dense = daily_values(snapshots, 6)
    assert dense[0].tolist() == [0.0, 0.0, 0.5, 0.5, 1.0, 1.0, 1.0]  # removed / declared on a route
    assert dense[1].tolist() == [0.0, 0.0, 0.1, 0.1, 0.2, 0.2, 0.2]  # destroyed / declared
    assert dense[2].tolist() == [10.0] * 7  # declared by the end of day 0 already


def test_baseline_bands_are_within_a_bin_of_the_exact_percentiles(baseline):
    horizon = baseline.horizon_days
    outcomes = [run_one(baseline, seed) for seed in range(60)]
    series = [daily_values(o.snapshots, horizon, o.count_steps) for o in outcomes]  # open issues included
    spec = BandSpec.for_scenario(horizon, baseline.initial_tonnes, most_issues=most_issues(baseline),
                                 most_uses=most_uses(baseline), repeat_amendments=repeats_amendments(baseline))
    bands = Bands(spec)
    chunk = ChunkBands(horizon)
    for values in series:
        chunk.add(*_steps(values))
    bands.add(chunk)
    frame = bands.frame(START)
    exact = _exact(series)
    exact_cells = 0
    for q, quantity in enumerate(SERIES):
        rows = frame[frame["quantity"] == quantity]
        assert rows["day"].tolist() == list(range(horizon + 1))
        bin_width = spec.bin_width(q)
        for column in ("p10", "p50", "p90"):
            error = np.abs(rows[column].to_numpy() - exact[column][q])
            assert error.max() <= bin_width, (quantity, column, error.max())
            exact_cells += int(np.sum(error < spec.scales[q] * 2.0 ** -30))  # exact to the fixed point's resolution
        np.testing.assert_allclose(rows["mean"].to_numpy(), exact["mean"][q], rtol=0, atol=1e-8 * spec.scales[q])
    assert exact_cells > 0.75 * 3 * len(SERIES) * (horizon + 1)  # ties and plateaus come out exact (83% here)


def test_chunking_and_order_do_not_change_a_single_number(baseline):
    horizon = baseline.horizon_days
    series = [daily_values(run_one(baseline, seed).snapshots, horizon) for seed in range(25)]
    one = _bands(series, horizon, baseline.initial_tonnes, [list(range(25))]).frame(START)
    rng = np.random.default_rng(3)
    order = [int(k) for k in rng.permutation(25)]
    shuffled = [order[:3], order[3:4], order[4:17], order[17:]][::-1]
    other = _bands(series, horizon, baseline.initial_tonnes, shuffled).frame(START)
    assert one.equals(other)


def test_a_chunk_survives_its_part_file_round_trip(baseline):
    import pandas as pd

    horizon = baseline.horizon_days
    chunk = ChunkBands(horizon)
    for seed in range(5):
        chunk.add(*day_steps(run_one(baseline, seed).snapshots, horizon))
    table = pd.DataFrame(chunk.to_columns())
    back = ChunkBands.from_columns({c: v.to_numpy() for c, v in table.items()}, horizon)
    assert back.replications == 5
    np.testing.assert_array_equal(back.segments, chunk.segments)


def test_long_horizons_use_fewer_bins_but_stay_finer_than_a_hundredth():
    assert BandSpec.for_scenario(FULL_BINS_HORIZON_DAYS, 10.0).bins[0] == DEFAULT_BINS
    assert BandSpec.for_scenario(FULL_BINS_HORIZON_DAYS + 10, 10.0).bins[0] < DEFAULT_BINS
    longest = BandSpec.for_scenario(36_500, 10.0)
    assert 100 < longest.bins[0] < DEFAULT_BINS
    assert longest.offsets[-1] * (4 + 8) < 400e6  # bytes of the accumulator
    eleven_years = BandSpec.for_scenario(4126, 1328.0, most_issues=20, most_uses=100)
    assert eleven_years.offsets[-1] * (4 + 8) < 150e6


@st.composite
def _step_series(draw, horizon=30):
    """A replication's five quantities as step functions on 0..scale (random plateaus)."""
    out = np.zeros((len(SERIES), horizon + 1))
    for q in range(len(SERIES)):
        scale = BandSpec.for_scenario(horizon, 50.0, most_issues=MOST_ISSUES).scales[q]  # fractions, tonnes, counts
        changes = sorted(draw(st.lists(st.integers(1, horizon), max_size=4, unique=True)))
        levels = draw(st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0]) | st.floats(0, 1), min_size=len(changes) + 1,
                               max_size=len(changes) + 1))
        bounds = [0, *changes, horizon + 1]
        for level, lo, hi in zip(levels, bounds, bounds[1:]):
            out[q, lo:hi] = level * scale
    return out


@given(st.lists(_step_series(), min_size=1, max_size=12), st.integers(1, 5))
def test_any_replications_any_chunking_within_a_bin(series, split):
    horizon = series[0].shape[1] - 1
    chunks = [list(range(len(series)))[i::split] for i in range(split)]
    chunks = [c for c in chunks if c]
    frame = _bands(series, horizon, 50.0, chunks).frame(START)
    whole = _bands(series, horizon, 50.0, [list(range(len(series)))]).frame(START)
    assert frame.equals(whole)
    exact = _exact(series)
    spec = BandSpec.for_scenario(horizon, 50.0, most_issues=MOST_ISSUES)
    for q, quantity in enumerate(SERIES):
        rows = frame[frame["quantity"] == quantity]
        for column in ("p10", "p50", "p90", "mean"):
            assert np.abs(rows[column].to_numpy() - exact[column][q]).max() <= spec.bin_width(q) + 1e-9


def test_no_replications_is_an_error():
    with pytest.raises(ValueError, match="no replications"):
        Bands(BandSpec.for_scenario(5, 1.0)).frame(START)
