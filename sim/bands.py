"""Daily bands of timeseries.parquet from mergeable fixed-bin histograms: flat memory, identical results.

Storing every replication's daily series costs ``5 x (horizon + 1)`` numbers a replication (28 kB for the
baseline): a million replications would not fit in memory.  Instead each chunk of replications is reduced,
where it ran, to **segments**: a replication's day-end value of a quantity is a step function of the day, so
it is a few runs of days with one value each (``quantity, first day, value, +count``) and their ends
(``quantity, day after, value, -count``).  A :class:`Bands` accumulator adds the segments of every chunk into

* a histogram per quantity and day over fixed bins, and the fixed-point sum of the values in each bin, both
  kept as differences along the days, so that a segment costs two updates however long it is.

Both are integer sums, so the bands do not depend on how replications are split into chunks, on the order
chunks finish, or on the engine - the same seed gives the same timeseries.parquet.  Memory is fixed by the
horizon and the bins, not by the number of replications.

Bins: ``0`` exactly, ``bins`` equal bins over ``(0, scale)``, and ``scale`` exactly, where ``scale`` is 1 for
the fractions and the initial stockpile for tonnes; the values at the ends (nothing removed yet, all
destroyed) are therefore exact.  An order statistic is taken as the mean of the values in its bin, then
NumPy's linear interpolation between order statistics gives the percentile: it is within one bin width of
the exact percentile, ``1/bins`` of the range (0.001 for the fractions with the default 1,000 bins; fewer
bins only for horizons beyond :data:`FULL_BINS_HORIZON_DAYS`, still better than 0.01), and exact where the
replications in a bin agree (ties are common: step functions of whole convoys and batches).  The mean is
the sum of the bins' sums.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

SERIES: tuple[str, ...] = ("removed_fraction", "destroyed_fraction", "declared_tonnes", "hidden_tonnes",
                           "destroyed_tonnes")
"""Daily quantities of timeseries.parquet, in the order of the rows :func:`daily_values` returns."""
FRACTIONS = ("removed_fraction", "destroyed_fraction")
DEFAULT_BINS = 1000
FULL_BINS_HORIZON_DAYS = 4000
"""Beyond this horizon the bins shrink in number so that the accumulator stays under ~100 MB."""
MIN_BINS = 120
FIXED_POINT_BITS = 32
"""Values are summed as integers in units of ``scale / 2**32`` (3e-7 t for the baseline's 1,328 t)."""
SEGMENT_COLUMNS = ("quantity", "day", "value", "delta")


def daily_values(snapshots: list, horizon_days: int) -> np.ndarray:
    """The day-end values of :data:`SERIES` for days ``0 .. horizon_days``, shape (len(SERIES), horizon + 1).

    ``snapshots`` are the ledger's state-change records (day, removed, declared, declared on a removal route,
    destroyed, hidden), in time order; the value at the end of day d is the last one before instant d + 1.
    """
    snaps = np.asarray(snapshots, dtype=np.float64)
    ends = np.arange(1, horizon_days + 2, dtype=np.float64)
    idx = np.searchsorted(snaps[:, 0], ends, side="left") - 1
    idx[idx < 0] = 0
    at = snaps[idx]
    removed, declared, declared_route, destroyed, hidden = at[:, 1], at[:, 2], at[:, 3], at[:, 4], at[:, 5]
    with np.errstate(divide="ignore", invalid="ignore"):
        removed_fraction = np.where(declared_route > 0, removed / declared_route, 0.0)
        destroyed_fraction = np.where(declared > 0, np.minimum(destroyed, declared) / declared, 0.0)
    return np.stack([np.clip(removed_fraction, 0.0, 1.0), np.clip(destroyed_fraction, 0.0, 1.0), declared,
                     hidden, destroyed])


_SEGMENT_DTYPE = np.dtype([("quantity", np.int8), ("day", np.int32), ("value", np.float64), ("delta", np.int32)])


def segments_of(values: np.ndarray) -> np.ndarray:
    """The runs of equal values of one replication's :func:`daily_values`, as segment rows.

    Returns a structured array with :data:`SEGMENT_COLUMNS`: for every run, ``(quantity, first day, value,
    +1)`` and, unless it lasts to the horizon, ``(quantity, day after its last day, value, -1)``.
    """
    q_count = values.shape[0]
    change_q, change_d = np.nonzero(values[:, 1:] != values[:, :-1])
    starts_q = np.concatenate([np.arange(q_count), change_q])
    starts_d = np.concatenate([np.zeros(q_count, dtype=np.int64), change_d + 1])
    order = np.lexsort((starts_d, starts_q))
    starts_q, starts_d = starts_q[order], starts_d[order]
    start_values = values[starts_q, starts_d]
    closed = np.zeros(len(starts_q), dtype=bool)  # a run that ends where the next run of its quantity starts
    closed[:-1] = starts_q[1:] == starts_q[:-1]
    n, m = len(starts_q), int(closed.sum())
    out = np.empty(n + m, dtype=_SEGMENT_DTYPE)
    out["quantity"][:n], out["day"][:n], out["value"][:n], out["delta"][:n] = starts_q, starts_d, start_values, 1
    out["quantity"][n:], out["value"][n:], out["delta"][n:] = starts_q[closed], start_values[closed], -1
    out["day"][n:] = starts_d[1:][closed[:-1]]
    return out


def merge_segments(parts: list[np.ndarray]) -> np.ndarray:
    """Concatenate segment arrays and add up the rows that differ only in their count (sorted, so the
    result is the same whatever order the parts come in)."""
    rows = np.concatenate(parts) if parts else np.empty(0, dtype=_SEGMENT_DTYPE)
    if len(rows) == 0:
        return rows
    rows = rows[np.lexsort((rows["value"], rows["day"], rows["quantity"]))]
    key_change = np.ones(len(rows), dtype=bool)
    key_change[1:] = ((rows["quantity"][1:] != rows["quantity"][:-1]) | (rows["day"][1:] != rows["day"][:-1])
                      | (rows["value"][1:] != rows["value"][:-1]))
    starts = np.flatnonzero(key_change)
    merged = rows[starts].copy()
    merged["delta"] = np.add.reduceat(rows["delta"], starts)
    return merged[merged["delta"] != 0]


class ChunkBands:
    """What one chunk of replications contributes to the bands: its merged segments and, per quantity and
    day, the lowest and highest value (which make the percentiles exact where every replication agrees)."""

    def __init__(self, horizon_days: int):
        self._parts: list[np.ndarray] = []
        shape = (len(SERIES), horizon_days + 1)
        self.low = np.full(shape, np.inf)
        self.high = np.full(shape, -np.inf)
        self.replications = 0
        self._segments: np.ndarray | None = None

    def add(self, values: np.ndarray) -> None:
        """One replication's :func:`daily_values`."""
        self._parts.append(segments_of(values))
        np.minimum(self.low, values, out=self.low)
        np.maximum(self.high, values, out=self.high)
        self.replications += 1
        self._segments = None

    @property
    def segments(self) -> np.ndarray:
        if self._segments is None:
            self._segments = merge_segments(self._parts)
            self._parts = [self._segments]
        return self._segments

    def __getstate__(self) -> dict:  # ship the merged segments only
        return {"segments": self.segments, "low": self.low, "high": self.high, "replications": self.replications}

    def __setstate__(self, state: dict) -> None:
        self._segments = state["segments"]
        self._parts = [self._segments]
        self.low, self.high, self.replications = state["low"], state["high"], state["replications"]

    # ---- as a Parquet part file: one long table (kind 0: segment rows; 1: lows; 2: highs) --------------
    def to_columns(self) -> dict[str, np.ndarray]:
        seg = self.segments
        q_count, days = self.low.shape
        cell_q = np.repeat(np.arange(q_count, dtype=np.int8), days)
        cell_d = np.tile(np.arange(days, dtype=np.int32), q_count)
        cells = len(cell_q)
        return {
            "kind": np.concatenate([np.zeros(len(seg), np.int8), np.ones(cells, np.int8), np.full(cells, 2, np.int8)]),
            "quantity": np.concatenate([seg["quantity"], cell_q, cell_q]),
            "day": np.concatenate([seg["day"], cell_d, cell_d]),
            "value": np.concatenate([seg["value"], self.low.ravel(), self.high.ravel()]),
            "delta": np.concatenate([seg["delta"], np.zeros(2 * cells, np.int32)]),
            "replications": np.full(len(seg) + 2 * cells, self.replications, dtype=np.int64),
        }

    @classmethod
    def from_columns(cls, columns: dict[str, np.ndarray], horizon_days: int) -> "ChunkBands":
        out = cls(horizon_days)
        kind = np.asarray(columns["kind"])
        seg = kind == 0
        segments = np.empty(int(seg.sum()), dtype=_SEGMENT_DTYPE)
        for name in SEGMENT_COLUMNS:
            segments[name] = np.asarray(columns[name])[seg]
        shape = out.low.shape
        out.low = np.asarray(columns["value"])[kind == 1].reshape(shape).copy()
        out.high = np.asarray(columns["value"])[kind == 2].reshape(shape).copy()
        out.replications = int(np.asarray(columns["replications"])[0]) if len(kind) else 0
        out._segments, out._parts = segments, [segments]
        return out


@dataclass(frozen=True)
class BandSpec:
    """The bins of one run's bands: the horizon, the number of bins and each quantity's scale."""

    horizon_days: int
    bins: int
    scales: tuple[float, ...]

    @classmethod
    def for_scenario(cls, horizon_days: int, initial_tonnes: float, bins: int = DEFAULT_BINS) -> "BandSpec":
        if horizon_days > FULL_BINS_HORIZON_DAYS:
            bins = max(MIN_BINS, int(bins * FULL_BINS_HORIZON_DAYS / horizon_days))
        tonnes = max(float(initial_tonnes), 1e-9)
        scales = tuple(1.0 if q in FRACTIONS else tonnes for q in SERIES)
        return cls(int(horizon_days), int(bins), scales)

    def bin_of(self, quantity: np.ndarray, value: np.ndarray) -> np.ndarray:
        """Bin index: 0 for 0, 1..bins inside, bins + 1 for the scale (within rounding: sums of lots' tonnes
        may miss the stockpile's total by an ulp or two)."""
        relative = value / np.asarray(self.scales)[quantity]
        inside = 1 + np.clip(np.floor(relative * self.bins), 0, self.bins - 1).astype(np.int64)
        return np.where(relative <= 1e-12, 0, np.where(relative >= 1.0 - 1e-12, self.bins + 1, inside))

    def fixed_point(self, quantity: np.ndarray, value: np.ndarray) -> np.ndarray:
        relative = np.clip(value / np.asarray(self.scales)[quantity], 0.0, 1.0)
        return np.rint(relative * 2.0 ** FIXED_POINT_BITS).astype(np.int64)


class Bands:
    """The mergeable accumulator behind timeseries.parquet (see the module's docstring)."""

    def __init__(self, spec: BandSpec):
        self.spec = spec
        q, days, bins = len(SERIES), spec.horizon_days + 2, spec.bins + 2
        self.count_steps = np.zeros((q, days, bins), dtype=np.int32)  # histogram differences along the days
        self.sum_steps = np.zeros((q, days, bins), dtype=np.int64)  # the bins' fixed-point sums, likewise
        self.low = np.full((q, spec.horizon_days + 1), np.inf)
        self.high = np.full((q, spec.horizon_days + 1), -np.inf)
        self.replications = 0

    def add(self, chunk: ChunkBands) -> None:
        """Add one chunk's contribution (any order: the result is the same)."""
        segments = chunk.segments
        if len(segments):
            quantity = segments["quantity"].astype(np.int64)
            day = segments["day"].astype(np.int64)
            delta = segments["delta"].astype(np.int64)
            bins = self.spec.bin_of(quantity, segments["value"])
            np.add.at(self.count_steps, (quantity, day, bins), delta.astype(np.int32))
            np.add.at(self.sum_steps, (quantity, day, bins), delta * self.spec.fixed_point(quantity, segments["value"]))
        np.minimum(self.low, chunk.low, out=self.low)
        np.maximum(self.high, chunk.high, out=self.high)
        self.replications += chunk.replications

    def frame(self, start_date: dt.date, percentiles: tuple[int, ...] = (10, 50, 90)):
        """timeseries.parquet: day, date, quantity, mean and the percentiles, day 0 to the horizon."""
        import pandas as pd

        n = self.replications
        if n == 0:
            raise ValueError("no replications in the bands")
        spec = self.spec
        days = np.arange(spec.horizon_days + 1)
        dates = (pd.to_datetime(start_date) + pd.to_timedelta(days, unit="D")).date
        frames = []
        unit = 2.0 ** FIXED_POINT_BITS
        for q, quantity in enumerate(SERIES):
            scale = spec.scales[q]
            counts = np.cumsum(self.count_steps[q, : spec.horizon_days + 1], axis=0, dtype=np.int64)
            sums = np.cumsum(self.sum_steps[q, : spec.horizon_days + 1], axis=0, dtype=np.int64)
            with np.errstate(divide="ignore", invalid="ignore"):
                bin_means = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0) / unit * scale
            mean = sums.sum(axis=1, dtype=np.int64).astype(np.float64) / n / unit * scale
            cumulative = np.cumsum(counts, axis=1)
            columns = {"day": days, "date": dates, "quantity": quantity,
                       "mean": np.clip(mean, self.low[q], self.high[q])}
            for p in percentiles:
                columns[f"p{p}"] = np.clip(_percentile(cumulative, bin_means, n, p), self.low[q], self.high[q])
            frames.append(pd.DataFrame(columns))
        return pd.concat(frames, ignore_index=True)


def _order_statistic(cumulative: np.ndarray, bin_means: np.ndarray, k: int) -> np.ndarray:
    """The k-th smallest value (0-based) on every day: the mean of the bin it falls in."""
    b = np.argmax(cumulative > k, axis=1)
    return bin_means[np.arange(len(b)), b]


def _percentile(cumulative: np.ndarray, bin_means: np.ndarray, n: int, p: float) -> np.ndarray:
    """NumPy's default ("linear") percentile, from the histogram of every day."""
    position = p / 100 * (n - 1)
    lo, hi = int(np.floor(position)), int(np.ceil(position))
    x_lo = _order_statistic(cumulative, bin_means, lo)
    if hi == lo:
        return x_lo
    x_hi = _order_statistic(cumulative, bin_means, hi)
    return x_lo + (x_hi - x_lo) * (position - lo)


__all__ = ["SERIES", "BandSpec", "Bands", "ChunkBands", "daily_values", "segments_of", "merge_segments"]
