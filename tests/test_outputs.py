"""Charts, the HTML report, `disarm plot` and `disarm trace`."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import SCENARIOS, TINY
from sim.charts import run as plotting
from sim.cli import app
from sim.scenario.loading import load_scenario
from sim.execution.runs import run

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def dispersal_run(tmp_path_factory):
    path = SCENARIOS / "secret_unit_dispersal.yaml"
    results = run(load_scenario(path), replications=40, seed=5, workers=1)
    folder = tmp_path_factory.mktemp("out") / "secret_unit_dispersal"
    results.save(folder, command="test", source=path)
    return results, folder


def test_a_run_folder_has_every_chart_and_the_report(dispersal_run):
    _, folder = dispersal_run
    pngs = sorted(p.name for p in folder.glob("*.png"))
    assert len(pngs) >= 7
    assert {"progress.png", "milestones.png", "completion.png", "deadlines.png", "ledger.png", "sites.png",
            "delay_drivers.png", "hidden.png", "detection.png"} <= set(pngs)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert sorted(manifest["charts"]) == pngs


def test_charts_are_large_enough(dispersal_run):
    from PIL import Image

    _, folder = dispersal_run
    for png in folder.glob("*.png"):
        width, height = Image.open(png).size
        assert width >= 1000 and height >= 500, png.name


def test_report_is_self_contained_and_small(dispersal_run):
    results, folder = dispersal_run
    text = (folder / "report.html").read_text(encoding="utf-8")
    # thirteen charts: network.png (issue 17 item 6) added about 48 KB, issues.png and two_books.png (issue 18) 40 KB,
    # timeline.png and the years to 2024 (issue 19) about 30 KB: 471,245 bytes measured
    assert len(text.encode()) < 490 * 1024
    assert text.count("data:image/webp;base64,") == len(list(folder.glob("*.png")))
    # nothing loaded from elsewhere: no external src, no stylesheet links, no scripts, no frames
    assert not re.search(r"""src\s*=\s*['"](?!data:)""", text)
    assert "<script" not in text and "<link" not in text and "<iframe" not in text and "@import" not in text
    assert results.scenario.question in text
    assert "Assumptions" in text and "dispersal.tonnes_per_move" in text
    assert "Unit 450" in text  # a source comment carried into the assumptions table
    assert "Manifest" in text


def test_assumptions_carry_units_and_sources(dispersal_run):
    _, folder = dispersal_run
    rows = {r["parameter"]: r for r in json.loads((folder / "assumptions.json").read_text())}
    cape_ray = rows["facilities[0].line_rate_t_per_day"]
    assert cape_ray["unit"] == "tonnes per day" and cape_ray["value"].startswith("pert(")
    assert "Field Deployable Hydrolysis" in cape_ray["source"]
    assert rows["inspectorate.arrival_day"]["value"] == "17"


def test_plot_redraws_without_simulating(dispersal_run, monkeypatch):
    _, folder = dispersal_run
    before = sorted(p.name for p in folder.glob("*.png"))
    for png in folder.glob("*.png"):
        png.unlink()
    (folder / "report.html").unlink()

    def no_simulation(*args, **kwargs):
        raise AssertionError("disarm plot ran a replication")

    monkeypatch.setattr("sim.model.simulate", no_simulation)
    monkeypatch.setattr("sim.execution.runs.simulate", no_simulation)
    monkeypatch.setattr("sim.execution.replicate.simulate", no_simulation)
    result = CliRunner().invoke(app, ["plot", str(folder)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.glob("*.png")) == before
    assert (folder / "report.html").exists()


def test_plot_refuses_an_incomplete_folder(tmp_path):
    result = subprocess.run([sys.executable, "-m", "sim", "plot", str(tmp_path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert "not a complete output folder" in result.stderr


def _line_count(ax, colour=None):
    return [line for line in ax.get_lines() if colour is None or line.get_color() == colour]


def test_each_chart_says_what_it_shows(dispersal_run):
    results, _ = dispersal_run
    s, runs, ts, events = results.scenario, results.runs, results.timeseries, results.events
    ax = plotting.plot_progress(ts, s)
    assert ax.get_ylabel() and ax.get_xlabel() == "Date"
    deadline_lines = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert len(deadline_lines) == len({d.date for d in s.deadlines})
    for collection in ax.collections:  # the p10-p90 bands stay within [0, 1]
        ys = np.concatenate([p.vertices[:, 1] for p in collection.get_paths()])
        assert ys.min() >= 0 and ys.max() <= 1
    assert len(ax.get_legend().get_texts()) == 4

    ax = plotting.plot_milestones(runs, s)
    assert "deadline" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(ax.get_yticklabels()) >= 10

    ax = plotting.plot_completion(runs, s)
    assert any("P(met)" in t.get_text() for t in ax.texts)

    ax = plotting.plot_deadlines(results.summary())
    assert len(ax.patches) == len(s.deadlines)
    assert all(0 <= p.get_width() <= 1 for p in ax.patches)

    ax = plotting.plot_ledger(events, s)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "destroyed" in labels and "hidden" in labels and ax.get_ylabel() == "Tonnes"

    ax = plotting.plot_sites(events, s)
    assert len(ax.get_yticklabels()) == len(s.sites)
    assert "dispersal move" in [t.get_text() for t in ax.get_legend().get_texts()]

    ax = plotting.plot_delay_drivers(runs)
    assert any("longest phase" in t.get_text() for t in ax.texts) and ax.get_xlabel()

    ax = plotting.plot_hidden(runs)
    assert "hidden" in ax.get_xlabel().lower() and ax.get_ylabel() == "Replications"

    ax = plotting.plot_detection(runs, s)
    (curve,) = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-"]
    assert curve.get_ydata().max() == pytest.approx(runs["detected"].mean())


def test_trace_prints_a_dated_line_per_milestone_in_time_order(tmp_path):
    result = subprocess.run([sys.executable, "-m", "sim", "trace", str(TINY), "--seed", "1"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()[1:]
    dates = [ln[:10] for ln in lines]
    assert dates == sorted(dates)
    milestone_lines = [ln for ln in lines if "milestone " in ln]
    assert len(milestone_lines) == 12  # every milestone the tiny scenario reaches
    assert any(ln.startswith("2020-01-25") and "ship1 sails with 20.0 t of X from P" in ln for ln in lines)
    assert any("convoy 1 delivers 20.0 t of X to P" in ln for ln in lines)


def test_trace_json_parses_and_matches_the_run(tmp_path):
    result = subprocess.run([sys.executable, "-m", "sim", "trace", str(TINY), "--json", "--replication", "2"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["replication"] == 2
    milestones = {e["entity"]: e["day"] for e in data["events"] if e["event"] == "milestone"}
    assert milestones["destruction_complete"] == 35.0
    assert all(set(e) >= {"day", "date", "event", "entity", "tonnes"} for e in data["events"])
