"""The ``disarm`` commands: each parses its options, calls one function and prints what it returns.

The work is elsewhere: folders are assembled by :mod:`sim.output.jobs`, checks by :mod:`sim.cli.checks`, what
is printed by :mod:`sim.cli.printers`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import typer

from sim.cli.app import (EXIT_BAD_INPUT, ChunkOpt, FreshOpt, NoPlotsOpt, ObservedOpt, OutOpt, QuietOpt, ReplicationsOpt,
                         ResumeOpt, SchedulerOpt, SeedOpt, SetOpt, WorkersOpt, app, command_line, error, guard,
                         output_option, scenario_path, state_of)


@app.command()
def run(
    ctx: typer.Context,
    scenario: Optional[Path] = typer.Argument(None, help="Scenario YAML [default: the bundled syria_2013]."),
    replications: int = ReplicationsOpt,
    seed: int = SeedOpt,
    output: Optional[Path] = OutOpt,
    overrides: Optional[list[str]] = SetOpt,
    workers: Optional[int] = WorkersOpt,
    scheduler: Optional[str] = SchedulerOpt,
    chunk_size: Optional[int] = ChunkOpt,
    resume: bool = ResumeOpt,
    fresh: bool = FreshOpt,
    no_plots: bool = NoPlotsOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Run a scenario's Monte Carlo replications and write tables, summary and charts."""

    def body() -> None:
        from sim.cli.printers import print_summary
        from sim.output.jobs import run_job

        results, folder = run_job(scenario_path(scenario), replications=replications, seed=seed, folder=output,
                                  overrides=overrides or [], workers=workers, scheduler=scheduler,
                                  chunk_size=chunk_size, resume=resume, fresh=fresh, plots=not no_plots,
                                  command=command_line(), hooks=state_of(ctx).hooks(quiet, freeze_heap=True))
        if results is not None and not quiet:
            print_summary(results.summary(), folder)

    guard(ctx, body)


