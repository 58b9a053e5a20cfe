"""How a child scenario merges over the file it extends, and how key paths name the items of a list.

Mappings merge key by key; the items of the lists of named items (:data:`KEYED_LISTS`) merge by their key
(``id``, or ``region``); anything else, other lists included, is replaced whole.  Every key path of the result
keeps the (file, line) it came from, so a problem is reported where the user wrote the value.
"""

from __future__ import annotations

from typing import Any

from sim.core.problems import ItemId, KeyPath, Problem, ScenarioError, format_path, show_value


def key_paths(data: Any, prefix: KeyPath = ()) -> list[KeyPath]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += key_paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += key_paths(v, prefix + (i,))
    return out


KEYED_LISTS: dict[tuple[str, ...], str] = {
    ("sites",): "id", ("lots",): "id", ("ships",): "id", ("facilities",): "id", ("deadlines",): "id",
    ("gates",): "id", ("places",): "id", ("pools",): "id", ("links",): "id",
    ("security", "regions"): "region",
    ("plan", "stages"): "id", ("concealment", "items"): "id",
}
"""The lists whose items are named by a key (``id``, or ``region`` for the closures of a region): under
``extends:`` a child's items merge with the parent's by that key, and ``--set``/``set:`` paths may name an item
by it (``sites[S03].road_days_to_port``).  Every other list is replaced whole."""

REMOVE = "remove"
"""``{id: S03, remove: true}`` in a child's keyed list removes the parent's item S03."""


def _names(path: KeyPath) -> tuple[str, ...]:
    return tuple(p for p in path if isinstance(p, str))


def keyed_list_key(path: KeyPath) -> str | None:
    """The key that names the items of the list at ``path`` (:data:`KEYED_LISTS`), or None."""
    return KEYED_LISTS.get(_names(path)) if path and not isinstance(path[-1], int) else None


def _relocate(source: dict[KeyPath, Any], src: KeyPath, dst: KeyPath, value: Any,
              out: dict[KeyPath, Any]) -> None:
    """Copy the lines of ``value``'s key paths from under ``src`` in ``source`` to under ``dst`` in ``out``."""
    for sub in key_paths(value):
        where = source.get(src + sub)
        if where is not None:
            out[dst + sub] = where


def merge_data(base: Any, child: Any, path: KeyPath, bpath: KeyPath, cpath: KeyPath,
           base_lines: dict[KeyPath, Any], child_lines: dict[KeyPath, Any], out: dict[KeyPath, Any]) -> Any:
    """``child`` (a file's data at ``cpath``) merged over ``base`` (its parent's at ``bpath``), placed at ``path``;
    ``out`` gets the (file, line) of every key path of the result.

    Mappings merge key by key; the items of a keyed list (:data:`KEYED_LISTS`) merge by their key
    (:func:`_merge_keyed`); anything else, other lists included, is replaced whole by the child's.  A
    distribution of another family (a different ``dist``) replaces the inherited one whole: a child turning
    ``{dist: triangular, low, mode, high}`` into ``{dist: uniform, low, high}`` must not inherit ``mode``.
    """
    if isinstance(base, dict) and isinstance(child, dict) and not ("dist" in child
                                                                   and child["dist"] != base.get("dist")):
        merged: dict[str, Any] = {}
        for key, value in base.items():
            if key in child:
                merged[key] = merge_data(value, child[key], path + (key,), bpath + (key,), cpath + (key,), base_lines,
                                     child_lines, out)
            else:
                merged[key] = value
                _relocate(base_lines, bpath + (key,), path + (key,), value, out)
        for key, value in child.items():
            if key not in base:
                merged[key] = value
                _relocate(child_lines, cpath + (key,), path + (key,), value, out)
        where = child_lines.get(cpath) or base_lines.get(bpath)
        if where is not None:
            out[path] = where
        return merged
    key = keyed_list_key(path)
    if key is not None and isinstance(base, list) and isinstance(child, list) and child:  # [] empties the list
        where = child_lines.get(cpath) or base_lines.get(bpath)
        if where is not None:
            out[path] = where  # a problem with the list as a whole is located at the child's list
        return _merge_keyed(base, child, key, path, bpath, cpath, base_lines, child_lines, out)
    _relocate(child_lines, cpath, path, child, out)
    return child


