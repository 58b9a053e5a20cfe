"""``disarm validate``: what each file is (scenario, sweep, search or observed record) and whether it is valid.

Light on purpose: it reads and validates, never simulates, and imports neither SimPy nor the model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence


def validate_files(files: Sequence[Path]) -> tuple[list[str], list[str]]:
    """Check every file; returns the lines for the valid ones and one line per problem of the others.

    Each file is read and parsed once (it used to be three times, to tell a record from a sweep from a
    scenario): a file that changes meanwhile cannot be judged on two versions, and a large one costs once.
    """
    from sim.adversarial.loading import build_search, is_search_data
    from sim.core.files import InputFileError
    from sim.core.problems import ScenarioError
    from sim.history.observed import is_observed_data, observed_from_data, observed_summary
    from sim.scenario.loading import load_tree, validate_tree
    from sim.scenario.yaml_text import input_file_problem, parse_yaml, read_text, resolve_input
    from sim.sweeps.loading import build_sweep, is_sweep_data

    ok_lines: list[str] = []
    problems: list[str] = []
    for path in files:
        label = str(path)
        try:
            try:
                resolved = resolve_input(Path(path))
            except InputFileError as exc:
                raise ScenarioError([input_file_problem(exc, label)]) from None
            text = read_text(resolved, label)
            data, lines = parse_yaml(text, label)
            if is_observed_data(data):  # an observed record, for backtests (sim/history/observed.py)
                ok_lines.append(observed_summary(label, observed_from_data(data, lines, label)))
            elif is_search_data(data):  # a red or blue team's search (sim/adversarial)
                found = build_search(data, lines, label, resolved.parent, Path(path))
                ok_lines.append(f"ok: {path} ({found.side} team search {found.name}: {len(found.spaces)} levers, "
                                f"{found.evaluations} evaluations x {found.replications} replications on "
                                f"{found.base.name})")
            elif is_sweep_data(data):
                loaded = build_sweep(data, lines, label, resolved.parent, path=Path(path))
                ok_lines.append(f"ok: {path} (sweep {loaded.name}: {loaded.spec.method}, {len(loaded.spaces)} "
                                f"parameters, {loaded.design().size} points x {loaded.replications} replications "
                                f"on {loaded.base.name})")
            else:
                scenario = validate_tree(load_tree(path, parsed=(text, data, lines)), label)
                declared = {site.id for site in scenario.sites if site.declared}
                at_declared = sum(lot.tonnes for lot in scenario.lots if lot.site in declared)
                hidden = (f", {scenario.initial_tonnes - at_declared:,.1f} t of it at undeclared sites"
                          if at_declared < scenario.initial_tonnes else "")
                ok_lines.append(f"ok: {path} (scenario {scenario.name}, {len(scenario.lots)} lots, "
                                f"{scenario.initial_tonnes:,.1f} t{hidden})")
        except ScenarioError as exc:
            problems += [str(p) for p in exc.problems]
    return ok_lines, problems


__all__ = ["validate_files"]
