"""Indicator arithmetic of R32–R34 on hand-computed cases (boundaries, zero totals, preschools, a school
missing from the export) and the scope of VIEW_STATS (R1)."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from sreda.core.active_role import system_operator
from sreda.core.testing import active_role_of, make_member, make_membership, make_municipality, make_organisation, make_user
from sreda.orgs.models import Organisation, OrganisationType
from sreda.people.roles import Role
from sreda.stats import indicators as ind
from sreda.stats.models import RoadmapStage
from sreda.stats.tests.stats_builders import make_active, make_active_month, make_oo1, make_snapshot

pytestmark = pytest.mark.django_db
ON = date(2025, 11, 20)


def _one(org, on=ON, actor=None):
    rows = ind.organisation_indicators(actor=actor or system_operator(), on=on,
                                       organisations=Organisation.objects.filter(pk=org.pk))
    assert len(rows) == 1
    return rows[0]


def test_r32_exactly_75_and_30_percent_meet_and_20_percent_does_not():
    org = make_organisation()
    make_oo1(org, teachers=4, students=10)
    make_active(org, "teachers", 3, on=ON)        # 3/4 = 75 %
    make_active(org, "students", 3, on=ON, days_before=7)  # 3/10 = 30 %, the 7th day before still counts
    make_active(org, "parents", 2, on=ON)         # 2/10 = 20 %
    make_active(org, "parents", 5, on=ON, days_before=8)   # outside the window
    make_active(org, "parents", 5, on=ON, days_before=0)   # the report day itself is not counted
    row = _one(org)
    assert row.source == "events"
    assert row.teachers == ind.GroupFigure(total=4, active=3, share=0.75, meets=True)
    assert row.students == ind.GroupFigure(total=10, active=3, share=0.3, meets=True)
    assert row.parents == ind.GroupFigure(total=10, active=2, share=0.2, meets=False)
    assert row.meets_all is False
    assert row.below_target


def test_r32_just_below_75_percent_misses():
    org = make_organisation()
    make_oo1(org, teachers=400, students=10)
    make_active(org, "teachers", 299, on=ON)
    row = _one(org)
    assert row.teachers.share == 299 / 400 and row.teachers.meets is False


def test_r32_total_zero_or_unknown_gives_no_share_and_no_verdict():
    zero = make_organisation()
    make_oo1(zero, teachers=0, students=0)
    make_active(zero, "teachers", 2, on=ON)
    row = _one(zero)
    assert row.teachers == ind.GroupFigure(total=0, active=2, share=None, meets=None)
    assert row.students.share is None and row.meets_all is None
    unknown = make_organisation()  # no ОО-1 for the year at all
    row = _one(unknown)
    assert row.teachers.total is None and row.teachers.active == 0 and row.meets_all is None


def test_r32_meets_all_when_every_target_met():
    org = make_organisation()
    make_oo1(org, teachers=4, students=10)
    make_active(org, "teachers", 4, on=ON)
    make_active(org, "students", 3, on=ON)
    make_active(org, "parents", 3, on=ON)
    assert _one(org).meets_all is True


def test_r32_preschool_students_excluded_parents_counted():
    org = make_organisation(kind=OrganisationType.PRESCHOOL, short_name="МБДОУ д/с № 5")
    make_oo1(org, teachers=10, students=100)
    make_active(org, "teachers", 8, on=ON)   # 80 %
    make_active(org, "parents", 30, on=ON)   # 30 %
    row = _one(org)
    assert row.students == ind.GroupFigure(total=None, active=None, share=None, meets=None)
    assert row.parents.share == 0.3 and row.parents.meets is True
    assert row.meets_all is True


def test_r31_snapshot_is_the_source_and_a_school_missing_from_the_export_falls_back_to_events():
    municipality = make_municipality()
    imported = make_organisation(municipality=municipality)
    missing = make_organisation(municipality=municipality)
    make_oo1(imported, teachers=50, students=500)  # ignored: the platform's figures win
    make_snapshot(imported, on=ON, teachers_total=20, students_total=200, parents_total=200,
                  teachers_active=15, students_active=59, parents_active=70,
                  teachers_registered=20, students_registered=190)
    make_oo1(missing, teachers=4, students=10)
    make_active(missing, "teachers", 3, on=ON)
    rows = {r.organisation.pk: r for r in ind.organisation_indicators(actor=system_operator(), on=ON,
                                                                       organisations=Organisation.objects.filter(municipality=municipality))}
    a, b = rows[imported.pk], rows[missing.pk]
    assert a.source == "import" and b.source == "events"
    assert a.teachers == ind.GroupFigure(total=20, active=15, share=0.75, meets=True)
    assert a.students.share == 59 / 200 and a.students.meets is False
    assert a.parents.share == 0.35 and a.parents.meets is True
    assert a.self_diagnosis_8_5 == 2  # 20/20 teachers and 190/200 = 95 % students registered; 15/20 active
    assert b.teachers.share == 0.75
    # a snapshot of another date does not count for this one
    assert _one(imported, on=date(2025, 11, 27)).source == "events"


def test_r32_district_share_of_organisations_meeting_all():
    municipality = make_municipality(name="Адмиралтейский район")
    good, bad = make_organisation(municipality=municipality), make_organisation(municipality=municipality)
    for org in (good, bad):
        make_oo1(org, teachers=4, students=10)
        make_active(org, "students", 3, on=ON)
        make_active(org, "parents", 3, on=ON)
    make_active(good, "teachers", 3, on=ON)
    rows = ind.organisation_indicators(actor=system_operator(), on=ON,
                                       organisations=Organisation.objects.filter(municipality=municipality))
    assert ind.municipality_summaries(rows) == [
        ind.MunicipalitySummary(name="Адмиралтейский район", organisations=2, meeting_all=1, share=0.5)]


def test_r34_self_diagnosis_levels_from_events():
    org = make_organisation()
    assert _one(org).self_diagnosis_8_5 == 0  # nobody registered, no messenger id
    make_oo1(org, teachers=2, students=1)
    teacher_user = make_user()
    make_membership(person=teacher_user.person, role=Role.TEACHER, organisation=org, start_date=date(2025, 9, 1))
    assert _one(org).self_diagnosis_8_5 == 1  # registered; 1 of 2 teachers
    second = make_user()
    make_membership(person=second.person, role=Role.STAFF, organisation=org, start_date=date(2025, 9, 1))
    student = make_user()
    make_membership(person=student.person, role=Role.STUDENT, organisation=org, start_date=date(2025, 9, 1))
    assert _one(org).self_diagnosis_8_5 == 2  # 100 % teachers (Учитель + Сотрудник) and students registered
    make_active(org, "teachers", 2, on=ON)
    assert _one(org).self_diagnosis_8_5 == 3  # and every teacher active in the week


def test_r34_messenger_id_means_registered():
    org = make_organisation(messenger_org_id="123456")
    assert _one(org).self_diagnosis_8_5 == 1


def test_r1_view_stats_scope():
    municipality = make_municipality()
    own = make_organisation(municipality=municipality)
    other_in_district = make_organisation(municipality=municipality)
    elsewhere = make_organisation()
    user, director = make_member(role=Role.DIRECTOR, organisation=own)
    rows = ind.organisation_indicators(actor=active_role_of(user, director), on=ON)
    assert [r.organisation for r in rows] == [own]
    user, methodist = make_member(role=Role.METHODIST, municipality=municipality)
    rows = ind.organisation_indicators(actor=active_role_of(user, methodist), on=ON,
                                       organisations=Organisation.objects.all())
    assert {r.organisation for r in rows} == {own, other_in_district}
    assert elsewhere not in {r.organisation for r in rows}
    user, teacher = make_member(role=Role.TEACHER, organisation=own)
    with pytest.raises(PermissionDenied):
        ind.organisation_indicators(actor=active_role_of(user, teacher), on=ON)


def test_r32_monthly_criterion_and_district_share():
    municipality = make_municipality(name="Кировский район")
    uses, misses, preschool, unknown = (make_organisation(municipality=municipality) for _ in range(4))
    preschool.kind = OrganisationType.PRESCHOOL
    preschool.save()
    month = date(2025, 10, 1)
    for org in (uses, misses, preschool):
        make_oo1(org, teachers=4, students=10)
        make_active_month(org, "teachers", 3, month=month)
        make_active_month(org, "parents", 3, month=month)
    make_active_month(uses, "students", 3, month=month)
    make_active_month(misses, "students", 2, month=month)
    rows = {r.organisation.pk: r for r in ind.monthly_criterion(
        actor=system_operator(), month=date(2025, 10, 17), organisations=Organisation.objects.filter(municipality=municipality))}
    assert rows[uses.pk].uses_service is True
    assert rows[misses.pk].uses_service is False
    assert rows[preschool.pk].uses_service is True and rows[preschool.pk].students.total is None
    assert rows[unknown.pk].uses_service is None  # no ОО-1 totals
    per_municipality, total = ind.monthly_shares(list(rows.values()))
    assert per_municipality == [ind.MonthlyShare(name="Кировский район", organisations=4, known=3, using=2, share=2 / 3)]
    assert total.share == 2 / 3


def test_r33_roadmap_stages_with_current_figures():
    municipality = make_municipality()
    org = make_organisation(municipality=municipality)
    make_oo1(org, teachers=4, students=10)
    make_active(org, "teachers", 3, on=ON)
    region = municipality.region
    RoadmapStage.objects.create(region=region, number=1, title="Активность на уровне максимума 2024/25",
                                due_date=date(2025, 10, 1))
    RoadmapStage.objects.create(region=region, number=2, title="Не менее 75 % сотрудников еженедельно",
                                due_date=date(2025, 12, 30), group="teachers", target_share=Decimal("0.75"))
    first, second = ind.roadmap_status(actor=system_operator(), region_id=region.pk, on=ON)
    assert first.meets is None and first.overdue is True
    assert second.current == 0.75 and second.meets is True and second.overdue is False


def test_weekly_trend_combines_organisations():
    municipality = make_municipality()
    a, b = make_organisation(municipality=municipality), make_organisation(municipality=municipality)
    make_oo1(a, teachers=4, students=10)
    make_oo1(b, teachers=6, students=10)
    make_active(a, "teachers", 4, on=ON)
    make_active(b, "teachers", 1, on=ON)
    points = ind.weekly_trend(actor=system_operator(), organisations=Organisation.objects.filter(municipality=municipality),
                              end=ON, weeks=3)
    assert [p.on for p in points] == [date(2025, 11, 6), date(2025, 11, 13), ON]
    assert points[-1].teachers == 5 / 10 and points[-1].students == 0.0
    assert points[0].teachers == 0.0


def test_r30_r32_indicators_from_ingested_events_end_to_end():
    """Events through the real ingest (R30: only counting activity, local days of the region) reach the
    weekly indicators: a teacher writing on the report day itself or a non-counting event is not active."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sreda.stats.events import events_ingest

    org = make_organisation()
    make_oo1(org, teachers=4, students=10)
    teachers = [make_user().person for _ in range(4)]
    for person in teachers:
        make_membership(person=person, role=Role.TEACHER, organisation=org, start_date=date(2025, 9, 1))
    msk = ZoneInfo("Europe/Moscow")
    events = [
        {"organisation_id": org.pk, "person_id": teachers[0].pk, "role": "teacher", "source": "chat", "kind": "message",
         "occurred_at": datetime(2025, 11, 19, 23, 30, tzinfo=msk), "external_id": "m1"},  # last day of the window
        {"organisation_id": org.pk, "person_id": teachers[1].pk, "role": "teacher", "source": "chat", "kind": "message",
         "occurred_at": datetime(2025, 11, 13, 0, 10, tzinfo=msk), "external_id": "m2"},  # first day of the window
        {"organisation_id": org.pk, "person_id": teachers[2].pk, "role": "teacher", "source": "chat", "kind": "message",
         "occurred_at": datetime(2025, 11, 20, 0, 5, tzinfo=msk), "external_id": "m3"},  # the report day: not counted
        {"organisation_id": org.pk, "person_id": teachers[3].pk, "role": "teacher", "source": "chat", "kind": "message",
         "occurred_at": datetime(2025, 11, 18, 12, 0, tzinfo=msk), "counts": False, "external_id": "m4"},  # not R30
    ]
    result = events_ingest(actor=system_operator(), events=events)
    assert result.stored == 4 and not result.rejected
    row = _one(org)
    assert row.source == "events"
    assert row.teachers == ind.GroupFigure(total=4, active=2, share=0.5, meets=False)
