"""Sensitivity sweeps: many variants of one scenario, each replicated, and what they say.

A sweep file names a base scenario, the parameters to vary (dotted key paths into the scenario, the syntax
of ``--set``: ``convoys.escorts``, ``sites[2].road_days_to_port``), each with a range (``low``/``high``), a
list of ``values`` or a ``distribution``; a method (``grid``, ``oat`` one at a time around the base,
``lhs``, ``morris``, ``sobol``); the number of samples, the replications per point and a seed; the outcomes
of interest (a milestone day such as ``removal_complete_day``, any numeric column of runs.parquet such as
``hidden_tonnes``, or a deadline-met indicator such as ``deadline:removal_by_5_february``); and optional
scenario-discovery thresholds (``hidden_tonnes > 10``, ``removal_complete_day > 2014-06-30``).

A sweep file is validated like a scenario: every problem names the file, the line and the key path, and each
parameter is checked against the base scenario (the path exists, its values pass the scenario's own checks,
whole-number keys get whole numbers).

Common random numbers: replication *k* of **every** design point uses the seed
``sim.streams.replication_seed(sweep_seed, k)``, the seed of replication *k* of a plain run.  Differences
between points are then differences of the parameters, not of the luck of the draw, which makes one-at-a-time
effects, elementary effects and Sobol indices far less noisy for the same number of replications; and results
do not depend on the number of workers or the order in which points run.

Layout: this module holds the sweep-file schema, its loading and :func:`sweep`; designs are in
:mod:`sim.sweep_design`, execution in :mod:`sim.sweep_exec`, analyses in :mod:`sim.sweep_analysis` and
:mod:`sim.prim`, charts in :mod:`sim.sweep_plots`, the HTML report in :mod:`sim.sweep_report`.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from sim._callable import make_module_callable
from sim.distributions import Distribution
from sim.loading import (
    KeyPath,
    Problem,
    ScenarioError,
    _locate,
    _read_text,
    _Tree,
    apply_overrides,
    format_path,
    load_tree,
    parse_path,
    parse_yaml,
    problems_from_validation,
)
from sim.milestones import MILESTONE_IDS, MILESTONE_LABELS

if TYPE_CHECKING:  # pragma: no cover
    from sim.engines import Engine
    from sim.parts import PartStore
    from sim.scenario import Scenario
    from sim.sweep_design import Design, ParameterSpace
    from sim.sweep_results import SweepResults

METHODS: tuple[str, ...] = ("grid", "oat", "lhs", "morris", "sobol")
DEFAULT_SAMPLES: dict[str, int] = {"grid": 3, "oat": 2, "lhs": 32, "morris": 10, "sobol": 64}
"""What ``samples`` means and its default: grid and oat, levels per ranged parameter; lhs, points; morris,
trajectories (points = samples x (parameters + 1)); sobol, the base sample N, a power of 2 (points =
N x (parameters + 2), or N x (2 parameters + 2) with second_order)."""
MAX_POINTS = 1_000_000

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
    replications: int = Field(50, ge=1, le=1_000_000, description="Replications per design point.")
    seed: int = Field(0, ge=0, description="Seed of the design and of every point's replications.")
    outcomes: list[str] = Field(
        min_length=1, description="milestone days, runs.parquet columns, deadline:ID."
    )
    discovery: list[str] = Field(default_factory=list,
                                 description="Scenario-discovery thresholds, e.g. 'hidden_tonnes > 10'.")
    levels: int = Field(4, ge=2, le=100, description="Morris: levels of the grid the trajectories move on.")
    second_order: bool = Field(False, description="Sobol: also estimate second-order indices (S2).")
    prim: Prim = Prim()


# ----------------------------------------------------------------------------------------------------
# Outcomes and thresholds
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeSpec:
    """An outcome of interest: ``spec`` as written, ``name`` the column prefix in points.parquet."""

    spec: str
    kind: Literal["milestone", "column", "deadline"]
    name: str
    column: str  # the runs column the per-replication value comes from
    deadline_date: dt.date | None = None

    @property
    def label(self) -> str:
        if self.kind == "milestone":
            return f"{MILESTONE_LABELS.get(self.column.removesuffix('_day'), self.column)} (day)"
        if self.kind == "deadline":
            return f"P(deadline {self.name} met)"
        if "@" in self.name:
            quantity, _, date = self.name.partition("@")
            return f"{quantity.replace('_', ' ')} on {date}"
        return _COLUMN_LABELS.get(self.column, self.column.replace("_", " "))

    @property
    def unit(self) -> str:
        if self.kind == "deadline":
            return "share of runs"
        if "@" in self.column:
            return "share" if self.column.split("@")[0].endswith("_fraction") else "t"
        if self.kind == "milestone" or self.column.endswith("_day") or self.column.endswith("_days"):
            return "days"
        if self.column.endswith("_tonnes"):
            return "t"
        if self.column in ("detected",):
            return "share of runs"
        return "count" if self.column in ("convoys", "voyages", "access_denials", "amendments", "closures",
                                          "events") else ""

    @property
    def metric(self) -> str:
        """The points.parquet column the analyses use."""
        return f"{self.name}_p_met" if self.kind == "deadline" else f"{self.name}_mean"


_COLUMN_LABELS = {
    "hidden_tonnes": "hidden tonnes at the horizon",
    "dispersed_tonnes": "tonnes moved by the secret unit",
    "detected": "dispersal detected",
    "detection_day": "day dispersal is detected",
    "destroyed_tonnes": "tonnes destroyed by the horizon",
    "removed_tonnes": "tonnes removed by the horizon",
}

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, "<": lambda a, b: a < b,
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}
_THRESHOLD = re.compile(r"^\s*(\S+)\s*(>=|<=|==|!=|>|<)\s*(\S+)\s*$")
_WORDS = {">": "after", ">=": "on or after", "<": "before", "<=": "on or before", "==": "on", "!=": "not on"}


@dataclass(frozen=True)
class Threshold:
    """A scenario-discovery condition on one outcome, per replication: ``hidden_tonnes > 10``."""

    text: str
    outcome: OutcomeSpec
    op: str
    value: float
    date: dt.date | None = None

    def holds(self, values: Any, start_date: dt.date) -> Any:
        """Whether the condition holds, elementwise; NaN (not reached, not detected) counts as +infinity."""
        import numpy as np

        x = np.asarray(values, dtype=float)
        x = np.where(np.isnan(x), np.inf, x)
        if self.date is not None:  # compare calendar dates: day d falls on start + floor(d)
            x = np.floor(x)
            return _OPS[self.op](x, float((self.date - start_date).days))
        return _OPS[self.op](x, self.value)

    @property
    def words(self) -> str:
        """The condition in plain words: 'All chemicals removed after 2014-06-30'."""
        o = self.outcome
        if self.date is not None:
            label = MILESTONE_LABELS.get(o.column.removesuffix("_day"), o.column.replace("_", " "))
            return f"{label} {_WORDS[self.op]} {self.date.isoformat()}"
        if o.kind == "deadline" and self.op in ("==", "<", "<=") and self.value in (0, 0.5):
            return f"deadline {o.name} missed"
        if o.kind == "deadline" and self.op in ("==", ">", ">=") and self.value in (1, 0.5):
            return f"deadline {o.name} met"
        if o.column == "detected" and (self.op, self.value) in (("==", 0), ("<", 0.5), ("<=", 0), ("<", 1)):
            return "dispersal never detected"
        if o.column == "detected" and (self.op, self.value) in (("==", 1), (">", 0.5), (">=", 1), (">", 0)):
            return "dispersal detected"
        if "@" in o.name:
            return f"{o.label} {self.op} {_number(self.value)}"
        return f"{o.column.replace('_', ' ')} {self.op} {_number(self.value)}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def parse_outcome(text: str, base: "Scenario", row: dict[str, Any]) -> OutcomeSpec:
    """Resolve an outcome spec against the base scenario and a sample runs row; ValueError if unknown."""
    text = text.strip()
    if text.startswith("deadline:"):
        ident = text.split(":", 1)[1].strip()
        deadlines = {d.id: d for d in base.deadlines}
        if ident not in deadlines:
            raise ValueError(f"unknown deadline {ident!r}{_did_you_mean(ident, list(deadlines))}")
        d = deadlines[ident]
        return OutcomeSpec(text, "deadline", ident, f"{d.milestone}_day", d.date)
    if "@" in text:  # a curve point: a daily quantity's day-end value on a date
        return _curve_outcome(text, base)
    column = f"{text}_day" if text in MILESTONE_IDS else text
    if column.removesuffix("_day") in MILESTONE_IDS and column.endswith("_day"):
        return OutcomeSpec(text, "milestone", column, column)
    numeric = [k for k, v in row.items() if k not in ("seed", "replication") and
               (v is None or isinstance(v, (bool, int, float)))]
    if column not in numeric:
        choices = [f"{m}_day" for m in MILESTONE_IDS] + numeric
        raise ValueError(f"unknown outcome {text!r}{_did_you_mean(text, choices)}; expected a milestone day "
                         "(e.g. removal_complete_day), a numeric runs.parquet column (e.g. hidden_tonnes) or "
                         "deadline:ID")
    return OutcomeSpec(text, "column", column, column)


def _curve_outcome(text: str, base: "Scenario") -> OutcomeSpec:
    """``removed_fraction@2014-01-30``: the quantity (one of timeseries.parquet's) at the end of that date."""
    from sim.bands import SERIES

    quantity, _, when = text.partition("@")
    if quantity not in SERIES:
        raise ValueError(f"unknown daily quantity {quantity!r}{_did_you_mean(quantity, list(SERIES))}; expected "
                         f"QUANTITY@YYYY-MM-DD with QUANTITY one of {', '.join(SERIES)}")
    try:
        date = dt.date.fromisoformat(when)
    except ValueError:
        raise ValueError(f"{when!r} is not a calendar date (YYYY-MM-DD) in {text!r}") from None
    day = base.day_of(date)
    if not 0 <= day <= base.horizon_days:
        raise ValueError(f"{date.isoformat()} is outside the scenario ({base.start_date.isoformat()} to "
                         f"{base.date_of(base.horizon_days).isoformat()})")
    return OutcomeSpec(text, "column", f"{quantity}@{date.isoformat()}", f"{quantity}@{day}")


def probe_of(column: str) -> tuple[str, int] | None:
    """A curve-point column (``removed_fraction@138``) as (quantity, day); None for a runs.parquet column."""
    if "@" not in column:
        return None
    quantity, _, day = column.partition("@")
    return quantity, int(day)


def parse_threshold(text: str, base: "Scenario", row: dict[str, Any]) -> Threshold:
    """``'removal_complete_day > 2014-06-30'`` -> a :class:`Threshold`; ValueError if unreadable."""
    m = _THRESHOLD.match(text)
    if not m:
        raise ValueError(
            f"cannot read threshold {text!r}; expected OUTCOME OP VALUE, e.g. 'hidden_tonnes > 10' "
            "or 'removal_complete_day > 2014-06-30' (OP one of > >= < <= == !=)"
        )
    name, op, raw = m.groups()
    outcome = parse_outcome(name, base, row)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        if outcome.kind != "milestone":
            raise ValueError(f"a date compares only with a milestone day, not with {name!r}")
        try:
            date = dt.date.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not a calendar date (YYYY-MM-DD)") from None
        return Threshold(text.strip(), outcome, op, float((date - base.start_date).days), date)
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"expected a number or a date (YYYY-MM-DD) after {op!r}, got {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {raw!r}")
    return Threshold(text.strip(), outcome, op, value)


