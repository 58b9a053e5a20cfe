"""The tidy tables of a run, built from what replications report (:mod:`sim.core.contract`).

* ``runs`` - one row per replication, the columns of :data:`~sim.core.contract.RUN_COLUMNS` in their order
  and dtypes (milestone days null where not reached by the horizon);
* ``events`` - every event record of one replication, with its ledger state changes (``event == "ledger"``);
* the runs of a sweep - one row per (point, replication) with the outcome columns it asked for.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from sim.core.contract import EVENT_COLUMNS, RUN_COLUMNS, STATES, Change, Record


def runs_frame(rows: "list[dict] | dict[str, list]") -> pd.DataFrame:
    """runs.parquet from replication rows (or the same as columns: name -> values), in the documented order and
    dtypes, sorted by replication.  ValueError if the rows do not have exactly the contract's columns."""
    frame = pd.DataFrame(rows)
    names = [c.name for c in RUN_COLUMNS]
    if set(frame.columns) != set(names):
        missing = sorted(set(names) - set(frame.columns))
        extra = sorted(set(frame.columns) - set(names))
        raise ValueError(f"replication rows do not match the runs.parquet contract: missing {missing}, "
                         f"unexpected {extra}")
    frame = frame[names]
    for column in RUN_COLUMNS:
        if column.dtype != "str":
            frame[column.name] = frame[column.name].astype(column.dtype)
    return frame.sort_values("replication", kind="stable").reset_index(drop=True)


def sweep_runs_frame(part: dict[str, Any], columns: Sequence[str]) -> pd.DataFrame:
    """One chunk of a sweep's runs table (``point``, and ``replication``, ``seed``, ``events`` and ``columns`` as
    lists, values None where not reached): point, replication, seed, events, then the columns as floats
    (None -> NaN)."""

    def floats(values: list[Any]) -> np.ndarray:
        return np.asarray([np.nan if v is None else float(v) for v in values], dtype=np.float64)

    return pd.DataFrame({
        "point": np.full(len(part["replication"]), part["point"], dtype=np.int64),
        "replication": np.asarray(part["replication"], dtype=np.int64),
        "seed": np.asarray(part["seed"], dtype=np.uint64),
        "events": np.asarray(part["events"], dtype=np.int64),
        **{c: floats(part[c]) for c in columns},
    })


def median_replication(runs: pd.DataFrame) -> int:
    """The replication whose destruction_complete_day is the median (unreached sorting last)."""
    days = runs["destruction_complete_day"].to_numpy(dtype=float, na_value=np.nan)
    order = np.argsort(np.where(np.isnan(days), np.inf, days), kind="stable")
    return int(runs["replication"].iloc[order[(len(order) - 1) // 2]])


def events_frame(scenario: Any, replication: int, records: Iterable[Record], changes: Iterable[Change]) -> pd.DataFrame:
    """events.parquet: one replication's event records and ledger changes, in time order, with their dates."""
    lots = scenario.lots
    rows = [dict(r._asdict()) for r in records]
    for change in changes:
        lot = lots[change.lot]
        rows.append({"day": change.day, "event": "ledger", "entity": f"{STATES[change.source]}->{STATES[change.target]}",
                     "site": lot.site, "lot": lot.id, "agent": lot.agent, "tonnes": change.tonnes, "note": ""})
    frame = pd.DataFrame(rows, columns=[c for c in EVENT_COLUMNS if c not in ("replication", "date")])
    frame = frame.sort_values("day", kind="stable").reset_index(drop=True)
    frame.insert(0, "replication", replication)
    frame.insert(2, "date", [scenario.date_of(d) for d in frame["day"]])
    return frame


def with_dates(runs: pd.DataFrame, start_date: Any) -> pd.DataFrame:
    """A copy of a runs table with a calendar date (``datetime64``, NaT where not reached) right after every
    ``*_day`` column, named ``*_date``: the date a day falls on is ``start_date + floor(day)``, as in
    summary.json."""
    start = pd.Timestamp(start_date)
    out = runs.copy()
    for column in [c for c in runs.columns if c.endswith("_day")]:
        days = np.floor(pd.to_numeric(runs[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan))
        dates = start + pd.to_timedelta(days, unit="D")
        out.insert(out.columns.get_loc(column) + 1, column[: -len("_day")] + "_date", dates)
    return out


__all__ = ["runs_frame", "sweep_runs_frame", "median_replication", "events_frame", "with_dates"]
