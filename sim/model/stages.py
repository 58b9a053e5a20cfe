"""The plan's stages in one replication: the stages done before day 0, and the waits added between stages.

``plan.begins_with`` says where the run begins (:mod:`sim.scenario.stages`).  What was done before day 0 is
set up here, at day 0, without a draw and without reaching a milestone (those milestones are not in the plan):

* accession done: steps 2-4 may start at day 0;
* the declaration done: every lot at a declared site is in the declared book with its tonnes, the listing and
  the declaration are in;
* the initial inspections done: every declared site counts as inspected on day 0 (:mod:`sim.model.inspection`
  reads :attr:`Stages.inspected_before_day_0`).

An added dependency (``plan.stages``) makes a stage wait for the *completion* of others: the first time every
milestone of :data:`~sim.scenario.stages.STAGE_COMPLETE` of each is reached.  Each process that starts a stage
waits on ``World.wait_for_stages(stage)``, which yields nothing when the stage has no added dependency: the
default plan creates no event and draws nothing, so seeded results stay identical.
"""

from __future__ import annotations

import simpy

from sim.model.declaration import declare_sites
from sim.model.world import World
from sim.scenario.stages import STAGE_COMPLETE


class Stages:
    """Where the plan begins, and the completion events of the stages another stage waits for."""

    def __init__(self, w: World):
        self.w = w
        plan = w.s.plan
        self.before = plan.done_before_day_0()  # a tuple, in plan order: day 0's events in a fixed order
        self.inspected_before_day_0 = "inspection" in self.before
        waits = plan.waits()
        done = {stage: w.env.event() for stage in sorted({s for after in waits.values() for s in after})}
        self.done = done
        for stage in done:
            for milestone in STAGE_COMPLETE[stage]:
                w.completes_stage.setdefault(milestone, []).append(self._check_complete)
        for stage, after in waits.items():
            events = [done[s] for s in after]
            gate = w.stage_gates[stage] = events[0] if len(events) == 1 else simpy.AllOf(w.env, events)
            if stage in ("removal", "destruction"):  # its standing milestones may hold from the moment it opens
                gate.callbacks.append(lambda _, stage=stage: self._check_standing(stage))
        self._begin()

    def runs(self, stage: str) -> bool:
        """Whether the run simulates ``stage`` (it was not done before day 0)."""
        return stage not in self.before

    def _begin(self) -> None:
        w = self.w
        if "accession" in self.before:
            w.steps_may_start.succeed()
        if "declaration" in self.before:
            w.listing_submitted.succeed()
            declare_sites(w, note=", before day 0")
            w.declaration_submitted.succeed()
            w.check_removal()
            w.check_destruction()
        for stage in self.before:
            if stage in self.done:
                self.done[stage].succeed()

    def _check_standing(self, stage: str) -> None:
        """``stage`` just opened: its standing milestones that already hold (nothing of theirs declared, as
        priority destruction with no priority chemical) are reached now."""
        if stage == "removal":
            self.w.check_removal()
        else:
            self.w.check_destruction()

    def _check_complete(self) -> None:
        """A closing milestone was reached: every stage whose closing milestones are all reached is complete."""
        reached = self.w.milestones
        for stage, event in self.done.items():
            if not event.triggered and all(m in reached for m in STAGE_COMPLETE[stage]):
                self.w.log("stage_complete", entity=stage)
                event.succeed()


__all__ = ["Stages"]
