"""Fuzzing the loader: mutated shipped scenarios load or fail cleanly, never with another exception.

Three layers are mutated: the parsed data (keys deleted, duplicated, renamed; values retyped, perturbed,
swapped; lists truncated), the raw text (bytes inserted, ranges cut, the file truncated) and ``--set``
overrides.  Whatever happens, :func:`sim.scenario.loading.load_scenario` returns a :class:`Scenario` or raises
:class:`ScenarioError` whose problems each name the file or the override; and a scenario that loads writes a
resolved YAML that loads back to an equal scenario (what ``disarm run`` saves).

CI runs a short, derandomized campaign.  A long campaign (see docs/security.md for the figures)::

    HYPOTHESIS_PROFILE=long DISARM_FUZZ_EXAMPLES=34000 python -m pytest tests/test_fuzz_loader.py -p no:cacheprovider
"""

from __future__ import annotations

import atexit
import copy
import datetime as dt
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import SCENARIOS
from sim.core.problems import Problem, ScenarioError
from sim.scenario.yaml_text import _FastLoader, _Loader, parse_yaml
from sim.scenario.loading import key_paths, load_scenario, scenario_to_yaml
from sim.scenario.schema import Scenario

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
EXAMPLES = int(os.environ.get("DISARM_FUZZ_EXAMPLES", "0")) or None
"""Examples per test; unset: 60 in the CI profile, the profile's own count otherwise."""


def fuzz_settings(ci_examples: int) -> settings:
    current = settings.default
    examples = EXAMPLES or (ci_examples if current.derandomize else current.max_examples)
    return settings(max_examples=examples, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


def _parsed(path: Path) -> dict[str, Any]:
    data, _ = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    if "extends" in data:  # written elsewhere, the file must still find its parent
        data["extends"] = str((path.parent / data["extends"]).resolve())
    return data


ORIGINALS = {path.name: _parsed(path) for path in SHIPPED}
TEXTS = {path.name: path.read_text(encoding="utf-8").replace(
    "extends: syria_2013.yaml", f"extends: {SCENARIOS / 'syria_2013.yaml'}") for path in SHIPPED}
WORK = Path(tempfile.mkdtemp(prefix="disarm-fuzz-"))
atexit.register(shutil.rmtree, WORK, ignore_errors=True)

# ---------------------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(-10, 100), st.integers(-2**70, 2**70), st.sampled_from([0, 1, -1, 10**400, 2**63]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -0.0,
                                                                      5e-324, 1e12, 1e-12]),
    st.text(max_size=12), st.sampled_from(["", "S01", "DF", "sea", "triangular", "fixed", "2014-01-01", "1e3",
                                           "removal_complete", ".inf", "yes", "null", "~", "<<", "*a", "&a",
                                           "!!python/object:os.system"]),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 1, 1)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=8), st.sampled_from(
            ["dist", "value", "low", "mode", "high", "mean", "sd", "values", "weights", "shape", "id", "enabled"])),
            inner, max_size=4),
        st.fixed_dictionaries({"dist": st.sampled_from(["fixed", "uniform", "triangular", "pert", "lognormal",
                                                        "exponential", "empirical", "gamma", 1, None])},
                              optional={"low": inner, "mode": inner, "high": inner, "mean": inner, "sd": inner,
                                        "value": inner, "values": inner, "weights": inner, "shape": inner}),
    ),
    max_leaves=8,
)
OPERATIONS = ("delete", "retype", "perturb", "rename", "duplicate", "truncate", "swap", "copy_sibling")




def _get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def _perturb(draw, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float)
                                                                           and not math.isfinite(value)):
        return draw(values)
    how = draw(st.sampled_from(["negate", "scale", "shift", "zero", "tiny", "huge", "float", "round"]))
    if how == "negate":
        return -value
    if how == "scale":
        return value * draw(st.sampled_from([0.5, 2, 10, 1000, 1e9, -1, 1e-9]))
    if how == "shift":
        return value + draw(st.integers(-400, 400))
    if how == "zero":
        return 0
    if how == "tiny":
        return draw(st.sampled_from([1e-300, 5e-324, -1e-300, 1e-9]))
    if how == "huge":
        return draw(st.sampled_from([1e300, 10**30, 2**64, 36_501, 10_000_001]))
    if how == "float":
        return float(value) + 0.5
    return round(value)


