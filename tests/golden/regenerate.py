"""Regenerate the golden summaries: run ONLY when a change of results is intended and understood.

    python tests/golden/regenerate.py

Each golden file is the summary.json of a small seeded run of a shipped scenario. tests/test_golden.py
compares fresh runs against them, so any change in the model's numbers shows up as a failing test that
has to be explained (in the commit message) and accepted by re-running this script.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CASES = {
    "syria_2013_seed0_n40.json": (ROOT / "scenarios" / "syria_2013.yaml", 40, 0),
    "tiny_seed0_n3.json": (ROOT / "tests" / "data" / "tiny.yaml", 3, 0),
}


def golden_summary(path: Path, replications: int, seed: int) -> dict:
    import sim

    results = sim.run(sim.load_scenario(path), replications=replications, seed=seed, workers=1)
    return results.summary()


def main() -> None:
    for name, (path, replications, seed) in CASES.items():
        summary = golden_summary(path, replications, seed)
        (HERE / name).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
