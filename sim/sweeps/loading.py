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
``sim.core.streams.replication_seed(sweep_seed, k)``, the seed of replication *k* of a plain run.  Differences
between points are then differences of the parameters, not of the luck of the draw, which makes one-at-a-time
effects, elementary effects and Sobol indices far less noisy for the same number of replications; and results
do not depend on the number of workers or the order in which points run.

Layout: the sweep-file schema is :mod:`sim.sweeps.spec`, outcomes and thresholds :mod:`sim.sweeps.outcomes`,
loading this module, designs :mod:`sim.sweeps.design`, the analyses :mod:`sim.sweeps.analysis` and
:mod:`sim.sweeps.prim`, and :func:`sim.sweeps.api.sweep` runs a sweep on the one replication engine
(:mod:`sim.execution.replicate`); its charts, report and folder are in :mod:`sim.charts.sweep`,
:mod:`sim.report.sweep` and :mod:`sim.output.sweep_folder`.  Loading a sweep never simulates: outcome names
are checked against the model's declared columns (:data:`sim.core.contract.RUN_COLUMNS`).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from pydantic import ValidationError

from sim.core.files import InputFileError
from sim.core.problems import KeyPath, Problem, ScenarioError, format_path, parse_path
from sim.scenario.loading import Tree, apply_overrides, inherited_noted, load_tree, referenced_file_problem
from sim.scenario.merge import resolve_item_ids
from sim.scenario.validation import locate, problems_from_validation
from sim.scenario.yaml_text import input_file_problem, parse_yaml, read_text, resolve_input
from sim.sweeps.outcomes import OutcomeSpec, Threshold, parse_outcome, parse_threshold
from sim.sweeps.spec import DEFAULT_SAMPLES, MAX_POINTS, MAX_REPLICATIONS, Parameter, SweepSpec

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario.schema import Scenario
    from sim.sweeps.design import Design, ParameterSpace

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
        from sim.sweeps.design import make_design

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
                path = resolve_item_ids(self.base_data, parse_path(text))
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
        """What the sweep's results depend on, for its part store (:mod:`sim.execution.parts`): the base
        scenario, every point's values, the outcome columns kept, the seed, the replications and the code."""
        from sim.execution.parts import job_identity, text_hash
        from sim.scenario.loading import scenario_to_yaml

        values = self.design().values
        return job_identity("sweep", self.seed, self.replications, base=text_hash(scenario_to_yaml(self.base)),
                            design=text_hash(json.dumps(values, default=repr)), points=len(values),
                            columns=list(self.columns()))

    def point_scenario(self, assignment: dict[str, Any]) -> "Scenario":
        """The validated scenario of one design point; ScenarioError naming the point if it is refused."""
        from sim.scenario.schema import Scenario

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


def is_sweep_file(path: str | Path) -> bool:
    """Whether ``path`` looks like a sweep file: a mapping with ``base`` and ``method`` (or parameters)."""
    try:
        data, _ = parse_yaml(read_text(Path(path), str(path)), str(path))
    except ScenarioError:
        return False
    return is_sweep_data(data)


def is_sweep_data(data: Any) -> bool:
    """Whether parsed data looks like a sweep file: a mapping with ``base`` and ``method`` (or parameters)."""
    return isinstance(data, dict) and "base" in data and ("method" in data or "parameters" in data)


def load_sweep(path: str | Path, overrides: list[str] | None = None, samples: int | None = None,
               replications: int | None = None, seed: int | None = None,
               discover: list[str] | None = None) -> Sweep:
    """Read and validate a sweep file; the keyword arguments override the file (command-line options).

    Raises :class:`ScenarioError` listing every problem with file, line and key path.
    """
    data, lines, label, directory = read_spec_file(path)
    return build_sweep(data, lines, label, directory, overrides=overrides, samples=samples,
                       replications=replications, seed=seed, discover=discover, path=Path(path))


def read_spec_file(path: str | Path) -> tuple[Any, Any, str, Path]:
    """A sweep or search file read and parsed: (data, its lines, its label, the folder its relative paths start
    from); :class:`ScenarioError` naming the file if it cannot be read or parsed."""
    p = Path(path)
    label = str(path)
    try:
        directory = resolve_input(p).parent
    except InputFileError as exc:
        raise ScenarioError([input_file_problem(exc, label)]) from None
    data, lines = parse_yaml(read_text(p, label), label)
    return data, lines, label, directory