def _merge_keyed(base: list[Any], child: list[Any], key: str, path: KeyPath, bpath: KeyPath, cpath: KeyPath,
                 base_lines: dict[KeyPath, Any], child_lines: dict[KeyPath, Any],
                 out: dict[KeyPath, Any]) -> list[Any]:
    """A child's keyed list over its parent's: the parent's items in their order, each changed by the child's
    item of the same key (merged key by key) or removed by ``{KEY: ..., remove: true}``; then the child's new
    items, in its order.  (An empty list, ``sites: []``, is no merge: it empties the list, as written.)  To
    change one value of one item, ``set:`` is shorter: ``sites[S03].x: 4``."""
    problems: list[Problem] = []

    def where(j: int) -> tuple[str, int | None]:
        return child_lines.get(cpath + (j,)) or child_lines.get(cpath) or ("", None)

    index = {item[key]: i for i, item in enumerate(base) if isinstance(item, dict) and isinstance(item.get(key), str)}
    changes: dict[str, int] = {}
    removed: set[str] = set()
    new: list[int] = []
    for j, item in enumerate(child):
        name = item.get(key) if isinstance(item, dict) else None
        label, line = where(j)
        if not isinstance(name, str):
            given = isinstance(item, dict) and key in item
            problems.append(Problem(label, line, format_path(path + (j,)),
                                    f"the items of {format_path(path)} merge with the parent's by their {key}: "
                                    + (f"its {key} must be text, got {show_value(name)}" if given
                                       else f"give this item its {key}")))
            continue
        if name in changes or name in removed or name in [child[k][key] for k in new]:
            problems.append(Problem(label, line, format_path(path + (j,)), f"{key} {name!r} appears twice"))
            continue
        if item.get(REMOVE) is True:
            if name not in index:
                problems.append(Problem(label, line, format_path(path + (j,)),
                                        f"remove: the parent has no item {name!r} in {format_path(path)} "
                                        f"(its items: {', '.join(index) or 'none'})"))
            elif set(item) - {key, REMOVE}:
                problems.append(Problem(label, line, format_path(path + (j,)),
                                        f"an item removed by remove: true has only its {key} and remove"))
            removed.add(name)
        elif REMOVE in item and item[REMOVE] is not False:
            problems.append(Problem(label, line, format_path(path + (j,), ) + ".remove",
                                    f"expected true, got {show_value(item[REMOVE])}"))
        elif name in index:
            changes[name] = j
        else:
            new.append(j)
    if problems:
        raise ScenarioError(problems)
    merged: list[Any] = []
    for i, item in enumerate(base):
        name = item.get(key) if isinstance(item, dict) else None
        if name in removed:
            continue
        at = path + (len(merged),)
        if name in changes:
            j = changes[name]
            change = {k: v for k, v in child[j].items() if k != REMOVE}
            merged.append(merge_data(item, change, at, bpath + (i,), cpath + (j,), base_lines, child_lines, out))
        else:
            merged.append(item)
            _relocate(base_lines, bpath + (i,), at, item, out)
    for j in new:
        at = path + (len(merged),)
        item = {k: v for k, v in child[j].items() if k != REMOVE}
        merged.append(item)
        _relocate(child_lines, cpath + (j,), at, item, out)
    return merged


def resolve_item_ids(data: Any, path: KeyPath) -> KeyPath:
    """``path`` with every item named by its id (:class:`~sim.core.problems.ItemId`) replaced by its index in
    ``data``; ValueError naming the list and its ids if there is no such item."""
    if not any(isinstance(p, ItemId) for p in path):
        return path
    out: list[Any] = []
    target = data
    for part in path:
        if isinstance(part, ItemId):
            here = tuple(out)
            key = keyed_list_key(here) or "id"
            if not isinstance(target, list):
                raise ValueError(f"{format_path(here)} is not a list")
            ids = [item.get(key) for item in target if isinstance(item, dict)]
            matches = [i for i, item in enumerate(target) if isinstance(item, dict) and item.get(key) == part]
            if not matches:
                shown = ", ".join(str(i) for i in ids[:12]) + (", ..." if len(ids) > 12 else "")
                raise ValueError(f"{format_path(here)}: no item with {key} {str(part)!r} (its items: {shown})")
            part = matches[0]
        out.append(part)
        try:
            target = target[part]
        except (KeyError, IndexError, TypeError):
            target = None
    return tuple(out)


def deep_merge(base: Any, override: Any) -> Any:
    """``override`` merged over ``base`` as ``extends:`` merges a child over its parent (:func:`merge_data`)."""
    return merge_data(base, override, (), (), (), {}, {}, {})




__all__ = ["KEYED_LISTS", "REMOVE", "keyed_list_key", "key_paths", "merge_data", "resolve_item_ids", "deep_merge"]
