"""Case analysis: the registry of compute functions, money and deadline arithmetic, one
calculator module per domain (labour, personal injury, family, traffic), the engine that applies
a case type's rules, and the report. What they say is content, read through :mod:`.wording` from
``knowledge/texts/{analysis,formulas,deadlines}.yml``."""
