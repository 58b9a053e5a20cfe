"""summary.json ``afterwards``: what happened to retained capability (docs/afterwards.md, docs/contracts.md).

For each event of :data:`sim.core.contract.EVENTS` (a first use, a use of stockpile agent after the declared
stockpile was destroyed, a first attribution...): the day's percentiles (a run where it never happens counts as
later than any day) and the share of runs where it has happened by each report date; and the counts of uses,
attributions and tonnes at the horizon.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.core.contract import EVENTS
from sim.results.summary import day_percentiles, mean_and_percentiles, report_dates, share_by
from sim.scenario.schema import Scenario

USE_COUNTS = ("uses", "agent_uses", "dual_use_uses", "uses_investigated", "uses_attributed",
              "agent_uses_attributed", "used_tonnes", "reconstituted_tonnes")
"""The runs.parquet columns summarised in ``afterwards.counts``."""


def afterwards_summary(scenario: Scenario, runs: pd.DataFrame) -> dict[str, Any]:
    """The ``afterwards`` section of summary.json; ``{"uses_enabled": ...}`` only for a folder written before it."""
    s = scenario
    out: dict[str, Any] = {"uses_enabled": s.uses.enabled}
    if not set(EVENTS.values()) <= set(runs.columns):
        return out
    dates = report_dates(s)
    out["report_dates"] = [d.isoformat() for d in dates]
    out["counts"] = {c: mean_and_percentiles(runs[c]) for c in USE_COUNTS}
    events: dict[str, Any] = {}
    for event, column in EVENTS.items():
        days = runs[column].to_numpy(dtype=float, na_value=np.nan)
        events[event] = {"column": column, "p_ever": float(np.mean(~np.isnan(days))) if len(days) else 0.0,
                         "day": day_percentiles(s, days), "p_by": [share_by(s, days, d) for d in dates]}
    out["events"] = events
    return out


__all__ = ["afterwards_summary", "USE_COUNTS"]
