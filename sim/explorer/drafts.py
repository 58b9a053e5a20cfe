"""The Scenario page's logic, without the page: the levers the form shows (generated from the JSON Schema of
``disarm schema``), the child scenario a form describes (``extends:`` the one it started from), and its
validation with the very loader and wording of ``disarm validate`` (file, line and key).

Nothing here runs user code: a scenario is data, read by the safe YAML loader of
:mod:`sim.scenario.yaml_text`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from sim.core.problems import KeyPath, Problem, ScenarioError, format_path, parse_path
from sim.explorer.workspace import MAX_UPLOAD_BYTES, SCENARIOS, Workspace, WorkspaceError, check_name

LEVERS = (
    "convoys.escorts",
    "convoys.tonnes_per_convoy",
    "convoys.start_day",
    "inspectorate.teams",
    "inspectorate.arrival_day",
    "inspectorate.verification_days",
    "pressure.level",
    "pressure.delay_reduction_at_full_pressure",
    "compliance.enabled",
    "security.enabled",
)
"""The main levers the form offers (any other key is edited in the YAML editor)."""


@dataclass(frozen=True)
class Lever:
    """One field of the form, as the JSON Schema describes it."""

    path: str
    title: str
    description: str
    unit: str
    kind: str  # "integer", "number", "boolean" or "distribution" (a number or a distribution family)
    minimum: float | None = None
    maximum: float | None = None
    above_minimum: bool = False
    """The minimum is excluded (a value must be more than it)."""

    def bounds(self) -> str:
        """The bounds in words, e.g. "1 to 10000", "more than 0, at most 1e+07"."""
        if self.minimum is None and self.maximum is None:
            return ""
        low = f"more than {self.minimum:g}" if self.above_minimum else f"{self.minimum:g}"
        if self.maximum is None:
            return low if self.above_minimum else f"at least {low}"
        return f"{low}, at most {self.maximum:g}" if self.above_minimum else f"{low} to {self.maximum:g}"


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    return node


@lru_cache(maxsize=1)
def levers() -> tuple[Lever, ...]:
    """The form's fields, each from the JSON Schema of the scenario format (title, description, bounds) and
    the unit its key's name carries."""
    from sim.scenario.docgen import json_schema
    from sim.scenario.fields import unit_of

    schema = json_schema()
    found = []
    for path in LEVERS:
        block, key = path.split(".")
        parent = _resolve(schema, schema["properties"][block])
        node = parent["properties"][key]
        options = [o for o in node.get("anyOf", [node]) if o.get("type") != "null"]
        types = {o.get("type") for o in options}
        kind = (
            "distribution"
            if any("discriminator" in o or "oneOf" in o for o in options)
            else "boolean"
            if types == {"boolean"}
            else "integer"
            if types == {"integer"}
            else "number"
        )
        bounds = next((o for o in options if "minimum" in o or "maximum" in o or "exclusiveMinimum" in o), {})
        description = node.get("description") or parent.get("description", "")
        found.append(
            Lever(
                path,
                node.get("title", key),
                description,
                unit_of(key),
                kind,
                bounds.get("minimum", bounds.get("exclusiveMinimum")),
                bounds.get("maximum"),
                "exclusiveMinimum" in bounds,
            )
        )
    return tuple(found)


def value_at(data: Any, path: KeyPath) -> Any:
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return None
    return data


def show(value: Any) -> str:
    """A value as the form shows it: YAML in flow style on one line (``2``, ``{dist: triangular, ...}``)."""
    if value is None:
        return ""
    if isinstance(value, dict) and value.get("dist") == "fixed" and set(value) == {"dist", "value"}:
        value = value["value"]
    return (
        yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10_000)
        .strip()
        .removesuffix("\n...")
        .removesuffix("...")
        .strip()
    )


def base_values(scenario: Any) -> dict[str, str]:
    """The levers' values in a resolved scenario, as the form shows them."""
    from sim.scenario.loading import scenario_to_data

    data = scenario_to_data(scenario)
    return {lever.path: show(value_at(data, parse_path(lever.path))) for lever in levers()}


def read_data(text: str, fallback: Any = None) -> Any:
    """Text typed in the browser as plain data, by the loader every scenario goes through (its size, node and
    depth limits; no alias bombs); ``fallback`` if it is no YAML."""
    from sim.scenario.yaml_text import parse_yaml

    if len(text.encode("utf-8")) > MAX_UPLOAD_BYTES:
        return fallback
    try:
        return parse_yaml(text, "typed")[0]
    except ScenarioError:
        return fallback


