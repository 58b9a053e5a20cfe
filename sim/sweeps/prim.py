"""PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999), for scenario discovery.

Given cases (here: replications of design points) described by parameter values ``X`` and a yes/no outcome
``y`` (e.g. "removal is complete after 2014-06-30"), PRIM looks for a box, a range on each parameter, inside
which the outcome is concentrated.  Scenario discovery (Bryant & Lempert 2010) judges a box by

* **coverage**: the share of all cases of interest that fall in the box;
* **density**: the share of the cases in the box that are of interest;
* **support**: the share of all cases that fall in the box.

The method, kept small and plain (the EMA Workbench's implementation is far larger; no well-kept lightweight
package exists):

1. *Peeling*: starting from the box holding every case, repeatedly remove the ``alpha`` share of the box's
   cases at the low or the high end of one parameter (at least one distinct value, so that whole numbers and
   listed values peel level by level), choosing the peel that gains the most density per case removed
   (Friedman and Fisher's criterion, which keeps a large peel from winning by its size alone); stop when
   the box holds less than ``min_support`` of the cases.  Every box on the way is kept: the peeling
   trajectory.
2. *Choosing*: the box of the trajectory with the best balance of coverage and density (their harmonic mean,
   the F-score: a box must do well on both).
3. *Pasting* (optional): widen the chosen box again, by the next value or an ``alpha`` share at a time,
   while density rises (or stays while coverage rises: peeling overshoots a box's edges by up to one peel).
4. *Pruning*: drop each restriction whose removal does not lower the F-score, or that is not significant:
   its quasi-p-value, a one-sided Mann-Whitney test that the design points inside the box have a higher
   share of cases than those the restriction keeps out, exceeds 0.05 (design points, not replications, are
   the independent units: replications of one point share its parameter values).  The box then names only
   the parameters that matter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np


@dataclass
class Box:
    """A box: ``limits[j] = (low, high)`` inclusive on parameter j, and how well it concentrates the cases."""

    limits: np.ndarray  # shape (parameters, 2)
    coverage: float
    density: float
    support: float
    in_box: int
    cases_in_box: int

    @property
    def f_score(self) -> float:
        c, d = self.coverage, self.density
        return 0.0 if c + d == 0 else 2 * c * d / (c + d)


@dataclass
class PrimResult:
    """The chosen box and the peeling trajectory it came from."""

    box: Box
    trajectory: list[Box]
    names: list[str]
    full: np.ndarray  # the parameters' full ranges, shape (parameters, 2)
    cases: int
    total: int
    kinds: dict[str, str] = field(default_factory=dict)
    quasi_p: dict[str, float] = field(default_factory=dict)  # per restriction, see _quasi_p

    @property
    def base_rate(self) -> float:
        return self.cases / self.total if self.total else 0.0

    def restrictions(self) -> dict[str, tuple[float | None, float | None]]:
        """The restricted parameters: ``{name: (low or None, high or None)}``, None where not restricted."""
        out = {}
        for j, name in enumerate(self.names):
            lo, hi = self.box.limits[j]
            lo_r = lo > self.full[j, 0]
            hi_r = hi < self.full[j, 1]
            if lo_r or hi_r:
                out[name] = (float(lo) if lo_r else None, float(hi) if hi_r else None)
        return out

    def rule(self) -> str:
        """The box in words: ``convoys.escorts <= 2 and closure interval >= 45.3``."""
        parts = []
        for name, (lo, hi) in self.restrictions().items():
            kind = self.kinds.get(name, "float")
            if kind == "bool":
                parts.append(f"{name} is {'true' if (lo if lo is not None else 0) >= 0.5 else 'false'}")
            elif lo is not None and hi is not None:
                parts.append(f"{name} = {_fmt(lo, kind)}" if lo == hi else
                             f"{_fmt(lo, kind)} <= {name} <= {_fmt(hi, kind)}")
            elif lo is not None:
                parts.append(f"{name} >= {_fmt(lo, kind)}")
            else:
                parts.append(f"{name} <= {_fmt(hi, kind)}")
        return " and ".join(parts)

    def statement(self, target: str) -> str:
        """``'<target> when <rule>: coverage 0.81, density 0.74'`` with the support and the base rate."""
        if self.cases == 0:
            return f"{target}: never happens in this sweep ({self.total} runs), so there is no box to find"
        if self.cases == self.total:
            return (
                f"{target}: happens in every run of this sweep ({self.total} runs), whatever the parameters"
            )
        rule = self.rule()
        b = self.box
        where = (
            f"when {rule}"
            if rule
            else "with no restriction that concentrates it (no box beats the whole space)"
        )
        return (
            f"{target} {where}: coverage {b.coverage:.2f}, density {b.density:.2f} "
            f"(the box holds {b.support:.0%} of the runs; {target.lower()} in {self.base_rate:.0%} "
            "of all runs)"
        )

    def to_json(self, target: str) -> dict[str, Any]:
        b = self.box
        return {
            "statement": self.statement(target),
            "rule": self.rule(),
            "coverage": b.coverage, "density": b.density, "support": b.support,
            "base_rate": self.base_rate, "cases": self.cases, "runs": self.total, "in_box": b.in_box,
            "box": {name: {"low": lo, "high": hi, "quasi_p": self.quasi_p.get(name)}
                    for name, (lo, hi) in self.restrictions().items()},
            "trajectory": [{"coverage": t.coverage, "density": t.density, "support": t.support}
                           for t in self.trajectory],
        }


def _fmt(value: float, kind: str) -> str:
    if kind == "int":
        return str(int(round(value)))
    return f"{value:.3g}"


def _evaluate(X: np.ndarray, y: np.ndarray, limits: np.ndarray) -> tuple[np.ndarray, Box]:
    inside = np.all((X >= limits[:, 0]) & (X <= limits[:, 1]), axis=1)
    n_in = int(inside.sum())
    hits = int(y[inside].sum())
    total_hits = int(y.sum())
    box = Box(limits.copy(), coverage=hits / total_hits if total_hits else 0.0,
              density=hits / n_in if n_in else 0.0, support=n_in / len(y), in_box=n_in, cases_in_box=hits)
    return inside, box


def _peel_candidates(X: np.ndarray, inside: np.ndarray, limits: np.ndarray, alpha: float):
    """Every single peel of the box: (new limits) for each parameter and end."""
    for j in range(X.shape[1]):
        x = X[inside, j]
        lo, hi = x.min(), x.max()
        if lo == hi:
            continue
        q_lo = np.quantile(x, alpha, method="lower")
        keep = x[x > q_lo] if q_lo > lo else x[x > lo]  # peel below the quantile, or the lowest level
        if keep.size:
            new = limits.copy()
            new[j, 0] = keep.min()
            yield new
        q_hi = np.quantile(x, 1 - alpha, method="higher")
        keep = x[x < q_hi] if q_hi < hi else x[x < hi]
        if keep.size:
            new = limits.copy()
            new[j, 1] = keep.max()
            yield new


def _paste(X: np.ndarray, y: np.ndarray, box: Box, full: np.ndarray, alpha: float) -> Box:
    """Widen the box one parameter end at a time while density rises (or holds while coverage rises)."""
    current = box
    while True:
        best = None
        limits = current.limits
        for j in range(X.shape[1]):
            others = np.all(np.delete((X >= limits[:, 0]) & (X <= limits[:, 1]), j, axis=1), axis=1)
            x = X[others, j]
            step = max(1, int(np.ceil(alpha * current.in_box)))
            below = np.unique(x[x < limits[j, 0]])[::-1]
            above = np.unique(x[x > limits[j, 1]])
            for end, outside, k in ((0, below, 1), (0, below, step), (1, above, 1), (1, above, step)):
                if not outside.size:
                    continue
                new = limits.copy()
                new[j, end] = outside[min(k, outside.size) - 1]
                _, candidate = _evaluate(X, y, new)
                better = candidate.density > current.density + 1e-12 or (
                    candidate.density >= current.density - 1e-12 and candidate.coverage > current.coverage
                )
                if better and (best is None or (candidate.density, candidate.coverage) >
                               (best.density, best.coverage)):
                    best = candidate
        if best is None:
            return current
        current = best


def _quasi_p(y: np.ndarray, groups: np.ndarray, inside: np.ndarray, wider: np.ndarray) -> float:
    """Is a restriction more than chance?  A one-sided Mann-Whitney test that the groups (design points)
    inside the box have a higher share of cases of interest than the groups the restriction keeps out.

    Groups, not cases, are the independent units: the replications of one design point share its parameter
    values, so they say how often the outcome happens at that point, not whether the parameter matters.
    In-sample, after a search, this is a "quasi" p-value (Bryant & Lempert 2010): a guide, not a proof.
    """
    from scipy import stats

    def shares(mask: np.ndarray) -> np.ndarray:
        if not mask.any():
            return np.empty(0)
        _, index = np.unique(groups[mask], return_inverse=True)
        return np.bincount(index, weights=y[mask].astype(float)) / np.bincount(index)

    inner, outer = shares(inside), shares(wider & ~inside)
    if inner.size == 0 or outer.size == 0:
        return 1.0
    if np.ptp(np.concatenate([inner, outer])) == 0:
        return 1.0
    return float(stats.mannwhitneyu(inner, outer, alternative="greater").pvalue)


def _prune(X: np.ndarray, y: np.ndarray, box: Box, full: np.ndarray, groups: np.ndarray,
           significance: float) -> tuple[Box, dict[int, float]]:
    """Drop restrictions, one at a time, while one does not raise the F-score or is not significant."""
    current = box
    while True:
        inside, _ = _evaluate(X, y, current.limits)
        candidates = []
        for j in range(X.shape[1]):
            if np.array_equal(current.limits[j], full[j]):
                continue
            new = current.limits.copy()
            new[j] = full[j]
            wider, candidate = _evaluate(X, y, new)
            p = _quasi_p(y, groups, inside, wider)
            if candidate.f_score >= current.f_score - 1e-12 or p > significance:
                candidates.append((p, candidate.f_score, candidate))
        if not candidates:
            break
        current = max(candidates, key=lambda c: (c[0], c[1]))[2]
    inside, _ = _evaluate(X, y, current.limits)
    pvalues = {}
    for j in range(X.shape[1]):
        if not np.array_equal(current.limits[j], full[j]):
            new = current.limits.copy()
            new[j] = full[j]
            pvalues[j] = _quasi_p(y, groups, inside, _evaluate(X, y, new)[0])
    return current, pvalues


def prim(X: np.ndarray, y: np.ndarray, names: Sequence[str], alpha: float = 0.05, min_support: float = 0.05,
         paste: bool = True, kinds: dict[str, str] | None = None, groups: np.ndarray | None = None,
         significance: float = 0.05) -> PrimResult:
    """Find the box of ``X`` (cases x parameters) that concentrates the cases where ``y`` is true.

    ``groups`` (one id per case, e.g. the design point of each replication) are the independent units of the
    significance test of each restriction (default: every case its own group); a restriction whose
    quasi-p-value exceeds ``significance`` is dropped.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=bool)
    if X.ndim != 2 or X.shape[0] != y.shape[0] or X.shape[1] != len(names):
        raise ValueError("X must be (cases, parameters) with one name per parameter and one y per case")
    if np.isnan(X).any():
        raise ValueError("X must not hold NaN")
    n = len(y)
    full = np.column_stack([X.min(axis=0), X.max(axis=0)]) if n else np.zeros((len(names), 2))
    inside, box = _evaluate(X, y, full)
    trajectory = [box]
    while n and y.any() and box.support > min_support:
        best = None
        for limits in _peel_candidates(X, inside, box.limits, alpha):
            ins, candidate = _evaluate(X, y, limits)
            # Friedman & Fisher's criterion: density gained per case peeled off, so that a large peel (a whole
            # level of a whole-number parameter) must earn its size.
            gain = (candidate.density - box.density) / max(1, box.in_box - candidate.in_box)
            if best is None or (gain, candidate.in_box) > (best[0], best[2].in_box):
                best = (gain, ins, candidate)
        if best is None:
            break
        _, inside, box = best
        trajectory.append(box)
    chosen = max(trajectory, key=lambda b: (round(b.f_score, 12), b.support))
    if paste and 0 < chosen.cases_in_box:
        chosen = _paste(X, y, chosen, full, alpha)
    groups = np.arange(n) if groups is None else np.asarray(groups)
    chosen, pvalues = _prune(X, y, chosen, full, groups, significance)
    return PrimResult(chosen, trajectory, list(names), full, int(y.sum()), n, dict(kinds or {}),
                      {names[j]: p for j, p in pvalues.items()})


__all__ = ["prim", "PrimResult", "Box"]
