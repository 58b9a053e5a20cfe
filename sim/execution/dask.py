"""An existing Dask distributed cluster as an engine (``--scheduler tcp://host:8786`` or ``DISARM_SCHEDULER``).

The scheduler re-runs the items of a worker that dies on another worker; an item that kills workers
repeatedly comes back as a :class:`~sim.execution.base.TaskFailed`.  If the connection to the scheduler is
lost, :class:`~sim.execution.base.EngineLost` is raised; what finished before is kept by the caller (the part
files of :mod:`sim.execution.parts`), so ``--resume`` can finish the job.  The scheduler is contacted only
when an address is given; nothing here opens any other connection.

Addresses: ``tcp://host:port`` (or ``host:port``), and ``tls://host:port`` when Dask's TLS settings are
configured.  Before Dask's client is created the address is checked (:func:`_probe_scheduler`): the scheme,
and that what answers speaks Dask's protocol (its first message is read with bounds on every length), so a
wrong address ends at once with one line and exit code 2, never with Dask's own errors or a 20-second wait.
Other Dask transports (``ws://``, ``wss://``, ``ucx://``, ``inproc://``) are refused: they are not needed to
reach a cluster from a command line, and each failed in its own way.

Processes: this engine starts none.  The scheduler and its workers belong to whoever started them; if this
process dies (even by SIGKILL), its connection closes and the scheduler releases the tasks only it wanted
(Dask's own behaviour), so nothing keeps computing for it and nothing holds its standard output.
"""

from __future__ import annotations

import socket
import ssl
import struct
import time
from typing import Any, Iterable, Iterator

from sim._version import __version__
from sim.core.interrupts import sigint_held
from sim.execution.base import (INTERRUPT_POLL_SECONDS, Engine, EngineLost, EngineUnavailable, TaskFailed,
                                TaskFunction, in_flight)
from sim.execution import parts

DASK_CONNECT_SECONDS = 10
"""How long to wait for the scheduler to answer, and then for its first worker."""
DASK_RETRIES = 2
"""Extra attempts Dask makes at an item whose function raised (a replication's own errors are caught inside
the task and reported, so this covers transient failures only)."""


SCHEMES = ("tcp", "tls")
"""The scheduler addresses accepted (no scheme means ``tcp``)."""
MAX_GREETING_BYTES = 65536
"""The largest first message accepted from a scheduler (its handshake is about 60 bytes)."""
MAX_GREETING_FRAMES = 16


def worker_identity() -> dict[str, str]:
    """What a Dask worker computes with: disarm-sim's version, the hash of its model code and the NumPy and
    SimPy versions (see :mod:`sim.execution.parts`): any of them may change the numbers."""
    return {"version": __version__, "code": parts.code_hash(), **parts.library_versions()}


