"""Task functions that fail on purpose, for the engine and resume tests.

They live in a module of their own so that pool workers (forkserver) and Dask workers can import them by name.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def double(shared: Any, item: int) -> int:
    return 2 * item


def die_once(marker_folder: str, item: int) -> int:
    """Kill the worker process the first time item 3 runs (as the OOM killer would); fine the next time."""
    marker = Path(marker_folder) / f"died-{item}"
    if item == 3 and not marker.exists():
        marker.write_text("x")
        os._exit(1)
    return 2 * item


def always_die(shared: Any, item: int) -> int:
    os._exit(1)
