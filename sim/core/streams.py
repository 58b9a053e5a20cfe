"""Named random streams: one seed in, one independent stream per stochastic decision.

``SeedSequence(seed)`` has one child per replication (``replication_seed`` turns it into that replication's
own integer seed, stored in runs.parquet).  Inside a replication, every decision draws from a stream keyed by
a stable name (``"convoy/road_days"``, ``"facility/cape_ray/line_rate_t_per_day"``): the stream's state is a
stable hash of the replication seed and the name (:func:`stream_state`), never the order in which streams are
first used.  Adding a behaviour, and
so a new stream, therefore leaves every other stream's draws unchanged (the bug of Covasim issue #373 that
Starsim's per-decision generators prevent), and two scenarios run with the same seed share their draws
(common random numbers).
"""

from __future__ import annotations

import hashlib

import numpy as np


def stream_state(seed: int, name: str) -> tuple[int, int]:
    """The PCG64 state of stream ``name`` in the replication seeded ``seed``: (128-bit state, odd increment).

    Both halves of a 256-bit BLAKE2b hash of the pair: distinct pairs give unrelated states and increments
    (the increment selects one of PCG64's 2**127 streams), and the hash is the same on every machine and in
    every process (Python's own ``hash()`` is salted per process).  Setting a generator's state directly
    costs a fraction of seeding it through a SeedSequence (~2 us against ~8 us, and a replication opens a few
    dozen streams); it is the SeedSequence's own job done by a cryptographic hash.
    """
    return _state_from(_seed_hash(seed), name)


def _seed_hash(seed: int) -> "hashlib._Hash":
    """The hash of ``f"{seed}:"``: copied and fed a stream's name, it hashes ``f"{seed}:{name}"``."""
    return hashlib.blake2b(f"{seed}:".encode("utf-8"), digest_size=32)


_NAME_BYTES: dict[str, bytes] = {}
"""Stream names encoded once (a replication opens the same few dozen names every time)."""

_LOW_128 = (1 << 128) - 1


def _state_from(seed_hash: "hashlib._Hash", name: str) -> tuple[int, int]:
    encoded = _NAME_BYTES.get(name)
    if encoded is None:
        if len(_NAME_BYTES) >= 100_000:  # a long-lived worker running many different scenarios
            _NAME_BYTES.clear()
        encoded = _NAME_BYTES[name] = name.encode("utf-8")
    h = seed_hash.copy()
    h.update(encoded)
    digest = int.from_bytes(h.digest(), "little")  # first 16 bytes: the state; last 16: the increment
    return digest & _LOW_128, (digest >> 128) | 1


_FREE: list[np.random.Generator] = []
"""Generators returned by finished replications (:meth:`Streams.release`), reused with a new state."""


def replication_seed(seed: int, replication: int) -> int:
    """The integer seed of replication ``replication`` of a run seeded with ``seed``.

    It is drawn from the ``replication``-th child of ``SeedSequence(seed)``, so it depends only on the run
    seed and the replication number, never on how replications are split among workers.
    """
    child = np.random.SeedSequence(seed, spawn_key=(replication,))
    return int(child.generate_state(2, dtype=np.uint32).astype(np.uint64) @ np.array([1, 2**32], dtype=np.uint64))


def replication_seeds(seed: int, replications: int, first: int = 0) -> list[int]:
    """Seeds of replications ``first .. first + replications - 1``."""
    return [replication_seed(seed, k) for k in range(first, first + replications)]


class Streams:
    """The named random streams of one replication.

    >>> s = Streams(42)
    >>> a = s["convoy/transit_days"].random()
    >>> a == Streams(42)["convoy/transit_days"].random()
    True
    """

    __slots__ = ("seed", "_generators", "_seed_hash", "_state")

    def __init__(self, seed: int):
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        self.seed = int(seed)
        self._generators: dict[str, np.random.Generator] = {}
        self._seed_hash = _seed_hash(self.seed)
        # the argument of the state setter, filled in per stream (the setter copies what it is given)
        self._state = {"bit_generator": "PCG64", "state": {"state": 0, "inc": 1}, "has_uint32": 0, "uinteger": 0}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._generators.get(name)
        if gen is None:
            try:
                gen = _FREE.pop()  # atomic: threads (a Dask worker's) never share one
            except IndexError:
                gen = np.random.Generator(np.random.PCG64())
            state = self._state
            state["state"]["state"], state["state"]["inc"] = _state_from(self._seed_hash, name)
            gen.bit_generator.state = state
            self._generators[name] = gen
        return gen

    def release(self) -> None:
        """Hand the generators back for reuse (the replication is over: nothing may draw from them again)."""
        _FREE.extend(self._generators.values())
        self._generators = {}

    def names(self) -> list[str]:
        """Names of the streams used so far (for tests and traces)."""
        return sorted(self._generators)
