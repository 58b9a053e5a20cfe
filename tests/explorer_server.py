"""A ``disarm serve`` child process on a free loopback port, for the explorer's tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env() -> dict[str, str]:
    """The environment of a ``python -m sim`` child: this checkout first on the path, files-only charts, and
    not pytest's marker (NiceGUI would start in its own test mode)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               MPLBACKEND="Agg")
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


class Server:
    """``python -m sim serve --port P --workspace W`` until :meth:`stop`."""

    def __init__(self, workspace: Path, *extra: str):
        self.workspace = workspace
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = child_env()
        self.log = workspace.parent / f"serve-{self.port}.log"
        self.env = env
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sim",
                "serve",
                "--port",
                str(self.port),
                "--workspace",
                str(workspace),
                *extra,
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/api/jobs", timeout=2).read()
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"disarm serve did not start: {self.log.read_text()}") from None
                time.sleep(0.2)

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def post(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def wait_job(self, job_id: str, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            job = json.loads(self.get(f"/api/jobs/{job_id}")[1])
            if job["state"] in ("done", "failed", "cancelled") or time.monotonic() > deadline:
                return job
            time.sleep(0.3)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
