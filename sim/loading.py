"""Loading scenario files: safe YAML with line numbers, ``extends:`` inheritance, ``--set`` overrides.

Every problem becomes a :class:`Problem` naming the file, the line (where known) and the key path, e.g.::

    scenarios/x.yaml:14: sites[2].road_days_to_port: expected a number or a distribution, got 'soon'

All problems of a file are reported together in one :class:`ScenarioError`.  Scenario files are data: only
plain YAML (mappings, lists, strings, numbers, booleans, dates) is accepted; Python-object tags are refused
without being constructed, and oversized files or alias bombs are refused before they can cost much.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import yaml
from pydantic import BaseModel, ValidationError

from sim.distributions import FAMILIES

MAX_FILE_BYTES = 2 * 1024 * 1024
"""Largest scenario file accepted; a real scenario is a few tens of kB."""
MAX_YAML_NODES = 200_000
"""Most YAML nodes (after alias expansion) a scenario may have; guards against alias bombs."""
MAX_EXTENDS_DEPTH = 8
"""Longest ``extends:`` chain."""
MAX_YAML_DEPTH = 64
"""Deepest nesting of mappings and lists; a real scenario nests about five levels."""

KeyPath = tuple[Union[str, int], ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what is wrong."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return text.translate(_ONE_LINE)  # one problem, one line, whatever a file name or key holds


_ONE_LINE = {ord("\n"): "\\n", ord("\r"): "\\r", 0x85: "\\x85", 0x2028: "\\u2028", 0x2029: "\\u2029"}


class ScenarioError(Exception):
    """A scenario (or other input file) that cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def format_path(path: KeyPath) -> str:
    """``('sites', 2, 'road_days_to_port')`` -> ``'sites[2].road_days_to_port'``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not _PLAIN_KEY.fullmatch(str(part)):  # a key no one would type: show it quoted
            out += f"[{str(part)!r}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


_PATH_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|(\.)")


def parse_path(text: str) -> KeyPath:
    """``'sites[2].road_days_to_port'`` -> ``('sites', 2, 'road_days_to_port')``; ValueError if malformed."""
    parts: list[str | int] = []
    pos = 0
    expect_name = True
    while pos < len(text):
        m = _PATH_TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"cannot read key path {text!r} at character {pos + 1}")
        name, index, dot = m.groups()
        if name is not None:
            if not expect_name:
                raise ValueError(f"cannot read key path {text!r}: missing '.' before {name!r}")
            parts.append(name)
            expect_name = False
        elif index is not None:
            if expect_name:
                raise ValueError(f"cannot read key path {text!r}: an index must follow a key")
            parts.append(int(index))
        else:
            if expect_name:
                raise ValueError(f"cannot read key path {text!r}: unexpected '.'")
            expect_name = True
        pos = m.end()
    if not parts or expect_name:
        raise ValueError(f"cannot read key path {text!r}")
    return tuple(parts)


# ----------------------------------------------------------------------------------------------------
# YAML with line numbers
# ----------------------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads ``1e3`` (no dot) as a float, as YAML 1.2 does."""


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same with libyaml's parser (about ten times faster), when PyYAML was built with it."""


class _Dumper(yaml.SafeDumper):
    """SafeDumper that knows ``1e3`` is a number too, so that it quotes text like ``"1e3"`` (a name, an id)."""


