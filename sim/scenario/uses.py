"""The ``uses`` block: what happens to retained capability after the plan - uses in attacks, their investigation
and attribution, and reconstitution.  Off by default: a scenario without it runs as before.  The model is
:mod:`sim.model.uses`; docs/afterwards.md explains the mechanism, the decisions and the sources."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from sim.scenario.distributions import fixed
from sim.scenario.fields import CalendarDate, Days, Identifier, Probability, Strict


class UsePeriod(Strict):
    """A period of the war, from ``start`` to the next period's start: how often retained capability is used."""

    start: CalendarDate = Field(description="First day of the period.")
    uses_per_year: float = Field(ge=0.0, le=10_000.0, description="Uses (attacks) a year at pressure 0, while "
                                                                  "there is stock to use.")
    description: str = ""


class DualUseStock(Strict):
    """A chemical outside the declaration, such as chlorine, used as a weapon: its own stock and rate.  Its tonnes
    are not in the ledger (they were never part of the declared programme)."""

    id: Identifier = Field(description="Names the stock, e.g. chlorine.")
    tonnes: float | None = Field(None, gt=0.0, le=1.0e7, description="Tonnes at hand; omitted: not a limit.")
    periods: list[UsePeriod] = Field(default_factory=list, description="How often it is used, by period.")
    tonnes_per_use: Days = Field(fixed(0.1), description="Tonnes one use consumes.")
    source: str = ""


class ScheduledUse(Strict):
    """A use on a known date (a scripted event, or a test): of hidden stockpile agent, or of a dual-use stock."""

    date: CalendarDate
    stock: Identifier | None = Field(None, description="A dual_use id; omitted: hidden stockpile agent.")
    description: str = ""


class Investigation(Strict):
    """Fact-finding: whether a use is confirmed (the OPCW's Fact-Finding Mission), and when."""

    probability: Probability = Field(0.0, description="Chance a use is investigated and confirmed.")
    start_date: CalendarDate | None = Field(None, description="Fact-finding exists from this date (a use before it "
                                                              "is investigated from then); omitted: from day 0.")
    lag_days: Days = Field(fixed(180.0), description="From the use (or start_date) to the published finding, days.")


class AttributionWindow(Strict):
    """A period during which a body able to attribute uses exists (e.g. the JIM, then the IIT)."""

    start: CalendarDate
    end: CalendarDate | None = Field(None, description="Last day of its mandate; omitted: open.")
    description: str = ""


class Attribution(Strict):
    """Attribution of confirmed uses to the state, and what it sets off."""

    probability: Probability = Field(0.0, description="Chance a confirmed use is attributed to the state.")
    lag_days: Days = Field(fixed(365.0), description="From the finding (or the opening of an attribution body) to "
                                                     "the published attribution, days.")
    windows: list[AttributionWindow] = Field(
        default_factory=list, description="When a body able to attribute exists; a report that would fall after a "
                                          "body's end waits for the next one (and its own lag); omitted: always.")
    pressure_step: Probability = Field(0.0, description="Rise of the pressure level at each attribution.")
    raises_issue: bool = Field(True, description="An attributed use of hidden stockpile agent raises an issue "
                                                 "about the concealed item it came from (channel 'use').")


class Reconstitution(Strict):
    """Producing agent again from retained precursors or equipment, into a concealed item's hidden stock."""

    enabled: bool = False
    item: Identifier | None = Field(None, description="The concealed item (concealment.items) whose hidden stock "
                                                      "grows; production stops once it is declared.")
    lot: Identifier | None = Field(None, description="The lot the produced agent is counted in: the item's lot, "
                                                     "or a lot of its undeclared site.")
    start_date: CalendarDate | None = Field(None, description="First day production may run; omitted: day 0.")
    campaign_days: Days = Field(fixed(365.0), description="Days from one campaign to the next, the first counted "
                                                          "from start_date ({dist: exponential, mean: M}: campaigns "
                                                          "at random, M days apart on average).")
    tonnes_per_campaign: Days = Field(fixed(1.0), description="Tonnes one campaign produces.")
    max_tonnes: float | None = Field(None, gt=0.0, le=1.0e7, description="The most it can produce in all (the "
                                                                          "retained precursors); omitted: no limit.")


