"""Output folders under attack and bad luck (issue 24): folders that are not disarm-sim's, concurrent writers,
symbolic links, unsafe scenario names in a comparison, a full disk, and ``disarm plot`` on a tampered folder.

Refusals are checked in this process (Typer's runner) with the one replication function replaced by one that
fails, so that a refusal is proven to come before anything is simulated; what must really run (a lock held by
another process, a full disk, a comparison) runs as a real ``python -m sim`` process.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sim.execution.replicate
from conftest import ROOT, TINY, tiny_record
from sim.cli import app
from sim.execution.runs import run

ENV = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}


def disarm(*args: str, cwd: Path, prelude: str = "") -> subprocess.CompletedProcess:
    """``python -m sim ARGS`` in a process of its own; ``prelude`` is Python run first (a fault to inject)."""
    code = f"{prelude}\nimport sys\nfrom sim.cli.entry import main\nsys.argv = ['disarm', *sys.argv[1:]]\nmain()\n"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=ENV)


@pytest.fixture
def no_simulation(monkeypatch):
    """Replication is forbidden: a command must refuse before it simulates anything."""

    def refuse(*args, **kwargs):
        raise AssertionError("a replication ran before the refusal")

    monkeypatch.setattr(sim.execution.replicate, "run_one", refuse)


def invoke(*args: str):
    """A ``disarm`` command in this process (one worker, so that a replication would run here)."""
    return CliRunner().invoke(app, [*args, "--workers", "1", "-q"])


def snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every entry under ``folder`` (links not followed): inode, modification time and content."""
    out = {}
    for path in sorted(folder.rglob("*")):
        st = path.lstat()
        content = path.read_bytes() if path.is_file() and not path.is_symlink() else os.fsencode(
            os.readlink(path)) if path.is_symlink() else b""
        out[str(path.relative_to(folder))] = (st.st_ino, st.st_mtime_ns, content)
    return out


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """A complete run folder of the tiny scenario (charts included), to copy."""
    from sim.scenario.loading import load_scenario

    folder = tmp_path_factory.mktemp("saved") / "run"
    run(load_scenario(TINY), replications=4, seed=3, workers=1).save(folder, command="test", source=TINY)
    return folder


def copy_of(folder: Path, where: Path) -> Path:
    import shutil

    shutil.copytree(folder, where)
    return where


# ---------------------------------------------------------------------------------------------------------
# Item 1: only a folder that is provably disarm-sim's is replaced
# ---------------------------------------------------------------------------------------------------------


def test_a_folder_with_another_programs_manifest_is_not_replaced(tmp_path, no_simulation):
    """Issue 24 item 1: a web app's folder with its own manifest.json and src/ was replaced whole."""
    webapp = tmp_path / "webapp"
    (webapp / "src").mkdir(parents=True)
    (webapp / "manifest.json").write_text('{"manifest_version":3}')
    (webapp / "src" / "main.js").write_text("code")
    before = snapshot(tmp_path)
    result = invoke("run", str(TINY), "-n", "20", "-o", str(webapp))
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (f"{webapp}: exists and is not an output folder of disarm-sim "
                                     f"({webapp}/manifest.json: not a manifest of disarm-sim (no version, command, "
                                     "charts of the right type)); refusing to replace it: remove it or choose "
                                     "another output folder")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("command", ["run", "backtest"])
def test_a_users_files_in_an_output_folder_are_named_and_kept(tmp_path, run_folder, no_simulation, command):
    """Issue 24 item 1: a user's notes.txt in a run folder was deleted by the next run into it."""
    folder = copy_of(run_folder, tmp_path / "out")
    extra = ["--observed", str(tiny_record(tmp_path, "record.yaml"))] if command == "backtest" else []
    (folder / "notes.txt").write_text("mine")
    (folder / "extra").mkdir()
    (folder / "extra" / "data.csv").write_text("1,2")
    os.symlink("summary.json", folder / "link.json")
    before = snapshot(tmp_path)
    result = invoke(command, str(TINY), *extra, "-n", "20", "-o", str(folder))
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (f"{folder}: holds files disarm-sim did not write (extra/, link.json, "
                                     "notes.txt); refusing to replace it, which would delete them: move them out "
                                     "or choose another output folder")
    assert snapshot(tmp_path) == before


