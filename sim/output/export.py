"""``disarm export``: an output folder's tables as CSV files or one Excel workbook, for readers who do not
use Parquet or JSON.

What is exported, by kind of folder (the kind its manifest names; every file is read as a regular file only):

* a run folder - ``runs`` (one row per replication, a calendar ``*_date`` column beside every ``*_day``
  column), ``milestones``, ``deadlines`` and ``outcomes`` (summary.json as tables), ``timeseries``, ``events``;
* a sweep folder - ``points``, ``runs``, ``sensitivity`` (:func:`sim.sweeps.tables.sensitivity_frame`);
* a comparison folder - ``differences`` (comparison.json, one row per scenario and outcome) and each
  scenario's ``runs``;
* a backtest folder - ``observations`` (backtest.json, one row per observation, sources joined as text);
* a calibration folder - ``points`` (every evaluated point with its score).

Where: beside the folder, never inside it (an output folder holds what its command wrote, no more):
``NAME-csv/`` (one ``<table>.csv`` per table and a manifest, built aside and swapped in whole, replacing only
an earlier export, under the rules of every output folder) or ``NAME.xlsx`` (one sheet per table, written to a
temporary name and renamed; an existing file is replaced only if it is a workbook disarm-sim exported).  ``-o`` chooses another place.  CSV files are UTF-8 with a
header row, ``.`` as decimal point and an empty field for a missing value (so an empty text, such as an event
with no entity, reads back as missing too: ``keep_default_na=False`` keeps it as text); pandas 3's ``read_csv`` reads every
number back exactly (pandas 2: pass ``float_precision="round_trip"``).  A workbook keeps numbers to 16
significant digits (openpyxl writes ``%.16g``; Excel shows 15), so they read back equal to a relative 1e-15;
an integer is a double there, so an integer column with values beyond 2**53 (the replications' 64-bit
``seed``) is written as text, every digit kept.  A table longer than an Excel sheet can hold (1,048,576 rows)
is refused for ``xlsx`` with a message pointing to ``csv``.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from sim.core.contract import MANIFEST, MILESTONE_LABELS
from sim.core.files import InputFileError, OutputError, read_regular_file, write_atomic
from sim.output.comparison_folder import check_run_folder_names
from sim.output.folders import folder_lock, output_folder
from sim.output.manifest import build_manifest, write_manifest
from sim.output.ownership import folder_kind, read_own_manifest
from sim.output.run_folder import json_object, table

FORMATS = ("csv", "xlsx")
EXCEL_MAX_ROWS = 1_048_576 - 1  # one row for the header
EXCEL_SHEET_NAME_CHARS = 31
MAX_FRONT_BYTES = 64 * 1024 * 1024
"""The most a search folder's front.csv may hold (a front is at most the search's evaluations)."""


def _parquet(path: Path) -> pd.DataFrame:
    """A Parquet table of the folder, checked to be a regular file and readable (rows or none)."""
    return table(path, {}, rows_needed=False)


def _ci(entry: dict[str, Any], key: str = "ci95") -> dict[str, Any]:
    low, high = (entry.get(key) or [None, None])[:2]
    return {"ci95_low": low, "ci95_high": high}


def run_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The tables of a run folder (see the module's docstring)."""
    from sim.results.tables import with_dates

    summary = json_object(folder / "summary.json")
    milestones = pd.DataFrame([
        {"milestone": m, "label": MILESTONE_LABELS.get(m, m), "reached_fraction": e["reached_fraction"],
         **{f"p{q}_day": e.get(f"p{q}") for q in (10, 50, 90)},
         **{f"p{q}_date": e.get(f"p{q}_date") for q in (10, 50, 90)}}
        for m, e in summary["milestones"].items()])
    deadlines = pd.DataFrame([
        {"deadline": d, "date": e["date"], "milestone": e["milestone"], "description": e.get("description"),
         "p_met": e["p_met"], **_ci(e), **{f"days_late_p{q}": e["days_late"].get(f"p{q}") for q in (10, 50, 90)}}
        for d, e in summary["deadlines"].items()],
        columns=["deadline", "date", "milestone", "description", "p_met", "ci95_low", "ci95_high",
                 "days_late_p10", "days_late_p50", "days_late_p90"])
    outcomes = pd.DataFrame([{"outcome": o, **e} for o, e in summary["outcomes"].items()])
    return {
        "runs": with_dates(_parquet(folder / "runs.parquet"), summary["start_date"]),
        "milestones": milestones,
        "deadlines": deadlines,
        "outcomes": outcomes,
        "timeseries": _parquet(folder / "timeseries.parquet"),
        "events": _parquet(folder / "events.parquet"),
    }


def sweep_tables(folder: Path) -> dict[str, pd.DataFrame]:
    from sim.sweeps.tables import sensitivity_frame

    return {"points": _parquet(folder / "points.parquet"), "runs": _parquet(folder / "runs.parquet"),
            "sensitivity": sensitivity_frame(json_object(folder / "sensitivity.json"))}


