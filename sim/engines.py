"""Where replications run: in this process, on a local process pool, or on a Dask cluster - one interface.

An :class:`Engine` maps a picklable task function over a list of items and yields ``(index, result)`` as
each item finishes, in whatever order they finish.  Runs (:mod:`sim.runner`) and sweeps
(:mod:`sim.sweep_exec`) hand it the same chunks of replications whichever engine it is, so that the same seed
gives identical results on one core, on a local pool or on a cluster.

* :class:`SerialEngine` - this process, in order (``--workers 1``).
* :class:`PoolEngine` - a local process pool, one process per core (the default).  On one machine it beats
  Dask: a pool task costs ~0.25 ms of overhead here against ~2.7 ms for a Dask task.  A worker process that
  dies (killed, out of memory) breaks the whole pool in :mod:`concurrent.futures`: the engine then starts a
  new pool and resubmits every unfinished item, at most :data:`MAX_POOL_RESTARTS` times per map.
* :class:`DaskEngine` - an existing Dask distributed cluster (``--scheduler tcp://host:8786`` or the
  environment variable ``DISARM_SCHEDULER``).  The scheduler re-runs the items of a worker that dies on
  another worker; an item that kills workers repeatedly comes back as a :class:`TaskFailed`.  If the
  connection to the scheduler is lost, :class:`EngineLost` is raised; what finished before is kept by the
  caller (the part files of :mod:`sim.parts`), so ``--resume`` can finish the job.

The scheduler is contacted only when an address is given; nothing here opens any other connection.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from sim.output import sigint_held

SCHEDULER_ENV = "DISARM_SCHEDULER"
"""Environment variable naming a Dask scheduler, used when ``--scheduler`` is not given."""
MAX_POOL_RESTARTS = 3
"""How many times one map may restart a local pool whose worker died before giving up."""
DASK_CONNECT_SECONDS = 10
"""How long to wait for the scheduler to answer, and then for its first worker."""
DASK_RETRIES = 2
"""Extra attempts Dask makes at an item whose function raised (a replication's own errors are caught inside
the task and reported, so this covers transient failures only)."""
INTERRUPT_POLL_SECONDS = 0.2
"""While waiting for results, Ctrl-C is held (the executors' locks are not safe against it) and delivered
between waits of at most this long."""

WORKER_MODULES = ("sim.runner", "sim.sweep_exec")
"""Imported once by the forkserver, before it forks the pool's workers (the task functions' modules)."""

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


def failure_record(replication: int, seed: int, exc: BaseException, point: int | None = None) -> dict[str, Any]:
    record = {"replication": replication, "seed": seed, "error": f"{type(exc).__name__}: {' '.join(str(exc).split())}"}
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

    def map_unordered(self, fn: TaskFunction, shared: Any, items: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class SerialEngine(Engine):
    """Every item in this process, in order."""

    kind = "serial"

    @property
    def slots(self) -> int:
        return 1

    def describe(self) -> str:
        return "this process"

    def map_unordered(self, fn: TaskFunction, shared: Any, items: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        for index, item in enumerate(items):
            yield index, fn(shared, item)


# ------------------------------------------------------------------------------------------------------
# The local process pool
# ------------------------------------------------------------------------------------------------------


def _start_quiet_forkserver() -> None:
    """Start the forkserver (once per process) with its standard error on /dev/null.

    The forkserver only forks workers.  When Ctrl-C stops a run while a worker is still being forked, the pool
    is shut down and its semaphores removed before that child has read them, and the half-born child prints
    a traceback from inside multiprocessing: noise after a clean interrupt, which users must not see.  Task
    errors are unaffected: they come back to this process through the futures.
    """
    from multiprocessing import forkserver

    if getattr(forkserver._forkserver, "_forkserver_pid", None) is not None:  # already running
        return
    # Workers fork from the forkserver: what it has imported, they have, so a pool starts in milliseconds
    # instead of every worker importing NumPy, SimPy, pydantic and the model itself.
    forkserver.set_forkserver_preload(list(WORKER_MODULES))
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        forkserver.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@contextmanager
def _main_importable() -> Iterator[None]:
    """While workers start: hide ``__main__.__file__`` if it names no file (a script fed on standard input,
    ``<stdin>``), which spawned and forkserver workers would otherwise try to run and die on.  Task functions
    live in importable modules, so the workers never need the main module."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path is None or os.path.isfile(path):
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


def _worker_init() -> None:
    """Pool-worker initializer: Ctrl-C (sent to the whole process group) is the parent's to handle; and the
    modules imported so far are moved out of the garbage collector's sight (``gc.freeze``): they live as long
    as the worker, and scanning them in every full collection cost a few per cent of a replication."""
    import gc

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()


