"""The state's answers to the issues put to it, driven by pressure.

``answer_days`` after an issue is raised the state answers; the issues raised at one instant, such as those a
round of consultations raises again, are answered together, one delay for them all (the secret unit's hideouts:
after ``dispersal.detection.amendment_delay_days`` when the scenario writes it, the older key):

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

A group (a programme's ``copies``, :class:`sim.model.issues.GroupIssue`) is answered as its members would be one
by one, in one draw: the members raised at one instant join that instant's batch as one entry (:class:`Members`);
one multinomial (stream ``verification/answers/<id>``) splits them between amend (resolving, or judged
insufficient: the amend chance times ``amendment_accepted_probability`` and times its complement), stall,
explain accepted and explain not accepted, with the chances above.  The members stalled on are answered again with the batch's other stalled issues.

Pressure (:class:`sim.model.compliance.Compliance`) rises by ``verification.pressure_step_per_issue`` at every
issue raised and by the steps of ``verification.pressure_events`` on their dates.
"""

from __future__ import annotations

from sim.model.issues import AMENDED, EXPLAINED, RAISED, UNRESOLVED, GroupIssue, Issue, members
from sim.model.world import UNIT_UNIFORM, Process, World


_UNKNOWN = object()


class Members:
    """``n`` raised members of a group in a batch of answers (one entry however many)."""

    __slots__ = ("group", "n", "batch")

    def __init__(self, group: GroupIssue, n: int):
        self.group, self.n = group, n
        self.batch: list | None = None  # the batch it was put in (members raised in it later at once join it)


