"""Observed records: what actually happened, as data, for backtests (``scenarios/observed/*.yaml``).

A record is a list of observations, each of one kind (:mod:`sim.history.record_rows`):

* a **milestone**: ``milestone`` (an id of :mod:`sim.core.contract`) and the ``date`` it was reached;
* a **curve point**: ``quantity`` (``removed_fraction`` or ``destroyed_fraction``, as in timeseries.parquet),
  its observed ``value`` (a fraction, 0-1) and the ``date`` it refers to;
* a **count** (``amendments``, ``attributed_uses``, ...: a whole number by the end of the date) or a **state**
  (``open_issues``: a whole number on the date);
* a **binary** row: an ``event`` (``agent_use_after_destruction``, ...) and whether it had happened by the
  date (``value: true``/``false``), or the 0/1 state ``judged_complete``.

A record may ``extends: other.yaml`` (a path relative to its file): the other record's rows come first, then
its own, and ids stay unique across both.

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

import math
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from sim.core.problems import KeyPath, Problem, ScenarioError, format_path, show_value
from sim.scenario.yaml_text import read_text as _read_text, parse_yaml
from sim.scenario.validation import problems_from_validation
from sim.history.consistency import contradiction_problems
from sim.history.record_rows import (KINDS, SCORED_QUANTITIES, UNSCORED_QUANTITIES, kind_of,
                                     row_problems, value_problem)
from sim.scenario.fields import FIRST_DATE, LAST_DATE, CalendarDate
from sim.scenario.schema import Identifier, Scenario, Strict

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
    """One observed fact: a milestone's date, a progress curve's value, a count or a state on a date, or whether
    an event had happened by a date."""

    id: Identifier = Field(description="Unique id of the row, e.g. removed_2014_03_20.")
    milestone: str | None = Field(None, description="Milestone id (a milestone row).")
    quantity: str | None = Field(None, description="A daily quantity of timeseries.parquet: a fraction (a curve "
                                                   "row), a cumulative count (a count row) or a state.")
    event: str | None = Field(None, description="An event id of sim.core.contract.EVENTS (a binary row).")
    date: CalendarDate = Field(description="Date the milestone was reached, or the date the value refers to "
                                           f"(from {FIRST_DATE} to {LAST_DATE}).")
    value: Any = Field(None, description="Observed fraction (0-1) of a curve row, whole number of a count or state "
                                         "row, true/false of a binary row; absent for a milestone row.")
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

    @field_validator("value")
    @classmethod
    def _value_of_its_kind(cls, value: Any, info: ValidationInfo) -> Any:
        """A number or true/false that fits the row's kind (told by the keys before it: milestone, quantity,
        event), checked here so that it is reported with the row's other problems."""
        if not (value is None or isinstance(value, bool)):
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"expected a number or true/false, got {show_value(value)}")
            value = float(value)
        keys = {key: info.data.get(key) for key in ("milestone", "quantity", "event")}
        if all(key in info.data for key in keys):
            message = value_problem(SimpleNamespace(**keys, value=value))
            if message:
                raise ValueError(message)
        return value

    @property
    def kind(self) -> str:
        """milestone, curve, count, state or binary (:func:`sim.history.record_rows.kind_of`)."""
        return kind_of(self)

    @property
    def target(self) -> str:
        """The milestone id, the quantity or the event id."""
        return str(self.milestone or self.quantity or self.event)

    @property
    def number(self) -> float:
        """The observed value as a number (true 1, false 0); NaN for a milestone row."""
        return math.nan if self.value is None else float(self.value)


class ObservedRecord(Strict):
    """A historical record to backtest a scenario against."""

    name: Identifier
    description: Text = Field(description="What the record covers and how it was compiled.")
    extends: Text | None = Field(None, description="A record whose rows come first (path relative to this file).")
    observations: list[Observation] = Field(min_length=1)

    _lines: dict[KeyPath, tuple[str, int | None]] = PrivateAttr(default_factory=dict)
    _label: str = PrivateAttr("")

    @model_validator(mode="after")
    def _check_rows(self) -> "ObservedRecord":
        problems = row_problems(self.observations) or contradiction_problems(self.observations)
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


# ----------------------------------------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------------------------------------


