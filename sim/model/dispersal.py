"""Secret-unit dispersal, its detection, and the amended declarations that follow.

The unit (e.g. Unit 450, reported by the Wall Street Journal on 2013-09-12 to be moving stocks to as many as
50 sites) starts at ``window_start_day`` and makes up to ``moves`` moves, one after another, each taking
``move_days`` and followed by ``days_between_moves`` (so a rate can be given as well as a count).  A move
takes ``tonnes_per_move`` of one eligible lot, chosen at random among lots still at a site the unit may
empty: a site not yet inspected (verified stocks are sealed and monitored), and, with
``window_end: declaration``, only before the formal declaration.  The unit never moves more than ``max_share`` of the stockpile.  Moved tonnes
go at_site -> hidden in the ledger, to one of ``hideouts``.

Detection has three channels:

* an intelligence **tip** after a move (``tip_probability_per_move``, ``tip_delay_days`` later).  Without
  challenge inspections, a tip is a detection (the state is confronted with the evidence).  With them
  (``challenge_inspection.enabled``), the tip leads to a challenge inspection on the CWC timeline - request
  after ``request_days``, ``notice_hours`` of notice, access within ``access_hours`` of arrival (uniform),
  at most ``max_on_site_hours`` on site - which finds the stock with ``success_probability``;
* a **discrepancy** noticed when inspectors verify a site the unit emptied (``discrepancy_probability``).

When inspectors verify a site, the declared book of its lots is reconciled with what is there: if the
discrepancy is not noticed, the missing tonnes silently leave the declaration.  After a detection, an
**amendment** follows ``amendment_delay_days`` later: it brings ``recovery_fraction`` of every lot's hidden
tonnes back to the lot's site (hidden -> at_site) and into the declaration; a site not declared before is
declared, inspected and emptied like any other.  A detection while an amendment is pending adds nothing.
"""

from __future__ import annotations

from sim.core.contract import TOLERANCE_T
from sim.model.ledger import AT_SITE, HIDDEN
from sim.model.world import Process, World


