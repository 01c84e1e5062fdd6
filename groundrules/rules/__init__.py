"""The checks: rule framework, the one-walk ``ast`` engine and the rules by group."""
