"""Layer 8, report: self-contained HTML reports of a run and of a sweep (no model, no execution)."""
