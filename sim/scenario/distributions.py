"""Uncertain numbers as named probability distributions.

A scenario writes an uncertain number either as a bare number (a fixed value) or as a mapping with a
``dist`` key naming the family, e.g. ``{dist: triangular, low: 2, mode: 3, high: 6}``.  Every family

* validates its parameters when the scenario is loaded (pydantic v2, frozen, unknown keys rejected),
* has a readable ``repr`` (``triangular(low=2, mode=3, high=6)``) and an analytic ``mean``,
* knows its support (``support()``), so that a field measured in days can refuse negative values,
* draws only from a :class:`numpy.random.Generator` it is handed: it holds no random state itself.

Families: fixed, uniform, triangular, pert (beta-PERT), lognormal (given by its mean and standard
deviation), exponential (given by its mean) and empirical (values with optional weights).
"""

from __future__ import annotations

import datetime as dt
import math
import types
import typing
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic.functional_validators import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError


def _scalar_target(annotation: Any) -> Any:
    """The plain type a field expects (int, float, bool, date, a Literal, list[...]), unwrapped."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return None
            annotation = members[0]
        else:
            return annotation


def plain_value(annotation: Any, value: Any) -> Any:
    """Refuse the lax conversions pydantic would otherwise make: a scenario is YAML data, so ``true`` is not the
    number 1, ``1`` is not true, ``"5"`` (quoted) is text, and a number is not a date."""
    target = _scalar_target(annotation)
    if value is None or target is None:
        return value
    if typing.get_origin(target) is list and isinstance(value, list):
        (item,) = typing.get_args(target) or (None,)
        for v in value:
            plain_value(item, v)
        return value
    if target in (int, float) and isinstance(value, (bool, str)):
        raise PydanticCustomError(f"{target.__name__}_type", "Input should be a valid {kind}",
                                  {"kind": "integer" if target is int else "number"})
    if target is bool and not isinstance(value, (bool, np.bool_)):
        raise PydanticCustomError("bool_type", "Input should be a valid boolean")
    if target is dt.date and isinstance(value, (int, float)):
        raise PydanticCustomError("date_type", "Input should be a valid date")
    if typing.get_origin(target) is Literal and isinstance(value, bool):
        options = typing.get_args(target)
        if not any(isinstance(o, bool) for o in options):
            expected = ", ".join(map(repr, options[:-1])) + f" or {options[-1]!r}" if len(options) > 1 \
                else repr(options[0])
            raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": expected})
    return value


class PlainValues(BaseModel):
    """Mix-in: every field refuses lax conversions (see :func:`plain_value`)."""

    @field_validator("*", mode="before")
    @classmethod
    def _plain_values(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name) if info.field_name else None
        return value if field is None else plain_value(field.annotation, value)


class _Dist(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    @field_validator("value", "low", "mode", "high", "shape", "mean_value", "sd", "values", "weights",
                     mode="before", check_fields=False)
    @classmethod
    def _plain_values(cls, value: Any, info: ValidationInfo) -> Any:  # not on ``dist``: pydantic forbids it
        return plain_value(cls.model_fields[info.field_name].annotation, value)

    def sample(self, rng: np.random.Generator) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def sample_many(self, rng: np.random.Generator, n: int) -> list[float]:
        """``n`` values: exactly those ``n`` calls of :meth:`sample` would give, from one NumPy call (NumPy's
        vectorised draws consume the bit stream as its scalar draws do; tests/test_distributions.py checks)."""
        return [self.sample(rng) for _ in range(n)]  # pragma: no cover - every family has its own

    @property
    def mean(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def support(self) -> tuple[float, float]:  # pragma: no cover - abstract
        raise NotImplementedError

    def is_fixed(self) -> bool:
        lo, hi = self.support()
        return lo == hi

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={_fmt(v)}" for k, v in self.model_dump(exclude={"dist"}).items() if v is not None)
        return f"{self.dist}({params})"  # type: ignore[attr-defined]

    __str__ = __repr__


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


class Fixed(_Dist):
    """A known value: ``5`` or ``{dist: fixed, value: 5}``."""

    dist: Literal["fixed"] = "fixed"
    value: float

    def sample(self, rng: np.random.Generator) -> float:
        return self.value

    def sample_many(self, rng: np.random.Generator, n: int) -> list[float]:
        return [self.value] * n

    @property
    def mean(self) -> float:
        return self.value

    def support(self) -> tuple[float, float]:
        return (self.value, self.value)

    def __repr__(self) -> str:
        return _fmt(self.value)

    __str__ = __repr__


class Uniform(_Dist):
    """Every value in [low, high] equally likely."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> "Uniform":
        if not self.low <= self.high:
            raise ValueError(f"uniform needs low <= high, got low={_fmt(self.low)}, high={_fmt(self.high)}")
        return self

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))

    def sample_many(self, rng: np.random.Generator, n: int) -> list[float]:
        return rng.uniform(self.low, self.high, size=n).tolist()

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)


