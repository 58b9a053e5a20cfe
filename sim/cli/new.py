"""``disarm new NAME [--like SCENARIO]``: where the new scenario file goes and what it extends.

The file is ``NAME.yaml`` in the current folder (or NAME itself when it ends in ``.yaml``); an existing file is
never replaced (exit 2).  With ``--like``, the scenario it extends must load (so the new file validates at
once): a bundled scenario is named bare (``extends: syria_2013``, found from any folder), a file by its path
relative to the new file.
"""

from __future__ import annotations

import os
from pathlib import Path

from sim.core.files import OutputError
from sim.core.problems import Problem, ScenarioError


def write_new_scenario(name: str, like: str | None) -> tuple[Path, str | None]:
    """Write the new scenario file; returns its path and what it extends (None for a skeleton)."""
    from sim.scenario.loading import bundled_scenario, load_scenario
    from sim.scenario.skeleton import extends_text, skeleton_text

    for given in (name, like or ""):
        if not given.isprintable():  # a line break in a path would end a comment of the file
            raise ScenarioError([Problem("new", None, "", f"{given!r}: a name or path with control characters")])
    path = Path(name if name.endswith(".yaml") else f"{name}.yaml")
    stem = path.stem
    try:
        from sim.scenario.skeleton import check_name

        check_name(stem)
    except ValueError as exc:
        raise ScenarioError([Problem("new", None, "", str(exc))]) from None
    if path.exists() or path.is_symlink():
        raise OutputError(f"{path}: exists already; disarm new never replaces a file: choose another name")
    base: str | None = None
    if like is None:
        text = skeleton_text(stem, str(path))
    else:
        target = Path(like)
        bundled = bundled_scenario(like) if not target.exists() else None
        scenario = load_scenario(bundled if bundled is not None else target)  # ScenarioError: exit 2, located
        if bundled is not None:
            base = like.removesuffix(".yaml")
        else:
            base = os.path.relpath(target.resolve(), path.resolve().parent)
        text = extends_text(stem, str(path), base, scenario.name, like)
    try:
        with open(path, "x", encoding="utf-8") as handle:  # "x": never over a file made meanwhile
            handle.write(text)
    except FileExistsError:
        raise OutputError(f"{path}: exists already; disarm new never replaces a file: choose another name") from None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write it: {exc.strerror or exc}") from None
    return path, base


__all__ = ["write_new_scenario"]