def comparison_tables(folder: Path) -> dict[str, pd.DataFrame]:
    data = json_object(folder / "comparison.json")
    rows = [{"scenario": name, "baseline": data["baseline"], "outcome": metric, "mean_difference": e["mean_diff"],
             **_ci(e), "sd_difference": e.get("sd_diff"), "pairs": e.get("n"),
             "censored_pairs": e.get("censored_pairs")}
            for name, metrics in data["scenarios"].items() for metric, e in metrics.items()]
    tables = {"differences": pd.DataFrame(rows)}
    names = read_own_manifest(folder).get("scenarios")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise OutputError(f"{folder / MANIFEST}: scenarios: expected the names of the scenarios")
    check_run_folder_names(names)  # never a path out of the folder
    for name in names:
        tables[f"runs_{name}"] = _parquet(folder / name / "runs.parquet")  # a missing one is named
    return tables


def backtest_tables(folder: Path) -> dict[str, pd.DataFrame]:
    data = json_object(folder / "backtest.json")
    rows = []
    for row in [*data["observations"], *data["unscored"]]:
        flat = dict(row)
        flat["sources"] = "; ".join(" ".join(str(v) for v in s.values() if v) for s in row.get("sources") or [])
        rows.append(flat)
    return {"observations": pd.DataFrame(rows)}


def calibration_tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {"points": _parquet(folder / "points.parquet")}


def search_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """A red or blue team's search: every evaluation (history), the front, and the candidates' runs."""
    json_object(folder / "summary.json")  # a folder whose summary is not as disarm-sim writes it is named
    tables = {"history": _parquet(folder / "history.parquet")}
    front = folder / "front.csv"
    if front.exists() or front.is_symlink():
        try:
            data = read_regular_file(front, MAX_FRONT_BYTES)
        except InputFileError as exc:
            raise OutputError(f"{front}: {exc}") from None
        if len(data) > MAX_FRONT_BYTES:
            raise OutputError(f"{front}: larger than {MAX_FRONT_BYTES:,} bytes: not as disarm-sim writes it")
        tables["front"] = pd.read_csv(io.BytesIO(data))
    tables["runs"] = _parquet(folder / "runs.parquet")
    return tables


KINDS: dict[str, Callable[[Path], dict[str, pd.DataFrame]]] = {
    "run": run_tables, "sweep": sweep_tables, "compare": comparison_tables, "backtest": backtest_tables,
    "calibrate": calibration_tables, "search": search_tables,
}
"""The tables of each kind of output folder (the kind its manifest names, :func:`sim.output.ownership.folder_kind`)."""


def folder_tables(folder: Path) -> tuple[str, dict[str, pd.DataFrame]]:
    """The kind of the output folder and its tables; :class:`OutputError` if it is not a complete one, naming
    the file that is missing or not as disarm-sim writes it."""
    folder = Path(folder)
    if not folder.is_dir() or not (folder / MANIFEST).exists():
        raise OutputError(f"{folder}: not a complete output folder of disarm-sim (no {MANIFEST})")
    kind = folder_kind(read_own_manifest(folder))
    if kind not in KINDS:
        raise OutputError(f"{folder}: a {kind} folder; disarm export reads the folders of disarm run, sweep, "
                          "compare, backtest, calibrate, redteam and blueteam")
    try:
        return kind, KINDS[kind](folder)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a JSON file not as disarm-sim writes it
        source = JSON_FILES[kind]
        raise OutputError(f"{folder / source}: not as disarm-sim writes it ({type(exc).__name__}: "
                          f"{' '.join(str(exc).split())})") from None


JSON_FILES = {"run": "summary.json", "sweep": "sensitivity.json", "compare": "comparison.json",
              "backtest": "backtest.json", "calibrate": "calibration.json", "search": "summary.json"}
"""The JSON file each kind of folder's tables are built from (named when it is not as disarm-sim writes it)."""


def default_destination(folder: Path, fmt: str) -> Path:
    """``NAME-csv/`` or ``NAME.xlsx`` beside the folder."""
    folder = Path(folder)
    name = folder.resolve().name
    return folder.resolve().parent / (f"{name}-csv" if fmt == "csv" else f"{name}.xlsx")


EXCEL_EXACT_INTEGER = 2**53
"""Integers above this lose digits as Excel's doubles."""


