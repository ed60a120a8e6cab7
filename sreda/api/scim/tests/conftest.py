import pytest

from sreda.api.tests.factories import make_school


@pytest.fixture
def school(db):
    """School A with class 5А, three students, their parents and a teacher: the token's tenant."""
    return make_school()


@pytest.fixture
def other_school(db):
    """School B in another district and region."""
    return make_school()
