"""`generate` and `demo`: the synthetic region lands in the database once, and the demo accounts work (R1, R3, R4)."""
import importlib.util
import io
import json

import pytest

from sreda.orgs.school_year import school_year_start, school_year_title
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from sreda.core.models import AuditEntry
from sreda.demo.services import DEMO_PASSWORD
from sreda.demo.synth import write_oneroster
from sreda.orgs.models import Municipality, Organisation, OrganisationStatistics, Region, ReportingPeriod, SchoolClass
from sreda.people.models import Consent, Guardianship, Membership, Person, User
from sreda.people.roles import Role

ROSTER_READY = importlib.util.find_spec("sreda.roster.services") is not None
needs_roster = pytest.mark.skipif(
    not ROSTER_READY, reason="sreda/roster/services.py (roster_import) ещё не существует: generate не может импортировать"
)
DEMO_LOGINS = {"operator", "region", "methodist", "director", "director2", "admin", "teacher", "student", "parent"}
REQUESTERS = {"joiner1", "joiner2", "joiner3", "joiner4", "joiner-parent"}  # sreda/demo/joining.py


def generate(**options) -> dict:
    out = io.StringIO()
    call_command("generate", as_json=True, stdout=out, **options)
    return json.loads(out.getvalue())


def snapshot() -> dict:
    """What a user of the database would notice: rows of every table the import and demo write."""
    return {
        "organisations": Organisation.objects.count(), "municipalities": Municipality.objects.count(),
        "regions": Region.objects.count(), "classes": SchoolClass.objects.count(),
        "class_teachers": list(SchoolClass.objects.order_by("pk").values_list("class_teacher_id", flat=True)),
        "persons": Person.objects.count(), "memberships": Membership.objects.count(),
        "active_memberships": Membership.objects.active().count(), "guardianships": Guardianship.objects.count(),
        "periods": ReportingPeriod.objects.count(), "users": User.objects.count(), "consents": Consent.objects.count(),
        "oo1": list(OrganisationStatistics.objects.order_by("pk").values_list("teachers_total", "students_total")),
    }


def test_generate_writes_the_files_only_when_asked(tmp_path, db):
    """Given --out and --no-import, then the OneRoster folder is written and the database stays empty."""
    summary = generate(schools=1, seed=1, out=tmp_path, no_import=True)
    assert summary["generated"]["schools"] == 1 and summary["out"] == str(tmp_path)
    assert (tmp_path / "users.csv").exists() and (tmp_path / "manifest.csv").exists()
    assert not Organisation.objects.exists() and not Person.objects.exists()
    with pytest.raises(CommandError, match="--out"):
        call_command("generate", no_import=True, stdout=io.StringIO())


@needs_roster
def test_generate_imports_two_schools_with_their_classes_people_and_oo1_totals(tmp_path, db):
    """R4: `generate --schools 2 --seed 1` gives a region 78, a district, two schools with 1А–11Б each,
    every generated person with their role, parents linked to children, and ОО-1 totals above the roster."""
    expected = write_oneroster(tmp_path, schools=2, seed=1)

    summary = generate(schools=2, seed=1)

    assert summary["generated"] == expected
    assert Region.objects.get().code == "78" and Municipality.objects.count() == 1
    schools = list(Organisation.objects.order_by("external_id"))
    assert len(schools) == 2
    for school in schools:
        titles = [c.title for c in SchoolClass.objects.filter(organisation=school).order_by("grade", "letter")]
        assert titles == [f"{g}{letter}" for g in range(1, 12) for letter in "АБ"]
        assert not SchoolClass.objects.filter(organisation=school, class_teacher__isnull=True).exists()
    assert Person.objects.count() == expected["people"]
    active = Membership.objects.active()
    for role, key in ((Role.STUDENT, "students"), (Role.PARENT, "parents"), (Role.TEACHER, "teachers"),
                      (Role.ADMINISTRATOR, "administrators"), (Role.STAFF, "aides")):
        assert active.filter(role=role).values("person").distinct().count() == expected[key], role
    assert not active.filter(role=Role.STUDENT, school_class__isnull=True).exists()
    assert Guardianship.objects.count() == expected["parents"]
    assert ReportingPeriod.objects.filter(title__endswith="четверть").count() == 4
    for school in schools:
        oo1 = OrganisationStatistics.objects.get(organisation=school, school_year__title=school_year_title(school_year_start()))
        students = active.filter(organisation=school, role=Role.STUDENT).count()
        teachers = active.filter(organisation=school, role__in=(Role.TEACHER, Role.STAFF)).values("person").distinct().count()
        assert students < oo1.students_total <= students + 10
        assert teachers < oo1.teachers_total <= teachers + 5


