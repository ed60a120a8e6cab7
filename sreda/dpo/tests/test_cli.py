"""`python -m sreda dpo applications --org INN [--status …] [--json]` (R38)."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sreda.dpo.statuses import Status
from sreda.dpo.tests.factories import make_application, make_group, make_school

pytestmark = pytest.mark.django_db


def test_lists_a_schools_applications_as_json_and_text():
    school = make_school()
    new = make_application(school=school, group=make_group())
    done = make_application(school=school, group=make_group(), status=Status.INCLUDED)
    make_application(school=make_school(), group=make_group())
    out = StringIO()
    call_command("dpo", "applications", "--org", school.organisation.inn, "--json", stdout=out)
    assert {row["id"] for row in json.loads(out.getvalue())} == {new.pk, done.pk}
    out = StringIO()
    call_command("dpo", "applications", "--org", school.organisation.inn, "--status", "included", stdout=out)
    text = out.getvalue()
    assert f"№{done.pk}\tВключен в группу" in text and f"№{new.pk}" not in text


def test_unknown_school_is_an_error():
    with pytest.raises(CommandError, match="не найдена"):
        call_command("dpo", "applications", "--org", "0000000000")
