"""Loading scenario files: ``extends:`` inheritance, a file's ``set:`` block, ``--set`` overrides, validation.

Every problem names the file, the line (where known) and the key path (:mod:`sim.core.problems`); all
problems of a file are reported together in one :class:`~sim.core.problems.ScenarioError`.  Reading the text
itself safely is :mod:`sim.scenario.yaml_text`; turning pydantic's errors into problems is
:mod:`sim.scenario.validation`.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.core.files import InputFileError
from sim.core.problems import KeyPath, Problem, ScenarioError, format_path, parse_path, show_value
from sim.scenario.merge import deep_merge, key_paths, merge_data, resolve_item_ids
from sim.scenario.validation import problems_from_validation
from sim.scenario.yaml_text import SafeDumper, input_file_problem, parse_yaml, read_text, resolve_input

MAX_EXTENDS_DEPTH = 8
"""Longest ``extends:`` chain."""


@dataclass(frozen=True)
class SourceText:
    """One file as it was read when the scenario was loaded: its label, its text and the line of each key."""

    label: str
    text: str
    lines: dict[KeyPath, tuple[str, int]]


@dataclass
class Tree:
    """A file's data after ``extends`` and overrides, with the (file, line) of every key path, and the text of
    every file of its ``extends`` chain as it was read (``sources``, the file first, then its parents): what
    the source comments of the assumptions table come from, so that no file is read twice."""

    data: dict[str, Any]
    lines: dict[KeyPath, tuple[str, int]]
    sources: list[SourceText] = field(default_factory=list)


def _load_tree(path: Path, label: str, chain: tuple[Path, ...],
               origin: tuple[str, int | None] | None = None, parsed: "Parsed | None" = None) -> Tree:
    """Read ``path`` and its ``extends`` chain; ``origin`` is where the first ``extends`` of the chain is;
    ``parsed`` is the file's text, data and lines if the caller has read it already."""
    text, data, lines = parsed if parsed is not None else _read_and_parse(path, label)
    source = SourceText(label, text, dict(lines))
    if not isinstance(data, dict):
        raise ScenarioError([Problem(label, lines[()][1], "", f"top level must be a mapping of keys, "
                                                               f"got {type(data).__name__}")])
    parent_ref = data.pop("extends", None)
    sets = data.pop("set", None)
    if parent_ref is None:
        tree = Tree(data, lines, [source])
        _apply_sets(tree, sets, lines, label)
        return tree
    line = lines.get(("extends",), (label, None))[1]
    if not isinstance(parent_ref, str) or not parent_ref:
        raise ScenarioError([Problem(label, line, "extends", f"expected a file path, got {show_value(parent_ref)}")])
    try:
        parent = resolve_input(path.parent / parent_ref)
    except InputFileError as exc:
        missing = exc.reason.startswith("no such file")
        bundled = bundled_scenario(parent_ref) if missing else None
        if bundled is None:
            raise ScenarioError([Problem(label, line, "extends", referenced_file_problem(
                exc, parent_ref, path.parent / parent_ref) + (_bundled_hint(parent_ref) if missing else ""))]) \
                from None
        parent = bundled
    parent_label = user_label(parent)
    origin = origin or (label, line)
    if parent in chain:
        cycle = " -> ".join(user_label(p) for p in (*chain, parent))
        raise ScenarioError([Problem(origin[0], origin[1], "extends", f"extends cycle: {cycle}")])
    if len(chain) >= MAX_EXTENDS_DEPTH:
        files = " -> ".join(user_label(p) for p in (*chain, parent))
        raise ScenarioError([Problem(origin[0], origin[1], "extends", f"extends chain longer than "
                                                                      f"{MAX_EXTENDS_DEPTH} files: {files}")])
    base = _load_tree(parent, parent_label, (*chain, parent), origin)
    merged_lines: dict[KeyPath, tuple[str, int]] = {}
    merged = merge_data(base.data, data, (), (), (), base.lines, lines, merged_lines)
    merged_lines[()] = lines[()]
    tree = Tree(merged, merged_lines, [source, *base.sources])
    _apply_sets(tree, sets, lines, label)
    return tree


Parsed = tuple[str, Any, dict[KeyPath, tuple[str, int]]]
"""A file's text, its parsed data and the line of each key path (:func:`~sim.scenario.yaml_text.parse_yaml`)."""


def _read_and_parse(path: Path, label: str) -> Parsed:
    text = read_text(path, label)
    return (text, *parse_yaml(text, label))


def bundled_scenario(name: str) -> Path | None:
    """The scenario shipped with the package that ``extends: NAME`` names (``syria_2013`` or
    ``syria_2013.yaml``), when no file of that name is beside the extending file; None if there is none.
    A file beside it always wins: the bundled name is only the fallback that lets a user's own folder extend
    the baseline without copying it."""
    from sim.data import bundled_scenarios

    if "/" in name or "\\" in name:
        return None
    return bundled_scenarios().get(name[: -len(".yaml")] if name.endswith(".yaml") else name)