def _did_you_mean(word: str, choices: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ----------------------------------------------------------------------------------------------------
# A loaded sweep
# ----------------------------------------------------------------------------------------------------


@dataclass
class Sweep:
    """A validated sweep: its spec, the base scenario it varies, and the resolved parameters and outcomes."""

    spec: SweepSpec
    path: Path
    label: str
    name: str
    base_path: Path
    base: "Scenario"
    base_data: dict[str, Any]
    spaces: list["ParameterSpace"]
    outcomes: list[OutcomeSpec]
    thresholds: list[Threshold]
    samples: int
    replications: int
    seed: int
    lines: dict[KeyPath, tuple[str, int | None]] = field(default_factory=dict)

    def design(self) -> "Design":
        """The design points of this sweep (deterministic given the seed)."""
        from sim.sweep_design import make_design

        return make_design(self.spec.method, self.spaces, self.samples, self.seed, levels=self.spec.levels,
                           second_order=self.spec.second_order)

    def scenario_data(self, assignment: dict[str, Any]) -> dict[str, Any]:
        """The base scenario's data with ``{parameter name: value}`` set at each parameter's paths.

        The paths were checked against the base when the sweep was loaded (and each value range through the
        ``--set`` machinery), so values are set directly, copying only the containers on each path: the
        base data is shared, never changed, and a design of thousands of points builds in a second or two.
        """
        root = dict(self.base_data)
        for space in self.spaces:
            if space.name not in assignment:
                continue
            value = _plain(assignment[space.name])
            for text in space.paths:
                path = parse_path(text)
                node: Any = root
                for part in path[:-1]:
                    child = node[part]
                    node[part] = child = list(child) if isinstance(child, list) else dict(child)
                    node = child
                node[path[-1]] = value
        return root

    def point_scenarios(self, design: "Design") -> list["Scenario"]:
        """The validated scenario of every design point, in point order (repeated points built once)."""
        built: dict[tuple[tuple[str, str], ...], "Scenario"] = {}  # Morris designs repeat points
        scenarios = []
        for assignment in design.assignments():
            key = tuple((name, repr(value)) for name, value in sorted(assignment.items()))
            if key not in built:
                built[key] = self.point_scenario(assignment)
            scenarios.append(built[key])
        return scenarios

    def columns(self) -> tuple[str, ...]:
        """The runs columns every replication of every point reports: those of the outcomes and thresholds."""
        return tuple(sorted({o.column for o in self.outcomes} | {t.outcome.column for t in self.thresholds}))

    def identity(self) -> dict[str, Any]:
        """What the sweep's results depend on, for its part store (:mod:`sim.parts`)."""
        from sim.loading import scenario_to_yaml
        from sim.sweep_exec import sweep_identity

        return sweep_identity(scenario_to_yaml(self.base), self.design().values, self.columns(), self.seed,
                              self.replications)

    def point_scenario(self, assignment: dict[str, Any]) -> "Scenario":
        """The validated scenario of one design point; ScenarioError naming the point if it is refused."""
        from sim.scenario import Scenario

        try:
            return Scenario.model_validate(self.scenario_data(assignment))
        except ValidationError as exc:
            shown = ", ".join(f"{k}={_plain(v)}" for k, v in assignment.items())
            raise ScenarioError([Problem(self.label, self.lines.get(("parameters",), (self.label, None))[1],
                                         "parameters", f"the point {shown} is refused by the scenario: "
                                         f"{p.path}: {p.message}")
                                 for p in problems_from_validation(exc, {}, self.label, Scenario)]) from None


def _plain(value: Any) -> Any:
    """NumPy scalars to Python numbers (JSON, YAML and pydantic take those)."""
    return value.item() if hasattr(value, "item") else value


def _distribution(data: dict[str, Any]) -> Any:
    """A distribution mapping (as in a scenario's dumped data) as a distribution object."""
    return TypeAdapter(Distribution).validate_python(data)


def is_sweep_file(path: str | Path) -> bool:
    """Whether ``path`` looks like a sweep file: a mapping with ``base`` and ``method`` (or parameters)."""
    try:
        data, _ = parse_yaml(_read_text(Path(path), str(path)), str(path))
    except ScenarioError:
        return False
    return isinstance(data, dict) and "base" in data and ("method" in data or "parameters" in data)


def load_sweep(path: str | Path, overrides: list[str] | None = None, samples: int | None = None,
               replications: int | None = None, seed: int | None = None,
               discover: list[str] | None = None) -> Sweep:
    """Read and validate a sweep file; the keyword arguments override the file (command-line options).

    Raises :class:`ScenarioError` listing every problem with file, line and key path.
    """
    p = Path(path)
    label = str(path)
    data, lines = parse_yaml(_read_text(p, label), label)
    return build_sweep(data, lines, label, p.resolve().parent, overrides=overrides, samples=samples,
                       replications=replications, seed=seed, discover=discover, path=p)


def build_sweep(data: Any, lines: dict[KeyPath, tuple[str, int | None]], label: str, directory: Path,
                overrides: list[str] | None = None, samples: int | None = None, replications: int | None = None,
                seed: int | None = None, discover: list[str] | None = None, path: Path | None = None) -> Sweep:
    """A sweep from the data of a sweep file (``lines`` locate its keys, ``label`` names it in messages,
    ``base`` is relative to ``directory``): what :func:`load_sweep` and :mod:`sim.calibrate` build on."""
    from sim.scenario import Scenario
    from sim.sweep_design import SpaceError, resolve_space

    p = path if path is not None else directory / label
    if not isinstance(data, dict):
        message = f"top level must be a mapping of sweep keys, got {type(data).__name__}"
        raise ScenarioError([Problem(label, lines[()][1], "", message)])
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(problems_from_validation(exc, lines, label, SweepSpec)) from None

    def where(*key: str | int) -> tuple[str, int | None]:
        return _locate(tuple(key), lines, label)

    def problem(message: str, *key: str | int) -> Problem:
        return Problem(where(*key)[0], where(*key)[1], format_path(tuple(key)), message)

    # The base scenario, with --set overrides, validated.
    base_path = (directory / spec.base).resolve()
    if not base_path.is_file():
        raise ScenarioError([problem(f"cannot find the base scenario {spec.base!r} (looked for {base_path})",
                                     "base")])
    tree = load_tree(base_path, overrides)
    try:
        base = Scenario.model_validate(tree.data)
    except ValidationError as exc:
        raise ScenarioError(problems_from_validation(exc, tree.lines, str(base_path), Scenario)) from None
    base_data = base.model_dump(mode="json", by_alias=True)

    problems: list[Problem] = []
    names = [par.label for par in spec.parameters]
    spaces = []
    for i, par in enumerate(spec.parameters):
        if names.count(par.label) > 1:
            problems.append(problem(f"parameter name {par.label!r} is used twice; give each a distinct name",
                                    "parameters", i))
            continue
        try:
            spaces.append(resolve_space(par, base_data))
        except SpaceError as exc:
            problems.append(problem(str(exc), "parameters", i, *exc.key))
            continue
        problems += _check_values(
            spaces[-1], par, base_data, lambda msg, key, i=i: problem(msg, "parameters", i, *key)
        )
    # Outcomes and thresholds need one sample row of runs.parquet: one replication of the base.
    from sim.model import simulate

    row = simulate(base, 0).row
    outcomes: list[OutcomeSpec] = []
    for i, text in enumerate(spec.outcomes):
        try:
            outcome = parse_outcome(text, base, row)
        except ValueError as exc:
            problems.append(problem(str(exc), "outcomes", i))
            continue
        if any(o.name == outcome.name for o in outcomes):
            problems.append(problem(f"outcome {text!r} is listed twice", "outcomes", i))
            continue
        outcomes.append(outcome)
    thresholds: list[Threshold] = []
    for source, texts in (("discovery", spec.discovery), ("--discover", discover or [])):
        for i, text in enumerate(texts):
            try:
                thresholds.append(parse_threshold(text, base, row))
            except ValueError as exc:
                problems.append(problem(str(exc), "discovery", i) if source == "discovery"
                                else Problem(f"--discover {text}", None, "", str(exc)))

    method = spec.method
    n = samples if samples is not None else (spec.samples or DEFAULT_SAMPLES[method])
    source = ("--samples", None) if samples is not None else where("samples")
    if n < 1:
        problems.append(Problem(source[0], source[1], "samples", f"must be at least 1, got {n}"))
    elif method in ("grid", "oat") and n < 2 and any(s.kind != "bool" and s.values is None for s in spaces):
        problems.append(
            Problem(
                source[0],
                source[1],
                "samples",
                f"{method} needs at least 2 levels per ranged parameter, got {n}",
            )
        )
    elif method == "sobol" and n & (n - 1):
        problems.append(
            Problem(
                source[0],
                source[1],
                "samples",
                f"sobol needs a power of 2 (e.g. 32, 64, 128) for its convergence properties, got {n}",
            )
        )
    if method == "sobol" and len(spaces) < 2 and len(spaces) == len(spec.parameters):
        problems.append(problem("sobol needs at least 2 parameters", "parameters"))
    if method == "morris" and spec.levels % 2:
        problems.append(
            problem(f"morris needs an even number of levels (e.g. 4, 6), got {spec.levels}", "levels")
        )
    reps = replications if replications is not None else spec.replications
    if reps < 1:
        problems.append(Problem("--replications", None, "", f"must be at least 1, got {reps}"))
    if problems:
        raise ScenarioError(problems)

    sweep = Sweep(spec=spec, path=p, label=label, name=spec.name or p.stem, base_path=base_path, base=base,
                  base_data=base_data, spaces=spaces, outcomes=outcomes, thresholds=thresholds, samples=n,
                  replications=reps, seed=seed if seed is not None else spec.seed, lines=lines)
    points = sweep.design().size
    if points > MAX_POINTS:
        message = f"the design has {points:,} points; the limit is {MAX_POINTS:,}"
        raise ScenarioError([Problem(source[0], source[1], "samples", message)])
    return sweep


def _check_values(space: "ParameterSpace", par: Parameter, base_data: dict[str, Any],
                  problem: Callable[[str, tuple[Any, ...]], Problem]) -> list[Problem]:
    """Apply each extreme or listed value to a copy of the base and validate it with the scenario schema."""
    from sim.scenario import Scenario

    out: list[Problem] = []
    for key, value in space.candidates(par):
        data = copy.deepcopy(base_data)
        tree = _Tree(data, {})
        try:
            apply_overrides(tree, [f"{path}={json.dumps(_plain(value))}" for path in space.paths])
            Scenario.model_validate(tree.data)
        except ScenarioError as exc:
            out += [problem(f"{_plain(value)!r}: {p.message}", key) for p in exc.problems]
        except ValidationError as exc:
            for p in problems_from_validation(exc, {}, "", Scenario):
                out.append(problem(f"{space.name} = {_plain(value)!r} is refused by the scenario: {p.path}: "
                                   f"{p.message}", key))
            break  # one refused value is enough to show what is wrong
    return out


# ----------------------------------------------------------------------------------------------------
# The API
# ----------------------------------------------------------------------------------------------------


def sweep(spec: str | Path | Sweep, *, samples: int | None = None, replications: int | None = None,
          seed: int | None = None, workers: int | None = None, overrides: list[str] | None = None,
          discover: list[str] | None = None, chunk_size: int | None = None,
          on_progress: Callable[[int], None] | None = None, scheduler: str | None = None,
          engine: "Engine | None" = None, store: "PartStore | None" = None) -> "SweepResults":
    """Run a sweep: build its design, replicate every point, and analyse the results.

    >>> results = sim.sweep("scenarios/sweeps/levers_oat.yaml", replications=20, workers=2)  # doctest: +SKIP
    >>> results.points            # one row per design point
    >>> results.sensitivity["oat"]["removal_complete_day"]["effects"][0]

    Same seed, same results, whatever ``workers``, ``scheduler`` (a Dask cluster) or ``chunk_size``.  With
    ``store`` (a :class:`~sim.parts.PartStore` made with :meth:`Sweep.identity`), every finished task streams
    to a part file and an interrupted sweep can be resumed; save with the same store.
    """
    import time

    from sim.engines import make_engine
    from sim.runner import chunk_size_for
    from sim.sweep_analysis import analyse
    from sim.sweep_exec import execute, plan_tasks
    from sim.sweep_results import SweepResults

    sw = spec if isinstance(spec, Sweep) else load_sweep(spec, overrides=overrides, samples=samples,
                                                         replications=replications, seed=seed,
                                                         discover=discover)
    design = sw.design()
    scenarios = sw.point_scenarios(design)
    columns = sw.columns()
    own = engine is None
    engine = engine or make_engine(workers, scheduler)
    try:
        size = chunk_size or chunk_size_for(len(scenarios) * sw.replications, engine.slots, engine.kind)
        if store is not None:
            size = store.open(size, len(plan_tasks(len(scenarios), sw.replications, chunk_size=size)))
        tasks = plan_tasks(len(scenarios), sw.replications, chunk_size=size)
        started = time.perf_counter()
        runs = execute(scenarios, tasks, sw.seed, columns, on_progress=on_progress, engine=engine, store=store)
        wall_seconds = time.perf_counter() - started
    finally:
        if own:
            engine.close()
    points, sensitivity = analyse(sw, design, scenarios, runs)
    return SweepResults(sw, design, runs, points, sensitivity, wall_seconds)


make_module_callable(__name__, "sweep")  # sim.sweep(...) works even once this module is imported

__all__ = [
    "SweepSpec",
    "Parameter",
    "Sweep",
    "OutcomeSpec",
    "Threshold",
    "load_sweep",
    "build_sweep",
    "is_sweep_file",
    "sweep",
    "METHODS",
    "DEFAULT_SAMPLES",
]