for _cls in (_Loader, _FastLoader, _Dumper):  # noqa: B007
    _cls.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(
            r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
            |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
            |\.[0-9_]+(?:[eE][-+][0-9]+)?
            |[-+]?\.(?:inf|Inf|INF)
            |\.(?:nan|NaN|NAN))$""",
            re.X,
        ),
        list("-+0123456789."),
    )

_ALLOWED_TAGS = {
    "tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
}


@dataclass
class _Tree:
    data: dict[str, Any]
    lines: dict[KeyPath, tuple[str, int]]


def _os_reason(exc: BaseException) -> str:
    """Why a path cannot be used, in words: 'File name too long', 'the path contains a NUL character', ..."""
    if isinstance(exc, ValueError):
        return "the path contains a NUL character" if "null" in str(exc) else str(exc)
    return getattr(exc, "strerror", None) or str(exc)


def _read_text(path: Path, label: str) -> str:
    try:
        exists, is_dir = path.exists(), path.is_dir()
    except (OSError, ValueError) as exc:
        raise ScenarioError([Problem(label, None, "", f"cannot open: {_os_reason(exc)}")]) from None
    if not exists:
        raise ScenarioError([Problem(label, None, "", "no such file")])
    if is_dir:
        raise ScenarioError([Problem(label, None, "", "is a directory, not a scenario file")])
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError([Problem(label, None, "", f"file is {size:,} bytes; the limit for a scenario "
                                                           f"is {MAX_FILE_BYTES:,} bytes")])
        with path.open("rb") as handle:  # never more than the limit: /dev/zero or a growing file is no scenario
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ScenarioError([Problem(label, None, "", f"more than {MAX_FILE_BYTES:,} bytes, the limit for a "
                                                           "scenario file (a device? a file still growing?)")])
    except OSError as exc:
        raise ScenarioError([Problem(label, None, "", f"cannot read: {exc.strerror or exc}")]) from None
    for bom, encoding in ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                          (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
        if raw.startswith(bom):
            raise ScenarioError([Problem(label, None, "", f"{encoding} text, not UTF-8; save the file as UTF-8")])
    if b"\x00" in raw:
        raise ScenarioError([Problem(label, None, "", "binary content (NUL bytes); expected a YAML text file")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError([Problem(label, line, "", f"not UTF-8 text (byte {exc.start}: "
                                                      f"{raw[exc.start:exc.start + 1]!r}); save the file as UTF-8")]) from None


def _one_line(text: str) -> str:
    """A message on one line: error lines are never wrapped, one problem per line."""
    return " ".join(str(text).split())


def parse_yaml(text: str, label: str) -> tuple[Any, dict[KeyPath, tuple[str, int]]]:
    """Parse YAML text into plain data and a map from key path to (file label, line)."""
    text = text.removeprefix("\ufeff")
    stray = text.find("\ufeff")
    if stray >= 0:  # invisible in editors, and libyaml and PyYAML do not agree on what it means
        line = text.count("\n", 0, stray) + 1
        column = stray - (text.rfind("\n", 0, stray) + 1) + 1
        raise ScenarioError([Problem(label, line, "", f"a byte-order mark (U+FEFF) at column {column}, not at the "
                                                      "start of the file (files pasted together?); remove it")])
    try:
        try:
            node = yaml.compose(text, Loader=_FastLoader)
        except yaml.YAMLError:  # the pure-Python parser words its errors better: let it say what is wrong
            node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = f", column {mark.column + 1}" if mark else ""
        what = exc.problem or exc.context or "invalid YAML"
        raise ScenarioError([Problem(label, line, "", f"YAML syntax error{col}: {_one_line(what)}")]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (control characters, ...)
        before = text[: exc.position]
        line = before.count("\n") + 1
        column = exc.position - (before.rfind("\n") + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise ScenarioError([Problem(label, line, "", f"YAML syntax error, column {column}: character "
                                                      f"U+{ord(char):04X} is not allowed in a YAML file")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(label, None, "", f"YAML syntax error: {_one_line(str(exc))}")]) from None
    except RecursionError:  # the pure-Python parser recurses once per level of nesting
        raise ScenarioError([Problem(label, None, "", f"mappings and lists nested more than {MAX_YAML_DEPTH} "
                                                      "levels deep")]) from None
    if node is None:
        raise ScenarioError([Problem(label, None, "", "empty file; expected a mapping of scenario keys")])
    lines: dict[KeyPath, tuple[str, int]] = {(): (label, node.start_mark.line + 1)}
    problems: list[Problem] = []
    constructor = _Loader("")
    budget = [MAX_YAML_NODES]

    open_nodes: set[int] = set()  # the collections being converted: an alias to one of them is a loop

    def convert(n: yaml.Node, path: KeyPath) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise ScenarioError([Problem(label, None, "", f"more than {MAX_YAML_NODES:,} YAML nodes after "
                                                          "alias expansion; refused (alias bomb?)")])
        if len(path) > MAX_YAML_DEPTH:
            raise ScenarioError([Problem(label, n.start_mark.line + 1, "", f"mappings and lists nested more "
                                                                           f"than {MAX_YAML_DEPTH} levels deep")])
        if id(n) in open_nodes:
            problems.append(Problem(label, n.start_mark.line + 1, format_path(path),
                                    "recursive alias: a value that contains itself"))
            return None
        if isinstance(n, (yaml.MappingNode, yaml.SequenceNode)):
            open_nodes.add(id(n))
            try:
                return convert_collection(n, path)
            finally:
                open_nodes.discard(id(n))
        return convert_scalar(n, path)

    def convert_collection(n: yaml.Node, path: KeyPath) -> Any:
        if n.tag not in _ALLOWED_TAGS:
            problems.append(Problem(label, n.start_mark.line + 1, format_path(path),
                                    f"YAML tag {n.tag!r} is not allowed; scenario files are plain data"))
            return None
        if isinstance(n, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in n.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    problems.append(Problem(label, key_node.start_mark.line + 1, format_path(path),
                                            "YAML merge keys ('<<') are not supported; use extends:"))
                    continue
                key = convert(key_node, path)
                if not isinstance(key, str):
                    problems.append(Problem(label, key_node.start_mark.line + 1, format_path(path),
                                            f"keys must be text, got {_show(key)}"))
                    continue
                child = path + (key,)
                if key in out:
                    problems.append(Problem(label, key_node.start_mark.line + 1, format_path(child),
                                            "duplicate key"))
                lines[child] = (label, key_node.start_mark.line + 1)
                out[key] = convert(value_node, child)
            return out
        items = []
        for i, item in enumerate(n.value):
            lines[path + (i,)] = (label, item.start_mark.line + 1)
            items.append(convert(item, path + (i,)))
        return items

    def convert_scalar(n: yaml.Node, path: KeyPath) -> Any:
        if n.tag == "tag:yaml.org,2002:value" and isinstance(n, yaml.ScalarNode):
            return n.value  # a bare '=' (YAML 1.1's "value" key): plain text here
        if n.tag not in _ALLOWED_TAGS:
            problems.append(Problem(label, n.start_mark.line + 1, format_path(path),
                                    f"YAML tag {n.tag!r} is not allowed; scenario files are plain data"))
            return None
        try:
            return constructor.construct_object(n, deep=True)
        except Exception as exc:  # noqa: BLE001 - e.g. '!!timestamp' on text that is no date: AttributeError
            what = "a date (YYYY-MM-DD)" if n.tag.endswith(":timestamp") else "a readable value"
            why = f" ({_one_line(str(exc))})" if isinstance(exc, ValueError) else ""
            problems.append(Problem(label, n.start_mark.line + 1, format_path(path),
                                    f"expected {what}, got {_show(n.value)}{why}"))
            return None

    data = convert(node, ())
    if problems:
        raise ScenarioError(problems)
    return data, lines


def _load_tree(path: Path, label: str, chain: tuple[Path, ...],
               origin: tuple[str, int | None] | None = None) -> _Tree:
    """Read ``path`` and its ``extends`` chain; ``origin`` is where the first ``extends`` of the chain is."""
    data, lines = parse_yaml(_read_text(path, label), label)
    if not isinstance(data, dict):
        raise ScenarioError([Problem(label, lines[()][1], "", f"top level must be a mapping of keys, "
                                                               f"got {type(data).__name__}")])
    parent_ref = data.pop("extends", None)
    sets = data.pop("set", None)
    if parent_ref is None:
        tree = _Tree(data, lines)
        _apply_sets(tree, sets, lines, label)
        return tree
    line = lines.get(("extends",), (label, None))[1]
    if not isinstance(parent_ref, str) or not parent_ref:
        raise ScenarioError([Problem(label, line, "extends", f"expected a file path, got {_show(parent_ref)}")])
    try:
        parent = (path.parent / parent_ref).resolve()
        parent_label = _label(parent)
        is_file, is_dir = parent.is_file(), parent.is_dir()
    except (OSError, ValueError) as exc:
        raise ScenarioError([Problem(label, line, "extends", f"cannot use {_show(parent_ref)} as a file path: "
                                                              f"{_os_reason(exc)}")]) from None
    origin = origin or (label, line)
    if parent in chain:
        cycle = " -> ".join(_label(p) for p in (*chain, parent))
        raise ScenarioError([Problem(origin[0], origin[1], "extends", f"extends cycle: {cycle}")])
    if len(chain) >= MAX_EXTENDS_DEPTH:
        files = " -> ".join(_label(p) for p in (*chain, parent))
        raise ScenarioError([Problem(origin[0], origin[1], "extends", f"extends chain longer than "
                                                                      f"{MAX_EXTENDS_DEPTH} files: {files}")])
    if is_dir:
        raise ScenarioError([Problem(label, line, "extends", f"{_show(parent_ref)} is a directory, not a "
                                                              "scenario file")])
    if not is_file:
        raise ScenarioError([Problem(label, line, "extends", f"cannot find {_show(parent_ref)} (looked for "
                                                              f"{parent_label})")])
    base = _load_tree(parent, parent_label, (*chain, parent), origin)
    merged = deep_merge(base.data, data)
    merged_lines = {p: lines.get(p) or base.lines.get(p) for p in _paths(merged)}
    merged_lines[()] = lines[()]
    tree = _Tree(merged, {p: v for p, v in merged_lines.items() if v is not None})
    _apply_sets(tree, sets, lines, label)
    return tree


def _apply_sets(tree: _Tree, sets: Any, lines: dict[KeyPath, tuple[str, int | None]], label: str) -> None:
    """A file's ``set:`` block: ``key.path: value`` pairs applied, in order, after the merge with its parent.

    ``extends`` replaces lists whole; ``set`` changes one item of one (``facilities[5].available_day: 480``)
    with the syntax of ``--set``, so a child scenario (a calibrated one, say) can change a single value deep in
    a list without copying the list.  Problems are located at the ``set`` key's own line.
    """
    if sets is None:
        return
    if not isinstance(sets, dict):
        raise ScenarioError([Problem(label, lines.get(("set",), (label, None))[1], "set",
                                     f"expected a mapping of key.path: value, got {_show(sets)}")])
    problems: list[Problem] = []
    for key, value in sets.items():
        line = lines.get(("set", key), (label, None))[1]
        try:
            if not isinstance(key, str):
                raise ValueError(f"expected a key path such as convoys.escorts, got {_show(key)}")
            path = parse_path(key)
            _set_value(tree.data, path, value)
        except ValueError as exc:
            problems.append(Problem(label, line, f"set.{key}", str(exc)))
            continue
        for stale in [p for p in tree.lines if p[: len(path)] == path]:
            del tree.lines[stale]
        for p in _paths(value, path):
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


def _paths(data: Any, prefix: KeyPath = ()) -> list[KeyPath]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, prefix + (i,))
    return out


def _label(path: Path) -> str:
    """A path as the user would recognise it: relative to the current folder when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# ----------------------------------------------------------------------------------------------------
