"""Shared pytest setup. Builders live in sreda/core/testing.py."""
