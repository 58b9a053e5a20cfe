"""Which milestones a scenario's plan has: all fifteen, but those of stages done before day 0 and those that count
nothing in the scenario (a milestone that would hold from the start, or never, and read as an achievement or a
failure of the run); and the problems of naming such a milestone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.scenario.routes import network_of

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario.schema import Scenario


def plan_milestones(s: "Scenario") -> tuple[str, ...]:
    """The milestones of this scenario's plan, in contract order: all but those of stages done before day 0,
    and but those that count nothing here (the priority milestones without a priority chemical,
    ``category1_destroyed`` without Category 1, the removal milestones when no lot leaves the country, the
    munitions' and the structures' without any): such a milestone would hold from the start or never, and
    read as an achievement, or a failure, of the run."""
    empty: set[str] = set()
    if not any(lot.priority for lot in s.lots):
        empty |= {"priority_removal_complete", "priority_destruction_complete"}
    if not any(lot.category == 1 for lot in s.lots):
        empty.add("category1_destroyed")
    if s.unfilled_munitions.count == 0:
        empty.add("munitions_destroyed")
    if not any(group.count for group in s.production_structures.groups):
        empty |= {"first_structure_destroyed", "production_facilities_destroyed"}
    network = network_of(s)
    if not any(network.removal_route(i) for i in range(len(s.lots))):
        empty |= {"first_removal", "priority_removal_complete", "removal_complete"}
    return tuple(m for m in s.plan.milestones() if m not in empty)


_UNCOUNTED_WHY = {
    "priority_removal_complete": "no lot is a priority chemical", "priority_destruction_complete":
    "no lot is a priority chemical", "category1_destroyed": "no lot is of Category 1",
    "first_removal": "no lot's route leaves the country", "removal_complete": "no lot's route leaves the country",
    "munitions_destroyed": "unfilled_munitions.count is 0",
    "first_structure_destroyed": "production_structures has no structure",
    "production_facilities_destroyed": "production_structures has no structure",
}


def uncounted_problems(s: "Scenario") -> list[tuple[tuple[Any, ...], str, object]]:
    """A deadline on a milestone that counts nothing in this scenario (it would be missed in every run), and a
    stage waiting for removal when nothing leaves the country (it would never start)."""
    in_plan = set(plan_milestones(s))
    stage_milestones = set(s.plan.milestones())
    problems: list[tuple[tuple[Any, ...], str, object]] = []
    for i, deadline in enumerate(s.deadlines):
        m = deadline.milestone
        if m in stage_milestones and m not in in_plan and m in _UNCOUNTED_WHY:
            problems.append((("deadlines", i, "milestone"), f"milestone {m!r} counts nothing in this scenario "
                             f"({_UNCOUNTED_WHY[m]}): it is not in the plan", m))
    if "removal_complete" not in in_plan and "removal_complete" in stage_milestones:
        for i, entry in enumerate(s.plan.stages):
            for j, stage in enumerate(entry.after):
                if stage == "removal":
                    problems.append((("plan", "stages", i, "after", j), "stage 'removal' has nothing to do in "
                                     "this scenario (no lot's route leaves the country): a stage waiting for it "
                                     "would never start", stage))
    return problems


__all__ = ["plan_milestones", "uncounted_problems"]
