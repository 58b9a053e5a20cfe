"""The optimiser: Optuna's TPE sampler, seeded, driven by ask and tell in batches of a fixed size.

Why Optuna (docs/adversarial.md): its ask/tell interface lets the search run each batch on the replication
engine and tell the results in order; its TPE sampler handles whole numbers, ranges and lists of choices
together, takes constraints (``constraints_func``), and works with one objective or two (multi-objective TPE);
and a seeded sampler told the same results asks the same candidates, which is what makes a search
reproducible on any number of workers and resumable by replay.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:  # pragma: no cover
    import optuna

    from sim.sweeps.design import ParameterSpace

CONSTRAINTS_ATTR = "constraints"
"""The trial attribute holding its constraint violations (<= 0 when met), set before it is told."""


def _violations(trial: "optuna.trial.FrozenTrial") -> Sequence[float]:
    return trial.user_attrs.get(CONSTRAINTS_ATTR, ())


def distributions(spaces: list["ParameterSpace"], steps: dict[str, float | None]) -> dict[str, Any]:
    """Optuna's distribution of each lever: a list of choices, a whole-number range, or a range (with a step
    if the lever has one)."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    out: dict[str, Any] = {}
    for space in spaces:
        step = steps.get(space.name)
        if space.values is not None:
            out[space.name] = CategoricalDistribution(list(space.values))
        elif space.kind == "int":
            out[space.name] = IntDistribution(int(space.low), int(space.high), step=int(step or 1))
        else:
            out[space.name] = FloatDistribution(float(space.low), float(space.high), step=step)
    return out


def make_study(seed: int, goals: list[str], batch: int, evaluations: int, constrained: bool) -> "optuna.Study":
    """A study in memory with a seeded TPE sampler.  The first candidates are drawn at random (a quarter of
    the budget, at least one batch, at most 10 unless a batch is larger); ``constant_liar`` spreads the
    candidates of one batch apart."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    startup = max(batch, min(10, evaluations // 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ExperimentalWarning: constraints_func, constant_liar
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup, multivariate=True,
                                             constant_liar=True,
                                             constraints_func=_violations if constrained else None)
    return optuna.create_study(directions=list(goals), sampler=sampler)


def ask(study: "optuna.Study", dists: dict[str, Any], count: int) -> list["optuna.trial.Trial"]:
    """``count`` new candidates, in order."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [study.ask(dists) for _ in range(count)]


def tell(study: "optuna.Study", trial: "optuna.trial.Trial", values: list[float], violations: list[float]) -> None:
    """Tell one candidate's objective values and constraint violations.  A value that could not be measured
    (no replication reported it) fails the trial: the sampler then ignores it."""
    import math

    import optuna

    trial.set_user_attr(CONSTRAINTS_ATTR, list(violations))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if any(math.isnan(v) for v in values):
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            study.tell(trial, values if len(values) > 1 else values[0])


def fail(study: "optuna.Study", trial: "optuna.trial.Trial") -> None:
    """Tell a candidate that was not run (the sampler ignores it)."""
    import optuna

    study.tell(trial, state=optuna.trial.TrialState.FAIL)


__all__ = ["make_study", "ask", "tell", "fail", "distributions", "CONSTRAINTS_ATTR"]