# --set overrides
# ----------------------------------------------------------------------------------------------------


def apply_overrides(tree: _Tree, overrides: list[str]) -> None:
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
            for p in _paths(value, path):
                tree.lines[p] = (label, None)  # type: ignore[assignment]
    if problems:
        raise ScenarioError(problems)


def _bad_index(label: str, path: KeyPath, target: Any) -> Problem:
    size = f"it has {len(target)} items" if isinstance(target, list) else "it is not a list"
    return Problem(label, None, format_path(path), f"index out of range ({size})")


# ----------------------------------------------------------------------------------------------------
# Validation errors -> problems
# ----------------------------------------------------------------------------------------------------

_TYPE_WORDS = {
    "float_parsing": "a number", "float_type": "a number", "int_parsing": "a whole number",
    "int_type": "a whole number", "int_from_float": "a whole number", "bool_parsing": "true or false",
    "bool_type": "true or false", "string_type": "text", "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)", "date_type": "a date (YYYY-MM-DD)", "list_type": "a list",
    "model_type": "a mapping", "model_attributes_type": "a mapping", "dict_type": "a mapping",
}


def problems_from_validation(exc: ValidationError, lines: dict[KeyPath, tuple[str, int | None]],
                             label: str, model: type[BaseModel]) -> list[Problem]:
    """Turn a pydantic ValidationError into located, readable problems."""
    out: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        parts = err["loc"]
        last_is_key = err["type"] == "extra_forbidden"  # then the last part is the user's key, whatever it reads
        raw = tuple(p for i, p in enumerate(parts)  # without pydantic's validator wrappers
                    if not (isinstance(p, str) and _WRAPPER.fullmatch(p) and not (last_is_key and i == len(parts) - 1)))
        loc = _without_family_tags(model, raw)
        where_file, where_line = _locate(loc, lines, label)
        message = _message(err, loc, model, raw)
        key = (format_path(loc), message)
        if key in seen:
            continue
        seen.add(key)
        out.append(Problem(where_file, where_line, format_path(loc), message))
    return out


