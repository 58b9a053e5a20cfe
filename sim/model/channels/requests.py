"""Requests to inspect "any other site", and challenge inspections.

*Any other site* (EC-M-33/DEC.1 paragraph 1(e): inspect any other site identified by a State Party as having
been involved in the programme, subject to the Director-General's judgement): ``request_days`` after a tip
naming a place, the Secretariat asks; the state accepts with a chance that rises linearly from
``accept_probability`` at pressure 0 to ``accept_at_full_pressure`` at level 1.  A refusal raises the pressure
by ``refusal_pressure_step`` and the request is made again ``retry_days`` later, up to ``max_requests``
times.  An accepted visit ``visit_days`` later finds what is kept there with ``find_probability``, and samples
the place (:mod:`.sampling`).

*Challenge inspections* (CWC Art. IX; never used to date): ``request_days`` after the tip, ``notice_hours`` of
notice, access within ``access_hours`` of arrival (uniform), ``max_on_site_hours`` on site; the stock is found
with ``success_probability``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.world import UNIT_UNIFORM, Process, World
from sim.scenario.behaviours import ChallengeInspection

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.channels import Channels


class Requests:
    """Requests to inspect any other site, and challenge inspections."""

    def __init__(self, w: World, channels: "Channels"):
        self.w = w
        self.channels = channels

    def request(self, k: int) -> None:
        self.w.env.process(self._request(k))

    def _request(self, k: int) -> Process:
        w = self.w
        r = w.s.verification.requests
        item = w.concealment.items[k]
        assert item.place is not None
        place = w.s.sites[item.place].id
        for attempt in range(1, r.max_requests + 1):
            yield w.wait(w.draw(r.request_days if attempt == 1 else r.retry_days,
                                "verification/requests/request_days" if attempt == 1 else
                                "verification/requests/retry_days"))
            if not self.channels.still_hidden(k):
                return
            level = w.compliance.level
            accept = r.accept_probability + (r.accept_at_full_pressure - r.accept_probability) * level
            if w.draw(UNIT_UNIFORM, "verification/requests/answer") >= accept:
                w.log("request_refused", entity=place, note=f"request {attempt}, pressure {level:.2f}")
                w.compliance.raise_level(r.refusal_pressure_step, f"request to inspect {place} refused")
                continue
            w.log("request_accepted", entity=place, note=f"request {attempt}, pressure {level:.2f}")
            yield w.wait(w.draw(r.visit_days, "verification/requests/visit_days"))
            found = w.draw(UNIT_UNIFORM, "verification/requests/find") < r.find_probability
            w.log("site_visited", entity=place, site=place, note="found" if found else "nothing found")
            self.channels.sampling.sample(item.place)
            if found:
                self.channels.raise_when_declared(item.id, "request", [k], note=f"found at {place}")
            return

    def challenge(self, k: int, ci: ChallengeInspection) -> None:
        self.w.env.process(self._challenge(k, ci))

    def _challenge(self, k: int, ci: ChallengeInspection) -> Process:
        w = self.w
        rng = w.streams["dispersal/challenge"]
        yield w.wait(w.draw(ci.request_days, "dispersal/challenge_request_days"))
        access_hours = float(rng.uniform(0.0, ci.access_hours))
        yield w.wait((ci.notice_hours + access_hours + ci.max_on_site_hours) / 24.0)
        found = float(rng.random()) < ci.success_probability
        item = w.concealment.items[k]
        w.log("challenge_inspection", entity=item.id, note="stock found" if found else "nothing found")
        if found:
            self.channels.raise_when_declared(item.id, "challenge", [k])
