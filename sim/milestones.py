"""Milestone ids: the names users' scripts, deadlines and output columns rely on (DESIGN.md)."""

from __future__ import annotations

MILESTONES: dict[str, str] = {
    # step 1: join the OPCW
    "accession_deposited": "instrument of accession deposited",
    "entry_into_force": "Convention in force for the state (30 days after deposit, CWC Art. XXI(2))",
    # step 2: declare
    "listing_submitted": "preliminary listing of the programme handed over",
    "declaration_submitted": "formal declaration submitted (CWC Art. III)",
    # step 3: allow inspection
    "initial_inspections_complete": "every declared site verified by inspectors",
    "equipment_destroyed": "production and mixing/filling equipment made inoperable at every declared site",
    # step 4: destroy
    "first_removal": "first ship with chemicals leaves the port of embarkation",
    "priority_removal_complete": "all declared priority chemicals shipped out",
    "removal_complete": "all declared chemicals on a removal route (sea or commercial) shipped out",
    "munitions_destroyed": "all unfilled munitions destroyed",
    "priority_destruction_complete": "all declared priority chemicals destroyed",
    "category1_destroyed": "all declared Category 1 chemicals destroyed",
    "destruction_complete": "all declared chemicals destroyed",
    "first_structure_destroyed": "first production structure destroyed",
    "production_facilities_destroyed": "all production structures destroyed",
}
"""Every milestone id, in the order of the plan, with its meaning."""

MILESTONE_IDS: tuple[str, ...] = tuple(MILESTONES)

MILESTONE_LABELS: dict[str, str] = {
    "accession_deposited": "Accession deposited",
    "entry_into_force": "Entry into force",
    "listing_submitted": "Preliminary listing",
    "declaration_submitted": "Formal declaration",
    "initial_inspections_complete": "All declared sites inspected",
    "equipment_destroyed": "Equipment made inoperable",
    "first_removal": "First removal",
    "priority_removal_complete": "Priority chemicals removed",
    "removal_complete": "All chemicals removed",
    "munitions_destroyed": "Unfilled munitions destroyed",
    "priority_destruction_complete": "Priority chemicals destroyed",
    "category1_destroyed": "Category 1 destroyed",
    "destruction_complete": "All chemicals destroyed",
    "first_structure_destroyed": "First structure destroyed",
    "production_facilities_destroyed": "All structures destroyed",
}
"""Short labels for charts and tables."""
