"""Data shipped with the package: the bundled baseline scenario.

``syria_2013.yaml`` here is a symbolic link to the canonical ``scenarios/syria_2013.yaml``; a test checks the
two are identical, so a copy made by a non-editable install stays honest.
"""

from __future__ import annotations

from pathlib import Path

BASELINE_NAME = "syria_2013.yaml"


def bundled_scenarios() -> dict[str, Path]:
    """The scenarios shipped with the package, by name (``extends: syria_2013`` finds them from any folder)."""
    here = Path(__file__).resolve().parent
    return {path.stem: path for path in sorted(here.glob("*.yaml"))}


def baseline_path() -> Path:
    """Path of the bundled baseline scenario (works from any folder)."""
    return Path(__file__).resolve().parent / BASELINE_NAME
