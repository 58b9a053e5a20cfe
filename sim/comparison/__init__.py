"""Layer 7, comparison: scenarios run with the same seeds (common random numbers) and their paired differences."""
