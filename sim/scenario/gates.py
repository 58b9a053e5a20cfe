"""Gates: events a part of the plan waits for, such as a donor's pledge, an equipment delivery, a host
country's agreement or a contractor, each of which may be refused.

A gate asks its candidates in order, from ``opens_day``: each answers ``answer_days`` after it is asked and
refuses with its ``failure_probability``; after a refusal the next candidate is asked ``retry_days`` later.  The
gate passes at the first acceptance; a gate every candidate refuses never passes, and whatever waits for it
waits to the horizon.  Convoys, facilities, unfilled munitions and production structures name the gates they
wait for by id (their ``gates`` key); the model is :mod:`sim.model.gates`.

For instance the host country for destroying Syria's chemicals at sea-borne or land plants in late 2013:
Norway was asked and declined, then Albania, before the plan settled on the Cape Ray (the days here
are illustrative):

    gates:
      - id: host_country
        description: a state that agrees to host destruction
        candidates:
          - {name: Norway, answer_days: 20, failure_probability: 1}
          - {name: Albania, answer_days: 10, failure_probability: 1}
          - {name: at_sea, answer_days: 5}
        retry_days: 3
"""

from __future__ import annotations

from pydantic import Field

from sim.scenario.distributions import fixed
from sim.scenario.fields import Days, Identifier, Probability, Strict


class GateCandidate(Strict):
    """One party a gate asks: a donor, a supplier, a host country, a contractor."""

    name: Identifier = Field(description="Who is asked, e.g. Norway; unique within its gate.")
    answer_days: Days = Field(description="From being asked to the answer (or the delivery), days.")
    failure_probability: Probability = Field(0.0, description="Chance this candidate refuses (or fails to "
                                                              "deliver); then the next one is asked.")


class Gate(Strict):
    """An event parts of the plan wait for (a pledge, a delivery, a host's agreement), asking candidates in turn."""

    id: Identifier
    description: str = ""
    opens_day: Days = Field(fixed(0.0), description="Day the first candidate is asked.")
    candidates: list[GateCandidate] = Field(
        min_length=1, description="Who is asked, in order; the gate passes at the first that accepts, and never "
                                  "if every one refuses."
    )
    retry_days: Days = Field(fixed(0.0), description="After a refusal, days until the next candidate is asked.")


__all__ = ["Gate", "GateCandidate"]
