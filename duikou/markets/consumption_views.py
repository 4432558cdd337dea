"""Pages of the consumption part of matching (filled in by its own change)."""
