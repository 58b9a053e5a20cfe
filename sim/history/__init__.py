"""Layer 7, history: the observed record (:mod:`~sim.history.observed`), a scenario scored against it
(:mod:`~sim.history.backtest`) and its parameters fitted to it (:mod:`~sim.history.calibrate`)."""
