"""disarm-sim: a discrete-event Monte Carlo simulator of chemical-weapons disarmament.

The public API, imported lazily (PEP 562) so that light commands such as ``disarm validate`` do not pay
for pandas, matplotlib or dask:

    >>> import sim
    >>> scenario = sim.load_scenario("scenarios/syria_2013.yaml")      # doctest: +SKIP
    >>> results = sim.run(scenario, replications=200, seed=1)          # doctest: +SKIP
    >>> results.summary()["milestones"]["removal_complete"]["p50_date"]  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sim._version import __version__

_LAZY: dict[str, tuple[str, str]] = {
    "load_scenario": ("sim.scenario.loading", "load_scenario"),
    "Scenario": ("sim.scenario.schema", "Scenario"),
    "ScenarioError": ("sim.core.problems", "ScenarioError"),
    "run": ("sim.execution.runs", "run"),
    "run_one": ("sim.execution.replicate", "run_one"),
    "Results": ("sim.results.results", "Results"),
    "compare": ("sim.comparison.paired", "compare"),
    "sweep": ("sim.sweeps.api", "sweep"),
    "baseline_path": ("sim.data", "baseline_path"),
}

__all__ = ["__version__", *_LAZY]

if TYPE_CHECKING:  # pragma: no cover - for type checkers; the redundant aliases mark the re-exports
    from sim.comparison.paired import compare as compare
    from sim.data import baseline_path as baseline_path
    from sim.core.problems import ScenarioError as ScenarioError
    from sim.scenario.loading import load_scenario as load_scenario
    from sim.results.results import Results as Results
    from sim.execution.runs import run as run
    from sim.execution.runs import run_one as run_one
    from sim.scenario.schema import Scenario as Scenario
    from sim.sweeps.api import sweep as sweep


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'sim' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
