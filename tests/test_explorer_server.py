"""The explorer's server without a browser: nothing outside the workspace is served, concurrent jobs give the
command line's results for the same seed, a job can be cancelled, and the Scenario page's problems are worded
as ``disarm validate`` words them."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from explorer_server import Server, child_env


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("explorer") / "workspace", "--jobs", "2")
    yield running
    running.stop()


def test_paths_outside_the_workspace_are_refused(server, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the browser")
    (server.workspace / "runs" / "link").symlink_to(tmp_path, target_is_directory=True)
    (server.workspace / "scenarios" / "inside.txt").write_text("fine")
    assert server.get("/files/scenarios/inside.txt") == (200, b"fine")
    for path in (
        "/files/..%2Fsecret.txt",
        "/files/%2E%2E/%2E%2E/etc/passwd",
        "/files/%2Fetc%2Fpasswd",
        "/files/runs/link/secret.txt",
        "/files/scenarios/..%2F..%2Fsecret.txt",
        "/export/..%2F..%2Ftmp/tables.xlsx",
        "/export/runs/link/runs.csv",
        "/files/~root/.bashrc",
    ):
        status, body = server.get(path)
        assert status in (403, 404), (path, status)
        assert b"not for the browser" not in body and b"root:" not in body
    assert server.get("/files/scenarios/missing.yaml")[0] == 404


def _cli_run(folder: Path, replications: int, seed: int) -> None:
    command = ["run", "-n", str(replications), "--seed", str(seed), "-o", str(folder), "-q", "--no-plots"]
    subprocess.run([sys.executable, "-m", "sim", *command], check=True, env=child_env(), cwd=folder.parent)


def test_two_concurrent_jobs_give_the_command_lines_results(server, tmp_path):
    replications, seed = 60, 11
    submitted: list[dict] = []
    threads = [
        threading.Thread(
            target=lambda: submitted.append(
                server.post(
                    "/api/run", {"scenario": "syria_2013", "replications": replications, "seed": seed}
                )
            )
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(submitted) == 2 and submitted[0]["id"] != submitted[1]["id"]
    _cli_run(tmp_path / "cli", replications, seed)  # meanwhile, the command line itself
    expected_runs = pd.read_parquet(tmp_path / "cli" / "runs.parquet")
    expected_summary = json.loads((tmp_path / "cli" / "summary.json").read_text())
    for job in submitted:
        finished = server.wait_job(job["id"])
        assert finished["state"] == "done", finished
        assert finished["done"] == finished["total"] == replications
        folder = server.workspace / finished["folder"]
        pd.testing.assert_frame_equal(pd.read_parquet(folder / "runs.parquet"), expected_runs)
        assert json.loads((folder / "summary.json").read_text()) == expected_summary
        assert (folder / "report.html").is_file() and (folder / "manifest.json").is_file()
        assert not list(folder.parent.glob(f".{folder.name}*"))  # written atomically: no staging left behind
    # the downloads: the tables as disarm export gives them, the resolved scenario
    status, workbook = server.get(f"/export/{finished['folder']}/tables.xlsx")
    assert status == 200 and workbook[:2] == b"PK"
    assert set(pd.read_excel(io.BytesIO(workbook), sheet_name=None)) >= {"runs", "milestones", "deadlines"}
    status, csv = server.get(f"/export/{finished['folder']}/deadlines.csv")
    assert status == 200 and csv.startswith(b"deadline,date,milestone,description,p_met,ci95_low,ci95_high")
    status, resolved = server.get(f"/files/{finished['folder']}/scenario.resolved.yaml?download=1")
    assert status == 200 and b"name: syria_2013" in resolved
    assert server.get(f"/export/{finished['folder']}/nope.csv")[0] == 404


def test_a_job_can_be_cancelled(server):
    job = server.post("/api/run", {"scenario": "syria_2013", "replications": 20000, "seed": 1})
    server.post(f"/api/jobs/{job['id']}/cancel", {})
    finished = server.wait_job(job["id"])
    assert finished["state"] == "cancelled"
    assert not (server.workspace / finished["folder"] / "manifest.json").exists()


def test_uploads_are_limited_on_the_server(server):
    """Refused on the announced length, before the body is read (only the headers are sent here)."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.putrequest("POST", "/_nicegui/client/any/upload/1")
    connection.putheader("Content-Type", "multipart/form-data; boundary=b")
    connection.putheader("Content-Length", "2000000")
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413 and b"at most 1,000,000 bytes" in response.read()
    connection.close()


def test_bad_requests_are_refused(server):
    import urllib.error

    for body in ({"scenario": "../../etc/passwd"}, {"scenario": "nope"}, {"replications": 0}, {"seed": -1}):
        with pytest.raises(urllib.error.HTTPError) as refused:
            server.post("/api/run", body)
        assert refused.value.code == 400


