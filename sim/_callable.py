"""Modules whose name is also a public function of the package (``sim.sweep``, ``sim.compare``).

``sim.sweep(...)`` and ``sim.compare(...)`` are the public API (DESIGN.md), but once ``sim/sweep.py`` is
imported Python binds the package attribute ``sim.sweep`` to the module.  Making the module callable keeps
``sim.sweep(...)`` working whichever of the two the attribute is.
"""

from __future__ import annotations

import sys
import types
from typing import Any


def make_module_callable(module_name: str, function_name: str) -> None:
    """Calling module ``module_name`` calls its function ``function_name``."""

    class _CallableModule(types.ModuleType):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return getattr(self, function_name)(*args, **kwargs)

    sys.modules[module_name].__class__ = _CallableModule