@app.command()
def compare(
    ctx: typer.Context,
    scenarios: list[Path] = typer.Argument(..., help="Two or more scenario files; the first is the baseline."),
    replications: int = ReplicationsOpt,
    seed: int = SeedOpt,
    output: Optional[Path] = output_option("comparison"),
    overrides: Optional[list[str]] = SetOpt,
    workers: Optional[int] = WorkersOpt,
    scheduler: Optional[str] = SchedulerOpt,
    no_plots: bool = NoPlotsOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Run scenarios with the same seeds and report paired differences against the first."""

    def body() -> None:
        from sim.cli.printers import print_comparison
        from sim.output.jobs import compare_job

        comparison, folder = compare_job(scenarios, replications=replications, seed=seed, folder=output,
                                         overrides=overrides or [], workers=workers, scheduler=scheduler,
                                         plots=not no_plots, command=command_line(),
                                         hooks=state_of(ctx).hooks(quiet))
        if not quiet:
            print_comparison(comparison.to_json(), folder)

    guard(ctx, body)


@app.command()
def plot(ctx: typer.Context,
         folder: Path = typer.Argument(..., help="An output folder of disarm run, compare, sweep or backtest.")) -> None:
    """Redraw the charts (and report) of an output folder from its saved results (no simulation)."""

    def body() -> None:
        from sim.core.contract import MANIFEST
        from sim.core.files import OutputError
        from sim.output.redraw import redraw

        manifest = folder / MANIFEST
        if manifest.exists() and not manifest.is_file():
            from sim.core.files import InputFileError, regular_file_stat

            try:
                regular_file_stat(manifest)
            except InputFileError as exc:
                raise OutputError(f"{manifest}: {exc.reason}") from None
        if not manifest.is_file():
            raise OutputError(f"{folder}: not a complete output folder (no {MANIFEST}); run disarm run (or compare, "
                              "sweep, backtest) first")
        kind, drawn = redraw(folder)
        print(f"Charts redrawn in the {kind} folder {folder}{os.sep}: {', '.join(drawn)}")

    guard(ctx, body)


@app.command()
def trace(
    ctx: typer.Context,
    scenario: Optional[Path] = typer.Argument(None, help="Scenario YAML [default: the bundled syria_2013]."),
    seed: int = SeedOpt,
    replication: int = typer.Option(0, "--replication", "-k", min=0, help="Which replication of the run."),
    overrides: Optional[list[str]] = SetOpt,
    as_json: bool = typer.Option(False, "--json", help="Print the raw event records as JSON."),
) -> None:
    """Print one replication's events in time order, as dated sentences."""

    def body() -> None:
        from sim.execution.trace import lines, trace as run_trace, trace_json
        from sim.scenario.loading import load_scenario

        loaded = load_scenario(scenario_path(scenario), overrides=overrides or [])
        rep_seed, records = run_trace(loaded, seed=seed, replication=replication)
        if as_json:
            print(json.dumps(trace_json(loaded, seed, replication, rep_seed, records), indent=1))
            return
        print(f"{loaded.name}: replication {replication} of seed {seed} (replication seed {rep_seed})")
        for line in lines(loaded, records):
            print(line)

    guard(ctx, body)


@app.command()
def sweep(
    ctx: typer.Context,
    sweep_file: Path = typer.Argument(..., metavar="SWEEP.yaml", help="Sweep file (see scenarios/sweeps/)."),
    output: Optional[Path] = output_option("<sweep file stem>"),
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
    fresh: bool = FreshOpt,
    no_plots: bool = NoPlotsOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Run a sensitivity sweep: many variants of a scenario, replicated; indices, discovery, charts, report."""

    def body() -> None:
        from sim.cli.printers import print_sweep
        from sim.output.jobs import sweep_job

        results, folder = sweep_job(sweep_file, folder=output, overrides=overrides or [], samples=samples,
                                    replications=replications, seed=seed, discover=discover or [], workers=workers,
                                    scheduler=scheduler, chunk_size=chunk_size, resume=resume, fresh=fresh,
                                    plots=not no_plots, command=command_line(), hooks=state_of(ctx).hooks(quiet))
        if results is not None and not quiet:
            print_sweep(results, folder)

    guard(ctx, body)


@app.command()
def validate(ctx: typer.Context,
             files: list[Path] = typer.Argument(..., help="Scenario or sweep files to check.")) -> None:
    """Check scenario and sweep files; exit 0 if all are valid, 2 (one line per problem) if not."""

    def body() -> None:
        from sim.cli.checks import validate_files

        ok_lines, problems = validate_files(files)
        for line in ok_lines:
            print(line)
        if problems:
            error(problems)
            raise typer.Exit(EXIT_BAD_INPUT)

    guard(ctx, body)


@app.command()
def backtest(
    ctx: typer.Context,
    scenario: Path = typer.Argument(..., help="Scenario YAML whose simulated bands are scored."),
    observed: Path = ObservedOpt,
    replications: int = ReplicationsOpt,
    seed: int = SeedOpt,
    output: Optional[Path] = output_option("<scenario stem>-backtest"),
    overrides: Optional[list[str]] = SetOpt,
    workers: Optional[int] = WorkersOpt,
    scheduler: Optional[str] = SchedulerOpt,
    no_plots: bool = NoPlotsOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Score a scenario against an observed record: bands, PIT, 80% coverage, errors, sharpness."""

    def body() -> None:
        from sim.cli.printers import print_backtest
        from sim.output.jobs import backtest_job

        result, folder = backtest_job(scenario, observed, replications=replications, seed=seed, folder=output,
                                      overrides=overrides or [], workers=workers, scheduler=scheduler,
                                      plots=not no_plots, command=command_line(), hooks=state_of(ctx).hooks(quiet))
        if not quiet:
            print_backtest(result.to_json(), folder)

    guard(ctx, body)


@app.command()
def calibrate(
    ctx: typer.Context,
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
    output: Optional[Path] = output_option("<scenario stem>-calibration"),
    overrides: Optional[list[str]] = SetOpt,
    workers: Optional[int] = WorkersOpt,
    scheduler: Optional[str] = SchedulerOpt,
    no_plots: bool = NoPlotsOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Fit parameters of a scenario to an observed record; write a calibrated scenario that extends it."""

    def body() -> None:
        from sim.cli.printers import print_calibration
        from sim.output.jobs import calibrate_job

        result, folder = calibrate_job(scenario, observed, parameters, samples=samples, replications=replications,
                                       seed=seed, confirm_replications=confirm_replications, folder=output,
                                       overrides=overrides or [], workers=workers, scheduler=scheduler,
                                       plots=not no_plots, command=command_line(), hooks=state_of(ctx).hooks(quiet))
        if not quiet:
            print_calibration(result, folder)

    guard(ctx, body)


@app.command()
def export(
    ctx: typer.Context,
    folder: Path = typer.Argument(..., help="An output folder: a run, sweep, comparison, backtest or calibration."),
    fmt: str = typer.Option("csv", "--format", "-f", help="csv (a folder of CSV files) or xlsx (one workbook)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output",
                                          help="Where [default: NAME-csv/ or NAME.xlsx beside the folder]."),
) -> None:
    """Write an output folder's tables as CSV files or an Excel workbook (calendar dates beside days)."""

    def body() -> None:
        from sim.output.export import export_folder

        kind, destination, tables = export_folder(folder, fmt.lower(), output, command=command_line())
        count = f"{len(tables)} table" + ("" if len(tables) == 1 else "s")
        print(f"{kind} folder {folder}: {count} ({', '.join(tables)}) -> {destination}")

    guard(ctx, body)


@app.command()
def new(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The new scenario's name; written to NAME.yaml (or to NAME if it ends in "
                                          ".yaml)."),
    like: Optional[str] = typer.Option(None, "--like", help="Extend this scenario instead (a file, or a bundled "
                                                            "scenario's name such as syria_2013)."),
) -> None:
    """Write a new scenario file to fill in: a commented, complete skeleton, or one that extends another."""

    def body() -> None:
        from sim.cli.new import write_new_scenario

        path, base = write_new_scenario(name, like)
        what = f"extends {base}" if base else "a skeleton to fill in"
        print(f"wrote {path} ({what}); check it with: disarm validate {path}")

    guard(ctx, body)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format."""
    from sim.scenario.docgen import json_schema

    print(json.dumps(json_schema(), indent=2))


__all__ = ["run", "compare", "plot", "trace", "sweep", "validate", "backtest", "calibrate", "export", "new", "schema"]
