"""The ``disarm`` command line: thin commands that parse, call the API, print and save.

Exit codes: 0 success; 2 bad input (a message naming file, line and key; never a traceback); 130
interrupted; 1 anything else.  Error lines go to stderr unwrapped, whatever the terminal width.
Heavy modules (pandas, matplotlib, the model) are imported inside the commands that need them, so
``disarm validate`` and ``disarm schema`` start fast.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, NoReturn, Optional

import typer

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

app = typer.Typer(
    name="disarm",
    help="disarm-sim: simulate the elimination of a chemical-weapons programme (Syria 2013-2016).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class BadInput(Exception):
    """Input the user must fix: printed as is, exit code 2."""


def _error(lines: list[str] | str) -> None:
    for line in [lines] if isinstance(lines, str) else lines:
        sys.stderr.write(f"{line}\n")
    sys.stderr.flush()


_SAVED: list[Any] = []
"""The part store of the command's streaming job, if any: what an interruption or failure leaves behind."""


def _saved_note() -> str:
    """What is kept for --resume, in words ("" if nothing)."""
    if not _SAVED:
        return ""
    store = _SAVED[-1]
    try:
        import json

        tasks = json.loads((store.path / "job.json").read_text(encoding="utf-8"))["tasks"]
        names = {"run": ("runs", "bands"), "sweep": ("task",)}[store.identity["kind"]]
        saved = len(store.done(*names))
    except (OSError, ValueError, KeyError):
        return ""
    return (f"{saved} of {tasks} chunks are saved in {store.path}; run the same command with --resume to "
            "finish")


