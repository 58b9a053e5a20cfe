"""The plan of a case: which stages it has, where it begins, and the dependencies added between stages.

A plan is a set of *stages* from a fixed vocabulary (:data:`STAGES`), each with its milestones
(:data:`STAGE_MILESTONES`).  The model wires them with **built-in dependencies** (:func:`built_in_after`: a
declaration follows accession, inspections follow the listing, a site's convoys follow the declaration and the
site's inspection, a lot's destruction follows its delivery, ...).  The ``plan:`` block of a scenario says two
more things:

* ``begins_with``: the first stage the run simulates.  The stages before it were done before day 0 (a state
  already party begins at ``declaration``; one that has declared and been inspected, as Libya in 2016, at
  ``removal``); their milestones are not in the plan (:meth:`StagePlan.milestones`).
* ``stages``: dependencies added to the built-in ones: a stage waits until every stage in its ``after`` list is
  *complete* (:data:`STAGE_COMPLETE`: its closing milestones all reached, the first time they are).  A cycle
  among the built-in and added dependencies would never start; it is refused with the cycle named.

The default plan, ``begins_with: accession`` and no added dependencies, is the model of the four steps as it
always was, so every scenario without a ``plan:`` block runs exactly as before.  The milestone ids are those of
:data:`sim.core.contract.MILESTONES`: a milestone means the same, and keeps its id, in every case that has its
stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from sim.core.contract import MILESTONE_IDS
from sim.scenario.fields import Strict

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario.schema import Scenario

StageId = Literal["accession", "declaration", "inspection", "removal", "destruction", "munitions", "structures"]
BeginsWith = Literal["accession", "declaration", "inspection", "removal"]

STAGE_MILESTONES: dict[str, tuple[str, ...]] = {
    "accession": ("accession_deposited", "entry_into_force"),
    "declaration": ("listing_submitted", "declaration_submitted"),
    "inspection": ("initial_inspections_complete", "equipment_destroyed"),
    "removal": ("first_removal", "priority_removal_complete", "removal_complete"),
    "destruction": ("priority_destruction_complete", "category1_destroyed", "destruction_complete"),
    "munitions": ("munitions_destroyed",),
    "structures": ("first_structure_destroyed", "production_facilities_destroyed"),
}
"""The stages in the order of the plan, each with the milestones it yields (every milestone in exactly one)."""

STAGES: tuple[str, ...] = tuple(STAGE_MILESTONES)

STAGE_COMPLETE: dict[str, tuple[str, ...]] = {
    "accession": ("entry_into_force",),
    "declaration": ("declaration_submitted",),
    "inspection": ("initial_inspections_complete", "equipment_destroyed"),
    "removal": ("removal_complete",),
    "destruction": ("destruction_complete",),
    "munitions": ("munitions_destroyed",),
    "structures": ("production_facilities_destroyed",),
}
"""The milestones that together close each stage: a stage waiting ``after`` it starts once they are all reached."""

BEGINNINGS: tuple[str, ...] = ("accession", "declaration", "inspection", "removal")
"""Where a plan may begin; the stages before ``begins_with`` in this order were done before day 0."""


class StageDependency(Strict):
    """A stage that waits for other stages to be complete, on top of the built-in dependencies."""

    id: StageId = Field(description="The stage that waits.")
    after: list[StageId] = Field(min_length=1, max_length=len(STAGES),
                                 description="Stages that must be complete (their closing milestones reached) "
                                             "before this one starts.")


class StagePlan(Strict):
    """Where the plan begins and the dependencies added between its stages (docs/model.md, "The plan")."""

    begins_with: BeginsWith = Field(
        "accession", description="The first stage simulated; the ones before it were done before day 0 (a state "
                                 "already party: declaration; declared and inspected: removal). Their milestones "
                                 "are not in the plan.")
    stages: list[StageDependency] = Field(
        default_factory=list, max_length=len(STAGES),
        description="Dependencies added to the built-in ones, e.g. {id: destruction, after: [removal]}.")

    def done_before_day_0(self) -> tuple[str, ...]:
        """The stages done before day 0, in the order of the plan."""
        return BEGINNINGS[:BEGINNINGS.index(self.begins_with)]

    def milestones(self) -> tuple[str, ...]:
        """The milestones of the plan, in the order of :data:`~sim.core.contract.MILESTONE_IDS`: all but those
        of the stages done before day 0."""
        before = {m for stage in self.done_before_day_0() for m in STAGE_MILESTONES[stage]}
        return tuple(m for m in MILESTONE_IDS if m not in before)

    def waits(self) -> dict[str, tuple[str, ...]]:
        """The stages each stage waits for on top of the built-in dependencies (only stages that wait)."""
        return {entry.id: tuple(dict.fromkeys(entry.after)) for entry in self.stages}


def scenario_stages(s: "Scenario") -> tuple[str, ...]:
    """The stages this scenario has: the four steps always, munitions and structures when there are some."""
    has = {"munitions": s.unfilled_munitions.count > 0,
           "structures": any(group.count for group in s.production_structures.groups)}
    return tuple(stage for stage in STAGES if has.get(stage, True))


def built_in_after(s: "Scenario") -> dict[str, tuple[str, ...]]:
    """The dependencies the model always wires, as stage -> the stages it waits for (in part or whole): they
    hold whatever the scenario holds, so that a dependency added against them is refused as a cycle."""
    munitions = ("declaration", "inspection") if s.unfilled_munitions.site is not None else ("declaration",)
    return {"accession": (), "declaration": ("accession",), "inspection": ("declaration",),
            "removal": ("declaration", "inspection"), "destruction": ("declaration", "inspection", "removal"),
            "munitions": munitions, "structures": ("declaration",)}


Problem = tuple[tuple[Any, ...], str, Any]


def plan_problems(s: "Scenario") -> list[Problem]:
    """Every problem of the ``plan:`` block as (location, message, offending value): a stage waiting on a stage
    the scenario lacks, a stage that was done before day 0 given dependencies, a cycle of dependencies, a
    deadline on a milestone not in the plan."""
    plan = s.plan
    problems: list[Problem] = []
    has = scenario_stages(s)
    before = plan.done_before_day_0()
    built_in = built_in_after(s)
    graph = {stage: list(after) for stage, after in built_in.items()}
    seen: dict[str, int] = {}
    for i, entry in enumerate(plan.stages):
        if entry.id in seen:
            problems.append((("plan", "stages", i, "id"), f"duplicate id {entry.id!r} (already used by "
                             f"plan.stages[{seen[entry.id]}])", entry.id))
            continue
        seen[entry.id] = i
        if entry.id in before:
            problems.append((("plan", "stages", i, "id"), f"stage {entry.id!r} was done before day 0 "
                             f"(plan.begins_with: {plan.begins_with}); it cannot wait for anything", entry.id))
            continue
        missing = [(j, stage) for j, stage in enumerate(entry.after) if stage not in has]
        for j, stage in missing:
            problems.append((("plan", "stages", i, "after", j), f"stage {stage!r} has nothing to do in this "
                             f"scenario ({_why_absent(stage)}): a stage waiting for it would never start", stage))
        if missing:
            continue
        cycle = _cycle_through(graph, entry.id, list(entry.after))
        if cycle:
            edges = [f"{a} after {b}" for a, b in zip(cycle, cycle[1:]) if b in built_in[a]
                     and not (a == entry.id and b in entry.after)]
            note = f" (built in: {', '.join(edges)})" if edges else ""
            problems.append((("plan", "stages", i, "after"), "a cycle of stage dependencies, each waiting for the "
                             f"next: {' -> '.join(cycle)}{note}", list(entry.after)))
            continue
        graph[entry.id] += list(entry.after)
    in_plan = set(plan.milestones())
    for i, deadline in enumerate(s.deadlines):
        if deadline.milestone in MILESTONE_IDS and deadline.milestone not in in_plan:
            stage = next(st for st, ms in STAGE_MILESTONES.items() if deadline.milestone in ms)
            problems.append((("deadlines", i, "milestone"), f"milestone {deadline.milestone!r} is not in the plan: "
                             f"its stage, {stage}, was done before day 0 (plan.begins_with: {plan.begins_with})",
                             deadline.milestone))
    return problems


def _why_absent(stage: str) -> str:
    return "unfilled_munitions.count is 0" if stage == "munitions" else "production_structures has no structure"


def _cycle_through(graph: dict[str, list[str]], stage: str, after: list[str]) -> list[str]:
    """The cycle that making ``stage`` wait for ``after`` would close, as stage -> ... -> stage (each waiting
    for the next), or [] if there is none: a path from one of ``after`` back to ``stage`` in ``graph``."""
    for start in after:
        path = _path(graph, start, stage, set())
        if path:
            return [stage, *path]
    return []


def _path(graph: dict[str, list[str]], source: str, target: str, visited: set[str]) -> list[str]:
    """A path source -> ... -> target following ``graph`` (depth first, in the order of the lists), or []."""
    if source == target:
        return [target]
    visited.add(source)
    for nxt in graph.get(source, ()):
        if nxt not in visited:
            rest = _path(graph, nxt, target, visited)
            if rest:
                return [source, *rest]
    return []


__all__ = ["StagePlan", "StageDependency", "StageId", "STAGES", "STAGE_MILESTONES", "STAGE_COMPLETE", "BEGINNINGS",
           "scenario_stages", "built_in_after", "plan_problems"]
