"""What a sweep's replications say: per-point summaries, sensitivity indices and scenario discovery.

* :func:`point_table` - points.parquet: per design point, its parameter values and, per outcome, the mean,
  p10, p50, p90 (a milestone also its reached share; a deadline its met share with a Wilson 95% interval).
  A milestone not reached by the horizon counts as reached at the horizon in the **mean** (a lower bound,
  as in ``disarm compare``); its percentiles are null where they fall among the unreached, as in a run.
* :func:`oat_effects` - one-at-a-time: each level's mean against the base, as paired differences over the
  common random numbers (mean and 95% t-interval).
* :func:`morris_indices` - SALib's Morris analysis: mu, mu*, sigma, with the bootstrap CI of mu* from SALib
  and a CI of sigma from resampling whole trajectories (each resample analysed by SALib).
* :func:`sobol_indices` - SALib's Sobol analysis: S1 and ST (and S2 if asked) with their CIs.
* :func:`rank_correlations` - grid and LHS: Spearman rank correlation of each parameter with each outcome.
* :func:`discover` - scenario discovery with :func:`sim.sweeps.prim.prim` over every replication.

Each analysis takes the design and one number per point (the point's mean, or met share), so any model,
SALib's Ishigami function included, goes through the same code as the simulator.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.core.stats import percentile_or_none, wilson_interval

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario.schema import Scenario
    from sim.sweeps.loading import Sweep
    from sim.sweeps.outcomes import OutcomeSpec, Threshold
    from sim.sweeps.design import Design

CONF_LEVEL = 0.95
NUM_RESAMPLES = 1000
MORRIS_SIGMA_RESAMPLES = 200


# ----------------------------------------------------------------------------------------------------
# Per-replication values and the points table
# ----------------------------------------------------------------------------------------------------


def replication_values(outcome: "OutcomeSpec", runs: pd.DataFrame, scenarios: list["Scenario"],
                       censor: bool = True) -> np.ndarray:
    """The outcome per replication, shape (points, replications).

    Milestones: the day, or (``censor``) the point's horizon if not reached; deadlines: 1.0 if met else 0.0;
    columns: the value (NaN where the model gives none, e.g. detection_day of an undetected run).
    """
    points = len(scenarios)
    raw = runs[outcome.column].to_numpy(dtype=float).reshape(points, -1)
    if outcome.kind == "deadline":
        start = scenarios[0].start_date
        instant = float((outcome.deadline_date - start).days + 1)  # the end of the deadline's day
        return (raw < instant).astype(float)  # NaN (not reached) compares False: missed
    if outcome.kind == "milestone" and censor:
        horizons = np.array([s.horizon_days for s in scenarios], dtype=float)[:, None]
        return np.where(np.isnan(raw), horizons, raw)
    return raw


def point_table(
    sw: "Sweep", design: "Design", scenarios: list["Scenario"], runs: pd.DataFrame
) -> pd.DataFrame:
    """points.parquet: one row per design point, sorted by point id."""
    table = design.frame()
    for outcome in sw.outcomes:
        if outcome.kind == "deadline":
            met = replication_values(outcome, runs, scenarios)
            n = met.shape[1]
            hits = met.sum(axis=1)
            intervals = [wilson_interval(int(h), n) for h in hits]
            table[f"{outcome.name}_p_met"] = hits / n
            table[f"{outcome.name}_ci_low"] = [lo for lo, _ in intervals]
            table[f"{outcome.name}_ci_high"] = [hi for _, hi in intervals]
            continue
        raw = replication_values(outcome, runs, scenarios, censor=False)
        if outcome.kind == "milestone":
            censored = replication_values(outcome, runs, scenarios)
            table[f"{outcome.name}_mean"] = censored.mean(axis=1)
            for q in (10, 50, 90):
                table[f"{outcome.name}_p{q}"] = [_none_to_nan(percentile_or_none(r, q)) for r in raw]
            table[f"{outcome.name}_reached"] = (~np.isnan(raw)).mean(axis=1)
        else:
            with np.errstate(all="ignore"):
                import warnings

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    table[f"{outcome.name}_mean"] = np.nanmean(raw, axis=1)
                    for q in (10, 50, 90):
                        table[f"{outcome.name}_p{q}"] = np.nanpercentile(raw, q, axis=1)
    return table.sort_values("point", kind="stable").reset_index(drop=True)


def _none_to_nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


# ----------------------------------------------------------------------------------------------------
# One at a time
# ----------------------------------------------------------------------------------------------------


def _paired(diff: np.ndarray) -> tuple[float, list[float | None]]:
    """Mean and 95% t-interval of paired differences (NaN pairs dropped)."""
    from scipy import stats

    d = diff[~np.isnan(diff)]
    if d.size == 0:
        return math.nan, [None, None]
    mean = float(d.mean())
    if d.size < 2:
        return mean, [None, None]
    half = float(stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / math.sqrt(d.size))
    return mean, [mean - half, mean + half]


def oat_effects(design: "Design", per_replication: np.ndarray) -> dict[str, Any]:
    """Effects of each parameter alone against the base (point 0), from per-replication values (points, reps).

    Sorted by swing (the spread of the level means), largest first.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        means = np.nanmean(per_replication, axis=1)
    base = per_replication[0]
    effects = []
    for j, space in enumerate(design.spaces):
        rows = [i for i, v in enumerate(design.varied or []) if v == space.name]
        levels = []
        for i in rows:
            diff, ci = _paired(per_replication[i] - base)
            levels.append(
                {
                    "value": design.values[i][j],
                    "point": i,
                    "mean": float(means[i]),
                    "difference": diff,
                    "ci95": ci,
                }
            )
        if not levels:
            continue
        level_means = [lv["mean"] for lv in levels]
        effects.append({"parameter": space.name, "base": space.base_text(), "levels": levels,
                        "low": levels[0], "high": levels[-1],
                        "swing": float(np.nanmax(level_means) - np.nanmin(level_means))})
    effects.sort(key=lambda e: -e["swing"] if math.isfinite(e["swing"]) else 0.0)
    return {"base_mean": float(means[0]), "effects": effects}