@needs_roster
def test_generating_the_same_region_twice_changes_nothing(db):
    """Imports upsert by external id: the second run creates, updates and ends nothing."""
    generate(schools=2, seed=1)
    before = snapshot()

    second = generate(schools=2, seed=1)

    assert snapshot() == before
    assert (second["import"]["created"], second["import"]["updated"], second["import"]["ended"]) == (0, 0, 0)
    assert second["oo1_recorded"] == 0


def run_demo(**options) -> str:
    out = io.StringIO()
    call_command("demo", no_serve=True, schools=2, seed=1, stdout=out, **options)
    return out.getvalue()


@needs_roster
def test_demo_creates_one_login_per_role_and_a_second_run_duplicates_nothing(db):
    """`demo --no-serve` on an empty database: the district, then a login per role, printed with the password."""
    printed = run_demo()
    logins = set(User.objects.values_list("username", flat=True))
    assert logins - REQUESTERS == DEMO_LOGINS
    # R20: the demo's join requests come from accounts without a password, which nobody signs in with.
    assert all(not User.objects.get(username=name).has_usable_password() for name in logins & REQUESTERS)
    assert all(login in printed for login in DEMO_LOGINS) and DEMO_PASSWORD in printed
    before = snapshot()
    audit_before = AuditEntry.objects.count()

    printed_again = run_demo()

    assert snapshot() == before
    assert AuditEntry.objects.count() == audit_before
    assert "Новых учётных записей: 0" in printed_again


@needs_roster
def test_each_demo_user_signs_in_and_holds_the_roles_described(db, client):
    """R1: each login acts in its role; R3: none has consented, so the first page is the consent page."""
    run_demo()
    school = Organisation.objects.order_by("pk").first()
    users = {u.username: u for u in User.objects.select_related("person").exclude(username__in=REQUESTERS)}

    def roles(login, **scope):
        return set(Membership.objects.active().filter(person=users[login].person, **scope).values_list("role", flat=True))

    assert users["operator"].is_superuser
    assert roles("region", region=school.municipality.region) == {Role.REGIONAL_OPERATOR}
    assert roles("methodist", municipality=school.municipality) == {Role.METHODIST}
    assert roles("director", organisation=school) == {Role.DIRECTOR, Role.TEACHER}
    # R6–R9: the first school's director is confirmed (the R9 table is open); the second school's is not yet.
    directors = Membership.objects.active().filter(role=Role.DIRECTOR)
    assert directors.get(person=users["director"].person).is_confirmed
    second = directors.get(person=users["director2"].person)
    assert second.organisation != school and not second.is_confirmed
    assert roles("admin", organisation=school) == {Role.ADMINISTRATOR}
    homeroom = SchoolClass.objects.get(organisation=school, class_teacher=users["teacher"].person)
    assert Role.TEACHER in roles("teacher", organisation=school)
    assert roles("student", school_class=homeroom) == {Role.STUDENT}
    assert roles("parent", organisation=school) == {Role.PARENT}
    assert Guardianship.objects.filter(parent=users["parent"].person, child=users["student"].person).exists()
    assert not Consent.objects.exists()
    for login, user in users.items():
        assert user.person.account_confirmed, login
        assert client.login(username=login, password=DEMO_PASSWORD), login
        response = client.get("/")
        assert response.status_code == 302 and response.url.startswith(reverse("consent")), login
        client.logout()
