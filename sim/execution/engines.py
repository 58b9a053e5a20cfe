"""Where replications run: in this process or on a local process pool (a Dask cluster is :mod:`sim.execution.dask`).

Every engine has the interface of :class:`sim.execution.base.Engine`: it maps a picklable task function over
items, taken lazily (a bounded number in flight), and yields ``(index, result)`` as each item finishes.  The one replication engine
(:mod:`sim.execution.replicate`) hands it the same chunks of replications whichever engine it is, so that the
same seed gives identical results on one core, on a local pool or on a cluster.

* :class:`SerialEngine` - this process, in order (``--workers 1``).
* :class:`PoolEngine` - a local process pool, one process per core (the default).  On one machine it beats
  Dask: a pool task costs ~0.25 ms of overhead here against ~2.7 ms for a Dask task.  A worker process that
  dies (killed, out of memory) breaks the whole pool in :mod:`concurrent.futures`: the engine then starts a
  new pool and resubmits every unfinished item, at most :data:`MAX_POOL_RESTARTS` times per map.  Its workers
  die with the process that started the pool, however it ends (:func:`_die_with`).
* :func:`make_engine` - the engine for ``--workers`` and ``--scheduler`` (a
  :class:`~sim.execution.dask.DaskEngine` when a scheduler is named).
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import select
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

from sim.core.interrupts import sigint_held
from sim.execution.base import (INTERRUPT_POLL_SECONDS, Engine, EngineError, TaskFunction, default_workers,
                                in_flight)

SCHEDULER_ENV = "DISARM_SCHEDULER"
"""Environment variable naming a Dask scheduler, used when ``--scheduler`` is not given."""
MAX_POOL_RESTARTS = 3
"""How many times one map may restart a local pool whose worker died before giving up."""

WORKER_MODULES = ("sim.execution.replicate",)
"""Imported once by the forkserver, before it forks the pool's workers (the task functions' modules)."""
PARENT_POLL_SECONDS = 1.0
"""Where a worker cannot wait on its parent's process descriptor (no ``pidfd``: not Linux, or a kernel before
5.3), how often it checks that the parent is still alive."""
ORPHANED_EXIT = 70
"""A worker's exit status when it ends because the process that started the pool is gone."""


class SerialEngine(Engine):
    """Every item in this process, in order."""

    kind = "serial"

    @property
    def slots(self) -> int:
        return 1

    def describe(self) -> str:
        return "this process"

    def map_unordered(self, fn: TaskFunction, shared: Any, items: Iterable[Any]) -> Iterator[tuple[int, Any]]:
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
        with _main_importable():  # the forkserver needs no main module either
            forkserver.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@contextmanager
