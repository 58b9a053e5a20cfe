"""The accounting blocks of a scenario: what the state conceals (``concealment``) and how verification finds it
out, and what the state answers (``verification``).  Both are off by default: a scenario without them runs as
before.  The model is :mod:`sim.model.concealment`, :mod:`sim.model.issues`, :mod:`sim.model.channels` and
:mod:`sim.model.answers`; docs/verification.md explains the mechanism and the sources."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from sim.scenario.behaviours import ChallengeInspection
from sim.scenario.distributions import fixed
from sim.scenario.fields import CalendarDate, Days, Identifier, Probability, Strict

ItemKind = Literal["agent", "munitions", "facility", "programme"]


class ConcealedItem(Strict):
    """One thing the state holds and leaves out of its declaration: ground truth the declared book lacks."""

    id: Identifier = Field(description="Names the item and the issue raised about it, e.g. ricin_facility.")
    kind: ItemKind = Field(description="agent or munitions (a withheld share of a lot, or the lots of an "
                                       "undeclared site), facility (an undeclared site, with its lots and "
                                       "structures), programme (research, production records: no tonnes).")
    description: str = ""
    lot: Identifier | None = Field(None, description="agent, munitions: the lot of which a share is withheld.")
    share: Probability = Field(1.0, description="agent, munitions: the share of the lot withheld (whole munitions).")
    site: Identifier | None = Field(
        None, description="facility: the undeclared site (declared: false). agent, munitions: with lot, the "
                          "undeclared site where the withheld share is kept (omitted: scattered, at no place a "
                          "request can name); without lot, the undeclared site whose lots the item is. "
                          "programme: the site whose records and traces it left (declared or not).")
    moved_day: Days = Field(fixed(0.0), description="agent, munitions: day the withheld share leaves its lot's "
                                                   "site (at the latest just before the declaration).")
    records_probability: Probability = Field(
        0.0, description="Chance that one round of record reconciliation (verification.records) raises it, at "
                         "full cooperation: production, import and consumption records that do not add up.")
    traces: bool = Field(True, description="Leaves traces a sample can find: where it came from and where it is.")
    sample_probability: Probability | None = Field(
        None, description="Chance a sample where it left traces finds them (faint or cleaned-up traces); omitted: "
                          "verification.sampling.positive_probability.")
    tip_probability_per_year: Probability = Field(
        0.0, description="Chance a year that a defector or a service reports it (with its place).")
    tip_day: Days | None = Field(None, description="The day a known report names it (instead of the yearly chance).")
    amend_probability: Probability | None = Field(
        None, description="The chance the state amends its declaration when this item's issue is put to it, at any "
                          "pressure (a state admits a laboratory sooner than the stock it means to keep); omitted: "
                          "verification.answers decides.")
    copies: int = Field(1, ge=1, le=1000, description="programme: this many like members (the many gaps and "
                                                      "discrepancies of a declaration's records), each raised and "
                                                      "answered as an issue of its own and counted as one, kept as "
                                                      "one group issue named by the id; found by the records only "
                                                      "(no site, no tips).")


class Concealment(Strict):
    """What the state withholds from its declaration, besides what a secret unit moves (``dispersal``)."""

    items: list[ConcealedItem] = Field(default_factory=list)


class InspectionChannel(Strict):
    """Inspection of declared sites: a gap against the declared quantity (seals, records, residues)."""

    gap_probability: Probability = Field(
        0.0, description="Chance that the inspection of a declared site shows (residues, records, seals) that "
                         "more was there than is declared, for each item taken from it; compared once the site "
                         "is inspected and the declaration is in.")


class Pause(Strict):
    """A period with no round of consultations (the state blocks them, e.g. by refusing the team's visas)."""

    start: CalendarDate
    end: CalendarDate = Field(description="Last day of the pause.")
    description: str = ""


class RecordsChannel(Strict):
    """Reconciliation of production, import and consumption records with the declaration (the OPCW's Declaration
    Assessment Team): rounds of consultations after the declaration."""

    enabled: bool = False
    first_round_days: Days = Field(fixed(180.0), description="From the declaration to the first round, days.")
    round_days: Days = Field(fixed(120.0), description="From one round to the next, days.")
    cooperation: Probability = Field(
        1.0, description="Share of the records the state hands over at pressure 0; at pressure level L it is "
                         "cooperation + (1 - cooperation) x L. Each item's records_probability is scaled by it.")
    quiet_rounds: int = Field(4, ge=1, le=1000, description="Rounds in a row with no new issue and none open "
                                                          "before the declaration is judged complete.")
    pauses: list[Pause] = Field(default_factory=list, description="Periods with no round (consultations "
                                                                    "blocked): a round due in one waits for its end.")


class SamplingChannel(Strict):
    """Samples taken at inspected places and analysed in designated laboratories."""

    enabled: bool = False
    start_day: Days = Field(fixed(0.0), description="First day samples are taken.")
    every_days: Days | None = Field(None, description="Campaigns at every declared site, this often; omitted: "
                                                      "samples only at inspection visits.")
    lab_days: Days = Field(fixed(30.0), description="From a sample to the laboratory's result, days.")
    positive_probability: Probability = Field(
        0.5, description="Chance a sample taken where an item left traces finds them.")


class Estimate(Strict):
    """An intelligence estimate of a stockpile, set against the declared total once the declaration is in."""

    agent: Identifier | None = Field(None, description="The agent; omitted: the whole stockpile.")
    tonnes: float = Field(gt=0, le=1e7, description="The estimate, tonnes.")
    tolerance: Probability = Field(0.2, description="A declared total below tonnes x (1 - tolerance) is an issue.")
    source: str = ""


class IntelligenceChannel(Strict):
    """Intelligence estimates set against the declared totals, and tips shared with the OPCW."""

    estimates: list[Estimate] = Field(default_factory=list)
    estimate_days: Days = Field(fixed(30.0), description="From the declaration to the estimates being set "
                                                         "against it, days.")


class RequestsChannel(Strict):
    """Requests to inspect "any other site" a State Party identifies (EC-M-33/DEC.1, paragraph 1(e))."""

    enabled: bool = False
    request_days: Days = Field(fixed(14.0), description="From a tip naming a place to the request, days.")
    accept_probability: Probability = Field(0.5, description="Chance the state accepts a request at pressure 0.")
    accept_at_full_pressure: Probability = Field(0.9, description="The same at pressure level 1 (linear between).")
    visit_days: Days = Field(fixed(7.0), description="From acceptance to the inspectors' finding, days.")
    find_probability: Probability = Field(0.8, description="Chance the visit finds what is kept there.")
    retry_days: Days = Field(fixed(60.0), description="After a refusal, days until the request is made again.")
    max_requests: int = Field(3, ge=1, le=1000, description="Requests per place before giving up.")
    refusal_pressure_step: Probability = Field(0.1, description="Rise of the pressure level at each refusal.")


class Answers(Strict):
    """What the state does when an issue is put to it: amend, stall or explain."""

    answer_days: Days = Field(fixed(30.0), description="From an issue raised to the state's answer, days.")
    amend_probability: Probability = Field(1.0, description="Chance the state amends its declaration at "
                                                            "pressure 0.")
    amend_at_full_pressure: Probability | None = Field(None, description="The same at pressure level 1 (linear "
                                                                         "between); omitted: as at pressure 0.")
    stall_probability: Probability = Field(0.0, description="Chance it stalls (answers again stall_days later); "
                                                            "otherwise it explains.")
    stall_days: Days = Field(fixed(90.0))
    declared_share: Probability = Field(1.0, description="Share of an item's hidden tonnes an amendment declares.")
    explanation_accepted_probability: Probability = Field(
        0.0, description="Chance a false explanation (consumed, destroyed, lost) closes the issue; otherwise it "
                         "stays open, unresolved.")
    amendment_accepted_probability: Probability = Field(
        1.0, description="Chance an amendment resolves its issue; otherwise it is judged insufficient: it declares "
                         "its share of tonnes, but the issue stays open (unresolved, raised again at the next round) "
                         "and a programme stays undeclared (an amendment declaring a facility always resolves its issue).")


class PressureEvent(Strict):
    """An event outside the model that raises the pressure on the state (a resolution, a report, a strike)."""

    date: CalendarDate
    step: Probability
    description: str = ""


class Verification(Strict):
    """How concealment is found out (the channels), what the state answers, and how pressure grows."""

    inspection: InspectionChannel = InspectionChannel()
    records: RecordsChannel = RecordsChannel()
    sampling: SamplingChannel = SamplingChannel()
    intelligence: IntelligenceChannel = IntelligenceChannel()
    requests: RequestsChannel = RequestsChannel()
    challenge_inspection: ChallengeInspection = Field(
        ChallengeInspection(), description="After a tip, when requests are off or the place is unknown (the secret "
                                           "unit's tips use dispersal.detection.challenge_inspection).")
    answers: Answers = Answers()
    pressure_step_per_issue: Probability = Field(0.0, description="Rise of the pressure level at each issue raised.")
    pressure_events: list[PressureEvent] = Field(default_factory=list)
    report_dates: list[CalendarDate] = Field(
        default_factory=list, description="Dates summary.json reports the verification outputs at (the "
                                          "declaration judged complete, undeclared stock); omitted: each "
                                          "anniversary of the start.")


def most_issues(s: Any) -> int:
    """The most issues a replication can have open at once (the scale of the daily counts): one per concealed
    item, undeclared site, hideout of the secret unit and estimate."""
    hideouts = s.dispersal.hideouts if s.dispersal.enabled else 0
    undeclared = sum(1 for site in s.sites if not site.declared)
    items = sum(item.copies for item in s.concealment.items)
    return max(1, items + undeclared + hideouts + len(s.verification.intelligence.estimates))


def repeats_amendments(s: Any) -> bool:
    """Whether an issue may be amended more than once (an amendment judged insufficient leaves it open)."""
    return s.verification.answers.amendment_accepted_probability < 1.0


def verification_problems(s: Any) -> list[tuple[tuple[Any, ...], str, Any]]:
    """Broken references of the concealment block: unknown lots and sites, kinds without what they need."""
    from sim.core.problems import did_you_mean

    problems: list[tuple[tuple[Any, ...], str, Any]] = []
    for i, pause in enumerate(s.verification.records.pauses):
        if pause.end < pause.start:
            problems.append((("verification", "records", "pauses", i, "end"),
                             f"the pause ends ({pause.end}) before it starts ({pause.start})", str(pause.end)))
    sites = {site.id: site for site in s.sites}
    lots = [lot.id for lot in s.lots]
    seen: dict[str, int] = {}
    for i, item in enumerate(s.concealment.items):
        loc = ("concealment", "items", i)
        if item.id in seen:
            problems.append(((*loc, "id"), f"duplicate id {item.id!r} (already used by concealment.items"
                                           f"[{seen[item.id]}])", item.id))
        seen.setdefault(item.id, i)
        if item.kind in ("agent", "munitions"):
            if item.lot is None and (item.site is None or item.site not in sites or sites[item.site].declared):
                problems.append(((*loc, "lot"), f"an item of kind {item.kind} names the lot it withholds, or the "
                                                f"undeclared site whose lots it is", None))
            elif item.lot is not None and item.lot not in lots:
                problems.append(((*loc, "lot"), f"unknown lot {item.lot!r}{did_you_mean(item.lot, lots)}",
                                 item.lot))
        elif item.lot is not None:
            problems.append(((*loc, "lot"), f"an item of kind {item.kind} withholds no lot's tonnes", item.lot))
        if item.copies > 1 and item.kind != "programme":
            problems.append(((*loc, "copies"), f"only a programme item has copies (a {item.kind} item is one stock "
                                               "or place)", item.copies))
        elif item.copies > 1 and (item.site is not None or item.tip_probability_per_year > 0
                                  or item.tip_day is not None):
            key = "site" if item.site is not None else ("tip_day" if item.tip_day is not None
                                                        else "tip_probability_per_year")
            problems.append(((*loc, key), "a programme with copies is found by the records only: it has no site "
                                          "(where samples or a visit would find it) and no tips; write the items "
                                          "one by one instead", item.site if key == "site" else None))
        if item.site is not None and item.site not in sites:
            problems.append(((*loc, "site"), f"unknown site {item.site!r}{did_you_mean(item.site, list(sites))}",
                             item.site))
        elif item.kind == "facility" and (item.site is None or sites[item.site].declared):
            problems.append(((*loc, "site"), "a concealed facility is a site with declared: false", item.site))
        elif item.kind in ("agent", "munitions") and item.site is not None and sites[item.site].declared \
                and item.lot is not None:
            problems.append(((*loc, "site"), f"withheld stock is kept at an undeclared site (declared: false); "
                                             f"{item.site!r} is declared", item.site))
    return problems


__all__ = ["Answers", "ConcealedItem", "Pause", "Concealment", "Estimate", "InspectionChannel", "IntelligenceChannel",
           "PressureEvent", "RecordsChannel", "RequestsChannel", "SamplingChannel", "Verification",
           "most_issues", "repeats_amendments", "verification_problems"]
