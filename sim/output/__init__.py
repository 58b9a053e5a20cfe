"""Layer 9, output: the only layer that writes folders and manifests - crash-safe folders, the one manifest
builder, the folder of each kind of job, and the jobs behind the commands (:mod:`sim.output.jobs`)."""
