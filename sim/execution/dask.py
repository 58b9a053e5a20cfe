"""An existing Dask distributed cluster as an engine (``--scheduler tcp://host:8786`` or ``DISARM_SCHEDULER``).

The scheduler re-runs the items of a worker that dies on another worker; an item that kills workers
repeatedly comes back as a :class:`~sim.execution.base.TaskFailed`.  If the connection to the scheduler is
lost, :class:`~sim.execution.base.EngineLost` is raised; what finished before is kept by the caller (the part
files of :mod:`sim.execution.parts`), so ``--resume`` can finish the job.  The scheduler is contacted only
when an address is given; nothing here opens any other connection.
"""

from __future__ import annotations

import time
from typing import Any, Iterator, Sequence

from sim._version import __version__
from sim.core.interrupts import sigint_held
from sim.execution.base import INTERRUPT_POLL_SECONDS, Engine, EngineLost, EngineUnavailable, TaskFailed, TaskFunction
from sim.execution import parts

DASK_CONNECT_SECONDS = 10
"""How long to wait for the scheduler to answer, and then for its first worker."""
DASK_RETRIES = 2
"""Extra attempts Dask makes at an item whose function raised (a replication's own errors are caught inside
the task and reported, so this covers transient failures only)."""


def worker_identity() -> tuple[str, str]:
    """What a Dask worker runs: disarm-sim's version and the hash of its model code (see :mod:`sim.execution.parts`)."""
    return __version__, parts.code_hash()