def _bundled_hint(name: str) -> str:
    from sim.data import bundled_scenarios

    names = ", ".join(sorted(bundled_scenarios()))
    return f"; the scenarios shipped with disarm-sim are named without a path: {names}" if names else ""


def referenced_file_problem(exc: InputFileError, reference: str, looked_for: Path,
                            what: str = "") -> str:
    """Why a file named inside another (``extends:``, a sweep's ``base:``) cannot be read, in words.

    ``what`` names it ("the base scenario "); a missing file says where it was looked for, a file that exists
    but is no regular file says what it is (never "cannot find" for a file that is there)."""
    shown = f"{what}{show_value(reference)}"
    if exc.reason.startswith("no such file"):
        return f"cannot find {shown} (looked for {user_label(looked_for)})"
    if exc.mode is not None and stat.S_ISDIR(exc.mode):
        return f"{shown} is a directory, not a scenario file"
    if exc.mode is not None:
        return f"{shown} {exc.reason}; inputs are read from regular files only"
    return f"cannot use {shown} as a file path: {exc.reason}"


def _apply_sets(tree: Tree, sets: Any, lines: dict[KeyPath, tuple[str, int | None]], label: str) -> None:
    """A file's ``set:`` block: ``key.path: value`` pairs applied, in order, after the merge with its parent.

    ``extends`` replaces lists whole; ``set`` changes one item of one (``facilities[5].available_day: 480``)
    with the syntax of ``--set``, so a child scenario (a calibrated one, say) can change a single value deep in
    a list without copying the list.  Problems are located at the ``set`` key's own line.
    """
    if sets is None:
        return
    if not isinstance(sets, dict):
        raise ScenarioError([Problem(label, lines.get(("set",), (label, None))[1], "set",
                                     f"expected a mapping of key.path: value, got {show_value(sets)}")])
    problems: list[Problem] = []
    for key, value in sets.items():
        line = lines.get(("set", key), (label, None))[1]
        try:
            if not isinstance(key, str):
                raise ValueError(f"expected a key path such as convoys.escorts, got {show_value(key)}")
            path = resolve_item_ids(tree.data, parse_path(key))
            _set_value(tree.data, path, value)
        except ValueError as exc:
            problems.append(Problem(label, line, f"set.{key}", str(exc)))
            continue
        for stale in [p for p in tree.lines if p[: len(path)] == path]:
            del tree.lines[stale]
        for p in key_paths(value, path):
            tree.lines[p] = (label, line)
        _locate_created(tree, path, (label, line))
        parent = _get(tree.data, path[:-1])
        if isinstance(parent, dict) and "dist" in parent:  # a distribution's check names the whole mapping
            tree.lines[path[:-1]] = (label, line)
    if problems:
        raise ScenarioError(problems)


def _locate_created(tree: Tree, path: KeyPath, where: tuple[str, int | None]) -> None:
    """Locate at ``where`` (the override) the mappings an override created on its way to ``path``.

    ``--set a.b=1`` creates the mapping ``a``; a problem with ``a`` (an unknown key) must name the override,
    not the line of the scenario file's top level that a lookup of the nearest located parent would find.
    A parent the file itself wrote keeps its own line.
    """
    for n in range(1, len(path)):
        tree.lines.setdefault(path[:n], where)  # type: ignore[arg-type]


def _get(data: Any, path: KeyPath) -> Any:
    for part in path:
        data = data[part]
    return data


def _set_value(data: Any, path: KeyPath, value: Any) -> None:
    """Put ``value`` at ``path`` inside ``data`` (mappings are created on the way; list items must exist)."""
    target = data
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(part, int):
            if not isinstance(target, list):
                raise ValueError(f"{format_path(path[:depth])} is not a list")
            if part >= len(target):
                raise ValueError(f"{format_path(path[: depth + 1])}: index out of range (it has {len(target)} "
                                 "items)")
        elif not isinstance(target, dict):
            raise ValueError(f"{format_path(path[:depth])} is not a mapping")
        if last:
            target[part] = value
        else:
            if isinstance(target, dict) and part not in target:
                target[part] = [] if isinstance(path[depth + 1], int) else {}
            target = target[part]


