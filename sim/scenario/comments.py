"""Source comments: the comments attached to each key of a scenario file, for the assumptions table.

They come from the text of each file **as it was read when the scenario was loaded** (:class:`Tree.sources
<sim.scenario.loading.Tree>`), never from a second reading: a file edited or deleted while a run simulates must
neither crash the save at the end nor mix two versions of the file in assumptions.json.  A command loads its
scenario with :func:`load_with_comments` and hands the comments to the run folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from sim.core.problems import KeyPath
from sim.scenario.loading import SourceText, load_tree, validate_tree

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario.schema import Scenario

SourceComments = dict[KeyPath, str]
"""Key path -> the comment that documents it (its own, its nearest commented parent's, or the file's header)."""


def comments_of(sources: Sequence[SourceText]) -> SourceComments:
    """The comments attached to each key path of the files of an ``extends`` chain, the file first.

    A key's comment is the block of comment lines right above it plus its inline comment; the child file's
    comments win over its parents'.  Used to show each parameter's source next to its value.
    """
    comments: SourceComments = {}
    for source in reversed(sources):  # parents first, so children override
        raw = source.text.removeprefix("\ufeff").splitlines()
        header_end = next((k for k, ln in enumerate(raw) if ln.strip() and not ln.strip().startswith("#")), 0)
        header = " ".join(ln.strip().lstrip("#").strip() for ln in raw[:header_end] if ln.strip())
        own = {key_path: _comment_at(raw, line, header_end) for key_path, (_, line) in source.lines.items()
               if key_path and line is not None}
        for key_path in own:
            # a key without a comment of its own takes its nearest commented parent's, else the file's header
            found = next((own[key_path[:n]] for n in range(len(key_path), 0, -1) if own.get(key_path[:n])), header)
            if found:
                comments[key_path] = found
    return comments


def load_with_comments(path: str | Path, overrides: list[str] | None = None) -> "tuple[Scenario, SourceComments]":
    """:func:`~sim.scenario.loading.load_scenario` and the source comments of the very text it loaded."""
    tree = load_tree(path, overrides)
    return validate_tree(tree, str(path)), comments_of(tree.sources)


def source_comments(path: str | Path) -> SourceComments:
    """The source comments of a scenario file and its ``extends`` chain, read now (once, for the Python API:
    ``results.save(folder, source="x.yaml")``).  Commands use :func:`load_with_comments` instead."""
    return comments_of(load_tree(path).sources)


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


__all__ = ["SourceComments", "comments_of", "load_with_comments", "source_comments"]
