"""``disarm validate``: what each file is (scenario, sweep or observed record) and whether it is valid.

Light on purpose: it reads and validates, never simulates, and imports neither SimPy nor the model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence


def validate_files(files: Sequence[Path]) -> tuple[list[str], list[str]]:
    """Check every file; returns the lines for the valid ones and one line per problem of the others."""
    from sim.core.problems import ScenarioError
    from sim.history.observed import is_observed_record, observed_validation
    from sim.scenario.loading import load_scenario
    from sim.sweeps.loading import is_sweep_file, load_sweep

    ok_lines: list[str] = []
    problems: list[str] = []
    for path in files:
        if is_observed_record(path):  # an observed record, for backtests (sim/history/observed.py)
            ok, found = observed_validation(path)
            problems += found
            if ok:
                ok_lines.append(ok)
            continue
        if is_sweep_file(path):
            try:
                loaded = load_sweep(path)
            except ScenarioError as exc:
                problems += [str(p) for p in exc.problems]
            else:
                ok_lines.append(f"ok: {path} (sweep {loaded.name}: {loaded.spec.method}, {len(loaded.spaces)} "
                                f"parameters, {loaded.design().size} points x {loaded.replications} replications "
                                f"on {loaded.base.name})")
            continue
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            problems += [str(p) for p in exc.problems]
        else:
            ok_lines.append(f"ok: {path} (scenario {scenario.name}, {len(scenario.lots)} lots, "
                            f"{scenario.initial_tonnes:,.1f} t)")
    return ok_lines, problems


__all__ = ["validate_files"]
