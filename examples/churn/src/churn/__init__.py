"""Churn scoring, production code."""
