"""Which folders are disarm-sim's own output, and so may be replaced whole by a new one.

An output folder is swapped in whole (:mod:`sim.output.folders`): whatever the folder it replaces holds is
deleted.  So an existing folder is replaced only if it is *provably* disarm-sim's, which means both:

1. its ``manifest.json`` is a JSON object with the keys every disarm-sim manifest has had since the first
   version (``version`` and ``command``, text; ``charts``, a list of file names) and the key that names its
   kind (``scenario``: run, backtest, calibrate; ``scenarios``: compare; ``sweep``) -- a web app's or a
   browser extension's manifest.json is not; and
2. every entry in it is a file disarm-sim wrote there: one its manifest lists in ``files`` (every manifest
   written since issue 24 lists the folder's files), or, for an older manifest without that list, one of the
   file names that kind of folder has (:data:`KNOWN_FILES`, the charts its manifest lists, a calibration's
   scenario).  A comparison's run folders are checked the same way, each on its own manifest (``disarm plot``
   may have redrawn them since).  The hidden leftovers of disarm-sim's own writing beside a known entry
   (``.X.abcd1234.tmp`` of an atomic write, ``.X.tmp-*``, ``.X.old-PID``, ``.X.lock``) count as its own too,
   and so do the files a desktop leaves in any folder it shows (:data:`DESKTOP_FILES`, ``._X`` beside a known
   X): a run folder opened in the Finder must stay replaceable.

Anything else -- a user's ``notes.txt``, a ``src/`` folder, a symbolic link, a FIFO -- was not written by
disarm-sim, and the folder is refused (exit code 2) with those entries named, never deleted.  Decision: refuse
rather than carry the user's files over into the new folder, since a file in an output folder is either a
mistake (a wrong ``-o``) or something the user wants to keep where it is.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from sim.core.contract import MANIFEST
from sim.core.files import OutputError

OWN_KEYS: dict[str, type | tuple[type, ...]] = {"version": str, "command": str, "charts": list}
"""The keys (and their JSON types) every manifest disarm-sim has ever written has."""

KIND_KEYS = ("scenarios", "sweep", "scenario", "exported_from", "search")
"""One of these names the kind of folder: compare, sweep, run / backtest / calibrate, ``disarm export``'s
CSV folder, and a red or blue team's search."""

MAX_MANIFEST_BYTES = 16 * 1024 * 1024
"""A manifest is a few kB (a comparison of many scenarios lists many files): a larger one is not ours."""

RUN_FILES = ("runs.parquet", "timeseries.parquet", "events.parquet", "scenario.resolved.yaml", "summary.json",
             "assumptions.json", "report.html")
KNOWN_FILES: dict[str, tuple[str, ...]] = {
    "run": RUN_FILES,
    "compare": ("comparison.json",),
    "sweep": ("points.parquet", "runs.parquet", "sensitivity.json", "sweep.resolved.yaml", "scenario.resolved.yaml",
              "report.html"),
    "backtest": ("backtest.json", "timeseries.parquet", "scenario.resolved.yaml"),
    "search": ("history.parquet", "history.csv", "runs.parquet", "front.csv", "summary.json", "search.resolved.yaml",
               "report.html"),
    "calibrate": ("calibration.json", "points.parquet"),
    "export": (),  # every export manifest lists its files
}
"""The files (besides manifest.json and the charts it lists) of each kind of folder, as every version of
disarm-sim wrote them: what an older manifest without ``files`` is checked against."""

DESKTOP_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
"""What macOS's Finder and Windows' Explorer write into a folder they show: folder settings, thumbnails."""

SHOWN_FOREIGN = 5
"""How many of the entries in the way a refusal names."""

_LEFTOVER = re.compile(r"\.(?P<name>.+)\.(?:[a-z0-9_]{8}\.tmp|tmp-[a-z0-9_]{8}|old-\d+|lock)")
"""A hidden name disarm-sim makes beside an entry X: an atomic write's ``.X.abcd1234.tmp``, a folder being
built ``.X.tmp-abcd1234``, a replaced folder ``.X.old-PID`` (left only by SIGKILL) and a lock ``.X.lock``."""


def folder_kind(manifest: dict[str, Any]) -> str:
    """The kind of folder a manifest (of ours) describes: run, compare, sweep, backtest, calibrate, search or
    export."""
    if "exported_from" in manifest:
        return "export"
    if "scenarios" in manifest:
        return "compare"
    if "sweep" in manifest:
        return "sweep"
    if "calibrated" in manifest:
        return "calibrate"
    if "observed" in manifest:
        return "backtest"
    if "search" in manifest and "side" in manifest:  # disarm redteam / blueteam
        return "search"
    return "run"


def read_own_manifest(folder: Path) -> dict[str, Any]:
    """``folder``'s manifest.json if it is one disarm-sim wrote; else :class:`OutputError` naming the file and
    what is wrong with it."""
    path = Path(folder) / MANIFEST

    def refuse(reason: str) -> OutputError:
        return OutputError(f"{path}: {reason}")

    try:
        if path.is_symlink() or not path.is_file():
            raise refuse("not a regular file")
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise refuse(f"larger than {MAX_MANIFEST_BYTES} bytes: not a manifest of disarm-sim")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise refuse("not UTF-8 text: not a manifest of disarm-sim") from None
    except OSError as exc:
        raise refuse(f"cannot read it: {exc.strerror or exc}") from None
    try:
        manifest = json.loads(text)
    except ValueError as exc:
        raise refuse(f"not JSON ({getattr(exc, 'msg', exc)} at line {getattr(exc, 'lineno', '?')}, column "
                     f"{getattr(exc, 'colno', '?')})") from None
    if not isinstance(manifest, dict):
        raise refuse("not a JSON object: not a manifest of disarm-sim")
    wrong = [key for key, kind in OWN_KEYS.items() if not isinstance(manifest.get(key), kind)]
    if wrong:
        raise refuse(f"not a manifest of disarm-sim (no {', '.join(wrong)} of the right type)")
    if not any(key in manifest for key in KIND_KEYS):
        raise refuse(f"not a manifest of disarm-sim (none of {', '.join(KIND_KEYS)})")
    if not all(isinstance(c, str) for c in manifest["charts"]):
        raise refuse("not a manifest of disarm-sim (charts is not a list of file names)")
    files = manifest.get("files")
    if files is not None and not (isinstance(files, list) and all(isinstance(f, str) for f in files)):
        raise refuse("not a manifest of disarm-sim (files is not a list of file names)")
    return manifest


