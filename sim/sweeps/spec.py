"""The sweep file's schema (pydantic): parameters with their ranges, the method, samples, outcomes, discovery."""

from __future__ import annotations

import math
from typing import Any, Literal, Union

from pydantic import (BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, ValidationError,
                      field_validator, model_validator)
from pydantic_core import InitErrorDetails, PydanticCustomError

from sim.core.problems import parse_path, show_value
from sim.scenario.distributions import Distribution

METHODS: tuple[str, ...] = ("grid", "oat", "lhs", "morris", "sobol")
DEFAULT_SAMPLES: dict[str, int] = {"grid": 3, "oat": 2, "lhs": 32, "morris": 10, "sobol": 64}
"""What ``samples`` means and its default: grid and oat, levels per ranged parameter; lhs, points; morris,
trajectories (points = samples x (parameters + 1)); sobol, the base sample N, a power of 2 (points =
N x (parameters + 2), or N x (2 parameters + 2) with second_order)."""
MAX_POINTS = 1_000_000
"""Most design points a sweep may have, and the largest ``samples`` (in the file or from ``--samples``)."""
MAX_REPLICATIONS = 1_000_000
"""Most replications per design point (in the file or from ``--replications``)."""

Scalar = Union[StrictBool, StrictInt, StrictFloat]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Parameter(_Strict):
    """One swept parameter: where it is in the scenario and which values it takes."""

    path: Union[str, list[str]] = Field(
        description="Dotted key path into the scenario (e.g. convoys.escorts, sites[2].road_days_to_port), "
                    "or a list of paths that all take the same value (e.g. one closure rate for every "
                    "region)."
    )
    name: str | None = Field(None, min_length=1, max_length=80,
                             description="Name in tables and charts [default: the path].")
    low: StrictInt | StrictFloat | None = Field(None, description="Lowest value of a range.")
    high: StrictInt | StrictFloat | None = Field(None, description="Highest value of a range.")
    values: list[Scalar] | None = Field(
        None, min_length=1, description="The values to take (numbers or true/false)."
    )
    distribution: Distribution | None = Field(
        None, description="An uncertain value: designs sample it through its quantiles.")

    @field_validator("low", "high", mode="before")
    @classmethod
    def _one_number(cls, value: Any) -> Any:
        """A bound is one finite number: one clear problem, instead of one per member of the int | float union
        (``high.int: expected a whole number``, ``high.float: expected a finite number``)."""
        return _plain_number(value, "a number")

    @field_validator("values", mode="before")
    @classmethod
    def _plain_values(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        errors = []
        for i, item in enumerate(value):
            try:
                _plain_number(item, "a number or true/false", booleans=True)
            except PydanticCustomError as exc:
                errors.append(InitErrorDetails(type=exc, loc=(i,), input=item))
        if errors:
            raise ValidationError.from_exception_data("values", errors)
        return value

    @field_validator("path")
    @classmethod
    def _paths_parse(cls, value: str | list[str]) -> str | list[str]:
        paths = [value] if isinstance(value, str) else value
        if not paths:
            raise ValueError("give at least one key path")
        for text in paths:
            parse_path(text)  # ValueError with a readable message
        if len(set(paths)) != len(paths):
            raise ValueError("the same key path is listed twice")
        return value

    @property
    def paths(self) -> list[str]:
        return [self.path] if isinstance(self.path, str) else list(self.path)

    @property
    def label(self) -> str:
        return self.name or (
            self.paths[0] if len(self.paths) == 1 else f"{self.paths[0]} (and {len(self.paths) - 1} more)"
        )

    @model_validator(mode="after")
    def _one_kind_of_values(self) -> "Parameter":
        given = [k for k in ("range", "values", "distribution")
                 if (k == "range" and (self.low is not None or self.high is not None)) or
                 (k != "range" and getattr(self, k) is not None)]
        if len(given) != 1:
            raise ValueError("give exactly one of low/high (a range), values, or distribution"
                             + (f"; got {' and '.join(given)}" if given else ""))
        if given == ["range"]:
            if self.low is None or self.high is None:
                raise ValueError("a range needs both low and high")
            if not self.low < self.high:
                raise ValueError(f"low must be below high, got low={self.low}, high={self.high}")
        return self


def _plain_number(value: Any, what: str, booleans: bool = False) -> Any:
    """``value`` if it is a finite number (or true/false with ``booleans``); one PydanticCustomError if not."""
    if value is None or (isinstance(value, bool) and booleans):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("sweep_value", f"expected {what}, got {show_value(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("sweep_value", f"expected a finite {what.removeprefix('a ')}, got "
                                                 f"{show_value(value)}")
    return value


class Prim(_Strict):
    """Options of PRIM, the scenario-discovery box search."""

    alpha: float = Field(0.05, gt=0, lt=0.5, description="Share of the cases peeled off at each step.")
    min_support: float = Field(
        0.05, gt=0, lt=1, description="Stop peeling when the box holds this share of cases."
    )
    paste: bool = Field(True, description="Try to enlarge the chosen box again after peeling.")
    significance: float = Field(
        0.05, gt=0, le=1, description="Drop a restriction whose quasi-p-value is above this."
    )


class SweepSpec(_Strict):
    """A sweep file."""

    name: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$",
                             description="Name of the sweep [default: the file's stem].")
    question: str | None = Field(None, min_length=1, description="One sentence: what the sweep asks.")
    base: str = Field(min_length=1, description="The base scenario file, relative to the sweep file.")
    method: Literal["grid", "oat", "lhs", "morris", "sobol"]
    parameters: list[Parameter] = Field(min_length=1)
    samples: int | None = Field(
        None, ge=1, le=MAX_POINTS, description="See DEFAULT_SAMPLES; method-dependent."
    )
    replications: int = Field(50, ge=1, le=MAX_REPLICATIONS, description="Replications per design point.")
    seed: int = Field(0, ge=0, description="Seed of the design and of every point's replications.")
    outcomes: list[str] = Field(
        min_length=1, description="milestone days, runs.parquet columns, deadline:ID."
    )
    discovery: list[str] = Field(default_factory=list,
                                 description="Scenario-discovery thresholds, e.g. 'hidden_tonnes > 10'.")
    levels: int = Field(4, ge=2, le=100, description="Morris: levels of the grid the trajectories move on.")
    second_order: bool = Field(False, description="Sobol: also estimate second-order indices (S2).")
    prim: Prim = Prim()


__all__ = ["SweepSpec", "Parameter", "Prim", "METHODS", "DEFAULT_SAMPLES", "MAX_POINTS", "MAX_REPLICATIONS"]