class Triangular(_Dist):
    """Triangular on [low, high] with its peak at ``mode``."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> "Triangular":
        if not self.low <= self.mode <= self.high:
            raise ValueError(
                f"triangular needs low <= mode <= high, got low={_fmt(self.low)}, mode={_fmt(self.mode)}, "
                f"high={_fmt(self.high)}"
            )
        return self

    def sample(self, rng: np.random.Generator) -> float:
        if self.low == self.high:
            return self.low
        return float(rng.triangular(self.low, self.mode, self.high))

    def sample_many(self, rng: np.random.Generator, n: int) -> list[float]:
        if self.low == self.high:
            return [self.low] * n
        return rng.triangular(self.low, self.mode, self.high, size=n).tolist()

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)


class Pert(_Dist):
    """Beta-PERT on [low, high] with most likely value ``mode``; ``shape`` 4 is the classic PERT."""

    dist: Literal["pert"]
    low: float
    mode: float
    high: float
    shape: float = Field(4.0, gt=0)

    @model_validator(mode="after")
    def _check(self) -> "Pert":
        if not self.low <= self.mode <= self.high:
            raise ValueError(
                f"pert needs low <= mode <= high, got low={_fmt(self.low)}, mode={_fmt(self.mode)}, "
                f"high={_fmt(self.high)}"
            )
        return self

    def _alpha_beta(self) -> tuple[float, float]:
        span = self.high - self.low
        alpha = 1 + self.shape * (self.mode - self.low) / span
        beta = 1 + self.shape * (self.high - self.mode) / span
        return alpha, beta

    def sample(self, rng: np.random.Generator) -> float:
        if self.low == self.high:
            return self.low
        alpha, beta = self._alpha_beta()
        return float(self.low + (self.high - self.low) * rng.beta(alpha, beta))

    def sample_many(self, rng: np.random.Generator, n: int) -> list[float]:
        if self.low == self.high:
            return [self.low] * n
        alpha, beta = self._alpha_beta()
        return [self.low + (self.high - self.low) * b for b in rng.beta(alpha, beta, size=n).tolist()]

    @property
    def mean(self) -> float:
        return (self.low + self.shape * self.mode + self.high) / (self.shape + 2)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)


class Lognormal(_Dist):
    """Lognormal given by the mean and standard deviation of the value itself (not of its log)."""

    dist: Literal["lognormal"]
    mean_value: float = Field(gt=0, alias="mean")
    sd: float = Field(gt=0)

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, populate_by_name=True)

    def _mu_sigma(self) -> tuple[float, float]:
        sigma2 = math.log1p((self.sd / self.mean_value) ** 2)
        return math.log(self.mean_value) - sigma2 / 2, math.sqrt(sigma2)

    def sample(self, rng: np.random.Generator) -> float:
        mu, sigma = self._mu_sigma()
        return float(rng.lognormal(mu, sigma))

    def sample_many(self, rng: np.random.Generator, n: int) -> list[float]:
        mu, sigma = self._mu_sigma()
        return rng.lognormal(mu, sigma, size=n).tolist()

    @property
    def mean(self) -> float:
        return self.mean_value

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def __repr__(self) -> str:
        return f"lognormal(mean={_fmt(self.mean_value)}, sd={_fmt(self.sd)})"

    __str__ = __repr__


class Exponential(_Dist):
    """Exponential with the given mean (memoryless waiting times)."""

    dist: Literal["exponential"]
    mean_value: float = Field(gt=0, alias="mean")

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, populate_by_name=True)

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.exponential(self.mean_value))

    def sample_many(self, rng: np.random.Generator, n: int) -> list[float]:
        return rng.exponential(self.mean_value, size=n).tolist()

    @property
    def mean(self) -> float:
        return self.mean_value

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def __repr__(self) -> str:
        return f"exponential(mean={_fmt(self.mean_value)})"

    __str__ = __repr__


class Empirical(_Dist):
    """One of ``values``, chosen with probabilities proportional to ``weights`` (equal if omitted)."""

    dist: Literal["empirical"]
    values: list[float] = Field(min_length=1)
    weights: list[Annotated[float, Field(ge=0)]] | None = None

    @model_validator(mode="after")
    def _check(self) -> "Empirical":
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"empirical needs one weight per value, got {len(self.values)} values "
                    f"and {len(self.weights)} weights"
                )
            if sum(self.weights) <= 0:
                raise ValueError("empirical weights must not all be zero")
        return self

    def _probabilities(self) -> np.ndarray:
        if self.weights is None:
            return np.full(len(self.values), 1 / len(self.values))
        w = np.asarray(self.weights, dtype=float)
        return w / w.sum()

    def sample(self, rng: np.random.Generator) -> float:
        if len(self.values) == 1:
            return self.values[0]
        return float(rng.choice(np.asarray(self.values, dtype=float), p=self._probabilities()))

    def sample_many(self, rng: np.random.Generator, n: int) -> list[float]:
        if len(self.values) == 1:
            return [self.values[0]] * n
        return rng.choice(np.asarray(self.values, dtype=float), p=self._probabilities(), size=n).tolist()

    @property
    def mean(self) -> float:
        return float(np.dot(self._probabilities(), np.asarray(self.values, dtype=float)))

    def support(self) -> tuple[float, float]:
        return (min(self.values), max(self.values))


def _number_to_fixed(value: Any) -> Any:
    """A bare number stands for a fixed value; booleans are not numbers here."""
    if isinstance(value, _Dist):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"dist": "fixed", "value": value}
    if isinstance(value, dict):
        if "dist" in value:
            return value
        if set(value) == {"value"}:
            return {"dist": "fixed", **value}
        raise ValueError(
            f"a distribution needs a 'dist' key naming one of {', '.join(FAMILIES)}; "
            f"got keys {sorted(map(str, value))}"
        )
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    raise ValueError(f"expected a number or a distribution, got {shown}")


_Families = Annotated[
    Union[Fixed, Uniform, Triangular, Pert, Lognormal, Exponential, Empirical],
    Field(discriminator="dist"),
]

Distribution = Annotated[
    _Families,
    # In the JSON Schema a distribution is a bare number or one of the families.
    BeforeValidator(_number_to_fixed, json_schema_input_type=Union[float, _Families]),
]
"""Any uncertain number: a bare number or a mapping with ``dist``."""

FAMILIES: tuple[str, ...] = ("fixed", "uniform", "triangular", "pert", "lognormal", "exponential", "empirical")


def _non_negative(dist: Any) -> Any:
    lo, _ = dist.support()
    if lo < 0:
        raise ValueError(f"must not be negative, but {dist!r} can take values down to {_fmt(lo)}")
    return dist


def _probability(dist: Any) -> Any:
    lo, hi = dist.support()
    if lo < 0 or hi > 1:
        raise ValueError(f"must lie in [0, 1], but {dist!r} spans [{_fmt(lo)}, {_fmt(hi)}]")
    return dist


NonNegativeDistribution = Annotated[Distribution, AfterValidator(_non_negative)]
"""A distribution whose values are never negative: durations, rates, tonnes."""

ProbabilityDistribution = Annotated[Distribution, AfterValidator(_probability)]
"""A distribution whose values lie in [0, 1]: fractions and probabilities."""


def fixed(value: float) -> Fixed:
    """A fixed value as a distribution (for code that builds scenarios)."""
    return Fixed(value=value)


def distribution_from(data: Any) -> Any:
    """A distribution mapping (as in a scenario's dumped data), or a bare number, as a distribution object."""
    from pydantic import TypeAdapter

    return TypeAdapter(Distribution).validate_python(data)
