"""Layer 6, sweeps: many variants of one scenario, each replicated with common random numbers, and what they
say (one-at-a-time effects, Morris, Sobol, rank correlations, PRIM scenario discovery).

Loading a sweep file (:mod:`sim.sweeps.loading`) never simulates and never imports the model; running one is
:func:`sim.sweeps.api.sweep` (``sim.sweep``), on the one replication engine.
"""
