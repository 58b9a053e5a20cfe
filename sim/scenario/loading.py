"""Loading scenario files: ``extends:`` inheritance, a file's ``set:`` block, ``--set`` overrides, validation.

Every problem names the file, the line (where known) and the key path (:mod:`sim.core.problems`); all
problems of a file are reported together in one :class:`~sim.core.problems.ScenarioError`.  Reading the text
itself safely is :mod:`sim.scenario.yaml_text`; turning pydantic's errors into problems is
:mod:`sim.scenario.validation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.core.problems import KeyPath, Problem, ScenarioError, format_path, parse_path, show_value
from sim.scenario.validation import problems_from_validation
from sim.scenario.yaml_text import SafeDumper, os_reason, parse_yaml, read_text

MAX_EXTENDS_DEPTH = 8
"""Longest ``extends:`` chain."""


@dataclass
class Tree:
    """A file's data after ``extends`` and overrides, with the (file, line) of every key path."""

    data: dict[str, Any]
    lines: dict[KeyPath, tuple[str, int]]


def _load_tree(path: Path, label: str, chain: tuple[Path, ...],
               origin: tuple[str, int | None] | None = None) -> Tree:
    """Read ``path`` and its ``extends`` chain; ``origin`` is where the first ``extends`` of the chain is."""
    data, lines = parse_yaml(read_text(path, label), label)
    if not isinstance(data, dict):
        raise ScenarioError([Problem(label, lines[()][1], "", f"top level must be a mapping of keys, "
                                                               f"got {type(data).__name__}")])
    parent_ref = data.pop("extends", None)
    sets = data.pop("set", None)
    if parent_ref is None:
        tree = Tree(data, lines)
        _apply_sets(tree, sets, lines, label)
        return tree
    line = lines.get(("extends",), (label, None))[1]
    if not isinstance(parent_ref, str) or not parent_ref:
        raise ScenarioError([Problem(label, line, "extends", f"expected a file path, got {show_value(parent_ref)}")])
    try:
        parent = (path.parent / parent_ref).resolve()
        parent_label = user_label(parent)
        is_file, is_dir = parent.is_file(), parent.is_dir()
    except (OSError, ValueError) as exc:
        raise ScenarioError([Problem(label, line, "extends", f"cannot use {show_value(parent_ref)} as a file path: "
                                                              f"{os_reason(exc)}")]) from None
    origin = origin or (label, line)
    if parent in chain:
        cycle = " -> ".join(user_label(p) for p in (*chain, parent))
        raise ScenarioError([Problem(origin[0], origin[1], "extends", f"extends cycle: {cycle}")])
    if len(chain) >= MAX_EXTENDS_DEPTH:
        files = " -> ".join(user_label(p) for p in (*chain, parent))
        raise ScenarioError([Problem(origin[0], origin[1], "extends", f"extends chain longer than "
                                                                      f"{MAX_EXTENDS_DEPTH} files: {files}")])
    if is_dir:
        raise ScenarioError([Problem(label, line, "extends", f"{show_value(parent_ref)} is a directory, not a "
                                                              "scenario file")])
    if not is_file:
        raise ScenarioError([Problem(label, line, "extends", f"cannot find {show_value(parent_ref)} (looked for "
                                                              f"{parent_label})")])
    base = _load_tree(parent, parent_label, (*chain, parent), origin)
    merged = deep_merge(base.data, data)
    merged_lines = {p: lines.get(p) or base.lines.get(p) for p in key_paths(merged)}
    merged_lines[()] = lines[()]
    tree = Tree(merged, {p: v for p, v in merged_lines.items() if v is not None})
    _apply_sets(tree, sets, lines, label)
    return tree


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
            path = parse_path(key)
            _set_value(tree.data, path, value)
        except ValueError as exc:
            problems.append(Problem(label, line, f"set.{key}", str(exc)))
            continue
        for stale in [p for p in tree.lines if p[: len(path)] == path]:
            del tree.lines[stale]
        for p in key_paths(value, path):
            tree.lines[p] = (label, line)
        parent = _get(tree.data, path[:-1])
        if isinstance(parent, dict) and "dist" in parent:  # a distribution's check names the whole mapping
            tree.lines[path[:-1]] = (label, line)
    if problems:
        raise ScenarioError(problems)


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


def deep_merge(base: Any, override: Any) -> Any:
    """Mappings merge recursively; anything else (lists included) is replaced whole by ``override``.

    A distribution of another family (a different ``dist``) replaces the inherited one whole: a child turning
    ``{dist: triangular, low, mode, high}`` into ``{dist: uniform, low, high}`` must not inherit ``mode``.
    """
    if isinstance(base, dict) and isinstance(override, dict):
        if "dist" in override and override["dist"] != base.get("dist"):
            return override
        out = dict(base)
        for key, value in override.items():
            out[key] = deep_merge(base[key], value) if key in base else value
        return out
    return override


def key_paths(data: Any, prefix: KeyPath = ()) -> list[KeyPath]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += key_paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += key_paths(v, prefix + (i,))
    return out


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
            path = parse_path(key.strip())
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
    if problems:
        raise ScenarioError(problems)


def _bad_index(label: str, path: KeyPath, target: Any) -> Problem:
    size = f"it has {len(target)} items" if isinstance(target, list) else "it is not a list"
    return Problem(label, None, format_path(path), f"index out of range ({size})")


def load_tree(path: str | Path, overrides: list[str] | None = None) -> Tree:
    """Read a scenario file with its ``extends`` chain and overrides, without validating it."""
    p = Path(path)
    label = str(path)
    try:
        resolved = p.resolve() if p.exists() else p
    except (OSError, ValueError) as exc:
        raise ScenarioError([Problem(label, None, "", f"cannot open: {os_reason(exc)}")]) from None
    tree = _load_tree(resolved, label, (resolved,))
    if overrides:
        apply_overrides(tree, list(overrides))
    return tree


def load_scenario(path: str | Path, overrides: list[str] | None = None):  # -> Scenario
    """Load, merge, override and validate a scenario file.

    Raises :class:`ScenarioError` listing every problem (file, line, key path, message).
    """
    from sim.scenario.schema import Scenario

    tree = load_tree(path, overrides)
    try:
        return Scenario.model_validate(tree.data)
    except ValidationError as exc:
        raise ScenarioError(problems_from_validation(exc, tree.lines, str(path), Scenario)) from None


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


__all__ = ["Tree", "load_tree", "load_scenario", "apply_overrides", "deep_merge", "key_paths", "user_label",
           "scenario_to_data", "scenario_to_yaml", "MAX_EXTENDS_DEPTH"]
