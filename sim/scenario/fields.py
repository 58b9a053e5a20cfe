"""The building blocks of the scenario format: strict blocks, the types of values, and units from key names."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

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
           "EQUIPMENT_SITE_KINDS", "MAX_HORIZON_DAYS", "UNIT_SUFFIXES", "unit_of"]
