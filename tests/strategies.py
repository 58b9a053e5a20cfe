"""Hypothesis strategies that generate whole valid scenarios, behaviours included."""

from __future__ import annotations

from hypothesis import strategies as st

ROUTES = ("sea", "commercial", "in_country")


def durations(low: float = 0.0, high: float = 20.0) -> st.SearchStrategy:
    """A duration in days: a bare number or a uniform/triangular/pert/exponential distribution."""
    number = st.floats(low, high, allow_nan=False, allow_infinity=False)

    def triangular(values):
        a, b, c = sorted(values)
        return {"dist": "triangular", "low": a, "mode": b, "high": c}

    def pert(values):
        a, b, c = sorted(values)
        return {"dist": "pert", "low": a, "mode": b, "high": c}

    return st.one_of(
        number,
        st.tuples(number, number).map(lambda v: {"dist": "uniform", "low": min(v), "high": max(v)}),
        st.tuples(number, number, number).map(triangular),
        st.tuples(number, number, number).map(pert),
        st.floats(max(low, 0.01), max(high, 0.02)).map(lambda m: {"dist": "exponential", "mean": m}),
    )


def rates() -> st.SearchStrategy:
    return st.one_of(st.floats(0.5, 50), st.tuples(st.floats(0.5, 20), st.floats(0.5, 20)).map(
        lambda v: {"dist": "uniform", "low": min(v), "high": max(v)}))


