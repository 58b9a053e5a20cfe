"""The jobs behind the commands that write a folder: read the inputs, check the folder before any simulation,
stream to part files where the job can be resumed, compute, and write the folder.

Each ``*_job`` function is what one ``disarm`` command does, without the printing: the command line parses its
options, calls one of these and prints what it returns.  :class:`Hooks` is how a job talks back (a progress
bar, a note on standard error, the part store an interruption leaves behind).
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from sim.core.problems import Problem, ScenarioError
from sim.output.folders import writing

if TYPE_CHECKING:  # pragma: no cover
    from sim.comparison.paired import Comparison
    from sim.execution.parts import PartStore
    from sim.history.backtest import Backtest
    from sim.history.calibrate import Calibration
    from sim.results.results import Results
    from sim.sweeps.api import SweepResults

Progress = Callable[[int, str], AbstractContextManager[Callable[[int], None]]]
"""``progress(total, label)``: a context manager that yields ``advance(n)``."""


def _no_progress(total: int, label: str) -> AbstractContextManager[Callable[[int], None]]:
    return nullcontext(lambda n: None)


@dataclass
class Hooks:
    """How a job reports to whoever runs it."""

    progress: Progress = _no_progress
    note: Callable[[str], None] = lambda line: None
    """A line for the user on standard error: a resumed or discarded job."""
    tell: Callable[[str], None] = lambda line: None
    """A line for the user on standard output: nothing to do."""
    stores: list["PartStore"] = field(default_factory=list)
    """The part stores the job opened: what an interruption or a failure leaves for ``--resume``."""
    quiet: bool = False
    freeze_heap: bool = False
    """Move what is loaded out of the garbage collector's sight before simulating (a command line's job)."""


def run_name(stem: str, overrides: Sequence[str] = ()) -> str:
    """The name of a run (its default folder, summary.json's ``scenario``, the report's title): the scenario
    file's stem, and with ``--set`` overrides ``<stem>+<8 hex digits>``, a hash of the overrides in order.

    Decision: a run with ``--set`` gets a folder of its own rather than a refusal to replace the scenario's,
    so that ``disarm run --set convoys.escorts=3`` never writes over ``plots/syria_2013/`` (whose report would
    still say syria_2013) and the same overrides always land in the same folder (``--resume`` finds it)."""
    if not overrides:
        return stem
    import hashlib

    digest = hashlib.sha256("\n".join(overrides).encode("utf-8")).hexdigest()[:8]
    return f"{stem}+{digest}"


def default_folder(kind: str, stem: str, overrides: Sequence[str] = ()) -> Path:
    """Where a command writes when ``-o`` is not given: ``plots/<name>`` (run, sweep), ``plots/comparison``,
    ``plots/<name>-backtest``, ``plots/<name>-calibration``, where the name is :func:`run_name`."""
    suffix = {"run": "", "sweep": "", "compare": "", "backtest": "-backtest", "calibrate": "-calibration"}[kind]
    return Path("plots") / ("comparison" if kind == "compare" else f"{run_name(stem, overrides)}{suffix}")


def _refuse_resume_over_another_job(store: "PartStore", folder: Path, identity: dict[str, Any]) -> None:
    """``--resume`` into a folder that holds the finished results of another job would replace them: refuse,
    naming what differs (ResumeError, exit 2)."""
    import json

    from sim.core.contract import MANIFEST
    from sim.execution.parts import ResumeError

    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(manifest, dict):
        return
    # any finished folder that is not this job's (an older one, one saved from Python, another command's)
    differences = [f"{key} {manifest.get(key)!r} there, {identity[key]!r} now" for key in ("replications", "seed")
                   if key in identity and key in manifest and manifest.get(key) != identity[key]]
    what = "; ".join(differences) or "the scenario, its overrides, the version or the model code differ"
    raise ResumeError(f"{folder}: --resume: this folder holds the finished results of another job ({what}); there "
                      "is nothing of this job to resume: run without --resume to replace them, or choose another "
                      "output folder with -o")


def open_store(folder: Path, identity: dict[str, Any], resume: bool, hooks: Hooks,
               fresh: bool = False) -> "PartStore | None":
    """The part store of a streaming job into ``folder``; None if ``--resume`` finds it complete already.

    Saved chunks are never discarded unasked: without ``resume`` or ``fresh``, a staging folder holding saved
    chunks is refused here, before any simulation (:meth:`~sim.execution.parts.PartStore.refuse_to_discard`,
    exit 2, naming ``--resume`` and ``--fresh``)."""
    from sim.execution.parts import PartStore

    store = PartStore(folder, identity, resume=resume, fresh=fresh)
    if resume and not store.path.exists():
        if store.is_complete_output():
            hooks.tell(f"nothing to resume: {folder}{os.sep} already holds these results")
            return None
        _refuse_resume_over_another_job(store, folder, identity)
        if not hooks.quiet:
            hooks.note(f"nothing to resume in {store.path}: running from the start")
    elif not resume:
        store.refuse_to_discard()
        saved = store.saved_chunks()
        if saved and not hooks.quiet:
            hooks.note(f"--fresh: discarding the {saved} chunks an interrupted run saved in {store.path}")
    hooks.stores.append(store)
    return store


def freeze_imported_heap() -> None:
    """Before a long simulation: move what is loaded (pandas, pyarrow, pydantic, the scenario) out of the
    garbage collector's sight (``gc.freeze``).  It lives as long as the command, and every full collection
    would otherwise scan it again, a few per cent of a run's time.  (Not in the Python API, where frozen
    objects of the user's would never be collected.)"""
    import gc

    import pandas  # noqa: F401 - the tables need it; imported now so that it is frozen too
    import pyarrow  # noqa: F401

    gc.freeze()


