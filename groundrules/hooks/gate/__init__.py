"""The CI gate's other tools: bandit and mypy run on the checked files, their findings become ours."""
