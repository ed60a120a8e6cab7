import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Accounts are made in nearly every test; the production hasher's million rounds add nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