def dump(data: Any) -> str:
    """Data as the YAML of a scenario file, keys in their order."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)


def child_text(base: str, name: str, changes: dict[str, str]) -> str:
    """The YAML of a scenario that extends ``base`` and changes the levers in ``changes`` (path: value as
    typed, read as YAML by the safe loader; text that is no YAML stays text, and validation names it)."""
    data: dict[str, Any] = {"extends": base, "name": name}
    for path, typed in changes.items():
        block, key = path.split(".")
        data.setdefault(block, {})[key] = read_data(typed, fallback=typed) if typed.strip() else None
    return dump(data)


def base_reference(workspace: Workspace, base: str) -> str:
    """What ``extends:`` says for a scenario of the picker: a workspace scenario by its file (beside the
    child), else a bundled one by name."""
    return f"{base}.yaml" if base in workspace.scenarios() else base


def scenario_file(workspace: Workspace, name: str) -> Path:
    """The file of a scenario of the picker: the workspace's, else the bundled one of that name."""
    from sim.data import bundled_scenarios

    if name in workspace.scenarios():
        return workspace.scenario_path(name)
    bundled = bundled_scenarios().get(name)
    if bundled is None:
        raise ScenarioError([Problem(name, None, "", "no such scenario in the workspace or bundled")])
    return bundled


def choices(workspace: Workspace) -> list[str]:
    from sim.data import bundled_scenarios

    return sorted(set(bundled_scenarios()) | set(workspace.scenarios()))


def load_named(workspace: Workspace, name: str) -> Any:
    from sim.scenario.loading import load_scenario

    return load_scenario(scenario_file(workspace, name))


def extends_outside(workspace: Workspace, data: Any, lines: dict, label: str, depth: int = 0) -> Problem | None:
    """The problem of an ``extends:`` chain that would read a file outside the workspace (an absolute path,
    ``..``, a symbolic link out), checked before anything of it is read; None if it stays inside (or names a
    bundled scenario).  Whatever else is wrong with the chain, the loader says."""
    from sim.scenario.loading import MAX_EXTENDS_DEPTH
    from sim.scenario.yaml_text import parse_yaml, read_text

    reference = data.get("extends") if isinstance(data, dict) else None
    if not isinstance(reference, str) or not reference or depth > MAX_EXTENDS_DEPTH:
        return None
    line = lines.get(("extends",), (label, None))[1]
    try:
        if reference.startswith(("/", "~")) or Path(reference).is_absolute():  # the loader would read it as is
            raise WorkspaceError(reference)
        beside = workspace.resolve(f"{SCENARIOS}/{reference}")
    except WorkspaceError:
        return Problem(label, line, "extends", f"{reference!r}: the explorer reads only the scenarios of its "
                                               "workspace (beside this one) and the bundled ones (by name)")
    if not beside.is_file():
        return None  # a bundled scenario by name, or a file the loader will not find (it says so)
    parent_label = workspace.relative(beside)
    try:
        parent, parent_lines = parse_yaml(read_text(beside, parent_label), parent_label)
    except ScenarioError:
        return None
    return extends_outside(workspace, parent, parent_lines, parent_label, depth + 1)


def validate_text(workspace: Workspace, text: str, name: str) -> tuple[Any, list[Problem]]:
    """Validate a scenario's text as if it were ``scenarios/NAME.yaml`` of the workspace: (scenario or None,
    problems), the problems worded as ``disarm validate`` words them for that file."""
    from sim.core.files import write_text
    from sim.scenario.loading import load_tree, validate_tree
    from sim.scenario.yaml_text import parse_yaml

    label = f"{SCENARIOS}/{name}.yaml"
    if len(text.encode("utf-8")) > MAX_UPLOAD_BYTES:
        return None, [Problem(label, None, "", f"a scenario is at most {MAX_UPLOAD_BYTES:,} bytes")]
    draft = workspace.root / SCENARIOS / f".draft-{uuid.uuid4().hex}.yaml"  # beside what it may extend
    try:
        data, lines = parse_yaml(text, label)
        outside = extends_outside(workspace, data, lines, label)
        if outside is not None:
            return None, [outside]
        write_text(draft, text)
        tree = load_tree(draft, parsed=(text, data, lines))
        return validate_tree(tree, label), []
    except ScenarioError as exc:
        return None, [
            Problem(label if p.file == str(draft) else p.file, p.line, p.path, p.message)
            for p in exc.problems
        ]
    finally:
        draft.unlink(missing_ok=True)


def save_text(workspace: Workspace, text: str, name: str) -> tuple[Path | None, list[Problem]]:
    """Save a valid scenario as ``scenarios/NAME.yaml`` (atomically); its problems otherwise, nothing written.
    """
    check_name(name)
    scenario, problems = validate_text(workspace, text, name)
    if problems:
        return None, problems
    return workspace.save_scenario(name, text), []


def problems_by_lever(problems: list[Problem]) -> tuple[dict[str, list[str]], list[str]]:
    """The problems beside each lever (by key path), and the others (shown under the editor)."""
    paths = {lever.path for lever in levers()}
    beside: dict[str, list[str]] = {}
    others = []
    for problem in problems:
        key = next((p for p in paths if problem.path == p or problem.path.startswith(p + ".")), None)
        if key:
            beside.setdefault(key, []).append(str(problem))
        else:
            others.append(str(problem))
    return beside, others


__all__ = [
    "Lever",
    "LEVERS",
    "levers",
    "read_data",
    "dump",
    "base_values",
    "child_text",
    "base_reference",
    "scenario_file",
    "choices",
    "load_named",
    "validate_text",
    "save_text",
    "problems_by_lever",
    "show",
    "format_path",
]
