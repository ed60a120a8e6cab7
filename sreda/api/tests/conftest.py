import pytest

from sreda.api.tests.factories import make_school


@pytest.fixture
def school(db):
    """School A: the tenant every test reads."""
    return make_school()


@pytest.fixture
def other_school(db):
    """School B in another district and region: another tenant."""
    return make_school()
