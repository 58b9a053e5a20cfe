"""Loading a search file: its schema, its base scenario and state strategies, its levers (checked as sweep
parameters are: the path exists, the values pass the scenario's checks, whole-number keys get whole numbers),
its objectives and constraints.  Every problem names the file, the line and the key path; nothing is simulated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sim.adversarial.measures import Constraint, Measure, needed_columns, parse_constraint, parse_measure
from sim.adversarial.spec import SearchSpec
from sim.core.problems import KeyPath, Problem, ScenarioError, format_path
from sim.scenario.validation import locate, problems_from_validation
from sim.sweeps.loading import Sweep, build_sweep, read_spec_file

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario.schema import Scenario
    from sim.sweeps.design import ParameterSpace

Lines = dict[KeyPath, tuple[str, int | None]]


@dataclass
class Arm:
    """One state strategy the levers are applied to: its name and the sweep machinery over its scenario."""

    name: str
    path: Path
    sweep: Sweep


@dataclass
class Search:
    """A validated search."""

    spec: SearchSpec
    path: Path
    label: str
    name: str
    base_path: Path
    base: "Scenario"
    arms: list[Arm]
    base_sweep: Sweep
    objectives: list[Measure]
    goals: list[str]
    constraints: list[Constraint]
    overrides: list[str]
    seed: int
    evaluations: int
    replications: int
    batch: int
    lines: Lines = field(default_factory=dict)

    @property
    def side(self) -> str:
        return self.spec.side

    @property
    def spaces(self) -> list["ParameterSpace"]:
        return self.arms[0].sweep.spaces

    @property
    def measures(self) -> list[Measure]:
        """Every measure the search reads, objectives first, each once."""
        out: list[Measure] = []
        for m in [*self.objectives, *(c.measure for c in self.constraints)]:
            if all(o.text != m.text for o in out):
                out.append(m)
        return out

    def columns(self) -> tuple[str, ...]:
        return needed_columns(self.measures)

    def cost(self, assignment: dict[str, Any]) -> float:
        """The verifier's cost of a regime: the sum of cost per unit x value over the levers (0 for the state)."""
        return float(sum((lever.cost_per_unit or 0) * float(assignment[lever.label]) for lever in self.spec.levers))

    def base_assignment(self) -> dict[str, Any]:
        """The levers' values in the base scenario (numbers: a distribution's mean)."""
        return {s.name: (s.base if isinstance(s.base, (bool, int, float)) else s.base_numeric)
                for s in self.base_sweep.spaces}

    def identity(self) -> dict[str, Any]:
        """What the search's results depend on, for its part store."""
        from sim.execution.parts import job_identity, text_hash
        from sim.scenario.loading import scenario_to_yaml

        return job_identity("search", self.seed, self.replications,
                            search=text_hash(json.dumps(self.spec.model_dump(mode="json"), sort_keys=True)),
                            scenarios=[text_hash(scenario_to_yaml(arm.sweep.base)) for arm in self.arms],
                            evaluations=self.evaluations, batch=self.batch, overrides=list(self.overrides))


def load_search(path: str | Path, overrides: list[str] | None = None, seed: int | None = None,
                evaluations: int | None = None, replications: int | None = None) -> Search:
    """Load and check a search file; keyword arguments override the file (command-line options).

    Raises :class:`ScenarioError` listing every problem with file, line and key path."""
    data, lines, label, directory = read_spec_file(path)
    return build_search(data, lines, label, directory, Path(path), overrides=overrides, seed=seed,
                        evaluations=evaluations, replications=replications)


def is_search_data(data: Any) -> bool:
    """Whether parsed data looks like a search file: a mapping with ``side`` and ``levers``."""
    return isinstance(data, dict) and "side" in data and "levers" in data