_WRAPPER = re.compile(r"[a-z][a-z0-9\-]*\[.*\]", re.S)
"""A location part pydantic adds for a validator wrapper, e.g. ``function-after[_non_negative(), ...]``."""


def _without_family_tags(model: type[BaseModel], raw: KeyPath) -> KeyPath:
    """The key path of an error location: pydantic inserts the family (``uniform``) after a distribution."""
    out: list[str | int] = []
    current: Any = model
    for part in raw:
        current = _unwrap(current) if current is not None else None
        family = _family(current, part)
        if family is not None:
            current = family
            continue
        out.append(part)
        if isinstance(part, int):
            args = typing.get_args(current)
            current = args[0] if typing.get_origin(current) is list and args else None
        elif isinstance(current, type) and issubclass(current, BaseModel) and part in current.model_fields:
            current = current.model_fields[part].annotation
        else:
            current = None
    return tuple(out)


def _locate(loc: KeyPath, lines: dict[KeyPath, tuple[str, int | None]], label: str) -> tuple[str, int | None]:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return label, None


def _message(err: Any, loc: KeyPath, model: type[BaseModel], raw: KeyPath = ()) -> str:
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        valid = [k for k in _valid_keys(model, (raw or loc)[:-1]) if k != "dist"]
        hint = ""
        if valid:
            close = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; valid keys: {', '.join(valid)}"
        return f"unknown key {loc[-1]!r}{hint}"
    if kind == "missing":
        return "required key is missing"
    if kind in _TYPE_WORDS:
        return f"expected {_TYPE_WORDS[kind]}, got {_show(value)}"
    if kind == "literal_error":
        return f"expected {err['ctx']['expected']}, got {_show(value)}"
    if kind == "union_tag_invalid":
        return f"unknown distribution {err['ctx']['tag']!r}; expected one of {', '.join(FAMILIES)}"
    if kind == "union_tag_not_found":
        return f"a distribution needs a 'dist' key naming one of {', '.join(FAMILIES)}"
    if kind in ("too_short", "too_long") and isinstance(err.get("ctx"), dict) and "actual_length" in err["ctx"]:
        ctx = err["ctx"]
        bound = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        limit = "at least" if kind == "too_short" else "at most"
        got = ctx["actual_length"]
        return f"expected {limit} {bound} item{'' if bound == 1 else 's'}, got {got or 'none'}"
    if kind in ("finite_number",):
        return f"expected a finite number, got {_show(value)}"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal", "too_short", "too_long",
                "string_pattern_mismatch", "string_too_short", "string_too_long"):
        return f"{msg[0].lower()}{msg[1:]}, got {_show(value)}"
    return msg


