"""Ground truth against the declaration: the items the state conceals, the secret unit that scatters stock, and
the amendments that bring items into the declared book.

The items of one replication (:class:`Item`), in this order:

* the scenario's ``concealment.items``: a withheld share of a lot (moved out of its declared site on
  ``moved_day``, at the latest just before the declaration), an undeclared facility (a site with
  ``declared: false``, its lots and structures), a programme (records, research: no tonnes);
* every other undeclared site, as an item of its own named by the site's id (kind ``agent`` if it holds lots,
  ``facility`` if not);
* the secret unit's hideouts (``dispersal``), created as the unit fills them: up to ``hideouts`` items named
  ``hideout_1``...; a move takes tonnes of one eligible lot at a site not yet inspected, before the formal
  declaration (or, with ``window_end: inspection``, before the site's inspection).

The ledger keeps the tonnes (hidden tonnes are in state ``hidden``); the items say whose they are, where they
came from (their *origins*: declared sites, which keep residues and records) and where they are (*place*: an
undeclared site, or none when scattered).  The hidden tonnes of every lot always equal the sum over the items.

An amendment (:meth:`Concealment.amend`) declares a share of an item: its tonnes go hidden -> at_site at their
lot's site (the model keeps a lot at one site) and into the declared book in the same instant, an undeclared
site becomes declared, is inspected, and its lots and structures enter the removal and destruction chain.
Nothing hidden is ever removed or destroyed before it is declared.
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass, field

import simpy

from sim.core.contract import TOLERANCE_T
from sim.model.counts import AMENDMENTS
from sim.model.issues import members
from sim.model.items import check_structures
from sim.model.ledger import AT_SITE, HIDDEN, LedgerError
from sim.model.world import Process, World
from sim.scenario.verification import ConcealedItem


@dataclass
class Item:
    """One concealed item in one replication."""

    id: str
    kind: str
    hidden: dict[int, float] = field(default_factory=dict)  # lot -> tonnes hidden
    origins: set[int] = field(default_factory=set)  # declared sites it was taken from
    place: int | None = None  # the undeclared site it is at; None: scattered
    trace_sites: set[int] = field(default_factory=set)  # sites where a sample can find its traces
    records_probability: float = 0.0
    tip_probability_per_year: float = 0.0
    exists: bool = True  # False until a withheld share has left its site
    declared: bool = False
    unit: bool = False  # a hideout of the secret unit
    spec: ConcealedItem | None = None
    members: int = 1  # a group (a programme's copies): like members, counted by its issue (GroupIssue)

    def hidden_tonnes(self) -> float:
        return sum(self.hidden.values())


class Concealment:
    """The concealed items, the secret unit and the amendments of one replication."""

    def __init__(self, w: World):
        self.w = w
        s = w.s
        self.items: list[Item] = []
        self.hideouts: dict[int, int] = {}  # hideout number -> item
        self.site_declared_event: dict[int, simpy.Event] = {}
        ledger = w.ledger
        for template in w.plan.concealed:
            item = Item(template.id, template.kind, origins=set(template.origins), place=template.place,
                        trace_sites=set(template.trace_sites), records_probability=template.records_probability,
                        tip_probability_per_year=template.tip_probability_per_year, spec=template.spec,
                        members=template.members)
            if template.lot is not None:  # a withheld share: it leaves its site on its day
                item.exists = False
            for lot in template.site_lots:  # an undeclared site's lots: hidden from the start
                item.hidden[lot] = ledger.of(lot, HIDDEN)
            self.items.append(item)
        self.traces_at: dict[int, list[int]] = {site: list(items) for site, items in w.plan.traces_at.items()}
        """Site -> the items that left traces there, in item order (what a sample there may find)."""
        self.taken_from: dict[int, list[int]] = {}
        """Site -> the items with that site among their origins, in item order (what an inspection there may find
        missing): kept as origins grow, so that an inspection does not scan every item (quadratic at scale)."""
        for k, item in enumerate(self.items):
            for site in item.origins:
                self.taken_from.setdefault(site, []).append(k)
        self.facility_places = {item.place for item in self.items if item.kind == "facility" and item.place is not None}
        """The undeclared sites that are a concealed facility's place (a declared site is looked up here, not in
        every item; items added later are the unit's hideouts, never facilities)."""
        self.structures_declared = w.plan.unsited_structures + sum(
            count for count, declared in zip(w.plan.site_structures, w.site_declared) if declared)
        """The production structures at declared sites or at no site (an amendment may declare more)."""
        for i, site in enumerate(s.sites):
            if not site.declared:
                self.site_declared_event[i] = w.env.event()
        for k, item in enumerate(self.items):
            if not item.exists:
                w.env.process(self._withhold(k))
        if s.dispersal.enabled:
            w.env.process(self._unit())

    def undeclared_facilities(self) -> int:
        return sum(1 for item in self.items if item.kind == "facility" and not item.declared)

    # ---- withheld shares ----------------------------------------------------------------------------
    def _withhold(self, k: int) -> Process:
        w = self.w
        spec = self.items[k].spec
        assert spec is not None
        yield w.wait_until(w.draw(spec.moved_day, f"concealment/{spec.id}/moved_day"))
        self.withhold(k)

    def withhold(self, k: int) -> None:
        """Move item ``k``'s share of its lot into hiding (now, or at the latest just before the declaration)."""
        w, item = self.w, self.items[k]
        if item.exists or item.spec is None:
            return
        item.exists = True
        lot = w.plan.concealed[k].lot  # its lot's index, found once per scenario (not a scan of every lot)
        assert lot is not None
        tonnes = w.whole(lot, min(w.ledger.initial[lot] * item.spec.share, w.ledger.of(lot, AT_SITE)))
        if tonnes > TOLERANCE_T:
            w.ledger.move(w.now, lot, AT_SITE, HIDDEN, tonnes)
            item.hidden[lot] = item.hidden.get(lot, 0.0) + tonnes
            w.log("stock_withheld", entity=item.id, site=w.s.sites[w.lot_site[lot]].id, lot=w.s.lots[lot].id,
                  agent=w.s.lots[lot].agent, tonnes=tonnes)

    def before_declaration(self) -> None:
        """Called just before the declaration: every withheld share not yet moved is moved now."""
        for k, item in enumerate(self.items):
            if not item.exists:
                self.withhold(k)

    # ---- the secret unit ----------------------------------------------------------------------------
    def _eligible(self) -> list[int]:
        w, d = self.w, self.w.s.dispersal
        agents = d.eligible_agents
        out = []
        for lot, site in enumerate(w.lot_site):
            if agents is not None and w.s.lots[lot].agent not in agents:
                continue
            if w.ledger.of(lot, AT_SITE) <= TOLERANCE_T or not w.site_declared[site]:
                continue
            if d.window_end == "declaration" and w.declaration_submitted.triggered:
                continue
            if w.site_inspected[site].triggered:  # verified stocks are sealed and monitored
                continue
            out.append(lot)
        return out

    def _unit(self) -> Process:
        w, d = self.w, self.w.s.dispersal
        yield w.wait_until(w.draw(d.window_start_day, "dispersal/window_start_day"))
        moves = int(round(w.draw(d.moves, "dispersal/moves")))
        cap = d.max_share * w.ledger.initial_total
        choice = w.streams["dispersal/choice"]
        tips = w.streams["dispersal/tip"]
        moved = 0.0
        for k in range(moves):
            eligible = self._eligible()
            room = cap - moved
            if not eligible or room <= TOLERANCE_T:
                break
            lot = eligible[int(choice.integers(len(eligible)))]
            site = w.lot_site[lot]
            wanted = w.draw(d.tonnes_per_move, "dispersal/tonnes_per_move")
            tonnes = w.whole(lot, min(wanted, w.ledger.of(lot, AT_SITE), room))
            if tonnes > TOLERANCE_T:
                w.ledger.move(w.now, lot, AT_SITE, HIDDEN, tonnes)
                moved += tonnes
                number = k % d.hideouts + 1
                item = self._hideout(number)
                item.hidden[lot] = item.hidden.get(lot, 0.0) + tonnes
                if site not in item.origins:
                    item.origins.add(site)
                    insort(self.taken_from.setdefault(site, []), self.hideouts[number])
                if site not in item.trace_sites:
                    item.trace_sites.add(site)
                    self.traces_at.setdefault(site, []).append(self.hideouts[number])
                w.log("dispersal_move", entity=item.id, site=w.s.sites[site].id, lot=w.s.lots[lot].id,
                      agent=w.s.lots[lot].agent, tonnes=tonnes)
                if float(tips.random()) < d.detection.tip_probability_per_move:
                    w.channels.unit_tip(self.hideouts[number], k)
            yield w.wait(w.draw(d.move_days, "dispersal/move_days"))
            pause = w.draw(d.days_between_moves, "dispersal/days_between_moves")
            if pause > 0:
                yield w.wait(pause)

    def _hideout(self, number: int) -> Item:
        if number not in self.hideouts:
            self.hideouts[number] = len(self.items)
            self.items.append(Item(f"hideout_{number}", "agent", unit=True,
                                   records_probability=self.w.s.dispersal.records_probability))
        return self.items[self.hideouts[number]]

    # ---- amendments ---------------------------------------------------------------------------------
    def amend(self, indices: list[int], share: float, issue_id: str, whole: bool = True) -> float:
        """Declare ``share`` of the hidden tonnes of the items ``indices`` (all of a facility or programme);
        returns the tonnes declared.  The sites they bring in are declared, inspected and emptied.  An amendment
        judged insufficient (``whole`` false) declares its share of tonnes, but no facility or programme."""
        w = self.w
        tonnes_declared = 0.0
        sites: list[int] = []
        for k in indices:
            item = self.items[k]
            if item.declared:
                continue
            if not whole and item.kind == "facility":
                continue  # an insufficient amendment leaves a facility (its site, lots, structures) undeclared
            self.withhold(k)  # an item not yet moved is declared where it is
            for lot, hidden in list(item.hidden.items()):
                tonnes = w.whole(lot, hidden * share) if item.kind not in ("facility",) else hidden
                if tonnes <= TOLERANCE_T:
                    continue
                w.ledger.move(w.now, lot, HIDDEN, AT_SITE, tonnes)
                w.ledger.declare(w.now, lot, tonnes)
                item.hidden[lot] = hidden - tonnes
                tonnes_declared += tonnes
                if w.lot_site[lot] not in sites:
                    sites.append(w.lot_site[lot])
            if not whole:
                continue
            if item.hidden_tonnes() <= TOLERANCE_T or item.kind in ("facility", "programme"):
                item.declared = True
                w.issues.item_declared(k)
            if item.place is not None and not w.site_declared[item.place] and item.kind == "facility":
                self._declare_site(item.place)
                if item.place not in sites:
                    sites.append(item.place)
        w.counters["amendments"] += 1
        w.counts.add(AMENDMENTS)
        if w.first_amendment_day is None:
            w.first_amendment_day = w.now
        w.log("amendment", entity=issue_id, tonnes=tonnes_declared,
              note=", ".join(self.items[k].id for k in indices))
        for site in sites:
            if not w.site_declared[site]:
                self._declare_site(site)
            w.start_site_removal(site)
        w.check_removal()
        w.check_destruction()
        return tonnes_declared

    def amend_members(self, k: int, issue_id: str, amended: int, declared_all: bool) -> None:
        """The state amends its declaration for ``amended`` members of group ``k`` (one amendment each, logged as
        one line).  A group holds no tonnes; its item is declared once every member is (``declared_all``)."""
        w = self.w
        w.counters["amendments"] += amended
        w.counts.add(AMENDMENTS, amended)
        if w.first_amendment_day is None:
            w.first_amendment_day = w.now
        if declared_all:
            self.items[k].declared = True
            w.issues.item_declared(k)
        if w.record_events:
            w.log("amendment", entity=issue_id, tonnes=0.0, note=members(amended))

    def _declare_site(self, site: int) -> None:
        w = self.w
        w.site_declared[site] = True
        event = self.site_declared_event.get(site)
        if event is not None and not event.triggered:
            event.succeed()
        if site in self.facility_places:
            w.issues.facility_declared()
        self.structures_declared += w.plan.site_structures[site]
        check_structures(w)
        w.start_visit(site)

    # ---- queries ------------------------------------------------------------------------------------
    def check(self) -> None:
        """Raise :class:`LedgerError` unless the items' hidden tonnes add up to the ledger's, lot by lot."""
        w = self.w
        by_lot = [0.0] * len(w.s.lots)
        for item in self.items:
            for lot, tonnes in item.hidden.items():
                by_lot[lot] += tonnes
        for lot, tonnes in enumerate(by_lot):
            if abs(tonnes - w.ledger.of(lot, HIDDEN)) > 1e-6 * max(1.0, w.ledger.initial[lot]):
                raise LedgerError(f"lot {w.s.lots[lot].id}: the concealed items hold {tonnes!r} t, the ledger "
                                  f"{w.ledger.of(lot, HIDDEN)!r} t hidden")

    def items_of_agent(self, agent: str | None) -> list[int]:
        """The undeclared items with hidden tonnes of ``agent`` (of any agent if None)."""
        lots = self.w.s.lots
        return [k for k, item in enumerate(self.items) if not item.declared and item.exists and any(
            tonnes > TOLERANCE_T and (agent is None or lots[lot].agent == agent) for lot, tonnes in item.hidden.items())]

    def hidden_behind(self, indices: list[int]) -> bool:
        """Whether any of the items is still undeclared (something an amendment could add)."""
        return any(not self.items[k].declared and self.items[k].exists for k in indices)


__all__ = ["Concealment", "Item"]