def run_job(path: Path, *, replications: int, seed: int, folder: Path | None = None,
            overrides: Sequence[str] = (), workers: int | None = None, scheduler: str | None = None,
            chunk_size: int | None = None, resume: bool = False, fresh: bool = False, plots: bool = True,
            command: str = "", hooks: Hooks | None = None) -> "tuple[Results | None, Path]":
    """``disarm run``: the results (None if ``--resume`` found them complete already) and the folder."""
    from sim.execution.runs import run, run_identity
    from sim.scenario.comments import load_with_comments

    hooks = hooks or Hooks()
    # every input read once, now: the assumptions' source comments come from this very text, not from the
    # file as it may be when the run is saved
    scenario, comments = load_with_comments(path, overrides=list(overrides))
    name = run_name(path.stem, overrides)
    folder = folder if folder is not None else default_folder("run", path.stem, overrides)
    with writing(folder):  # checked, and locked until the new folder is swapped in
        store = open_store(folder, run_identity(scenario, seed, replications), resume, hooks, fresh=fresh)
        if store is None:
            return None, folder
        if hooks.freeze_heap:
            freeze_imported_heap()
        with store:
            with hooks.progress(replications, f"{name}: replications") as advance:
                results = run(scenario, replications=replications, seed=seed, workers=workers, scheduler=scheduler,
                              chunk_size=chunk_size, on_progress=advance, name=name, store=store)
            results.save(folder, command=command, plots=plots, source=comments, store=store)
    return results, folder


def load_all_with_comments(paths: Sequence[Path], overrides: Sequence[str] = ()) -> list[tuple[Any, Any]]:
    """Load several scenarios with their source comments (each file read once), all problems together."""
    from sim.scenario.comments import load_with_comments

    problems: list[Problem] = []
    loaded = []
    for path in paths:
        try:
            loaded.append(load_with_comments(path, overrides=list(overrides)))
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    return loaded


def compare_job(paths: Sequence[Path], *, replications: int, seed: int, folder: Path | None = None,
                overrides: Sequence[str] = (), workers: int | None = None, scheduler: str | None = None,
                plots: bool = True, command: str = "", hooks: Hooks | None = None) -> "tuple[Comparison, Path]":
    """``disarm compare``: the comparison and its folder.  Scenarios are named by their file stems, made safe
    as folder names and unique (:func:`sim.output.comparison_folder.run_folder_names`)."""
    from sim.comparison.paired import compare
    from sim.output.comparison_folder import run_folder_names

    hooks = hooks or Hooks()
    if len(paths) < 2:
        raise ScenarioError([Problem("compare", None, "", "give at least two scenario files")])
    loaded_with_comments = load_all_with_comments(paths, overrides)
    loaded = [scenario for scenario, _ in loaded_with_comments]
    names = run_folder_names([path.stem for path in paths], paths)
    folder = folder if folder is not None else default_folder("compare", "")
    with writing(folder):  # checked, and locked until the new folder is swapped in
        with hooks.progress(replications * len(loaded), "comparison: replications") as advance:
            comparison = compare(list(zip(names, loaded)), replications=replications, seed=seed, workers=workers,
                                 scheduler=scheduler, on_progress=advance)
        comparison.save(folder, command=command, plots=plots,
                        sources=[comments for _, comments in loaded_with_comments])
    return comparison, folder


