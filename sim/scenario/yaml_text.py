"""Reading YAML input safely, with line numbers: the first step of every file the tool reads.

Input files are data: only plain YAML (mappings, lists, strings, numbers, booleans, dates) is accepted;
Python-object tags are refused without being constructed, and anything but a regular file (a FIFO, a pipe, a
device), oversized files, binary or non-UTF-8 text, too many nodes (alias bombs) and too deep a nesting are
refused before they can cost much.  :func:`parse_yaml` returns the data and a map
from every key path to its (file, line), which error messages use.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import yaml

from sim.core.files import InputFileError, path_reason, read_regular_file, regular_file_stat
from sim.core.problems import KeyPath, Problem, ScenarioError, format_path, one_line, show_value

MAX_FILE_BYTES = 2 * 1024 * 1024
"""Largest scenario file accepted; a real scenario is a few tens of kB."""
MAX_YAML_NODES = 200_000
"""Most YAML nodes (after alias expansion) a scenario may have; guards against alias bombs."""
MAX_EXTENDS_DEPTH = 8
"""Longest ``extends:`` chain."""
MAX_YAML_DEPTH = 64
"""Deepest nesting of mappings and lists; a real scenario nests about five levels."""
MAX_REWORDED_CHARS = 65_536
"""A syntax error in a text up to this long is worded by PyYAML's pure-Python parser (clearer); in a longer one
libyaml's own message is given, since re-parsing in pure Python takes about 10 s per MB."""


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads ``1e3`` (no dot) as a float, as YAML 1.2 does."""


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same with libyaml's parser (about ten times faster), when PyYAML was built with it."""


class SafeDumper(yaml.SafeDumper):
    """SafeDumper that knows ``1e3`` is a number too, so that it quotes text like ``"1e3"`` (a name, an id)."""


for _cls in (_Loader, _FastLoader, SafeDumper):  # noqa: B007
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


def os_reason(exc: BaseException) -> str:
    """Why a path cannot be used, in words: 'File name too long', 'the path contains a NUL character', ..."""
    return path_reason(exc)


def input_file_problem(exc: InputFileError, label: str, what: str = "a scenario file") -> Problem:
    """An input path refused by :func:`sim.core.files.regular_file_stat`, as a problem of ``label``."""
    if exc.mode is not None and stat.S_ISDIR(exc.mode):
        return Problem(label, None, "", f"is a directory, not {what}")
    if exc.mode is not None:  # a FIFO, a pipe, a device, a socket: refused before it is opened
        return Problem(label, None, "", f"{exc.reason}; inputs are read from regular files only (save it to a "
                                        "file first)")
    if exc.reason.startswith("no such file"):
        return Problem(label, None, "", exc.reason)
    return Problem(label, None, "", f"cannot open: {exc.reason}")


def resolve_input(path: Path) -> Path:
    """The absolute, symlink-free path of an input file; :class:`InputFileError` unless it is a regular file.

    The file is checked *before* the path is resolved: ``/dev/fd/63`` (what ``<(...)`` passes) resolves to a
    name such as ``pipe:[1234]`` that exists nowhere, and a loop of symbolic links makes ``Path.resolve`` raise
    RuntimeError.  Symbolic links are followed; a loop of them is refused as such.
    """
    regular_file_stat(path)
    try:
        return path.resolve(strict=True)
    except (OSError, RuntimeError, ValueError) as exc:  # changed since it was checked
        raise InputFileError(path_reason(exc)) from None