@st.composite
def scenarios(draw) -> dict:
    """A scenario as plain data: 1-5 sites, 1-8 lots on any route, facilities that accept them all."""
    n_sites = draw(st.integers(1, 5))
    sites = [{"id": f"S{i}", "kind": draw(st.sampled_from(["storage", "production", "mixing_filling", "research"])),
              "region": draw(st.sampled_from(["north", "south"])), "declared": draw(st.booleans()) if i else True,
              "road_days_to_port": draw(durations(0, 5))} for i in range(n_sites)]
    agents = ["X", "Y", "Z"]
    lots = []
    for i in range(draw(st.integers(1, 8))):
        lots.append({"id": f"L{i}", "agent": draw(st.sampled_from(agents)), "category": draw(st.sampled_from([1, 2, 3])),
                     "tonnes": draw(st.floats(0.01, 500)), "site": f"S{draw(st.integers(0, n_sites - 1))}",
                     "route": draw(st.sampled_from(ROUTES)), "priority": draw(st.booleans())})
    facilities = [{"id": f"F_{route}", "route": route, "lines": draw(st.integers(1, 3)),
                   "line_rate_t_per_day": draw(rates()), "available_day": draw(durations(0, 60)),
                   "setup_days": draw(durations(0, 10)), "delivery_days": draw(durations(0, 10)),
                   "batch_tonnes": draw(st.floats(1, 100)), "start_after_all_received": draw(st.booleans())}
                  for route in ROUTES]
    ships = [{"id": f"ship{k}", "capacity_tonnes": draw(st.floats(5, 2000)), "available_day": draw(durations(0, 60)),
              "loading_days": draw(durations(0, 3)), "max_wait_days": draw(durations(0, 10)),
              "voyage_days": draw(durations(0, 6)), "return_days": draw(durations(0, 6))}
             for k in range(draw(st.integers(1, 3)))]
    regions = sorted({site["region"] for site in sites} | {"coast"})
    for site in sites:
        site["road_regions"] = draw(st.lists(st.sampled_from(regions), max_size=2, unique=True))
    regions = sorted({site["region"] for site in sites} | {r for site in sites for r in site["road_regions"]})
    behaviours = {
        "dispersal": {
            "enabled": draw(st.booleans()), "window_start_day": draw(durations(0, 20)),
            "window_end": draw(st.sampled_from(["declaration", "inspection"])),
            "moves": draw(durations(0, 30)), "tonnes_per_move": draw(durations(0, 50)),
            "move_days": draw(durations(0, 3)), "days_between_moves": draw(durations(0, 3)),
            "eligible_agents": draw(st.none() | st.lists(st.sampled_from(sorted({lot["agent"] for lot in lots})),
                                                         min_size=1, unique=True)),
            "max_share": draw(st.floats(0, 1)), "hideouts": draw(st.integers(1, 50)),
            "detection": {
                "tip_probability_per_move": draw(st.floats(0, 1)), "tip_delay_days": draw(durations(0, 60)),
                "discrepancy_probability": draw(st.floats(0, 1)),
                "challenge_inspection": {"enabled": draw(st.booleans()), "success_probability": draw(st.floats(0, 1))},
                "amendment_delay_days": draw(durations(0, 60)),
                "recovery_fraction": draw(st.floats(0, 1)),
            },
        },
        "compliance": {
            "enabled": draw(st.booleans()), "listing_delay_days": draw(durations(0, 10)),
            "declaration_delay_days": draw(durations(0, 20)), "access_delay_days": draw(durations(0, 5)),
            "convoy_release_delay_days": draw(durations(0, 20)), "structures_delay_days": draw(durations(0, 100)),
            "access_denial_probability": draw(st.floats(0, 1)), "denial_days": draw(durations(0, 20)),
        },
        "pressure": {"level": draw(st.floats(0, 1)), "delay_reduction_at_full_pressure": draw(st.floats(0, 1)),
                     "escalation": {"enabled": draw(st.booleans()), "step": draw(st.floats(0, 1))}},
        "security": {
            "enabled": draw(st.booleans()),
            "regions": [{"region": r, "mean_days_between_closures": draw(st.floats(5, 200)),
                         "closure_days": draw(durations(0, 30))} for r in draw(st.lists(st.sampled_from(regions),
                                                                                         max_size=3, unique=True))],
            "scheduled": [{"region": draw(st.sampled_from(regions)), "start_day": draw(st.floats(0, 300)),
                           "duration_days": draw(st.floats(0, 60))} for _ in range(draw(st.integers(0, 2)))],
        },
    }
    leaves = any(lot["route"] != "in_country" for lot in lots)  # removal_complete counts something
    deadlines = [{"id": f"d{k}", "date": f"2014-0{k + 1}-15", "milestone": m}
                 for k, m in enumerate(draw(st.lists(st.sampled_from(
                     ["removal_complete", "declaration_submitted", "destruction_complete"] if leaves
                     else ["declaration_submitted", "destruction_complete"]), max_size=3)))]
    return {
        **behaviours,
        "deadlines": deadlines,
        "name": "generated", "question": "Does the ledger balance?", "start_date": "2013-09-14",
        "horizon_days": draw(st.integers(30, 600)),
        "state_party": {"name": "Generated", "accession_decision_days": draw(durations(0, 10)),
                        "provisional_application": draw(st.booleans())},
        "declaration": {"listing_days": draw(durations(0, 10)), "formal_declaration_days": draw(durations(0, 40))},
        "sites": sites, "lots": lots,
        "unfilled_munitions": {"count": draw(st.integers(0, 2000)), "start_day": draw(durations(0, 30)),
                               "destroyed_per_day": draw(rates())},
        "production_structures": {"start_day": draw(durations(0, 100)), "crews": draw(st.integers(1, 3)),
                                  "groups": [{"kind": "hangar", "count": draw(st.integers(0, 5)),
                                              "demolition_days": draw(durations(0, 30))}]},
        "inspectorate": {"arrival_day": draw(durations(0, 30)), "teams": draw(st.integers(1, 4)),
                         "travel_days": draw(durations(0, 3)), "verification_days": draw(durations(0, 3)),
                         "equipment_disabling_days": draw(durations(0, 2))},
        "convoys": {"start_day": draw(durations(0, 100)), "escorts": draw(st.integers(1, 4)),
                    "tonnes_per_convoy": draw(st.floats(1, 200)), "loading_days": draw(durations(0, 2))},
        "port": {"name": "P", "berths": draw(st.integers(1, 2))}, "transfer_port": {"name": "T"},
        "ships": ships, "facilities": facilities,
    }


