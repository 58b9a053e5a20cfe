"""Afterwards: retained capability used in attacks, investigated and attributed; agent produced again.

With ``uses.enabled`` (docs/afterwards.md):

* **Uses of hidden stockpile agent** come as a Poisson process whose rate is the ``periods``' ``uses_per_year``
  on the day (the war), times ``1 - pressure_reduction_at_full_pressure x pressure level``: candidate times are
  drawn at each period's rate and each is kept with the share ``1 - reduction x level`` at its time
  (thinning), so the rate may follow the pressure without any daily event.  A kept use takes
  ``tonnes_per_use`` (whole munitions, at least one) of one undeclared concealed item's hidden stock of an
  eligible agent (chosen at random among the items' lots); with nothing hidden to use, nothing happens.  Its
  tonnes go hidden -> used in the ledger.
* **Dual-use stocks** (``dual_use``, e.g. chlorine) are used the same way at their own rates, from their own
  tonnes, outside the ledger: they were never part of the declared programme.
* Each use is **investigated** with ``investigation.probability``: the finding is published ``lag_days`` after
  the use (or after ``investigation.start_date``, when fact-finding began later).  A confirmed use is
  **attributed** with ``attribution.probability``, ``attribution.lag_days`` after the finding, while a body able
  to attribute exists (``windows``): a report that would fall after a body's mandate ends waits for the next
  body, and its own lag from that body's start.  An attribution raises the pressure by ``pressure_step`` and,
  for hidden stockpile agent, raises the issue ``use_<n>`` about the item the agent came from (channel
  ``use``): the state is asked to declare it, as for any issue.
* **Reconstitution** adds ``tonnes_per_campaign`` to the hidden stock of a concealed item (``item``, ``lot``) in
  campaigns ``campaign_days`` apart (exponential: a Poisson process), up to ``max_tonnes``, while the item is
  undeclared.
* **Scheduled uses** (``scheduled``) happen on their dates, besides the rates', if there is stock to use.

All the draws of a use are made when it happens, from streams of their own (``uses/...``), so the uses of a
scenario never shift the draws of anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sim.core.contract import TOLERANCE_T
from sim.model.counts import AGENT_USES, ATTRIBUTED_AGENT_USES, ATTRIBUTED_USES, USES
from sim.model.ledger import HIDDEN, USED
from sim.model.world import UNIT_UNIFORM, Process, World


@dataclass
class UseTally:
    """What the uses of one replication came to (runs.parquet's use columns)."""

    uses: int = 0
    agent_uses: int = 0
    dual_use_uses: int = 0
    investigated: int = 0
    attributed: int = 0
    agent_attributed: int = 0
    first_use_day: float | None = None
    first_agent_use_day: float | None = None
    agent_use_after_destruction_day: float | None = None
    first_attribution_day: float | None = None
    first_agent_attribution_day: float | None = None


class Uses:
    """The uses, their investigation and attribution, and reconstitution, in one replication."""

    def __init__(self, w: World):
        self.w = w
        self.u = u = w.s.uses
        self.tally = UseTally()
        if not u.enabled:
            return
        if u.periods:
            w.env.process(self._uses(u.periods, "uses/agent", self._use_agent))
        self.left: dict[str, list[float | None]] = {stock.id: [stock.tonnes] for stock in u.dual_use}
        """Tonnes left of each dual-use stock (None: not a limit)."""
        for stock in u.dual_use:
            if stock.periods:
                w.env.process(self._uses(stock.periods, f"uses/dual/{stock.id}",
                                         lambda stock=stock: self._use_dual(stock)))
        for use in u.scheduled:
            w.env.process(self._scheduled(use))
        if u.reconstitution.enabled:
            w.env.process(self._reconstitution())

    # ---- the rate --------------------------------------------------------------------------------------
    def _rates(self, periods: list[Any]) -> list[tuple[float, float]]:
        """(first day, uses per day) of each period, in order."""
        s = self.w.s
        return [(float(s.day_of(p.start)), p.uses_per_year / 365.25) for p in periods]

    def _uses(self, periods: list[Any], stream: str, use: Callable[[], bool]) -> Process:
        """Uses at each period's rate (a Poisson process, restarted at each period's start: memoryless), each kept
        with the share ``1 - reduction x pressure`` (thinning: the pressure may change at any time)."""
        w = self.w
        rates = self._rates(periods)
        gaps, keep = w.streams[stream], f"{stream}/keep"
        reduction = self.u.pressure_reduction_at_full_pressure
        for k, (start, rate) in enumerate(rates):
            end = rates[k + 1][0] if k + 1 < len(rates) else w.horizon
            if rate <= 0 or end <= max(start, 0.0):
                continue
            t = max(start, 0.0)
            while True:
                t += float(gaps.exponential(1.0 / rate))
                if t >= min(end, w.horizon):
                    break
                yield w.wait_until(t)
                if not reduction or w.draw(UNIT_UNIFORM, keep) < 1.0 - reduction * w.compliance.level:
                    use()

    # ---- a use -------------------------------------------------------------------------------------------
    def _use_agent(self) -> bool:
        """One use of hidden stockpile agent, now; False if nothing hidden can be used."""
        w = self.w
        agents = self.u.agents
        lots = w.s.lots
        options = [(k, lot) for k, item in enumerate(w.concealment.items) if not item.declared and item.exists
                   for lot, tonnes in item.hidden.items()
                   if tonnes > TOLERANCE_T and (agents is None or lots[lot].agent in agents)]
        if not options:
            return False
        k, lot = options[int(w.streams["uses/agent/choice"].integers(len(options)))]
        item = w.concealment.items[k]
        wanted = w.draw(self.u.tonnes_per_use, "uses/agent/tonnes_per_use")
        unit = w.plan.lot_unit_tonnes[lot]
        tonnes = min(item.hidden[lot], max(w.whole(lot, wanted), unit or 0.0))
        if tonnes <= TOLERANCE_T:
            return False
        w.ledger.move(w.now, lot, HIDDEN, USED, tonnes)
        item.hidden[lot] -= tonnes
        t = self.tally
        t.agent_uses += 1
        if t.first_agent_use_day is None:
            t.first_agent_use_day = w.now
        if t.agent_use_after_destruction_day is None and "destruction_complete" in w.milestones:
            t.agent_use_after_destruction_day = w.now
        w.counts.add(AGENT_USES)
        self._used(lots[lot].agent, tonnes, item.id, k)
        return True

    def _scheduled(self, use: Any) -> Process:
        w = self.w
        day = float(w.s.day_of(use.date))
        if day >= w.horizon:
            return
        yield w.wait_until(day)
        if use.stock is None:
            self._use_agent()
        else:
            self._use_dual(next(stock for stock in self.u.dual_use if stock.id == use.stock))

    def _use_dual(self, stock: Any) -> bool:
        """One use of a dual-use stock, now; False once it is used up."""
        w = self.w
        left = self.left[stock.id]
        tonnes = w.draw(stock.tonnes_per_use, f"uses/dual/{stock.id}/tonnes_per_use")
        if left[0] is not None:
            if left[0] <= TOLERANCE_T:
                return False
            tonnes = min(tonnes, left[0])
            left[0] -= tonnes
        self.tally.dual_use_uses += 1
        self._used(stock.id, tonnes, stock.id, None)
        return True

    def _used(self, agent: str, tonnes: float, source: str, item: int | None) -> None:
        """Count a use and draw its investigation and attribution (all now, in a fixed order)."""
        w, t = self.w, self.tally
        t.uses += 1
        number = t.uses
        if t.first_use_day is None:
            t.first_use_day = w.now
        w.counts.add(USES)
        use_id = f"use_{number}"
        w.log("use", entity=use_id, agent=agent, tonnes=tonnes, note=source)
        inv, att = self.u.investigation, self.u.attribution
        investigated = w.draw(UNIT_UNIFORM, "uses/investigation") < inv.probability
        inv_lag = w.draw(inv.lag_days, "uses/investigation/lag_days")
        attributed = w.draw(UNIT_UNIFORM, "uses/attribution") < att.probability
        att_lag = w.draw(att.lag_days, "uses/attribution/lag_days")
        if not investigated:
            return
        start = 0.0 if inv.start_date is None else float(w.s.day_of(inv.start_date))
        found_day = max(w.now, start) + inv_lag
        if found_day < w.horizon:  # a finding changes nothing in the run: counted, and logged on its day, now
            t.investigated += 1
            w.log("use_investigated", entity=use_id, agent=agent, day=found_day)
        report_day = self._attribution_day(found_day, att_lag) if attributed else None
        if report_day is not None:
            w.after(report_day - w.now, lambda: self._attributed(use_id, agent, item))

    def _attribution_day(self, found_day: float, lag_days: float) -> float | None:
        """The day the attribution of a use confirmed on ``found_day`` is published (None: no body ever can)."""
        windows = self.u.attribution.windows
        if not windows:
            return found_day + lag_days
        s = self.w.s
        for window in windows:
            start = float(s.day_of(window.start))
            end = None if window.end is None else s.end_of_day(window.end)
            if end is not None and found_day >= end:
                continue
            day = max(found_day, start) + lag_days
            if end is None or day < end:
                return day
        return None

    def _attributed(self, use_id: str, agent: str, item: int | None) -> None:
        w, t, att = self.w, self.tally, self.u.attribution
        t.attributed += 1
        w.counts.add(ATTRIBUTED_USES)
        if t.first_attribution_day is None:
            t.first_attribution_day = w.now
        if item is not None:
            t.agent_attributed += 1
            w.counts.add(ATTRIBUTED_AGENT_USES)
            if t.first_agent_attribution_day is None:
                t.first_agent_attribution_day = w.now
        w.log("use_attributed", entity=use_id, agent=agent)
        w.compliance.raise_level(att.pressure_step, f"{use_id} attributed")
        if item is not None and att.raises_issue:
            w.channels.raise_when_declared(use_id, "use", [item], note=f"{agent} used")

    # ---- reconstitution --------------------------------------------------------------------------------
    def _reconstitution(self) -> Process:
        w, r = self.w, self.u.reconstitution
        k = next(i for i, item in enumerate(w.concealment.items) if item.id == r.item)
        lot = next(i for i, lot in enumerate(w.s.lots) if lot.id == r.lot)
        t = 0.0 if r.start_date is None else float(w.s.day_of(r.start_date))
        made = 0.0
        while True:
            t += w.draw(r.campaign_days, "uses/reconstitution/campaign_days")
            if t >= w.horizon:
                return
            yield w.wait_until(t)
            item = w.concealment.items[k]
            tonnes = w.draw(r.tonnes_per_campaign, "uses/reconstitution/tonnes_per_campaign")
            if r.max_tonnes is not None:
                tonnes = min(tonnes, r.max_tonnes - made)
            if item.declared or tonnes <= TOLERANCE_T:
                return
            if not item.exists:  # a withheld share not yet taken from its site: nothing to add to yet
                continue
            w.ledger.produce(w.now, lot, tonnes)
            item.hidden[lot] = item.hidden.get(lot, 0.0) + tonnes
            made += tonnes
            w.log("reconstitution", entity=item.id, lot=w.s.lots[lot].id, agent=w.s.lots[lot].agent, tonnes=tonnes)

    # ---- the row -----------------------------------------------------------------------------------------
    def columns(self) -> dict[str, Any]:
        """runs.parquet's use columns."""
        t, ledger = self.tally, self.w.ledger
        return {
            "uses": t.uses, "agent_uses": t.agent_uses, "dual_use_uses": t.dual_use_uses,
            "used_tonnes": ledger.totals[USED], "reconstituted_tonnes": ledger.produced_total,
            "uses_investigated": t.investigated, "uses_attributed": t.attributed,
            "agent_uses_attributed": t.agent_attributed,
            "first_use_day": t.first_use_day, "first_agent_use_day": t.first_agent_use_day,
            "agent_use_after_destruction_day": t.agent_use_after_destruction_day,
            "first_attribution_day": t.first_attribution_day,
            "first_agent_attribution_day": t.first_agent_attribution_day,
            "first_amendment_day": self.w.first_amendment_day,
        }


__all__ = ["Uses", "UseTally"]
