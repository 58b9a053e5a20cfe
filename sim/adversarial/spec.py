"""The search file's schema (pydantic): the side, the base, the levers with their ranges (and, for the
verifier, their costs), the objectives, the constraints and the budget of evaluations."""

from __future__ import annotations

from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, model_validator

Scalar = Union[StrictBool, StrictInt, StrictFloat]
MAX_EVALUATIONS = 100_000
"""Most candidates a search may evaluate."""
MAX_REPLICATIONS = 100_000
"""Most replications per candidate (and per state strategy, for the verifier)."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Lever(_Strict):
    """One thing the side may choose: a key path into the scenario and the values it may take."""

    path: str = Field(min_length=1, description="Key path into the scenario (the syntax of --set).")
    name: str | None = Field(None, min_length=1, max_length=80, description="Name in tables [default: the path].")
    low: StrictInt | StrictFloat | None = Field(None, description="Lowest value of a range.")
    high: StrictInt | StrictFloat | None = Field(None, description="Highest value of a range.")
    step: StrictInt | StrictFloat | None = Field(None, gt=0, description="Step of a range [default: 1 for a "
                                                                         "whole-number key, none otherwise].")
    values: list[Scalar] | None = Field(None, min_length=1, description="The values to choose from.")
    cost_per_unit: StrictInt | StrictFloat | None = Field(
        None, description="The verifier's cost of one unit of the lever (blue side only; may be negative for a "
                          "lever whose larger values are cheaper, such as days between rounds).")

    @model_validator(mode="after")
    def _range_or_values(self) -> "Lever":
        ranged = self.low is not None or self.high is not None
        if ranged == (self.values is not None):
            raise ValueError("give exactly one of low/high (a range) or values (a list of choices)")
        if ranged and (self.low is None or self.high is None):
            raise ValueError("a range needs both low and high")
        if ranged and not self.low < self.high:
            raise ValueError(f"low must be below high, got low={self.low}, high={self.high}")
        if self.step is not None and not ranged:
            raise ValueError("step is for a range (low/high) only")
        if self.cost_per_unit is not None and self.values is not None and any(isinstance(v, bool)
                                                                               for v in self.values):
            raise ValueError("a cost per unit needs numbers, not true/false")
        return self

    @property
    def label(self) -> str:
        return self.name or self.path

    def sweep_parameter(self) -> dict[str, Any]:
        """The lever as a sweep parameter (:class:`sim.sweeps.spec.Parameter`), checked by the sweep loader."""
        out: dict[str, Any] = {"path": self.path, "name": self.label}
        if self.values is not None:
            out["values"] = list(self.values)
        else:
            out.update(low=self.low, high=self.high)
        return out


class Objective(_Strict):
    """A measure of the runs to maximise or minimise: ``mean(OUTCOME)`` or ``P(OUTCOME OP VALUE)``."""

    measure: str = Field(min_length=1, description="mean(hidden_tonnes@2016-01-01), P(detection_day <= "
                                                  "2014-12-31), ...")
    goal: Literal["maximize", "minimize"]


class Budget(_Strict):
    """How much the search may spend."""

    evaluations: int = Field(ge=1, le=MAX_EVALUATIONS, description="Candidates evaluated (asked of the "
                                                                   "optimiser), repeats included.")
    replications: int = Field(ge=1, le=MAX_REPLICATIONS, description="Replications per candidate (the same "
                                                                     "seeds for every candidate).")
    batch: int = Field(8, ge=1, le=1000, description="Candidates asked of the optimiser at once and run "
                                                     "together (fixed: results do not depend on the workers).")


class SearchSpec(_Strict):
    """A search file (``disarm redteam`` / ``disarm blueteam``)."""

    name: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$",
                             description="Name of the search [default: the file's stem].")
    question: str = Field(min_length=1, description="One sentence: what the search asks.")
    side: Literal["red", "blue"] = Field(description="red: the state's levers; blue: the verifier's, with costs.")
    base: str = Field(min_length=1, description="The base scenario, relative to the search file.")
    set: dict[str, Any] = Field(default_factory=dict, description="key.path: value changed in the base (and in "
                                                                  "every strategy) before the search, e.g. a "
                                                                  "shorter horizon_days.")
    levers: list[Lever] = Field(min_length=1)
    objectives: list[Objective] = Field(min_length=1, max_length=2)
    constraints: list[str] = Field(default_factory=list, description="MEASURE OP NUMBER, e.g. "
                                                                     "'P(detection_day <= 2014-12-31) <= 0.1'.")
    budget: Budget
    seed: int = Field(0, ge=0, description="Seed of the optimiser and of every candidate's replications.")
    strategies: list[str] = Field(default_factory=list, description="Blue: the state's strategies, scenario "
                                                                    "files relative to this file [default: the "
                                                                    "base alone].")
    robust: Literal["worst", "expected"] = Field("worst", description="Blue: the worst case over the strategies "
                                                                      "(min-max) or their mean.")
    cost_limit: StrictInt | StrictFloat | None = Field(None, gt=0, description="Blue: the most a regime may "
                                                                              "cost.")
    best: int = Field(3, ge=1, le=50, description="How many of the best strategies to write as scenario files.")


__all__ = ["SearchSpec", "Lever", "Objective", "Budget", "MAX_EVALUATIONS", "MAX_REPLICATIONS"]
