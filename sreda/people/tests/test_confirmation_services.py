"""Confirming teachers and students and the report owed afterwards (R8, R9), through the services and
selectors that the pages and the API call."""
from datetime import timedelta

import pytest

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from sreda.core.models import AuditEntry
from sreda.core.permissions import UNCONFIRMED_DIRECTOR
from sreda.core.testing import active_role_of, make_member, make_membership, make_person
from sreda.core.text import plural
from sreda.people import confirmation as conf
from sreda.people.confirmation import MemberFilter, members_decide, report_send
from sreda.people.models import Confirmation, ConfirmationReport, Membership, MembershipDecision
from sreda.people.roles import Role
from sreda.people.tests.test_confirmation_builders import add_member, make_school

pytestmark = pytest.mark.django_db

C = Confirmation


def states(memberships) -> list[str]:
    return list(Membership.objects.filter(pk__in=[m.pk for m in memberships]).order_by("pk")
                .values_list("confirmation", flat=True))


def nothing_changed(school) -> bool:
    return (not MembershipDecision.objects.filter(organisation=school.organisation).exists()
            and set(states(school.members)) == {C.PENDING}
            and not AuditEntry.objects.filter(organisation=school.organisation).exists())


def test_r9_confirm_selected_rows_records_decisions_audit_and_a_report_owed():
    school = make_school(teachers=2, students=3)
    chosen = [school.teachers[0], school.students[1]]

    result = members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                            membership_ids=[m.pk for m in chosen])

    assert (result.changed, result.unchanged) == (2, 0)
    assert result.message == "Подтверждено: 2."
    row = Membership.objects.get(pk=chosen[0].pk)
    assert row.confirmation == C.CONFIRMED and row.confirmed_by == school.director_user
    assert abs(row.confirmed_at - timezone.now()) < timedelta(minutes=1)
    assert states([school.teachers[1], school.students[0], school.students[2]]) == [C.PENDING] * 3
    decisions = MembershipDecision.objects.filter(organisation=school.organisation)
    assert sorted(decisions.values_list("membership_id", flat=True)) == sorted(m.pk for m in chosen)
    assert {d.decision for d in decisions} == {C.CONFIRMED} and all(d.report_id is None for d in decisions)
    assert all(d.decided_by_id == school.director_user.pk for d in decisions)
    # every state change is in the audit log, one row per person, with what it was and what it became
    entries = AuditEntry.objects.filter(action="membership.confirm").order_by("object_id")
    assert sorted(int(e.object_id) for e in entries) == sorted(m.pk for m in chosen)
    entry = entries.get(object_id=str(school.teachers[0].pk))
    assert entry.object_type == "people.membership" and entry.actor == school.director_user
    assert entry.object_repr == f"{school.teachers[0].person.full_name} — Учитель"
    assert entry.details["from"] == C.PENDING and entry.details["to"] == C.CONFIRMED
    assert entry.organisation == school.organisation and entry.actor_role.startswith("Руководитель ОО")
    batch = AuditEntry.objects.get(action="membership.decide_batch")
    assert batch.details["changed"] == 2 and batch.details["batch"] == entry.details["batch"]
    owed = conf.report_owed(actor=school.actor, organisation=school.organisation)
    assert owed.owed and (owed.count, owed.confirmed, owed.rejected) == (2, 2, 0)
    assert owed.decisions_label == "2 решения"


def test_r9_a_decision_that_changes_nothing_makes_no_row():
    school = make_school(teachers=1, students=2)
    ids = [m.pk for m in school.members]
    members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED, membership_ids=ids[:2])

    again = members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                           membership_ids=ids)

    assert (again.changed, again.unchanged) == (1, 2)
    assert again.message == "Подтверждено: 1. Без изменений (уже подтверждены): 2."
    assert MembershipDecision.objects.count() == 3
    assert AuditEntry.objects.filter(action="membership.confirm").count() == 3


def test_r9_transition_table_reject_after_confirm_and_back_each_recorded():
    school = make_school(teachers=1, students=0)
    teacher = school.teachers[0]
    for decision in (C.CONFIRMED, C.REJECTED, C.CONFIRMED):
        members_decide(actor=school.actor, organisation=school.organisation, decision=decision,
                       membership_ids=[teacher.pk])

    assert states([teacher]) == [C.CONFIRMED]
    assert list(MembershipDecision.objects.order_by("pk").values_list("decision", flat=True)) == [
        C.CONFIRMED, C.REJECTED, C.CONFIRMED]
    reject = AuditEntry.objects.get(action="membership.reject")
    assert reject.details["from"] == C.CONFIRMED and reject.details["to"] == C.REJECTED


@pytest.mark.parametrize("decision", [C.PENDING, "approve", ""])
def test_only_confirm_or_reject_are_decisions(decision):
    school = make_school()
    with pytest.raises(ValidationError, match="«Подтвердить» или «Отклонить»"):
        members_decide(actor=school.actor, organisation=school.organisation, decision=decision,
                       membership_ids=[school.students[0].pk])
    assert nothing_changed(school)


