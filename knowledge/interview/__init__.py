"""Interviewing a resident: which question next, understanding everyday answers, corrections,
read-back, and recognising danger in any message."""
