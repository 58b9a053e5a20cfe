"""Reconciliation of records with the declaration: the OPCW's Declaration Assessment Team (DAT).

After the declaration (``first_round_days`` after it), a round of consultations every ``round_days``.  At each
round, every concealed item that left records (production, import, consumption) and has no issue yet is raised
with probability ``records_probability`` x cooperation, where cooperation is ``records.cooperation`` at pressure
0 and rises linearly to 1 at full pressure; every unresolved issue is raised again (the state must answer it
anew).  A group (a programme's ``copies``) has its members nobody suspects raised in one draw, a binomial with the
same chance each (from a stream of its own, ``verification/records/<id>``), and its unresolved members raised
again with the other issues.  After ``quiet_rounds`` rounds in a row that raised nothing new, with no issue open, the DAT judges the
declaration complete (``declaration_judged_complete`` in the trace); a later issue withdraws the judgement.
A round due during one of ``pauses`` (consultations blocked) is held the day after the pause ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.issues import UNRESOLVED
from sim.model.world import UNIT_UNIFORM, Process, World

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.channels import Channels


def records_rounds(w: World, channels: "Channels") -> Process:
    rc = w.s.verification.records
    yield w.declaration_submitted
    yield w.wait(w.draw(rc.first_round_days, "verification/records/first_round_days"))
    book = w.issues
    pauses = [(float(w.s.day_of(p.start)), w.s.end_of_day(p.end), p.description or f"{p.start} to {p.end}")
              for p in sorted(rc.pauses, key=lambda p: p.start)]
    groups = book.groups
    items = w.concealment.items  # grows (the secret unit's hideouts) but is never replaced
    candidates: list[int] = []  # the items that left records, in item order
    seen = 0
    quiet = 0
    number = 0
    while True:
        number += 1
        if w.record_events:
            w.log("records_round", entity=f"round {number}")
        cooperation = rc.cooperation + (1.0 - rc.cooperation) * w.compliance.level
        new = 0
        if seen != len(items):
            candidates = [k for k, item in enumerate(items) if item.records_probability]
            seen = len(items)
        for k in candidates:
            item = items[k]
            if item.id in book.issues or item.declared or not item.exists:
                continue
            group = groups.get(k) if groups else None
            if group is not None:
                if group.unsuspected:
                    rng = group.records_rng
                    if rng is None:
                        rng = group.records_rng = w.streams[f"verification/records/{item.id}"]
                    n = int(rng.binomial(group.unsuspected, min(1.0, item.records_probability * cooperation)))
                    book.raise_members(group, n, "records", f"round {number}")
                    new += n
            elif w.draw(UNIT_UNIFORM, "verification/records") < item.records_probability * cooperation:
                new += book.raise_issue(item.id, "records", [k], note=f"round {number}") is not None
        book.raise_again([issue for issue in book.issues.values() if issue.state == UNRESOLVED],
                         f"raised again in round {number}")
        for group in groups.values():
            book.raise_members_again(group, f"raised again in round {number}")
        quiet = 0 if new else quiet + 1
        if quiet >= rc.quiet_rounds and book.open_count == 0 and book.judged_complete_day is None:
            book.judge_complete(f"round {number}")
        yield w.wait(w.draw(rc.round_days, "verification/records/round_days"))
        for pause in pauses:
            if pause[0] <= w.now < pause[1]:
                w.log("records_paused", entity=pause[2])
                yield w.wait_until(pause[1])
