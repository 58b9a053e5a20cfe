"""The shipped scenarios against the baseline, with the same seeds (common random numbers).

Margins are stated per scenario and checked with a paired Wilcoxon signed-rank test on removal_complete_day
(a milestone not reached counts as later than any reached: horizon + 1).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from conftest import SCENARIOS
from sim.scenario.loading import load_scenario
from sim.model import simulate
from sim.execution.runs import run

N = 300
SEED = 2024


@pytest.fixture(scope="module")
def results():
    names = ["syria_2013", "full_cooperation", "compliance_delays", "contested_access", "no_threat_of_force",
             "secret_unit_dispersal", "worst_case"]
    return {name: run(load_scenario(SCENARIOS / f"{name}.yaml"), replications=N, seed=SEED, workers=2)
            for name in names}


def removal_days(result):
    days = result.runs["removal_complete_day"].to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(days), result.scenario.horizon_days + 1, days)


def test_dispersal_hides_stock_and_is_sometimes_detected(results):
    dispersal = results["secret_unit_dispersal"].runs
    baseline = results["syria_2013"].runs
    assert dispersal["hidden_tonnes"].mean() > baseline["hidden_tonnes"].mean()
    assert dispersal["dispersed_tonnes"].mean() > 0 and baseline["dispersed_tonnes"].max() == 0
    # the baseline's retained stock (DF-R, 20 t) is never amended: what is not used in attacks stays hidden
    used = baseline["used_tonnes"]
    assert (used > 0).mean() > 0.9 and np.allclose(baseline["hidden_tonnes"] + used, 20.0)
    share = (dispersal["dispersed_tonnes"] > 0).mean()
    assert share > 0.9
    assert 0 < dispersal["detection_day_inspection"].notna().mean() < 1


@pytest.mark.parametrize("probability, expected", [(1.0, 1.0), (0.0, 0.0)])
def test_certain_and_impossible_detection(probability, expected):
    # The unit's own keys (dispersal.detection) govern its hideouts: a gap at every emptied site, and a tip of
    # every move, or neither.  Without tips, record reconciliation or sampling, nothing but a gap can find them.
    scenario = load_scenario(SCENARIOS / "secret_unit_dispersal.yaml", overrides=[
        f"dispersal.detection.tip_probability_per_move={probability}",
        f"dispersal.detection.discrepancy_probability={probability}",
        "dispersal.records_probability=0", "verification.sampling.enabled=false",
        "dispersal.detection.challenge_inspection.enabled=false"])
    runs = run(scenario, replications=100, seed=SEED, workers=1).runs
    assert runs["dispersed_tonnes"].min() > 0  # every replication dispersed something
    assert runs["detection_day_inspection"].notna().mean() == expected
    assert runs["detection_day_tip"].notna().mean() == expected


# scenario: (direction, margin in days of the paired median difference in removal_complete_day)
MARGINS = {
    "full_cooperation": (-1, 30),
    "compliance_delays": (+1, 14),
    "contested_access": (+1, 30),
    "no_threat_of_force": (+1, 60),
}


@pytest.mark.parametrize("name", sorted(MARGINS))
def test_removal_shifts_against_the_baseline(results, name):
    direction, margin = MARGINS[name]
    base = removal_days(results["syria_2013"])
    other = removal_days(results[name])
    diff = other - base
    assert direction * (np.median(other) - np.median(base)) >= margin
    assert direction * np.median(diff) >= margin
    alternative = "greater" if direction > 0 else "less"
    assert stats.wilcoxon(other, base, alternative=alternative).pvalue < 1e-6


def test_mass_balance_in_every_replication_of_every_scenario(results):
    for name, result in results.items():
        runs = result.runs
        total = (runs["destroyed_tonnes"] + runs["remaining_tonnes"] + runs["in_transit_tonnes"] + runs["hidden_tonnes"]
                 + runs["used_tonnes"])
        assert np.allclose(total, runs["initial_tonnes"] + runs["reconstituted_tonnes"], atol=1e-6, rtol=0), name


UNTOUCHED = {"inspectors_arrived", "site_inspected", "equipment_disabled", "closure", "structure_destroyed",
             "munitions_destroyed", "declared"}
UNTOUCHED_MILESTONES = {"accession_deposited", "entry_into_force", "listing_submitted", "declaration_submitted",
                        "initial_inspections_complete", "equipment_destroyed", "munitions_destroyed",
                        "first_structure_destroyed", "production_facilities_destroyed"}


def untouched_trace(outcome, declared_sites):
    """The events of the processes dispersal leaves alone, at the sites declared at the outset (an amendment
    declares more sites, whose visits depend on when the state answers: not untouched)."""
    return [(r.day, r.event, r.entity) for r in outcome.records
            if (r.event in UNTOUCHED and r.event != "declared" and (not r.site or r.site in declared_sites))
            or (r.event == "milestone" and r.entity in UNTOUCHED_MILESTONES)]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_dispersal_leaves_the_draws_of_untouched_processes_unchanged(seed):
    base = load_scenario(SCENARIOS / "syria_2013.yaml")
    dispersal = load_scenario(SCENARIOS / "secret_unit_dispersal.yaml")
    assert base.model_dump(exclude={"dispersal", "verification", "name", "question"}) == \
        dispersal.model_dump(exclude={"dispersal", "verification", "name", "question"})
    a = simulate(base, seed, record_events=True)
    b = simulate(dispersal, seed, record_events=True)
    assert any(r.event == "dispersal_move" for r in b.records)
    declared = {site.id for site in base.sites if site.declared}
    assert untouched_trace(a, declared) == untouched_trace(b, declared)
    assert len(untouched_trace(a, declared)) > 40


def milestone_days(result, milestone):
    days = result.runs[f"{milestone}_day"].to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(days), result.scenario.horizon_days + 1, days)


@pytest.mark.parametrize("name, milestone", [("compliance_delays", "destruction_complete"),
                                             ("secret_unit_dispersal", "first_removal")])
def test_paired_differences_vary_less_than_independent_ones(results, name, milestone):
    # Same seeds share the facilities' rates, the road times, the closures...: the paired difference keeps
    # only what the scenarios change. (Measured in December 2026: variance ~0 vs ~23,000 and ~150 vs ~470 days
    # squared. The dispersal scenario's later milestones no longer pair: its hideouts are amended one issue at a
    # time over the years (docs/verification.md), each reopening removal and destruction; its first removal,
    # after the unit has thinned the lots, still does.)
    base = milestone_days(results["syria_2013"], milestone)
    same_seed = milestone_days(results[name], milestone)
    other_seed = milestone_days(run(load_scenario(SCENARIOS / f"{name}.yaml"), replications=N, seed=SEED + 1,
                                    workers=2), milestone)
    assert np.var(same_seed - base) < 0.5 * np.var(other_seed - base)