def excel_safe(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every integer column holding values beyond :data:`EXCEL_EXACT_INTEGER` as text."""
    out = table
    for column in table.columns:
        values = table[column]
        if pd.api.types.is_integer_dtype(values) and len(values) and \
                int(values.abs().max() if pd.api.types.is_signed_integer_dtype(values) else values.max()) \
                > EXCEL_EXACT_INTEGER:
            out = out.copy() if out is table else out
            out[column] = values.astype(str)
    return out


def sheet_names(names: list[str]) -> list[str]:
    """Excel sheet names: at most 31 characters, none of ``[]:*?/\\``, unique."""
    out: list[str] = []
    for name in names:
        clean = "".join("_" if c in '[]:*?/\\' else c for c in name)[:EXCEL_SHEET_NAME_CHARS]
        candidate, k = clean, 1
        while candidate in out:
            suffix = f"~{k}"
            candidate, k = clean[: EXCEL_SHEET_NAME_CHARS - len(suffix)] + suffix, k + 1
        out.append(candidate)
    return out


WORKBOOK_CREATOR = "disarm-sim"
"""The creator a workbook of ``disarm export`` names in its properties: how a later export knows it may
replace the file."""


def check_replaceable_workbook(path: Path) -> None:
    """Refuse (:class:`OutputError`) to write over an existing file that is not a workbook disarm-sim exported:
    the user's own spreadsheet is never replaced."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise OutputError(f"{path}: is not a regular file; give a file name ending in .xlsx")
    if not path.exists():
        return
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True)
        creator = workbook.properties.creator
        workbook.close()
    except Exception:  # noqa: BLE001 - whatever it is, it is not a workbook of ours
        creator = None
    if creator != WORKBOOK_CREATOR:
        raise OutputError(f"{path}: exists and is not a workbook disarm-sim exported; refusing to replace it: "
                          "remove it or give another file name")


def check_destination(folder: Path, destination: Path, fmt: str) -> None:
    """Refuse (:class:`OutputError`, before anything is written) a destination that is the exported folder, lies
    inside it or contains it, and, for CSV, an existing folder that is not an earlier export: an export never
    replaces a run's, sweep's or comparison's results, and never writes into them."""
    source, target = folder.resolve(), destination.resolve()
    if target == source or source in target.parents or target in source.parents:
        raise OutputError(f"{destination}: is the exported folder, inside it or contains it; an export goes beside "
                          "the folder: choose another place")
    if fmt == "csv" and destination.is_dir() and any(destination.iterdir()):
        try:
            kind = folder_kind(read_own_manifest(destination))
        except OutputError:
            kind = None
        if kind != "export":
            raise OutputError(f"{destination}: exists and is not an earlier disarm export; refusing to replace it: "
                              "remove it or choose another place")


def export_folder(folder: Path, fmt: str, destination: Path | None = None,
                  command: str = "") -> tuple[str, Path, list[str]]:
    """Export an output folder's tables; returns its kind, where they went and the tables' names.

    The CSV folder is an output folder like any other (built aside, swapped in, its manifest listing its files),
    so a second export replaces it and nothing else; a workbook replaces only a workbook disarm-sim exported."""
    if fmt not in FORMATS:
        raise OutputError(f"--format {fmt}: choose one of {', '.join(FORMATS)}")
    kind, tables = folder_tables(folder)
    destination = Path(destination) if destination is not None else default_destination(folder, fmt)
    check_destination(Path(folder), destination, fmt)
    if fmt == "csv":
        with output_folder(destination) as tmp:
            for name, table in tables.items():
                write_atomic(tmp / f"{name}.csv", lambda path, t=table: t.to_csv(path, index=False))
            write_manifest(tmp, build_manifest(command=command, charts=[], wall_seconds=math.nan, events=0,
                                               exported_from=str(Path(folder).resolve()), kind=kind,
                                               format="csv", tables={name: f"{name}.csv" for name in tables}))
        return kind, destination, list(tables)
    check_sheet_rows(folder, tables)
    check_replaceable_workbook(destination)
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{destination}: cannot create its folder: {exc.strerror or exc}") from None

    with folder_lock(destination):
        check_replaceable_workbook(destination)
        write_atomic(destination, lambda path: write_workbook(path, folder, kind, tables))
    return kind, destination, list(tables)


def check_sheet_rows(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    """Refuse (:class:`OutputError`) tables longer than an Excel sheet."""
    too_long = [f"{name} ({len(t):,} rows)" for name, t in tables.items() if len(t) > EXCEL_MAX_ROWS]
    if too_long:
        raise OutputError(f"{folder}: {', '.join(too_long)} longer than an Excel sheet can hold "
                          f"({EXCEL_MAX_ROWS:,} rows); use --format csv")


def write_workbook(target: Any, folder: Path, kind: str, tables: dict[str, pd.DataFrame]) -> None:
    """The tables of ``folder`` as one workbook, a sheet each, into ``target`` (a path or a binary buffer)."""
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        for sheet, (name, table) in zip(sheet_names(list(tables)), tables.items()):
            excel_safe(table).to_excel(writer, sheet_name=sheet, index=False)
        writer.book.properties.creator = WORKBOOK_CREATOR
        writer.book.properties.title = f"disarm-sim export of {Path(folder).resolve().name} ({kind})"


__all__ = ["FORMATS", "export_folder", "folder_tables", "default_destination", "sheet_names", "KINDS",
           "check_sheet_rows", "write_workbook"]
