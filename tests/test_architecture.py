"""The architecture is checked, not hoped for (docs/architecture.md): layers, no import circles, one replication
engine, the model's output contract, light validation, SimPy's internals pinned, small modules."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sim.execution.replicate
from sim.cli import app
from sim.core.contract import RUN_COLUMNS
from sim.model import simulate

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sim"
TINY = ROOT / "tests" / "data" / "tiny.yaml"
MAX_MODULE_LINES = 450


def _delegate_imports() -> set[tuple[str, str]]:
    """The upward imports the layers contract allows by name: Results' (and friends') one-line delegates."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    ignored = set()
    for contract in config["tool"]["importlinter"]["contracts"]:
        for line in contract.get("ignore_imports", []):
            importer, _, imported = line.partition(" -> ")
            ignored.add((importer.strip(), imported.strip()))
    return ignored


def test_the_import_linter_contracts_hold():
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The import circles of a graph (module -> modules it imports): its strongly connected components of more
    than one module, or of one that imports itself (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(edges):
        if module not in index:
            visit(module)
    return cycles


def test_no_import_circles_in_the_package():
    """Modules and their imports (but the named delegates and annotation-only imports) form no cycle."""
    import grimp

    graph = grimp.build_graph("sim", exclude_type_checking_imports=True)
    ignored = _delegate_imports()
    edges = {m: {i for i in graph.find_modules_directly_imported_by(m)
                 if i.startswith("sim") and (m, i) not in ignored} for m in graph.modules if m.startswith("sim")}
    assert len(edges) > 80  # the whole package was read
    assert _cycles(edges) == []


def test_the_cycle_check_finds_circles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"a"}}) == [["a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_is_longer_than_the_limit():
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_module_imports_another_modules_private_names():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith("from sim") and " import " in stripped:
                names = stripped.split(" import ", 1)[1].strip("() ").split(",")
                if any(n.strip().split(" as ")[0].startswith("_") and n.strip() != "__version__" for n in names):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {stripped}")
    assert offenders == []


def test_simpy_internals_are_read_in_one_module_only():
    readers = sorted(str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
                     if any(name in p.read_text(encoding="utf-8") for name in ("._eid", "._queue", "._now", "PENDING")))
    assert readers == ["sim/model/clock.py"]


def test_the_installed_simpy_is_one_the_model_clock_was_written_for():
    from importlib.metadata import version

    from packaging.specifiers import SpecifierSet

    from sim.model.clock import SIMPY_VERSIONS

    assert version("simpy") in SpecifierSet(SIMPY_VERSIONS)
    pinned = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert f"simpy{SIMPY_VERSIONS}" in [d.split("#")[0].strip() for d in pinned]


def test_a_replication_row_has_exactly_the_declared_columns(tiny):
    row = simulate(tiny, seed=4).row
    assert list(row) == [c.name for c in RUN_COLUMNS if c.name != "replication"]
    for column in RUN_COLUMNS:
        value = row.get(column.name, 0)
        if column.dtype == "str":
            assert isinstance(value, str), column.name
        elif value is not None:
            assert isinstance(value, (bool, int, float)), column.name


def test_run_and_sweep_call_the_one_replication_function(tmp_path, monkeypatch):
    calls = {"n": 0}
    real = sim.execution.replicate.run_one

    def counting(scenario, seed, record_events=False):
        calls["n"] += 1
        return real(scenario, seed, record_events)

    monkeypatch.setattr(sim.execution.replicate, "run_one", counting)
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(app, ["run", str(TINY), "-n", "3", "--workers", "1", "--no-plots", "-q", "-o", "r"])
    assert done.exit_code == 0, done.output
    assert calls["n"] == 3
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"base: {TINY}\nmethod: oat\nsamples: 2\nreplications: 2\n"
                     "parameters: [{path: convoys.escorts, low: 1, high: 3}]\noutcomes: [destruction_complete_day]\n")
    done = CliRunner().invoke(app, ["sweep", str(sweep), "--workers", "1", "--no-plots", "-q", "-o", "s"])
    assert done.exit_code == 0, done.output
    assert calls["n"] == 3 + 3 * 2  # the base and two one-at-a-time points, two replications each


@pytest.mark.parametrize("files", [sorted(str(p) for p in (ROOT / "scenarios" / "sweeps").glob("*.yaml"))])
def test_validating_sweep_files_imports_neither_simpy_nor_the_model(files):
    driver = ("import sys\nfrom sim.cli import main\nsys.argv = ['disarm', 'validate', *sys.argv[1:]]\n"
              "try:\n    main()\nexcept SystemExit as exit:\n    code = exit.code\n"
              "print(code, 'simpy' in sys.modules, any(m == 'sim.model' or m.startswith('sim.model.') "
              "for m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", driver, *files], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "0 False False", done.stdout + done.stderr
    assert done.stdout.count("ok: ") == len(files)


def test_the_documented_runs_columns_are_the_declared_ones():
    """docs/contracts.md's table of runs.parquet is RUN_COLUMNS: same names in the same order, dtypes, units."""
    from sim.core.contract import CAUSE_IDS, MILESTONE_IDS, PATH_MILESTONES, path_column

    text = (ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
    section = text.split("### runs.parquet", 1)[1].split("\n### ", 1)[0]
    documented = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith("`"):
            name, dtype, unit = cells[0].strip("`"), cells[1], cells[2]
            dtype = "str" if dtype == "string" else dtype
            names = ([f"{m}_day" for m in MILESTONE_IDS] if name == "<milestone>_day"
                     else [path_column(m, c) for m in PATH_MILESTONES for c in CAUSE_IDS]
                     if name == "<milestone>_path_<cause>_days" else [name])
            documented += [(n, dtype, unit) for n in names]
    assert documented == [(c.name, c.dtype, c.unit) for c in RUN_COLUMNS]


def test_the_pools_workers_load_no_pandas_or_matplotlib():
    """The forkserver preloads the chunk runner's module for the workers: it must stay light (pandas alone
    would cost every worker about 60 MB)."""
    from sim.execution.engines import WORKER_MODULES

    driver = ("import importlib, sys\n"
              f"for name in {list(WORKER_MODULES)!r}:\n    importlib.import_module(name)\n"
              "print(sorted(m for m in ('pandas', 'matplotlib', 'pyarrow', 'dask') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", driver], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
