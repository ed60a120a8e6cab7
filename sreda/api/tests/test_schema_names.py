"""Issue 9: the OpenAPI components are keyed by class name, so two API schemas with one name would silently
describe one endpoint with the other's shape (schemathesis found /municipalities documented as the
statistics' municipality). Every API schema class has a name of its own."""
from collections import defaultdict

from ninja import Schema

import sreda.api.ninja_api  # noqa: F401  (imports every router, so every schema class exists)


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def test_api_schema_class_names_are_unique():
    by_name = defaultdict(set)
    for cls in all_subclasses(Schema):
        if cls.__module__.startswith("sreda."):
            by_name[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    clashes = {name: sorted(places) for name, places in by_name.items() if len(places) > 1}
    assert not clashes, clashes
