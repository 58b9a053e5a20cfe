"""What every engine shares: the interface, and how failures are reported (light: no NumPy, no model).

An :class:`Engine` maps a picklable task function over items and yields ``(index, result)`` as each item
finishes, in whatever order they finish.  Items are taken from their iterable lazily, at most
:func:`in_flight` of them submitted and unfinished at any moment: a job of a billion replications never holds
its millions of chunks (or their futures) in memory at once, and Ctrl-C has only those few to cancel.  The one replication engine (:mod:`sim.execution.replicate`)
hands it the same chunks of replications whichever engine it is, so that the same seed gives identical results
on one core, on a local pool or on a cluster.  The engines are in :mod:`sim.execution.engines` (this process,
a local pool) and :mod:`sim.execution.dask` (a Dask cluster).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

INTERRUPT_POLL_SECONDS = 0.2
"""While waiting for results, Ctrl-C is held (the executors' locks are not safe against it) and delivered
between waits of at most this long."""

IN_FLIGHT_PER_SLOT = 4
"""Items an engine keeps submitted and unfinished per slot (worker process or thread): enough that no worker
waits for work between two items (the parent tops up as each finishes), few enough that memory and the work
cancelled on Ctrl-C stay small whatever the number of items."""

TaskFunction = Callable[[Any, Any], Any]
"""``fn(shared, item)``: ``shared`` is the same for every item of a map (the scenario, the seed ...)."""


class EngineError(Exception):
    """The engine cannot go on (e.g. worker processes keep dying).  The message says what to do."""


class EngineUnavailable(EngineError):
    """The engine cannot be started with what the user gave (an unreachable scheduler): bad input, exit 2."""


class EngineLost(EngineError):
    """The cluster went away in the middle of a map (exit 1); finished items are kept by the caller."""


@dataclass(frozen=True)
class TaskFailed:
    """Stands in for the result of an item the engine could not complete (it killed its workers)."""

    message: str


def failure_record(replication: int, seed: int, error: BaseException | str,
                   point: int | None = None) -> dict[str, Any]:
    """A replication that failed: the exception it raised (or what the engine says of its lost task), with the
    design point for a sweep's."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {' '.join(str(error).split())}"
    record = {"replication": replication, "seed": seed, "error": text}
    return record if point is None else {"point": point, **record}


class ReplicationFailures(Exception):
    """Some replications raised; the others finished (and, with a part store, are saved)."""

    def __init__(self, failures: list[dict[str, Any]], total: int):
        self.failures = sorted(failures, key=lambda f: (f.get("point", -1), f["replication"]))
        self.total = total
        super().__init__(f"{len(failures)} of {total} replications failed")

    def lines(self, limit: int = 20) -> list[str]:
        shown = [
            ("" if f.get("point") is None else f"point {f['point']}, ") +
            f"replication {f['replication']} (seed {f['seed']}): {f['error']}" for f in self.failures[:limit]]
        more = len(self.failures) - limit
        return [f"error: {self}:", *[f"  {line}" for line in shown],
                *([f"  ... and {more} more"] if more > 0 else [])]


def in_flight(slots: int) -> int:
    """How many items an engine with ``slots`` slots keeps submitted and unfinished (:data:`IN_FLIGHT_PER_SLOT`
    each)."""
    return max(1, slots) * IN_FLIGHT_PER_SLOT


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class Engine:
    """Maps ``fn(shared, item)`` over items; use as a context manager (the pool or client is closed on exit,
    and on Ctrl-C queued items are cancelled)."""

    kind = "engine"

    @property
    def slots(self) -> int:
        """How many items run at once."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def map_unordered(self, fn: TaskFunction, shared: Any, items: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        """``(index, fn(shared, item))`` for every item, as each finishes; ``index`` is the item's position in
        ``items``, which is read lazily (at most :func:`in_flight` items taken and unfinished)."""
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


__all__ = ["Engine", "TaskFailed", "ReplicationFailures", "failure_record", "EngineError", "EngineLost",
           "EngineUnavailable", "default_workers", "TaskFunction", "INTERRUPT_POLL_SECONDS", "IN_FLIGHT_PER_SLOT",
           "in_flight"]
