"""Contradictions inside an observed record: facts that cannot all be true, found before anything is scored.

A backtest scores every row against the simulated distribution; a record that says two things at once would be
scored on both, and a well-calibrated scenario would look wrong whichever way it went.  The checks:

* **one value per quantity and date**: two rows of one quantity on one date;
* **cumulative fractions never fall**: removed and destroyed fractions only grow (a value rounded in its source
  stands for its interval, ``rounded_to``, so 0.92 rounded to 0.01 and 0.918 agree), and so do cumulative
  counts (:data:`~sim.core.contract.CUMULATIVE_COUNTS`: amendments, attributed uses...); a state (issues open)
  may fall;
* **an event does not un-happen**: an event true by a date cannot be false by a later date (and one event has
  one value on a date);
* **milestones in their order**: a milestone cannot be reached before one that must come first
  (:data:`MILESTONE_ORDER`; removal must be complete before destruction is);
* **curves and milestones agree**: a fraction at 1 means its completion milestone is reached by that date
  (removal_complete for removed_fraction, destruction_complete for destroyed_fraction), a fraction below 1
  that it is not, a removed fraction above 0 that the first removal is past.  So "50% removed" after "all
  removed" (a removal_complete row, or a removed_fraction of 1) is a contradiction, and so is "all destroyed"
  before removal is complete.

A contradiction is refused, naming both rows, unless the record says that its sources disagree: one of the two
rows carries ``conflict:`` (why it is kept) and ``scored: false``, so that the disagreeing fact is shown and the
other is scored once.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sim.core.contract import CUMULATIVE_COUNTS, FRACTIONS
from sim.core.problems import KeyPath

if TYPE_CHECKING:  # pragma: no cover
    from sim.history.observed import Observation

MILESTONE_ORDER: tuple[tuple[str, str], ...] = (
    ("accession_deposited", "entry_into_force"),  # entry into force follows the deposit (CWC Art. XXI(2))
    ("listing_submitted", "declaration_submitted"),  # the model's declaration never precedes the listing
    ("first_removal", "removal_complete"),
    ("priority_removal_complete", "removal_complete"),  # a part of the chemicals before all of them
    ("removal_complete", "destruction_complete"),  # what is shipped out is destroyed after it leaves
    ("priority_destruction_complete", "destruction_complete"),
    ("category1_destroyed", "destruction_complete"),
    ("first_structure_destroyed", "production_facilities_destroyed"),
)
"""(earlier, later): milestones that cannot come in the other order, whatever the scenario (definitions of the
milestones in :data:`sim.core.contract.MILESTONES`).  Only orders that hold by definition are listed; the
order the model happens to simulate in (inspections before removal, say) is no contradiction in a record."""

COMPLETED_BY: dict[str, str] = {"removed_fraction": "removal_complete",
                                "destroyed_fraction": "destruction_complete"}
"""The milestone a cumulative fraction reaches 1 at."""
STARTED_BY: dict[str, str] = {"removed_fraction": "first_removal"}
"""The milestone a cumulative fraction leaves 0 at."""
GROWING: tuple[str, ...] = FRACTIONS + CUMULATIVE_COUNTS
"""Quantities that never fall between two dates."""
EPSILON = 1e-9
"""Fractions closer than this are equal (decimal values such as 0.493 in binary)."""


@dataclass(frozen=True)
class Claim:
    """What one row says about the date T a milestone is reached: T = ``date`` (a milestone row, ``on``),
    T <= ``date`` (``by``: a fraction at its end on that date) or T > ``date`` (``after``: a fraction short of
    it)."""

    row: int
    milestone: str
    relation: Literal["on", "by", "after"]
    date: dt.date
    said: str  # the row's own words: "removed_fraction 0.5 on 2014-07-01"

    def words(self) -> str:
        """The claim in a message: "removal_complete is dated 2014-06-23 (observations[8])", ..."""
        where = f"(observations[{self.row}])"
        if self.relation == "on":
            return f"{self.milestone} is dated {self.date} {where}"
        reached = "was reached" if self.relation == "by" else "was not reached"
        return f"{self.said} {where} means {self.milestone} {reached} by then"


def _before(pairs: tuple[tuple[str, str], ...]) -> dict[str, set[str]]:
    """milestone -> every milestone that must come before it (the transitive closure of ``pairs``)."""
    earlier: dict[str, set[str]] = {}
    for first, then in pairs:
        earlier.setdefault(then, set()).add(first)
    changed = True
    while changed:
        changed = False
        for firsts in earlier.values():
            wider = set().union(*(earlier.get(f, set()) for f in firsts)) - firsts
            if wider:
                firsts |= wider
                changed = True
    return earlier


BEFORE = _before(MILESTONE_ORDER)


def _interval(row: "Observation") -> tuple[float, float]:
    """The values a row stands for: its value, widened by half its rounding (a fraction's: within 0..1)."""
    half = (row.rounded_to or 0.0) / 2
    value = float(row.value if row.value is not None else 0.0)
    top = 1.0 if row.quantity in FRACTIONS else math.inf
    return max(0.0, value - half), min(top, value + half)


def _show(value: float | None) -> str:
    return f"{value:g}"


def _claims(rows: list["Observation"]) -> list[Claim]:
    """Every row's claims about the dates milestones are reached."""
    claims: list[Claim] = []
    for i, row in enumerate(rows):
        if row.milestone is not None:
            claims.append(Claim(i, row.milestone, "on", row.date, f"{row.milestone} on {row.date}"))
            continue
        low, high = _interval(row)
        said = f"{row.quantity} {_show(row.value)} on {row.date}"
        completed, started = COMPLETED_BY.get(str(row.quantity)), STARTED_BY.get(str(row.quantity))
        if completed and low >= 1 - EPSILON:
            claims.append(Claim(i, completed, "by", row.date, said))
        if completed and high < 1 - EPSILON:
            claims.append(Claim(i, completed, "after", row.date, said))
        if started and low > EPSILON:
            claims.append(Claim(i, started, "by", row.date, said))
        if started and high <= EPSILON:
            claims.append(Claim(i, started, "after", row.date, said))
    return claims


def _clash(low: Claim, high: Claim) -> bool:
    """Whether ``low``'s lower bound on its milestone's date passes ``high``'s upper bound on its own, where
    ``low``'s milestone cannot come after ``high``'s (the same one, or one before it)."""
    if low.relation == "by" or high.relation == "after":
        return False  # no lower bound / no upper bound
    if low.milestone == high.milestone and low.relation == high.relation == "on":
        return False  # the same milestone dated twice: refused on its own ("already observed")
    return low.date >= high.date if low.relation == "after" else low.date > high.date


@dataclass(frozen=True)
class Contradiction:
    """Two rows that cannot both be true: ``second`` is the later of the two in the file, where it is reported."""

    first: int
    second: int
    message: str


def contradictions(rows: list["Observation"]) -> list[Contradiction]:
    """Every pair of rows that contradict each other (each pair once, the first reason found)."""
    found: dict[tuple[int, int], str] = {}

    def add(i: int, j: int, message: str) -> None:
        key = (min(i, j), max(i, j))
        found.setdefault(key, message)

    curves = [(i, row) for i, row in enumerate(rows) if row.quantity is not None and row.value is not None]
    for (i, a), (j, b) in itertools.combinations(curves, 2):
        if a.quantity != b.quantity:
            continue
        if a.date == b.date:
            add(i, j, f"a second {a.quantity} on {a.date}: {_show(b.value)} in observations[{j}] and "
                      f"{_show(a.value)} in observations[{i}]; a quantity has one value on a date")
            continue
        (early_i, early), (late_i, late) = sorted([(i, a), (j, b)], key=lambda pair: pair[1].date)
        if a.quantity in GROWING and _interval(late)[1] < _interval(early)[0] - EPSILON:
            what = "fraction" if a.quantity in FRACTIONS else "count"
            add(i, j, f"{late.quantity} falls from {_show(early.value)} on {early.date} (observations[{early_i}]) "
                      f"to {_show(late.value)} on {late.date} (observations[{late_i}]); a cumulative {what} "
                      "cannot fall")
    events = [(i, row) for i, row in enumerate(rows) if row.event is not None and isinstance(row.value, bool)]
    for (i, a), (j, b) in itertools.combinations(events, 2):
        if a.event != b.event or a.value == b.value:
            continue
        (yes_i, yes), (no_i, no) = sorted([(i, a), (j, b)], key=lambda pair: not pair[1].value)
        if yes.date <= no.date:
            add(i, j, f"event {a.event} had happened by {yes.date} (observations[{yes_i}]) but not by {no.date} "
                      f"(observations[{no_i}]); an event that has happened stays happened")
    claims = _claims(rows)
    for low, high in itertools.permutations(claims, 2):
        in_order = low.milestone == high.milestone or low.milestone in BEFORE.get(high.milestone, ())
        if low.row != high.row and in_order and _clash(low, high):
            order = "" if low.milestone == high.milestone else \
                f"; {low.milestone} cannot come after {high.milestone}"
            add(low.row, high.row, f"{low.words()}, but {high.words()}{order}")
    return [Contradiction(i, j, message) for (i, j), message in sorted(found.items())]


def contradiction_problems(rows: list["Observation"]) -> list[tuple[KeyPath, str, Any]]:
    """The contradictions the record does not explain, as (key path, message, value) of the later row.

    One explained has, on one of its two rows, a ``conflict:`` note and ``scored: false``.
    """
    problems: list[tuple[KeyPath, str, Any]] = []
    for c in contradictions(rows):
        if any(rows[k].conflict and not rows[k].scored for k in (c.first, c.second)):
            continue
        row = rows[c.second]
        key = "date" if row.milestone is not None else "value"  # a curve, count, state or event row
        problems.append((("observations", c.second, key), f"{c.message}. If the sources disagree, keep the row "
                                                          "that disagrees with 'conflict:' (why) and 'scored: "
                                                          "false'", getattr(row, key)))
    return problems


__all__ = ["MILESTONE_ORDER", "COMPLETED_BY", "STARTED_BY", "Contradiction", "contradictions",
           "contradiction_problems"]