def user_label(path: Path) -> str:
    """A path as the user would recognise it: relative to the current folder when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def apply_overrides(tree: Tree, overrides: list[str]) -> None:
    """Apply ``key.path=value`` overrides in order (values are YAML); lists are addressed by index."""
    problems = []
    for text in overrides:
        label = f"--set {text}" if text.isprintable() else f"--set {text!r}"
        key, sep, raw = text.partition("=")
        if not sep:
            problems.append(Problem(label, None, "", "expected KEY.PATH=VALUE"))
            continue
        try:
            path = resolve_item_ids(tree.data, parse_path(key.strip()))
            value, _ = parse_yaml(raw, label) if raw.strip() else (None, {})
        except ValueError as exc:
            problems.append(Problem(label, None, "", str(exc)))
            continue
        except ScenarioError as exc:
            problems += exc.problems
            continue
        target: Any = tree.data
        for depth, part in enumerate(path[:-1]):
            nxt = path[depth + 1]
            if isinstance(part, int):
                if not isinstance(target, list) or part >= len(target):
                    problems.append(_bad_index(label, path[: depth + 1], target))
                    break
                target = target[part]
            else:
                if not isinstance(target, dict):
                    problems.append(Problem(label, None, format_path(path[:depth]), "is not a mapping"))
                    break
                if part not in target:
                    target[part] = [] if isinstance(nxt, int) else {}
                target = target[part]
        else:
            last = path[-1]
            if isinstance(last, int):
                if not isinstance(target, list) or last >= len(target):
                    problems.append(_bad_index(label, path, target))
                    continue
                target[last] = value
            elif isinstance(target, dict):
                target[last] = value
            else:
                problems.append(Problem(label, None, format_path(path[:-1]), "is not a mapping"))
                continue
            for stale in [p for p in tree.lines if p[: len(path)] == path]:  # what the value replaced
                del tree.lines[stale]
            for p in key_paths(value, path):
                tree.lines[p] = (label, None)  # type: ignore[assignment]
            _locate_created(tree, path, (label, None))  # type: ignore[arg-type]
    if problems:
        raise ScenarioError(problems)


def _bad_index(label: str, path: KeyPath, target: Any) -> Problem:
    size = f"it has {len(target)} items" if isinstance(target, list) else "it is not a list"
    return Problem(label, None, format_path(path), f"index out of range ({size})")


def load_tree(path: str | Path, overrides: list[str] | None = None, parsed: Parsed | None = None) -> Tree:
    """Read a scenario file with its ``extends`` chain and overrides, without validating it.  ``parsed``: the
    file's text, data and lines, if the caller has read it already (``disarm validate`` reads each file once to
    tell a scenario from a sweep or a record); its data is consumed."""
    label = str(path)
    try:
        resolved = resolve_input(Path(path))
    except InputFileError as exc:
        raise ScenarioError([input_file_problem(exc, label)]) from None
    tree = _load_tree(resolved, label, (resolved,), parsed=parsed)
    if overrides:
        apply_overrides(tree, list(overrides))
    return tree


def load_scenario(path: str | Path, overrides: list[str] | None = None):  # -> Scenario
    """Load, merge, override and validate a scenario file.

    Raises :class:`ScenarioError` listing every problem (file, line, key path, message).
    """
    return validate_tree(load_tree(path, overrides), str(path))


def validate_tree(tree: Tree, label: str):  # -> Scenario
    """The scenario a loaded tree describes; :class:`ScenarioError` locates every problem (``label`` names the
    file where a problem has no line of its own)."""
    from sim.scenario.schema import Scenario

    try:
        return Scenario.model_validate(tree.data)
    except ValidationError as exc:
        problems = problems_from_validation(exc, tree.lines, label, Scenario)
        raise ScenarioError(inherited_noted(problems, tree)) from None


def inherited_noted(problems: list[Problem], tree: Tree) -> list[Problem]:
    """Problems located in a file the scenario extends name the scenario too: a parent's item may be wrong only
    because of the child (it removed a site the parent's lots are stored at), and the user edits the child."""
    if len(tree.sources) < 2:
        return problems
    top = tree.sources[0].label
    parents = {source.label for source in tree.sources[1:]}
    return [Problem(p.file, p.line, p.path, f"{p.message} (in {p.file}, which {top} extends)")
            if p.file in parents else p for p in problems]


def scenario_to_data(scenario: BaseModel) -> dict[str, Any]:
    """A scenario as plain data for YAML: fixed distributions as bare numbers, dates as text."""

    def simplify(value: Any) -> Any:
        if isinstance(value, dict):
            if value.get("dist") == "fixed" and set(value) == {"dist", "value"}:
                return value["value"]
            return {k: simplify(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [simplify(v) for v in value]
        return value

    return simplify(scenario.model_dump(mode="json", by_alias=True))


def scenario_to_yaml(scenario: BaseModel) -> str:
    """The resolved scenario as YAML text that loads back to an equal scenario."""
    return yaml.dump(scenario_to_data(scenario), Dumper=SafeDumper, sort_keys=False, allow_unicode=True, width=110)


__all__ = ["Tree", "SourceText", "load_tree", "load_scenario", "validate_tree", "referenced_file_problem",
           "apply_overrides", "deep_merge", "key_paths", "user_label",
           "scenario_to_data", "scenario_to_yaml", "MAX_EXTENDS_DEPTH"]
