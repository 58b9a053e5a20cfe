"""Layer 5, execution: where replications run (this process, a local pool, a Dask cluster), the one
replication engine that every job goes through (:mod:`sim.execution.replicate`), part files for ``--resume``
(:mod:`sim.execution.parts`), runs (:mod:`sim.execution.runs`) and one replication told as a story
(:mod:`sim.execution.trace`)."""
