"""Marriage and family case types (filled in with their case-type files)."""
