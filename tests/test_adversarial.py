"""Red team and blue team (disarm redteam / blueteam): the search finds a best strategy known by enumeration,
gives identical results on one worker, two workers and a Dask cluster, resumes after an interruption with the
same result, refuses bad search files with file, line and key, and the blue team's min-max picks the regime
that is best in the worst case."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT
from sim.adversarial.loading import load_search
from sim.adversarial.search import evaluate, run_search
from sim.core.problems import ScenarioError
from sim.execution.engines import SerialEngine
from sim.execution.parts import PartStore, staging_path

SEARCHES = ROOT / "tests" / "data" / "searches"
BROKEN = ROOT / "tests" / "broken" / "searches"
RED = SEARCHES / "red_known.yaml"
BLUE = SEARCHES / "blue_robust.yaml"
MOVES, TONNES = "dispersal.moves", "dispersal.tonnes_per_move"
TIP, NOTICE = "dispersal.detection.tip_probability_per_move", "dispersal.detection.discrepancy_probability"


def disarm(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    env.pop("DISARM_SCHEDULER", None)
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


@pytest.mark.parametrize("seed", range(5))
def test_the_red_team_finds_the_best_strategy_found_by_enumerating_every_one(seed):
    search = load_search(RED, seed=seed)
    every = [{MOVES: float(m), TONNES: t} for m in range(6) for t in (1, 2, 3, 4)]
    rows = evaluate(search, every, SerialEngine())  # the same replication seeds as the search's
    feasible = [r for r in rows if r["feasible"]]
    assert 0 < len(feasible) < len(rows)  # the constraint binds: the answer is not simply "the most of both"
    top = max(r["mean(hidden_tonnes)"] for r in feasible)
    answers = [{MOVES: r[MOVES], TONNES: r[TONNES]} for r in feasible if r["mean(hidden_tonnes)"] == top]
    unconstrained = max(r["mean(hidden_tonnes)"] for r in rows)
    assert unconstrained > top  # the best strategy is the best *feasible* one

    found = run_search(search, SerialEngine())  # the shipped budget of the test search: 40 evaluations
    assert found.best_assignment() in answers
    assert found.best.iloc[0]["mean(hidden_tonnes)"] == pytest.approx(top)
    assert bool(found.best.iloc[0]["feasible"])


def _interrupting(stop_after: int) -> SerialEngine:
    class Interrupting(SerialEngine):
        ran = 0

        def map_unordered(self, fn, shared, items):
            for index, item in enumerate(items):
                if Interrupting.ran == stop_after:
                    raise KeyboardInterrupt
                Interrupting.ran += 1
                yield index, fn(shared, item)

    return Interrupting()


def test_an_interrupted_search_resumes_from_its_saved_batches_with_the_same_result(tmp_path):
    search = load_search(RED)
    whole = run_search(search, SerialEngine())
    out = tmp_path / "out"
    batches = -(-search.evaluations // search.batch)
    # batch 0 is the base and its new candidates, one task (40 replications) each; stop inside batch 1
    first_batch_tasks = 1 + whole.history.loc[whole.history["batch"] == 0, "candidate"].nunique()
    with PartStore(out, search.identity()) as store, pytest.raises(KeyboardInterrupt):
        store.open(search.batch, batches, parts=("runs",))
        run_search(search, _interrupting(stop_after=first_batch_tasks + 1), store=store)
    saved = sorted(p.name for p in (staging_path(out) / "parts").iterdir())
    assert saved == ["runs-000000.parquet"]  # batch 0 finished; batch 1 did not

    class Counting(SerialEngine):
        maps = 0

        def map_unordered(self, fn, shared, items):
            Counting.maps += 1
            yield from super().map_unordered(fn, shared, items)

    with PartStore(out, search.identity(), resume=True) as store:
        store.open(search.batch, batches, parts=("runs",))
        resumed = run_search(search, Counting(), store=store)
    ran_batches = Counting.maps
    assert ran_batches < batches  # batch 0 was read back, not run again (batches of repeats run nothing)
    pd.testing.assert_frame_equal(resumed.history, whole.history)
    pd.testing.assert_frame_equal(resumed.runs, whole.runs)
    assert resumed.best_assignment() == whole.best_assignment()


def test_a_search_is_identical_on_one_worker_two_workers_and_a_dask_cluster(tmp_path_factory, tmp_path):
    from test_dask import Cluster

    cluster = Cluster(tmp_path_factory.mktemp("dask"))
    try:
        args = ["redteam", str(RED), "--evaluations", "16", "-n", "30", "--seed", "3", "--no-plots", "--quiet"]
        for name, extra in (("one", ["--workers", "1"]), ("two", ["--workers", "2"]),
                            ("dask", ["--scheduler", cluster.address])):
            done = disarm(*args, *extra, "-o", name, cwd=tmp_path)
            assert done.returncode == 0, done.stderr
    finally:
        cluster.stop()
    for name in ("two", "dask"):
        for table in ("history.parquet", "runs.parquet"):
            pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "one" / table),
                                          pd.read_parquet(tmp_path / name / table))
        assert (tmp_path / "one" / "best_1.yaml").read_text() == (tmp_path / name / "best_1.yaml").read_text()
    assert len(pd.read_parquet(tmp_path / "one" / "history.parquet")) == 16


EXPECTED = {
    "unknown_lever.yaml": [":6: levers[0].path: dispersal.movez: the base scenario has no key 'movez'"],
    "refused_value.yaml": [":6: levers[0].low: dispersal.max_share = -0.5 is refused by the scenario"],
    "bad_measure.yaml": [":8: objectives[0].measure: unknown outcome 'hidden_tonnez' (did you mean "
                         "'hidden_tonnes'?)"],
    "bad_constraint.yaml": [":10: constraints[0]: expected a number after '<=', got 'often'"],
    "red_with_cost.yaml": [":6: levers[0].cost_per_unit: cost_per_unit is for side: blue only"],
    "blue_without_limit.yaml": [":3: side: a blue search needs a cost_limit"],
    "low_above_high.yaml": [":6: levers[0]: low must be below high", ":9: budget.evaluations: input should be "
                                                                     "greater than or equal to 1"],
    "missing_strategy.yaml": [":5: strategies[0]: cannot find the state strategy"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_bad_search_file_is_refused_with_file_line_and_key(name):
    with pytest.raises(ScenarioError) as caught:
        load_search(BROKEN / name)
    lines = [str(p) for p in caught.value.problems]
    assert len(lines) == len(EXPECTED[name])
    for line, expected in zip(lines, EXPECTED[name]):
        assert line.startswith(str(BROKEN / name) + expected.split(":", 2)[0] + ":" + expected.split(":", 2)[1])
        assert expected in line


def test_the_command_line_refuses_a_bad_search_file_with_exit_code_2_and_no_traceback(tmp_path):
    done = disarm("redteam", str(BROKEN / "low_above_high.yaml"), "-o", "out", cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"{BROKEN / 'low_above_high.yaml'}:6: levers[0]: low must be below high" in done.stderr
    assert not (tmp_path / "out").exists()
    done = disarm("blueteam", str(RED), "-o", "out", cwd=tmp_path)  # a red search given to the blue command
    assert done.returncode == 2
    assert f"{RED}:4: side: this is a red team's search; run it with disarm redteam" in done.stderr


@pytest.mark.parametrize("robust, regime", [("worst", {TIP: 0.0, NOTICE: 0.6}), ("expected", {TIP: 0.5, NOTICE: 0.0})])
def test_the_blue_team_picks_the_regime_best_in_the_worst_case_or_on_average(robust, regime):
    search = load_search(BLUE)
    search.spec = search.spec.model_copy(update={"robust": robust})
    found = run_search(search, SerialEngine())
    assert found.best_assignment() == regime
    # by hand, from the per-strategy measures the history keeps: the regimes within the cost limit
    history = found.history.drop_duplicates("candidate")
    per_strategy = history[[c for c in history.columns if c.startswith("mean(hidden_tonnes) [")]]
    assert per_strategy.shape[1] == 2
    aggregate = per_strategy.max(axis=1) if robust == "worst" else per_strategy.mean(axis=1)
    affordable = history["cost"] <= 6
    assert len(history) == 4 and not affordable.all()  # all four regimes seen; both levers at once too dear
    best = history[affordable].loc[aggregate[affordable].idxmin()]
    assert {TIP: best[TIP], NOTICE: best[NOTICE]} == regime


def test_the_folder_holds_the_best_strategies_as_scenarios_that_extend_the_base(tmp_path):
    done = disarm("redteam", str(RED), "--evaluations", "16", "-o", "out", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    for name in ("history.parquet", "history.csv", "runs.parquet", "summary.json", "report.html", "history.png",
                 "levers.png", "search.resolved.yaml", "manifest.json", "best_1.yaml"):
        assert (out / name).is_file(), name
    from sim.scenario.loading import load_scenario

    best = pd.read_parquet(out / "history.parquet").drop_duplicates("candidate")
    scenario = load_scenario(out / "best_1.yaml")
    text = (out / "best_1.yaml").read_text()
    assert "extends: " in text and "tiny_dispersal.yaml" in text
    assert scenario.dispersal.enabled  # from the base it extends
    chosen = best[best["feasible"]].sort_values("mean(hidden_tonnes)", ascending=False).iloc[0]
    assert scenario.dispersal.tonnes_per_move.model_dump()["value"] == chosen[TONNES]


def test_an_unaffordable_regime_is_scaled_back_onto_the_budget_before_it_runs():
    from sim.adversarial.budget import repaired

    search = load_search(ROOT / "scenarios" / "searches" / "blue_regime_2013_budget.yaml")
    limit = search.spec.cost_limit
    dear = {"inspectorate.teams": 5, "verification.inspection.gap_probability": 0.6,
            "dispersal.detection.tip_probability_per_move": 0.1,
            "verification.challenge_inspection.success_probability": 1.0,
            "verification.sampling.positive_probability": 0.9}
    assert search.cost(dear) > limit
    fixed = repaired(search, dear)
    assert fixed is not None and search.cost(fixed) <= limit
    assert search.cost(fixed) > 0.85 * limit  # onto the budget, not far inside it
    assert isinstance(fixed["inspectorate.teams"], int)
    for lever in search.spec.levers:  # every lever moved towards its cheapest value, none past it
        assert lever.low <= fixed[lever.label] <= dear[lever.label]
    assert repaired(search, search.base_assignment()) is None  # the 2013 regime costs exactly the limit


def test_the_command_resumes_an_interrupted_search_into_the_same_folder(tmp_path, monkeypatch):
    import sim.execution.engines as engines
    from sim.execution.parts import ResumeError
    from sim.output.search_job import search_job

    whole, _ = search_job(RED, "red", folder=tmp_path / "whole", workers=1, plots=False)
    monkeypatch.setattr(engines, "make_engine", lambda workers=None, scheduler=None: _interrupting(stop_after=12))
    with pytest.raises(KeyboardInterrupt):
        search_job(RED, "red", folder=tmp_path / "out", plots=False)
    assert not (tmp_path / "out").exists() and (staging_path(tmp_path / "out") / "parts").is_dir()
    with pytest.raises(ResumeError, match="--resume"):  # saved batches are never discarded unasked
        search_job(RED, "red", folder=tmp_path / "out", plots=False)
    monkeypatch.setattr(engines, "make_engine", lambda workers=None, scheduler=None: SerialEngine())
    resumed, folder = search_job(RED, "red", folder=tmp_path / "out", resume=True, plots=False)
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "history.parquet"),
                                  pd.read_parquet(tmp_path / "whole" / "history.parquet"))
    assert (folder / "best_1.yaml").read_text() == (tmp_path / "whole" / "best_1.yaml").read_text()
    assert not staging_path(folder).exists()


def test_the_front_keeps_the_candidates_none_beats_in_both_objectives_once_each():
    from sim.adversarial.results import pareto

    frame = pd.DataFrame({"hidden": [10.0, 10.0, 20.0, 5.0, 20.0, 30.0],
                          "risk": [0.1, 0.1, 0.3, 0.2, 0.2, 0.5]})
    front = pareto(frame, ["hidden", "risk"], [True, False])
    assert front.index.tolist() == [0, 4, 5]  # 1 repeats 0; 2 is beaten by 4; 3 by 0


def test_a_search_folder_is_known_as_one_rerun_into_exported_and_not_redrawn(tmp_path):
    """The search folder's manifest names its kind: the same command again replaces it, `disarm export` reads
    its tables, `disarm plot` refuses it by name, and the explorer lists it as a search (not as a run)."""
    first = disarm("redteam", str(RED), "--evaluations", "8", "-n", "5", "-o", "out", "--workers", "1", "-q",
                   cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    again = disarm("redteam", str(RED), "--evaluations", "8", "-n", "5", "-o", "out", "--workers", "1", "-q",
                   cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    exported = disarm("export", "out", "--format", "csv", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert sorted(p.name for p in (tmp_path / "out-csv").glob("*.csv")) == ["front.csv", "history.csv", "runs.csv"]
    history = pd.read_csv(tmp_path / "out-csv" / "history.csv")
    assert len(history) == 8 and "mean(hidden_tonnes)" in history.columns
    redrawn = disarm("plot", "out", cwd=tmp_path)
    assert redrawn.returncode == 2 and "a search folder" in redrawn.stderr
    from sim.explorer.workspace import folder_kind

    assert folder_kind(tmp_path / "out") == "search"