def _guard(action: Callable[[], Any]) -> None:
    """Run a command body, turning known failures into messages and exit codes."""
    from sim.engines import EngineError, EngineUnavailable, ReplicationFailures  # light: no NumPy, no model
    from sim.loading import ScenarioError
    from sim.output import OutputError
    from sim.parts import ResumeError

    try:
        action()
    except ScenarioError as exc:
        _error([str(p) for p in exc.problems])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except (BadInput, OutputError, EngineUnavailable, ResumeError) as exc:
        _error(str(exc))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except EngineError as exc:  # the cluster was lost, or local workers kept dying
        note = _saved_note()
        _error(f"error: {exc}" + (f"; {note}" if note else ""))
        raise typer.Exit(1) from None
    except ReplicationFailures as exc:
        _error(exc.lines())
        note = _saved_note()
        if note:
            _error(f"the chunks without failures are saved in {_SAVED[-1].path}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:  # main() says "interrupted", once, whichever phase Ctrl-C came in
        raise typer.Exit(EXIT_INTERRUPTED) from None


# ------------------------------------------------------------------------------------------------------
# Common options
# ------------------------------------------------------------------------------------------------------

ReplicationsOpt = typer.Option(500, "-n", "--replications", min=1, help="Monte Carlo replications.")
SeedOpt = typer.Option(0, "--seed", min=0, help="Seed of the run; same seed, same results.")
OutOpt = typer.Option(None, "-o", "--output", help="Output folder [default: ./plots/<scenario stem>/].")
SetOpt = typer.Option(None, "--set", help="Override a scenario value: key.path=value (repeatable), "
                                          "e.g. --set 'sites[2].road_days_to_port=3'.")
WorkersOpt = typer.Option(None, "--workers", min=1, help="Local worker processes [default: all cores; 1 runs in "
                                                         "this process; ignored with --scheduler].")
SchedulerOpt = typer.Option(None, "--scheduler", help="Run on the Dask cluster of this scheduler, e.g. "
                                                      "tcp://host:8786 [default: $DISARM_SCHEDULER, else this "
                                                      "machine].")
ChunkOpt = typer.Option(None, "--chunk-size", min=1, help="Replications per task [default: set from the "
                                                          "replications and workers].")
ResumeOpt = typer.Option(False, "--resume", help="Finish an interrupted run into the same output folder: only the "
                                                 "chunks not yet saved are run.")
QuietOpt = typer.Option(False, "--quiet", "-q", help="No progress bar and no tables.")
NoPlotsOpt = typer.Option(False, "--no-plots", help="Write the tables only, no charts.")
ObservedOpt = typer.Option(..., "--observed", help="Observed record, e.g. scenarios/observed/syria_2013_2016.yaml.")


def _store(folder: Path, identity: dict[str, Any], resume: bool, quiet: bool):
    """The part store of a streaming job into ``folder``; None if ``--resume`` finds it complete already."""
    from sim.parts import PartStore

    store = PartStore(folder, identity, resume=resume)
    if resume and not store.path.exists():
        if store.is_complete_output():
            print(f"nothing to resume: {folder}{os.sep} already holds these results")
            return None
        if not quiet:
            _error(f"nothing to resume in {store.path}: running from the start")
    elif not resume and not quiet:
        saved = len(store.done("runs", "bands") if identity["kind"] == "run" else store.done("task"))
        if saved:
            _error(f"starting afresh: discarding the {saved} chunks an interrupted run saved in {store.path} "
                   "(--resume keeps them)")
    _SAVED.append(store)
    return store


def _freeze_imported_heap() -> None:
    """Before a long simulation: move what is loaded (pandas, pyarrow, pydantic, the scenario) out of the
    garbage collector's sight (``gc.freeze``).  It lives as long as the command, and every full collection
    would otherwise scan it again, a few per cent of a run's time.  (Not in the Python API, where frozen
    objects of the user's would never be collected.)"""
    import gc

    import pandas  # noqa: F401 - the tables need it; imported now so that it is frozen too
    import pyarrow  # noqa: F401

    gc.freeze()


def _scenario_path(scenario: Optional[Path]) -> Path:
    if scenario is not None:
        return scenario
    from sim.data import baseline_path

    return baseline_path()


def _progress(total: int, quiet: bool, label: str):
    """A Rich progress bar on a terminal; a no-op otherwise."""
    from contextlib import nullcontext

    if quiet or not sys.stderr.isatty():
        return nullcontext(lambda n: None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    class _Bar:
        def __enter__(self):
            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeRemainingColumn(), transient=True,
                                     console=__import__("rich.console").console.Console(stderr=True))
            self.progress.__enter__()
            task = self.progress.add_task(label, total=total)
            return lambda n: self.progress.advance(task, n)

        def __exit__(self, *exc):
            return self.progress.__exit__(*exc)

    return _Bar()


# ------------------------------------------------------------------------------------------------------
# Commands
# ------------------------------------------------------------------------------------------------------


@app.command()
def run(
    scenario: Optional[Path] = typer.Argument(None, help="Scenario YAML [default: the bundled syria_2013]."),
    replications: int = ReplicationsOpt,
    seed: int = SeedOpt,
    output: Optional[Path] = OutOpt,
    overrides: Optional[list[str]] = SetOpt,
    workers: Optional[int] = WorkersOpt,
    scheduler: Optional[str] = SchedulerOpt,
    chunk_size: Optional[int] = ChunkOpt,
    resume: bool = ResumeOpt,
    no_plots: bool = NoPlotsOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Run a scenario's Monte Carlo replications and write tables, summary and charts."""

    def body() -> None:
        import sim
        from sim.output import check_writable
        from sim.runner import run_identity

        path = _scenario_path(scenario)
        loaded = sim.load_scenario(path, overrides=overrides or [])
        stem = path.stem
        folder = output if output is not None else Path("plots") / stem
        check_writable(folder)
        store = _store(folder, run_identity(loaded, seed, replications), resume, quiet)
        if store is None:
            return
        _freeze_imported_heap()
        with store:
            with _progress(replications, quiet, f"{stem}: replications") as advance:
                results = sim.run(loaded, replications=replications, seed=seed, workers=workers,
                                  scheduler=scheduler, chunk_size=chunk_size, on_progress=advance, name=stem,
                                  store=store)
            command = " ".join(["disarm", *map(shlex.quote, sys.argv[1:])])
            results.save(folder, command=command, plots=not no_plots, source=path, store=store)
        if not quiet:
            _print_summary(results.summary(), folder)

    _guard(body)


def _print_summary(summary: dict[str, Any], folder: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    from sim.milestones import MILESTONE_LABELS

    console = Console()
    table = Table(title=f"{summary['scenario']}: milestone dates over {summary['replications']} replications "
                        f"(seed {summary['seed']})", title_justify="left")
    for column in ("milestone", "reached", "p10", "median", "p90"):
        table.add_column(column, justify="left" if column == "milestone" else "right")
    for milestone, entry in summary["milestones"].items():
        if entry["reached_fraction"] == 0:
            continue
        table.add_row(MILESTONE_LABELS.get(milestone, milestone), f"{entry['reached_fraction']:.0%}",
                      *(entry[f"{p}_date"] or "not reached" for p in ("p10", "p50", "p90")))
    console.print(table)
    if summary["deadlines"]:
        deadlines = Table(title="Deadlines: probability of being met", title_justify="left")
        for column in ("deadline", "date", "P(met)", "95% interval"):
            deadlines.add_column(column, justify="left" if column == "deadline" else "right")
        for name, entry in summary["deadlines"].items():
            lo, hi = entry["ci95"]
            deadlines.add_row(name, entry["date"], f"{entry['p_met']:.0%}", f"{lo:.0%}-{hi:.0%}")
        console.print(deadlines)
    v = summary["verification"]
    if v["dispersal_enabled"] or v["hidden_tonnes"]["mean"] > 0:
        lo, hi = v["p_detected_ci95"]
        det = v["detection_day"]
        console.print(f"Dispersal detected in {v['p_detected']:.0%} of runs (95% interval {lo:.0%}-{hi:.0%}); "
                      f"median detection {det['p50_date'] or 'not reached'}; hidden at the horizon: "
                      f"median {v['hidden_tonnes']['p50']:.1f} t, 90th percentile {v['hidden_tonnes']['p90']:.1f} t")
    console.print(f"Results written to {folder}{os.sep}")


@app.command()
def compare(
    scenarios: list[Path] = typer.Argument(..., help="Two or more scenario files; the first is the baseline."),
    replications: int = ReplicationsOpt,
    seed: int = SeedOpt,
    output: Optional[Path] = typer.Option(None, "-o", "--output",
                                          help="Output folder [default: ./plots/comparison/]."),
    overrides: Optional[list[str]] = SetOpt,
    workers: Optional[int] = WorkersOpt,
    scheduler: Optional[str] = SchedulerOpt,
    no_plots: bool = NoPlotsOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Run scenarios with the same seeds and report paired differences against the first."""

    def body() -> None:
        import sim
        from sim.compare import compare as run_compare
        from sim.output import check_writable, output_folder, write_json

        if len(scenarios) < 2:
            raise BadInput("compare: give at least two scenario files")
        problems = []
        loaded = []
        names: list[str] = []
        for path in scenarios:
            try:
                loaded.append(sim.load_scenario(path, overrides=overrides or []))
            except sim.ScenarioError as exc:
                problems += exc.problems
            name = path.stem
            while name in names:
                name += "_"
            names.append(name)
        if problems:
            raise sim.ScenarioError(problems)
        folder = output if output is not None else Path("plots") / "comparison"
        check_writable(folder)
        with _progress(replications * len(loaded), quiet, "comparison: replications") as advance:
            comparison = run_compare(list(zip(names, loaded)), replications=replications, seed=seed,
                                     workers=workers, scheduler=scheduler, on_progress=advance)
        command = " ".join(["disarm", *map(shlex.quote, sys.argv[1:])])
        with output_folder(folder) as tmp:
            for name, results, path in zip(names, comparison.results, scenarios):
                results.save(tmp / name, command=command, plots=not no_plots, source=path)
            data = comparison.to_json()
            write_json(tmp / "comparison.json", data)
            charts: list[str] = []
            if not no_plots:
                from sim.plotting import save_comparison_charts

                charts = save_comparison_charts(comparison, tmp)
            write_json(tmp / "manifest.json", {
                "version": sim.__version__, "scenarios": names, "seed": seed, "replications": replications,
                "command": command, "charts": charts,
                "wall_seconds": round(sum(r.wall_seconds for r in comparison.results), 3),
                "events": sum(r.events_processed for r in comparison.results)})
        if not quiet:
            _print_comparison(data, folder)

    _guard(body)


def _print_comparison(data: dict[str, Any], folder: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    from sim.milestones import MILESTONE_LABELS

    console = Console()
    for name, metrics in data["scenarios"].items():
        table = Table(title=f"{name} minus {data['baseline']}: paired differences over {data['replications']} "
                            f"replications (seed {data['seed']})", title_justify="left")
        for column in ("metric", "mean difference", "95% interval", "censored pairs"):
            table.add_column(column, justify="left" if column == "metric" else "right")
        for metric, entry in metrics.items():
            if entry["mean_diff"] is None or (entry["mean_diff"] == 0 and entry["sd_diff"] == 0):
                continue
            label = MILESTONE_LABELS.get(metric.removesuffix("_day"), metric) + (" (days)" if metric.endswith("_day")
                                                                                 else "")
            lo, hi = entry["ci95"]
            interval = "" if lo is None else f"{lo:+.1f} to {hi:+.1f}"
            table.add_row(label, f"{entry['mean_diff']:+.1f}", interval, str(entry["censored_pairs"] or ""))
        console.print(table)
    console.print(f"Results written to {folder}{os.sep}")


@app.command()
def plot(folder: Path = typer.Argument(..., help="A run folder written by disarm run.")) -> None:
    """Redraw the charts and the report of a run folder from its saved results (no simulation)."""

    def body() -> None:
        if not (folder / "manifest.json").is_file():
            raise BadInput(f"{folder}: not a complete run folder (no manifest.json); run disarm run first")
        from sim.output import write_json
        from sim.results import Results

        results = Results.load(folder)
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        manifest["charts"] = results.render(folder, manifest)
        write_json(folder / "manifest.json", manifest)
        print(f"Charts and report redrawn in {folder}{os.sep}: {', '.join(manifest['charts'])}, report.html")

    _guard(body)


@app.command()
def trace(
    scenario: Optional[Path] = typer.Argument(None, help="Scenario YAML [default: the bundled syria_2013]."),
    seed: int = SeedOpt,
    replication: int = typer.Option(0, "--replication", "-k", min=0, help="Which replication of the run."),
    overrides: Optional[list[str]] = SetOpt,
    as_json: bool = typer.Option(False, "--json", help="Print the raw event records as JSON."),
) -> None:
    """Print one replication's events in time order, as dated sentences."""

    def body() -> None:
        import sim
        from sim.trace import lines, trace as run_trace

        loaded = sim.load_scenario(_scenario_path(scenario), overrides=overrides or [])
        rep_seed, records = run_trace(loaded, seed=seed, replication=replication)
        if as_json:
            print(json.dumps({"scenario": loaded.name, "seed": seed, "replication": replication,
                              "replication_seed": rep_seed,
                              "events": [{**r._asdict(), "date": loaded.date_of(r.day).isoformat()} for r in records]},
                             indent=1))
            return
        print(f"{loaded.name}: replication {replication} of seed {seed} (replication seed {rep_seed})")
        for line in lines(loaded, records):
            print(line)

    _guard(body)


@app.command()
def sweep(
    sweep_file: Path = typer.Argument(..., metavar="SWEEP.yaml", help="Sweep file (see scenarios/sweeps/)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output",
                                          help="Output folder [default: ./plots/<sweep file stem>/]."),
    samples: Optional[int] = typer.Option(None, "--samples", min=1, help="Samples of the design [default: the "
                                          "file's]: levels (grid, oat), points (lhs), trajectories (morris), "
                                          "base sample, a power of 2 (sobol)."),
    replications: Optional[int] = typer.Option(None, "-n", "--replications", min=1,
                                               help="Replications per design point [default: the file's]."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Seed of the sweep [default: the file's]."),
    overrides: Optional[list[str]] = typer.Option(None, "--set", help="Override a value of the base scenario: "
                                                  "key.path=value (repeatable)."),
    discover: Optional[list[str]] = typer.Option(None, "--discover", help="A scenario-discovery threshold, e.g. "
                                                 "'hidden_tonnes > 10' (repeatable; adds to the file's)."),
    workers: Optional[int] = WorkersOpt,
    scheduler: Optional[str] = SchedulerOpt,
    chunk_size: Optional[int] = ChunkOpt,
    resume: bool = typer.Option(False, "--resume", help="Finish an interrupted sweep into the same output folder: "
                                                        "only the tasks not yet saved are run."),
    no_plots: bool = NoPlotsOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Run a sensitivity sweep: many variants of a scenario, replicated; indices, discovery, charts, report."""

    def body() -> None:
        from sim.output import check_writable
        from sim.sweep import load_sweep, sweep as run_sweep

        loaded = load_sweep(sweep_file, overrides=overrides or [], samples=samples, replications=replications,
                            seed=seed, discover=discover or [])
        folder = output if output is not None else Path("plots") / sweep_file.stem
        check_writable(folder)
        store = _store(folder, loaded.identity(), resume, quiet)
        if store is None:
            return
        points = loaded.design().size
        with store:
            with _progress(points * loaded.replications, quiet,
                           f"{loaded.name}: {points} points x {loaded.replications} replications") as advance:
                results = run_sweep(loaded, workers=workers, scheduler=scheduler, chunk_size=chunk_size,
                                    on_progress=advance, store=store)
            command = " ".join(["disarm", *map(shlex.quote, sys.argv[1:])])
            results.save(folder, command=command, plots=not no_plots, store=store)
        if not quiet:
            _print_sweep(results, folder)

    _guard(body)


def _print_sweep(results: Any, folder: Path) -> None:
    s = results.sensitivity

    def amount(value: float, unit: str) -> str:
        return f"{value:.0%} of runs" if unit == "share of runs" else f"{value:.3g} {unit}".strip()

    print(f"{s['sweep']}: {s['method']}, {s['points']} points x {s['replications']} replications (seed {s['seed']}), "
          f"{results.wall_seconds:.1f} s of simulation")
    for outcome in results.sweep.outcomes:
        key = outcome.spec
        if "oat" in s and s["oat"][key]["effects"]:
            top = s["oat"][key]["effects"][0]
            print(f"  {key}: largest one-at-a-time swing: {top['parameter']} ({amount(top['swing'], outcome.unit)})")
        for method, index in (("morris", "mu_star"), ("sobol", "ST")):
            indices = s.get(method, {}).get(key, {}).get("indices")
            if indices:
                name, entry = max(indices.items(), key=lambda kv: kv[1][index])
                print(f"  {key}: highest {index}: {name} ({entry[index]:.3g})")
    for entry in s.get("discovery", []):
        print(f"  discovery: {entry['statement']}")
    print(f"Results written to {folder}{os.sep}")


@app.command()
def validate(files: list[Path] = typer.Argument(..., help="Scenario or sweep files to check.")) -> None:
    """Check scenario and sweep files; exit 0 if all are valid, 2 (one line per problem) if not."""

    def body() -> None:
        from sim.loading import ScenarioError, load_scenario
        from sim.observed import is_observed_record, observed_validation
        from sim.sweep import is_sweep_file, load_sweep

        problems: list[str] = []
        for path in files:
            if is_observed_record(path):  # an observed record, for backtests (sim/observed.py)
                ok, found = observed_validation(path)
                problems += found
                if ok:
                    print(ok)
                continue
            if is_sweep_file(path):
                try:
                    loaded = load_sweep(path)
                except ScenarioError as exc:
                    problems += [str(p) for p in exc.problems]
                else:
                    print(f"ok: {path} (sweep {loaded.name}: {loaded.spec.method}, {len(loaded.spaces)} "
                          f"parameters, {loaded.design().size} points x {loaded.replications} replications on "
                          f"{loaded.base.name})")
                continue
            try:
                scenario = load_scenario(path)
            except ScenarioError as exc:
                problems += [str(p) for p in exc.problems]
            else:
                print(f"ok: {path} (scenario {scenario.name}, {len(scenario.lots)} lots, "
                      f"{scenario.initial_tonnes:,.1f} t)")
        if problems:
            _error(problems)
            raise typer.Exit(EXIT_BAD_INPUT)

    _guard(body)


@app.command()
def backtest(
    scenario: Path = typer.Argument(..., help="Scenario YAML whose simulated bands are scored."),
    observed: Path = ObservedOpt,
    replications: int = ReplicationsOpt,
    seed: int = SeedOpt,
    output: Optional[Path] = typer.Option(None, "-o", "--output",
                                          help="Output folder [default: ./plots/<scenario stem>-backtest/]."),
    overrides: Optional[list[str]] = SetOpt,
    workers: Optional[int] = WorkersOpt,
    scheduler: Optional[str] = SchedulerOpt,
    no_plots: bool = NoPlotsOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Score a scenario against an observed record: bands, PIT, 80% coverage, errors, sharpness."""

    def body() -> None:
        import sim
        from sim.backtest import backtest as run_backtest
        from sim.observed import load_observed
        from sim.output import check_writable, output_folder, write_json

        problems = []
        loaded = record = None
        try:
            loaded = sim.load_scenario(scenario, overrides=overrides or [])
        except sim.ScenarioError as exc:
            problems += exc.problems
        try:
            record = load_observed(observed)
        except sim.ScenarioError as exc:
            problems += exc.problems
        if loaded is not None and record is not None:
            problems += record.check_against(loaded)
        if problems:
            raise sim.ScenarioError(problems)
        folder = output if output is not None else Path("plots") / f"{scenario.stem}-backtest"
        check_writable(folder)
        with _progress(replications, quiet, f"{scenario.stem}: replications") as advance:
            result = run_backtest(loaded, record, replications=replications, seed=seed, workers=workers,
                                  scheduler=scheduler, on_progress=advance, name=scenario.stem)
        command = " ".join(["disarm", *map(shlex.quote, sys.argv[1:])])
        data = result.to_json()
        with output_folder(folder) as tmp:
            write_json(tmp / "backtest.json", data)
            charts: list[str] = []
            if not no_plots:
                from sim.plotting import save_backtest_charts

                charts = save_backtest_charts(result.results.timeseries, result.table(), loaded, tmp,
                                              replications=replications)
            write_json(tmp / "manifest.json", {**result.results.manifest(command, charts),
                                               "observed": str(observed)})
        if not quiet:
            _print_backtest(data, folder)

    _guard(body)


def _print_backtest(data: dict[str, Any], folder: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 132)  # a file or pipe gets the whole table
    table = Table(title=f"{data['scenario']} against {data['record']}: {data['replications']} replications "
                        f"(seed {data['seed']})", title_justify="left")
    for column in ("observation", "confidence", "observed", "p10", "median", "p90", "PIT", "80% band"):
        table.add_column(column, justify="left" if column in ("observation", "confidence") else "right")

    def show(row: dict[str, Any], key: str) -> str:
        if row["unit"] == "days":
            return row[f"{key}_date"] or "not reached"
        return f"{row[key]:.1%}"

    for row in data["observations"]:
        observed = row["observed"] if row["unit"] == "days" else f"{row['observed']:.1%}"
        table.add_row(row["id"], row["confidence"], observed, show(row, "p10"), show(row, "p50"), show(row, "p90"),
                      f"{row['pit']:.2f}", row["position"])
    console.print(table)
    s = data["summary"]
    c = s["coverage"]
    lo, hi = c["all"]["coverage_ci95"]
    console.print(f"Coverage of the 80% bands: {c['all']['inside']} of {c['all']['n']} ({c['all']['coverage']:.0%}, "
                  f"95% interval {lo:.0%}-{hi:.0%}); milestones {c['milestones']['inside']}/{c['milestones']['n']}, "
                  f"removed {c['removed_fraction']['inside']}/{c['removed_fraction']['n']}, "
                  f"destroyed {c['destroyed_fraction']['inside']}/{c['destroyed_fraction']['n']}", soft_wrap=True)
    m, f = s["milestones"], s["fractions"]
    if m["n"]:
        console.print(f"Milestones: mean absolute error of the median {m['mae']:.1f} days "
                      f"(mean {m['mean_error']:+.1f}; positive: the model is later), "
                      f"mean band width {m['sharpness']:.1f} days", soft_wrap=True)
    if f["n"]:
        console.print(f"Curve points: mean absolute error of the median {f['mae']:.3f} "
                      f"(mean {f['mean_error']:+.3f}; positive: the model is ahead), "
                      f"mean band width {f['sharpness']:.3f}", soft_wrap=True)
    console.print(f"Results written to {folder}{os.sep}")


@app.command()
def calibrate(
    scenario: Path = typer.Argument(..., help="Scenario YAML whose parameters are fitted."),
    observed: Path = ObservedOpt,
    parameters: list[str] = typer.Option(..., "--parameter", "--parameters", "-p",
                                         help="A parameter to fit and its range: KEY.PATH=LOW:HIGH (repeatable), "
                                              "e.g. -p 'compliance.convoy_release_delay_days.mode=10:44'."),
    samples: int = typer.Option(64, "--samples", min=4, help="Points of each Latin-hypercube stage."),
    replications: int = typer.Option(30, "-n", "--replications", min=2, help="Replications per point."),
    confirm_replications: Optional[int] = typer.Option(None, "--confirm-replications", min=2,
                                                        help="Replications of the confirmation [default: 4 x -n]."),
    seed: int = SeedOpt,
    output: Optional[Path] = typer.Option(None, "-o", "--output",
                                          help="Output folder [default: ./plots/<scenario stem>-calibration/]."),
    overrides: Optional[list[str]] = SetOpt,
    workers: Optional[int] = WorkersOpt,
    scheduler: Optional[str] = SchedulerOpt,
    no_plots: bool = NoPlotsOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Fit parameters of a scenario to an observed record; write a calibrated scenario that extends it."""

    def body() -> None:
        import sim
        from sim.calibrate import calibrate as run_calibrate, parse_fit_parameter
        from sim.loading import Problem
        from sim.observed import load_observed
        from sim.output import check_writable

        problems = []
        fits = []
        for text in parameters:
            try:
                fits.append(parse_fit_parameter(text))
            except ValueError as exc:
                problems.append(Problem(f"--parameter {text}", None, "", str(exc)))
        record = None
        try:
            record = load_observed(observed)
        except sim.ScenarioError as exc:
            problems += exc.problems
        if problems:
            raise sim.ScenarioError(problems)
        folder = output if output is not None else Path("plots") / f"{scenario.stem}-calibration"
        check_writable(folder)
        total = 2 * samples * replications + (5 + 1) * (confirm_replications or 4 * replications)
        with _progress(total, quiet, f"{scenario.stem}: calibration") as advance:
            result = run_calibrate(scenario, record, fits, samples=samples, replications=replications, seed=seed,
                                   overrides=overrides or [], confirm_replications=confirm_replications,
                                   workers=workers, scheduler=scheduler, on_progress=advance)
        command = " ".join(["disarm", *map(shlex.quote, sys.argv[1:])])
        result.save(folder, command=command, plots=not no_plots)
        if not quiet:
            _print_calibration(result, folder)

    _guard(body)


def _print_calibration(result: Any, folder: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 132)
    table = Table(title=f"{result.base.name} fitted to {result.record.name} ({len(result.targets)} observations)",
                  title_justify="left")
    for column in ("parameter", "range", "as given", "fitted", "within 10% of the best score"):
        table.add_column(column, justify="left" if column == "parameter" else "right")
    for p in result.parameters:
        iv = result.intervals[p.path]
        table.add_row(p.path, f"{p.low:g} to {p.high:g}", f"{result.before['values'][p.path]:.4g}",
                      f"{result.best[p.path]:.4g}", f"{iv['low']:.4g} to {iv['high']:.4g}")
    console.print(table)
    b, a = result.before, result.after
    console.print(f"Score {b['score']:.3f} -> {a['score']:.3f}; inside the 80% bands {b['coverage']['inside']} -> "
                  f"{a['coverage']['inside']} of {a['coverage']['n']}; curve band width "
                  f"{b['curve_width'] or 0:.3f} -> {a['curve_width'] or 0:.3f}", soft_wrap=True)
    console.print(f"Results written to {folder}{os.sep} (calibrated scenario: "
                  f"{result.scenario_path.stem}.calibrated.yaml)", soft_wrap=True)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format."""
    from sim.scenario import json_schema

    print(json.dumps(json_schema(), indent=2))


def _ignore_interrupts() -> None:
    """From here on the process is only exiting: a late Ctrl-C must not break that with a traceback."""
    import signal

    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # pragma: no cover - not the main thread
        pass


def _redeliver_swallowed_interrupts() -> None:
    """Ctrl-C can land in a ``__del__`` or a weakref callback (garbage collection inside pandas or matplotlib),
    where Python cannot raise it: it would print "Exception ignored ... KeyboardInterrupt" and carry on as if
    nothing had happened.  Deliver such an interrupt again instead, so that it ends the command normally."""
    import _thread
    import signal
    import time

    previous = sys.unraisablehook

    def resend() -> None:
        time.sleep(0.01)  # let the hook return first
        os.kill(os.getpid(), signal.SIGINT)

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            # Not from here, where Python would run the handler at once, inside this hook: from a bare thread
            # (threading.Thread.start waits, and could be interrupted), a moment later.  Should that land in a
            # callback again, it comes back here and is sent again.
            _thread.start_new_thread(resend, ())
            return
        previous(unraisable)

    sys.unraisablehook = hook


def _interrupted() -> str:
    """The one line an interruption prints: "interrupted", and what is kept for --resume."""
    note = _saved_note()
    return f"interrupted; {note}" if note else "interrupted"


def main() -> NoReturn:
    """Entry point of the ``disarm`` console script and ``python -m sim``.

    Ctrl-C at any moment ends the command with one line, ``interrupted``, and exit code 130: from a command
    body (:func:`_guard`), from typer itself (which turns a stray KeyboardInterrupt into exit code 130) or from
    here.  Once the command is over, further Ctrl-C are ignored while the process exits.
    """
    _redeliver_swallowed_interrupts()
    try:
        try:
            app()
        finally:
            _ignore_interrupts()
    except KeyboardInterrupt:
        _error(_interrupted())
        sys.exit(EXIT_INTERRUPTED)
    except SystemExit as exc:
        if exc.code == EXIT_INTERRUPTED:
            _error(_interrupted())
        raise
    except BaseException as exc:  # noqa: BLE001 - the last line of defence: one line, exit 1
        if os.environ.get("DISARM_DEBUG"):
            traceback.print_exc()
        _error(f"error: {type(exc).__name__}: {' '.join(str(exc).split())} (set DISARM_DEBUG=1 for the traceback)")
        sys.exit(1)
    sys.exit(0)