def sweep_job(path: Path, *, folder: Path | None = None, overrides: Sequence[str] = (),
              samples: int | None = None, replications: int | None = None, seed: int | None = None,
              discover: Sequence[str] = (), workers: int | None = None, scheduler: str | None = None,
              chunk_size: int | None = None, resume: bool = False, fresh: bool = False, plots: bool = True,
              command: str = "", hooks: Hooks | None = None) -> "tuple[SweepResults | None, Path]":
    """``disarm sweep``: the results (None if ``--resume`` found them complete already) and the folder."""
    from sim.sweeps.api import sweep
    from sim.sweeps.loading import load_sweep

    hooks = hooks or Hooks()
    loaded = load_sweep(path, overrides=list(overrides), samples=samples, replications=replications, seed=seed,
                        discover=list(discover))
    folder = folder if folder is not None else default_folder("sweep", path.stem, overrides)
    with writing(folder):  # checked, and locked until the new folder is swapped in
        store = open_store(folder, loaded.identity(), resume, hooks, fresh=fresh)
        if store is None:
            return None, folder
        points = loaded.design().size
        with store:
            with hooks.progress(points * loaded.replications,
                                f"{loaded.name}: {points} points x {loaded.replications} replications") as advance:
                results = sweep(loaded, workers=workers, scheduler=scheduler, chunk_size=chunk_size,
                                on_progress=advance, store=store)
            results.save(folder, command=command, plots=plots, store=store)
    return results, folder


def backtest_job(path: Path, observed: Path, *, replications: int, seed: int, folder: Path | None = None,
                 overrides: Sequence[str] = (), workers: int | None = None, scheduler: str | None = None,
                 plots: bool = True, command: str = "", hooks: Hooks | None = None) -> "tuple[Backtest, Path]":
    """``disarm backtest``: the scored backtest and its folder."""
    from sim.history.backtest import backtest
    from sim.history.observed import load_observed
    from sim.output.backtest_folder import save_backtest
    from sim.scenario.loading import load_scenario

    hooks = hooks or Hooks()
    problems: list[Problem] = []
    scenario = record = None
    try:
        scenario = load_scenario(path, overrides=list(overrides))
    except ScenarioError as exc:
        problems += exc.problems
    try:
        record = load_observed(observed)
    except ScenarioError as exc:
        problems += exc.problems
    if scenario is not None and record is not None:
        problems += record.check_against(scenario)
    if problems:
        raise ScenarioError(problems)
    folder = folder if folder is not None else default_folder("backtest", path.stem, overrides)
    with writing(folder):  # checked, and locked until the new folder is swapped in
        with hooks.progress(replications, f"{path.stem}: replications") as advance:
            result = backtest(scenario, record, replications=replications, seed=seed, workers=workers,
                              scheduler=scheduler, on_progress=advance, name=path.stem)
        save_backtest(result, folder, observed, command=command, plots=plots)
    return result, folder


def calibrate_job(path: Path, observed: Path, parameters: Sequence[str], *, samples: int, replications: int,
                  seed: int, confirm_replications: int | None = None, folder: Path | None = None,
                  overrides: Sequence[str] = (), workers: int | None = None, scheduler: str | None = None,
                  plots: bool = True, command: str = "", hooks: Hooks | None = None) -> "tuple[Calibration, Path]":
    """``disarm calibrate``: the calibration and its folder (with the calibrated scenario)."""
    from sim.history.calibrate import calibrate, parse_fit_parameter
    from sim.history.observed import load_observed

    hooks = hooks or Hooks()
    problems: list[Problem] = []
    fits = []
    for text in parameters:
        try:
            fits.append(parse_fit_parameter(text))
        except ValueError as exc:
            problems.append(Problem(f"--parameter {text}", None, "", str(exc)))
    record = None
    try:
        record = load_observed(observed)
    except ScenarioError as exc:
        problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    folder = folder if folder is not None else default_folder("calibrate", path.stem, overrides)
    total = 2 * samples * replications + (5 + 1) * (confirm_replications or 4 * replications)
    with writing(folder):  # checked, and locked until the new folder is swapped in
        with hooks.progress(total, f"{path.stem}: calibration") as advance:
            result = calibrate(path, record, fits, samples=samples, replications=replications, seed=seed,
                               overrides=list(overrides), confirm_replications=confirm_replications,
                               workers=workers, scheduler=scheduler, on_progress=advance)
        result.save(folder, command=command, plots=plots)
    return result, folder


__all__ = ["Hooks", "run_job", "compare_job", "sweep_job", "backtest_job", "calibrate_job", "open_store",
           "default_folder", "load_all_with_comments"]