def build_sweep(data: Any, lines: dict[KeyPath, tuple[str, int | None]], label: str, directory: Path,
                overrides: list[str] | None = None, samples: int | None = None, replications: int | None = None,
                seed: int | None = None, discover: list[str] | None = None, path: Path | None = None) -> Sweep:
    """A sweep from the data of a sweep file (``lines`` locate its keys, ``label`` names it in messages,
    ``base`` is relative to ``directory``): what :func:`load_sweep` and :mod:`sim.history.calibrate` build on."""
    from sim.scenario.schema import Scenario
    from sim.sweeps.design import SpaceError, design_size, resolve_space

    p = path if path is not None else directory / label
    if not isinstance(data, dict):
        message = f"top level must be a mapping of sweep keys, got {type(data).__name__}"
        raise ScenarioError([Problem(label, lines[()][1], "", message)])
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(problems_from_validation(exc, lines, label, SweepSpec)) from None

    def where(*key: str | int) -> tuple[str, int | None]:
        return locate(tuple(key), lines, label)

    def problem(message: str, *key: str | int) -> Problem:
        return Problem(where(*key)[0], where(*key)[1], format_path(tuple(key)), message)

    # The base scenario, with --set overrides, validated.
    try:
        base_path = resolve_input(directory / spec.base)
    except InputFileError as exc:
        raise ScenarioError([problem(referenced_file_problem(exc, spec.base, directory / spec.base,
                                                             "the base scenario "), "base")]) from None
    tree = load_tree(base_path, overrides)
    try:
        base = Scenario.model_validate(tree.data)
    except ValidationError as exc:
        raise ScenarioError(inherited_noted(problems_from_validation(exc, tree.lines, str(base_path), Scenario),
                                            tree)) from None
    base_data = base.model_dump(mode="json", by_alias=True)

    problems: list[Problem] = []
    names = [par.label for par in spec.parameters]
    spaces = []
    swept: dict[KeyPath, str] = {}  # every swept value (its resolved key path) and the path that first named it
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
        # one value, one parameter: sites[S03].x and sites[2].x may name the same value
        for text in spaces[-1].paths:
            resolved = resolve_item_ids(base_data, parse_path(text))
            if resolved in swept:
                problems.append(problem(f"{text} is the value {swept[resolved]} already sweeps; a value can be "
                                        "swept by one parameter only", "parameters", i))
            swept.setdefault(resolved, text)
        problems += _check_values(
            spaces[-1], par, base_data, lambda msg, key, i=i: problem(msg, "parameters", i, *key)
        )
    # Outcomes and thresholds are checked against the model's declared columns: nothing is simulated.
    outcomes: list[OutcomeSpec] = []
    for i, text in enumerate(spec.outcomes):
        try:
            outcome = parse_outcome(text, base)
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
                thresholds.append(parse_threshold(text, base))
            except ValueError as exc:
                problems.append(problem(str(exc), "discovery", i) if source == "discovery"
                                else Problem(f"--discover {text}", None, "", str(exc)))

    method = spec.method
    n = samples if samples is not None else (spec.samples or DEFAULT_SAMPLES[method])
    source = ("--samples", None) if samples is not None else where("samples")
    if n < 1:
        problems.append(Problem(source[0], source[1], "samples", f"must be at least 1, got {n}"))
    elif n > MAX_POINTS:  # the file's samples are held to this by the schema; --samples is held here
        problems.append(Problem(source[0], source[1], "samples", f"must be at most {MAX_POINTS:,}, got {n:,}"))
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
    elif reps > MAX_REPLICATIONS:
        problems.append(Problem("--replications", None, "", f"must be at most {MAX_REPLICATIONS:,} (as in a sweep "
                                                            f"file), got {reps:,}"))
    if problems:
        raise ScenarioError(problems)

    points = design_size(method, spaces, n, spec.second_order)  # before the design is made: nothing allocated
    if points > MAX_POINTS:
        message = f"the design has {points:,} points; the limit is {MAX_POINTS:,}"
        raise ScenarioError([Problem(source[0], source[1], "samples", message)])
    return Sweep(spec=spec, path=p, label=label, name=spec.name or p.stem, base_path=base_path, base=base,
                 base_data=base_data, spaces=spaces, outcomes=outcomes, thresholds=thresholds, samples=n,
                 replications=reps, seed=seed if seed is not None else spec.seed, lines=lines)


def _check_values(space: "ParameterSpace", par: Parameter, base_data: dict[str, Any],
                  problem: Callable[[str, tuple[Any, ...]], Problem]) -> list[Problem]:
    """Apply each extreme or listed value to a copy of the base and validate it with the scenario schema."""
    from sim.scenario.schema import Scenario

    out: list[Problem] = []
    for key, value in space.candidates(par):
        data = copy.deepcopy(base_data)
        tree = Tree(data, {})
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


__all__ = ["Sweep", "load_sweep", "build_sweep", "is_sweep_file", "is_sweep_data", "read_spec_file"]
