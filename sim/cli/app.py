"""The ``disarm`` application: the Typer app, the options the commands share, and how failures become
messages and exit codes.

Exit codes: 0 success; 2 bad input (a message naming file, line and key; never a traceback); 130
interrupted (Ctrl-C); 143 terminated (SIGTERM, handled as Ctrl-C); 1 anything else.  Error lines go to stderr unwrapped, whatever the terminal width.  Heavy
modules (pandas, matplotlib, the model) are imported inside the commands that need them, so
``disarm validate`` and ``disarm schema`` start fast.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

import typer

if TYPE_CHECKING:  # pragma: no cover
    from sim.output.jobs import Hooks

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
"""128 + SIGTERM: the shell's code for a process SIGTERM ended, kept although the command ends cleanly."""

app = typer.Typer(
    name="disarm",
    help="disarm-sim: simulate the elimination of a chemical-weapons programme (Syria 2013-2016).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        from sim._version import __version__

        print(f"disarm-sim {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                       help="Print the version of disarm-sim and exit.")) -> None:
    """disarm-sim: simulate the elimination of a chemical-weapons programme (Syria 2013-2016)."""


def error(lines: list[str] | str) -> None:
    """Error lines on standard error, one per line, unwrapped."""
    for line in [lines] if isinstance(lines, str) else lines:
        sys.stderr.write(f"{line}\n")
    sys.stderr.flush()


@dataclass
class CommandState:
    """One command's state (Typer's ``ctx.obj``): the part stores its job opened, which an interruption or a
    failure reports for ``--resume``."""

    stores: list[Any] = field(default_factory=list)

    def saved_note(self) -> str:
        """What is kept for --resume, in words ("" if nothing)."""
        return self.stores[-1].saved_note() if self.stores else ""

    def hooks(self, quiet: bool, freeze_heap: bool = False) -> "Hooks":
        """The hooks a job reports through: a progress bar, notes on standard error, this state's stores."""
        from sim.cli.progress import progress
        from sim.output.jobs import Hooks

        return Hooks(progress=lambda total, label: progress(total, label, quiet), note=error, tell=print,
                     stores=self.stores, quiet=quiet, freeze_heap=freeze_heap)


def state_of(ctx: typer.Context) -> CommandState:
    return ctx.ensure_object(CommandState)


def command_line() -> str:
    """The command as typed, for the manifest."""
    return " ".join(["disarm", *map(shlex.quote, sys.argv[1:])])


def guard(ctx: typer.Context, action: Callable[[], Any]) -> None:
    """Run a command body, turning known failures into messages and exit codes."""
    from sim.core.files import OutputError, WriteError  # light: no NumPy, no model
    from sim.core.problems import ScenarioError
    from sim.execution.base import EngineError, EngineUnavailable, ReplicationFailures
    from sim.execution.parts import ResumeError

    state = state_of(ctx)
    try:
        action()
    except ScenarioError as exc:
        error([str(p) for p in exc.problems])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except (OutputError, EngineUnavailable, ResumeError) as exc:
        error(str(exc))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except (EngineError, WriteError) as exc:  # the cluster was lost, workers kept dying, or a disk is full
        note = state.saved_note()
        error(f"error: {exc}" + (f"; {note}" if note else ""))
        raise typer.Exit(1) from None
    except ReplicationFailures as exc:
        error(exc.lines())
        if state.saved_note():
            error(f"the chunks without failures are saved in {state.stores[-1].path}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:  # main() says "interrupted", once, whichever phase Ctrl-C came in
        raise typer.Exit(EXIT_INTERRUPTED) from None


def scenario_path(scenario: Optional[Path]) -> Path:
    """The scenario argument, or the bundled baseline."""
    if scenario is not None:
        return scenario
    from sim.data import baseline_path

    return baseline_path()


# ------------------------------------------------------------------------------------------------------
# Options the commands share
# ------------------------------------------------------------------------------------------------------

ReplicationsOpt = typer.Option(500, "-n", "--replications", min=1, help="Monte Carlo replications.")
SeedOpt = typer.Option(0, "--seed", min=0, help="Seed of the run; same seed, same results.")
def output_option(default: str) -> Any:
    """The ``-o/--output`` option of a command whose folder defaults to ``./plots/<default>/``."""
    return typer.Option(None, "-o", "--output", help=f"Output folder [default: ./plots/{default}/].")


OutOpt = output_option("<scenario stem>")
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
FreshOpt = typer.Option(False, "--fresh", help="Discard the chunks an interrupted run saved for this output folder "
                                               "and start again (without --resume or --fresh, saved chunks are "
                                               "never discarded: the command refuses).")
QuietOpt = typer.Option(False, "--quiet", "-q", help="No progress bar and no tables.")
NoPlotsOpt = typer.Option(False, "--no-plots", help="Write the tables only, no charts.")
ObservedOpt = typer.Option(..., "--observed", help="Observed record, e.g. scenarios/observed/syria_2013_2016.yaml.")


__all__ = ["app", "guard", "error", "CommandState", "state_of", "command_line", "scenario_path", "output_option",
           "EXIT_BAD_INPUT", "EXIT_INTERRUPTED", "EXIT_TERMINATED"]