class Answers:
    """The state's answers and the pressure that drives them, in one replication."""

    def __init__(self, w: World):
        self.w = w
        self.a = w.s.verification.answers
        self._batch: list[Issue | Members] | None = None  # the issues put to the state at one instant, not yet answered
        self._batch_key: tuple[float, bool] = (-1.0, False)
        self._items = w.concealment.items  # the list grows (hideouts) but is never replaced
        self._amend_full = (self.a.amend_probability if self.a.amend_at_full_pressure is None
                            else self.a.amend_at_full_pressure)
        self._own: dict[str, float | None] = {}  # issue -> its items' own amend probability (None: the answers')
        w.issues.on_raised = self.on_raised
        w.issues.on_raised_again = self.on_raised_again
        w.issues.on_members_raised = self.on_members_raised
        v = w.s.verification
        if v.pressure_events:
            w.env.process(self._events())

    def on_raised(self, issue: Issue) -> None:
        self.on_raised_again([issue])

    def on_raised_again(self, issues: list[Issue]) -> None:
        """Issues raised now (new, or unresolved and raised again) are put to the state."""
        w = self.w
        step = w.s.verification.pressure_step_per_issue
        d = w.s.dispersal
        for issue in issues:
            if step:
                w.compliance.raise_level(step, f"issue {issue.id} raised")
            if issue.answering:
                continue
            issue.answering = True
            if issue.unit is None:
                issue.unit = self._unit_only(issue)
            unit = issue.unit
            if unit and d.own("amendment_delay_days"):
                delay = w.draw(d.detection.amendment_delay_days, "dispersal/amendment_delay_days")
                w.after(delay, lambda issue=issue: self._answer_all([issue], True))
            else:
                self._put(issue, unit)

    def on_members_raised(self, group: GroupIssue, n: int) -> None:
        """``n`` members of ``group`` raised now (new, or unresolved and raised again) are put to the state."""
        w = self.w
        step = w.s.verification.pressure_step_per_issue
        if step:
            for _ in range(n):  # one step a member, as for issues of their own
                w.compliance.raise_level(step, f"issue {group.id} raised")
        entry = group.entry
        if entry is not None and self._batch is not None and self._batch_key == (w.now, False) \
                and entry.batch is self._batch:
            entry.n += n  # new members and members raised again in one round: one entry
            return
        entry = group.entry = Members(group, n)
        self._put(entry, False)
        entry.batch = self._batch

    def _put(self, entry: "Issue | Members", unit: bool) -> None:
        """Put ``entry`` to the state: answered with the others put at the same instant, or in a batch of its own."""
        w = self.w
        if self._batch is not None and self._batch_key == (w.now, unit):
            self._batch.append(entry)  # put at the same instant (a round): answered together
        else:
            batch = [entry]
            self._batch, self._batch_key = batch, (w.now, unit)
            w.after(w.draw(self.a.answer_days, "verification/answers/answer_days"),
                    lambda batch=batch, unit=unit: self._answer_all(batch, unit))

    def _unit_only(self, issue: Issue) -> bool:
        items = self.w.concealment.items
        return bool(issue.items) and all(items[k].unit for k in issue.items)

    def _answer_all(self, issues: list[Issue | Members], unit: bool) -> None:
        """The state's answers, now, to the issues put to it at one instant; those it stalls on are answered
        again together, one stall later (one event a batch, however many issues a round raises again).

        For each issue one uniform decides: below the chance to amend, it amends; then, up to that plus the chance
        to stall, it stalls; above, it explains, and where the uniform falls in the explain range (itself a fresh
        uniform) decides whether the explanation is accepted.  This is the model's most frequent path in a long
        run with many unresolved issues, hence one loop with everything it reads at hand."""
        if self._batch is issues:
            self._batch = None  # an issue raised later at this instant starts a batch of its own
        w, a = self.w, self.a
        items, own_cache, book, draw = self._items, self._own, w.issues, w.draw
        level = w.compliance.level  # nothing an answer does changes the pressure
        general = a.amend_probability + (self._amend_full - a.amend_probability) * level
        stall_p, accept_p = a.stall_probability, a.explanation_accepted_probability
        quiet = not w.record_events
        stalled: list[Issue | Members] = []
        for issue in issues:
            if issue.__class__ is Members:
                self._answer_members(issue, general, level, stalled)  # type: ignore[arg-type]
                continue
            assert isinstance(issue, Issue)
            for k in issue.items:
                item = items[k]
                if not item.declared and item.exists:
                    break
            else:  # nothing undeclared behind it (or no item: an estimate too high)
                issue.answering = False
                book.settle(issue, EXPLAINED if issue.state == RAISED else issue.state,
                            note="nothing undeclared behind it: explained and accepted")
                continue
            own = own_cache.get(issue.id, _UNKNOWN)
            if own is _UNKNOWN:  # the items' own resolve: the least willing decides (fixed for an issue)
                own = own_cache[issue.id] = min(
                    (items[k].spec.amend_probability for k in issue.items
                     if items[k].spec is not None and items[k].spec.amend_probability is not None), default=None)
            amend = general if own is None else own
            u = draw(UNIT_UNIFORM, "verification/answers/choice")
            if u < amend:
                self._amend(issue, unit, level)
                continue
            stall = amend + stall_p
            if u < stall:
                if not quiet:
                    w.log("state_stalled", entity=issue.id, note=f"pressure {level:.2f}")
                stalled.append(issue)
                continue
            issue.answering = False
            if (u - stall) < accept_p * (1.0 - stall):
                book.settle(issue, EXPLAINED, note="explanation accepted")
            elif quiet and issue.state == RAISED:
                issue.state = UNRESOLVED  # raised -> unresolved: open both, nothing to count (the common case)
            else:
                book.settle(issue, UNRESOLVED, note="explanation not accepted")
        if stalled:
            w.after(w.draw(a.stall_days, "verification/answers/stall_days"), lambda: self._answer_all(stalled, unit))

    def _answer_members(self, entry: Members, general: float, level: float, stalled: list[Issue | Members]) -> None:
        """The answers to ``entry.n`` raised members of a group, as :meth:`_answer_all` would answer them one by
        one: one multinomial over amend (the amendment resolving its issue or judged insufficient), stall,
        explain accepted and explain not accepted."""
        w, a, group = self.w, self.a, entry.group
        own = group.amend_probability
        amend = general if own is None else own
        stall = min(amend + a.stall_probability, 1.0)
        accepted = a.explanation_accepted_probability * (1.0 - stall)
        rng = group.answers_rng
        if rng is None:
            rng = group.answers_rng = w.streams[f"verification/answers/{group.id}"]
        resolve = min(a.amendment_accepted_probability, 1.0)
        resolved, insufficient, stalls, explained, unresolved = rng.multinomial(
            entry.n, (amend * resolve, amend * (1.0 - resolve), stall - amend, accepted,
                      max(0.0, 1.0 - stall - accepted))).tolist()
        amended = resolved + insufficient
        if stalls:
            if w.record_events:
                w.log("state_stalled", entity=group.id, note=f"pressure {level:.2f}; {members(stalls)}")
            stalled.append(Members(group, stalls))
        if amended:
            w.concealment.amend_members(group.item, group.id, amended,
                                        declared_all=group.amended + resolved == group.members)
        w.issues.settle_members(group, resolved, insufficient, explained, unresolved)

    def _amend(self, issue: Issue, unit: bool, level: float) -> None:
        """The state amends its declaration for ``issue``: the amendment may be judged insufficient."""
        w, a = self.w, self.a
        concealment = w.concealment
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
        w.issues.close_declared()

    def _events(self) -> Process:
        w = self.w
        for event in sorted(w.s.verification.pressure_events, key=lambda e: e.date):
            yield w.wait_until(w.s.day_of(event.date))
            w.compliance.raise_level(event.step, event.description or str(event.date))
