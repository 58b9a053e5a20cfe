"""Gates: a process per gate asks its candidates in turn until one accepts (:mod:`sim.scenario.gates`).

Each gate draws only from its own named streams (``gate/<id>/opens_day``, ``gate/<id>/retry_days``,
``gate/<id>/answer_days/<candidate>`` and ``gate/<id>/refusal/<candidate>``), so gates change no other draw.
A candidate's refusal is one uniform draw of its own stream, made only when its ``failure_probability`` is
strictly between 0 and 1: raising one candidate's probability changes only its own answers (common random
numbers across the points of a sweep).

A scenario without gates starts no process and creates no event, so its results and traces are what they
were before gates existed.  Consumers ask :meth:`Gates.passed` only when they name a gate.
"""

from __future__ import annotations

import simpy

from sim.model.world import UNIT_UNIFORM, Process, World
from sim.scenario.gates import Gate
from sim.scenario.schema import Scenario


class Gates:
    """The gates of one replication: their pass events and the days they passed."""

    def __init__(self, w: World):
        self.w = w
        self.events: dict[str, simpy.Event] = {}
        self.passed_day: dict[str, float] = {}
        for gate in w.s.gates:
            self.events[gate.id] = w.env.event()
            w.env.process(self._ask(gate))

    def passed(self, ids: list[str]) -> simpy.Event:
        """The event that succeeds once every gate of ``ids`` (non-empty) has passed; it never succeeds if one
        of them fails.  One gate: its own event, already processed once it has passed."""
        if len(ids) == 1:
            return self.events[ids[0]]
        return simpy.AllOf(self.w.env, [self.events[i] for i in ids])

    def _ask(self, gate: Gate) -> Process:
        w = self.w
        stream = f"gate/{gate.id}/"
        yield w.wait_until(w.draw(gate.opens_day, stream + "opens_day"))
        for k, candidate in enumerate(gate.candidates):
            if k:
                yield w.wait(w.draw(gate.retry_days, stream + "retry_days"))
            w.log("gate_asked", entity=gate.id, note=candidate.name)
            yield w.wait(w.draw(candidate.answer_days, f"{stream}answer_days/{candidate.name}"))
            if _refuses(w, candidate.failure_probability, f"{stream}refusal/{candidate.name}"):
                w.log("gate_refused", entity=gate.id, note=candidate.name)
                continue
            self.passed_day[gate.id] = w.env.now
            w.log("gate_passed", entity=gate.id, note=candidate.name)
            self.events[gate.id].succeed()
            return
        waiting = ", ".join(_consumers(w.s, gate.id)) or "nothing"
        w.log("gate_failed", entity=gate.id,
              note=f"every candidate refused ({', '.join(c.name for c in gate.candidates)}); waiting to the "
                   f"horizon: {waiting}")


def _consumers(s: Scenario, gate_id: str) -> list[str]:
    """What waits for gate ``gate_id``, in words, for the trace."""
    out = ["the convoys"] if gate_id in s.convoys.gates else []
    out += [f"facility {f.name or f.id}" for f in s.facilities if gate_id in f.gates]
    if gate_id in s.unfilled_munitions.gates:
        out.append("the unfilled munitions")
    if gate_id in s.production_structures.gates:
        out.append("the production structures")
    return out


def _refuses(w: World, probability: float, stream: str) -> bool:
    """Whether a candidate refuses: certain at 1, never at 0, else one uniform draw of its own stream."""
    if probability <= 0.0:
        return False
    if probability >= 1.0:
        return True
    return w.draw(UNIT_UNIFORM, stream) < probability


__all__ = ["Gates"]
