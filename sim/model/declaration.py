"""Step 2: declare.

A preliminary listing (the Framework asked for one within a week), then the formal declaration (CWC Art. III:
30 days after entry into force, or a date the Executive Council sets).  Both are measured from the day steps
2-4 may start.  At the declaration every lot at a declared site enters the declared book with the tonnes then
at the site: what a secret unit moved before, or what sits at undeclared sites, stays out of it.
"""

from __future__ import annotations

from sim.model.ledger import AT_SITE
from sim.model.world import Process, World


def declaration(w: World) -> Process:
    yield w.steps_may_start
    yield from w.wait_for_stages("declaration")
    started = w.now
    listing_days = w.draw(w.s.declaration.listing_days, "declaration/listing_days")
    listing_days += w.compliance_delay("listing_delay_days", "compliance/listing_delay_days")
    formal_days = w.draw(w.s.declaration.formal_declaration_days, "declaration/formal_days")
    formal_days += w.compliance_delay("declaration_delay_days", "compliance/declaration_delay_days")
    yield w.wait(listing_days)
    w.reach("listing_submitted")
    w.listing_submitted.succeed()
    yield w.wait_until(started + max(formal_days, listing_days))
    declare_sites(w)
    w.reach("declaration_submitted")
    w.declaration_submitted.succeed()
    w.check_removal()
    w.check_destruction()


def declare_sites(w: World, note: str = "") -> None:
    """Every lot at a declared site enters the declared book with the tonnes now at the site (also used at day 0
    when the declaration was made before it, :mod:`sim.model.stages`).  Withheld shares not yet moved leave
    their sites first (:mod:`sim.model.concealment`); inspected sites are then compared with the declaration
    (:mod:`sim.model.channels.inspection`)."""
    w.concealment.before_declaration()
    for site_index in range(len(w.s.sites)):
        if not w.site_declared[site_index]:
            continue
        for lot in w.site_lots[site_index]:
            tonnes = w.ledger.of(lot, AT_SITE)
            if tonnes > 0:
                w.ledger.declare(w.now, lot, tonnes)
    w.log("declared", tonnes=w.ledger.declared_total, note=f"{sum(w.site_declared)} sites{note}")
    w.channels.on_declaration()
