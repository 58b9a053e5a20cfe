"""pydantic validation errors as located, readable problems (file, line, key path, message)."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from sim.core.problems import KeyPath, Problem, format_path, show_value
from sim.scenario.distributions import FAMILIES

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
        where_file, where_line = locate(loc, lines, label)
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


def locate(loc: KeyPath, lines: dict[KeyPath, tuple[str, int | None]], label: str) -> tuple[str, int | None]:
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
        return f"expected {_TYPE_WORDS[kind]}, got {show_value(value)}"
    if kind == "literal_error":
        return f"expected {err['ctx']['expected']}, got {show_value(value)}"
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
        return f"expected a finite number, got {show_value(value)}"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal", "too_short", "too_long",
                "string_pattern_mismatch", "string_too_short", "string_too_long"):
        return f"{msg[0].lower()}{msg[1:]}, got {show_value(value)}"
    return msg


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


__all__ = ["problems_from_validation", "locate"]
