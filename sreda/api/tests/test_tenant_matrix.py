"""Issue 9 (R1, R29): every endpoint of the API, read from its own OpenAPI spec, called by a token of school A
with the identifiers of school B's objects. A read answers 403 or 404 — never B's data; a write, sent with a
valid body (BODIES) so that it reaches the permission check, answers 403 or 404 and leaves no trace: no audit
entry, no row changed. A new path parameter, query identifier or request body fails the test until it is
given a builder here, so no endpoint is left out. Identifiers in query strings and in bodies: see the
sections at the end.

Tokens of three kinds call: A's administrator with every scope, A's director (R38's approvals), and a
methodist of A's district; and the people's own tokens of `_more_tokens` (a teacher with library access,
confirmed and new directors, the operator of A's region)."""
from __future__ import annotations

import functools
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


def _held(w):
    from sreda.roster.models import HeldImport

    return HeldImport.objects.create(organisation=w.b.organisation, organisation_ids=[w.b.organisation.pk],
                                     target=w.b.organisation, file_path="/nonexistent/b.zip", original_name="b.zip",
                                     fingerprint="0" * 64, preview={"schools": [], "over": [], "limit": 500}).pk


def _transition(w):
    from sreda.orgs.models import YearTransition
    from sreda.orgs.tests.test_year_transition import new_year, old_year

    return YearTransition.objects.create(organisation=w.b.organisation, from_year=old_year(), to_year=new_year(),
                                         date=new_year().start, record={"classes": [], "ended": [], "started": []}).pk


def _run(w):
    from sreda.exchange.models import ExchangeRun

    return ExchangeRun.objects.create(organisation=w.b.organisation, kind="roster", source="cli", status="failed",
                                      errors=[{"reason": "строка школы Б"}], error_count=1).pk


