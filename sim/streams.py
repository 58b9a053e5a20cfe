"""Named random streams: one seed in, one independent stream per stochastic decision.

``SeedSequence(seed)`` has one child per replication (``replication_seed`` turns it into that replication's
own integer seed, stored in runs.parquet).  Inside a replication, every decision draws from a stream keyed by
a stable name (``"convoy/road_days"``, ``"facility/cape_ray/line_rate_t_per_day"``): the stream's seed is a
stable hash of the replication seed and the name, never the order in which streams are first used.  Adding a behaviour, and
so a new stream, therefore leaves every other stream's draws unchanged (the bug of Covasim issue #373 that
Starsim's per-decision generators prevent), and two scenarios run with the same seed share their draws
(common random numbers).
"""

from __future__ import annotations

import hashlib

import numpy as np


def stream_entropy(seed: int, name: str) -> int:
    """The 128-bit entropy of stream ``name`` in the replication seeded ``seed``.

    A cryptographic hash of the pair, fed to NumPy's SeedSequence (through PCG64): distinct pairs give
    independent streams, and it is several times cheaper than a SeedSequence with a spawn key, which
    matters because a replication opens a few dozen streams.
    """
    digest = hashlib.blake2b(f"{seed}:{name}".encode("utf-8"), digest_size=16).digest()
    return int.from_bytes(digest, "little")


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

    __slots__ = ("seed", "_generators")

    def __init__(self, seed: int):
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        self.seed = int(seed)
        self._generators: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._generators.get(name)
        if gen is None:
            gen = self._generators[name] = np.random.Generator(np.random.PCG64(stream_entropy(self.seed, name)))
        return gen

    def names(self) -> list[str]:
        """Names of the streams used so far (for tests and traces)."""
        return sorted(self._generators)
