"""What held up the end: the activity on the critical path to ``destruction_complete``.

The critical lot is the declared lot whose last tonne was destroyed last (or, if destruction is not complete
by the horizon, the unfinished declared lot furthest from done).  Its time from day 0 is split into phases,
measured by its last tonne:

* ``declaration and inspection``: until its site is inspected and the declaration is in;
* ``waiting to leave the site``: until its last tonne leaves on a convoy (escort queues, convoy releases,
  closures, logistics start, the convoys' gates) - in-country lots skip this and the next phase;
* ``road, port and shipping``: until its last tonne sails;
* ``destruction``: until its last tonne is destroyed (voyage, delivery, the facility's availability, its
  gates and set-up, queueing and destruction itself).

The critical activity is the longest phase.  Across replications its shares tell which lever would have
shortened the programme most often.
"""

from __future__ import annotations

from sim.core.contract import NOT_FINISHED, PHASES, PHASE_COLUMNS, TOLERANCE_T
from sim.model.ledger import DESTROYED, ON_ROAD, SHIPPED
from sim.model.world import World



def critical_activity(w: World) -> dict[str, object]:
    """The critical activity, the critical lot and its phase durations (days) for one replication."""
    ledger = w.ledger
    out: dict[str, object] = {"critical_activity": "", "critical_lot": ""}
    out.update(dict.fromkeys(PHASE_COLUMNS))
    declared = [i for i in range(len(w.s.lots)) if ledger.declared[i] > TOLERANCE_T]
    if not declared:
        return out
    unfinished = [i for i in declared if ledger.undestroyed_declared(i) > TOLERANCE_T]
    if unfinished:
        lot = max(unfinished, key=lambda i: ledger.undestroyed_declared(i))
        out.update(critical_activity=NOT_FINISHED, critical_lot=w.s.lots[lot].id)
        return out
    lot = max(declared, key=lambda i: ledger.last_day[i][DESTROYED] or 0.0)
    site = w.lot_site[lot]
    ready = max(w.milestones.get("declaration_submitted", 0.0), w.site_inspected_day[site] or 0.0)
    destroyed = ledger.last_day[lot][DESTROYED] or ready
    left = ledger.last_day[lot][ON_ROAD] or ready
    shipped = ledger.last_day[lot][SHIPPED] or left
    durations = (ready, max(0.0, left - ready), max(0.0, shipped - left), max(0.0, destroyed - shipped))
    k = max(range(len(PHASES)), key=lambda j: durations[j])
    out.update(critical_activity=PHASES[k], critical_lot=w.s.lots[lot].id)
    out.update(zip(PHASE_COLUMNS, durations))
    return out
