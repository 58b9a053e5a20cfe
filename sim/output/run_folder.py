"""The folder of a run: written atomically (tables, summary, assumptions, charts and report, manifest.json
last), read back, and redrawn from its saved results (``disarm plot``).  See docs/contracts.md for its files.

Reading a folder back (:func:`load_run`) checks every file it reads first -- the manifest, the summary, the
tables, the resolved scenario, the assumptions -- and names the file and what is wrong with it
(:class:`~sim.core.files.OutputError`, or a located :class:`~sim.core.problems.ScenarioError` for the
scenario; exit code 2 from the command line).  Redrawing (:func:`redraw_run`) never half-rewrites a folder:
the charts and the report are drawn into a temporary folder beside it, and moved in only once all of them are
drawn, manifest.json last.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.charts.run import save_run_charts
from sim.core.contract import EVENT_COLUMNS, MANIFEST, PATH_MILESTONES, RUN_COLUMNS, path_column, path_columns
from sim.core.files import OutputError, WriteError, umask, write_failure, write_json, write_parquet, write_text
from sim.core.interrupts import sigint_held
from sim.execution.parts import identity_id
from sim.output.folders import folder_lock, output_folder
from sim.output.manifest import run_manifest, write_manifest
from sim.output.ownership import folder_kind, known_files, read_own_manifest
from sim.report.run import ASSUMPTIONS_FILE, assumptions, write_report
from sim.results.results import Results
from sim.scenario.loading import load_scenario, scenario_to_yaml

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping

    from sim.core.problems import KeyPath
    import pandas as pd

    from sim.execution.parts import PartStore

TIMESERIES_COLUMNS = ("day", "date", "quantity", "mean", "p10", "p50", "p90")
"""The columns of timeseries.parquet (:meth:`sim.results.bands.Bands.frame`)."""

REPORT = "report.html"
SCENARIO_FILE = "scenario.resolved.yaml"


def save_run(results: Results, folder: str | Path, command: str = "", plots: bool = True,
             source: "str | Path | Mapping[KeyPath, str] | None" = None, store: "PartStore | None" = None) -> Path:
    """Write the run folder atomically, manifest.json last.  ``source`` is the scenario file, for the source
    comments of the assumptions.  With ``store`` (the part store the run streamed into), the folder is built in
    its staging folder."""
    folder = Path(folder)
    with output_folder(folder, staging=None if store is None else store.path) as tmp:
        write_parquet(tmp / "runs.parquet", results.runs)
        write_parquet(tmp / "timeseries.parquet", results.timeseries)
        write_parquet(tmp / "events.parquet", results.events)
        write_text(tmp / SCENARIO_FILE, scenario_to_yaml(results.scenario))
        write_json(tmp / "summary.json", results.summary())
        if source is not None:
            write_json(tmp / ASSUMPTIONS_FILE, assumptions(results.scenario, source))
        manifest = run_manifest(results, command, [])
        if store is not None:
            manifest["job"] = identity_id(store.identity)
        if plots:
            manifest["charts"] = render_run(results, tmp, manifest)
        if store is not None:
            store.finish()
        write_manifest(tmp, manifest)
    return folder


def render_run(results: Results, folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Draw every chart and the report into ``folder`` from the tables; returns the charts' names."""
    charts = save_run_charts(results, Path(folder))
    write_report(results, Path(folder), charts, {**manifest, "charts": charts})
    return charts


# ------------------------------------------------------------------------------------------------------
# Reading a run folder back, every file checked
# ------------------------------------------------------------------------------------------------------


def load_run(folder: str | Path) -> Results:
    """Read a complete run folder (one with manifest.json); :class:`OutputError` naming the file if one of
    them is not as disarm-sim writes it."""
    folder = Path(folder)
    manifest = run_folder_manifest(folder)
    summary = json_object(folder / "summary.json")
    if not isinstance(summary.get("scenario"), str):
        raise OutputError(f"{folder / 'summary.json'}: scenario: expected the run's name (text)")
    # a run folder written before critical paths were recorded has no path columns: it still redraws, without
    # the critical-path chart; a folder with some of them must have all
    paths = set(path_columns())
    required = {c.name: c.dtype for c in RUN_COLUMNS if c.name not in paths}
    runs = table(folder / "runs.parquet", required)
    if paths & set(runs.columns):
        runs = with_later_causes(runs)
        check_columns(runs, folder / "runs.parquet", dict.fromkeys(sorted(paths), "float64"))
    timeseries = table(folder / "timeseries.parquet", dict.fromkeys(TIMESERIES_COLUMNS, "float64") | {
        "date": "any", "quantity": "str"})
    events = table(folder / "events.parquet", dict.fromkeys(EVENT_COLUMNS, "str") | {
        "replication": "int64", "day": "float64", "date": "any", "tonnes": "float64"}, rows_needed=False)
    if manifest.get("replications") is not None and manifest["replications"] != len(runs):
        raise OutputError(f"{folder / 'runs.parquet'}: holds {len(runs)} replications, but {folder / MANIFEST} "
                          f"says {manifest['replications']!r}")
    _check_assumptions(folder / ASSUMPTIONS_FILE)
    scenario = load_scenario(folder / SCENARIO_FILE)
    wall = manifest.get("wall_seconds")
    return Results(scenario, runs, timeseries, events, seed=manifest["seed"], name=summary["scenario"],
                   wall_seconds=float("nan") if wall is None else float(wall))


