"""Traffic accident case types (filled in with their case-type files)."""