class Dispersal:
    """The secret unit and the detection of its work in one replication."""

    def __init__(self, w: World):
        self.w = w
        self.d = w.s.dispersal
        self.emptied = [0.0] * len(w.s.sites)  # tonnes the unit moved out of each site
        self.amendment_pending = False
        if self.d.enabled:
            w.env.process(self._unit())

    # ---- the unit ---------------------------------------------------------------------------------
    def _eligible(self) -> list[int]:
        w, d = self.w, self.d
        agents = d.eligible_agents
        out = []
        for lot, site in enumerate(w.lot_site):
            if agents is not None and w.s.lots[lot].agent not in agents:
                continue
            if w.ledger.of(lot, AT_SITE) <= TOLERANCE_T:
                continue
            if d.window_end == "declaration" and w.declaration_submitted.triggered:
                continue
            if w.site_inspected[site].triggered:  # verified stocks are sealed and monitored
                continue
            out.append(lot)
        return out

    def _unit(self) -> Process:
        w, d = self.w, self.d
        yield w.wait_until(w.draw(d.window_start_day, "dispersal/window_start_day"))
        moves = int(round(w.draw(d.moves, "dispersal/moves")))
        cap = d.max_share * w.ledger.initial_total
        choice = w.streams["dispersal/choice"]
        tips = w.streams["dispersal/tip"]
        for k in range(moves):
            eligible = self._eligible()
            room = cap - w.ledger.dispersed_total
            if not eligible or room <= TOLERANCE_T:
                break
            lot = eligible[int(choice.integers(len(eligible)))]
            site = w.lot_site[lot]
            wanted = w.draw(d.tonnes_per_move, "dispersal/tonnes_per_move")
            tonnes = w.whole(lot, min(wanted, w.ledger.of(lot, AT_SITE), room))
            if tonnes > TOLERANCE_T:
                w.ledger.move(w.now, lot, AT_SITE, HIDDEN, tonnes)
                self.emptied[site] += tonnes
                w.log("dispersal_move", entity=f"hideout {k % d.hideouts + 1}", site=w.s.sites[site].id,
                      lot=w.s.lots[lot].id, agent=w.s.lots[lot].agent, tonnes=tonnes)
                if float(tips.random()) < d.detection.tip_probability_per_move:
                    w.env.process(self._tip(k))
            yield w.wait(w.draw(d.move_days, "dispersal/move_days"))
            pause = w.draw(d.days_between_moves, "dispersal/days_between_moves")
            if pause > 0:
                yield w.wait(pause)

    # ---- detection ----------------------------------------------------------------------------------
    def _tip(self, move: int) -> Process:
        w, det = self.w, self.d.detection
        yield w.wait(w.draw(det.tip_delay_days, "dispersal/tip_delay_days"))
        w.log("intelligence_tip", entity=f"move {move + 1}")
        ci = det.challenge_inspection
        if not ci.enabled:
            self.detect("intelligence tip")
            return
        rng = w.streams["dispersal/challenge"]
        yield w.wait(w.draw(ci.request_days, "dispersal/challenge_request_days"))
        access_hours = float(rng.uniform(0.0, ci.access_hours))
        yield w.wait((ci.notice_hours + access_hours + ci.max_on_site_hours) / 24.0)
        found = float(rng.random()) < ci.success_probability
        w.log("challenge_inspection", entity=f"move {move + 1}", note="stock found" if found else "nothing found")
        if found:
            self.detect("challenge inspection")

    def on_site_inspected(self, site: int) -> None:
        """Inspectors verified ``site``: notice an emptied site, or reconcile the book silently."""
        w = self.w
        if self.emptied[site] > 0 and self.d.enabled:
            noticed = float(w.streams["dispersal/discrepancy"].random()) < self.d.detection.discrepancy_probability
            if noticed:
                w.log("discrepancy", entity=w.s.sites[site].id, site=w.s.sites[site].id,
                      tonnes=self.emptied[site])
                self.detect("discrepancy at inspection")
        for lot in w.site_lots[site]:
            self._reconcile(lot)

    def _reconcile(self, lot: int) -> None:
        """The declared book of ``lot`` becomes what is in the chain (everything not hidden)."""
        w = self.w
        if w.ledger.declared[lot] <= 0:
            return
        in_chain = w.ledger.initial[lot] - w.ledger.of(lot, HIDDEN)
        if abs(w.ledger.declared[lot] - in_chain) > TOLERANCE_T:
            w.ledger.declare(w.now, lot, in_chain - w.ledger.declared[lot])

    def detect(self, channel: str) -> None:
        w = self.w
        if w.detection_day is None:
            w.detection_day = w.now
            w.log("dispersal_detected", note=channel)
        if not self.amendment_pending and w.ledger.totals[HIDDEN] > TOLERANCE_T:
            self.amendment_pending = True
            w.env.process(self._amendment())

    def _amendment(self) -> Process:
        w, det = self.w, self.d.detection
        if not w.declaration_submitted.triggered:
            yield w.declaration_submitted  # an amendment amends a declaration
        yield w.wait(w.draw(det.amendment_delay_days, "dispersal/amendment_delay_days"))
        fraction = w.draw(det.recovery_fraction, "dispersal/recovery_fraction")
        w.counters["amendments"] += 1
        recovered = 0.0
        sites: list[int] = []
        for lot in range(len(w.s.lots)):
            tonnes = w.whole(lot, w.ledger.of(lot, HIDDEN) * fraction)
            if tonnes <= TOLERANCE_T:
                continue
            w.ledger.move(w.now, lot, HIDDEN, AT_SITE, tonnes)
            recovered += tonnes
            w.ledger.declare(w.now, lot, w.ledger.initial[lot] - w.ledger.of(lot, HIDDEN) - w.ledger.declared[lot])
            site = w.lot_site[lot]
            if site not in sites:
                sites.append(site)
        w.log("amendment", tonnes=recovered, note=f"{fraction:.0%} of the hidden stock declared")
        self.amendment_pending = False
        for site in sites:
            if not w.site_declared[site]:
                w.site_declared[site] = True
                w.start_visit(site)
            w.start_site_removal(site)
        w.check_removal()
        w.check_destruction()