BUILDERS = {
    "org_id": _org, "organisation_id": _org,
    "class_id": lambda w: w.b.school_class.pk,
    "person_id": lambda w: w.b.students[0].person_id,
    "employee_id": _employee, "invitation_id": _invitation, "verification_id": _verification,
    "report_id": _report, "import_id": _import, "link_id": _link, "publication_id": _publication,
    "task_id": _task, "request_id": _join_request, "correction_id": _correction, "document_id": _document,
    "application_id": _application, "run_id": _run, "held_id": _held, "transition_id": _transition,
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
    tokens = {**world.tokens, **_more_tokens(world)}  # the people's own tokens: see the query section below
    audit_before = AuditEntry.objects.count()
    for who, secret in tokens.items():
        # a valid body (BODIES below), so a write reaches the permission check instead of the validator
        response = client.generic(method, url, **request_body(world, method, path), **bearer(secret))
        allowed = {403, 404} if method == "GET" else refusals(method, path)
        assert response.status_code in allowed, (who, method, url, response.status_code, response.content[:300])
    assert AuditEntry.objects.count() == audit_before, (method, url)


# --- identifiers in query parameters (issue 9 audit) ------------------------------------------------------
# An operation that filters by an organisation, class, district… named in the query string is called by A's
# tokens with school B's id (one parameter at a time; path parameters name A's own objects). It answers
# 403/404, or 200 with an empty list in which nothing of B appears (B's INN, names, people). School B has
# data behind each of these filters (`_seed_b`), so an empty list is the filter's doing; the control test
# below proves that B's own token sees it. A new identifier parameter fails the test until it is added here.

QUERY_IDS = {
    "organisation_id": _org,
    "class_id": lambda w: w.b.school_class.pk,
    "municipality_id": lambda w: w.b.municipality.pk,
    "region_id": lambda w: w.b.region.pk,
    "teacher_id": lambda w: w.b.teacher.pk,
}

# Identifiers of objects shared by every school: filtering by them narrows a list the caller may see anyway.
QUERY_GLOBAL = {
    "program_id": GLOBAL["program_id"],
    "course_id": "the library catalogue is shared by the region (R16)",
    "subject_id": "subjects are one list for the platform (R16)",
    "school_year_id": "school years are one calendar for the platform",
}

# Operations that by design show other schools' objects to any role.
QUERY_PUBLIC = {
    ("GET", "/api/v1/organisations"): "R5: the organisation search is the directory any role searches to join a school",
}


# Values for other required query parameters, so the call reaches the tenant check.
QUERY_REQUIRED = {"month": lambda: timezone.localdate().replace(day=1).isoformat()}


@functools.cache
def _spec() -> dict:
    """The spec, built once per run (building it takes a second)."""
    from sreda.api.ninja_api import api

    return api.get_openapi_schema()


def _required_query(method: str, path: str, skip: str) -> str:
    operation = _spec()["paths"][path][method.lower()]
    names = [p["name"] for p in operation.get("parameters", [])
             if p["in"] == "query" and p.get("required") and p["name"] != skip]
    return "".join(f"&{name}={QUERY_REQUIRED[name]()}" for name in names)


def _answer_text(response) -> tuple[str, object]:
    """The answer as text to search for B's markers, and its JSON (or the rows of a spreadsheet)."""
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        from io import BytesIO

        from openpyxl import load_workbook

        sheet = load_workbook(BytesIO(response.content), read_only=True).active
        rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
        text = "\n".join(" ".join(str(c) for c in row if c is not None) for row in rows)
        return text, rows[1:]  # the rows under the header
    return response.content.decode(), response.json() if response.content else None


def _is_query_id(name: str) -> bool:
    return name.endswith("_id")


def query_operations() -> list[tuple[str, str, str]]:
    """(method, path, parameter) for every identifier in a query string of the spec."""
    found = set()
    for path, methods in _spec()["paths"].items():
        for method, operation in methods.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and _is_query_id(parameter["name"]):
                    found.add((method.upper(), path, parameter["name"]))
    return sorted(found)


class _Own:
    """The path builders, pointed at school A: a query test addresses A's own organisation or class."""

    def __init__(self, world: World):
        self.b = world.a


def _seed_b(world: World) -> None:
    """Data of school B behind every filter above: a lesson, a library assignment, a DPO application, a join
    request, a director's verification, a confirmation report, a roadmap stage of B's region and activity
    events; people and memberships exist already."""
    from sreda.core.active_role import system_operator
    from sreda.library.models import Assignment, CatalogueItem, Course, ScheduleLesson
    from sreda.stats.events import events_ingest
    from sreda.stats.models import RoadmapStage

    b = world.b
    for name in ("application_id", "request_id", "verification_id", "report_id"):
        world.id_of(name)
    subject = _subject()
    ScheduleLesson.objects.create(organisation=b.organisation, school_class=b.school_class, subject=subject,
                                  teacher=b.teacher, day=timezone.localdate(), number=1)
    course, _ = Course.objects.get_or_create(title="Математика 5", subject=subject, grade=5)
    item, _ = CatalogueItem.objects.get_or_create(course=course, title="Дроби", grade=5, subject=subject)
    Assignment.objects.create(item=item, organisation=b.organisation, school_class=b.school_class, teacher=b.teacher,
                              kind="homework", day=timezone.localdate())
    RoadmapStage.objects.create(region=b.region, number=1, title="Этап региона Б", due_date=timezone.localdate())
    student = b.students[0]
    events_ingest(actor=system_operator(), events=[{
        "organisation_id": b.organisation.pk, "person_id": student.person_id, "role": "student", "source": "chat",
        "kind": "message", "occurred_at": (timezone.now() - timedelta(days=1)).isoformat()}])


def _subject():
    from sreda.orgs.models import Subject

    return Subject.objects.get_or_create(name="Математика")[0]  # what teacher_with_access teaches


class _Mirror:
    """The world seen from school B: B's own tokens for the control test."""

    def __init__(self, world: World):
        self.a, self.b = world.b, world.a
        scopes = tuple(SCOPES)
        self.tokens = {
            "administrator": issue(role=Role.ADMINISTRATOR, organisation=self.a.organisation, scopes=scopes),
            "director": issue(role=Role.DIRECTOR, organisation=self.a.organisation, scopes=scopes),
            "methodist": issue(role=Role.METHODIST, municipality=self.a.municipality, scopes=scopes),
        }


def _assign(teacher, klass) -> None:
    """The teacher's own assignment in the school's class: what `class_id` filters in R18's list."""
    from sreda.library.models import Assignment, CatalogueItem, Course

    subject = _subject()
    course, _ = Course.objects.get_or_create(title="Математика 5", subject=subject, grade=5)
    item, _ = CatalogueItem.objects.get_or_create(course=course, title="Дроби", grade=5, subject=subject)
    Assignment.objects.create(item=item, organisation=teacher.organisation, school_class=klass,
                              teacher=teacher.person, kind="homework", day=timezone.localdate())


def _more_tokens(world: World) -> dict[str, str]:
    """Besides the role tokens of the path matrix, the people the filtered lists and probed writes are for,
    each with their own token: a teacher who passes R15 (R18's assignments), a confirmed director (R8, R38),
    a director not yet confirmed (R6's verification), and the operator of A's region (R36's DPO centre)."""
    from sreda.api.services import token_create
    from sreda.core.active_role import system_operator
    from sreda.core.testing import make_member
    from sreda.library.tests.builders import teacher_with_access

    organisation = world.a.organisation
    _, teacher = teacher_with_access(organisation)
    _assign(teacher, world.a.school_class)
    _, director = make_member(role=Role.DIRECTOR, organisation=organisation, confirmation="confirmed")
    _, newcomer = make_member(role=Role.DIRECTOR, organisation=organisation)
    scopes = list(SCOPES)

    def own(membership) -> str:
        return token_create(actor=system_operator(), name="ИС", scopes=scopes, membership=membership)[1]

    return {
        "teacher (own)": own(teacher), "director (own)": own(director), "new director (own)": own(newcomer),
        "regional operator": issue(role=Role.REGIONAL_OPERATOR, region=world.a.region, scopes=tuple(scopes)),
    }


def _b_markers(world: World) -> list[re.Pattern]:
    """What of school B may never appear in A's answer: its INN and names, its people's surnames (those no
    one at A shares: both schools' builders name a teacher «Смирнова»)."""
    from sreda.people.models import Person

    b = world.b.organisation

    def surnames(organisation) -> set[str]:
        return set(Person.objects.filter(memberships__organisation=organisation).values_list("surname", flat=True))

    texts = [b.inn, b.short_name, b.full_name, *sorted(surnames(b) - surnames(world.a.organisation))]
    return [re.compile(re.escape(text) + r"(?![\w])") for text in texts if text]


def _items(body):
    if isinstance(body, dict) and "items" in body:
        return body["items"], body.get("count", len(body["items"]))
    if isinstance(body, list):
        return body, len(body)
    return None, None


def test_every_query_identifier_has_a_builder_or_a_reason():
    params = {name for _, _, name in query_operations()}
    assert params - set(QUERY_IDS) - set(QUERY_GLOBAL) == set()


@pytest.mark.parametrize("method, path, param", [op for op in query_operations() if op[2] in QUERY_IDS],
                         ids=lambda x: x)
def test_r1_a_query_identifier_of_school_b_yields_nothing_of_b(client, method, path, param):
    if (method, path) in QUERY_PUBLIC:
        pytest.skip(f"{path}: {QUERY_PUBLIC[(method, path)]}")
    world = World()
    _seed_b(world)
    own = _Own(world)
    url = path
    for name in re.findall(r"{(\w+)}", path):
        if name in GLOBAL:
            pytest.skip(f"{path}: {GLOBAL[name]}")
        url = url.replace("{" + name + "}", str(BUILDERS[name](own)))
    markers = _b_markers(world)
    tokens = {**world.tokens, **_more_tokens(world)}
    audit_before = AuditEntry.objects.count()
    for who, secret in tokens.items():
        query = f"?{param}={QUERY_IDS[param](world)}" + _required_query(method, path, param)
        response = client.generic(method, url + query, **bearer(secret))
        text, body = _answer_text(response)
        assert response.status_code in {200, 403, 404}, (who, url, param, response.status_code, text[:300])
        leaked = [m.pattern for m in markers if m.search(text)]
        assert not leaked, (who, url, param, leaked, text[:300])
        if response.status_code == 200:
            items, count = _items(body)
            assert items == [] and count == 0, (who, url, param, "200 must be an empty list", text[:300])
    assert AuditEntry.objects.count() == audit_before, (method, url)


@pytest.mark.parametrize("method, path, param", [op for op in query_operations() if op[2] in QUERY_IDS],
                         ids=lambda x: x)
def test_control_school_bs_own_tokens_do_see_what_the_filter_hides_from_a(client, method, path, param):
    """The other half of the proof: the same filter with B's id, called by B's own tokens, finds B's data —
    so A's empty answer is the tenant check at work, not an empty database."""
    if (method, path) in QUERY_PUBLIC:
        pytest.skip(QUERY_PUBLIC[(method, path)])
    world = World()
    _seed_b(world)
    mirror = _Mirror(world)
    url = path
    for name in re.findall(r"{(\w+)}", path):
        url = url.replace("{" + name + "}", str(BUILDERS[name](world)))
    found = {}
    for who, secret in {**mirror.tokens, **_more_tokens(mirror)}.items():
        query = f"?{param}={QUERY_IDS[param](world)}" + _required_query(method, path, param)
        response = client.generic(method, url + query, **bearer(secret))
        if response.status_code == 200:
            _, body = _answer_text(response)
            items, count = _items(body)
            found[who] = count if items is not None else "object"
    assert any(found.values()), (method, url, param, found)


# --- request bodies (issue 9 audit) -----------------------------------------------------------------------
# A write is sent with a body that passes validation, so it reaches the permission check; a 422 from the
# validator proves nothing about tenancy. BODIES: a valid body for every operation of the path matrix that
# takes one (B's object in the path; ids in the body name B's objects too). PROBES: writes the path matrix
# does not reach — B's ids travel in the body, or the path id is a DPO program/group, which GLOBAL waves
# through although programs belong to a region's centre. OWN: bodies that only ever touch the caller's own
# account. Every operation with a request body is in exactly one of them (test below).

TODAY = timezone.localdate


class Multipart(dict):
    """A multipart/form-data body (file uploads)."""


def _pdf(name: str = "scan.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sreda.demo.onboarding import PDF

    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _b_membership(w) -> int:
    return w.b.students[0].pk


def _course(w) -> int:
    from sreda.library.models import Course

    return Course.objects.get_or_create(title="Математика 5", subject=_subject(), grade=5)[0].pk


def _catalogue_item(w) -> int:
    from sreda.library.models import CatalogueItem

    course_id = _course(w)
    return CatalogueItem.objects.get_or_create(course_id=course_id, title="Дроби", grade=5, subject=_subject())[0].pk


def _dpo_group(w):
    """A DPO group of B's region (its centre, program and group), built once per world."""
    from sreda.dpo.models import Group
    from sreda.dpo.tests.factories import make_group

    if "dpo_group" not in w._ids:
        w._ids["dpo_group"] = make_group(region=w.b.region).pk
    return Group.objects.select_related("program__organisation").get(pk=w._ids["dpo_group"])


def _lesson(w) -> list[dict]:
    return [{"day": TODAY().isoformat(), "number": 1, "class_id": w.b.school_class.pk, "subject_id": _subject().pk,
             "teacher_id": w.b.teacher.pk}]


def _step(w) -> dict:
    return {"comment": "Согласовано"}


def _group_body(w) -> dict:
    return {"name": "Поток Б", "starts_on": (TODAY() + timedelta(days=30)).isoformat(),
            "ends_on": (TODAY() + timedelta(days=35)).isoformat(), "capacity": 20}


def _roster_csv() -> Multipart:
    """A valid roster template (issue #10): one student of 5А, applied even as a mass change."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sreda.roster.tests.factories import TEMPLATE_HEADER

    row = ["S9", "Чужакова", "Анна", "", "", "", "", "", "", "Обучающийся", "5А", "", ""]
    data = (",".join(TEMPLATE_HEADER) + "\n" + ",".join(row) + "\n").encode()
    return Multipart(file=SimpleUploadedFile("b.csv", data, content_type="text/csv"), skip_bad="false",
                     approve_mass_change="true")


BODIES = {
    ("POST", "/api/v1/verifications/{verification_id}/reject"): lambda w: {"reason": "Скан нечитаем"},
    ("POST", "/api/v1/organisations/{organisation_id}/confirmation/decisions"):
        lambda w: {"decision": "confirmed", "membership_ids": [_b_membership(w)]},
    ("PATCH", "/api/v1/employees/{employee_id}"): lambda w: {"surname": "Чужакова", "email": "x@example.org"},
    ("POST", "/api/v1/organisations/{organisation_id}/invitations"):
        lambda w: {"surname": "Петрова", "name": "Анна", "email": "petrova@example.org", "role": "teacher"},
    ("POST", "/api/v1/invitations/{invitation_id}/revoke"): lambda w: {"reason": "Ошибка в адресе"},
    ("POST", "/api/v1/orgs/{org_id}/schedule"): _lesson,
    ("POST", "/api/v1/orgs/{org_id}/library/orders"): lambda w: {"course_id": _course(w), "comment": "Нужен курс"},
    ("POST", "/api/v1/orgs/{org_id}/chats/sync"): lambda w: {"dry_run": False},
    ("POST", "/api/v1/join-requests/{request_id}/approve"): lambda w: {"roster_person_id": None},
    ("POST", "/api/v1/join-requests/{request_id}/reject"): lambda w: {"reason": "Не учится в школе"},
    ("POST", "/api/v1/orgs/{org_id}/parent-invitations"):
        lambda w: {"class_id": w.b.school_class.pk, "student_id": w.b.students[0].person_id},
    ("POST", "/api/v1/child-corrections/{correction_id}/reject"): lambda w: {"reason": "Данные верны"},
    ("POST", "/api/v1/orgs/{org_id}/documents"):
        lambda w: Multipart(title="Приказ", audience="teachers", due_date=(TODAY() + timedelta(days=7)).isoformat(),
                            file=_pdf("prikaz.pdf")),
    ("POST", "/api/v1/documents/{document_id}/ask"): lambda w: {"audience": "teachers"},
    ("POST", "/api/v1/dpo/my/applications/{application_id}/cancel"): _step,
    ("POST", "/api/v1/dpo/applications/{application_id}/approve"): _step,
    ("POST", "/api/v1/dpo/applications/{application_id}/cancel"): _step,
    ("POST", "/api/v1/dpo/applications/{application_id}/include"): _step,
    ("POST", "/api/v1/dpo/applications/{application_id}/comments"): lambda w: {"text": "Вопрос по заявке"},
    ("POST", "/api/v1/orgs/{org_id}/year-transition"): lambda w: {"date": None},
    ("POST", "/api/v1/orgs/{org_id}/roster/imports"): lambda w: _roster_csv(),
}


def _encoded(body) -> dict:
    """Keyword arguments of the test client's generic() for `body`."""
    import json

    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    if body is None:
        return {"data": "", "content_type": "application/json"}
    if isinstance(body, Multipart):
        return {"data": encode_multipart(BOUNDARY, dict(body)), "content_type": MULTIPART_CONTENT}
    return {"data": json.dumps(body), "content_type": "application/json"}


def request_body(world: World, method: str, path: str) -> dict:
    """The body the path matrix sends: a valid one where the operation takes a body, else none."""
    builder = BODIES.get((method, path))
    return _encoded(builder(world)) if builder else {"data": "{}", "content_type": "application/json"}


def refusals(method: str, path: str) -> set[int]:
    """What the path matrix accepts as a refusal: 403 or 404 — 422 only for a body no builder makes yet."""
    takes_body = "requestBody" in _spec()["paths"][path][method.lower()]
    return {403, 404, 422} if takes_body and (method, path) not in BODIES else {403, 404}


class Probe:
    """A write the path matrix does not reach: where it goes (A's objects or shared ones in the path), the
    body that names B's objects, and — if a refusal here is not 403/404 — which status and why."""

    def __init__(self, url, body, *, also: dict[int, str] | None = None):
        self.url, self.body, self.also = url, body, also or {}


def _access_group_url(suffix: str):
    def url(w) -> str:
        from sreda.access.models import AccessGroup
        from sreda.access.selectors import UB_TSOK_GROUP_CODE

        return f"/api/v1/access-groups/{AccessGroup.objects.get(code=UB_TSOK_GROUP_CODE).pk}/members{suffix}"
    return url


def _b_access_member(w) -> list[int]:
    """B's teacher in the shared group for school B (so a removal would have something to end)."""
    from sreda.access.models import AccessGroup, AccessGroupMember
    from sreda.access.selectors import UB_TSOK_GROUP_CODE

    group = AccessGroup.objects.get(code=UB_TSOK_GROUP_CODE)
    AccessGroupMember.objects.get_or_create(group=group, organisation=w.b.organisation, person=w.b.teacher,
                                            removed_at=None)
    return [w.b.teacher.pk]


def _stats_file(w) -> Multipart:
    """A platform export (R35) whose one row is school B, by its id and INN."""
    import csv
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    from sreda.stats.tests.test_import_service import SEED_HEADER, a_y_row

    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(SEED_HEADER)
    b = w.b.organisation
    writer.writerow(a_y_row(org_id=str(b.pk), inn=b.inn, name=b.short_name))
    return Multipart(file=SimpleUploadedFile("stat.csv", text.getvalue().encode(), content_type="text/csv"))


NOT_MINE = "the service answers 422 naming what is not the caller's (checked: validation passed, nothing changed)"

PROBES = {
    ("POST", "/api/v1/verifications"): Probe(
        lambda w: "/api/v1/verifications",
        lambda w: {"region_id": w.b.region.pk, "consent": True, "passport_series": "4503",
                   "passport_number": "123456", "passport_issued_by": "ГУ МВД", "passport_issue_date": "20.11.2015",
                   "passport_department_code": "780-012"},
        also={422: NOT_MINE}),
    ("POST", "/api/v1/verifications/upload"): Probe(
        lambda w: "/api/v1/verifications/upload",
        lambda w: Multipart(method="employment_certificate", region_id=str(w.b.region.pk), consent="true",
                            file=_pdf()),
        also={422: NOT_MINE}),
    ("POST", "/api/v1/access-groups/{group_id}/members"): Probe(
        _access_group_url(""), lambda w: {"person_ids": [w.b.teacher.pk]}, also={422: NOT_MINE}),
    ("POST", "/api/v1/access-groups/{group_id}/members/remove"): Probe(
        _access_group_url("/remove"), lambda w: {"person_ids": _b_access_member(w)}, also={422: NOT_MINE}),
    ("POST", "/api/v1/events"): Probe(
        lambda w: "/api/v1/events",
        lambda w: {"events": [{"organisation_id": w.b.organisation.pk, "person_id": w.b.teacher.pk, "role": "teacher",
                               "source": "chat", "kind": "message",
                               "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat()}]},
        also={200: "the batch is accepted and B's event listed in `rejected` (checked: nothing of B stored)"}),
    ("POST", "/api/v1/stats/imports"): Probe(
        lambda w: "/api/v1/stats/imports", _stats_file,
        also={201: "the file is the caller's; B's row is listed as unmatched (checked: nothing of B stored)"}),
    ("POST", "/api/v1/stats/public-links"): Probe(
        lambda w: "/api/v1/stats/public-links", lambda w: {"municipality_id": w.b.municipality.pk, "label": "Б"}),
    ("POST", "/api/v1/library/assignments"): Probe(
        lambda w: "/api/v1/library/assignments",
        lambda w: {"item_id": _catalogue_item(w), "class_id": w.b.school_class.pk, "kind": "homework",
                   "day": TODAY().isoformat()},
        also={422: NOT_MINE}),
    ("POST", "/api/v1/dpo/applications/bulk-approve"): Probe(
        lambda w: "/api/v1/dpo/applications/bulk-approve",
        lambda w: {"ids": [w.id_of("application_id")], "comment": ""},
        also={200: "the answer lists B's application under `refused` (checked: nothing of B changed)"}),
    ("POST", "/api/v1/dpo/programs"): Probe(
        lambda w: "/api/v1/dpo/programs",
        lambda w: {"organisation_id": _dpo_group(w).program.organisation_id, "name": "Программа в чужом регионе"}),
    ("PUT", "/api/v1/dpo/programs/{program_id}"): Probe(
        lambda w: f"/api/v1/dpo/programs/{_dpo_group(w).program_id}",
        lambda w: {"organisation_id": _dpo_group(w).program.organisation_id, "name": "Переименована"}),
    ("POST", "/api/v1/dpo/programs/{program_id}/groups"): Probe(
        lambda w: f"/api/v1/dpo/programs/{_dpo_group(w).program_id}/groups", _group_body),
    ("PUT", "/api/v1/dpo/groups/{group_id}"): Probe(
        lambda w: f"/api/v1/dpo/groups/{_dpo_group(w).pk}", _group_body),
    ("DELETE", "/api/v1/dpo/groups/{group_id}"): Probe(lambda w: f"/api/v1/dpo/groups/{_dpo_group(w).pk}", None),
    ("GET", "/api/v1/dpo/programs/{program_id}/groups"): Probe(
        lambda w: f"/api/v1/dpo/programs/{_dpo_group(w).program_id}/groups", None),
}

OWN = {
    ("POST", "/api/v1/library/items"): "the shared catalogue (R16): no school's object",
    ("POST", "/api/v1/library/favourites"): "the caller's own favourites of the shared catalogue",
    ("POST", "/api/v1/me/messenger"): "the caller's own messenger account",
    ("POST", "/api/v1/me/messenger/confirm"): "the caller's own messenger account",
    ("POST", "/api/v1/joining/my-requests"): "a person's own request to join any school (R20): B's admins decide",
    ("POST", "/api/v1/dpo/my/applications"): "a teacher's own application to a group of the region's centre (R36)",
    ("POST", "/api/v1/year-transition/district"): "the caller's own district: its schools come from the token's role",
}


def _b_state(w) -> dict:
    """What of school B a probe could change: its rows in every table the probes reach."""
    from sreda.access.models import AccessGroupMember
    from sreda.dpo.models import Application, Group, Program
    from sreda.library.models import Assignment, CourseOrder, ScheduleLesson
    from sreda.onboarding.models import Invitation, JoinRequest, ParentInvitation, SchoolDocument
    from sreda.people.models import DirectorVerification, Membership, Person
    from sreda.stats.models import ActivityEvent, PublicDashboardLink, StatsSnapshot

    b = w.b.organisation
    region = w.b.region
    return {
        "audit": AuditEntry.objects.filter(organisation=b).count(),
        "memberships": sorted(Membership.objects.filter(organisation=b)
                              .values_list("pk", "role", "end_date", "confirmation")),
        "people": sorted(Person.objects.filter(memberships__organisation=b).values_list("pk", "surname", "email")),
        "access": sorted(AccessGroupMember.objects.filter(organisation=b).values_list("pk", "removed_at")),
        "events": ActivityEvent.objects.filter(organisation=b).count(),
        "snapshots": StatsSnapshot.objects.filter(organisation=b).count(),
        "links": PublicDashboardLink.objects.filter(municipality=w.b.municipality).count(),
        "verifications": sorted(DirectorVerification.objects.filter(region=region).values_list("pk", "status")),
        "assignments": Assignment.objects.filter(school_class__organisation=b).count(),
        "lessons": ScheduleLesson.objects.filter(organisation=b).count(),
        "orders": CourseOrder.objects.filter(organisation=b).count(),
        "invitations": sorted(Invitation.objects.filter(organisation=b).values_list("pk", "status")),
        "parent_invitations": ParentInvitation.objects.filter(school_class__organisation=b).count(),
        "join_requests": sorted(JoinRequest.objects.filter(organisation=b).values_list("pk", "status")),
        "documents": SchoolDocument.objects.filter(organisation=b).count(),
        "applications": sorted(Application.objects.filter(organisation=b).values_list("pk", "status")),
        "programs": sorted(Program.objects.filter(organisation__region=region).values_list("pk", "name")),
        "groups": sorted(Group.objects.filter(program__organisation__region=region)
                         .values_list("pk", "name", "starts_on", "capacity")),
    }


def test_every_request_body_is_built_or_has_a_reason():
    """(b)/(c): a new operation with a body fails here until it gets a body builder, a probe or a reason."""
    with_body = {(method.upper(), path) for path, methods in _spec()["paths"].items()
                 for method, operation in methods.items() if "requestBody" in operation}
    assert with_body - set(BODIES) - set(PROBES) - set(OWN) == set()
    assert set(BODIES) & set(PROBES) == set() and set(BODIES) & set(OWN) == set() and set(PROBES) & set(OWN) == set()


@pytest.mark.parametrize("method, path", sorted(PROBES), ids=lambda x: x)
def test_r1_ids_of_school_b_in_a_write_change_nothing_of_b(client, method, path):
    world = World()
    _seed_b(world)
    probe = PROBES[(method, path)]
    url = probe.url(world)
    tokens = {**world.tokens, **_more_tokens(world)}
    bodies = {who: probe.body(world) if probe.body else None for who in tokens}  # a file is read once: one each
    before = _b_state(world)
    for who, secret in tokens.items():
        response = client.generic(method, url, **_encoded(bodies[who]), **bearer(secret))
        answer = response.json() if response.content else {}
        assert response.status_code in {403, 404} | set(probe.also), (who, method, url, response.status_code, answer)
        assert "errors" not in answer or response.status_code != 422, (who, url, "the body did not validate", answer)
        assert _b_state(world) == before, (who, method, url, response.status_code, answer)
