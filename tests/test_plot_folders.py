"""``disarm plot`` redraws every kind of output folder it can (issue 22): a comparison, a sweep and a backtest
give back the very charts the command drew, and a folder it cannot redraw is refused in one line."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SCENARIOS, TINY

ENV = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}


def disarm(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, env=ENV, capture_output=True, text=True,
                          timeout=300)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.png"))}


def redrawn_identically(folder: Path) -> None:
    before, manifest = digests(folder), json.loads((folder / "manifest.json").read_text())
    for png in folder.glob("*.png"):
        png.unlink()  # the redraw must bring back every chart
    done = disarm("plot", folder.name, cwd=folder.parent)
    assert done.returncode == 0, done.stderr
    assert digests(folder) == before and before
    after = json.loads((folder / "manifest.json").read_text())
    assert after["charts"] == manifest["charts"] and after["files"] == manifest["files"]


def test_a_comparison_is_redrawn_as_it_was_drawn(tmp_path):
    (tmp_path / "esc.yaml").write_text(f"extends: {SCENARIOS / 'syria_2013.yaml'}\nname: esc\nconvoys: {{escorts: 3}}\n")
    done = disarm("compare", str(SCENARIOS / "syria_2013.yaml"), "esc.yaml", "-n", "8", "--workers", "1", "-q",
                  "-o", "cmp", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    redrawn_identically(tmp_path / "cmp")
    assert digests(tmp_path / "cmp" / "esc")  # the scenarios' run folders are redrawn too


def test_a_sweep_is_redrawn_as_it_was_drawn(tmp_path):
    done = disarm("sweep", str(SCENARIOS / "sweeps" / "levers_oat.yaml"), "--replications", "3", "--workers", "1",
                  "-q", "-o", "sw", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    figures = (tmp_path / "sw" / "report.html").read_text().count("<figure")
    redrawn_identically(tmp_path / "sw")
    assert (tmp_path / "sw" / "report.html").read_text().count("<figure") == figures > 0


def test_a_backtest_is_redrawn_as_it_was_drawn_and_an_older_one_is_refused(tmp_path):
    done = disarm("backtest", str(SCENARIOS / "syria_2013.yaml"), "--observed",
                  str(SCENARIOS / "observed" / "syria_2013_2016.yaml"), "-n", "8", "--workers", "1", "-q", "-o", "bt",
                  cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    redrawn_identically(tmp_path / "bt")
    (tmp_path / "bt" / "timeseries.parquet").unlink()
    before = digests(tmp_path / "bt")
    done = disarm("plot", "bt", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == ("bt: has no timeseries.parquet (a backtest folder written before disarm plot could "
                                   "redraw backtests): run disarm backtest again")
    assert digests(tmp_path / "bt") == before


def test_a_tampered_comparison_is_named_and_left_alone(tmp_path):
    done = disarm("compare", str(TINY), str(TINY), "-n", "3", "--workers", "1", "-q", "-o", "cmp", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (tmp_path / "cmp" / "comparison.json").write_text('{"seed": "zero"}')
    before = digests(tmp_path / "cmp")
    done = disarm("plot", "cmp", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == "cmp/comparison.json: seed: expected a whole number, found 'zero'"
    assert digests(tmp_path / "cmp") == before


@pytest.mark.parametrize("kind", ["calibrate"])
def test_a_folder_plot_cannot_redraw_is_refused_in_one_line(tmp_path, kind):
    folder = tmp_path / "cal"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"version": "0", "command": "disarm calibrate", "charts": [],
                                                      "scenario": "x", "calibrated": "x.yaml", "files": []}))
    done = disarm("plot", "cal", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == ("cal: a calibrate folder; disarm plot redraws the folders of disarm run, compare, "
                                   "sweep and backtest")
