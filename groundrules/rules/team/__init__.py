"""Team-declared rules, from the standards '  banned-api tables."""