LATER_CAUSES: tuple[str, ...] = ("gate",)
"""Causes of a critical path added after paths were first recorded: a folder written before one has no column
of it."""


def with_later_causes(runs: "pd.DataFrame") -> "pd.DataFrame":
    """``runs`` with the columns of :data:`LATER_CAUSES` a folder written before them lacks: 0 days where the
    milestone was reached (the model of the time had no such cause), null where it was not; in contract order."""
    missing = [(m, path_column(m, c)) for m in PATH_MILESTONES for c in LATER_CAUSES
               if path_column(m, c) not in runs.columns]
    if not missing:
        return runs
    runs = runs.copy()
    for milestone, column in missing:
        runs[column] = runs[f"{milestone}_day"].notna().map({True: 0.0, False: None}).astype("float64")
    known = [c.name for c in RUN_COLUMNS if c.name in runs.columns]
    return runs[known + [c for c in runs.columns if c not in set(known)]]


def run_folder_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the run folder ``folder``, checked: disarm-sim's, of a run, with its seed."""
    manifest = read_own_manifest(folder)
    path = Path(folder) / MANIFEST
    kind = folder_kind(manifest)
    if kind != "run":
        raise OutputError(f"{path}: the manifest of a {kind} folder, not of a run folder (disarm plot redraws the "
                          "folders of disarm run and the scenarios' folders of disarm compare)")
    if "seed" not in manifest:
        raise OutputError(f"{path}: seed: missing (the run's seed)")
    for key, low in (("seed", 0), ("replications", 1)):
        value = manifest.get(key)
        if key in manifest and (isinstance(value, bool) or not isinstance(value, int) or value < low):
            raise OutputError(f"{path}: {key}: expected a whole number of at least {low}, found {value!r}")
    wall = manifest.get("wall_seconds")
    if wall is not None and (isinstance(wall, bool) or not isinstance(wall, (int, float))):
        raise OutputError(f"{path}: wall_seconds: expected a number of seconds or null, found {wall!r}")
    return manifest


MAX_JSON_BYTES = 256 * 1024 * 1024
"""The largest JSON file of a run folder ``disarm plot`` reads (a summary is a few kB)."""


def json_object(path: Path) -> dict[str, Any]:
    from sim.core.files import InputFileError, read_regular_file

    try:  # a regular file only, checked before it is opened: a FIFO put in its place must not hang the command
        raw = read_regular_file(path, MAX_JSON_BYTES)
        if len(raw) > MAX_JSON_BYTES:
            raise OutputError(f"{path}: larger than {MAX_JSON_BYTES:,} bytes")
        data = json.loads(raw.decode("utf-8"))
    except InputFileError as exc:
        raise OutputError(f"{path}: missing" if exc.reason == "no such file" else f"{path}: {exc.reason}") from None
    except OSError as exc:
        raise OutputError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise OutputError(f"{path}: not UTF-8 text") from None
    except ValueError as exc:
        raise OutputError(f"{path}: not JSON ({getattr(exc, 'msg', exc)} at line {getattr(exc, 'lineno', '?')}, "
                          f"column {getattr(exc, 'colno', '?')})") from None
    if not isinstance(data, dict):
        raise OutputError(f"{path}: expected a JSON object")
    return data


def table(path: Path, columns: dict[str, str], rows_needed: bool = True) -> "pd.DataFrame":
    """A Parquet table with (at least) ``columns`` of the right kinds (``str`` text, ``any`` unchecked, else
    numbers or true/false)."""
    import pandas as pd

    if not path.is_file():
        raise OutputError(f"{path}: missing" if not path.exists() else f"{path}: not a regular file")
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds; all mean "not a table we can read"
        raise OutputError(f"{path}: not a Parquet table disarm-sim can read ({' '.join(str(exc).split())})") from None
    check_columns(frame, path, columns)
    if rows_needed and frame.empty:
        raise OutputError(f"{path}: holds no rows")
    return frame


