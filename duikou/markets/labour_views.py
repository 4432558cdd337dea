"""Pages of the labour part of matching (filled in by its own change)."""