def identity_differences(theirs: Any, mine: dict[str, str]) -> list[str]:
    """How a worker's identity differs from this process's, in words (``numpy 1.26.4 there, 2.4.6 here``)."""
    if not isinstance(theirs, dict):  # an older disarm-sim answered (version, code)
        theirs = dict(zip(("version", "code"), theirs)) if isinstance(theirs, (tuple, list)) else {}
    out = []
    for key, value in mine.items():
        other = theirs.get(key)
        if other != value:
            shown = (lambda v: v[:12] if isinstance(v, str) else v) if key == "code" else (lambda v: v)
            out.append(f"{key} {shown(other)} there, {shown(value)} here")
    return out


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
            import distributed  # noqa: F401 - checked here, used by _closing_client_class
        except ImportError as exc:  # pragma: no cover - a dependency of disarm-sim
            raise EngineUnavailable(f"--scheduler {address}: the dask distributed package is not installed "
                                    f"({exc})") from None
        _quiet_dask_logging()
        security = _probe_scheduler(address)
        try:
            self.client = _closing_client_class()(address, timeout=f"{DASK_CONNECT_SECONDS}s", set_as_default=False,
                                                  security=security)
        except Exception as exc:  # noqa: BLE001 - whatever Dask raised: the client closed itself, one line
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
        mine = worker_identity()
        wrong = sorted(addr for addr, identity in identities.items() if identity_differences(identity, mine))
        if wrong:
            differ = identity_differences(identities[wrong[0]], mine)
            raise EngineUnavailable(f"--scheduler {self.address}: {len(wrong)} of {len(identities)} workers run "
                                    f"another disarm-sim or other libraries than this one ({', '.join(differ)}), "
                                    f"e.g. {wrong[0]}; install the same versions everywhere")

    @property
    def slots(self) -> int:
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:  # noqa: BLE001 - a lost scheduler shows up in the map, with a clear message
            return 1

    def describe(self) -> str:
        return f"the Dask cluster at {self.address} ({self.slots} worker threads)"

    def map_unordered(self, fn: TaskFunction, shared: Any, items: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        from distributed import as_completed
        from distributed.client import FutureCancelledError

        try:
            from distributed.scheduler import KilledWorker
        except ImportError:  # pragma: no cover - older distributed
            from distributed import KilledWorker  # type: ignore[no-redef]

        import uuid

        tag = uuid.uuid4().hex[:12]
        client = self.client
        upcoming = enumerate(items)
        limit = in_flight(self.slots)
        index: dict[str, int] = {}  # the futures in flight: key -> position of the item
        try:
            with sigint_held():
                shared_future = client.scatter(shared, broadcast=False, hash=False)
                completed = as_completed([], loop=client.loop)
            self._futures = [shared_future]
            while True:
                # As for the pool: the client's locks and events are not safe against KeyboardInterrupt, so
                # Ctrl-C is held while they run and delivered between polls.  Items are submitted as others
                # finish, at most ``limit`` in flight.
                finished: list[tuple[int, Any]] = []
                with sigint_held():
                    while len(index) < limit and (entry := next(upcoming, None)) is not None:
                        future = client.submit(fn, shared_future, entry[1], key=f"disarm-{tag}-{entry[0]}",
                                               pure=False, retries=DASK_RETRIES)
                        index[future.key] = entry[0]
                        self._futures.append(future)
                        completed.add(future)
                    batch = completed.next_batch(block=False)
                    exhausted = not batch and completed.is_empty()
                    for future in batch:
                        i = index.pop(future.key)
                        self._futures.remove(future)
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


def _closing_client_class() -> Any:
    """Dask's ``Client``, made to close itself when it fails to start.

    Why: a ``Client`` whose start fails (an unknown scheme, a TLS error, a handshake it cannot read) is left
    half-built; its ``__del__`` later tries to close it on a stopped event loop and, 20 seconds after the
    command has reported the failure, prints a ``Client.__del__`` traceback.  Closed at once, it has nothing
    left to do when collected.
    """
    from distributed import Client

    class ClosingClient(Client):  # type: ignore[misc, valid-type]
        def start(self, **kwargs: Any) -> None:
            try:
                super().start(**kwargs)
            except BaseException:
                try:
                    self.close(timeout=DASK_CONNECT_SECONDS)
                except Exception:  # noqa: BLE001 - the failure to report is the start's
                    pass
                raise

    return ClosingClient


def _probe_scheduler(address: str) -> Any:
    """Fail fast, with one clear line (:class:`EngineUnavailable`, exit 2), where Dask's own client would fail
    with its own errors, wait, or hang; return the ``Security`` to connect with (None for ``tcp://``).

    * The scheme: ``tcp://`` (or none) and ``tls://`` only (:data:`SCHEMES`); ``tls://`` also needs Dask's
      TLS settings, without which Dask fails with a TypeError.
    * The port must accept a connection (within :data:`DASK_CONNECT_SECONDS`).
    * A Dask scheduler speaks first (its handshake), so a port that accepts but stays silent is some other
      service - typically the dashboard (``:8787``), where the client would wait for ever.
    * What it says must be Dask's protocol: an 8-byte length, then frames whose count and lengths are bounded
      and add up, the first a msgpack mapping (the handshake).  Dask's client trusts the length it reads and
      allocates it: a service that speaks first (SSH, SMTP) made it ask for 2.82 EiB, or fail to unpack.
    """
    scheme, separator, rest = address.rpartition("://")
    scheme = scheme.lower() if separator else "tcp"
    if scheme not in SCHEMES:
        raise EngineUnavailable(f"--scheduler {address}: {scheme}:// addresses are not supported; give the "
                                "scheduler's tcp:// address, e.g. tcp://host:8786 (or tls:// with Dask's TLS "
                                "settings)")
    host, _, port = rest.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise EngineUnavailable(f"--scheduler {address}: expected an address such as tcp://host:8786")
    security, context = _tls_settings(address) if scheme == "tls" else (None, None)
    try:
        with socket.create_connection((host, int(port)), timeout=DASK_CONNECT_SECONDS) as raw:
            if context is None:
                greeting = _greeting(raw)
            else:
                with context.wrap_socket(raw, server_hostname=host) as conn:  # it takes over raw's descriptor
                    greeting = _greeting(conn)
    except ssl.SSLError as exc:
        raise EngineUnavailable(f"--scheduler {address}: the TLS handshake with the scheduler failed: "
                                f"{exc.reason or exc}") from None
    except OSError as exc:
        raise EngineUnavailable(f"--scheduler {address}: cannot reach a Dask scheduler there: "
                                f"{exc.strerror or exc}") from None
    if greeting == "silent":
        raise EngineUnavailable(f"--scheduler {address}: something listens there but it is not a Dask scheduler "
                                "(the dashboard is usually :8787, the scheduler :8786)")
    if greeting == "foreign":
        raise EngineUnavailable(f"--scheduler {address}: something answers there but not in Dask's protocol: it "
                                "is not a Dask scheduler (the scheduler is usually :8786)")
    return security


def _tls_settings(address: str) -> tuple[Any, ssl.SSLContext]:
    """Dask's TLS settings (its configuration, ``distributed.comm.tls.*``) as a ``Security`` and the client's
    SSL context; refused in one line when there are none."""
    from distributed.security import Security

    try:
        security = Security()
        context = security.get_connection_args("client").get("ssl_context")
    except Exception as exc:  # noqa: BLE001 - unreadable certificate files, bad settings
        raise EngineUnavailable(f"--scheduler {address}: Dask's TLS settings cannot be used: "
                                f"{' '.join(str(exc).split()) or type(exc).__name__}") from None
    if context is None:
        raise EngineUnavailable(f"--scheduler {address}: tls:// needs Dask's TLS settings (distributed.comm.tls."
                                "ca-file, client.cert and client.key in the Dask configuration)")
    return security, context


def _greeting(conn: socket.socket) -> str:
    """Read what the other end says first: ``dask`` (a Dask handshake), ``silent`` (nothing, or the connection
    closed) or ``foreign`` (anything else).  Never reads more than :data:`MAX_GREETING_BYTES`, never waits
    more than half of :data:`DASK_CONNECT_SECONDS` in all."""
    deadline = time.monotonic() + DASK_CONNECT_SECONDS / 2
    head = _read_exactly(conn, 8, deadline)
    if not head:
        return "silent"
    if len(head) < 8:
        return "foreign"
    (size,) = struct.unpack("<Q", head)
    if not 16 <= size <= MAX_GREETING_BYTES:
        return "foreign"
    body = _read_exactly(conn, size, deadline)
    if len(body) < size:
        return "foreign"
    (frames,) = struct.unpack_from("<Q", body)
    if not 1 <= frames <= MAX_GREETING_FRAMES or 8 * (1 + frames) > size:
        return "foreign"
    lengths = struct.unpack_from(f"<{frames}Q", body, 8)
    start = 8 * (1 + frames)
    if start + sum(lengths) != size:
        return "foreign"
    try:
        import msgpack

        handshake = msgpack.unpackb(body[start:start + lengths[0]], raw=False)
    except Exception:  # noqa: BLE001 - whatever it is, it is not Dask's handshake
        return "foreign"
    return "dask" if isinstance(handshake, dict) and "python" in handshake else "foreign"


def _read_exactly(conn: socket.socket, count: int, deadline: float) -> bytes:
    """Up to ``count`` bytes: fewer if the connection closes or ``deadline`` (``time.monotonic``) passes."""
    data = b""
    while len(data) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        conn.settimeout(left)
        try:
            chunk = conn.recv(count - len(data))
        except (socket.timeout, TimeoutError):
            break
        if not chunk:
            break
        data += chunk
    return data


__all__ = ["DaskEngine", "worker_identity", "identity_differences", "DASK_CONNECT_SECONDS", "SCHEMES"]
