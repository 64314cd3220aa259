"""Chinese hybrid retrieval over the FAQ and the statutes."""
