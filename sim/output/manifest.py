"""manifest.json: the one builder of every output folder's manifest (written last: a folder with it is complete).

Every manifest holds the version, what was computed (``what``: the scenario or sweep, seed, replications, ...),
the command line, when, the package versions, the wall time, the SimPy events, the charts and, written by
:func:`write_manifest`, the folder's ``files`` (what makes it provably disarm-sim's, and so replaceable:
:mod:`sim.output.ownership`).  The keys of each command's manifest are documented in docs/contracts.md.
"""

from __future__ import annotations

import datetime as dt
import math
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim._version import __version__
from sim.core.contract import MANIFEST
from sim.core.files import write_json
from sim.output.ownership import folder_files

if TYPE_CHECKING:  # pragma: no cover
    from sim.results.results import Results
    from sim.sweeps.api import SweepResults

PACKAGES = ("simpy", "numpy", "pandas", "pyarrow", "pydantic", "matplotlib", "PyYAML", "dask", "SALib")
"""The packages whose versions every manifest records."""


def package_versions() -> dict[str, str]:
    """The installed versions of :data:`PACKAGES`."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _seconds(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(value, 3)


def build_manifest(*, command: str, charts: list[str], wall_seconds: float, events: int,
                   **what: Any) -> dict[str, Any]:
    """A manifest: the version, ``what`` was computed, then the command, time, packages, wall time, events and
    charts."""
    return {"version": __version__, **what, "command": command,
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "packages": package_versions(), "wall_seconds": _seconds(wall_seconds), "events": int(events),
            "charts": list(charts)}


def run_manifest(results: "Results", command: str, charts: list[str]) -> dict[str, Any]:
    """The manifest of a run folder."""
    return build_manifest(command=command, charts=charts, wall_seconds=results.wall_seconds,
                          events=results.events_processed, scenario=results.name, seed=results.seed,
                          replications=results.replications, resumed_chunks=results.resumed_chunks)


def sweep_manifest(results: "SweepResults", command: str, charts: list[str]) -> dict[str, Any]:
    """The manifest of a sweep folder."""
    sw = results.sweep
    return build_manifest(command=command, charts=charts, wall_seconds=results.wall_seconds,
                          events=results.events_processed, sweep=sw.name, method=results.design.method,
                          seed=sw.seed, samples=sw.samples, points=results.design.size,
                          replications=sw.replications)


def write_manifest(folder: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write ``manifest`` as ``folder``/manifest.json, the folder's last file, with ``files``: every file the
    folder holds then (sub-folders' included), as a relative path.  Returns what was written."""
    manifest = {**manifest, "files": folder_files(Path(folder))}
    write_json(Path(folder) / MANIFEST, manifest)
    return manifest


__all__ = ["write_manifest", "build_manifest", "run_manifest", "sweep_manifest", "package_versions", "PACKAGES"]
