"""Step 1: join the OPCW.

A decision delay, then the instrument of accession is deposited; the Convention enters into force for the
state 30 days later (CWC Art. XXI(2)).  With provisional application the later steps may start at accession
(as Syria's did); otherwise they wait for entry into force.
"""

from __future__ import annotations

from sim.model.world import Process, World


def accession(w: World) -> Process:
    party = w.s.state_party
    yield w.wait(w.draw(party.accession_decision_days, "accession/decision_days"))
    w.reach("accession_deposited")
    if party.provisional_application:
        w.steps_may_start.succeed()
    yield w.wait(w.draw(party.entry_into_force_days, "accession/entry_into_force_days"))
    w.reach("entry_into_force")
    if not party.provisional_application:
        w.steps_may_start.succeed()
