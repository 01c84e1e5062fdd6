"""What users run: the CLI, pre-commit entry points and report formats."""
