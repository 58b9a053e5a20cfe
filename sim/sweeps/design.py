"""Sweep designs: which values each parameter takes at each design point.

A :class:`ParameterSpace` is a sweep parameter checked against the base scenario (its kind, whole number,
true/false or real, comes from the scenario's own value).  :func:`make_design` turns the spaces into design
points:

* ``grid``: every combination of the parameters' levels (``samples`` levels per range, evenly spaced; a
  distribution's levels are its quantiles from the 10th to the 90th percentile; ``values`` as listed);
* ``oat``: the base (point 0, the scenario unchanged), then each parameter alone at each of its levels while
  the others keep their base values;
* ``lhs``: a Latin hypercube of ``samples`` points (:class:`scipy.stats.qmc.LatinHypercube`);
* ``morris``: ``samples`` Morris trajectories (:func:`SALib.sample.morris.sample`);
* ``sobol``: Saltelli's extension of the Sobol' sequence, base sample ``samples``
  (:func:`SALib.sample.sobol.sample`).

The sampled designs (lhs, morris, sobol) live in the unit hypercube; :meth:`ParameterSpace.from_unit` maps a
coordinate u in [0, 1] to a value: ``low + u (high - low)`` for a range, a whole number with equal chances for
each in a whole-number range, a list's items with equal chances, a distribution's quantile at u.  SALib is
given the unit coordinates, so Morris effects are per full range of each parameter.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from sim.core.problems import format_path, parse_path
from sim.scenario.distributions import distribution_from

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from sim.sweeps.spec import Parameter

DIST_QUANTILES = (0.1, 0.9)
"""Grid and one-at-a-time levels of a distribution run over these quantiles."""


class SpaceError(ValueError):
    """A parameter that does not fit the base scenario; ``key`` is the parameter's key to point at."""

    def __init__(self, message: str, key: tuple[Any, ...] = ("path",)):
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class ParameterSpace:
    """A swept parameter resolved against the base scenario."""

    name: str
    paths: tuple[str, ...]
    kind: Literal["int", "float", "bool"]
    low: float | None = None
    high: float | None = None
    values: tuple[Any, ...] | None = None
    distribution: Any = None
    base: Any = (
        None  # the base scenario's value at the first path (a number, a bool or a distribution mapping)
    )
    base_numeric: float = math.nan  # the base as a number: a distribution's mean

    # ---- levels for grid and one-at-a-time designs ----------------------------------------------------
    def levels(self, n: int) -> list[Any]:
        """``n`` levels of a range (evenly spaced) or a distribution (quantiles); a list's values as given."""
        if self.values is not None:
            return list(self.values)
        if self.distribution is not None:
            qs = np.linspace(*DIST_QUANTILES, n) if n > 1 else np.array([0.5])
            return [float(v) for v in quantile(self.distribution, qs)]
        grid = np.linspace(self.low, self.high, n) if n > 1 else np.array([(self.low + self.high) / 2])
        if self.kind == "int":
            return sorted({int(np.floor(v + 0.5)) for v in grid})  # halves round up
        return [float(v) for v in grid]

    def level_count(self, n: int) -> int:
        """How many levels :meth:`levels` gives for ``n``, computed without making them (a size check must not
        allocate what it is about to refuse)."""
        if self.values is not None:
            return len(self.values)
        if self.distribution is not None or n <= 1:
            return max(n, 1)
        if self.kind == "int":  # levels at least 1 apart round to distinct whole numbers; closer ones cover all
            return min(n, int(self.high) - int(self.low) + 1)
        return n

    # ---- unit hypercube -> values ---------------------------------------------------------------------
    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Values for unit coordinates ``u`` (see the module docstring)."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.values is not None:
            k = len(self.values)
            index = np.minimum((u * k).astype(int), k - 1)
            return [self.values[i] for i in index]
        if self.distribution is not None:
            return [float(v) for v in quantile(self.distribution, u)]
        if self.kind == "int":
            lo, hi = int(self.low), int(self.high)
            return [int(v) for v in np.clip(np.floor(lo + u * (hi - lo + 1)), lo, hi)]
        return [float(v) for v in self.low + u * (self.high - self.low)]

    def candidates(self, par: "Parameter") -> list[tuple[tuple[str, ...], Any]]:
        """Values to check against the scenario schema, each with the key of the sweep file that gave it."""
        if self.values is not None:
            return [(("values", i), v) for i, v in enumerate(self.values)]
        if self.distribution is not None:
            lo, hi = self.distribution.support()
            qs = quantile(self.distribution, np.array([0.001, 0.5, 0.999]))
            out = [float(lo) if math.isfinite(lo) else float(qs[0]), float(qs[1]),
                   float(hi) if math.isfinite(hi) else float(qs[2])]
            return [(("distribution",), v) for v in out]
        return [(("low",), _as_kind(self.low, self.kind)), (("high",), _as_kind(self.high, self.kind))]

    def describe(self) -> str:
        """The values the parameter takes, in words."""
        if self.values is not None:
            return "values " + ", ".join(_show(v) for v in self.values)
        if self.distribution is not None:
            return repr(self.distribution)
        return f"{_show(_as_kind(self.low, self.kind))} to {_show(_as_kind(self.high, self.kind))}" + (
            " (whole numbers)" if self.kind == "int" else "")

    def base_text(self) -> str:
        if isinstance(self.base, dict):
            return repr(distribution_from(self.base))
        return _show(self.base)

    def numeric(self, value: Any) -> float:
        """A value as a number for tables, charts and PRIM (booleans as 0/1, the base if None)."""
        if value is None:
            return self.base_numeric
        return float(value)


