"""The issues: every discrepancy between the declaration and what verification finds, named and tracked.

An item nobody suspects has no issue (its state is *not suspected*).  A channel that finds evidence opens the
issue as **raised**: the Technical Secretariat puts it to the state, which answers (:mod:`sim.model.answers`).
An answer moves it to **amended** (the state declares the item: closed), **explained** (an explanation the
Secretariat accepts: closed, though what is hidden stays hidden), or **unresolved** (an explanation not
accepted: open; the next round of consultations raises it again); a stall leaves it raised.  Open issues are
raised and unresolved ones.  One issue may concern several items (an intelligence estimate by agent concerns
every item of that agent); an item's own issue and an estimate's are closed together when the item is amended.

A programme with ``copies: N`` is one item of N like members, a *group*, and one :class:`GroupIssue` that counts
its members by state (not suspected, raised, unresolved, amended, explained): the records channel raises a
number of them at a round, the state answers the raised ones with one draw for them all
(:mod:`sim.model.answers`), and every count (open issues, issues raised, amended, explained) sums the members,
as N issues of one item each would.

Every change is logged (``issue_raised``, ``issue_amended``, ...; a group's, one line with its number of members)
and counted: the number of open issues, of
undeclared facilities and whether the declaration is judged complete go into the replication's daily counts
(:class:`sim.model.counts.Counts`), which make the daily bands of timeseries.parquet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from sim.model.counts import JUDGED_COMPLETE, OPEN_ISSUES, UNDECLARED_FACILITIES

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.world import World

RAISED, UNRESOLVED, AMENDED, EXPLAINED = "raised", "unresolved", "amended", "explained"
OPEN_STATES = (RAISED, UNRESOLVED)


@dataclass
class Issue:
    """One named discrepancy and where it stands."""

    id: str
    channel: str  # the channel that raised it first
    items: list[int]  # indices into Concealment.items
    state: str = RAISED
    raised_day: float = 0.0
    answering: bool = False  # an answer is on its way
    unit: bool | None = None  # whether it concerns only the secret unit's hideouts (set by sim.model.answers)

    @property
    def open(self) -> bool:
        return self.state in OPEN_STATES


@dataclass
class GroupIssue:
    """The one issue of a group (a programme's like copies): its members counted by state.  Every raised member
    has an answer on its way (a raised issue is always being answered, as :class:`Issue`)."""

    id: str
    item: int  # the group's index in Concealment.items
    members: int
    unsuspected: int = 0
    raised: int = 0
    unresolved: int = 0
    amended: int = 0
    explained: int = 0
    amend_probability: float | None = None  # the item's own (None: the answers')
    entry: Any = None  # its latest entry in a batch of answers (sim.model.answers.Members)
    records_rng: Any = None  # its streams, fetched once (verification/records/<id>, verification/answers/<id>)
    answers_rng: Any = None
    unit = False  # never the secret unit's

    def __post_init__(self) -> None:
        self.unsuspected = self.members

    @property
    def open(self) -> int:
        return self.raised + self.unresolved


def members(n: int) -> str:
    """``"1 member"``, ``"3 members"``: how a group's line in the trace counts its members."""
    return f"{n} member{'s' if n != 1 else ''}"


class IssueBook:
    """Every issue of one replication, the first detection by channel, and the counts over time."""

    def __init__(self, w: "World", undeclared_facilities: int):
        self.w = w
        self.issues: dict[str, Issue] = {}
        self.first_by_channel: dict[str, float] = {}
        self.open_count = 0
        self.undeclared_facilities = undeclared_facilities
        self.daily = w.counts
        self.daily.set(UNDECLARED_FACILITIES, undeclared_facilities)
        self.last_raise_day: float | None = None
        self.judged_complete_day: float | None = None
        """The day the declaration was last judged complete (:meth:`judge_complete`); None if not, or if an issue
        was raised since."""
        self.on_raised: Callable[[Issue], None] = lambda issue: None
        """Set by :mod:`sim.model.answers`: the state is asked to answer."""
        self.on_raised_again: Callable[[list[Issue]], None] = lambda issues: None
        """Set by :mod:`sim.model.answers`: the state is asked to answer unresolved issues raised again."""
        self.on_members_raised: Callable[[GroupIssue, int], None] = lambda group, n: None
        """Set by :mod:`sim.model.answers`: the state is asked to answer ``n`` members of a group raised now."""
        self.groups: dict[int, GroupIssue] = {
            k: GroupIssue(item.id, k, item.members, amend_probability=item.spec.amend_probability if item.spec else None)
            for k, item in enumerate(w.concealment.items) if item.members > 1}
        """Item index -> the issue of each group (programmes with copies), there from the start: a member nobody
        suspects counts nowhere."""
        # What close_declared looks at, kept up to date so that an amendment does not scan every issue (quadratic
        # in the programme's size): the issues with items not all declared yet, by item, and how many of their
        # items are undeclared; the issues whose items are all declared and that are not closed; every issue's rank.
        self._waiting_on: dict[int, list[Issue]] = {}
        self._undeclared: dict[str, int] = {}
        self._all_declared: dict[str, Issue] = {}
        self._rank: dict[str, int] = {}

    def raise_issue(self, issue_id: str, channel: str, items: list[int], note: str = "") -> Issue | None:
        """Raise ``issue_id`` (new, or unresolved and raised again); ``None`` if it is already raised or closed."""
        w = self.w
        issue = self.issues.get(issue_id)
        if issue is None:
            issue = Issue(issue_id, channel, list(items), raised_day=w.now)
            self.issues[issue_id] = issue
            self._index(issue)
            self.open_count += 1
            self.first_by_channel.setdefault(channel, w.now)
            if w.detection_day is None:
                w.detection_day = w.now
        elif issue.state == UNRESOLVED:
            issue.state = RAISED
        else:
            return None
        self._raised_now(issue_id)
        if w.record_events:  # the note is built only when the trace is kept (a round raises dozens again)
            w.log("issue_raised", entity=issue_id, note=f"{channel}{': ' + note if note else ''}")
        self._step()
        self.on_raised(issue)
        return issue

    def _index(self, issue: Issue) -> None:
        """Enter a new issue in what :meth:`close_declared` looks at."""
        self._rank[issue.id] = len(self._rank)
        if not issue.items:
            return  # an issue with no item is never closed by an amendment
        items = self.w.concealment.items
        undeclared = [k for k in dict.fromkeys(issue.items) if not items[k].declared]
        if not undeclared:
            self._all_declared[issue.id] = issue
            return
        self._undeclared[issue.id] = len(undeclared)
        for k in undeclared:
            self._waiting_on.setdefault(k, []).append(issue)

    def item_declared(self, k: int) -> None:
        """Item ``k`` is declared now (:mod:`sim.model.concealment`; an item is never undeclared again)."""
        for issue in self._waiting_on.pop(k, ()):
            self._undeclared[issue.id] -= 1
            if not self._undeclared[issue.id]:
                del self._undeclared[issue.id]
                self._all_declared[issue.id] = issue

    def raise_again(self, issues: list[Issue], note: str) -> None:
        """Raise unresolved ``issues`` again, at once (a round of consultations): they stay open, and the state is
        asked to answer them together (a lean path: a round raises dozens)."""
        if not issues:
            return
        w = self.w
        for issue in issues:
            issue.state = RAISED
        self._raised_now(issues[0].id)
        if w.record_events:
            for issue in issues:
                w.log("issue_raised", entity=issue.id, note=f"{issue.channel}: {note}")
        self.on_raised_again(issues)

    def raise_members(self, group: GroupIssue, n: int, channel: str, note: str) -> None:
        """Raise ``n`` members of ``group`` nobody suspected until now (one line in the trace)."""
        if n <= 0:
            return
        w = self.w
        group.unsuspected -= n
        group.raised += n
        self.open_count += n
        self.first_by_channel.setdefault(channel, w.now)
        if w.detection_day is None:
            w.detection_day = w.now
        self._raised_now(group.id)
        if w.record_events:
            w.log("issue_raised", entity=group.id, note=f"{channel}: {note} ({members(n)})")
        self._step()
        self.on_members_raised(group, n)

    def raise_members_again(self, group: GroupIssue, note: str) -> None:
        """Raise every unresolved member of ``group`` again (a round of consultations; one line in the trace)."""
        n = group.unresolved
        if not n:
            return
        group.unresolved = 0
        group.raised += n
        self._raised_now(group.id)
        if self.w.record_events:
            self.w.log("issue_raised", entity=group.id, note=f"records: {note} ({members(n)})")
        self.on_members_raised(group, n)

    def settle_members(self, group: GroupIssue, amended: int, insufficient: int, explained: int,
                       unresolved: int) -> None:
        """The state's answers to raised members of ``group``: ``amended`` resolved by an amendment,
        ``insufficient`` amended but judged insufficient, ``explained`` closed by an explanation accepted,
        ``unresolved`` open after an explanation not accepted (one line in the trace for each that is not 0)."""
        group.raised -= amended + insufficient + explained + unresolved
        group.amended += amended
        group.explained += explained
        group.unresolved += insufficient + unresolved
        if self.w.record_events:
            for state, n, note in ((AMENDED, amended, ""), (UNRESOLVED, insufficient, "amendment judged insufficient"),
                                   (EXPLAINED, explained, ""),
                                   (UNRESOLVED, unresolved, "explanation not accepted")):
                if n:
                    self.w.log(f"issue_{state}", entity=group.id, note=f"{note + ': ' if note else ''}{members(n)}")
        if amended + explained:
            self.open_count -= amended + explained
            self._step()

    def _raised_now(self, issue_id: str) -> None:
        """An issue is raised now: a judgement that the declaration is complete no longer stands."""
        self.last_raise_day = self.w.now
        if self.judged_complete_day is not None:
            self.judged_complete_day = None
            self.daily.set(JUDGED_COMPLETE, 0)
            self.w.log("declaration_judgement_withdrawn", entity=issue_id)

    def settle(self, issue: Issue, state: str, note: str = "") -> None:
        """Move ``issue`` to ``state`` (amended, explained, unresolved, or raised again after a stall)."""
        if state == issue.state:
            return
        change = (state in OPEN_STATES) - (issue.state in OPEN_STATES)
        issue.state = state
        if self.w.record_events:
            self.w.log(f"issue_{state}", entity=issue.id, note=note)
        if change:
            self.open_count += change
            self._step()
            if change > 0 and issue.id not in self._undeclared and issue.items:  # open again: look at it again
                self._all_declared[issue.id] = issue

    def close_declared(self) -> None:
        """After an amendment: every open issue whose items are all declared now is amended too, in the order
        the issues were raised.  Only the issues whose items are all declared are looked at (kept by
        :meth:`item_declared`), not every issue; a closed one is dropped from them (:meth:`settle` puts back one
        that is opened again)."""
        candidates = self._all_declared
        if not candidates:
            return
        rank = self._rank
        for issue in sorted(candidates.values(), key=lambda issue: rank[issue.id]):
            if issue.open and not issue.answering:
                self.settle(issue, AMENDED, note="declared by an amendment of another issue")
            if not issue.open:
                del candidates[issue.id]

    def judge_complete(self, note: str) -> None:
        """The declaration is judged complete now (:mod:`sim.model.channels.records`)."""
        self.judged_complete_day = self.w.now
        self.daily.set(JUDGED_COMPLETE, 1)
        self.w.log("declaration_judged_complete", entity=note)

    def facility_declared(self) -> None:
        self.undeclared_facilities -= 1
        self.daily.set(UNDECLARED_FACILITIES, self.undeclared_facilities)

    def _step(self) -> None:
        self.daily.set(OPEN_ISSUES, self.open_count)

    def counts(self) -> dict[str, int]:
        """Issues raised, open, amended and explained at the horizon."""
        states = [issue.state for issue in self.issues.values()]
        out = {"issues_raised": len(states), "issues_open": sum(s in OPEN_STATES for s in states),
               "issues_amended": states.count(AMENDED), "issues_explained": states.count(EXPLAINED)}
        for group in self.groups.values():  # a group's members count as issues of their own
            out["issues_raised"] += group.members - group.unsuspected
            out["issues_open"] += group.open
            out["issues_amended"] += group.amended
            out["issues_explained"] += group.explained
        return out


__all__ = ["AMENDED", "EXPLAINED", "GroupIssue", "Issue", "IssueBook", "OPEN_STATES", "RAISED", "UNRESOLVED",
           "members"]
