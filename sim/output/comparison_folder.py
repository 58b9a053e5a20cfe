"""The folder of a comparison: one run folder per scenario, comparison.json (paired differences), the charts,
manifest.json last.

Each scenario's run folder is named after the scenario (its file's stem, from the command line).  A name is a
file name inside the comparison's folder, so it is made safe before anything is simulated
(:func:`run_folder_names`): leading dots are dropped (they would make the folder hidden, or name the current
or the parent folder: stems ``.`` and ``..``), and a name left empty is ``scenario``; a name may not be one of
the comparison's own files (a stem ``manifest.json`` or ``comparison.json``) nor repeat another name, even in
another case (file systems that ignore case would merge the two folders): ``_`` is appended until it is new.
(Not a leading ``_``: Matplotlib leaves labels that start with one out of a chart's legend.)
:func:`check_run_folder_names` refuses unsafe names given to the Python API.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from sim.charts.comparison import save_comparison_charts
from sim.core.contract import MANIFEST
from sim.core.files import OutputError, write_json
from sim.output.folders import MAX_FOLDER_NAME_BYTES, output_folder
from sim.output.manifest import build_manifest, write_manifest
from sim.output.run_folder import save_run

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping

    from sim.core.problems import KeyPath
    from sim.comparison.paired import Comparison

COMPARISON_FILES = (MANIFEST, "comparison.json", "compare_removed.png", "compare_destroyed.png",
                    "compare_differences.png", "report.html")
"""The files of a comparison's own (``report.html``: kept free for one), which no run folder may be named."""


def run_folder_names(stems: Sequence[str], files: Sequence[str | Path] | None = None) -> list[str]:
    """The names of the run folders of a comparison of scenarios whose file stems are ``stems`` (see the
    module's docstring).  :class:`OutputError` naming the file (``files``, in the same order) if a name is
    too long for a folder."""
    taken = {name.casefold() for name in COMPARISON_FILES}
    names = []
    for k, stem in enumerate(stems):
        name = stem.lstrip(".") or "scenario"
        while name.casefold() in taken:
            name += "_"
        if len(os.fsencode(name)) > MAX_FOLDER_NAME_BYTES:
            where = files[k] if files is not None else stem
            raise OutputError(f"{where}: its name is too long to name its run folder in the comparison (at most "
                              f"{MAX_FOLDER_NAME_BYTES} bytes); rename the file")
        taken.add(name.casefold())
        names.append(name)
    return names


def check_run_folder_names(names: Sequence[str]) -> None:
    """:class:`OutputError` unless every name can name a run folder inside the comparison's folder."""
    seen: set[str] = set()
    for name in names:
        unsafe = (not name or name.startswith(".") or "/" in name or "\0" in name or os.sep in name
                  or name.casefold() in {f.casefold() for f in COMPARISON_FILES} or name.casefold() in seen
                  or len(os.fsencode(name)) > MAX_FOLDER_NAME_BYTES)
        if unsafe:
            raise OutputError(f"comparison: the scenario name {name!r} cannot name a folder in the comparison's "
                              "folder (empty, hidden, a path, one of its own files, a repeat, or too long)")
        seen.add(name.casefold())


def save_comparison(comparison: "Comparison", folder: str | Path, command: str = "", plots: bool = True,
                    sources: "list[str | Path | Mapping[KeyPath, str] | None] | None" = None) -> Path:
    """Write the comparison folder atomically: a run folder per scenario (named by the scenario's name in the
    comparison; ``sources`` are their files, for the assumptions), comparison.json, charts, manifest.json."""
    folder = Path(folder)
    check_run_folder_names(comparison.names)
    sources = list(sources) if sources is not None else [None] * len(comparison.names)
    with output_folder(folder) as tmp:
        for name, results, source in zip(comparison.names, comparison.results, sources):
            save_run(results, tmp / name, command=command, plots=plots, source=source)
        write_json(tmp / "comparison.json", comparison.to_json())
        charts = save_comparison_charts(comparison, tmp) if plots else []
        write_manifest(tmp, build_manifest(
            command=command, charts=charts, wall_seconds=sum(r.wall_seconds for r in comparison.results),
            events=sum(r.events_processed for r in comparison.results), scenarios=list(comparison.names),
            seed=comparison.seed, replications=len(comparison.results[0].runs)))
    return folder


__all__ = ["save_comparison", "run_folder_names", "check_run_folder_names", "COMPARISON_FILES"]
