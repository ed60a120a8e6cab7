"""Shared pytest setup. Builders live in sreda/core/testing.py."""
import os

from hypothesis import settings

# A loaded 2-core CI machine must not turn a slow example into a failure; the properties still run.
settings.register_profile("ci", deadline=None, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")