def _show(value: Any) -> str:
    """A found value as shown in a message: its repr, dates as YYYY-MM-DD, cut to 60 characters."""
    if isinstance(value, (dt.date,)):
        return value.isoformat()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _valid_keys(model: type[BaseModel], loc: KeyPath) -> list[str]:
    """The keys allowed at ``loc`` below ``model`` (empty if unknown)."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        family = _family(current, part)
        if family is not None:  # a distribution: the tag names the family
            current = family
        elif isinstance(part, int):
            args = typing.get_args(current)
            current = args[0] if typing.get_origin(current) is list and args else None
        elif isinstance(current, type) and issubclass(current, BaseModel) and part in current.model_fields:
            current = current.model_fields[part].annotation
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _family(tp: Any, tag: Any) -> type[BaseModel] | None:
    """The member of a union of distribution families whose ``dist`` is ``tag``, if any."""
    if typing.get_origin(tp) not in (Union, types.UnionType) or not isinstance(tag, str):
        return None
    for member in typing.get_args(tp):
        if isinstance(member, type) and issubclass(member, BaseModel) and "dist" in member.model_fields:
            if tag in typing.get_args(member.model_fields["dist"].annotation):
                return member
    return None


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            models = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(models) != 1:
                return tp
            tp = models[0]
        else:
            return tp


# ----------------------------------------------------------------------------------------------------
# Public entry points
# ----------------------------------------------------------------------------------------------------


def load_tree(path: str | Path, overrides: list[str] | None = None) -> _Tree:
    """Read a scenario file with its ``extends`` chain and overrides, without validating it."""
    p = Path(path)
    label = str(path)
    try:
        resolved = p.resolve() if p.exists() else p
    except (OSError, ValueError) as exc:
        raise ScenarioError([Problem(label, None, "", f"cannot open: {_os_reason(exc)}")]) from None
    tree = _load_tree(resolved, label, (resolved,))
    if overrides:
        apply_overrides(tree, list(overrides))
    return tree


def load_scenario(path: str | Path, overrides: list[str] | None = None):  # -> Scenario
    """Load, merge, override and validate a scenario file.

    Raises :class:`ScenarioError` listing every problem (file, line, key path, message).
    """
    from sim.scenario import Scenario

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
    return yaml.dump(scenario_to_data(scenario), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


# ----------------------------------------------------------------------------------------------------
# Source comments, for the assumptions table of the report
# ----------------------------------------------------------------------------------------------------


def source_comments(path: str | Path) -> dict[KeyPath, str]:
    """The comments attached to each key path of a scenario file and its ``extends`` chain.

    A key's comment is the block of comment lines right above it plus its inline comment; the child file's
    comments win over its parents'.  Used to show each parameter's source next to its value.
    """
    chain: list[Path] = []
    current = Path(path).resolve()
    while current.is_file() and current not in chain and len(chain) <= MAX_EXTENDS_DEPTH:
        chain.append(current)
        try:
            data, _ = parse_yaml(_read_text(current, str(current)), str(current))
        except ScenarioError:
            break
        parent = data.get("extends") if isinstance(data, dict) else None
        if not isinstance(parent, str):
            break
        current = (current.parent / parent).resolve()
    comments: dict[KeyPath, str] = {}
    for file in reversed(chain):  # parents first, so children override
        text = file.read_text(encoding="utf-8-sig")
        _, lines = parse_yaml(text, str(file))
        raw = text.splitlines()
        header_end = next((k for k, ln in enumerate(raw) if ln.strip() and not ln.strip().startswith("#")), 0)
        header = " ".join(ln.strip().lstrip("#").strip() for ln in raw[:header_end] if ln.strip())
        own = {key_path: _comment_at(raw, line, header_end) for key_path, (_, line) in lines.items()
               if key_path and line is not None}
        for key_path in own:
            # a key without a comment of its own takes its nearest commented parent's, else the file's header
            found = next((own[key_path[:n]] for n in range(len(key_path), 0, -1) if own.get(key_path[:n])), header)
            if found:
                comments[key_path] = found
    return comments


def _comment_at(raw: list[str], line: int, header_end: int = 0) -> str:
    above: list[str] = []
    k = line - 2
    while k >= header_end and raw[k].strip().startswith("#"):
        text = raw[k].strip().lstrip("#").strip()
        if text.strip("-=* "):  # skip ruler lines such as '# -----'
            above.insert(0, text)
        k -= 1
    inline = ""
    if " #" in raw[line - 1]:
        inline = raw[line - 1].split(" #", 1)[1].strip()
    return " ".join(part for part in (" ".join(above), inline) if part)
