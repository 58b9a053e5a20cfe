"""The building blocks of the scenario format: strict blocks, the types of values, and units from key names."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field

from sim.scenario.distributions import NonNegativeDistribution, PlainValues

Days = NonNegativeDistribution
"""A duration or a day number in days: a non-negative distribution."""

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
PositiveTonnes = Annotated[float, Field(gt=0.0, le=1.0e7)]

SiteKind = Literal["storage", "production", "mixing_filling", "research"]
Route = Literal["sea", "commercial", "in_country"]
EQUIPMENT_SITE_KINDS: tuple[str, ...] = ("production", "mixing_filling")
MAX_HORIZON_DAYS = 36_500

FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2199, 12, 31)
"""Every date of a scenario, of an observed record or of a run (start + horizon) lies in FIRST_DATE..LAST_DATE.

Outside what the tool can compute and draw, a date used to validate and then crash after the whole
simulation: ``year 10000 is out of range`` past 9999-12-31, and Matplotlib's date axis (years 1-9999, axis margins
included) for 0001-01-02 or a deadline of 9999-12-31.  The tables use pandas' nanosecond timestamps
(1677-09-21 to 2262-04-11).  Three centuries around the present sit well inside all of these, with room for a
chart's margins and for a horizon of up to :data:`MAX_HORIZON_DAYS` days."""


def _in_date_range(value: dt.date) -> dt.date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"expected a date from {FIRST_DATE} to {LAST_DATE} (what the tool can compute and draw), "
                         f"got {value}")
    return value


CalendarDate = Annotated[dt.date, AfterValidator(_in_date_range)]
"""A calendar date (YYYY-MM-DD) from :data:`FIRST_DATE` to :data:`LAST_DATE`."""


UNIT_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_t_per_day", "tonnes per day"), ("_per_day", "per day"), ("_days", "days"), ("_day", "day number"),
    ("_tonnes", "tonnes"), ("_hours", "hours"), ("_probability", "probability"), ("_fraction", "fraction"),
    ("_share", "fraction"), ("_level", "level (0-1)"),
)


def unit_of(key: str) -> str:
    """The unit a key's name carries (the naming convention of the format), or "" if none."""
    for suffix, unit in UNIT_SUFFIXES:
        if key.endswith(suffix) or key == suffix[1:]:
            return unit
    return ""


class Strict(PlainValues):
    """Base of every block: immutable, unknown keys rejected, no NaN or infinity, no lax conversions (``true``
    is not a number, ``1`` is not true, a quoted ``"5"`` is text)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, validate_default=True)


__all__ = ["Strict", "Days", "Probability", "Identifier", "PositiveTonnes", "SiteKind", "Route",
           "EQUIPMENT_SITE_KINDS", "MAX_HORIZON_DAYS", "FIRST_DATE", "LAST_DATE", "CalendarDate", "UNIT_SUFFIXES",
           "unit_of"]
