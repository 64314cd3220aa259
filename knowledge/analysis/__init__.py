"""Case analysis: the registry of compute functions, money and deadline arithmetic, one
calculator module per domain, the engine that applies a case type's rules, and the report."""
