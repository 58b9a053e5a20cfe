"""The folder of a red-team or blue-team search (default ``plots/<search file stem>/``), written atomically with
manifest.json last:

    history.parquet, history.csv   one row per evaluation in the order asked: levers, measures (per state
                                   strategy too, for the verifier), cost, violation, feasible, repeat
    runs.parquet                   one row per replication of each distinct candidate (0: the base) and strategy
    best_<k>.yaml                  the best strategies found, each a scenario file that extends the base
    front.csv                      the Pareto front (two objectives) or the verifier's cost/effectiveness front
    summary.json                   the base's measures, the best candidates and the front
    search.resolved.yaml           the search as it ran
    *.png, report.html             the charts and a self-contained report
    manifest.json                  version, side, seed, evaluations, replications, command, packages, wall time
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from sim.charts.search import save_search_charts
from sim.core.files import clean_json, write_json, write_parquet, write_text
from sim.execution.parts import identity_id
from sim.output.folders import output_folder
from sim.output.manifest import build_manifest, write_manifest
from sim.report.search import write_report
from sim.scenario.yaml_text import SafeDumper

if TYPE_CHECKING:  # pragma: no cover
    from sim.adversarial.results import SearchResults
    from sim.execution.parts import PartStore


def _records(frame: Any) -> list[dict[str, Any]]:
    return clean_json(frame.to_dict(orient="records"))


def summary(results: "SearchResults") -> dict[str, Any]:
    """summary.json: what the search asked, the base, the best candidates and the front."""
    s = results.search
    return clean_json({"search": s.name, "side": s.side, "question": s.spec.question,
                       "objectives": [{"measure": m.text, "goal": g} for m, g in zip(s.objectives, s.goals)],
                       "constraints": [c.text for c in s.constraints], "robust": s.spec.robust,
                       "cost_limit": s.spec.cost_limit, "strategies": [a.name for a in s.arms],
                       "feasible_found": results.feasible_found, "base": results.reference,
                       "best": _records(results.best), "front": _records(results.front)})


def save_search(results: "SearchResults", folder: str | Path, command: str = "", plots: bool = True,
                store: "PartStore | None" = None) -> Path:
    """Write the search folder atomically, manifest.json last.  Returns the folder."""
    folder = Path(folder)
    s = results.search
    with output_folder(folder, staging=None if store is None else store.path) as tmp:
        write_parquet(tmp / "history.parquet", results.history)
        write_text(tmp / "history.csv", results.history.to_csv(index=False))
        write_parquet(tmp / "runs.parquet", results.runs)
        write_text(tmp / "front.csv", results.front.to_csv(index=False))
        for rank, (_, row) in enumerate(results.best.iterrows(), start=1):
            write_text(tmp / f"best_{rank}.yaml", results.strategy_yaml(row, rank, folder.resolve()))
        write_json(tmp / "summary.json", summary(results))
        write_text(tmp / "search.resolved.yaml", yaml.dump(results.resolved_spec(), Dumper=SafeDumper,
                                                            sort_keys=False, allow_unicode=True, width=110))
        charts: list[str] = []
        if plots:
            charts = save_search_charts(results, tmp)
            write_report(results, tmp, charts)
        manifest = build_manifest(command=command, charts=charts, wall_seconds=results.wall_seconds,
                                  events=int(results.runs["events"].sum()) if "events" in results.runs else 0,
                                  search=s.name, side=s.side, seed=s.seed, evaluations=s.evaluations,
                                  batch=s.batch, replications=s.replications)
        if store is not None:
            manifest["job"] = identity_id(store.identity)
            store.finish()
        write_manifest(tmp, clean_json(manifest))
    return folder


__all__ = ["save_search", "summary"]
