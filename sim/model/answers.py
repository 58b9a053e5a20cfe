"""The state's answers to the issues put to it, driven by pressure.

``answer_days`` after an issue is raised the state answers (the secret unit's hideouts: after
``dispersal.detection.amendment_delay_days`` when the scenario writes it, the older key):

* **amend** with a chance that rises linearly from ``amend_probability`` at pressure 0 to
  ``amend_at_full_pressure`` at level 1 (an item's own ``amend_probability`` overrides both; the least willing
  item of an issue decides): it declares ``declared_share`` of the hidden tonnes of the issue's items
  (the unit's hideouts: ``dispersal.detection.recovery_fraction`` if written), a facility or a programme whole
  (:meth:`sim.model.concealment.Concealment.amend`); the issue is *amended*;
  an amendment resolves the issue with ``amendment_accepted_probability``; otherwise it is judged insufficient
  (it declares its share of tonnes, but the issue stays open, unresolved, and a programme stays undeclared).
  An amendment that declares a facility always resolves its issue: a site declared is a whole answer, while
  records and stocks can be accounted for in part;
* **stall** with ``stall_probability``: it answers again ``stall_days`` later;
* otherwise **explain** (the stock was consumed, destroyed, lost): a false explanation is accepted with
  ``explanation_accepted_probability`` (the issue is *explained*, the stock stays hidden), else the issue is
  *unresolved* and stays open until the next round of consultations raises it again.  An issue with nothing
  undeclared behind it (an estimate that was too high, or items amended meanwhile) is explained truthfully,
  and the explanation is accepted.

Pressure (:class:`sim.model.compliance.Compliance`) rises by ``verification.pressure_step_per_issue`` at every
issue raised and by the steps of ``verification.pressure_events`` on their dates.
"""

from __future__ import annotations

from sim.model.issues import AMENDED, EXPLAINED, RAISED, UNRESOLVED, Issue
from sim.model.world import UNIT_UNIFORM, Process, World


class Answers:
    """The state's answers and the pressure that drives them, in one replication."""

    def __init__(self, w: World):
        self.w = w
        self.a = w.s.verification.answers
        w.issues.on_raised = self.on_raised
        v = w.s.verification
        if v.pressure_events:
            w.env.process(self._events())

    def on_raised(self, issue: Issue) -> None:
        w = self.w
        w.compliance.raise_level(w.s.verification.pressure_step_per_issue, f"issue {issue.id} raised")
        if not issue.answering:
            issue.answering = True
            unit = self._unit_only(issue)
            d = w.s.dispersal
            delay = (w.draw(d.detection.amendment_delay_days, "dispersal/amendment_delay_days")
                     if unit and d.own("amendment_delay_days")
                     else w.draw(self.a.answer_days, "verification/answers/answer_days"))
            w.after(delay, lambda: self._answer(issue, unit))

    def _unit_only(self, issue: Issue) -> bool:
        items = self.w.concealment.items
        return bool(issue.items) and all(items[k].unit for k in issue.items)

    def _answer(self, issue: Issue, unit: bool) -> None:
        """The state's answer now (a stall asks for another, later)."""
        w, a = self.w, self.a
        concealment = w.concealment
        if not concealment.hidden_behind(issue.items):
            issue.answering = False
            w.issues.settle(issue, EXPLAINED if issue.state == RAISED else issue.state,
                            note="nothing undeclared behind it: explained and accepted")
            return
        level = w.compliance.level
        amend_full = a.amend_probability if a.amend_at_full_pressure is None else a.amend_at_full_pressure
        amend = a.amend_probability + (amend_full - a.amend_probability) * level
        own = [concealment.items[k].spec.amend_probability for k in issue.items
               if concealment.items[k].spec is not None and concealment.items[k].spec.amend_probability is not None]
        if own:  # the items' own resolve: the least willing decides
            amend = min(own)
        u = w.draw(UNIT_UNIFORM, "verification/answers/choice")
        if u < amend:
            d = w.s.dispersal
            share = (w.draw(d.detection.recovery_fraction, "dispersal/recovery_fraction")
                     if unit and d.own("recovery_fraction") else a.declared_share)
            issue.answering = False
            facilities = all(concealment.items[k].kind == "facility" for k in issue.items)
            accepted = a.amendment_accepted_probability >= 1.0 or facilities or w.draw(
                UNIT_UNIFORM, "verification/answers/amendment_accepted") < a.amendment_accepted_probability
            concealment.amend(issue.items, share, issue.id, whole=accepted)
            if not accepted:
                w.issues.settle(issue, UNRESOLVED, note=f"amendment judged insufficient; pressure {level:.2f}")
                return
            w.issues.settle(issue, AMENDED, note=f"pressure {level:.2f}")
            w.issues.close_declared(lambda k: concealment.items[k].declared)
            return
        if u < amend + a.stall_probability:
            w.log("state_stalled", entity=issue.id, note=f"pressure {level:.2f}")
            w.after(w.draw(a.stall_days, "verification/answers/stall_days"), lambda: self._answer(issue, unit))
            return
        accepted = w.draw(UNIT_UNIFORM, "verification/answers/accepted") < a.explanation_accepted_probability
        issue.answering = False
        w.issues.settle(issue, EXPLAINED if accepted else UNRESOLVED,
                        note="explanation accepted" if accepted else "explanation not accepted")

    def _events(self) -> Process:
        w = self.w
        for event in sorted(w.s.verification.pressure_events, key=lambda e: e.date):
            yield w.wait_until(w.s.day_of(event.date))
            w.compliance.raise_level(event.step, event.description or str(event.date))