# ----------------------------------------------------------------------------------------------------
# Morris and Sobol (SALib)
# ----------------------------------------------------------------------------------------------------


def morris_indices(design: "Design", y: np.ndarray, seed: int = 0) -> dict[str, Any]:
    """SALib's Morris analysis of ``y`` (one value per design point), per parameter.

    mu* is in the outcome's unit per full range of the parameter (SALib is given unit coordinates).
    """
    from SALib.analyze import morris

    y = np.asarray(y, dtype=float)
    if np.isnan(y).any():
        return {"note": "the outcome has no value at some points; no Morris indices"}
    si = morris.analyze(design.problem, design.unit, y, num_resamples=NUM_RESAMPLES, conf_level=CONF_LEVEL,
                        num_levels=design.levels, seed=seed)
    d = len(design.spaces)
    r = design.size // (d + 1)
    X3 = design.unit.reshape(r, d + 1, d)
    Y2 = y.reshape(r, d + 1)
    rng = np.random.default_rng(seed)
    sigmas = []
    for _ in range(MORRIS_SIGMA_RESAMPLES):
        pick = rng.integers(0, r, r)
        boot = morris.analyze(design.problem, X3[pick].reshape(-1, d), Y2[pick].reshape(-1),
                              num_resamples=2, conf_level=CONF_LEVEL, num_levels=design.levels, seed=seed)
        sigmas.append(np.asarray(boot["sigma"], dtype=float))
    lo, hi = np.nanpercentile(np.array(sigmas), [2.5, 97.5], axis=0) if r > 1 else (np.full(d, np.nan),) * 2
    out: dict[str, Any] = {}
    for j, space in enumerate(design.spaces):
        mu_star = float(si["mu_star"][j])
        conf = float(si["mu_star_conf"][j])
        out[space.name] = {"mu": float(si["mu"][j]), "mu_star": mu_star, "mu_star_conf": conf,
                           "mu_star_ci95": [max(0.0, mu_star - conf), mu_star + conf],
                           "sigma": float(si["sigma"][j]), "sigma_ci95": [float(lo[j]), float(hi[j])]}
    return {"trajectories": r, "levels": design.levels, "indices": out}


def sobol_indices(design: "Design", y: np.ndarray, seed: int = 0) -> dict[str, Any]:
    """SALib's Sobol analysis of ``y`` (one value per design point, in the design's order), per parameter."""
    import warnings

    from SALib.analyze import sobol

    y = np.asarray(y, dtype=float)
    if np.isnan(y).any():
        return {"note": "the outcome has no value at some points; no Sobol indices"}
    if np.var(y) == 0:
        return {
            "note": "the outcome does not vary over the design; every index is zero",
            "base_samples": design.samples,
            "indices": {
                s.name: {
                    "S1": 0.0,
                    "S1_conf": 0.0,
                    "S1_ci95": [0.0, 0.0],
                    "ST": 0.0,
                    "ST_conf": 0.0,
                    "ST_ci95": [0.0, 0.0],
                }
                for s in design.spaces
            },
        }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        si = sobol.analyze(
            design.problem,
            y,
            calc_second_order=design.second_order,
            num_resamples=NUM_RESAMPLES,
            conf_level=CONF_LEVEL,
            seed=seed,
        )
    out: dict[str, Any] = {}
    for j, space in enumerate(design.spaces):
        entry = {}
        for key in ("S1", "ST"):
            value, conf = float(si[key][j]), float(si[f"{key}_conf"][j])
            entry.update({key: value, f"{key}_conf": conf, f"{key}_ci95": [value - conf, value + conf]})
        out[space.name] = entry
    result: dict[str, Any] = {"base_samples": design.samples, "indices": out}
    if design.second_order:
        names = [s.name for s in design.spaces]
        result["S2"] = {
            f"{names[a]} x {names[b]}": {"S2": float(si["S2"][a, b]), "S2_conf": float(si["S2_conf"][a, b])}
            for a in range(len(names))
            for b in range(a + 1, len(names))
        }
    return result


