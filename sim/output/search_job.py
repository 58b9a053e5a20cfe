"""``disarm redteam`` and ``disarm blueteam``: read the search file, check the folder before any simulation,
stream each batch to a part file (``--resume``), search, and write the folder (:mod:`sim.output.search_folder`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from sim.core.problems import Problem, ScenarioError
from sim.output.folders import writing
from sim.output.jobs import Hooks, default_folder, open_store

if TYPE_CHECKING:  # pragma: no cover
    from sim.adversarial.results import SearchResults


def search_job(path: Path, side: str, *, folder: Path | None = None, overrides: Sequence[str] = (),
               seed: int | None = None, evaluations: int | None = None, replications: int | None = None,
               workers: int | None = None, scheduler: str | None = None, resume: bool = False,
               fresh: bool = False, plots: bool = True, command: str = "",
               hooks: Hooks | None = None) -> "tuple[SearchResults | None, Path]":
    """The search (None if ``--resume`` found it complete already) and its folder.  ``side`` is the command's:
    a blue search file given to ``disarm redteam`` is refused, naming the ``side`` key's line."""
    from sim.adversarial.loading import load_search
    from sim.adversarial.search import search
    from sim.execution.engines import make_engine
    from sim.scenario.validation import locate

    hooks = hooks or Hooks()
    loaded = load_search(path, overrides=list(overrides), seed=seed, evaluations=evaluations,
                         replications=replications)
    if loaded.side != side:
        file, line = locate(("side",), loaded.lines, loaded.label)
        command_name = "redteam" if loaded.side == "red" else "blueteam"
        raise ScenarioError([Problem(file, line, "side", f"this is a {loaded.side} team's search; run it with "
                                                         f"disarm {command_name}")])
    folder = folder if folder is not None else default_folder("sweep", path.stem, overrides)
    batches = -(-loaded.evaluations // loaded.batch)
    with writing(folder):  # checked, and locked until the new folder is swapped in
        store = open_store(folder, loaded.identity(), resume, hooks, fresh=fresh)
        if store is None:
            return None, folder
        with store:
            store.open(loaded.batch, batches, command=command, parts=("runs",))
            total = (loaded.evaluations + 1) * loaded.replications * len(loaded.arms)  # the candidates and the base
            with hooks.progress(total, f"{loaded.name}: {loaded.evaluations} evaluations x "
                                       f"{loaded.replications} replications") as advance:
                engine = make_engine(workers, scheduler)
                with engine:
                    results = search(loaded, engine=engine, store=store, on_progress=advance)
            results.save(folder, command=command, plots=plots, store=store)
    return results, folder


__all__ = ["search_job"]
