"""Observed records: what actually happened, as data, for backtests (``scenarios/observed/*.yaml``).

A record is a list of observations, each one of two kinds:

* a **milestone**: ``milestone`` (an id of :mod:`sim.core.contract`) and the ``date`` it was reached;
* a **curve point**: ``quantity`` (``removed_fraction`` or ``destroyed_fraction``, as in timeseries.parquet),
  its observed ``value`` (a fraction, 0-1) and the ``date`` it refers to.

Every observation carries a ``confidence`` (high, medium or low) with a ``confidence_note`` saying why, and at
least one source (title and http(s) address of a public page).  A quantity the model does not simulate (such
as ``removed_or_destroyed_in_country_fraction``, which OPCW statements often gave) may be recorded with
``scored: false``: it is kept and shown, never scored.

Rows that contradict each other (two values of one quantity on one date, a cumulative fraction that falls,
milestones out of their order, "50% removed" after "all removed") are refused (:mod:`sim.history.consistency`),
unless the row that disagrees says why with ``conflict:`` and is not scored (``scored: false``).

Records are loaded like scenarios (:mod:`sim.scenario.loading`): plain YAML, the same schema rules (frozen pydantic
v2 models, unknown keys rejected), and every problem located by file, line and key path::

    scenarios/observed/x.yaml:41: observations[3].value: input should be less than or equal to 1, got 49.3
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from sim.core.problems import KeyPath, Problem, ScenarioError, format_path
from sim.scenario.yaml_text import read_text as _read_text, parse_yaml
from sim.scenario.validation import problems_from_validation
from sim.core.contract import MILESTONE_IDS
from sim.history.consistency import contradiction_problems
from sim.scenario.fields import FIRST_DATE, LAST_DATE, CalendarDate
from sim.scenario.schema import Identifier, Scenario, Strict

SCORED_QUANTITIES: tuple[str, ...] = ("removed_fraction", "destroyed_fraction")
"""Curve quantities the model simulates (timeseries.parquet) and a backtest scores."""
UNSCORED_QUANTITIES: tuple[str, ...] = ("removed_or_destroyed_in_country_fraction",)
"""Quantities public statements gave that the model does not simulate: recorded, never scored."""
CONFIDENCE_LEVELS: tuple[str, ...] = ("high", "medium", "low")

Text = Annotated[str, Field(min_length=1)]


class Source(Strict):
    """A public page that states the observation."""

    title: Text = Field(description="Title of the page as published ('Publisher, date: subject' if it has none).")
    url: Text = Field(description="Its address (http or https).")

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or any(c.isspace() for c in value) or len(value) < 12:
            raise ValueError(f"expected an http(s) address, got {value!r}")
        return value


class Observation(Strict):
    """One observed fact: a milestone's date, or a progress curve's value on a date."""

    id: Identifier = Field(description="Unique id of the row, e.g. removed_2014_03_20.")
    milestone: str | None = Field(None, description="Milestone id (a milestone row).")
    quantity: Literal["removed_fraction", "destroyed_fraction", "removed_or_destroyed_in_country_fraction"] | None = (
        Field(None, description="Progress quantity (a curve row), as in timeseries.parquet."))
    date: CalendarDate = Field(description="Date the milestone was reached, or the date the value refers to "
                                           f"(from {FIRST_DATE} to {LAST_DATE}).")
    value: Annotated[float, Field(ge=0.0, le=1.0)] | None = Field(
        None, description="Observed fraction (0-1) of a curve row; absent for a milestone row.")
    rounded_to: Annotated[float, Field(gt=0.0, le=0.1)] | None = Field(
        None, description="A curve row's rounding in its source: 0.01 for a whole percentage, so that 92% covers "
                          "0.915-0.925 (scored like a milestone's whole date).")
    confidence: Literal["high", "medium", "low"]
    confidence_note: Text = Field(description="Why that confidence: kind of source, precision of date and value.")
    sources: list[Source] = Field(min_length=1, description="At least one public source.")
    note: str = Field("", description="Caveats: definitions, rounding, how the date was read.")
    scored: bool = Field(True, description="Whether a backtest scores the row (false: shown only).")
    conflict: Text | None = Field(None, description="Why the row is kept although it contradicts another (its "
                                                    "sources disagree); such a row has scored: false.")

    @property
    def kind(self) -> str:
        return "milestone" if self.milestone is not None else "curve"

    @property
    def target(self) -> str:
        """The milestone id or the quantity."""
        return self.milestone if self.milestone is not None else str(self.quantity)


class ObservedRecord(Strict):
    """A historical record to backtest a scenario against."""

    name: Identifier
    description: Text = Field(description="What the record covers and how it was compiled.")
    observations: list[Observation] = Field(min_length=1)

    _lines: dict[KeyPath, tuple[str, int | None]] = PrivateAttr(default_factory=dict)
    _label: str = PrivateAttr("")

    @model_validator(mode="after")
    def _check_rows(self) -> "ObservedRecord":
        problems = _row_problems(self.observations) or contradiction_problems(self.observations)
        if problems:
            raise ValidationError.from_exception_data("ObservedRecord", [
                InitErrorDetails(type=PydanticCustomError("observation", message), loc=loc, input=value)
                for loc, message, value in problems])
        return self

    @property
    def scored(self) -> list[Observation]:
        return [o for o in self.observations if o.scored]

    def problem(self, loc: KeyPath, message: str) -> Problem:
        """A problem located in this record's file (for checks made against a scenario)."""
        for n in range(len(loc), -1, -1):
            if loc[:n] in self._lines:
                where, line = self._lines[loc[:n]]
                break
        else:
            where, line = self._label, None
        return Problem(where, line, format_path(loc), message)

    def check_against(self, scenario: Scenario) -> list[Problem]:
        """Observations a scenario cannot be scored on: dated before its start or after its horizon, or a
        milestone not in its plan (of a stage done before day 0)."""
        end = scenario.date_of(scenario.horizon_days)
        in_plan = scenario.plan_milestones()
        out = []
        for i, obs in enumerate(self.observations):
            if obs.scored and not scenario.start_date <= obs.date <= end:
                out.append(self.problem(("observations", i, "date"),
                                        f"{obs.date} is outside scenario {scenario.name!r}, which runs from "
                                        f"{scenario.start_date} to {end} (its horizon)"))
            elif obs.scored and obs.kind == "milestone" and obs.milestone not in in_plan:
                out.append(self.problem(("observations", i, "milestone"),
                                        f"milestone {obs.milestone!r} is not in the plan of scenario "
                                        f"{scenario.name!r}: its stage was done before day 0 (plan.begins_with: "
                                        f"{scenario.plan.begins_with}); give the row scored: false"))
        return out