@st.composite
def mutated(draw) -> tuple[str, Any]:
    """A shipped scenario's data after 1-4 random mutations (the whole document may be replaced)."""
    name = draw(st.sampled_from(sorted(ORIGINALS)))
    data: Any = copy.deepcopy(ORIGINALS[name])
    for _ in range(draw(st.integers(1, 4))):
        paths = key_paths(data)
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(OPERATIONS))
        if not path:  # the document itself
            if op in ("retype", "perturb"):
                data = draw(values)
            continue
        parent, key = _get(data, path[:-1]), path[-1]
        if op == "delete":
            del parent[key]
        elif op == "retype":
            parent[key] = draw(values)
        elif op == "perturb":
            parent[key] = _perturb(draw, parent[key])
        elif op == "rename" and isinstance(parent, dict):
            new = draw(st.one_of(st.text(max_size=10), st.sampled_from(
                [str(key)[:-1], str(key) + "s", str(key).upper(), "extends", "dist", "name", "id"]), scalars))
            value = parent.pop(key)
            try:
                parent[new] = value
            except TypeError:  # unhashable key drawn: put it back
                parent[key] = value
        elif op == "duplicate":
            if isinstance(parent, list):
                parent.insert(draw(st.integers(0, len(parent))), copy.deepcopy(parent[key]))
            else:
                parent[f"{key}_copy"] = copy.deepcopy(parent[key])
        elif op == "truncate" and isinstance(parent[key], (list, str)):
            parent[key] = parent[key][: draw(st.integers(0, max(0, len(parent[key]) - 1)))]
        elif op == "swap":
            other = draw(st.sampled_from(paths))
            if other and other[: len(path)] != path and path[: len(other)] != other:
                other_parent = _get(data, other[:-1])
                parent[key], other_parent[other[-1]] = other_parent[other[-1]], parent[key]
        elif op == "copy_sibling" and isinstance(parent, dict) and len(parent) > 1:
            sibling = draw(st.sampled_from(sorted(map(str, parent))))
            if sibling in parent:
                parent[key] = copy.deepcopy(parent[sibling])
    return name, data


# ---------------------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------------------


def _write(data: bytes) -> Path:
    fd, name = tempfile.mkstemp(suffix=".yaml", dir=WORK)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return Path(name)


def _check_load(path: Path, overrides: list[str] | None = None) -> Scenario | None:
    """The fuzz property: a Scenario, or a ScenarioError made of located problems; nothing else."""
    try:
        scenario = load_scenario(path, overrides=overrides)
    except ScenarioError as exc:
        event("refused")
        assert exc.problems, "a ScenarioError must carry at least one problem"
        for problem in exc.problems:
            assert isinstance(problem, Problem)
            assert problem.message and isinstance(problem.message, str)
            assert "\n" not in str(problem), f"one problem, one line: {problem!s}"
        return None
    assert isinstance(scenario, Scenario)
    event("loaded")
    # What `disarm run` saves as scenario.resolved.yaml must load back to the same scenario.
    resolved = _write(scenario_to_yaml(scenario).encode("utf-8"))
    try:
        again = load_scenario(resolved)
    finally:
        resolved.unlink(missing_ok=True)
    assert again == scenario
    return scenario


@fuzz_settings(ci_examples=60)
@given(mutated())
def test_mutated_scenario_data_loads_or_fails_cleanly(case):
    _, data = case
    try:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError:  # pragma: no cover - safe_dump refuses nothing we generate, but be sure
        return
    path = _write(text.encode("utf-8"))
    try:
        _check_load(path)
    finally:
        path.unlink(missing_ok=True)


_noise = st.one_of(
    st.binary(min_size=1, max_size=8),
    st.text(min_size=1, max_size=8).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"\t", b"\n", b" ", b":", b"- ", b"{", b"}", b"[", b"]", b"&a ", b"*a", b"!!python/name:os ",
                     b"<<: ", b"'", b'"', b"#", b"---\n", b"...\n", b"%YAML 1.1\n", b"? ", b"|", b">", b"\xef\xbb\xbf",
                     b"\x00", b"\xff\xfe", b"\xe9", b"\r", b"\x85", b"\xe2\x80\xa8", b"!!binary ", b"!!set ",
                     b"!!omap ", b"!!timestamp ", b"@", b"`", b"%", b"extends: ", b".inf", b".nan"]),
)


