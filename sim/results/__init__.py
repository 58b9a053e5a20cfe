"""Layer 4, results: what replications reported, as tidy tables, daily bands and summaries.

Reads the model's output contract (:mod:`sim.core.contract`); never runs the model, draws or writes files.
"""