def _main_importable() -> Iterator[None]:
    """While workers start: hide the main module from them.

    A spawned or forkserver worker re-runs the main module (as ``__mp_main__``) unless it names no file and no
    module: a script without an ``if __name__ == "__main__":`` guard (the README's example pasted into
    ``api.py``) would start the whole run again in every worker, which then dies, and a script fed on standard
    input (``<stdin>``) names a file that does not exist.  The task functions live in importable modules of
    disarm-sim, so the workers never need the main module: its ``__file__`` and ``__spec__`` are hidden while
    workers start and restored at once.  Decision: do this rather than ask every user for the guard, as
    ``multiprocessing`` does, because a policy analyst's first script has none."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    hidden: dict[str, Any] = {}
    for name in ("__file__", "__spec__"):
        if getattr(main, name, None) is not None:
            hidden[name] = getattr(main, name)
    if not hidden:
        yield
        return
    if "__file__" in hidden:
        del main.__file__
    if "__spec__" in hidden:
        main.__spec__ = None
    try:
        yield
    finally:
        for name, value in hidden.items():
            setattr(main, name, value)


def _worker_init(parent_pid: int) -> None:
    """Pool-worker initializer: Ctrl-C and SIGTERM (sent to the whole process group, by a terminal or a batch
    scheduler) are the parent's to handle; the worker dies with the parent (:func:`_die_with`); and the modules
    imported so far are moved out of the garbage collector's sight (``gc.freeze``): they live as long as the
    worker, and scanning them in every full collection cost a few per cent of a replication.

    Why SIGTERM too: a worker that SIGTERM killed while it was sending its result left the pool's result pipe
    half-written, and the parent's shutdown then waited for ever (about once in 80 runs of
    tests/test_process_safety.py's SIGTERM to the process group).  Ignored here, it reaches the parent alone,
    which handles it as Ctrl-C: the running chunks finish, the pool is shut down and the workers exit."""
    import gc

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with(parent_pid)
    gc.freeze()


def _die_with(parent_pid: int) -> None:
    """End this worker as soon as ``parent_pid`` (the process that started the pool) has ended.

    Why: a parent killed by SIGKILL (or by SIGTERM outside the command line) never shuts its pool down.  Its
    workers, blocked on the pool's queue, would then live for ever: they hold the write end of the
    forkserver's "alive" pipe and the resource tracker's pipe, so those two stay too, and all of them keep
    the caller's standard output open (a shell pipe or a CI step never ends).  Once the workers are gone, the
    forkserver and the resource tracker see their pipes close and exit by themselves.

    How: a daemon thread waits on a process descriptor of the parent (``os.pidfd_open``, Linux 5.3+), which
    becomes readable the moment the parent exits (even before it is reaped), and then ends the worker with
    ``os._exit``: whatever it was computing is lost with the parent anyway.  ``PR_SET_PDEATHSIG`` would not
    do: a worker's parent is the forkserver, not the main process.  Without pidfd the thread polls the parent
    every :data:`PARENT_POLL_SECONDS` instead.
    """
    try:
        handle: int | None = os.pidfd_open(parent_pid)
    except ProcessLookupError:  # already gone
        os._exit(ORPHANED_EXIT)
    except (AttributeError, OSError):  # pragma: no cover - no pidfd here: poll instead
        handle = None
    threading.Thread(target=_watch_parent, args=(parent_pid, handle), name="disarm-parent-watch",
                     daemon=True).start()


def _watch_parent(parent_pid: int, handle: int | None) -> None:
    """Return (ending the worker) only once the parent has ended."""
    if handle is not None:
        select.select([handle], [], [])  # readable once the parent has exited
    else:  # pragma: no cover - not used on Linux
        while _alive(parent_pid):
            time.sleep(PARENT_POLL_SECONDS)
    os._exit(ORPHANED_EXIT)


def _alive(pid: int) -> bool:  # pragma: no cover - the fallback without pidfd
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PoolEngine(Engine):
    """A local process pool whose workers ignore SIGINT and die with this process.

    On Ctrl-C (or any exception) the queued items are cancelled and the pool shut down, the running items
    finishing first (an item is a chunk of at most a few hundred replications): terminating busy workers
    instead could kill one while it sends its result and leave the pool's result pipe half-written, hanging
    the shutdown.  The pool starts with the first map and is reused by later maps (a comparison runs several
    scenarios on one pool).  Items are submitted lazily, at most :func:`~sim.execution.base.in_flight` of
    them at a time.
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
                                                 initializer=_worker_init, initargs=(os.getpid(),))
        return self._pool

    def map_unordered(self, fn: TaskFunction, shared: Any, items: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        source = enumerate(items)
        head = [entry for entry in (next(source, None), next(source, None)) if entry is not None]
        if not head:
            return
        if len(head) == 1 and self._pool is None:  # not worth starting a pool for (same function, same result)
            yield 0, fn(shared, head[0][1])
            return
        upcoming = itertools.chain(head, source)
        limit = in_flight(self.workers)
        retry: list[tuple[int, Any]] = []  # items taken from ``items`` whose pool broke before they finished
        pending: dict[Future, tuple[int, Any]] = {}
        restarts = finished_count = 0
        while True:
            pool = self._start()
            broken = self._top_up(pool, fn, shared, pending, retry, upcoming, limit)
            if not pending and not broken:
                return
            finished: list[tuple[int, Any]] = []
            if not broken:
                # concurrent.futures is not safe against KeyboardInterrupt (see sigint_held), so Ctrl-C is
                # held while it runs, and delivered between short waits: at most INTERRUPT_POLL_SECONDS late.
                with sigint_held():
                    done, _ = wait(pending, timeout=INTERRUPT_POLL_SECONDS, return_when=FIRST_COMPLETED)
                    for future in done:
                        entry = pending.pop(future)
                        try:
                            finished.append((entry[0], future.result()))
                        except BrokenProcessPool:
                            broken = True  # every other pending future fails the same way
                            retry.append(entry)
            finished_count += len(finished)
            yield from finished
            if broken:
                retry.extend(pending.values())
                pending.clear()
                restarts += 1
                self._discard_broken_pool()
                if restarts > MAX_POOL_RESTARTS:
                    raise EngineError(f"worker processes died {restarts} times (killed, or out of memory?); "
                                      f"{finished_count} tasks were done, {len(retry)} were running")

    @staticmethod
    def _top_up(pool: ProcessPoolExecutor, fn: TaskFunction, shared: Any, pending: dict[Future, tuple[int, Any]],
                retry: list[tuple[int, Any]], upcoming: Iterator[tuple[int, Any]], limit: int) -> bool:
        """Submit items (those to retry first) until ``limit`` are pending; whether the pool broke meanwhile."""
        with sigint_held(), _main_importable():  # submitting starts the workers
            while len(pending) < limit:
                entry = retry.pop() if retry else next(upcoming, None)
                if entry is None:
                    return False
                try:
                    pending[pool.submit(fn, shared, entry[1])] = entry
                except BrokenProcessPool:  # a worker died while we were still submitting
                    retry.append(entry)
                    return True
        return False

    def _discard_broken_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            with sigint_held():
                pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        self._discard_broken_pool()

    def __exit__(self, *exc: Any) -> None:
        self.close()  # on Ctrl-C: queued items cancelled, running ones finish, no worker noise


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
        from sim.execution.dask import DaskEngine

        return DaskEngine(address)
    workers = workers or default_workers()
    return SerialEngine() if workers == 1 else PoolEngine(workers)



__all__ = ["SerialEngine", "PoolEngine", "make_engine", "scheduler_address", "SCHEDULER_ENV"]
