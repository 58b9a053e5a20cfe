"""The one place that touches SimPy's internals: the model's environment, and running a replication to its horizon.

:class:`Clock` is SimPy's ``Environment`` with four costs taken out of the loop every event goes through
(issue 21: a replication no dearer than a plain SimPy model of the same process). The events and their semantics
are SimPy's, and so is their order, with one exception (below):

* ``run_to_horizon`` processes events in a loop of its own, as ``Environment.step`` does (pop the next event,
  call its callbacks, crash on a failed event nobody defused), without a method call per event, and counts them;
* ``timeout`` builds SimPy's own ``Timeout`` and pushes it on the queue in one call (no ``schedule`` call);
* ``now`` is a plain attribute the loops keep equal to SimPy's ``_now`` (SimPy's is a property);
* a process that ends while nobody waits for it is processed at once, with no event: SimPy schedules an event
  for every process that ends, and in the model nobody waits for most of them (about 70 a replication). A process
  that someone waits for, or that fails, ends with its event, as in SimPy; whoever yields an already processed
  process later resumes at once, as with any processed event.  ``settle`` does the same for a plain signal.

The exception: a process that yields a quietly ended process or a settled signal *at the same instant* resumes at
once, where with SimPy it would resume when that end or signal is processed, possibly after other events of the
instant.  In the model that happens only when the plan begins at removal (the sites inspected before day 0 are
settled during set-up, before the convoys wait for them); it changes no result of the shipped scenarios or of the
tests' (tests/test_clock.py compares them with SimPy's own events, processes and ``Environment.step``).

The horizon is an event scheduled below NORMAL priority, built as SimPy builds its own ``Timeout`` (setting
``_ok`` and ``_value``), so that it fires after every event of the horizon's own instant.

These are private attributes and code paths of SimPy 4.1 (``_queue``, ``_eid``, ``_now``, ``_value``,
``Process._resume``), so pyproject.toml pins ``simpy>=4.1,<4.2``, and tests/test_clock.py checks that replications
run on this loop give the results of the same replications on SimPy's own environment, processes and
``Environment.step``.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Any, Optional

import simpy
from simpy.events import NORMAL, PENDING, Process, Timeout

SIMPY_VERSIONS = ">=4.1,<4.2"
"""The SimPy releases whose internals this module is written against (pinned in pyproject.toml)."""

_new_timeout = Timeout.__new__


class Horizon(simpy.Event):
    """The end of a replication: scheduled at the horizon below NORMAL priority, so that it fires after every
    event of the horizon's own instant (even those scheduled at that instant), and stops the run."""

    def __init__(self, env: simpy.Environment, day: float):
        super().__init__(env)
        self._ok, self._value = True, None
        env.schedule(self, priority=NORMAL + 1, delay=max(0.0, day - env.now))


class QuietProcess(Process):
    """SimPy's ``Process`` whose end is an event only if someone waits for it (or it failed)."""

    def _resume(self, event: simpy.Event) -> None:
        # SimPy 4.1's Process._resume, but for the end of a process nobody waits for (marked below)
        env = self.env
        env._active_proc = self
        generator = self._generator
        while True:
            try:
                if event._ok:
                    event = generator.send(event._value)
                else:
                    event._defused = True
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    event = generator.throw(exc)
            except StopIteration as stop:
                event = None  # type: ignore[assignment]
                self._ok = True
                self._value = stop.args[0] if stop.args else None
                if self.callbacks:
                    env.schedule(self)
                else:  # nobody waits: processed now, without an event (a later waiter resumes at once)
                    self.callbacks = None  # type: ignore[assignment]
                break
            except BaseException as error:
                event = None  # type: ignore[assignment]
                self._ok = False
                error.__traceback__ = error.__traceback__.tb_next  # type: ignore[union-attr]
                self._value = error
                env.schedule(self)  # a failure is always an event: it crashes the run unless someone defuses it
                break
            try:
                if event.callbacks is not None:
                    event.callbacks.append(self._resume)
                    break
            except AttributeError:
                if hasattr(event, "callbacks"):
                    raise
                frame = generator.gi_frame  # as SimPy: where the bad yield is
                where = f"{frame.f_code.co_filename}, line {frame.f_lineno}, in {frame.f_code.co_name}"
                raise RuntimeError(f'{where}: Invalid yield value "{event}"') from None
        self._target = event
        env._active_proc = None


