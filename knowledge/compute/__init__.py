"""Compute functions per domain: facts -> amounts, deadlines, derived facts."""
