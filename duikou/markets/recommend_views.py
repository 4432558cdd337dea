"""Pages of the recommend part of matching (filled in by its own change)."""
