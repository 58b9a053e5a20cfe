"""The one place that touches SimPy's internals: running a replication to its horizon and counting its events.

SimPy's public loop (``env.run``) does not say how many events it processed, and stepping it one event at a
time (``env.step`` in a Python loop) costs about a tenth of a replication.  So the count is read from the
event ids SimPy hands out (``env._eid``, an ``itertools.count``) and its queue (``env._queue``): every event
scheduled so far was either processed or is still queued.  And the horizon is an event scheduled below
NORMAL priority, built as SimPy builds its own ``Timeout`` (setting ``_ok`` and ``_value``), so that it fires
after every event of the horizon's own instant.

These are private attributes of SimPy 4.1, so pyproject.toml pins ``simpy>=4.1,<4.2`` and
tests/test_model_trace.py checks, on the installed SimPy, that the count equals the number of ``env.step()``
calls of a stepped run: a SimPy that changes them fails that test instead of miscounting silently.
"""

from __future__ import annotations

import simpy
from simpy.events import NORMAL

SIMPY_VERSIONS = ">=4.1,<4.2"
"""The SimPy releases whose internals this module is written against (pinned in pyproject.toml)."""


class Horizon(simpy.Event):
    """The end of a replication: scheduled at the horizon below NORMAL priority, so that it fires after every
    event of the horizon's own instant (even those scheduled at that instant), and stops the run."""

    def __init__(self, env: simpy.Environment, day: float):
        super().__init__(env)
        self._ok, self._value = True, None
        env.schedule(self, priority=NORMAL + 1, delay=max(0.0, day - env.now))


def events_processed(env: simpy.Environment) -> int:
    """How many events ``env`` has processed so far (``env.step()`` calls).  Draws an id: call it once, at the end."""
    scheduled = next(env._eid)  # ids are 0, 1, 2, ...: the next one is the number handed out so far
    return scheduled - len(env._queue)


def run_to_horizon(env: simpy.Environment, horizon: float) -> int:
    """Process every event up to and including day ``horizon``; return how many (env.step() calls).

    SimPy's own loop (``env.run``) steps without a check per event, so the count comes from the event ids
    SimPy hands out: every event scheduled so far was either processed or is still in the queue.
    """
    env.run(until=Horizon(env, horizon))
    return events_processed(env) - 1  # not the horizon event itself


__all__ = ["run_to_horizon", "events_processed", "Horizon", "SIMPY_VERSIONS"]
