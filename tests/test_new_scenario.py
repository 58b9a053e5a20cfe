"""``disarm new`` (issue 17 item 8): a commented skeleton that validates and runs as written, or a file that
extends another scenario; an existing file is never replaced."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import BASELINE, ROOT

ENV = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}


def disarm(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, env=ENV, capture_output=True, text=True,
                          timeout=300)


def test_the_skeleton_validates_and_runs_as_written(tmp_path):
    done = disarm("new", "state_x", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "wrote state_x.yaml (a skeleton to fill in); check it with: disarm validate state_x.yaml\n"
    text = (tmp_path / "state_x.yaml").read_text(encoding="utf-8")
    assert text.count("SOURCE:") >= 8  # every block says where its numbers should come from
    assert yaml.safe_load(text)["name"] == "state_x"
    assert disarm("validate", "state_x.yaml", cwd=tmp_path).returncode == 0
    done = disarm("run", "state_x.yaml", "-n", "5", "--workers", "1", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "plots" / "state_x"
    assert {"runs.parquet", "summary.json", "report.html", "progress.png", "critical_paths.png"} <= {
        p.name for p in folder.iterdir()}
    # the SOURCE comments reach the report's assumptions
    assert "SOURCE:" in (folder / "assumptions.json").read_text(encoding="utf-8")


def test_like_extends_a_bundled_scenario_or_a_file_beside_it(tmp_path):
    import sim

    done = disarm("new", "variant", "--like", "syria_2013", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = yaml.safe_load((tmp_path / "variant.yaml").read_text(encoding="utf-8"))
    assert data["extends"] == "syria_2013" and data["name"] == "variant"
    variant, base = sim.load_scenario(tmp_path / "variant.yaml"), sim.load_scenario(BASELINE)
    assert variant.model_dump(exclude={"name", "question"}) == base.model_dump(exclude={"name", "question"})
    (tmp_path / "sub").mkdir()
    done = disarm("new", "sub/v2", "--like", "variant.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load((tmp_path / "sub" / "v2.yaml").read_text())["extends"] == "../variant.yaml"
    assert disarm("validate", "sub/v2.yaml", cwd=tmp_path).returncode == 0


def test_an_existing_file_is_never_replaced_and_bad_names_are_refused(tmp_path):
    (tmp_path / "mine.yaml").write_text("my own notes\n")
    done = disarm("new", "mine", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr == "mine.yaml: exists already; disarm new never replaces a file: choose another name\n"
    assert (tmp_path / "mine.yaml").read_text() == "my own notes\n"
    done = disarm("new", "bad name", cwd=tmp_path)
    assert done.returncode == 2 and "cannot be a scenario's name" in done.stderr
    done = disarm("new", "x", "--like", "nope.yaml", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("nope.yaml: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.yaml"]
