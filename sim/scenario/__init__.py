"""Layer 2, the scenario: the schema of a scenario file, its distributions, safe YAML with line numbers,
``extends:``/``set:``/``--set``, validation errors as located problems, and the generated format reference.

``from sim.scenario import Scenario, load_scenario`` are the two names most code needs.
"""

from sim.scenario.loading import load_scenario
from sim.scenario.schema import Scenario

__all__ = ["Scenario", "load_scenario"]