def check_columns(frame: "pd.DataFrame", path: Path, columns: dict[str, str]) -> None:
    """:class:`OutputError` naming ``path`` unless ``frame`` has ``columns`` of the right kinds."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise OutputError(f"{path}: lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    for name, dtype in columns.items():
        kind = frame[name].dtype.kind
        if dtype == "str" and kind not in "OSUT" or dtype not in ("str", "any") and kind not in "biuf":
            raise OutputError(f"{path}: column {name}: expected {'text' if dtype == 'str' else 'numbers'}, found "
                              f"{frame[name].dtype}")


def _check_assumptions(path: Path) -> None:
    """assumptions.json, if there is one (the report shows it): a list of rows of four texts."""
    if not path.exists():
        return
    from sim.core.files import InputFileError, read_regular_file

    try:  # a regular file only (a FIFO must not hang the command), decoded as UTF-8 or named
        rows = json.loads(read_regular_file(path, MAX_JSON_BYTES).decode("utf-8"))
    except InputFileError as exc:
        raise OutputError(f"{path}: {exc.reason}") from None
    except (UnicodeDecodeError, ValueError):
        rows = None
    keys = ("parameter", "value", "unit", "source")
    if not isinstance(rows, list) or not all(isinstance(r, dict) and all(isinstance(r.get(k), str) for k in keys)
                                             for r in rows):
        raise OutputError(f"{path}: expected a JSON list of rows with {', '.join(keys)} as text")


# ------------------------------------------------------------------------------------------------------
# disarm plot: redraw, all or nothing
# ------------------------------------------------------------------------------------------------------


def redraw_run(folder: str | Path) -> list[str]:
    """Redraw the charts and the report of a complete run folder from its saved results; returns the charts.

    Every input is checked before anything is drawn (:func:`load_run`), and the folder must be writable.  The
    charts and the report are drawn into ``.NAME.tmp-*`` beside the folder, then moved in, charts the new
    drawing no longer has are removed and manifest.json (``charts`` and ``files``) is written last: a failure
    while drawing changes nothing.  Files of the user's in the folder are left alone.  The folder's lock is
    held throughout.  (A symbolic link to a run folder is followed: the folder is written into, never
    replaced.)"""
    given = Path(folder)
    folder = given.resolve()
    check_redrawable(given, folder)
    with folder_lock(folder):
        results = load_run(given)
        manifest = run_folder_manifest(given)
        tmp = drawing_folder(given, folder)
        try:
            for name in (ASSUMPTIONS_FILE, SCENARIO_FILE):  # what the report quotes
                if (folder / name).is_file():
                    shutil.copyfile(folder / name, tmp / name)
            try:
                charts = render_run(results, tmp, manifest)
            except (WriteError, OutputError):
                raise
            except Exception as exc:  # noqa: BLE001 - the saved files were checked; whatever is left is theirs
                raise OutputError(f"{given}: cannot redraw its charts from its saved files ({type(exc).__name__}: "
                                  f"{' '.join(str(exc).split())}); nothing in the folder was changed") from None
            move_in(folder, tmp, manifest, charts)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return charts


def check_redrawable(given: Path, folder: Path) -> None:
    """The folder and the one above it (for the lock and the drawing folder) must be writable folders."""
    if not folder.is_dir():
        raise OutputError(f"{given}: not a folder")
    for where in (folder, folder.parent):
        if not os.access(where, os.W_OK | os.X_OK):
            try:
                read_only = bool(os.statvfs(where).f_flag & os.ST_RDONLY)
            except OSError:
                read_only = False
            reason = "a read-only file system" if read_only else "no permission to write"
            raise OutputError(f"{given}: cannot redraw its charts: {where} is on {reason}" if read_only else
                              f"{given}: cannot redraw its charts: {reason} in {where}")


def drawing_folder(given: Path, folder: Path) -> Path:
    with sigint_held():  # the caller's try removes it
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
            os.chmod(tmp, 0o777 & ~umask())
        except OSError as exc:
            raise write_failure(given, exc) from None
    return tmp


def move_in(folder: Path, tmp: Path, manifest: dict[str, Any], charts: list[str],
            drawn: tuple[str, ...] = (REPORT,)) -> None:
    """Move the new charts and the other ``drawn`` files (the report) from ``tmp`` into ``folder``, remove the
    charts no longer drawn, and write the manifest last.  Ctrl-C waits until it is over."""
    old = known_files(manifest) | set(manifest["charts"])
    stale = {c for c in manifest["charts"] if c not in charts and "/" not in c and c != MANIFEST}
    with sigint_held():
        try:
            for name in [*charts, *drawn]:
                os.replace(tmp / name, folder / name)
            for name in sorted(stale):
                (folder / name).unlink(missing_ok=True)
        except OSError as exc:
            raise write_failure(folder, exc) from None
        files = sorted(f for f in (old - stale) | {*charts, *drawn} if (folder / f).is_file())
        write_json(folder / MANIFEST, {**manifest, "charts": charts, "files": files})


__all__ = ["save_run", "render_run", "load_run", "redraw_run", "run_folder_manifest", "check_redrawable",
           "drawing_folder", "move_in", "json_object", "table"]