@st.composite
def networks(draw) -> dict:
    """A scenario of :func:`scenarios` turned into a plan network: each site reaches a rail yard or the port,
    the yard reaches the port by road and a plant in the country by rail, ships sail from the port to a transfer
    port abroad, and a plant abroad is a delivery away from it.  Each lot goes to one of the two plants."""
    data = draw(scenarios())
    for key in ("port", "transfer_port"):
        del data[key]
    convoys = data["convoys"]
    del convoys["escorts"], convoys["tonnes_per_convoy"]
    regions = sorted({site["region"] for site in data["sites"]} | {"coast"})
    data["places"] = [{"id": "yard", "kind": "rail_yard", "region": draw(st.sampled_from(regions))},
                      {"id": "P", "kind": "port", "region": "coast", "berths": draw(st.integers(1, 2))},
                      {"id": "T", "kind": "port", "abroad": True}]
    data["pools"] = [{"id": kind, "vehicles": draw(st.integers(1, 3)), "tonnes_per_trip": draw(st.floats(1, 200)),
                      "loading_days": draw(durations(0, 2))} for kind in ("trucks", "wagons")]
    links = []
    for site in data["sites"]:
        del site["road_days_to_port"]
        by_rail = draw(st.booleans())
        links.append({"id": f"out_{site['id']}", "start": site["id"], "end": "yard" if by_rail else "P",
                      "mode": "rail" if by_rail else "road", "transit_days": draw(durations(0, 5)),
                      "regions": site.pop("road_regions"), "pool": "wagons" if by_rail else "trucks"})
    links += [
        {"id": "yard_port", "start": "yard", "end": "P", "mode": "road", "transit_days": draw(durations(0, 3)),
         "pool": "trucks"},
        {"id": "yard_plant", "start": "yard", "end": "F_home", "mode": "rail", "transit_days": draw(durations(0, 3)),
         "pool": draw(st.sampled_from(["wagons", None]))},
        {"id": "sea", "start": "P", "end": "T", "mode": "sea"},
        {"id": "delivery", "start": "T", "end": "F_abroad", "mode": "road", "transit_days": draw(durations(0, 10))},
    ]
    # a site that reaches only the port cannot reach the plant at home: its lots go abroad
    by_port = {link["start"] for link in links if link["start"].startswith("S") and link["end"] == "P"}
    data["links"] = links
    for ship in data["ships"]:
        ship.update(link="sea", holds_at_sea=draw(st.booleans()), holding_days=draw(durations(0, 3)))
    home, abroad = ({**facility, "id": name, "abroad": name == "F_abroad"} for name, facility in
                    (("F_home", data["facilities"][2]), ("F_abroad", data["facilities"][0])))
    for facility in (home, abroad):
        del facility["route"]
    data["facilities"] = [home, abroad]
    for lot in data["lots"]:
        del lot["route"]
        lot["facility"] = "F_abroad" if lot["site"] in by_port else draw(st.sampled_from(["F_home", "F_abroad"]))
        if draw(st.booleans()):  # filled munitions: moved and destroyed whole
            count, fill_kg = draw(st.integers(1, 300)), draw(st.sampled_from([2.5, 8.0, 120.0, 900.0]))
            lot.update(form="munitions", tonnes=count * fill_kg / 1000.0, munitions={"count": count, "fill_kg": fill_kg})
    if not any(lot["facility"] == "F_abroad" for lot in data["lots"]):  # nothing leaves: removal counts nothing
        data["deadlines"] = [d for d in data["deadlines"] if d["milestone"] != "removal_complete"]
    return data


@st.composite
def gated_scenarios(draw) -> dict:
    """A scenario of :func:`scenarios` with 1-3 gates of 1-3 candidates each (refusing never, always or by
    chance), which the convoys, the facilities, the unfilled munitions and the structures may wait for."""
    data = draw(scenarios())
    gates = [{"id": f"G{k}", "opens_day": draw(durations(0, 60)), "retry_days": draw(durations(0, 30)),
              "candidates": [{"name": f"C{j}", "answer_days": draw(durations(0, 60)),
                              "failure_probability": draw(st.sampled_from([0.0, 1.0]) | st.floats(0, 1))}
                             for j in range(draw(st.integers(1, 3)))]}
             for k in range(draw(st.integers(1, 3)))]
    ids = [gate["id"] for gate in gates]

    def some() -> list[str]:
        return draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))

    data["gates"] = gates
    data["convoys"]["gates"] = some()
    for facility in data["facilities"]:
        facility["gates"] = some()
    data["unfilled_munitions"]["gates"] = some()
    data["production_structures"]["gates"] = some()
    return data


