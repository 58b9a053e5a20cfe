"""Problems with inputs, located: the file, the line, the key path and what is wrong.

Every layer reports bad input the same way: a :class:`Problem` per thing wrong, all of a file's problems
together in one :class:`ScenarioError`, shown one problem per line::

    scenarios/x.yaml:14: sites[2].road_days_to_port: expected a number or a distribution, got 'soon'

Key paths (``sites[2].road_days_to_port``) are the common language of error messages, ``--set`` and sweep
parameters: :func:`parse_path` reads them and :func:`format_path` writes them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from typing import Any, Union

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


class ItemId(str):
    """An item of a keyed list named by its id in a key path: ``sites[S03]`` is ``('sites', ItemId('S03'))``,
    resolved to the item's index against the data it addresses (:func:`sim.scenario.loading.resolve_item_ids`)."""

    __slots__ = ()


def format_path(path: KeyPath) -> str:
    """``('sites', 2, 'road_days_to_port')`` -> ``'sites[2].road_days_to_port'``; an item named by its id,
    ``sites[S03].road_days_to_port``."""
    out = ""
    for part in path:
        if isinstance(part, int) or isinstance(part, ItemId):
            out += f"[{part}]"
        elif not _PLAIN_KEY.fullmatch(str(part)):  # a key no one would type: show it quoted
            out += f"[{str(part)!r}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


_PATH_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|(\.)|\[([A-Za-z0-9_.\-]*[A-Za-z_.\-][A-Za-z0-9_.\-]*)\]")
"""A key, an index ``[2]``, a dot, or an item's id ``[S03]`` (an identifier that is not all digits)."""


def parse_path(text: str) -> KeyPath:
    """``'sites[2].road_days_to_port'`` -> ``('sites', 2, 'road_days_to_port')``; ``'sites[S03].x'`` ->
    ``('sites', ItemId('S03'), 'x')``; ValueError if malformed."""
    parts: list[str | int] = []
    pos = 0
    expect_name = True
    while pos < len(text):
        m = _PATH_TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"cannot read key path {text!r} at character {pos + 1}")
        name, index, dot, item = m.groups()
        if item is not None:
            if expect_name:
                raise ValueError(f"cannot read key path {text!r}: an item's id must follow a key")
            parts.append(ItemId(item))
            pos = m.end()
            continue
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


def one_line(text: str) -> str:
    """A message on one line: error lines are never wrapped, one problem per line."""
    return " ".join(str(text).split())


def show_value(value: Any) -> str:
    """A found value as shown in a message: its repr, dates as YYYY-MM-DD, cut to 60 characters."""
    if isinstance(value, (dt.date,)):
        return value.isoformat()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def did_you_mean(word: str, choices: list[str], exhaustive: bool = False) -> str:
    """A hint for a misspelt name: `` (did you mean 'x'?)``, or "" if nothing is close.

    With ``exhaustive`` the match ignores case and, when nothing is close, the hint lists the choices
    (``; expected one of a, b, c``), or says there are none.
    """
    if not exhaustive:
        close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
        return f" (did you mean {close[0]!r}?)" if close else ""
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    if close:
        return f" (did you mean {lowered[close[0]]!r}?)"
    if not choices:
        return "; there are none"
    shown = ", ".join(choices[:16]) + (f", ... ({len(choices)} in all)" if len(choices) > 16 else "")
    return f"; expected one of {shown}"


__all__ = ["KeyPath", "ItemId", "Problem", "ScenarioError", "format_path", "parse_path", "one_line", "show_value",
           "did_you_mean"]
