"""The daily counts of one replication (:data:`sim.core.contract.COUNTS`), kept as steps.

Issues open, concealed facilities undeclared, amendments, uses and attributions, and whether the declaration is
judged complete change at a few instants of a replication: each change appends ``(day, *counts)`` (several
changes at one instant keep the last), and :func:`sim.results.bands.day_steps` turns the steps into the daily
values of timeseries.parquet.  Nothing is polled daily, so a 30-year horizon costs no more than a 3-year one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.core.contract import COUNTS

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.world import World

(OPEN_ISSUES, UNDECLARED_FACILITIES, AMENDMENTS, USES, AGENT_USES, ATTRIBUTED_USES, ATTRIBUTED_AGENT_USES,
 JUDGED_COMPLETE) = (COUNTS.index(name) for name in (
    "open_issues", "undeclared_facilities", "amendments", "uses", "agent_uses", "attributed_uses",
    "attributed_agent_uses", "judged_complete"))


class Counts:
    """The current value of every count and its steps over time."""

    def __init__(self, w: "World"):
        self.w = w
        self.values = [0] * len(COUNTS)
        self.steps: list[tuple[float, ...]] = [(0.0, *self.values)]

    def add(self, index: int, delta: int = 1) -> None:
        """Change count ``index`` (a constant of this module) by ``delta`` now."""
        self.set(index, self.values[index] + delta)

    def set(self, index: int, value: int) -> None:
        """Set count ``index`` to ``value`` now (a step if it changed)."""
        if self.values[index] == value:
            return
        self.values[index] = value
        step = (self.w.now, *self.values)
        if self.steps[-1][0] == step[0]:
            self.steps[-1] = step
        else:
            self.steps.append(step)


__all__ = ["AGENT_USES", "AMENDMENTS", "ATTRIBUTED_AGENT_USES", "ATTRIBUTED_USES", "Counts", "JUDGED_COMPLETE",
           "OPEN_ISSUES", "UNDECLARED_FACILITIES", "USES"]