def load_observed(path: str | Path) -> ObservedRecord:
    """Read and validate an observed record; :class:`~sim.core.problems.ScenarioError` lists every problem."""
    label = str(path)
    data, lines = parse_yaml(_read_text(Path(path), label), label)
    return observed_from_data(data, lines, label, Path(path))


def observed_from_data(data: Any, lines: dict[KeyPath, tuple[str, int]], label: str,
                       path: Path | None = None) -> ObservedRecord:
    """Validate the parsed data of an observed record (``lines`` locate its keys, ``label`` names the file, whose
    ``path``, by default ``label``, is where an ``extends:`` is read from)."""
    if not isinstance(data, dict):
        raise ScenarioError([Problem(label, lines[()][1], "", f"top level must be a mapping with an 'observations' "
                                                               f"list, got {type(data).__name__}")])
    data, lines = with_bases(data, lines, label, Path(label) if path is None else path, ())
    try:
        record = ObservedRecord.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(problems_from_validation(exc, lines, label, ObservedRecord)) from None
    record._lines = lines
    record._label = label
    return record


def _is_row_key(key: KeyPath) -> bool:
    return len(key) >= 2 and key[0] == "observations" and isinstance(key[1], int)


def with_bases(data: dict[str, Any], lines: dict[KeyPath, tuple[str, int]], label: str, path: Path,
               chain: tuple[Path, ...]) -> tuple[dict[str, Any], dict[KeyPath, tuple[str, int]]]:
    """The record's data with the rows of the record it ``extends`` (and of that one's base...) put first, and
    the lines of every row in the file it comes from.  A missing base file, a base that is not a record and a
    cycle of ``extends`` are problems located at the ``extends`` key."""
    base_name = data.get("extends")
    if base_name is None:
        return data, lines
    file, line = lines.get(("extends",), (label, 0))

    def refuse(message: str) -> ScenarioError:
        return ScenarioError([Problem(file, line, "extends", message)])

    if not isinstance(base_name, str) or not base_name.strip():
        raise refuse(f"expected the file name of an observed record, got {show_value(base_name)}")
    base_path = path.parent / base_name
    here = path.resolve()
    if base_path.resolve() in (*chain, here):
        raise refuse(f"{base_name!r} extends, directly or through others, this record: a cycle of extends")
    if not base_path.is_file():
        raise refuse(f"no such file {str(base_path)!r} (extends is a path relative to {str(path)!r})")
    base_label = str(base_path)
    base_data, base_lines = parse_yaml(_read_text(base_path, base_label), base_label)
    if not is_observed_data(base_data) or not isinstance(base_data.get("observations"), list):
        raise refuse(f"{base_name!r} is not an observed record (a mapping with an 'observations' list)")
    base_data, base_lines = with_bases(base_data, base_lines, base_label, base_path, (*chain, here))
    rows = data.get("observations")
    if not isinstance(rows, list):
        return data, lines  # the schema says what is wrong with this file's rows
    shift = len(base_data["observations"])
    merged = {key: where for key, where in lines.items() if not _is_row_key(key)}
    merged.update({key: where for key, where in base_lines.items() if _is_row_key(key)})
    merged.update({("observations", key[1] + shift, *key[2:]): where for key, where in lines.items()
                   if _is_row_key(key)})
    return {**data, "observations": [*base_data["observations"], *rows]}, merged


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
    counts = {kind: sum(o.kind == kind for o in record.observations) for kind in KINDS}
    unscored = sum(not o.scored for o in record.observations)
    words = {"milestone": "milestones", "curve": "curve points", "count": "counts", "state": "states",
             "binary": "binary events"}
    shown = ", ".join(f"{n} {words[kind]}" for kind, n in counts.items() if n or kind in ("milestone", "curve"))
    return f"ok: {label} (observed record {record.name}, {shown}, {unscored} not scored)"


def observed_validation(path: str | Path) -> tuple[str | None, list[str]]:
    """For ``disarm validate``: an "ok" line, or the problems of an observed record as text lines."""
    try:
        record = load_observed(path)
    except ScenarioError as exc:
        return None, [str(p) for p in exc.problems]
    return observed_summary(str(path), record), []


__all__ = ["ObservedRecord", "Observation", "Source", "SCORED_QUANTITIES", "UNSCORED_QUANTITIES", "CONFIDENCE_LEVELS",
           "load_observed", "observed_from_data", "with_bases", "is_observed_data", "is_observed_record",
           "observed_summary", "observed_validation"]