def _as_kind(value: Any, kind: str) -> Any:
    return int(value) if kind == "int" else value


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# ----------------------------------------------------------------------------------------------------
# Quantiles of the scenario distributions
# ----------------------------------------------------------------------------------------------------


def quantile(dist: Any, u: np.ndarray) -> np.ndarray:
    """The quantile function of a :mod:`sim.scenario.distributions` family at ``u`` (0, 1 clipped when unbounded)."""
    from scipy import stats

    u = np.asarray(u, dtype=float)
    family = dist.dist
    if family == "fixed":
        return np.full(u.shape, dist.value)
    if family == "uniform":
        return dist.low + u * (dist.high - dist.low)
    if family in ("triangular", "pert"):
        span = dist.high - dist.low
        if span == 0:
            return np.full(u.shape, dist.low)
        if family == "triangular":
            return stats.triang.ppf(u, (dist.mode - dist.low) / span, loc=dist.low, scale=span)
        a, b = dist._alpha_beta()
        return dist.low + span * stats.beta.ppf(u, a, b)
    uc = np.clip(u, 1e-3, 1 - 1e-3)
    if family == "lognormal":
        mu, sigma = dist._mu_sigma()
        return stats.lognorm.ppf(uc, sigma, scale=math.exp(mu))
    if family == "exponential":
        return stats.expon.ppf(uc, scale=dist.mean_value)
    if family == "empirical":
        order = np.argsort(dist.values, kind="stable")
        values = np.asarray(dist.values, dtype=float)[order]
        cumulative = np.cumsum(dist._probabilities()[order])
        return values[np.minimum(np.searchsorted(cumulative, u, side="left"), len(values) - 1)]
    raise ValueError(f"no quantile function for {family!r}")  # pragma: no cover - every family is above


# ----------------------------------------------------------------------------------------------------
# Resolving a parameter against the base scenario
# ----------------------------------------------------------------------------------------------------