def test_disarm_sims_own_folders_are_replaced_new_and_old(tmp_path, run_folder):
    """Issue 24 item 1: a manifest lists the folder's files; a folder whose files are all disarm-sim's is
    replaced, also one written before manifests listed them (known names), with a killed write's leftover."""
    new = copy_of(run_folder, tmp_path / "new")
    manifest = json.loads((new / "manifest.json").read_text())
    assert manifest["files"] == sorted(p.name for p in new.iterdir() if p.name != "manifest.json")
    old = copy_of(run_folder, tmp_path / "old")
    del manifest["files"]
    (old / "manifest.json").write_text(json.dumps(manifest))
    (old / ".summary.json.k3j9x_0q.tmp").write_text("{")  # SIGKILL in the middle of an atomic write
    (new / ".DS_Store").write_bytes(b"\0")  # the folder was opened in macOS's Finder
    for folder in (new, old):
        result = disarm("run", str(TINY), "-n", "3", "--workers", "1", "--no-plots", "-q", "-o", folder.name,
                        cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        written = json.loads((folder / "manifest.json").read_text())
        assert written["replications"] == 3
        assert written["files"] == sorted(p.name for p in folder.iterdir() if p.name != "manifest.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new", "old"]


def test_an_older_comparison_folder_is_replaced(tmp_path, tiny):
    """Issue 24 item 1: a compare folder written before manifests listed their files is still replaced (its
    run folders checked on their own manifests)."""
    from sim.comparison.paired import compare

    compare([("a", tiny), ("b", tiny)], replications=2, seed=1, workers=1).save(tmp_path / "cmp", plots=False)
    for path in (tmp_path / "cmp").rglob("manifest.json"):
        manifest = json.loads(path.read_text())
        del manifest["files"]
        path.write_text(json.dumps(manifest))
    result = disarm("compare", str(TINY), str(TINY), "-n", "2", "--workers", "1", "--no-plots", "-q", "-o", "cmp",
                    cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "cmp" / "manifest.json").read_text())["scenarios"] == ["tiny", "tiny_"]
    assert sorted(p.name for p in (tmp_path / "cmp").iterdir()) == ["comparison.json", "manifest.json", "tiny",
                                                                     "tiny_"]