def test_rows_outside_the_table_refuse_the_whole_batch_and_change_nothing():
    """Another school's student, a parent, the director, an ended role: not in the table — nothing changes."""
    school = make_school()
    other = make_school()
    parent = make_membership(person=make_person(), role=Role.PARENT, organisation=school.organisation)
    ended = add_member(school, surname="Ушедшая", name="Анна", role=Role.TEACHER,
                       end_date=timezone.localdate() - timedelta(days=1))
    school.teachers.remove(ended)
    for stranger in (other.students[0], parent, school.director, ended):
        with pytest.raises(ValidationError, match="не найдено отмеченных строк: 1"):
            members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                           membership_ids=[school.students[0].pk, stranger.pk])
    assert nothing_changed(school)
    assert states([other.students[0]]) == [C.PENDING]


def test_nothing_selected_is_a_clear_error():
    school = make_school()
    with pytest.raises(ValidationError, match="Отметьте хотя бы одну строку"):
        members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED, membership_ids=[])
    with pytest.raises(ValidationError, match="Отметьте строки в таблице или выберите все по фильтру"):
        members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED)
    assert nothing_changed(school)


def test_r8_unconfirmed_director_cannot_decide_or_send_and_is_told_why():
    school = make_school(director_confirmed=False)
    with pytest.raises(PermissionDenied) as refused:
        members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                       membership_ids=[school.students[0].pk])
    assert str(refused.value) == UNCONFIRMED_DIRECTOR
    with pytest.raises(PermissionDenied, match="шаг 1"):
        report_send(actor=school.actor, organisation=school.organisation)
    assert not conf.member_table(actor=school.actor, organisation=school.organisation).exists()
    assert nothing_changed(school)


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.TEACHER])
def test_other_school_roles_cannot_confirm(role):
    school = make_school()
    user, membership = make_member(role=role, organisation=school.organisation, confirmation=C.CONFIRMED)
    with pytest.raises(PermissionDenied, match="руководитель ОО"):
        members_decide(actor=active_role_of(user, membership), organisation=school.organisation,
                       decision=C.CONFIRMED, membership_ids=[school.students[0].pk])
    assert nothing_changed(school)


def test_a_director_of_another_school_cannot_touch_this_one():
    school, other = make_school(), make_school()
    with pytest.raises(PermissionDenied, match="вне области"):
        members_decide(actor=other.actor, organisation=school.organisation, decision=C.CONFIRMED,
                       membership_ids=[school.students[0].pk])
    assert nothing_changed(school)


def test_filters_group_status_class_and_folded_search():
    school = make_school(teachers=1, students=1)
    yolkina = add_member(school, surname="Ёлкина", name="Алёна", patronymic="Сергеевна")
    in_5b = add_member(school, surname="Борисов", name="Иван", school_class=school.classes[1])
    staff = add_member(school, surname="Елкин", name="Пётр", role=Role.STAFF)
    table = lambda **kw: set(conf.member_table(actor=school.actor, organisation=school.organisation,  # noqa: E731
                                               member_filter=MemberFilter(**kw)).values_list("pk", flat=True))

    assert table() == {m.pk for m in school.members}
    assert table(group="teachers") == {school.teachers[0].pk, staff.pk}
    assert table(group="students") == {school.students[0].pk, yolkina.pk, in_5b.pk}
    assert table(class_id=school.classes[1].pk) == {in_5b.pk}
    assert table(query="ЕЛКИНА алена") == {yolkina.pk}  # case and «ё» do not matter
    assert table(query="ёлкин") == {yolkina.pk, staff.pk}
    members_decide(actor=school.actor, organisation=school.organisation, decision=C.REJECTED,
                   membership_ids=[in_5b.pk])
    assert table(status=C.REJECTED) == {in_5b.pk}
    assert table(status=C.PENDING, group="students") == {school.students[0].pk, yolkina.pk}
    assert conf.member_status_counts(actor=school.actor, organisation=school.organisation, group="students") == {
        C.PENDING: 2, C.CONFIRMED: 0, C.REJECTED: 1}


def test_r9_all_rows_of_the_filter_at_once():
    """«Выбрать все N по фильтру»: the server applies the filter; rows outside it stay as they were."""
    school = make_school(teachers=3, students=40)
    in_5b = add_member(school, surname="Борисов", name="Иван", school_class=school.classes[1])

    result = members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                            member_filter=MemberFilter(group="students", class_id=school.classes[0].pk),
                            expected_count=40)

    assert result.changed == 40
    assert states(school.students[:40]) == [C.CONFIRMED] * 40
    assert states([in_5b, *school.teachers]) == [C.PENDING] * 4
    assert AuditEntry.objects.get(action="membership.decide_batch").details["filter"] == {
        "group": "students", "class_id": school.classes[0].pk}


