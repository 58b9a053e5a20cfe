"""``disarm new``: the text of a new scenario file a user fills in, or of one that extends another.

The skeleton is a small, complete scenario (it validates and runs as it is) whose every block says what it
means, in which unit, and where its number should come from: ``SOURCE:`` comments are the places to cite a
public source or state an assumption (the report's assumptions table shows these comments beside each value).
The numbers are placeholders of a plausible size, not facts about any state.
"""

from __future__ import annotations

import re

from sim.core.problems import show_value

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
"""A scenario's name: what the schema's ``Identifier`` accepts."""


def check_name(name: str) -> None:
    """ValueError unless ``name`` can be a scenario's name (letters, digits, ``_ . -``, at most 64)."""
    if not NAME_PATTERN.match(name):
        raise ValueError(f"{show_value(name)} cannot be a scenario's name: use letters, digits, '_', '.' and '-' "
                         "(at most 64)")


SKELETON = """\
# {name}: a new case for disarm-sim.  Fill in every value marked SOURCE with a public source (or an explicit
# ASSUMPTION and its reason): the comments are carried into the report's assumptions table.  As written it is a
# small, complete placeholder (two sites, two lots, one port, one ship, one facility) that validates and runs:
#     disarm validate {file}
#     disarm run {file} -n 200
# Every key is described in docs/scenario-format.md; `disarm schema` gives the JSON Schema for an editor.
name: {name}
question: How long would the declared stockpile take to remove and destroy, and how likely is each deadline?
start_date: 2026-01-01          # day 0: the day the plan is agreed. SOURCE:
horizon_days: 1460              # the run ends here (4 years); what is unfinished is reported as not reached

state_party:                    # the state and how it joins the Chemical Weapons Convention. SOURCE:
  name: State X
  accession_decision_days: 5    # days from day 0 to the deposit of the instrument of accession
  entry_into_force_days: 30     # the Convention enters into force 30 days after the deposit (Article XXI)
  provisional_application: true # the state applies the Convention at once (as Syria did in 2013)

declaration: {{listing_days: 7, formal_declaration_days: 30}}   # days to the preliminary listing and the formal declaration. SOURCE:

# The plan begins with accession.  A state already party begins later (what came before day 0 is taken as done),
# and a stage can wait for others to be complete (docs/model.md, "The plan").  For example:
# plan:
#   begins_with: removal          # declared and inspected before day 0, as Libya in 2016
#   stages:
#     - {{id: destruction, after: [removal]}}   # nothing destroyed before everything has left

sites:                          # where the chemicals are; ids are referred to by lots. SOURCE:
  - {{id: S01, kind: storage, region: north, road_days_to_port: {{dist: triangular, low: 1, mode: 2, high: 4}}}}
  - {{id: S02, kind: production, region: south, road_days_to_port: 1}}

lots:                           # the declared chemicals, in tonnes, by site, agent and category. SOURCE:
  - {{id: L1, agent: mustard, category: 1, tonnes: 50, site: S01, route: sea, priority: true}}
  - {{id: L2, agent: precursor, category: 2, tonnes: 120, site: S02, route: sea}}

inspectorate:                   # the inspectors' teams and how long a site takes. SOURCE:
  arrival_day: 14
  teams: 2
  travel_days: 1
  verification_days: {{dist: triangular, low: 1, mode: 2, high: 4}}
  equipment_disabling_days: 2

convoys:                        # road convoys from the sites to the port. SOURCE:
  start_day: 60                 # ASSUMPTION: the trucks, packaging and escorts are ready two months in
  escorts: 2
  tonnes_per_convoy: 40
  loading_days: 1

port: {{name: Port A, berths: 1}}                # where the chemicals leave the country. SOURCE:
transfer_port: {{name: Port B}}                  # where the ships hand them to the destruction facility. SOURCE:

ships:                          # ships that carry the chemicals out. SOURCE:
  - {{id: ship1, capacity_tonnes: 500, available_day: 50, loading_days: 1, max_wait_days: 5, voyage_days: 5, return_days: 5}}

facilities:                     # where the chemicals are destroyed, and how fast. SOURCE:
  - {{id: plant, route: sea, lines: 1, line_rate_t_per_day: {{dist: triangular, low: 2, mode: 5, high: 8}}, setup_days: 20, batch_tonnes: 5}}

deadlines:                      # the plan's deadlines, each on a milestone (docs/contracts.md lists them). SOURCE:
  - {{id: removal_in_a_year, date: 2026-12-31, milestone: removal_complete}}
  - {{id: destruction_in_two_years, date: 2027-12-31, milestone: destruction_complete}}

# Behaviours, off until a case needs them (see docs/model.md): dispersal by a secret unit, compliance delays,
# political pressure, security closures.  For example:
# security:
#   enabled: true
#   regions:
#     - {{region: north, mean_days_between_closures: 60, closure_days: {{dist: triangular, low: 2, mode: 5, high: 15}}}}
"""

EXTENDS = """\
# {name}: {base_name} with changes.  It inherits everything from {base} and changes only what is written here
# (docs/scenario-format.md, "Inheritance"): mappings merge key by key; the items of sites, lots, ships,
# facilities, deadlines, gates, places, pools and links merge by their id (an item with a known id changes only the
# keys given, a new id adds an item, {{id: X, remove: true}} removes one); a set: block changes one value anywhere.
# Say why each change is made.
#     disarm validate {file}
#     disarm compare {base_arg} {file} -n 500
extends: {base}
name: {name}
question: {question}

# For example (uncomment and edit):
# convoys:
#   escorts: 3                    # ASSUMPTION: a third escort team, as the donors offered
# sites:
#   - {{id: S03, region: homs}}    # only this key of S03 changes (with links: links: - {{id: road_S03, ...}})
# set:
#   "compliance.convoy_release_delay_days.mode": 10
"""


def skeleton_text(name: str, file: str) -> str:
    """A commented, complete scenario named ``name`` (written as ``file``)."""
    check_name(name)
    return SKELETON.format(name=name, file=file)


def extends_text(name: str, file: str, base: str, base_name: str, base_arg: str) -> str:
    """A scenario named ``name`` that extends ``base`` (as ``extends:`` will name it) and changes nothing yet."""
    import yaml

    from sim.scenario.yaml_text import SafeDumper

    check_name(name)

    def scalar(value: str) -> str:  # through the YAML emitter: any file name reads back as itself
        return yaml.dump(value, Dumper=SafeDumper, default_style=None, width=10_000).strip().removesuffix("...").strip()

    question = f"How does {base_name} change when ...? (one sentence: what this variant asks)"
    return EXTENDS.format(name=name, file=file, base=scalar(base), base_name=base_name, base_arg=base_arg,
                          question=scalar(question))


__all__ = ["skeleton_text", "extends_text", "check_name"]
