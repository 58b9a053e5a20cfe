"""Layer 8, charts: data in, Axes out; never the model or the execution layer."""
