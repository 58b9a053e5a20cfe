"""Running a sweep (:func:`sweep`) and what it produced (:class:`SweepResults`).

The folder a sweep writes (default ``plots/<sweep file stem>/``; see docs/contracts.md) is written by
:mod:`sim.output.sweep_folder`; :meth:`SweepResults.save` delegates to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pandas as pd

from sim.execution.engines import make_engine
from sim.execution.replicate import Job, execute
from sim.sweeps.analysis import analyse
from sim.sweeps.loading import Sweep, load_sweep
from sim.sweeps.tables import Sensitivity

if TYPE_CHECKING:  # pragma: no cover
    from sim.execution.base import Engine
    from sim.execution.parts import PartStore
    from sim.sweeps.design import Design


@dataclass
class SweepResults:
    """What :func:`sim.sweep` produced: the sweep, its design, replications, points and analyses."""

    sweep: Sweep
    design: "Design"
    runs: pd.DataFrame
    points: pd.DataFrame
    sensitivity: dict[str, Any]
    wall_seconds: float = math.nan

    @property
    def events_processed(self) -> int:
        return int(self.runs["events"].sum())

    def __repr__(self) -> str:
        return (f"<SweepResults {self.sweep.name}: {self.design.method}, {self.design.size} points x "
                f"{self.sweep.replications} replications, seed {self.sweep.seed}; "
                f"outcomes: {', '.join(o.spec for o in self.sweep.outcomes)}>")

    def _repr_html_(self) -> str:
        from sim.results.display import Table, html_summary, number

        lines = [f"{self.design.method}: {self.design.size} points x {self.sweep.replications} replications, "
                 f"seed {self.sweep.seed}"]
        if self.sweep.spec.question:
            lines.insert(0, str(self.sweep.spec.question))
        parameters = Table("Parameters", ["parameter", "values", "base"],
                           [[p["name"], str(p["values"]), str(p["base"])]
                            for p in self.sensitivity.get("parameters", [])])
        frame = Sensitivity(self.sensitivity).to_frame()
        leading = frame[frame["index"].isin(["swing", "mu_star", "ST", "spearman"])].copy()
        leading["size"] = leading["value"].abs()
        rows = []
        for outcome, group in leading.groupby("outcome", sort=False):
            top = group.sort_values("size", ascending=False).head(5)
            rows += [[outcome, r.parameter, f"{r.method} {r.index}", number(r.value, 3)] for r in top.itertuples()]
        return html_summary(f"disarm-sim sweep: {self.sweep.name}", lines,
                            [parameters, Table("Leading parameters per outcome (largest first)",
                                               ["outcome", "parameter", "index", "value"], rows)])

    def to_frame(self) -> pd.DataFrame:
        """The design points with each point's outcomes (points.parquet), one row per point."""
        return self.points.copy()

    def resolved_spec(self) -> dict[str, Any]:
        """The sweep as it ran: the file's spec after the command line's samples, replications and seed."""
        spec = self.sweep.spec.model_dump(mode="json", exclude_none=True)
        spec.update(samples=self.sweep.samples, replications=self.sweep.replications, seed=self.sweep.seed,
                    base=str(self.sweep.base_path))
        spec["discovery"] = [t.text for t in self.sweep.thresholds]
        return spec

    def save(self, folder: str | Path, command: str = "", plots: bool = True,
             store: "PartStore | None" = None) -> Path:
        """Write the sweep folder atomically (see :func:`sim.output.sweep_folder.save_sweep`)."""
        from sim.output.sweep_folder import save_sweep

        return save_sweep(self, folder, command=command, plots=plots, store=store)

    def manifest(self, command: str, charts: list[str]) -> dict[str, Any]:
        """manifest.json of this sweep (see :func:`sim.output.manifest.sweep_manifest`)."""
        from sim.output.manifest import sweep_manifest

        return sweep_manifest(self, command, charts)


def sweep(spec: str | Path | Sweep, *, samples: int | None = None, replications: int | None = None,
          seed: int | None = None, workers: int | None = None, overrides: list[str] | None = None,
          discover: list[str] | None = None, chunk_size: int | None = None,
          on_progress: Callable[[int], None] | None = None, scheduler: str | None = None,
          engine: "Engine | None" = None, store: "PartStore | None" = None) -> SweepResults:
    """Run a sweep: build its design, replicate every point, and analyse the results.

    ```python
    results = sim.sweep("scenarios/sweeps/levers_oat.yaml", replications=20, workers=2)
    results.points                        # one row per design point
    results.sensitivity.to_frame()        # every index, one row each
    ```

    Same seed, same results, whatever ``workers``, ``scheduler`` (a Dask cluster) or ``chunk_size``.  With
    ``store`` (a :class:`~sim.execution.parts.PartStore` made with :meth:`Sweep.identity`), every finished
    task streams to a part file and an interrupted sweep can be resumed; save with the same store.
    """
    sw = spec if isinstance(spec, Sweep) else load_sweep(spec, overrides=overrides, samples=samples,
                                                         replications=replications, seed=seed,
                                                         discover=discover)
    design = sw.design()
    scenarios = sw.point_scenarios(design)
    own = engine is None
    engine = engine or make_engine(workers, scheduler)
    try:
        out = execute(Job("sweep", sw.seed, columns=sw.columns()), scenarios, sw.replications, engine,
                      chunk_size=chunk_size, store=store, on_progress=on_progress)
    finally:
        if own:
            engine.close()
    points, sensitivity = analyse(sw, design, scenarios, out.runs)
    return SweepResults(sw, design, out.runs, points, Sensitivity(sensitivity), out.wall_seconds)


__all__ = ["sweep", "SweepResults"]