class Uses(Strict):
    """Use of retained capability in attacks, and reconstitution (docs/afterwards.md)."""

    enabled: bool = False
    periods: list[UsePeriod] = Field(default_factory=list, description="How often hidden stockpile agent is "
                                                                       "used, by period of the war.")
    agents: list[Identifier] | None = Field(None, description="The agents of hidden stock that can be used; "
                                                              "omitted: any.")
    tonnes_per_use: Days = Field(fixed(0.5), description="Tonnes of hidden agent one use consumes (whole munitions "
                                                         "for munitions, at least one).")
    pressure_reduction_at_full_pressure: Probability = Field(
        0.0, description="Share by which every rate of use falls at pressure level 1 (linear in the level).")
    dual_use: list[DualUseStock] = Field(default_factory=list, description="Chemicals outside the declaration "
                                                                           "used as weapons (e.g. chlorine).")
    scheduled: list[ScheduledUse] = Field(default_factory=list, description="Uses on known dates, besides the "
                                                                            "rates' (each needs stock to use).")
    investigation: Investigation = Investigation()
    attribution: Attribution = Attribution()
    reconstitution: Reconstitution = Reconstitution()


def most_uses(s: Any) -> int:
    """The scale of the daily counts of uses: twice the uses the rates give over the horizon (period by period),
    plus 10 (a Poisson count beyond it is vanishingly rare, and uses stop when the stock runs out); 1 when the block
    is off."""
    u = s.uses
    if not u.enabled:
        return 1
    expected = float(len(u.scheduled))
    for periods in [u.periods, *(stock.periods for stock in u.dual_use)]:
        for k, period in enumerate(periods):
            start = max(0, s.day_of(period.start))
            end = s.horizon_days if k + 1 == len(periods) else min(s.horizon_days, s.day_of(periods[k + 1].start))
            expected += period.uses_per_year * max(0, end - start) / 365.25
    return int(2 * expected) + 10


def uses_problems(s: Any) -> list[tuple[tuple[Any, ...], str, Any]]:
    """Broken references of the uses block: unknown agents, items and lots; periods out of order."""
    from sim.core.problems import did_you_mean

    u = s.uses
    problems: list[tuple[tuple[Any, ...], str, Any]] = []
    agents = sorted({lot.agent for lot in s.lots})
    for i, agent in enumerate(u.agents or []):
        if agent not in agents:
            problems.append((("uses", "agents", i), f"unknown agent {agent!r}{did_you_mean(agent, agents)}", agent))
    for loc, periods in [(("uses", "periods"), u.periods)] + [
            (("uses", "dual_use", i, "periods"), stock.periods) for i, stock in enumerate(u.dual_use)]:
        for i in range(1, len(periods)):
            if periods[i].start <= periods[i - 1].start:
                problems.append(((*loc, i, "start"), f"periods run in date order: {periods[i].start} is not after "
                                                      f"{periods[i - 1].start}", str(periods[i].start)))
    ids = [stock.id for stock in u.dual_use]
    for i, stock_id in enumerate(ids):
        if stock_id in ids[:i]:
            problems.append((("uses", "dual_use", i, "id"), f"duplicate id {stock_id!r}", stock_id))
    for i, use in enumerate(u.scheduled):
        if use.stock is not None and use.stock not in ids:
            problems.append((("uses", "scheduled", i, "stock"), f"unknown dual_use stock {use.stock!r}"
                                                                 f"{did_you_mean(use.stock, ids)}", use.stock))
    for i, window in enumerate(u.attribution.windows):
        if window.end is not None and window.end < window.start:
            problems.append((("uses", "attribution", "windows", i, "end"), f"ends ({window.end}) before it starts "
                                                                           f"({window.start})", str(window.end)))
        if i and window.start <= u.attribution.windows[i - 1].start:
            problems.append((("uses", "attribution", "windows", i, "start"), "windows run in date order",
                             str(window.start)))
    problems += _reconstitution_problems(s)
    return problems


def _reconstitution_problems(s: Any) -> list[tuple[tuple[Any, ...], str, Any]]:
    from sim.core.problems import did_you_mean

    r = s.uses.reconstitution
    loc = ("uses", "reconstitution")
    if not r.enabled:
        return []
    items = {item.id: item for item in s.concealment.items}
    if r.item is None or r.item not in items:
        return [((*loc, "item"), f"name the concealed item whose stock grows"
                                 f"{did_you_mean(r.item, list(items)) if r.item else ''} (concealment.items of kind "
                                 f"agent or munitions)", r.item)]
    item = items[r.item]
    if item.kind not in ("agent", "munitions"):
        return [((*loc, "item"), f"item {r.item!r} is of kind {item.kind}: only agent or munitions hold stock",
                 r.item)]
    allowed = [item.lot] if item.lot is not None else [lot.id for lot in s.lots if lot.site == item.site]
    if r.lot not in allowed:
        return [((*loc, "lot"), f"the produced agent is counted in the item's lot: one of {', '.join(allowed)}",
                 r.lot)]
    return []


__all__ = ["Attribution", "AttributionWindow", "DualUseStock", "Investigation", "Reconstitution", "ScheduledUse",
           "UsePeriod",
           "Uses", "most_uses", "uses_problems"]
