from sreda.roster.tests.conftest import operator, region, school  # noqa: F401 — the roster tests' school and operator