@st.composite
def concealed_scenarios(draw) -> dict:
    """A scenario of :func:`scenarios` with concealed items of every kind and every verification channel, on
    or off, with any probabilities and delays (docs/verification.md)."""
    data = draw(scenarios())
    sites, lots = data["sites"], data["lots"]
    undeclared = [s["id"] for s in sites if not s.get("declared", True)]
    items = []
    for k in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["agent", "munitions", "facility", "programme"] if undeclared
                                    else ["agent", "programme"]))
        item = {"id": f"item{k}", "kind": kind, "records_probability": draw(st.floats(0, 1)),
                "traces": draw(st.booleans()), "tip_probability_per_year": draw(st.floats(0, 1))}
        if kind in ("agent", "munitions"):
            item.update(kind="agent", lot=draw(st.sampled_from([lot["id"] for lot in lots])),
                        share=draw(st.floats(0, 1)), moved_day=draw(durations(0, 60)))
            if undeclared and draw(st.booleans()):
                item["site"] = draw(st.sampled_from(undeclared))
        elif kind == "facility":
            item["site"] = undeclared[k % len(undeclared)]
        elif draw(st.booleans()):  # a group of like members: found by the records only (no site, no tips)
            item.update(copies=draw(st.integers(2, 5)), tip_probability_per_year=0.0)
            items.append(item)
            continue
        else:
            item["site"] = draw(st.sampled_from([s["id"] for s in sites]))
        if draw(st.booleans()):
            item["tip_day"] = draw(durations(0, 200))
        items.append(item)
    seen: set = set()  # one facility item per undeclared site
    data["concealment"] = {"items": [i for i in items if i["kind"] != "facility" or not (
        i["site"] in seen or seen.add(i["site"]))]}
    data["verification"] = {
        "inspection": {"gap_probability": draw(st.floats(0, 1))},
        "records": {"enabled": draw(st.booleans()), "first_round_days": draw(durations(0, 100)),
                    "round_days": draw(durations(1, 100)), "cooperation": draw(st.floats(0, 1)),
                    "quiet_rounds": draw(st.integers(1, 4))},
        "sampling": {"enabled": draw(st.booleans()), "start_day": draw(durations(0, 100)),
                     "every_days": draw(st.none() | durations(5, 100)), "lab_days": draw(durations(0, 60)),
                     "positive_probability": draw(st.floats(0, 1))},
        "intelligence": {"estimates": [{"agent": draw(st.none() | st.sampled_from(["X", "Y", "Z"])),
                                        "tonnes": draw(st.floats(1, 2000)), "tolerance": draw(st.floats(0, 1))}
                                       for _ in range(draw(st.integers(0, 2)))],
                         "estimate_days": draw(durations(0, 60))},
        "requests": {"enabled": draw(st.booleans()), "request_days": draw(durations(0, 30)),
                     "accept_probability": draw(st.floats(0, 1)), "accept_at_full_pressure": draw(st.floats(0, 1)),
                     "visit_days": draw(durations(0, 20)), "find_probability": draw(st.floats(0, 1)),
                     "retry_days": draw(durations(0, 60)), "max_requests": draw(st.integers(1, 3)),
                     "refusal_pressure_step": draw(st.floats(0, 1))},
        "challenge_inspection": {"enabled": draw(st.booleans()), "success_probability": draw(st.floats(0, 1))},
        "answers": {"answer_days": draw(durations(0, 60)), "amend_probability": draw(st.floats(0, 1)),
                    "amend_at_full_pressure": draw(st.none() | st.floats(0, 1)),
                    "stall_probability": draw(st.floats(0, 1)), "stall_days": draw(durations(1, 60)),
                    "declared_share": draw(st.floats(0, 1)),
                    "explanation_accepted_probability": draw(st.floats(0, 1)),
                    "amendment_accepted_probability": draw(st.sampled_from([1.0, 0.5, 0.0]))},
        "pressure_step_per_issue": draw(st.floats(0, 1)),
        "pressure_events": [{"date": "2013-12-01", "step": draw(st.floats(0, 1))}],
    }
    return data
