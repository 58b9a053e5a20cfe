"""``disarm serve``: the scenario explorer in the browser (:mod:`sim.explorer`)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sim.cli.app import EXIT_BAD_INPUT, SchedulerOpt, WorkersOpt, app, error


@app.command()
def serve(
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="Port to listen on; 0 picks a free one."),
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Address to bind (by default this machine only); any other prints a warning: anyone on that "
        "network can run jobs.",
    ),
    workspace: Path = typer.Option(
        Path("disarm-workspace"),
        "--workspace",
        help="The only folder the explorer reads and writes (created if missing).",
    ),
    jobs: int = typer.Option(
        1, "--jobs", min=1, max=16, help="Jobs run at once; the others wait in the queue."
    ),
    workers: Optional[int] = WorkersOpt,
    scheduler: Optional[str] = SchedulerOpt,
) -> None:
    """Start the scenario explorer, a local web app, and print its address (Ctrl-C stops it)."""
    try:
        from sim.explorer.app import serve as start
    except ImportError as exc:  # pragma: no cover - an installation without the web framework
        error(f"error: disarm serve needs NiceGUI ({exc}); install it with: pip install nicegui")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if workspace.exists() and not workspace.is_dir():
        error(f"{workspace}: not a folder; --workspace names the folder the explorer reads and writes")
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        start(workspace, host=host, port=port, parallel=jobs, workers=workers, scheduler=scheduler)
    except OSError as exc:  # the address is in use or not this machine's; the workspace cannot be created
        error(f"error: disarm serve: cannot serve on {host}:{port} with workspace {workspace}: "
              f"{exc.strerror or exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None


__all__ = ["serve"]