@fuzz_settings(ci_examples=60)
@given(st.sampled_from(sorted(TEXTS)), st.lists(st.tuples(st.sampled_from(["insert", "cut", "truncate"]),
                                                          st.floats(0, 1), _noise, st.integers(1, 40)),
                                                min_size=1, max_size=4))
def test_mutated_scenario_text_loads_or_fails_cleanly(name, edits):
    raw = TEXTS[name].encode("utf-8")
    for op, where, noise, length in edits:
        at = int(where * len(raw))
        if op == "insert":
            raw = raw[:at] + noise + raw[at:]
        elif op == "cut":
            raw = raw[:at] + raw[at + length:]
        else:
            raw = raw[:at]
    path = _write(raw)
    try:
        _check_load(path)
    finally:
        path.unlink(missing_ok=True)
    _check_parsers_agree(raw)


def _tree(node: yaml.Node, seen: frozenset = frozenset(), root: bool = False) -> Any:
    """A composed YAML node as comparable data: tag, line and value or children.  Not the column (libyaml
    counts a stray byte-order mark in a line as 2 columns, PyYAML as 1; the loader reports lines), nor the line
    of an empty scalar (an implicit null: libyaml places it on the next line, PyYAML on its key's), nor the
    line of the document's root (a byte-order mark in the comments above it moves PyYAML's to line 1), nor
    the tag of an empty scalar (``a: !``, the non-specific tag on nothing: text for libyaml, null for PyYAML)."""
    if id(node) in seen:
        return ("<loop>",)
    seen = seen | {id(node)}
    empty = isinstance(node, yaml.ScalarNode) and node.value == ""
    where = ("<empty>" if empty else node.tag, None if empty or root else node.start_mark.line)
    if isinstance(node, yaml.MappingNode):
        return where + (tuple((_tree(k, seen), _tree(v, seen)) for k, v in node.value),)
    if isinstance(node, yaml.SequenceNode):
        return where + (tuple(_tree(v, seen) for v in node.value),)
    return where + (node.value,)


def _check_parsers_agree(raw: bytes) -> None:
    """The loader parses with libyaml and falls back to the pure-Python parser for its error messages: when
    both accept a text, they must read it the same way.  (libyaml is a little more lenient, e.g. a tab inside
    a plain scalar; the loader then keeps libyaml's reading, which is still plain data.)"""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return
    if "\x00" in text or "\ufeff" in text:  # the loader refuses both before parsing
        return
    try:
        fast = yaml.compose(text, Loader=_FastLoader)
    except yaml.YAMLError:
        return
    try:
        slow = yaml.compose(text, Loader=_Loader)
    except (yaml.YAMLError, RecursionError):
        return
    assert (fast is None) == (slow is None)
    if fast is not None:
        assert _tree(fast, root=True) == _tree(slow, root=True)


_key_paths = st.sampled_from(sorted({
    "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path))
    for path in key_paths(ORIGINALS["syria_2013.yaml"]) if path}))
_override_values = st.one_of(
    values.map(lambda v: yaml.safe_dump(v, default_flow_style=True, width=10_000).strip().removesuffix("...")
               .strip()),
    st.text(max_size=15),
)
_override_keys = st.one_of(_key_paths, _key_paths.map(lambda k: k + ".x"), _key_paths.map(lambda k: k + "[0]"),
                           _key_paths.map(lambda k: k + "[999]"), st.text(max_size=15))


@fuzz_settings(ci_examples=40)
@given(st.lists(st.tuples(_override_keys, st.sampled_from(["=", "", "=="]), _override_values),
                min_size=1, max_size=3))
def test_random_set_overrides_load_or_fail_cleanly(overrides):
    texts = [f"{key}{sep}{value}" for key, sep, value in overrides]
    _check_load(SCENARIOS / "syria_2013.yaml", overrides=texts)
