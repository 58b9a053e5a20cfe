"""The behaviour blocks of a scenario, present in every scenario and off by default: dispersal by a secret unit
and its detection, compliance delays, political pressure, security closures."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.scenario.distributions import ProbabilityDistribution, fixed
from sim.scenario.fields import Days, Identifier, Probability, Strict

class ChallengeInspection(Strict):
    """A challenge inspection requested after an intelligence tip (CWC Art. IX, Verification Annex Part X)."""

    enabled: bool = False
    request_days: Days = Field(fixed(7.0), description="From the tip to the request, days.")
    notice_hours: float = Field(12.0, ge=0, le=1000, description="Notice before arrival at the point of entry.")
    access_hours: float = Field(108.0, ge=0, le=1000, description="Latest access to the site after arrival.")
    max_on_site_hours: float = Field(84.0, ge=0, le=1000, description="Longest inspection on site.")
    success_probability: Probability = 0.5


class Detection(Strict):
    """How dispersal can be found out, and what follows."""

    tip_probability_per_move: Probability = Field(0.0, description="Chance an intelligence tip reports a move.")
    tip_delay_days: Days = Field(fixed(0.0), description="From a move to the tip, days.")
    discrepancy_probability: Probability = Field(
        0.0, description="Chance inspectors notice that a site they visit was emptied."
    )
    challenge_inspection: ChallengeInspection = ChallengeInspection()
    amendment_delay_days: Days = Field(fixed(30.0), description="From detection to the amended declaration, days.")
    recovery_fraction: ProbabilityDistribution = Field(
        fixed(1.0), description="Share of the hidden tonnes the amendment declares."
    )


class Dispersal(Strict):
    """A secret unit moving stock from sites to hidden locations."""

    enabled: bool = False
    window_start_day: Days = Field(fixed(0.0))
    window_end: Literal["declaration", "inspection"] = Field(
        "declaration", description="Moves stop at the formal declaration, or at each site's inspection."
    )
    moves: Days = Field(fixed(0.0), description="Number of moves (rounded to whole moves).")
    tonnes_per_move: Days = Field(fixed(0.0))
    move_days: Days = Field(fixed(1.0), description="Duration of one move, days.")
    days_between_moves: Days = Field(
        fixed(0.0), description="Pause after each move, days: with many moves, the unit's pace until the window closes."
    )
    eligible_agents: list[Identifier] | None = Field(None, description="Agents the unit moves; all if omitted.")
    max_share: Probability = Field(1.0, description="Cap on the share of the stockpile moved.")
    hideouts: int = Field(1, ge=1, le=100_000)
    records_probability: Probability = Field(
        0.0, description="Chance that one round of record reconciliation (verification.records) raises one of its "
                         "hideouts: production records that show more than was declared.")
    detection: Detection = Detection()

    def own(self, key: str) -> bool:
        """Whether ``detection.<key>`` was written in the scenario: then it governs the unit's hideouts; if not,
        the general verification block does (docs/verification.md)."""
        return key in self.detection.model_fields_set


class ComplianceDelays(Strict):
    """Slow-walking: extra delays per step and access denials (at pressure level 0)."""

    enabled: bool = False
    listing_delay_days: Days = Field(fixed(0.0))
    declaration_delay_days: Days = Field(fixed(0.0))
    access_delay_days: Days = Field(fixed(0.0), description="Per inspection visit.")
    convoy_release_delay_days: Days = Field(fixed(0.0), description="Per convoy.")
    structures_delay_days: Days = Field(fixed(0.0), description="Before production structures are destroyed.")
    access_denial_probability: Probability = Field(0.0, description="Per inspection visit.")
    denial_days: Days = Field(fixed(0.0), description="Length of one access denial, days.")


class Escalation(Strict):
    """Missed deadlines raising the pressure."""

    enabled: bool = False
    step: Probability = 0.25
    max_level: Probability = 1.0
    on_deadlines: list[Identifier] | None = Field(
        None, description="Ids of the deadlines whose miss raises the pressure; all if omitted."
    )


class Pressure(Strict):
    """Political pressure, from 0 (no credible threat) to 1 (Chapter VII enforcement)."""

    level: Probability = 0.0
    delay_reduction_at_full_pressure: Probability = Field(
        0.0, description="Share of every compliance delay removed at level 1 (scaled linearly with the level)."
    )
    escalation: Escalation = Escalation()


class RegionClosures(Strict):
    """Random security closures of one region's sites and roads (a Poisson process of episodes)."""

    region: Identifier
    mean_days_between_closures: Days = Field(
        description="Mean interval between closures, days: drawn once per replication (an uncertain rate); "
                    "intervals are then exponential with that mean."
    )
    closure_days: Days = Field(description="Length of one closure, days (drawn per closure).")
    claimed: bool = Field(
        False, description="Closed by the state for 'security concerns' (pressure shortens it as it shortens a "
                           "compliance delay), not real fighting (false: pressure never shortens it)."
    )

    @model_validator(mode="after")
    def _positive_mean(self) -> "RegionClosures":
        if self.mean_days_between_closures.support()[0] <= 0:
            raise ValueError("mean_days_between_closures must be positive")
        return self


class ScheduledClosure(Strict):
    """A closure known to have happened: from ``start_day`` for ``duration_days``, or until ``end_day``."""

    region: Identifier
    start_day: float = Field(ge=0)
    duration_days: float | None = Field(None, ge=0, description="How long it lasts (or give end_day).")
    end_day: float | None = Field(None, ge=0, description="The day it ends (or give duration_days).")
    claimed: bool = Field(
        False, description="Closed by the state for 'security concerns' (pressure shortens it as it shortens a "
                           "compliance delay), not real fighting (false: pressure never shortens it)."
    )

    @model_validator(mode="after")
    def _one_end(self) -> "ScheduledClosure":
        if (self.duration_days is None) == (self.end_day is None):
            raise ValueError("give duration_days or end_day (one of them)")
        if self.end_day is not None and self.end_day < self.start_day:
            raise ValueError(f"end_day {self.end_day:g} is before start_day {self.start_day:g}")
        return self

    @property
    def days(self) -> float:
        return self.duration_days if self.duration_days is not None else self.end_day - self.start_day  # type: ignore[operator]


class SecurityClosures(Strict):
    """Security incidents closing regions or roads: convoys and inspections there wait."""

    enabled: bool = False
    regions: list[RegionClosures] = Field(default_factory=list)
    scheduled: list[ScheduledClosure] = Field(default_factory=list)


__all__ = ["ChallengeInspection", "Detection", "Dispersal", "ComplianceDelays", "Escalation", "Pressure",
           "RegionClosures", "ScheduledClosure", "SecurityClosures"]
