"""The rows of an observed record, checked one by one: which kind each is and whether its keys fit that kind.

A row's kind follows from its keys (docs/backtest.md, "The observed record"):

* ``milestone`` + ``date``: a **milestone** row;
* ``quantity`` in :data:`FRACTION_QUANTITIES` + ``date`` + ``value`` (0-1): a **curve** point;
* ``quantity`` in :data:`~sim.core.contract.CUMULATIVE_COUNTS` + ``date`` + ``value`` (a whole number >= 0):
  a **count** by the end of the date;
* ``quantity`` in :data:`~sim.core.contract.STATE_COUNTS` + ``date`` + ``value``: a **state** at the date; a 0/1
  state (:data:`~sim.core.contract.BINARY_SERIES`, ``judged_complete``) takes true/false or 1/0 and is a
  **binary** row, scored as one;
* ``event`` (an id of :data:`~sim.core.contract.EVENTS`) + ``date`` + ``value`` (true/false): a **binary** row,
  whether the event had happened by the date.

Kept apart from :mod:`sim.history.observed` (the schema and the loading) so that each stays short.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.core.contract import BINARY_SERIES, CUMULATIVE_COUNTS, EVENTS, MILESTONE_IDS, STATE_COUNTS
from sim.core.problems import KeyPath, did_you_mean, show_value

if TYPE_CHECKING:  # pragma: no cover
    from sim.history.observed import Observation

SCORED_QUANTITIES: tuple[str, ...] = ("removed_fraction", "destroyed_fraction")
"""Curve quantities the model simulates (timeseries.parquet) and a backtest scores."""
UNSCORED_QUANTITIES: tuple[str, ...] = ("removed_or_destroyed_in_country_fraction",)
"""Quantities public statements gave that the model does not simulate: recorded, never scored."""
FRACTION_QUANTITIES: tuple[str, ...] = SCORED_QUANTITIES + UNSCORED_QUANTITIES
RECORD_QUANTITIES: tuple[str, ...] = FRACTION_QUANTITIES + CUMULATIVE_COUNTS + STATE_COUNTS
"""Every quantity a row may name."""
KINDS: tuple[str, ...] = ("milestone", "curve", "count", "state", "binary")
"""The kinds of rows, in the order the summaries list them."""


def kind_of(row: Any) -> str:
    """The row's kind (see the module's docstring); a row whose keys fit no kind is reported by
    :func:`row_problems` and called a milestone here."""
    if row.event is not None:
        return "binary"
    if row.quantity is None:
        return "milestone"
    if row.quantity in BINARY_SERIES:
        return "binary"
    if row.quantity in CUMULATIVE_COUNTS:
        return "count"
    if row.quantity in STATE_COUNTS:
        return "state"
    return "curve"


def _whole(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and float(value).is_integer() \
        and value >= 0


def value_problem(row: Any) -> str | None:
    """What is wrong with a row's value for its kind, or None (also None when the row's keys fit no kind: that
    is :func:`row_problems`'s to say).  ``row`` needs ``milestone``, ``quantity``, ``event`` and ``value``."""
    given = [key for key in ("milestone", "quantity", "event") if getattr(row, key) is not None]
    if len(given) != 1 or (row.event is not None and row.event not in EVENTS) or \
            (row.quantity is not None and row.quantity not in RECORD_QUANTITIES):
        return None
    kind = kind_of(row)
    value = row.value
    if kind == "milestone":
        return None if value is None else "a milestone row has no value: its date is the observation"
    what = row.event if row.event is not None else row.quantity
    if value is None:
        needed = {"curve": "the observed fraction (0-1)", "count": "the count by the end of the date (a whole "
                  "number)", "state": "the count on the date (a whole number)",
                  "binary": "true or false (whether it had happened, or held, by the date)"}[kind]
        return f"required for a {what} row: {needed}"
    if kind == "curve":
        if isinstance(value, bool):
            return f"expected a fraction (0-1), got {show_value(value)}"
        if value < 0:
            return f"input should be greater than or equal to 0, got {show_value(value)}"
        if value > 1:
            return f"input should be less than or equal to 1, got {show_value(value)}"
        return None
    if kind in ("count", "state"):
        return None if _whole(value) else f"{what} is a count: a whole number >= 0, got {show_value(value)}"
    if row.event is not None:
        return None if isinstance(value, bool) else f"expected true or false for an event, got {show_value(value)}"
    return None if isinstance(value, bool) or value in (0, 1) else \
        f"expected true or false (or 1 or 0) for {what}, got {show_value(value)}"


def row_problems(rows: list["Observation"]) -> list[tuple[KeyPath, str, Any]]:
    """Every row's own problems (and duplicate ids or milestones across rows), as (key path, message, value)."""
    problems: list[tuple[KeyPath, str, Any]] = []
    first_id: dict[str, int] = {}
    first_milestone: dict[str, int] = {}
    for i, row in enumerate(rows):
        loc: KeyPath = ("observations", i)
        if row.id in first_id:
            problems.append(((*loc, "id"), f"duplicate id {row.id!r} (first in observations[{first_id[row.id]}])",
                             row.id))
        first_id.setdefault(row.id, i)
        given = [key for key in ("milestone", "quantity", "event") if getattr(row, key) is not None]
        if not given:
            problems.append((loc, "a row needs 'milestone' (a dated milestone), 'quantity' (a value on a date) or "
                                  "'event' (whether it had happened by a date)", row.id))
            continue
        if len(given) > 1:
            problems.append(((*loc, given[1]), f"give one of 'milestone', 'quantity' or 'event', not "
                                               f"{' and '.join(repr(g) for g in given)}", getattr(row, given[1])))
            continue
        if row.milestone is not None:
            if row.milestone not in MILESTONE_IDS:
                close = did_you_mean(row.milestone, list(MILESTONE_IDS))
                hint = close or f"; known: {', '.join(MILESTONE_IDS)}"
                problems.append(((*loc, "milestone"), f"unknown milestone {row.milestone!r}{hint}", row.milestone))
            elif row.milestone in first_milestone:
                problems.append(((*loc, "milestone"), f"milestone {row.milestone!r} already observed in "
                                                      f"observations[{first_milestone[row.milestone]}]",
                                 row.milestone))
            first_milestone.setdefault(row.milestone, i)
        if row.event is not None and row.event not in EVENTS:
            problems.append(((*loc, "event"), f"unknown event {row.event!r}"
                             f"{did_you_mean(row.event, list(EVENTS), exhaustive=True)}", row.event))
            continue
        if row.quantity is not None and row.quantity not in RECORD_QUANTITIES:
            problems.append(((*loc, "quantity"), f"unknown quantity {row.quantity!r}"
                             f"{did_you_mean(row.quantity, list(RECORD_QUANTITIES), exhaustive=True)}",
                             row.quantity))
            continue
        kind = kind_of(row)
        if row.rounded_to is not None and kind != "curve":
            problems.append(((*loc, "rounded_to"), "only a curve row (a fraction) is rounded", row.rounded_to))
        if row.quantity in UNSCORED_QUANTITIES and row.scored:
            problems.append(((*loc, "scored"), f"{row.quantity} is not simulated, so it cannot be scored; "
                                               "set scored: false", row.scored))
    return problems


__all__ = ["SCORED_QUANTITIES", "UNSCORED_QUANTITIES", "FRACTION_QUANTITIES", "RECORD_QUANTITIES", "KINDS",
           "kind_of", "value_problem", "row_problems"]