def settle(event: simpy.Event, value: Any = None) -> None:
    """Succeed ``event`` now; if nobody waits for it yet, it is processed at once, with no event (as a quiet process
    end): whoever yields it later resumes at once, and a condition built on it later counts it at once.  For
    signals most of which nobody waits for (a site inspected with nothing declared there yet)."""
    if event._value is not PENDING:
        raise RuntimeError(f"{event} has already been triggered")  # as succeed()
    if event.callbacks:
        event.succeed(value)
    else:
        event._ok = True
        event._value = value
        event.callbacks = None  # type: ignore[assignment]


class Clock(simpy.Environment):
    """The environment of one replication: SimPy's, with a cheaper timeout and quiet process ends.

    Its ``now`` is a plain attribute that the loops below keep equal to SimPy's ``_now`` (SimPy's is a property,
    and the model reads the time about twice an event)."""

    now: float = 0.0  # type: ignore[assignment]  # shadows Environment.now (a property): set per instance

    def __init__(self, initial_time: float = 0.0):
        super().__init__(initial_time)
        self.now = self._now
        # SimPy binds its event factories to an environment only if they are in the class's own __dict__ (not a
        # subclass's base): bind them here, as Environment.__init__ does for itself
        self.event = self.event
        self.all_of = self.all_of
        self.any_of = self.any_of

    def step(self) -> None:
        """SimPy's step, with ``now`` moved first (for ``env.run`` and ``env.step`` used directly, e.g. in a
        notebook; the model runs ``run_to_horizon``)."""
        queue = self._queue
        if queue:
            self.now = queue[0][0]
        super().step()

    def timeout(self, delay: float, value: Optional[Any] = None) -> Timeout:  # type: ignore[override]
        """SimPy's ``Timeout``, scheduled in the same call (the model's most frequent event)."""
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        event = _new_timeout(Timeout)
        event.env = self
        event.callbacks = []
        event._value = value
        event._delay = delay
        event._ok = True
        heappush(self._queue, (self._now + delay, NORMAL, next(self._eid), event))
        return event

    def process(self, generator: Any) -> QuietProcess:  # type: ignore[override]
        return QuietProcess(self, generator)


def run_to_horizon(env: simpy.Environment, horizon: float) -> int:
    """Process every event up to and including day ``horizon``; return how many (``env.step()`` calls that SimPy's
    own loop would make, not counting the horizon's own event).  SimPy's own environment is stepped by SimPy."""
    if not isinstance(env, Clock):
        return step_to_horizon(env, horizon)
    end = Horizon(env, horizon)
    queue = env._queue
    processed = 0
    while True:
        env._now, _, _, event = heappop(queue)  # the horizon is always queued: the queue never runs dry before it
        env.now = env._now  # the Clock's plain attribute
        if event is end:
            break
        callbacks, event.callbacks = event.callbacks, None
        for callback in callbacks:
            callback(event)
        if not event._ok and not hasattr(event, "_defused"):  # as Environment.step: a failure nobody handled
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc
        processed += 1
    end.callbacks = None
    return processed


def step_to_horizon(env: simpy.Environment, horizon: float) -> int:
    """The same run as :func:`run_to_horizon`, stepped by SimPy's own ``Environment.step``: the reference that
    loop is tested against (tests/test_clock.py), and the one for tools that watch each event by wrapping
    ``Environment.step`` (benchmarks/skeleton.py)."""
    end = Horizon(env, horizon)
    queue = env._queue
    processed = 0
    while queue[0][3] is not end:
        env.step()  # a Clock's step moves its now first
        processed += 1
    env.step()  # the horizon's own event
    return processed


__all__ = ["Clock", "QuietProcess", "settle", "run_to_horizon", "step_to_horizon", "Horizon", "SIMPY_VERSIONS"]