def test_the_forms_problems_are_worded_as_disarm_validate(tmp_path):
    from sim.explorer import drafts
    from sim.explorer.workspace import MAX_UPLOAD_BYTES, Workspace

    workspace = Workspace.open(tmp_path / "ws")
    text = drafts.child_text("syria_2013", "bad", {"convoys.escorts": "0", "inspectorate.teams": "many"})
    scenario, problems = drafts.validate_text(workspace, text, "bad")
    assert scenario is None
    (workspace.root / "scenarios" / "bad.yaml").write_text(text)
    env = child_env()
    validate = subprocess.run(
        [sys.executable, "-m", "sim", "validate", "scenarios/bad.yaml"],
        cwd=workspace.root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert validate.returncode == 2
    assert sorted(str(p) for p in problems) == sorted(validate.stderr.splitlines())
    beside, others = drafts.problems_by_lever(problems)
    assert set(beside) == {"convoys.escorts", "inspectorate.teams"} and not others
    # a scenario that extends the original, saved only when valid
    assert drafts.save_text(workspace, text, "bad")[0] is None
    good = drafts.child_text("syria_2013", "good", {"convoys.escorts": "4"})
    path, problems = drafts.save_text(workspace, good, "good")
    assert problems == [] and path == workspace.root / "scenarios" / "good.yaml"
    assert drafts.load_named(workspace, "good").convoys.escorts == 4
    too_large = "# " + "x" * MAX_UPLOAD_BYTES
    assert "at most" in drafts.validate_text(workspace, too_large, "big")[1][0].message
    assert not list((workspace.root / "scenarios").glob(".draft-*"))


def test_a_scenario_may_extend_only_the_workspaces_or_bundled_ones(tmp_path):
    from sim.explorer import drafts
    from sim.explorer.workspace import Workspace

    workspace = Workspace.open(tmp_path / "ws")
    outside = tmp_path / "outside.yaml"
    outside.write_text("name: outside\nconvoys:\n  escorts: 'the secret is 42'\n")
    (workspace.root / "scenarios" / "link.yaml").symlink_to(outside)
    (workspace.root / "scenarios" / "middle.yaml").write_text("extends: ../../outside.yaml\nname: middle\n")
    for reference in (str(outside), "../../outside.yaml", "link.yaml", "middle.yaml"):
        scenario, problems = drafts.validate_text(workspace, f"extends: {reference}\nname: x\n", "x")
        assert scenario is None and len(problems) == 1, reference
        assert "reads only the scenarios of its workspace" in problems[0].message
        assert "secret" not in str(problems[0])
    assert drafts.validate_text(workspace, "extends: syria_2013\nname: x\n", "x")[1] == []


def test_the_form_comes_from_the_json_schema():
    from sim.explorer.drafts import levers

    by_path = {lever.path: lever for lever in levers()}
    assert by_path["convoys.escorts"].kind == "integer" and by_path["convoys.escorts"].bounds() == "1 to 10000"
    assert by_path["convoys.tonnes_per_convoy"].bounds() == "more than 0, at most 1e+07"
    assert by_path["convoys.start_day"].kind == "distribution"
    assert by_path["inspectorate.verification_days"].unit == "days"
    assert by_path["pressure.level"].maximum == 1.0 and by_path["pressure.level"].description
    assert by_path["security.enabled"].kind == "boolean"


def test_the_workspace_refuses_paths_out_of_it(tmp_path):
    from sim.explorer.app import warning_for
    from sim.explorer.workspace import Workspace, WorkspaceError

    workspace = Workspace.open(tmp_path / "ws")
    (workspace.root / "out").symlink_to(tmp_path)
    for bad in ("../x", "/etc/passwd", "a/../../x", "out/x", "", "~/x", "a\\..\\x", "a\x00b"):
        with pytest.raises(WorkspaceError):
            workspace.resolve(bad)
    assert workspace.resolve("scenarios/x.yaml") == workspace.root / "scenarios" / "x.yaml"
    assert (
        warning_for("127.0.0.1") is None and warning_for("localhost") is None and warning_for("::1") is None
    )
    assert "anyone" in warning_for("0.0.0.0")


def test_serve_on_port_0_prints_the_address_it_listens_on(tmp_path):
    import re
    import time
    import urllib.request

    env = child_env()
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", "serve", "--port", "0", "--workspace", str(tmp_path / "ws")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        match = re.match(
            r"disarm serve: (http://127\.0\.0\.1:(\d+)/) \(workspace (.+); Ctrl-C stops it\)$", line
        )
        assert match, line
        assert int(match.group(2)) > 0 and Path(match.group(3)) == (tmp_path / "ws").resolve()
        deadline = time.monotonic() + 60
        while True:
            try:
                assert urllib.request.urlopen(match.group(1) + "api/jobs", timeout=2).read() == b"[]"
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.2)
        assert (tmp_path / "ws" / "scenarios").is_dir() and (tmp_path / "ws" / "runs").is_dir()
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_serve_on_a_port_in_use_is_refused_in_one_line(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "sim", "serve", "--port", str(port), "--workspace",
                               str(tmp_path / "ws")], env=child_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"error: disarm serve: cannot serve on 127.0.0.1:{port}")
    assert len(done.stderr.splitlines()) == 1