def read_text(path: Path, label: str) -> str:
    """The text of an input file, refused (:class:`ScenarioError`) unless it is a regular file of at most
    :data:`MAX_FILE_BYTES` bytes of UTF-8: a FIFO, a pipe or a device is refused before it is opened."""
    try:
        size = regular_file_stat(path).st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError([Problem(label, None, "", f"file is {size:,} bytes; the limit for a scenario "
                                                           f"is {MAX_FILE_BYTES:,} bytes")])
        raw = read_regular_file(path, MAX_FILE_BYTES)  # never more than the limit: a file may still be growing
    except InputFileError as exc:
        raise ScenarioError([input_file_problem(exc, label)]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError([Problem(label, None, "", f"more than {MAX_FILE_BYTES:,} bytes, the limit for a "
                                                       "scenario file (a file still growing?)")])
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


def _check_nodes(text: str, label: str) -> None:
    """Refuse text with too many nodes or too deep a nesting before a single node is built.

    One pass over libyaml's parser events (about a tenth of the time of composing the nodes, whose tags are
    resolved in Python): a 2 MB file that breaks a limit, or has a syntax error on its last line, is refused in
    well under a second instead of after composing all of it.  Nodes are counted as :func:`parse_yaml`
    converts them: every key, value and list item, an alias counting as the nodes it stands for (an anchored
    value's size is known when it ends).  The conversion keeps the same checks as a backstop.
    """
    open_collections: list[tuple[str | None, int]] = []  # (anchor, nodes counted before it) per open collection
    anchored: dict[str, int] = {}  # anchor -> nodes of its value
    nodes = 0
    aliases = False
    for event in yaml.parse(text, Loader=_FastLoader):
        if isinstance(event, yaml.AliasEvent):
            nodes += anchored.get(event.anchor, 1)
            aliases = True
        elif isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
            if len(open_collections) > MAX_YAML_DEPTH:
                raise ScenarioError([Problem(label, event.start_mark.line + 1, "", f"mappings and lists nested more "
                                                                                   f"than {MAX_YAML_DEPTH} levels deep")])
            if isinstance(event, yaml.ScalarEvent):
                if event.anchor is not None:
                    anchored[event.anchor] = 1
            else:
                open_collections.append((event.anchor, nodes))
            nodes += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, before = open_collections.pop()
            if anchor is not None:
                anchored[anchor] = nodes - before
        if nodes > MAX_YAML_NODES:
            raise ScenarioError([Problem(label, event.start_mark.line + 1, "", too_many_nodes(aliases))])


def too_many_nodes(aliases: bool) -> str:
    """The message for a file past :data:`MAX_YAML_NODES`; it speaks of aliases only if the file has some."""
    if aliases:
        return (f"more than {MAX_YAML_NODES:,} YAML nodes once its aliases are expanded; refused (an alias "
                "bomb?)")
    return (f"more than {MAX_YAML_NODES:,} YAML nodes (keys, values and list items); a scenario has a few "
            "thousand")


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
            _check_nodes(text, label)
            node = yaml.compose(text, Loader=_FastLoader)
        except yaml.YAMLError:
            if len(text) > MAX_REWORDED_CHARS:
                raise  # libyaml's own words: the pure-Python parser would take seconds (about 10 s per MB)
            node = yaml.compose(text, Loader=_Loader)  # it words its errors better: let it say what is wrong
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = f", column {mark.column + 1}" if mark else ""
        what = exc.problem or exc.context or "invalid YAML"
        raise ScenarioError([Problem(label, line, "", f"YAML syntax error{col}: {one_line(what)}")]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (control characters, ...)
        before = text[: exc.position]
        line = before.count("\n") + 1
        column = exc.position - (before.rfind("\n") + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise ScenarioError([Problem(label, line, "", f"YAML syntax error, column {column}: character "
                                                      f"U+{ord(char):04X} is not allowed in a YAML file")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(label, None, "", f"YAML syntax error: {one_line(str(exc))}")]) from None
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
    seen: set[int] = set()  # every node converted so far: meeting one again means an alias
    aliased = False

    def convert(n: yaml.Node, path: KeyPath) -> Any:
        nonlocal aliased
        if id(n) in seen:
            aliased = True
        seen.add(id(n))
        budget[0] -= 1
        if budget[0] < 0:
            raise ScenarioError([Problem(label, None, "", too_many_nodes(aliased))])
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
                                            f"keys must be text, got {show_value(key)}"))
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
            why = f" ({one_line(str(exc))})" if isinstance(exc, ValueError) else ""
            problems.append(Problem(label, n.start_mark.line + 1, format_path(path),
                                    f"expected {what}, got {show_value(n.value)}{why}"))
            return None

    data = convert(node, ())
    if problems:
        raise ScenarioError(problems)
    return data, lines


__all__ = ["parse_yaml", "read_text", "resolve_input", "input_file_problem", "os_reason", "SafeDumper",
           "MAX_FILE_BYTES", "MAX_YAML_NODES",
           "MAX_YAML_DEPTH"]