def known_files(manifest: dict[str, Any]) -> set[str]:
    """The files (relative paths) a folder with this manifest may hold, manifest.json excepted: the manifest's
    ``files``, or for an older manifest the names its kind of folder has."""
    if isinstance(manifest.get("files"), list):
        return set(manifest["files"])
    kind = folder_kind(manifest)
    known = set(KNOWN_FILES[kind]) | {c for c in manifest["charts"] if "/" not in c}
    if kind == "calibrate" and isinstance(manifest.get("calibrated"), str):
        known.add(manifest["calibrated"])
    return known


def foreign_entries(folder: Path, limit: int = SHOWN_FOREIGN) -> list[str]:
    """The entries of the output folder ``folder`` that disarm-sim did not write (relative paths, folders
    ending in ``/``; at most ``limit`` + 1 of them).  :class:`OutputError` if its manifest is not ours."""
    manifest = read_own_manifest(folder)
    scenarios = manifest["scenarios"] if folder_kind(manifest) == "compare" else []
    runs = {name for name in scenarios if isinstance(name, str)} if isinstance(scenarios, list) else set()
    foreign: list[str] = []
    _scan(Path(folder), "", known_files(manifest), runs, foreign, limit + 1)
    return foreign


def _scan(folder: Path, prefix: str, known: set[str], runs: set[str], foreign: list[str], limit: int) -> None:
    """Add to ``foreign`` the entries under ``folder`` (``prefix`` is its path in the output folder) that are
    not known outputs; ``runs`` are the names of sub-folders that are run folders of their own."""
    with os.scandir(folder) as entries:
        listing = sorted(entries, key=lambda e: e.name)
    for entry in listing:
        if len(foreign) >= limit:
            return
        rel = prefix + entry.name
        if entry.is_symlink():
            foreign.append(rel)
        elif entry.is_dir(follow_symlinks=False):
            if entry.name in runs and not prefix:
                try:
                    inner = foreign_entries(Path(entry.path), limit - len(foreign))
                except OutputError:
                    foreign.append(rel + "/")
                else:
                    foreign += [f"{rel}/{name}" for name in inner]
            elif any(path.startswith(rel + "/") for path in known):
                _scan(Path(entry.path), rel + "/", known, set(), foreign, limit)
            elif not _leftover(entry.name, known | runs, prefix):
                foreign.append(rel + "/")
        elif entry.is_file(follow_symlinks=False):
            if rel != MANIFEST and rel not in known and not _leftover(entry.name, known | runs, prefix):
                foreign.append(rel)
        else:  # a FIFO, a socket, a device
            foreign.append(rel)


def _leftover(name: str, known: set[str], prefix: str) -> bool:
    """Whether ``name`` is a hidden leftover of disarm-sim's own writing beside a known entry, or a desktop's
    file (``.DS_Store``, or ``._X``, macOS's AppleDouble file of a known X)."""
    if name in DESKTOP_FILES:
        return True
    match = _LEFTOVER.fullmatch(name)
    if match is None and not name.startswith("._"):
        return False
    target = prefix + (match["name"] if match is not None else name[2:])
    return target in known or target == MANIFEST or any(path.startswith(target + "/") for path in known)


def check_replaceable(folder: Path) -> None:
    """Raise :class:`OutputError` unless the existing folder ``folder`` may be replaced whole: it is empty,
    or it is provably disarm-sim's output (see the module's docstring)."""
    folder = Path(folder)
    with os.scandir(folder) as entries:
        if next(entries, None) is None:
            return
    if not (folder / MANIFEST).exists() and not (folder / MANIFEST).is_symlink():
        raise OutputError(f"{folder}: exists and is not an output folder of disarm-sim (no {MANIFEST}); refusing "
                          "to replace it: remove it or choose another output folder")
    try:
        foreign = foreign_entries(folder)
    except OutputError as exc:
        raise OutputError(f"{folder}: exists and is not an output folder of disarm-sim ({exc}); refusing to "
                          "replace it: remove it or choose another output folder") from None
    if foreign:
        shown = ", ".join(foreign[:SHOWN_FOREIGN]) + (", ..." if len(foreign) > SHOWN_FOREIGN else "")
        raise OutputError(f"{folder}: holds files disarm-sim did not write ({shown}); refusing to replace it, "
                          "which would delete them: move them out or choose another output folder")


def folder_files(folder: Path) -> list[str]:
    """Every file under ``folder`` as a sorted relative path (``/``-separated), manifest.json excepted: what
    a manifest's ``files`` lists."""
    folder = Path(folder)
    files = []
    for root, _, names in os.walk(folder):
        for name in names:
            rel = (Path(root) / name).relative_to(folder).as_posix()
            if rel != MANIFEST:
                files.append(rel)
    return sorted(files)


__all__ = ["check_replaceable", "foreign_entries", "read_own_manifest", "known_files", "folder_kind",
           "folder_files", "KNOWN_FILES", "RUN_FILES"]
