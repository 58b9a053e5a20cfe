"""``disarm serve``: the explorer's web server (NiceGUI, on FastAPI and uvicorn).

It binds 127.0.0.1 unless told otherwise: anyone who can reach the address can run jobs on this machine and
read the workspace, so another host is allowed only with a warning.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path

LOOPBACK = "127.0.0.1"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def free_port(host: str) -> int:
    """A port the system says is free now (for ``--port 0``)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def check_port(host: str, port: int) -> None:
    """Refuse, before anything is printed, an address this process cannot listen on (``OSError``: in use, not
    this machine's)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))


def warning_for(host: str) -> str | None:
    if is_loopback(host):
        return None
    return (
        f"warning: listening on {host}: anyone who can reach this address on the network can run jobs on this "
        "machine and read the workspace (there is no login); use the default 127.0.0.1 unless you mean it"
    )


def serve(
    workspace_dir: Path,
    host: str = LOOPBACK,
    port: int = 8080,
    parallel: int = 1,
    workers: int | None = None,
    scheduler: str | None = None,
) -> None:
    """Start the explorer and block until it is stopped (Ctrl-C)."""
    from nicegui import app, ui

    from sim.explorer.jobs import JobQueue
    from sim.explorer.page import ExplorerPage
    from sim.explorer.routes import add_routes
    from sim.explorer.workspace import Workspace

    workspace = Workspace.open(workspace_dir)
    queue = JobQueue(workspace, parallel=parallel, workers=workers, scheduler=scheduler)
    add_routes(app, workspace, queue)
    app.on_shutdown(queue.shutdown)

    @ui.page("/")
    def index() -> None:
        ExplorerPage(workspace, queue)

    port = port or free_port(host)
    check_port(host, port)
    warning = warning_for(host)
    if warning:
        sys.stderr.write(warning + "\n")
        sys.stderr.flush()
    shown = f"[{host}]" if ":" in host else host
    print(f"disarm serve: http://{shown}:{port}/ (workspace {workspace.root}; Ctrl-C stops it)", flush=True)
    ui.run(
        host=host,
        port=port,
        title="disarm-sim explorer",
        reload=False,
        show=False,
        show_welcome_message=False,
        uvicorn_logging_level="warning",
        storage_secret=None,
        reconnect_timeout=30.0,
    )


__all__ = ["serve", "is_loopback", "warning_for", "free_port", "LOOPBACK"]
