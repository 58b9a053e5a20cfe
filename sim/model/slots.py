"""Slots: a SimPy Resource without its release events (inspection teams, vehicles, berths, lines, crews).

``simpy.Resource`` makes two events per use: the request, and a release whose processing hands the slot to
the next in line.  Nothing in the model waits for a release, so here releasing is a call: the slot passes at
once to the first request in line (first come, first served, as the Resource does), whose event is scheduled
now; with nobody in line the slot is free.  A request for a free slot succeeds at once (scheduled now, as the
Resource's).  Used as the Resource is::

    with slots.request() as request:
        yield request
        ...  # the slot is held; leaving the block releases it (or leaves the line, if it was never granted)

The one difference in behaviour: a request waiting in line is granted at the release itself, where the Resource
grants it when its release event is processed, later at the same instant; so events of one instant may run in
another order than with the Resource (the same days; statistically the same results).
"""

from __future__ import annotations

from collections import deque
from types import TracebackType
from typing import Optional

import simpy
from simpy.events import Event


class Slots:
    """``capacity`` identical slots handed out first come, first served."""

    __slots__ = ("env", "capacity", "in_use", "waiting")

    def __init__(self, env: simpy.Environment, capacity: int):
        if capacity <= 0:
            raise ValueError(f"capacity must be > 0, got {capacity}")
        self.env = env
        self.capacity = capacity
        self.in_use = 0
        self.waiting: deque[SlotRequest] = deque()

    def request(self) -> "SlotRequest":
        """A request for a slot: an event that succeeds when the slot is this request's."""
        return SlotRequest(self)

    def release(self, request: "SlotRequest") -> None:
        """Hand back the slot of ``request`` (or take it out of the line, if it was never granted)."""
        request.release()


class SlotRequest(Event):
    """A request for one of the slots: granted (the event succeeds) when a slot is free, in order of request."""

    def __init__(self, slots: Slots):
        super().__init__(slots.env)
        self.slots = slots
        self.held = False
        if slots.in_use < slots.capacity:
            slots.in_use += 1
            self.held = True
            self.succeed()
        else:
            slots.waiting.append(self)

    def release(self) -> None:
        slots = self.slots
        if self.held:
            self.held = False
            if slots.waiting:  # the slot passes to the first in line
                following = slots.waiting.popleft()
                following.held = True
                following.succeed()
            else:
                slots.in_use -= 1
        elif not self.triggered:  # never granted: it leaves the line
            slots.waiting.remove(self)

    def __enter__(self) -> "SlotRequest":
        return self

    def __exit__(self, exc_type: Optional[type[BaseException]], exc_value: Optional[BaseException],
                 traceback: Optional[TracebackType]) -> None:
        self.release()