def _lookup(data: Any, text: str) -> Any:
    from sim.scenario.merge import resolve_item_ids

    try:
        path = resolve_item_ids(data, parse_path(text))  # sites[S03].x names the item by its id
    except ValueError as exc:
        raise SpaceError(f"{text}: {exc}") from None
    current = data
    for depth, part in enumerate(path):
        where = _fmt(path[:depth])
        if isinstance(part, int):
            if not isinstance(current, list):
                raise SpaceError(f"{text}: {where or 'the scenario'} is not a list")
            if part >= len(current):
                raise SpaceError(f"{text}: index {part} is out of range ({where} has {len(current)} items)")
            current = current[part]
        else:
            if not isinstance(current, dict):
                raise SpaceError(f"{text}: {where} is not a block of keys")
            if part not in current:
                import difflib

                close = difflib.get_close_matches(part, list(current), n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise SpaceError(f"{text}: the base scenario has no key {part!r}"
                                 f"{' under ' + where if where else ''}{hint}")
            current = current[part]
    return current


def _fmt(path: tuple[Any, ...]) -> str:
    return format_path(path)


def resolve_space(par: "Parameter", base_data: dict[str, Any]) -> ParameterSpace:
    """Check a parameter against the base scenario's data and resolve its kind; SpaceError if it can't."""

    kinds = []
    bases = []
    for text in par.paths:
        value = _lookup(base_data, text)
        if isinstance(value, dict) and "dist" not in value:
            raise SpaceError(f"{text} is a block of keys, not one value; name one of its keys "
                             f"({', '.join(list(value)[:6])})")
        if isinstance(value, list):
            raise SpaceError(f"{text} is a list, not one value; address an item, e.g. {text}[0]")
        if isinstance(value, str):
            raise SpaceError(f"{text} is text ({value!r}); a sweep varies numbers and true/false values")
        kinds.append("bool" if isinstance(value, bool) else "int" if isinstance(value, int) else "float")
        bases.append(value)
    if len(set(kinds)) > 1:
        raise SpaceError(
            f"the paths take different kinds of value ({', '.join(kinds)}); sweep them separately"
        )
    kind = kinds[0]
    base = bases[0]
    if base is None and par.values is not None and all(isinstance(v, bool) for v in par.values):
        kind = "bool"
    base_numeric = (math.nan if base is None else float(distribution_from(base).mean) if isinstance(base, dict)
                    else float(base))
    name = par.label
    paths = tuple(par.paths)
    if kind == "bool":
        if par.values is None or not all(isinstance(v, bool) for v in par.values):
            raise SpaceError(f"{paths[0]} is true or false; give values: [false, true]", ("values",))
        return ParameterSpace(
            name, paths, kind, values=tuple(par.values), base=base, base_numeric=base_numeric
        )
    if par.values is not None:
        for i, v in enumerate(par.values):
            if isinstance(v, bool):
                raise SpaceError(f"{paths[0]} takes numbers, got {v!r}", ("values", i))
            if kind == "int" and not float(v).is_integer():
                raise SpaceError(f"{paths[0]} takes whole numbers, got {v!r}", ("values", i))
        values = tuple(int(v) if kind == "int" else float(v) for v in par.values)
        return ParameterSpace(name, paths, kind, values=values, base=base, base_numeric=base_numeric)
    if par.distribution is not None:
        if kind == "int":
            raise SpaceError(f"{paths[0]} takes whole numbers; give low/high or values",
                             ("distribution",))
        return ParameterSpace(name, paths, kind, distribution=par.distribution, base=base,
                              base_numeric=base_numeric)
    for key in ("low", "high"):
        v = getattr(par, key)
        if kind == "int" and not float(v).is_integer():
            raise SpaceError(f"{paths[0]} takes whole numbers, got {v!r}", (key,))
    return ParameterSpace(name, paths, kind, low=float(par.low), high=float(par.high), base=base,
                          base_numeric=base_numeric)


# ----------------------------------------------------------------------------------------------------
# Designs
# ----------------------------------------------------------------------------------------------------


@dataclass
class Design:
    """The design points: ``values[i][j]`` is parameter j's value at point i (None: the base's value)."""

    method: str
    spaces: list[ParameterSpace]
    values: list[list[Any]]
    samples: int
    unit: np.ndarray | None = None  # (points, parameters), the unit coordinates given to SALib
    varied: list[str | None] | None = None  # one-at-a-time: the parameter a point varies (None: the base)
    levels: int = 4
    second_order: bool = False
    problem: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.values)

    def assignments(self) -> list[dict[str, Any]]:
        """Per point, ``{parameter name: value}`` for the parameters it sets."""
        return [{s.name: v for s, v in zip(self.spaces, row) if v is not None} for row in self.values]

    def frame(self) -> "pd.DataFrame":
        """The design as a table: ``point``, (one-at-a-time: ``varied``), one column per parameter.

        A parameter at its base value shows that value (a distribution's mean).
        """
        import pandas as pd

        columns: dict[str, Any] = {"point": np.arange(self.size, dtype=np.int64)}
        if self.varied is not None:
            columns["varied"] = [v if v is not None else "base" for v in self.varied]
        for j, s in enumerate(self.spaces):
            column = [s.numeric(row[j]) for row in self.values]
            if s.kind == "bool":
                columns[s.name] = np.asarray(column, dtype=float) > 0.5
            elif s.kind == "int" and not any(math.isnan(c) for c in column):
                columns[s.name] = np.asarray(column).round().astype(np.int64)
            else:
                columns[s.name] = np.asarray(column, dtype=float)
        return pd.DataFrame(columns)

    def matrix(self) -> np.ndarray:
        """The parameter values as floats, shape (points, parameters)."""
        return np.array(
            [[s.numeric(v) for s, v in zip(self.spaces, row)] for row in self.values], dtype=float
        )


