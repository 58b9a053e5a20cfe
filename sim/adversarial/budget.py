"""The verifier's budget, kept by construction: a regime the optimiser proposes above the cost limit is
scaled back onto it before it runs.

Why: the cost of a regime is known without simulating it, and most of what the optimiser learns from a regime
it cannot afford is that spending more helps, which it then keeps proposing (at the 2013 budget nine candidates
in ten were over it).  So an unaffordable proposal is told to the optimiser as failed, and its projection onto the
budget is asked instead: every lever with a positive cost moves towards its cheapest value by the same share of
its range, just enough to cost the limit (whole numbers and steps rounded down, so the result never costs more).
Deterministic: the same proposal always gives the same repair, so a search stays reproducible and resumable.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sim.adversarial.loading import Search


def repaired(search: "Search", assignment: dict[str, Any]) -> dict[str, Any] | None:
    """``assignment`` scaled back onto the cost limit; None if it is affordable already or cannot be repaired
    (its levers at their cheapest still cost too much)."""
    limit = search.spec.cost_limit
    if search.side != "blue" or limit is None or search.cost(assignment) <= limit:
        return None
    movable = {lever.label: lever for lever in search.spec.levers
               if lever.values is None and (lever.cost_per_unit or 0) > 0}
    cheapest = {name: (movable[name].low if name in movable else value) for name, value in assignment.items()}
    floor = search.cost(cheapest)
    if floor > limit:
        return None
    share = (limit - floor) / (search.cost(assignment) - floor)  # in [0, 1)
    out = dict(assignment)
    for name, lever in movable.items():
        low = float(lever.low)  # type: ignore[arg-type]
        value = low + share * (float(assignment[name]) - low)
        step = lever.step or (1 if isinstance(assignment[name], int) else None)
        if step:
            value = low + math.floor((value - low) / step + 1e-9) * step
        out[name] = int(round(value)) if isinstance(assignment[name], int) else value
    return out


__all__ = ["repaired"]
