"""Above output, below the command line that starts it: the scenario explorer (``disarm serve``), a local web
app.

Its jobs are the ``disarm`` commands themselves, run in child processes (:mod:`sim.explorer.jobs`); its pages
read what those commands write.  It reads and writes only inside its workspace
(:mod:`sim.explorer.workspace`).
"""
