"""Benchmarks: `python -m bench <name>`; each prints its results as a table."""