def _row_problems(rows: list[Observation]) -> list[tuple[KeyPath, str, Any]]:
    problems: list[tuple[KeyPath, str, Any]] = []
    first_id: dict[str, int] = {}
    first_milestone: dict[str, int] = {}
    for i, row in enumerate(rows):
        loc: KeyPath = ("observations", i)
        if row.id in first_id:
            problems.append(((*loc, "id"), f"duplicate id {row.id!r} (first in observations[{first_id[row.id]}])",
                             row.id))
        first_id.setdefault(row.id, i)
        if row.milestone is None and row.quantity is None:
            problems.append((loc, "a row needs 'milestone' (a dated milestone) or 'quantity' (a fraction on a "
                                  "date)", row.id))
            continue
        if row.milestone is not None and row.quantity is not None:
            problems.append(((*loc, "quantity"), "give 'milestone' or 'quantity', not both", row.quantity))
            continue
        if row.milestone is not None:
            if row.milestone not in MILESTONE_IDS:
                close = difflib.get_close_matches(row.milestone, MILESTONE_IDS, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(MILESTONE_IDS)}"
                problems.append(((*loc, "milestone"), f"unknown milestone {row.milestone!r}{hint}", row.milestone))
            elif row.milestone in first_milestone:
                problems.append(((*loc, "milestone"), f"milestone {row.milestone!r} already observed in "
                                                      f"observations[{first_milestone[row.milestone]}]",
                                 row.milestone))
            first_milestone.setdefault(row.milestone, i)
            if row.value is not None:
                problems.append(((*loc, "value"), "a milestone row has no value: its date is the observation",
                                 row.value))
            if row.rounded_to is not None:
                problems.append(((*loc, "rounded_to"), "only a curve row (a value) is rounded", row.rounded_to))
        else:
            if row.value is None:
                problems.append(((*loc, "value"), f"required for a {row.quantity} row: the observed fraction (0-1)",
                                 None))
            if row.quantity in UNSCORED_QUANTITIES and row.scored:
                problems.append(((*loc, "scored"), f"{row.quantity} is not simulated, so it cannot be scored; "
                                                   "set scored: false", row.scored))
    return problems


# ----------------------------------------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------------------------------------


def load_observed(path: str | Path) -> ObservedRecord:
    """Read and validate an observed record; :class:`~sim.core.problems.ScenarioError` lists every problem."""
    label = str(path)
    data, lines = parse_yaml(_read_text(Path(path), label), label)
    return observed_from_data(data, lines, label)


def observed_from_data(data: Any, lines: dict[KeyPath, tuple[str, int]], label: str) -> ObservedRecord:
    """Validate the parsed data of an observed record (``lines`` locate its keys, ``label`` names the file)."""
    if not isinstance(data, dict):
        raise ScenarioError([Problem(label, lines[()][1], "", f"top level must be a mapping with an 'observations' "
                                                               f"list, got {type(data).__name__}")])
    try:
        record = ObservedRecord.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(problems_from_validation(exc, lines, label, ObservedRecord)) from None
    record._lines = lines
    record._label = label
    return record


def is_observed_data(data: Any) -> bool:
    """Whether parsed data looks like an observed record (a mapping with an ``observations`` key)."""
    return isinstance(data, dict) and "observations" in data


def is_observed_record(path: str | Path) -> bool:
    """Whether a file looks like an observed record (a mapping with an ``observations`` key).

    Never raises: a file that cannot be read or parsed is not recognised here, and the scenario loader then
    reports what is wrong with it.
    """
    try:
        data, _ = parse_yaml(_read_text(Path(path), str(path)), str(path))
    except (ScenarioError, OSError):
        return False
    return is_observed_data(data)


def observed_summary(label: str, record: ObservedRecord) -> str:
    """``disarm validate``'s line for a valid record."""
    milestones = sum(o.kind == "milestone" for o in record.observations)
    curve = len(record.observations) - milestones
    unscored = sum(not o.scored for o in record.observations)
    return (f"ok: {label} (observed record {record.name}, {milestones} milestones, {curve} curve points, "
            f"{unscored} not scored)")


def observed_validation(path: str | Path) -> tuple[str | None, list[str]]:
    """For ``disarm validate``: an "ok" line, or the problems of an observed record as text lines."""
    try:
        record = load_observed(path)
    except ScenarioError as exc:
        return None, [str(p) for p in exc.problems]
    return observed_summary(str(path), record), []
