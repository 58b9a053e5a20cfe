"""What a search produced (:class:`SearchResults`) and how its best candidates are chosen.

One objective: the best are the feasible candidates (every constraint met) with the best value, ties to the
one asked first.  Two objectives: the Pareto front of the feasible candidates (none better in both), by the
first objective.  With no feasible candidate, the least infeasible are shown, marked so.  The verifier's
cost/effectiveness front is the Pareto front of cost (lower) against the first objective.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from sim.adversarial.loading import Search
    from sim.execution.parts import PartStore


def pareto(frame: pd.DataFrame, columns: list[str], larger_better: list[bool]) -> pd.DataFrame:
    """The rows of ``frame`` no other row beats in every column (and beats strictly in one), in frame order;
    of rows with the same values, the first only."""
    frame = frame.drop_duplicates(subset=columns, keep="first")
    signs = [1.0 if up else -1.0 for up in larger_better]
    values = frame[columns].to_numpy(dtype=float) * signs
    keep = []
    for i, row in enumerate(values):
        dominated = ((values >= row).all(axis=1) & (values > row).any(axis=1)).any()
        keep.append(not dominated)
    return frame[keep]


def choose(search: "Search", history: pd.DataFrame,
           reference: dict[str, Any] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The best candidates (at most the file's ``best``) and the front (two objectives, or the verifier's cost
    against its objective; empty otherwise), one row per candidate.  The base (``reference``, evaluation -1)
    competes too: a search that finds nothing better than the base says so."""
    rows = history if reference is None else pd.concat([pd.DataFrame([reference]), history], ignore_index=True)
    first = rows.drop_duplicates("candidate")
    pool = first[first["feasible"]]
    if pool.empty:
        pool = first.sort_values(["violation", "evaluation"]).head(search.spec.best)
    texts = [m.text for m in search.objectives]
    up = [goal == "maximize" for goal in search.goals]
    pool = pool.dropna(subset=texts)
    ordered = pool.sort_values([texts[0], "evaluation"], ascending=[not up[0], True], kind="stable")
    front = pd.DataFrame(columns=history.columns)
    if len(texts) == 2:
        front = pareto(ordered, texts, up)
        best = front
    else:
        best = ordered
    if search.side == "blue" and not pool.empty:
        front = pareto(ordered, ["cost", texts[0]], [False, up[0]]).sort_values("cost", kind="stable")
    return best.head(search.spec.best), front


@dataclass
class SearchResults:
    """What :func:`sim.adversarial.search.search` produced."""

    search: "Search"
    history: pd.DataFrame
    """One row per evaluation, in the order asked: levers, measures, cost (blue), violation, feasible."""
    runs: pd.DataFrame
    """One row per replication of every distinct candidate (candidate 0: the base) and state strategy."""
    reference: dict[str, Any]
    """The base unchanged: its measures (and cost) as a row of the history would have them."""
    best: pd.DataFrame
    front: pd.DataFrame
    wall_seconds: float

    @property
    def feasible_found(self) -> bool:
        return bool(self.history["feasible"].any())

    def __repr__(self) -> str:
        s = self.search
        return (f"<SearchResults {s.name} ({s.side}): {s.evaluations} evaluations x {s.replications} replications, "
                f"seed {s.seed}; best {self.best_assignment()}>")

    def best_assignment(self) -> dict[str, Any]:
        """The levers of the best candidate found ({} if none)."""
        if self.best.empty:
            return {}
        row = self.best.iloc[0]
        return {space.name: _plain(row[space.name]) for space in self.search.spaces}

    def resolved_spec(self) -> dict[str, Any]:
        """The search as it ran: the file's spec after the command line's seed, evaluations and replications."""
        spec = self.search.spec.model_dump(mode="json", exclude_none=True)
        spec["budget"].update(evaluations=self.search.evaluations, replications=self.search.replications)
        spec.update(seed=self.search.seed, base=str(self.search.base_path))
        return spec

    def strategy_yaml(self, row: pd.Series, rank: int, folder: Path) -> str:
        """A best candidate as a scenario file that extends the one it varies, with a ``set:`` block of its
        levers (and of the search's own ``set:``), relative to ``folder``.  For the verifier, it extends the
        base (the regime's scenario); its effect on each state strategy is in the history."""
        import yaml

        from sim.scenario.yaml_text import SafeDumper

        s = self.search
        target = s.arms[0].path if s.side == "red" else s.base_path
        sets: dict[str, Any] = {}
        for text in s.overrides:
            key, _, value = text.partition("=")
            sets[key] = json.loads(value) if value else value
        for lever, space in zip(s.spec.levers, s.spaces):
            for path in space.paths:
                sets[path] = _plain(row[space.name])
        measures = ", ".join(f"{m.text} = {_plain(row[m.text]):.4g}" for m in s.measures if m.text in row)
        found = "the base unchanged" if row["evaluation"] < 0 else f"evaluation {int(row['evaluation'])}"
        head = (f"# {s.name}: strategy {rank} of the {s.side} team's search ({s.label}, seed {s.seed}, {found})."
                f"\n# Question: {s.spec.question}\n# Measured on {s.replications} "
                f"replications: {measures}" + (f"; cost {row['cost']:.4g}" if "cost" in row else "") + ".\n")
        body = {"extends": os.path.relpath(target, folder), "name": f"{s.name}_{s.side}_{rank}",
                "question": f"{s.spec.question} (strategy {rank} found by the search)", "set": sets}
        return head + yaml.dump(body, Dumper=SafeDumper, sort_keys=False, allow_unicode=True, width=110)

    def save(self, folder: str | Path, command: str = "", plots: bool = True,
             store: "PartStore | None" = None) -> Path:
        """Write the search folder (see :func:`sim.output.search_folder.save_search`)."""
        from sim.output.search_folder import save_search

        return save_search(self, folder, command=command, plots=plots, store=store)


def _plain(value: Any) -> Any:
    """A NumPy scalar as the plain Python number YAML and JSON write."""
    return value.item() if hasattr(value, "item") else value


__all__ = ["SearchResults", "choose", "pareto"]
