"""Adversarial searches: the state's best concealment (red team) and the verification regime that leaves it
least (blue team).

A search file (:mod:`sim.adversarial.spec`, loaded by :mod:`sim.adversarial.loading`) names a base scenario,
the levers one side may pull (key paths into the scenario, as a sweep's parameters), the objectives and
constraints on measures of the runs (:mod:`sim.adversarial.measures`) and a budget.  An optimiser (Optuna,
:mod:`sim.adversarial.optimiser`) proposes candidates in batches of a fixed size; every candidate runs the same
replication seeds (common random numbers) on the one replication engine, and each finished batch streams to a
part file so that ``--resume`` replays the search from its seed without running it again
(:mod:`sim.adversarial.search`).  The folder is written by :mod:`sim.output.search_folder`.
"""
