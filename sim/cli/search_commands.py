"""``disarm redteam`` and ``disarm blueteam``: one search file format, one job (:mod:`sim.output.search_job`);
the command names the side, and a file of the other side is refused."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import typer

from sim.cli.app import (FreshOpt, NoPlotsOpt, QuietOpt, SchedulerOpt, WorkersOpt, app, command_line, guard,
                         output_option, state_of)

SearchFileArg = typer.Argument(..., metavar="SEARCH.yaml", help="Search file (see scenarios/searches/).")
EvaluationsOpt = typer.Option(None, "--evaluations", min=1, help="Candidates to evaluate [default: the file's "
                                                                  "budget.evaluations].")
SearchReplicationsOpt = typer.Option(None, "-n", "--replications", min=1,
                                     help="Replications per candidate [default: the file's budget.replications].")
SearchSeedOpt = typer.Option(None, "--seed", min=0, help="Seed of the search [default: the file's].")
SearchSetOpt = typer.Option(None, "--set", help="Override a value of the base scenario (and of every strategy): "
                                                "key.path=value (repeatable).")
SearchResumeOpt = typer.Option(False, "--resume", help="Finish an interrupted search into the same output folder: "
                                                       "the saved batches are read back, the rest run.")


def print_search(results: Any, folder: Path) -> None:
    s = results.search
    print(f"{s.name} ({s.side} team): {s.evaluations} evaluations x {s.replications} replications (seed {s.seed}), "
          f"{results.wall_seconds:.1f} s")
    first = s.objectives[0].text
    print(f"  base: {first} = {results.reference.get(first):.4g}")
    if not results.best.empty:
        row = results.best.iloc[0]
        flag = "" if row["feasible"] else " (no candidate met every constraint)"
        levers = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in results.best_assignment().items())
        print(f"  best{flag}: {first} = {row[first]:.4g} with {levers}")
    print(f"Results written to {folder}{os.sep}")


def _command(side: str, name: str, doc: str) -> Any:
    """Register ``disarm <name>``: the same options for both sides, the side fixed by the command."""

    def command(
        ctx: typer.Context,
        search_file: Path = SearchFileArg,
        output: Optional[Path] = output_option("<search file stem>"),
        evaluations: Optional[int] = EvaluationsOpt,
        replications: Optional[int] = SearchReplicationsOpt,
        seed: Optional[int] = SearchSeedOpt,
        overrides: Optional[list[str]] = SearchSetOpt,
        workers: Optional[int] = WorkersOpt,
        scheduler: Optional[str] = SchedulerOpt,
        resume: bool = SearchResumeOpt,
        fresh: bool = FreshOpt,
        no_plots: bool = NoPlotsOpt,
        quiet: bool = QuietOpt,
    ) -> None:
        def body() -> None:
            from sim.output.search_job import search_job

            results, folder = search_job(search_file, side, folder=output, overrides=overrides or [], seed=seed,
                                         evaluations=evaluations, replications=replications, workers=workers,
                                         scheduler=scheduler, resume=resume, fresh=fresh, plots=not no_plots,
                                         command=command_line(), hooks=state_of(ctx).hooks(quiet))
            if results is not None and not quiet:
                print_search(results, folder)

        guard(ctx, body)

    command.__doc__ = doc
    command.__name__ = name
    return app.command(name=name)(command)


redteam = _command("red", "redteam", "Search for the state's best concealment strategy (side: red); best "
                                     "strategies, history, front, report.")
blueteam = _command("blue", "blueteam", "Search for the verification regime that leaves the state least, within "
                                        "a budget (side: blue).")


__all__ = ["redteam", "blueteam"]