# ---------------------------------------------------------------------------------------------------------
# Item 5: one writer per folder
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["backtest", "compare", "calibrate", "run"])
def test_a_second_writer_is_refused_while_another_holds_the_folder(tmp_path, command):
    """Issue 24 item 5: two backtests (compare, calibrate) into one folder both exited 0, one result lost.
    The lock (flock on .NAME.lock beside the folder) is held here, as a first writer would."""
    record = str(tiny_record(tmp_path, "record.yaml"))
    args = {"backtest": ["backtest", str(TINY), "--observed", record, "-n", "3"],
            "compare": ["compare", str(TINY), str(TINY), "-n", "3"],
            "calibrate": ["calibrate", str(TINY), "--observed", record, "-p", "convoys.start_day=10:40",
                          "--samples", "4", "-n", "2"],
            "run": ["run", str(TINY), "-n", "3"]}[command]
    fd = os.open(tmp_path / ".btc.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = disarm(*args, "--workers", "1", "--no-plots", "-q", "-o", "btc", cwd=tmp_path)
    finally:
        os.close(fd)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == ("btc: another disarm-sim process is writing this output folder (its lock "
                                     ".btc.lock is held); wait for it to finish or choose another output folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".btc.lock", "record.yaml"]


def test_the_lock_is_released_and_removed_after_a_write(tmp_path):
    """Issue 24 item 5: after a command, its lock file is gone and the folder can be written again."""
    for _ in range(2):
        record = str(tiny_record(tmp_path, "record.yaml"))
        result = disarm("backtest", str(TINY), "--observed", record, "-n", "3", "--workers",
                        "1", "--no-plots", "-q", "-o", "btc", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["btc", "record.yaml"]


def test_one_writer_per_folder_within_a_process_too(tmp_path):
    """Issue 24 item 5: nested holds of one thread are one hold (a job, then its save); another thread is
    refused; the lock file goes with the last release."""
    import threading

    from sim.core.files import OutputError
    from sim.output.folders import folder_lock

    refused: list[str] = []

    def second_writer() -> None:
        try:
            with folder_lock(tmp_path / "out"):
                pass
        except OutputError as exc:
            refused.append(str(exc))

    with folder_lock(tmp_path / "out"):
        with folder_lock(tmp_path / "out"):
            pass
        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join()
        assert (tmp_path / ".out.lock").is_file()
    assert refused == [f"{tmp_path / 'out'}: another disarm-sim process is writing this output folder (its lock "
                       f"{tmp_path / '.out.lock'} is held); wait for it to finish or choose another output folder"]
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------------------
# Item 12: symbolic links as -o
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("output, make, message", [
    ("dangling", lambda d: os.symlink("nowhere", d / "dangling"),
     "dangling: is a symbolic link (to nowhere); disarm-sim neither replaces a link nor writes through it: give "
     "the folder itself or another output folder"),
    ("link1", lambda d: os.symlink("run", d / "link1"),
     "link1: is a symbolic link (to run); disarm-sim neither replaces a link nor writes through it: give the "
     "folder itself or another output folder"),
    ("loop1", lambda d: (os.symlink("loop2", d / "loop1"), os.symlink("loop1", d / "loop2")),
     "loop1: is a symbolic link (to loop2); disarm-sim neither replaces a link nor writes through it: give the "
     "folder itself or another output folder"),
    ("loop1/out", lambda d: (os.symlink("loop2", d / "loop1"), os.symlink("loop1", d / "loop2")),
     "loop1/out: cannot create it: loop1 is a symbolic link that leads nowhere (a loop of symbolic links)"),
    ("dangling/a/out", lambda d: os.symlink("nowhere", d / "dangling"),
     "dangling/a/out: cannot create it: dangling is a symbolic link that leads nowhere (its target does not "
     "exist)"),
], ids=["dangling", "to-a-run-folder", "loop", "loop-above", "dangling-above"])
def test_a_symbolic_link_as_the_output_folder_is_refused_before_simulating(tmp_path, run_folder, monkeypatch,
                                                                            no_simulation, output, make, message):
    """Issue 24 item 12: a dangling link crashed after simulating, a link to a run folder was replaced by a
    folder (leaving .link1.old-NNNN), a loop gave RuntimeError; now all are refused first, with exit 2."""
    copy_of(run_folder, tmp_path / "run")
    make(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    result = invoke("run", str(TINY), "-n", "20", "-o", output)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == message
    assert snapshot(tmp_path) == before


def test_links_above_the_output_folder_are_followed(tmp_path):
    """Issue 24 item 12: a link among the folders above -o (as /tmp is on some systems) is followed."""
    (tmp_path / "disk").mkdir()
    os.symlink("disk", tmp_path / "plots")
    result = disarm("run", str(TINY), "-n", "3", "--workers", "1", "--no-plots", "-q", "-o", "plots/out",
                    cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "disk" / "out" / "manifest.json").is_file()
    assert sorted(p.name for p in (tmp_path / "disk").iterdir()) == ["out"]


# ---------------------------------------------------------------------------------------------------------
# Item 13: compare names its run folders safely
# ---------------------------------------------------------------------------------------------------------


def test_compare_names_its_run_folders_safely(tmp_path):
    """Issue 24 item 13: scenario stems manifest.json and .. crashed compare after simulating."""
    stems = ["tiny", "manifest.json", "..", "Tiny", ".hidden", "comparison.json"]
    paths = []
    for stem in stems:
        path = tmp_path / "s" / f"{stem}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(TINY.read_bytes())
        paths.append(str(path))
    result = disarm("compare", *paths, "-n", "3", "--workers", "1", "--no-plots", "-q", "-o", "cmp", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    names = ["tiny", "manifest.json_", "scenario", "Tiny_", "hidden", "comparison.json_"]
    manifest = json.loads((tmp_path / "cmp" / "manifest.json").read_text())
    assert manifest["scenarios"] == names
    assert sorted(p.name for p in (tmp_path / "cmp").iterdir()) == sorted([*names, "comparison.json",
                                                                             "manifest.json"])
    for name in names:
        assert json.loads((tmp_path / "cmp" / name / "manifest.json").read_text())["replications"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmp", "s"]


def test_unsafe_run_folder_names_are_refused_by_the_python_api():
    """Issue 24 item 13: names given to the Python API are checked before anything is written."""
    from sim.core.files import OutputError
    from sim.output.comparison_folder import check_run_folder_names, run_folder_names

    assert run_folder_names(["a", "A", ".", "...", "manifest.json"]) == ["a", "A_", "scenario", "scenario_",
                                                                          "manifest.json_"]
    with pytest.raises(OutputError, match="too long"):
        run_folder_names(["x" * 240], ["x" * 240 + ".yaml"])
    check_run_folder_names(["a", "b c", "d.e"])
    for bad in (["a", "A"], [".."], ["x/y"], [""], ["comparison.json"], [".hidden"]):
        with pytest.raises(OutputError, match="cannot name a folder"):
            check_run_folder_names(bad)


# ---------------------------------------------------------------------------------------------------------
# Item 15: a full disk
# ---------------------------------------------------------------------------------------------------------

FULL_DISK = """
import errno, os
import pandas as pd
real = pd.DataFrame.to_parquet
seen = []
def to_parquet(self, path, *args, **kwargs):
    if {where!r} in str(path):
        seen.append(path)
        if len(seen) >= {after}:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return real(self, path, *args, **kwargs)
pd.DataFrame.to_parquet = to_parquet
"""


def test_a_full_disk_during_a_run_names_the_file_and_how_to_resume(tmp_path):
    """Issue 24 item 15: a full disk ended in `OSError: [Errno 28]` with no path and no word of --resume."""
    args = ["run", str(TINY), "-n", "12", "--chunk-size", "3", "--workers", "1", "--no-plots", "-q", "-o", "out"]
    # the third part file of runs cannot be written: two chunks are saved
    result = disarm(*args, cwd=tmp_path, prelude=FULL_DISK.format(where="runs-", after=3))
    assert result.returncode == 1
    partial = Path(".out.partial")
    assert result.stderr.splitlines() == [
        f"error: {partial}/parts/runs-000002.parquet: cannot write: No space left on device; 2 of 4 "
        f"chunks are saved in {partial}; run the same command with --resume to finish"]
    assert not (tmp_path / "out").exists()
    resumed = disarm(*args, "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["resumed_chunks"] == 2


def test_a_full_disk_while_saving_names_the_file_and_keeps_the_old_folder(tmp_path):
    """Issue 24 item 15: the same for a command without part files: the file named, the previous folder kept."""
    record = str(tiny_record(tmp_path, "record.yaml"))
    args = ["backtest", str(TINY), "--observed", record, "-n", "3", "--workers", "1", "--no-plots", "-q", "-o", "bt"]
    assert disarm(*args, cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path)
    prelude = """
import errno, os, pathlib
real = pathlib.Path.write_text
def write_text(self, *args, **kwargs):
    if self.name.startswith(".backtest.json."):  # the temporary name of an atomic write
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return real(self, *args, **kwargs)
pathlib.Path.write_text = write_text
"""
    result = disarm(*args, cwd=tmp_path, prelude=prelude)
    assert result.returncode == 1
    assert re.fullmatch(r"error: \.bt\.tmp-\w{8}/backtest\.json: cannot write: No space left on device\n",
                        result.stderr), result.stderr
    assert snapshot(tmp_path) == before


# ---------------------------------------------------------------------------------------------------------
# Item 16: disarm plot on a tampered folder
# ---------------------------------------------------------------------------------------------------------


def _tamper_manifest(folder: Path, change) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _drop_column(folder: Path, table: str, column: str) -> None:
    import pandas as pd

    pd.read_parquet(folder / table).drop(columns=[column]).to_parquet(folder / table)


@pytest.mark.parametrize("tamper, message", [
    (lambda f: _tamper_manifest(f, lambda m: m.pop("seed")), "manifest.json: seed: missing (the run's seed)"),
    (lambda f: (f / "summary.json").write_text("{bad"),
     "summary.json: not JSON (Expecting property name enclosed in double quotes at line 1, column 2)"),
    (lambda f: _drop_column(f, "runs.parquet", "removal_complete_day"),
     "runs.parquet: lacks the column removal_complete_day"),
    (lambda f: _drop_column(f, "timeseries.parquet", "p90"), "timeseries.parquet: lacks the column p90"),
    (lambda f: (f / "events.parquet").write_text("junk"),
     "events.parquet: not a Parquet table disarm-sim can read"),
    (lambda f: (f / "scenario.resolved.yaml").write_text("name: [1\n"), "scenario.resolved.yaml:"),
    (lambda f: _tamper_manifest(f, lambda m: m.update(replications=99)),
     "runs.parquet: holds 4 replications, but"),
    (lambda f: (f / "manifest.json").write_text('{"manifest_version": 3}'),
     "manifest.json: not a manifest of disarm-sim"),
], ids=["no-seed", "summary-not-json", "runs-column", "timeseries-column", "events-junk", "scenario", "count",
        "foreign-manifest"])
def test_plot_checks_every_input_first_and_names_the_file(tmp_path, run_folder, tamper, message):
    """Issue 24 item 16: `disarm plot` on a tampered folder gave KeyError 'seed', a JSONDecodeError with no
    file, and the like (exit 1); now exit 2, the file named, and nothing in the folder changed."""
    folder = copy_of(run_folder, tmp_path / "run")
    tamper(folder)
    before = snapshot(tmp_path)
    result = CliRunner().invoke(app, ["plot", str(folder)])
    assert result.exit_code == 2, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{folder}/{message}"), line
    assert snapshot(tmp_path) == before


def test_plot_never_half_rewrites_a_folder(tmp_path, run_folder, monkeypatch):
    """Issue 24 item 16: an error while drawing (an AttributeError) came after some charts were rewritten."""
    import sim.charts.run

    def broken(*args, **kwargs):
        raise AttributeError("'NoneType' object has no attribute 'lots'")

    monkeypatch.setattr(sim.charts.run, "plot_sites", broken)  # drawn after four other charts
    folder = copy_of(run_folder, tmp_path / "run")
    before = snapshot(tmp_path)
    result = CliRunner().invoke(app, ["plot", str(folder)])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (f"{folder}: cannot redraw its charts from its saved files (AttributeError: "
                                     "'NoneType' object has no attribute 'lots'); nothing in the folder was changed")
    assert snapshot(tmp_path) == before


def test_plot_on_a_read_only_file_system_exits_2_before_drawing(tmp_path, run_folder, monkeypatch):
    """Issue 24 item 16: a read-only file system ended `disarm plot` with exit 1 (OSError [Errno 30])."""
    folder = copy_of(run_folder, tmp_path / "run")
    read_only = {str(folder), str(tmp_path)}
    real_access, real_statvfs, real_open = os.access, os.statvfs, os.open

    class Flags:
        def __init__(self, st):
            self.st = st

        def __getattr__(self, name):
            return getattr(self.st, name)

        @property
        def f_flag(self):
            return self.st.f_flag | os.ST_RDONLY

    def access(path, mode, *args, **kwargs):  # as access(2) answers on a read-only file system
        if str(path) in read_only and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    def statvfs(path):
        return Flags(real_statvfs(path)) if str(path) in read_only else real_statvfs(path)

    def open_(path, flags, *args, **kwargs):  # and writing there fails with EROFS
        if os.path.dirname(os.path.abspath(path)) in read_only and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(os, "statvfs", statvfs)
    monkeypatch.setattr(os, "open", open_)
    before = snapshot(tmp_path)
    result = CliRunner().invoke(app, ["plot", str(folder)])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == f"{folder}: cannot redraw its charts: {folder} is on a read-only file system"
    assert snapshot(tmp_path) == before


def test_plot_redraws_around_a_users_file_and_lists_only_its_own(tmp_path, run_folder):
    """Issue 24 item 16 (and 1): redrawing keeps a user's file in the folder, and the manifest's files do not
    claim it (so a later run into the folder refuses, naming it, rather than deleting it)."""
    folder = copy_of(run_folder, tmp_path / "run")
    (folder / "notes.txt").write_text("mine")
    (folder / "progress.png").unlink()
    result = CliRunner().invoke(app, ["plot", str(folder)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (folder / "notes.txt").read_text() == "mine" and (folder / "progress.png").is_file()
    assert manifest["files"] == sorted(p.name for p in folder.iterdir() if p.name not in ("manifest.json",
                                                                                          "notes.txt"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


# ---- found in review -----------------------------------------------------------------------------------


def test_export_never_replaces_or_writes_into_a_results_folder(tmp_path):
    """`disarm export r2 -o r2` or `-o other_run` used to replace a run folder with CSV files."""
    for name in ("r1", "r2"):
        assert disarm("run", str(TINY), "-n", "3", "--workers", "1", "-q", "--no-plots", "-o", name,
                      cwd=tmp_path).returncode == 0
    before = {p.name for p in (tmp_path / "r2").iterdir()}
    for target in ("r2", "r2/csv", "r1", "."):
        done = disarm("export", "r2", "-o", target, cwd=tmp_path)
        assert done.returncode == 2 and "Traceback" not in done.stderr, (target, done.stderr)
    assert {p.name for p in (tmp_path / "r2").iterdir()} == before
    assert (tmp_path / "r1" / "runs.parquet").is_file()


def test_resume_over_a_finished_folder_without_a_job_key_is_refused(tmp_path):
    assert disarm("run", str(TINY), "-n", "4", "--workers", "1", "-q", "-o", "r", cwd=tmp_path).returncode == 0
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    del manifest["job"]  # as a folder saved from Python, or by an older version, has none
    (tmp_path / "r" / "manifest.json").write_text(json.dumps(manifest))
    done = disarm("run", str(TINY), "-n", "3", "--seed", "5", "--workers", "1", "-q", "-o", "r", "--resume",
                  cwd=tmp_path)
    assert done.returncode == 2 and "holds the finished results of another job" in done.stderr
    assert json.loads((tmp_path / "r" / "manifest.json").read_text())["replications"] == 4


def test_damaged_json_is_named_by_export_and_plot(tmp_path):
    assert disarm("run", str(TINY), "-n", "3", "--workers", "1", "-q", "-o", "r", cwd=tmp_path).returncode == 0
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    del summary["milestones"]
    (tmp_path / "r" / "summary.json").write_text(json.dumps(summary))
    done = disarm("export", "r", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("r/summary.json: not as disarm-sim writes it (KeyError")
    (tmp_path / "r" / "assumptions.json").write_bytes(b"\xff\xfe not utf-8")
    done = disarm("plot", "r", cwd=tmp_path)
    assert done.returncode == 2 and "r/assumptions.json: expected a JSON list of rows" in done.stderr


def test_a_stale_old_folder_of_the_same_pid_does_not_stop_the_swap(tmp_path):
    """A SIGKILL between the two renames of a swap leaves .NAME.old-PID; in a container the next command often
    has the same pid, and its swap used to fail on the leftover (ENOTEMPTY)."""
    from sim.output.folders import output_folder

    folder = tmp_path / "out"
    for attempt in range(2):
        (tmp_path / f".out.old-{os.getpid()}").mkdir(exist_ok=True)
        (tmp_path / f".out.old-{os.getpid()}" / "stale.txt").write_text("left by a killed process")
        with output_folder(folder) as tmp:
            (tmp / "manifest.json").write_text(json.dumps({"version": "0", "command": "test", "charts": [],
                                                           "scenario": "x", "files": []}))
        assert (folder / "manifest.json").is_file()
    assert not (tmp_path / f".out.old-{os.getpid()}").exists()


def test_resume_with_an_unreadable_job_file_keeps_the_saved_chunks(tmp_path):
    from sim.execution.parts import JOB_FILE, PARTS, PartStore, ResumeError

    staging = tmp_path / ".out.partial"
    (staging / PARTS).mkdir(parents=True)
    (staging / PARTS / "runs-000000.parquet").write_bytes(b"a saved chunk")
    (staging / JOB_FILE).write_text("{not json")
    store = PartStore(tmp_path / "out", {"kind": "run"}, resume=True)
    with pytest.raises(ResumeError, match="cannot resume: .* missing or unreadable"):
        store.open(chunk_size=10, tasks=3)
    store.close()
    assert (staging / PARTS / "runs-000000.parquet").read_bytes() == b"a saved chunk"