def salib_problem(spaces: list[ParameterSpace]) -> dict[str, Any]:
    """SALib's problem: the parameters' names on the unit hypercube."""
    return {"num_vars": len(spaces), "names": [s.name for s in spaces], "bounds": [[0.0, 1.0]] * len(spaces)}


def design_size(method: str, spaces: list[ParameterSpace], samples: int, second_order: bool = False) -> int:
    """The number of points :func:`make_design` would make, by arithmetic alone: a sweep's size is checked
    with this *before* its design is built (``--samples 1099511627776`` once allocated 16 TiB first)."""
    if method == "grid":
        return math.prod(s.level_count(samples) for s in spaces)
    if method == "oat":
        return 1 + sum(s.level_count(samples) for s in spaces)
    if method == "lhs":
        return samples
    if method == "morris":  # trajectories of parameters + 1 points
        return samples * (len(spaces) + 1)
    if method == "sobol":  # Saltelli: A, B and one mixed matrix per parameter (two with second order)
        return samples * ((2 * len(spaces) + 2) if second_order else (len(spaces) + 2))
    raise ValueError(f"unknown method {method!r}")


def make_design(method: str, spaces: list[ParameterSpace], samples: int, seed: int, levels: int = 4,
                second_order: bool = False) -> Design:
    """The design points of a sweep (deterministic given ``seed``)."""
    if method == "grid":
        rows = [list(combo) for combo in itertools.product(*(s.levels(samples) for s in spaces))]
        return Design(method, spaces, rows, samples)
    if method == "oat":
        rows: list[list[Any]] = [[None] * len(spaces)]
        varied: list[str | None] = [None]
        for j, s in enumerate(spaces):
            for v in s.levels(samples):
                row: list[Any] = [None] * len(spaces)
                row[j] = v
                rows.append(row)
                varied.append(s.name)
        return Design(method, spaces, rows, samples, varied=varied)
    problem = salib_problem(spaces)
    if method == "lhs":
        from scipy.stats import qmc

        try:
            engine = qmc.LatinHypercube(d=len(spaces), rng=np.random.default_rng(seed))
        except TypeError:  # pragma: no cover - SciPy < 1.15
            engine = qmc.LatinHypercube(d=len(spaces), seed=np.random.default_rng(seed))
        unit = engine.random(samples)
    elif method == "morris":
        from SALib.sample import morris

        unit = morris.sample(problem, samples, num_levels=levels, seed=seed)
    elif method == "sobol":
        from SALib.sample import sobol

        unit = sobol.sample(problem, samples, calc_second_order=second_order, seed=seed)
    else:
        raise ValueError(f"unknown method {method!r}")
    columns = [s.from_unit(unit[:, j]) for j, s in enumerate(spaces)]
    rows = [list(r) for r in zip(*columns)]
    return Design(method, spaces, rows, samples, unit=np.asarray(unit, dtype=float), levels=levels,
                  second_order=second_order, problem=problem)


__all__ = [
    "ParameterSpace",
    "Design",
    "make_design",
    "design_size",
    "resolve_space",
    "quantile",
    "salib_problem",
    "SpaceError",
]