class DaskEngine(Engine):
    """An existing Dask distributed cluster, reached through its scheduler's address.

    On connecting, every worker is asked which disarm-sim it runs: a worker that cannot import it, or runs
    other model code than this process, would give results that do not match a local run, so it is refused
    with a clear message before any work is sent.
    """

    kind = "dask"

    def __init__(self, address: str):
        self.address = address
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - a dependency of disarm-sim
            raise EngineUnavailable(f"--scheduler {address}: the dask distributed package is not installed "
                                    f"({exc})") from None
        _quiet_dask_logging()
        _probe_scheduler(address)
        try:
            self.client = Client(address, timeout=f"{DASK_CONNECT_SECONDS}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise EngineUnavailable(f"--scheduler {address}: cannot reach a Dask scheduler there: "
                                    f"{' '.join(str(exc).split()) or type(exc).__name__}") from None
        try:
            self._check_workers()
        except BaseException:
            self.client.close()
            raise
        self._futures: list[Any] = []

    def _check_workers(self) -> None:
        try:
            self.client.wait_for_workers(1, timeout=DASK_CONNECT_SECONDS)
        except (TimeoutError, OSError):
            raise EngineUnavailable(f"--scheduler {self.address}: the scheduler has no workers (waited "
                                    f"{DASK_CONNECT_SECONDS} s); start some with `dask worker {self.address}`") from None
        try:
            identities = self.client.run(worker_identity)
        except Exception as exc:  # noqa: BLE001 - whatever a worker raised, e.g. ModuleNotFoundError
            raise EngineUnavailable(f"--scheduler {self.address}: a worker cannot run disarm-sim: "
                                    f"{type(exc).__name__}: {' '.join(str(exc).split())}; install this "
                                    f"version ({__version__}) on every worker") from None
        mine = (__version__, parts.code_hash())
        wrong = sorted(addr for addr, identity in identities.items() if tuple(identity) != mine)
        if wrong:
            found = tuple(identities[wrong[0]])
            raise EngineUnavailable(f"--scheduler {self.address}: {len(wrong)} of {len(identities)} workers run "
                                    f"another disarm-sim (version {found[0]}, code {found[1][:12]}) than this one "
                                    f"(version {mine[0]}, code {mine[1][:12]}), e.g. {wrong[0]}; install the "
                                    "same version everywhere")

    @property
    def slots(self) -> int:
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:  # noqa: BLE001 - a lost scheduler shows up in the map, with a clear message
            return 1

    def describe(self) -> str:
        return f"the Dask cluster at {self.address} ({self.slots} worker threads)"

    def map_unordered(self, fn: TaskFunction, shared: Any, items: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        from distributed import as_completed
        from distributed.client import FutureCancelledError

        try:
            from distributed.scheduler import KilledWorker
        except ImportError:  # pragma: no cover - older distributed
            from distributed import KilledWorker  # type: ignore[no-redef]

        import uuid

        tag = uuid.uuid4().hex[:12]
        client = self.client
        try:
            with sigint_held():
                shared_future = client.scatter(shared, broadcast=False, hash=False)
                futures = [client.submit(fn, shared_future, item, key=f"disarm-{tag}-{i}", pure=False,
                                         retries=DASK_RETRIES) for i, item in enumerate(items)]
            self._futures = futures + [shared_future]
            index = {f.key: i for i, f in enumerate(futures)}
            completed = as_completed(futures, loop=client.loop)
            while True:
                # As for the pool: the client's locks and events are not safe against KeyboardInterrupt, so
                # Ctrl-C is held while they run and delivered between polls.
                finished: list[tuple[int, Any]] = []
                with sigint_held():
                    batch = completed.next_batch(block=False)
                    exhausted = not batch and completed.is_empty()
                    for future in batch:
                        i = index[future.key]
                        if future.status == "error":
                            exc = future.exception()
                            if isinstance(exc, KilledWorker):
                                finished.append((i, TaskFailed("the workers running it died repeatedly "
                                                               f"(KilledWorker: {exc})")))
                                continue
                            raise exc
                        finished.append((i, future.result()))
                        future.release()
                if exhausted:
                    break
                yield from finished
                if not batch:
                    time.sleep(INTERRUPT_POLL_SECONDS / 4)
        except (FutureCancelledError, OSError, TimeoutError) as exc:
            if isinstance(exc, FutureCancelledError) or not self._alive():
                raise EngineLost(f"lost the Dask scheduler at {self.address}") from None
            raise
        finally:
            self._futures = []

    def _alive(self) -> bool:
        """Whether the scheduler is still there.

        The client's own status lags: a gather on a connection the dying scheduler just closed raises
        ``CommClosedError`` (an ``OSError``) while the client still says "running" and is about to try to
        reconnect.  So a running client is also asked to reach the scheduler's port again; a refused
        connection means the scheduler is gone, whatever the client believes.
        """
        if getattr(self.client, "status", "") != "running":
            return False
        try:
            _probe_scheduler(self.address)
        except EngineUnavailable:
            return False
        return True

    def close(self) -> None:
        with sigint_held():
            if self._futures:
                try:
                    self.client.cancel(self._futures)
                except Exception:  # noqa: BLE001 - the scheduler may be gone already
                    pass
            try:
                self.client.close(timeout=5)
            except Exception:  # noqa: BLE001
                pass


def _quiet_dask_logging() -> None:
    """Dask's log lines (a lost worker, reconnecting, a traceback while closing) would interleave with the
    command's own output; what matters is reported by the engine, in one line.  distributed sets a level on
    several of its loggers, so each is silenced, not only the parent."""
    import logging

    for name in ["distributed", *logging.root.manager.loggerDict]:
        if name == "distributed" or name.startswith("distributed."):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _probe_scheduler(address: str) -> None:
    """Fail fast, with a clear message, where Dask's own client would wait or hang.

    For a ``tcp://host:port`` address: the port must accept a connection, and a Dask scheduler speaks first
    (its handshake), so a port that accepts but stays silent is some other service - typically the dashboard
    (``:8787``), where the client would wait for ever.  Other protocols (``tls://`` ...) are left to Dask.
    """
    import socket

    scheme, _, rest = address.rpartition("://")
    if scheme not in ("", "tcp"):
        return
    host, _, port = rest.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit():
        raise EngineUnavailable(f"--scheduler {address}: expected an address such as tcp://host:8786")
    try:
        with socket.create_connection((host, int(port)), timeout=DASK_CONNECT_SECONDS) as conn:
            conn.settimeout(DASK_CONNECT_SECONDS / 2)
            try:
                greeting = conn.recv(16)
            except socket.timeout:
                greeting = b""
    except OSError as exc:
        raise EngineUnavailable(f"--scheduler {address}: cannot reach a Dask scheduler there: "
                                f"{exc.strerror or exc}") from None
    if not greeting:
        raise EngineUnavailable(f"--scheduler {address}: something listens there but it is not a Dask scheduler "
                                "(the dashboard is usually :8787, the scheduler :8786)")


__all__ = ["DaskEngine", "worker_identity", "DASK_CONNECT_SECONDS"]
