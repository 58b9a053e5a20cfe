"""Layer 10, the command line (``disarm``): parse, call one function, print.

The app and its shared options are :mod:`sim.cli.app`, the commands :mod:`sim.cli.commands`, what they print
:mod:`sim.cli.printers`, and the entry point :func:`sim.cli.entry.main`.
"""

from sim.cli.app import app
from sim.cli.entry import main

__all__ = ["app", "main"]
