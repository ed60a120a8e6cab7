"""The operator's Django admin: every registered model lists, searches and filters; the audit log is read-only."""
import pytest
from django.contrib import admin

from sreda.core.audit import audit
from sreda.core.models import AuditEntry
from sreda.core.testing import active_role_of, make_member, make_user
from sreda.orgs.tests.factories import make_school_with_classes
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db

EXPECTED = {
    "orgs.region", "orgs.municipality", "orgs.organisation", "orgs.schoolyear", "orgs.reportingperiod", "orgs.subject",
    "orgs.schoolclass", "people.person", "people.user", "people.membership", "people.guardianship", "people.consent",
    "core.auditentry",
}


@pytest.fixture
def operator_client(client):
    operator = make_user(superuser=True)
    client.force_login(operator)
    client.post("/role/", {"key": "operator"})
    return client, operator


def test_every_model_of_the_foundation_is_registered():
    assert EXPECTED <= {model._meta.label_lower for model in admin.site._registry}


def test_changelists_open_with_search(operator_client):
    client, operator = operator_client
    organisation, _ = make_school_with_classes(classes=1, students_per_class=1)
    make_member(role=Role.TEACHER, organisation=organisation)
    audit(actor=active_role_of(operator), action="test.action", obj=organisation)
    for label in sorted(EXPECTED):
        app, model = label.split(".")
        response = client.get(f"/admin/{app}/{model}/", {"q": "школа"})
        assert response.status_code == 200, label


def test_audit_log_cannot_be_changed_even_by_the_operator(operator_client):
    client, operator = operator_client
    entry = audit(actor=active_role_of(operator), action="test.action")
    assert client.get(f"/admin/core/auditentry/{entry.pk}/change/").status_code == 200  # view only
    assert client.get("/admin/core/auditentry/add/").status_code == 403
    assert client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
