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
the sum of the bins' sums.  A count (issues, amendments, uses: :data:`COUNTS`) has its own scale, from the
scenario, and a bin per whole number up to it, so its percentiles are exact; a count above its scale (far in
the tail of what the scenario's rates allow) is clipped to the scale.  Each quantity has its own block of bins.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import numpy as np

from sim.core.contract import COUNTS, FRACTIONS, SERIES

DEFAULT_BINS = 1000
CELL_BUDGET = 8_000_000
"""Cells (12 bytes each) of the fractions' and tonnes' blocks: beyond a horizon of about 1,600 days their bins
shrink in number so that the accumulator stays under ~100 MB (the counts add a few MB: a bin per whole
number up to their scale)."""
FULL_BINS_HORIZON_DAYS = CELL_BUDGET // (5 * DEFAULT_BINS) - 2
"""The longest horizon whose fractions and tonnes keep :data:`DEFAULT_BINS` bins."""
MIN_BINS = 120
FIXED_POINT_BITS = 32
"""Values are summed as integers in units of ``scale / 2**32`` (3e-7 t for the baseline's 1,328 t)."""
SEGMENT_COLUMNS = ("quantity", "day", "value", "delta")


def day_steps(snapshots: list, horizon_days: int,
              count_steps: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One replication's day-end values of :data:`SERIES` as step functions: ``(days, values)``.

    ``snapshots`` are the ledger's state-change records (day, removed, declared, declared on a removal route,
    destroyed, hidden), in time order.  The value at the end of day d is the last snapshot before instant
    d + 1, i.e. the last one with ``floor(t) <= d``: so the values change only on the days ``floor(t)`` of
    the snapshots.  Returns those days (ascending, the first 0) and the values from each of them on, shape
    (len(SERIES), len(days)).  ``count_steps`` (day, *counts in the order of :data:`COUNTS`), from
    :attr:`sim.model.Outcome.count_steps`, give the counts (0 without them).
    """
    snaps = np.fromiter(itertools.chain.from_iterable(snapshots), np.float64, count=6 * len(snapshots))
    snaps = snaps.reshape(-1, 6)
    days = np.minimum(np.floor(snaps[:, 0]).astype(np.int64), horizon_days)
    last = np.ones(len(days), dtype=bool)  # the last snapshot of each day holds its day-end state
    last[:-1] = days[1:] != days[:-1]
    days, at = days[last], snaps[last]
    declared, declared_route = at[:, 2], at[:, 3]
    values = np.zeros((len(SERIES), len(days)))
    np.divide(at[:, 1], declared_route, out=values[0], where=declared_route > 0)  # removed_fraction
    np.divide(np.minimum(at[:, 4], declared), declared, out=values[1], where=declared > 0)  # destroyed_fraction
    np.clip(values[:2], 0.0, 1.0, out=values[:2])
    values[2], values[3], values[4] = declared, at[:, 5], at[:, 4]  # declared, hidden and destroyed tonnes
    if days[0] != 0:  # the ledger's first snapshot is at day 0; a replication always has it
        raise ValueError("snapshots must start at day 0")
    if count_steps and (len(count_steps) > 1 or any(count_steps[0][1:])):
        days, values = _with_counts(days, values, count_steps, horizon_days)
    return days, values


_FIRST_COUNT = SERIES.index(COUNTS[0])
assert SERIES[_FIRST_COUNT:] == COUNTS, "the counts are the last rows of SERIES, in the order of COUNTS"


def _with_counts(days: np.ndarray, values: np.ndarray, count_steps: list,
                 horizon_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Add the counts of ``count_steps`` (the last of each day) on the union of both sets of days."""
    steps = np.asarray(count_steps, dtype=np.float64).reshape(-1, 1 + len(COUNTS))
    step_days = np.minimum(np.floor(steps[:, 0]).astype(np.int64), horizon_days)
    union = np.union1d(days, step_days)
    out = np.empty((values.shape[0], len(union)))
    out[:_FIRST_COUNT] = values[:_FIRST_COUNT][:, np.searchsorted(days, union, side="right") - 1]
    at = np.searchsorted(step_days, union, side="right") - 1  # the last step of each day: searchsorted right
    out[_FIRST_COUNT:] = steps[at, 1:].T
    return union, out


def daily_values(snapshots: list, horizon_days: int, count_steps: list | None = None) -> np.ndarray:
    """The day-end values of :data:`SERIES` for days ``0 .. horizon_days``, shape (len(SERIES), horizon + 1)."""
    days, values = day_steps(snapshots, horizon_days, count_steps)
    index = np.searchsorted(days, np.arange(horizon_days + 1), side="right") - 1
    return values[:, index]


_SEGMENT_DTYPE = np.dtype([("quantity", np.int8), ("day", np.int32), ("value", np.float64), ("delta", np.int32)])


def segments_of(days: np.ndarray, values: np.ndarray, horizon_days: int) -> np.ndarray:
    """The runs of equal values of one replication's :func:`day_steps`, as segment rows.

    Returns a structured array with :data:`SEGMENT_COLUMNS`: for every run, ``(quantity, first day, value,
    +1)`` and, unless it lasts to the horizon, ``(quantity, day after its last day, value, -1)``.
    """
    keep = np.ones(values.shape, dtype=bool)
    keep[:, 1:] = values[:, 1:] != values[:, :-1]
    q, k = np.nonzero(keep)  # row-major: quantity by quantity, runs in day order
    starts, levels = days[k], values[q, k]
    closed = np.zeros(len(q), dtype=bool)  # a run ends where the next run of its quantity starts
    closed[:-1] = q[1:] == q[:-1]
    n, m = len(q), int(closed.sum())
    out = np.empty(n + m, dtype=_SEGMENT_DTYPE)
    out["quantity"][:n], out["day"][:n], out["value"][:n], out["delta"][:n] = q, starts, levels, 1
    out["quantity"][n:], out["value"][n:], out["delta"][n:] = q[closed], levels[closed], -1
    out["day"][n:] = starts[1:][closed[:-1]]
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
    """What one chunk of replications contributes to the bands: its merged segments."""

    def __init__(self, horizon_days: int):
        self.horizon_days = horizon_days
        self._parts: list[np.ndarray] = []
        self._segments: np.ndarray | None = None
        self.replications = 0

    def add(self, days: np.ndarray, values: np.ndarray) -> None:
        """One replication's :func:`day_steps`."""
        self._parts.append(segments_of(days, values, self.horizon_days))
        self.replications += 1
        self._segments = None

    @property
    def segments(self) -> np.ndarray:
        if self._segments is None:
            self._segments = merge_segments(self._parts)
            self._parts = [self._segments]
        return self._segments

    def __getstate__(self) -> dict:  # ship the merged segments only
        return {"segments": self.segments, "replications": self.replications, "horizon_days": self.horizon_days}

    def __setstate__(self, state: dict) -> None:
        self._segments = state["segments"]
        self._parts = [self._segments]
        self.replications, self.horizon_days = state["replications"], state["horizon_days"]

    # ---- as a Parquet part file ---------------------------------------------------------------------
    def to_columns(self) -> dict[str, np.ndarray]:
        seg = self.segments
        return {**{name: np.ascontiguousarray(seg[name]) for name in SEGMENT_COLUMNS},
                "replications": np.full(len(seg), self.replications, dtype=np.int64)}

    @classmethod
    def from_columns(cls, columns: dict[str, np.ndarray], horizon_days: int) -> "ChunkBands":
        out = cls(horizon_days)
        segments = np.empty(len(columns["quantity"]), dtype=_SEGMENT_DTYPE)
        for name in SEGMENT_COLUMNS:
            segments[name] = np.asarray(columns[name])
        out._segments, out._parts = segments, [segments]
        out.replications = int(np.asarray(columns["replications"])[0]) if len(segments) else 0
        return out


@dataclass(frozen=True)
class BandSpec:
    """The bins of one run's bands: the horizon, and each quantity's number of bins and scale."""

    horizon_days: int
    bins: tuple[int, ...]
    scales: tuple[float, ...]

    @classmethod
    def for_scenario(cls, horizon_days: int, initial_tonnes: float, bins: int = DEFAULT_BINS,
                     most_issues: int = 1, most_uses: int = 1, repeat_amendments: bool = False) -> "BandSpec":
        """``most_issues`` and ``most_uses``: the scales of the counts (:func:`sim.scenario.verification.most_issues`,
        :func:`sim.scenario.uses.most_uses`); ``repeat_amendments``: whether an amendment may be judged insufficient
        (the issue is amended again later).

        The fractions and tonnes get ``bins`` bins (fewer for long horizons: :data:`CELL_BUDGET`); a count of
        scale N gets N + 1 bins (at most ``bins``) centred on the whole numbers 0..N, so that each has a bin of its
        own."""
        continuous = len(SERIES) - len(COUNTS)
        bins = max(MIN_BINS, min(bins, CELL_BUDGET // (continuous * (horizon_days + 2))))
        tonnes = max(float(initial_tonnes), 1e-9)
        issues, uses = float(max(1, most_issues)), float(max(1, most_uses))
        # an issue is amended once, unless amendments may be judged insufficient (it is then raised and amended
        # again): three amendments an issue is then the scale
        amendments = (3.0 if repeat_amendments else 1.0) * (issues + uses)
        count_scale = {"judged_complete": 1.0, "uses": uses, "agent_uses": uses, "attributed_uses": uses,
                       "attributed_agent_uses": uses, "amendments": amendments, "open_issues": issues + uses}
        scales = tuple(1.0 if q in FRACTIONS else count_scale.get(q, issues) if q in COUNTS else tonnes
                       for q in SERIES)
        per_quantity = tuple(min(bins, int(scale) + 1) if q in COUNTS else bins for q, scale in zip(SERIES, scales))
        return cls(int(horizon_days), per_quantity, scales)

    def bin_of(self, quantity: np.ndarray, value: np.ndarray) -> np.ndarray:
        """Bin index: 0 for 0, 1..bins inside, bins + 1 for the scale (within rounding: sums of lots' tonnes
        may miss the stockpile's total by an ulp or two)."""
        relative = value / np.asarray(self.scales)[quantity]
        bins = np.asarray(self.bins)[quantity]
        centre = _CENTRE[quantity]
        inside = 1 + np.clip(np.floor(relative * (bins - 2 * centre) + centre), 0, bins - 1).astype(np.int64)
        return np.where(relative <= 1e-12, 0, np.where(relative >= 1.0 - 1e-12, bins + 1, inside))

    def fixed_point(self, quantity: np.ndarray, value: np.ndarray) -> np.ndarray:
        relative = np.clip(value / np.asarray(self.scales)[quantity], 0.0, 1.0)
        return np.rint(relative * 2.0 ** FIXED_POINT_BITS).astype(np.int64)

    def bin_width(self, q: int) -> float:
        """The width of quantity ``q``'s bins, in its unit: the most a percentile can be off by."""
        return self.scales[q] / (self.bins[q] - 2 * float(_CENTRE[q]))

    @property
    def offsets(self) -> np.ndarray:
        """Where each quantity's (days x bins) block starts in the accumulator's flat arrays (and the end)."""
        sizes = [(self.horizon_days + 2) * (b + 2) for b in self.bins]
        return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


class Bands:
    """The mergeable accumulator behind timeseries.parquet (see the module's docstring)."""

    def __init__(self, spec: BandSpec):
        self.spec = spec
        self.offsets = spec.offsets
        self.count_steps = np.zeros(int(self.offsets[-1]), dtype=np.int32)  # histogram differences along the days
        self.sum_steps = np.zeros(int(self.offsets[-1]), dtype=np.int64)  # the bins' fixed-point sums, likewise
        self.replications = 0

    def _block(self, flat: np.ndarray, q: int) -> np.ndarray:
        """Quantity ``q``'s (days x bins) block of a flat array (a view)."""
        return flat[self.offsets[q]:self.offsets[q + 1]].reshape(self.spec.horizon_days + 2, self.spec.bins[q] + 2)

    def add(self, chunk: ChunkBands) -> None:
        """Add one chunk's contribution (any order: the result is the same)."""
        segments = chunk.segments
        if len(segments):
            quantity = segments["quantity"].astype(np.int64)
            delta = segments["delta"].astype(np.int64)
            bins = self.spec.bin_of(quantity, segments["value"])
            width = np.asarray(self.spec.bins, dtype=np.int64)[quantity] + 2
            cell = self.offsets[quantity] + segments["day"].astype(np.int64) * width + bins
            np.add.at(self.count_steps, cell, delta.astype(np.int32))
            np.add.at(self.sum_steps, cell, delta * self.spec.fixed_point(quantity, segments["value"]))
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
            steps = self._block(self.count_steps, q)[: spec.horizon_days + 1]
            used = np.flatnonzero(steps.any(axis=0))  # most bins never hold a value: leave them out
            counts = np.cumsum(steps[:, used], axis=0, dtype=np.int64)
            sums = np.cumsum(self._block(self.sum_steps, q)[: spec.horizon_days + 1][:, used], axis=0,
                             dtype=np.int64)
            mean = sums.sum(axis=1, dtype=np.int64).astype(np.float64) / n / unit * scale
            cumulative = np.cumsum(counts, axis=1, out=counts)  # counts themselves are not needed again
            columns = {"day": days, "date": dates, "quantity": quantity, "mean": mean}
            for p in percentiles:
                columns[f"p{p}"] = _percentile(cumulative, sums, n, p) / unit * scale
            frames.append(pd.DataFrame(columns))
        return pd.concat(frames, ignore_index=True)


_CENTRE = np.array([0.5 if q in COUNTS else 0.0 for q in SERIES])
"""Bins of the counts are centred on the whole numbers (floor(v + 0.5)): no rounding of v / N x N can move a
whole number into its neighbour's bin."""


def _order_statistic(cumulative: np.ndarray, sums: np.ndarray, k: int) -> np.ndarray:
    """The k-th smallest value (0-based) on every day, in fixed-point units: the mean of the bin it falls in."""
    b = np.argmax(cumulative > k, axis=1)
    rows = np.arange(len(b))
    in_bin = cumulative[rows, b] - np.where(b > 0, cumulative[rows, np.maximum(b - 1, 0)], 0)
    return sums[rows, b] / in_bin


def _percentile(cumulative: np.ndarray, sums: np.ndarray, n: int, p: float) -> np.ndarray:
    """NumPy's default ("linear") percentile, from the histogram of every day (fixed-point units)."""
    position = p / 100 * (n - 1)
    lo, hi = int(np.floor(position)), int(np.ceil(position))
    x_lo = _order_statistic(cumulative, sums, lo)
    if hi == lo:
        return x_lo
    x_hi = _order_statistic(cumulative, sums, hi)
    return x_lo + (x_hi - x_lo) * (position - lo)


__all__ = ["SERIES", "BandSpec", "Bands", "ChunkBands", "day_steps", "daily_values", "segments_of",
           "merge_segments"]