def build_search(data: Any, lines: Lines, label: str, directory: Path, p: Path, overrides: list[str] | None = None,
                 seed: int | None = None, evaluations: int | None = None,
                 replications: int | None = None) -> Search:
    """A search from the data of a search file (``lines`` locate its keys, ``label`` names it in messages, paths
    are relative to ``directory``): what :func:`load_search` and ``disarm validate`` build on."""
    if not isinstance(data, dict):
        raise ScenarioError([Problem(label, lines[()][1], "", f"top level must be a mapping of search keys, got "
                                                              f"{type(data).__name__}")])
    try:
        spec = SearchSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(problems_from_validation(exc, lines, label, SearchSpec)) from None

    def problem(message: str, *key: str | int) -> Problem:
        file, line = locate(tuple(key), lines, label)
        return Problem(file, line, format_path(tuple(key)), message)

    problems = _side_problems(spec, problem)
    if problems:
        raise ScenarioError(problems)
    sets = [f"{key}={json.dumps(value)}" for key, value in spec.set.items()] + list(overrides or [])
    sources = [("base", spec.base)] + [(("strategies", k), s) for k, s in enumerate(spec.strategies)]
    arms: list[Arm] = []
    for key, source in sources:
        try:
            arms.append(_arm(spec, source, key, lines, label, directory, sets))
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    reference = arms[0].sweep.base
    objectives: list[Measure] = []
    for i, objective in enumerate(spec.objectives):
        try:
            objectives.append(parse_measure(objective.measure, reference))
        except ValueError as exc:
            problems.append(problem(str(exc), "objectives", i, "measure"))
    constraints: list[Constraint] = []
    for i, text in enumerate(spec.constraints):
        try:
            constraints.append(parse_constraint(text, reference))
        except ValueError as exc:
            problems.append(problem(str(exc), "constraints", i))
    if problems:
        raise ScenarioError(problems)
    states = arms[1:] if spec.strategies else arms  # blue: the levers apply to each state strategy
    return Search(spec=spec, path=p, label=label, name=spec.name or p.stem, base_path=arms[0].path, base=reference,
                  arms=states, base_sweep=arms[0].sweep, objectives=objectives, goals=[o.goal for o in spec.objectives],
                  constraints=constraints, overrides=sets, seed=spec.seed if seed is None else seed,
                  evaluations=evaluations or spec.budget.evaluations,
                  replications=replications or spec.budget.replications, batch=spec.budget.batch, lines=lines)


def _side_problems(spec: SearchSpec, problem: Any) -> list[Problem]:
    """Keys that belong to the other side, or that the verifier's side needs."""
    out: list[Problem] = []
    if spec.side == "red":
        for key in ("strategies", "cost_limit"):
            if key in spec.model_fields_set:
                out.append(problem(f"{key} is for side: blue only", key))
        out += [problem("cost_per_unit is for side: blue only (the state's levers cost nothing here)", "levers", i,
                        "cost_per_unit") for i, lever in enumerate(spec.levers) if lever.cost_per_unit is not None]
    else:
        if spec.cost_limit is None:
            out.append(problem("a blue search needs a cost_limit (the most a regime may cost)", "side"))
        out += [problem("a blue search needs a cost_per_unit on every lever", "levers", i)
                for i, lever in enumerate(spec.levers) if lever.cost_per_unit is None]
    names = [lever.label for lever in spec.levers]
    out += [problem(f"lever name {name!r} is used twice; give each a distinct name", "levers", i)
            for i, name in enumerate(names) if names.index(name) != i]
    return out


def _arm(spec: SearchSpec, source: str, key: Any, lines: Lines, label: str, directory: Path,
         sets: list[str]) -> Arm:
    """The levers over one scenario, checked by the sweep loader; its problems renamed to this file's keys."""
    data = {"base": source, "method": "lhs", "samples": 1, "outcomes": ["events"],
            "parameters": [lever.sweep_parameter() for lever in spec.levers]}
    where = key if isinstance(key, tuple) else (key,)
    mapped: Lines = {(): lines.get((), (label, None)), ("base",): locate(where, lines, label)}
    for path, place in lines.items():
        if path[:1] == ("levers",):
            mapped[("parameters",) + path[1:]] = place
    try:
        sweep = build_sweep(data, mapped, label, directory, overrides=sets, seed=spec.seed)
    except ScenarioError as exc:
        raise ScenarioError([_renamed(p, format_path(where)) for p in exc.problems]) from None
    name = Path(source).stem
    return Arm(name, sweep.base_path, sweep)


def _renamed(problem: Problem, base_key: str) -> Problem:
    """A sweep loader's problem in this file's words: parameters -> levers, base -> the strategy's key."""
    path = problem.path
    if path.startswith("parameters"):
        path = "levers" + path.removeprefix("parameters")
    elif path == "base":
        path = base_key
    message = problem.message.replace("parameters[", "levers[")
    if base_key != "base":
        message = message.replace("the base scenario", "the state strategy")
    return Problem(problem.file, problem.line, path, message)


__all__ = ["Search", "Arm", "load_search", "build_search", "is_search_data"]
