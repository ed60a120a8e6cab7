"""Issue 9 (R1, R29): every endpoint of the API, read from its own OpenAPI spec, called by a token of school A
with the identifiers of school B's objects. A read answers 403 or 404 — never B's data; a write answers 403,
404 or 422 (a body the validator refuses never reaches the data) and leaves no trace: no audit entry, no row
changed. A new path parameter fails the test until it is given a builder here, so no endpoint is left out.

Tokens of three kinds call: A's administrator with every scope, A's director (R38's approvals), and a
methodist of A's district."""
from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
from django.utils import timezone

from sreda.api.models import SCOPES
from sreda.api.tests.factories import bearer, issue, make_school
from sreda.core.models import AuditEntry
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db

# Objects that belong to no school: their ids are the same for everyone, and what a caller sees of them is
# filtered by the caller's school inside the endpoint (tested in each domain's own tests).
GLOBAL = {
    "group_id": "access groups are the systems' global groups (R13); members are listed per school",
    "item_id": "the library catalogue is shared by the region (R16)",
    "program_id": "DPO programs belong to the regional centre (R36)",
}


def _org(w):
    return w.b.organisation.pk


def _invitation(w):
    from sreda.onboarding.models import Invitation

    return Invitation.objects.create(
        organisation=w.b.organisation, surname="Иванова", name="Анна", email="a@example.org", role=Role.TEACHER,
        token_hash=secrets.token_hex(32), expires_at=timezone.now() + timedelta(days=60)).pk


def _verification(w):
    from sreda.core.testing import make_membership, make_person
    from sreda.people.models import DirectorVerification, VerificationMethod

    director = make_membership(person=make_person(), role=Role.DIRECTOR, organisation=w.b.organisation)
    return DirectorVerification.objects.create(
        membership=director, region=w.b.region, method=VerificationMethod.PASSPORT_DATA,
        consent_given_at=timezone.now(), due_date=timezone.localdate() + timedelta(days=5)).pk


def _report(w):
    from sreda.people.models import ConfirmationReport

    return ConfirmationReport.objects.create(organisation=w.b.organisation).pk


def _employee(w):
    from sreda.people.models import Membership

    return Membership.objects.get(person=w.b.teacher, organisation=w.b.organisation).pk


def _import(w):
    from sreda.stats.models import StatsImport

    return StatsImport.objects.create(file_name="b.xlsx", scope=f"municipality:{w.b.municipality.pk}").pk


def _link(w):
    from sreda.stats.models import PublicDashboardLink

    return PublicDashboardLink.objects.create(municipality=w.b.municipality, token_hash=secrets.token_hex(32)).pk


def _publication(w):
    from sreda.library.models import SchedulePublication

    return SchedulePublication.objects.create(organisation=w.b.organisation).pk


def _task(w):
    from sreda.chats.models import ExchangeTask

    return ExchangeTask.objects.create(organisation=w.b.organisation).pk


def _join_request(w):
    from sreda.core.testing import make_user
    from sreda.onboarding.models import JoinRequest

    user = make_user()
    return JoinRequest.objects.create(
        organisation=w.b.organisation, role=Role.STUDENT, school_class=w.b.school_class, requester=user,
        subject=user.person, surname="Петров", name="Пётр").pk


def _correction(w):
    from sreda.onboarding.models import ChildDataCorrection

    student = w.b.students[0].person
    return ChildDataCorrection.objects.create(
        organisation=w.b.organisation, child=student, parent=student,
        changes={"name": {"old": student.name, "new": "Павел"}}).pk


def _document(w):
    from sreda.onboarding.models import SchoolDocument

    return SchoolDocument.objects.create(organisation=w.b.organisation, title="Приказ школы Б").pk


def _application(w):
    from sreda.dpo.tests.factories import School as DpoSchool
    from sreda.dpo.tests.factories import make_application, make_group
    from sreda.people.models import Membership

    teacher = Membership.objects.get(person=w.b.teacher, organisation=w.b.organisation)
    school = DpoSchool(w.b.organisation, None, teacher, None, None)
    return make_application(school=school, group=make_group(region=w.b.region), person=w.b.teacher,
                            membership=teacher).pk


BUILDERS = {
    "org_id": _org, "organisation_id": _org,
    "class_id": lambda w: w.b.school_class.pk,
    "person_id": lambda w: w.b.students[0].person_id,
    "employee_id": _employee, "invitation_id": _invitation, "verification_id": _verification,
    "report_id": _report, "import_id": _import, "link_id": _link, "publication_id": _publication,
    "task_id": _task, "request_id": _join_request, "correction_id": _correction, "document_id": _document,
    "application_id": _application,
}


class World:
    def __init__(self):
        self.a = make_school()
        self.b = make_school()
        scopes = tuple(SCOPES)
        self.tokens = {
            "administrator": issue(role=Role.ADMINISTRATOR, organisation=self.a.organisation, scopes=scopes),
            "director": issue(role=Role.DIRECTOR, organisation=self.a.organisation, scopes=scopes),
            "methodist": issue(role=Role.METHODIST, municipality=self.a.municipality, scopes=scopes),
        }
        self._ids: dict[str, int] = {}

    def id_of(self, param: str) -> int:
        if param not in self._ids:
            self._ids[param] = BUILDERS[param](self)
        return self._ids[param]


def operations() -> list[tuple[str, str]]:
    from sreda.api.ninja_api import api

    spec = api.get_openapi_schema()
    return sorted((method.upper(), path) for path, methods in spec["paths"].items() for method in methods
                  if "{" in path)


def test_every_path_parameter_has_a_builder_or_a_reason():
    params = {name for _, path in operations() for name in re.findall(r"{(\w+)}", path)}
    assert params - set(BUILDERS) - set(GLOBAL) == set()


@pytest.mark.parametrize("method, path", operations(), ids=lambda x: x)
def test_r1_a_token_of_school_a_never_reaches_an_object_of_school_b(client, method, path):
    names = re.findall(r"{(\w+)}", path)
    if set(names) & set(GLOBAL):
        pytest.skip(f"{path}: {GLOBAL[(set(names) & set(GLOBAL)).pop()]}")
    world = World()
    url = path
    for name in names:
        url = url.replace("{" + name + "}", str(world.id_of(name)))
    audit_before = AuditEntry.objects.count()
    for who, secret in world.tokens.items():
        response = client.generic(method, url, data="{}", content_type="application/json", **bearer(secret))
        allowed = {403, 404} if method == "GET" else {403, 404, 422}
        assert response.status_code in allowed, (who, method, url, response.status_code, response.content[:300])
    assert AuditEntry.objects.count() == audit_before, (method, url)