def test_filter_that_changed_since_the_page_was_shown_changes_nothing():
    school = make_school(teachers=0, students=5)
    with pytest.raises(ValidationError, match="по фильтру теперь 5 строк, а на странице было 4"):
        members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                       member_filter=MemberFilter(group="students"), expected_count=4)
    with pytest.raises(ValidationError, match="никого нет"):
        members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                       member_filter=MemberFilter(query="нет-такого"))
    assert nothing_changed(school)


def test_r9_send_report_carries_every_decision_since_the_last_one():
    school = make_school(teachers=2, students=2)
    members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                   membership_ids=[m.pk for m in school.members[:3]])
    members_decide(actor=school.actor, organisation=school.organisation, decision=C.REJECTED,
                   membership_ids=[school.members[3].pk])

    report = report_send(actor=school.actor, organisation=school.organisation)

    assert (report.confirmed_count, report.rejected_count) == (3, 1)
    assert report.sent_by == school.director_user
    assert set(report.decisions.values_list("membership_id", flat=True)) == {m.pk for m in school.members}
    assert not conf.report_owed(actor=school.actor, organisation=school.organisation).owed
    assert AuditEntry.objects.get(action="confirmation_report.send").details == {
        "decisions": 4, "confirmed": 3, "rejected": 1}
    with pytest.raises(ValidationError, match="Отправлять нечего"):
        report_send(actor=school.actor, organisation=school.organisation)
    assert ConfirmationReport.objects.count() == 1

    # R9: a report is owed again after every new confirmation or rejection
    members_decide(actor=school.actor, organisation=school.organisation, decision=C.REJECTED,
                   membership_ids=[school.members[0].pk])
    owed = conf.report_owed(actor=school.actor, organisation=school.organisation)
    assert owed.owed and (owed.count, owed.rejected) == (1, 1) and owed.decisions_label == "1 решение"
    second = report_send(actor=school.actor, organisation=school.organisation)
    assert (second.confirmed_count, second.rejected_count) == (0, 1)
    assert [d.membership_id for d in conf.report_decisions(report=second)] == [school.members[0].pk]


def test_nothing_to_report_before_any_decision():
    school = make_school()
    with pytest.raises(ValidationError, match="Отправлять нечего"):
        report_send(actor=school.actor, organisation=school.organisation)
    assert not ConfirmationReport.objects.exists()
    assert not AuditEntry.objects.filter(action="confirmation_report.send").exists()


def regional_operator(region):
    user, membership = make_member(role=Role.REGIONAL_OPERATOR, region=region)
    return active_role_of(user, membership)


def test_operator_overview_lists_every_school_of_the_region_owing_first():
    owing = make_school(short_name="МБОУ СОШ № 1 Должница")
    region = owing.region
    reported = make_school(short_name="МБОУ СОШ № 2 Отчиталась", municipality=owing.organisation.municipality)
    quiet = make_school(short_name="МБОУ СОШ № 3 Без решений", municipality=owing.organisation.municipality)
    elsewhere = make_school(short_name="МБОУ СОШ № 4 Другой регион")
    for school in (owing, reported, elsewhere):
        members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                       membership_ids=[school.students[0].pk])
    report = report_send(actor=reported.actor, organisation=reported.organisation)
    operator = regional_operator(region)

    rows = list(conf.school_overview(actor=operator))

    assert [r.pk for r in rows] == [owing.organisation.pk, reported.organisation.pk, quiet.organisation.pk]  # then by name
    first, by_pk = rows[0], {r.pk: r for r in rows}
    assert first.unreported_count == 1 and first.unreported_since is not None and first.last_report_id is None
    assert by_pk[reported.organisation.pk].last_report_id == report.pk
    assert by_pk[reported.organisation.pk].unreported_count == 0
    assert [r.pk for r in conf.school_overview(actor=operator, owes="yes")] == [owing.organisation.pk]
    assert {r.pk for r in conf.school_overview(actor=operator, owes="no")} == {
        reported.organisation.pk, quiet.organisation.pk}
    assert [r.pk for r in conf.school_overview(actor=operator, query="отчиталась")] == [reported.organisation.pk]
    assert [r.pk for r in conf.school_overview(actor=operator, query=reported.organisation.inn)] == [
        reported.organisation.pk]


def test_reports_are_read_by_the_region_operator_and_the_school_director_only():
    school = make_school()
    members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                   membership_ids=[school.students[0].pk])
    report = report_send(actor=school.actor, organisation=school.organisation)
    other = make_school()

    assert conf.access_report(actor=regional_operator(school.region), report_id=report.pk) == report
    assert conf.access_report(actor=school.actor, report_id=report.pk) == report
    for stranger in (regional_operator(other.region), other.actor):
        with pytest.raises(Http404, match="Отчёт не найден или недоступен"):
            conf.access_report(actor=stranger, report_id=report.pk)
    with pytest.raises(PermissionDenied, match="оператор региона"):
        conf.school_overview(actor=school.actor)


def test_russian_plural_of_decisions():
    assert [plural(n, "решение", "решения", "решений") for n in (1, 2, 5, 11, 12, 21, 22, 25, 111)] == [
        "решение", "решения", "решений", "решений", "решений", "решение", "решения", "решений", "решений"]