class PoolEngine(Engine):
    """A local process pool whose workers ignore SIGINT.

    On Ctrl-C (or any exception) the queued items are cancelled and the pool shut down, the running items
    finishing first (an item is a chunk of at most a few hundred replications): terminating busy workers
    instead could kill one while it sends its result and leave the pool's result pipe half-written, hanging
    the shutdown.  The pool starts with the first map and is reused by later maps (a comparison runs several
    scenarios on one pool).
    """

    kind = "pool"

    def __init__(self, workers: int):
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    @property
    def slots(self) -> int:
        return self.workers

    def describe(self) -> str:
        return f"{self.workers} local worker processes"

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            method = "forkserver" if sys.platform.startswith("linux") else "spawn"
            with sigint_held():  # workers start blocked, and ignore SIGINT before they unblock it
                if method == "forkserver":
                    _start_quiet_forkserver()
                self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                                 mp_context=multiprocessing.get_context(method),
                                                 initializer=_worker_init)
        return self._pool

    def map_unordered(self, fn: TaskFunction, shared: Any, items: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        if len(items) == 1 and self._pool is None:  # not worth starting a pool for (same function, same result)
            yield 0, fn(shared, items[0])
            return
        left = set(range(len(items)))
        restarts = 0
        while left:
            pool = self._start()
            pending: dict[Future, int] = {}
            broken = False
            with sigint_held(), _main_importable():  # submitting starts the workers
                try:
                    for i in sorted(left):
                        pending[pool.submit(fn, shared, items[i])] = i
                except BrokenProcessPool:  # a worker died while we were still submitting
                    broken = True
            while pending and not broken:
                # concurrent.futures is not safe against KeyboardInterrupt (see sigint_held), so Ctrl-C is
                # held while it runs, and delivered between short waits: at most INTERRUPT_POLL_SECONDS late.
                finished: list[tuple[int, Any]] = []
                with sigint_held():
                    done, _ = wait(pending, timeout=INTERRUPT_POLL_SECONDS, return_when=FIRST_COMPLETED)
                    for future in done:
                        index = pending.pop(future)
                        try:
                            finished.append((index, future.result()))
                        except BrokenProcessPool:
                            broken = True  # every other pending future fails the same way
                for index, result in finished:
                    left.discard(index)
                    yield index, result
            if broken:
                restarts += 1
                self._discard_broken_pool()
                if restarts > MAX_POOL_RESTARTS:
                    raise EngineError(f"worker processes died {restarts} times (killed, or out of memory?); "
                                      f"{len(left)} of {len(items)} tasks not done")

    def _discard_broken_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            with sigint_held():
                pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        self._discard_broken_pool()

    def __exit__(self, *exc: Any) -> None:
        self.close()  # on Ctrl-C: queued items cancelled, running ones finish, no worker noise


# ------------------------------------------------------------------------------------------------------
# A Dask cluster
# ------------------------------------------------------------------------------------------------------


def worker_identity() -> tuple[str, str]:
    """What a Dask worker runs: disarm-sim's version and the hash of its model code (see :mod:`sim.parts`)."""
    from sim import __version__
    from sim.parts import code_hash

    return __version__, code_hash()


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
        from sim import __version__
        from sim.parts import code_hash

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
        mine = (__version__, code_hash())
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


def scheduler_address(scheduler: str | None) -> str | None:
    """The scheduler to use: ``--scheduler``, else the environment variable, else None (this machine)."""
    address = scheduler if scheduler else os.environ.get(SCHEDULER_ENV) or None
    if address is not None and not address.strip():
        return None
    return address.strip() if address else None


def make_engine(workers: int | None = None, scheduler: str | None = None) -> Engine:
    """The engine for ``--workers`` and ``--scheduler`` (or ``DISARM_SCHEDULER``).

    With a scheduler the run goes to that Dask cluster and ``workers`` is ignored (the cluster has its own);
    otherwise ``workers=1`` runs in this process and more on a local pool (default: all cores).
    """
    address = scheduler_address(scheduler)
    if address is not None:
        return DaskEngine(address)
    workers = workers or default_workers()
    return SerialEngine() if workers == 1 else PoolEngine(workers)


__all__ = ["Engine", "SerialEngine", "PoolEngine", "DaskEngine", "TaskFailed", "ReplicationFailures",
           "failure_record", "EngineError", "EngineLost",
           "EngineUnavailable", "make_engine", "default_workers", "scheduler_address", "SCHEDULER_ENV"]