def rank_correlations(design: "Design", y: np.ndarray) -> dict[str, Any]:
    """Spearman rank correlation of each parameter with ``y`` over the points, and its Fisher-z 95% CI."""
    from scipy import stats

    X = design.matrix()
    y = np.asarray(y, dtype=float)
    ok = ~np.isnan(y)
    out: dict[str, Any] = {}
    for j, space in enumerate(design.spaces):
        x = X[ok, j]
        n = int(ok.sum())
        if n < 4 or np.ptp(x) == 0 or np.ptp(y[ok]) == 0:
            out[space.name] = {"spearman": None, "ci95": [None, None], "points": n}
            continue
        rho = float(stats.spearmanr(x, y[ok]).statistic)
        z, half = math.atanh(max(-0.999999, min(0.999999, rho))), 1.959963984540054 / math.sqrt(n - 3)
        out[space.name] = {"spearman": rho, "ci95": [math.tanh(z - half), math.tanh(z + half)], "points": n}
    return out


# ----------------------------------------------------------------------------------------------------
# Scenario discovery
# ----------------------------------------------------------------------------------------------------


def discover(sw: "Sweep", design: "Design", scenarios: list["Scenario"], runs: pd.DataFrame,
             threshold: "Threshold") -> dict[str, Any]:
    """PRIM over every replication of every point: where does ``threshold`` hold?"""
    from sim.sweeps.prim import prim

    outcome = threshold.outcome
    values = (replication_values(outcome, runs, scenarios) if outcome.kind == "deadline"
              else replication_values(outcome, runs, scenarios, censor=False))
    y = np.asarray(threshold.holds(values.reshape(-1), sw.base.start_date), dtype=bool)
    X = design.matrix()[runs["point"].to_numpy()]
    names = [s.name for s in design.spaces]
    result = prim(X, y, names, alpha=sw.spec.prim.alpha, min_support=sw.spec.prim.min_support,
                  paste=sw.spec.prim.paste, kinds={s.name: s.kind for s in design.spaces},
                  groups=runs["point"].to_numpy(), significance=sw.spec.prim.significance)
    return {"threshold": threshold.text, "target": threshold.words, **result.to_json(threshold.words)}


# ----------------------------------------------------------------------------------------------------
# Everything
# ----------------------------------------------------------------------------------------------------


def analyse(sw: "Sweep", design: "Design", scenarios: list["Scenario"],
            runs: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """points.parquet and sensitivity.json's contents for a finished sweep."""
    points = point_table(sw, design, scenarios, runs)
    out: dict[str, Any] = {
        "sweep": sw.name,
        "question": sw.spec.question,
        "method": design.method,
        "base": str(sw.spec.base),
        "points": design.size,
        "replications": sw.replications,
        "samples": sw.samples,
        "seed": sw.seed,
        "common_random_numbers": "replication k of every point uses replication_seed(seed, k)",
        "parameters": [{"name": s.name, "paths": list(s.paths), "kind": s.kind, "values": s.describe(),
                        "base": s.base_text()} for s in design.spaces],
        "outcomes": {o.spec: {"name": o.name, "kind": o.kind, "label": o.label, "unit": o.unit,
                              "column": o.metric,
                              "statistic": _statistic(o)} for o in sw.outcomes},
    }
    for outcome in sw.outcomes:
        y = points[outcome.metric].to_numpy(dtype=float)
        if design.method == "oat":
            out.setdefault("oat", {})[outcome.spec] = oat_effects(design, replication_values(outcome, runs,
                                                                                             scenarios))
        elif design.method == "morris":
            out.setdefault("morris", {})[outcome.spec] = morris_indices(design, y, seed=sw.seed)
        elif design.method == "sobol":
            out.setdefault("sobol", {})[outcome.spec] = sobol_indices(design, y, seed=sw.seed)
        if design.method in ("grid", "lhs", "sobol", "morris"):
            out.setdefault("correlations", {})[outcome.spec] = rank_correlations(design, y)
    out["discovery"] = [discover(sw, design, scenarios, runs, t) for t in sw.thresholds]
    return points, out


def _statistic(o: "OutcomeSpec") -> str:
    if o.kind == "deadline":
        return "share of replications that met the deadline"
    if o.kind == "milestone":
        return "mean day over replications, a milestone not reached counting as reached at the horizon"
    return "mean over replications (those with a value)"


__all__ = ["analyse", "point_table", "oat_effects", "morris_indices", "sobol_indices", "rank_correlations",
           "discover", "replication_values"]
