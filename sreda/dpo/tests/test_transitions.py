"""The R37 status machine: every (status, actor role, action) is allowed or refused as the rule says; one
function changes a status, writes «История действий» (allowed and refused attempts) and notifies the
applicant; «Включен в группу» respects the group's capacity."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sreda.core.testing import active_role_of, make_member, make_municipality, make_user
from sreda.dpo import services
from sreda.dpo.models import Application, Comment, Event, EventOutcome, Notice
from sreda.dpo.statuses import Act, Status
from sreda.dpo.tests.factories import make_application, make_centre, make_group, make_school
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db

ROLES = ["applicant", "other_teacher", "director", "administrator", "centre", "platform_operator",
         "other_director", "other_centre"]

# Written by hand from R37 (and seed 001): who may do what from which status. Everything else is refused.
#                       applicant other_t director admin centre operator other_dir other_centre
EXPECTED = {
    (Status.NEW, Act.APPROVE):      ".        .       Y        .     .      .        .         .",
    (Status.NEW, Act.CANCEL):       "Y        .       Y        .     Y      Y        .         .",
    (Status.NEW, Act.INCLUDE):      ".        .       .        .     .      .        .         .",
    (Status.APPROVED, Act.APPROVE): ".        .       .        .     .      .        .         .",
    (Status.APPROVED, Act.CANCEL):  "Y        .       .        .     Y      Y        .         .",
    (Status.APPROVED, Act.INCLUDE): ".        .       .        .     Y      Y        .         .",
    (Status.CANCELLED, Act.APPROVE): ".       .       .        .     .      .        .         .",
    (Status.CANCELLED, Act.CANCEL):  ".       .       .        .     .      .        .         .",
    (Status.CANCELLED, Act.INCLUDE): ".       .       .        .     .      .        .         .",
    (Status.INCLUDED, Act.APPROVE):  ".       .       .        .     .      .        .         .",
    (Status.INCLUDED, Act.CANCEL):   ".       .       .        .     .      .        .         .",
    (Status.INCLUDED, Act.INCLUDE):  ".       .       .        .     .      .        .         .",
}
TARGET = {Act.APPROVE: Status.APPROVED, Act.CANCEL: Status.CANCELLED, Act.INCLUDE: Status.INCLUDED}


def _actors(school, other_school):
    region = school.region
    teacher2, m2 = make_member(role=Role.TEACHER, organisation=school.organisation)
    admin, ma = make_member(role=Role.ADMINISTRATOR, organisation=school.organisation)
    return {
        "applicant": school.as_teacher(),
        "other_teacher": active_role_of(teacher2, m2),
        "director": school.as_director(),
        "administrator": active_role_of(admin, ma),
        "centre": make_centre(region),
        "platform_operator": active_role_of(make_user(superuser=True)),
        "other_director": other_school.as_director(),
        "other_centre": make_centre(other_school.region),
    }


CASES = [(status, act, role, line.split()[i] == "Y")
         for (status, act), line in EXPECTED.items() for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("status", "act", "role", "allowed"), CASES,
                         ids=[f"{s}-{a}-{r}" for s, a, r, _ in CASES])
def test_r37_transition_matrix(status, act, role, allowed):
    """R37/R38/R1: each status × active role × action is allowed (the status becomes the table's target and
    history shows it) or refused (status unchanged, a clear Russian message)."""
    school, other_school = make_school(), make_school()
    group = make_group(region=school.region)
    application = make_application(school=school, group=group, status=status)
    actor = _actors(school, other_school)[role]

    if allowed:
        result = services.application_transition(actor=actor, application_id=application.pk, act=act,
                                                  comment="Проверено")
        assert result.status == TARGET[act]
        event = Event.objects.get(application=application, outcome=EventOutcome.DONE)
        assert (event.from_status, event.to_status, event.act, event.comment) == (status, TARGET[act], act, "Проверено")
    else:
        with pytest.raises((ValidationError, PermissionDenied)) as refused:
            services.application_transition(actor=actor, application_id=application.pk, act=act)
        message = " ".join(getattr(refused.value, "messages", [str(refused.value)]))
        assert message and any("а" <= ch <= "я" for ch in message.lower())
        application.refresh_from_db()
        assert application.status == status
        assert not Event.objects.filter(application=application, outcome=EventOutcome.DONE).exists()


def test_r37_refused_attempt_of_a_party_is_in_history_with_the_reason():
    """R38 «История действий»: a refused attempt by someone who sees the application is recorded."""
    school = make_school()
    application = make_application(school=school, group=make_group(), status=Status.CANCELLED)
    with pytest.raises(ValidationError, match="уже «Отменена»"):
        services.application_transition(actor=school.as_director(), application_id=application.pk, act=Act.APPROVE)
    event = Event.objects.get(application=application)
    assert event.outcome == EventOutcome.REFUSED
    assert event.from_status == Status.CANCELLED and event.to_status == ""
    assert "уже «Отменена»" in event.reason and event.actor_role.startswith("Руководитель ОО")


def test_r1_director_acting_as_teacher_is_told_how_to_switch_role():
    """R1/R38: approving needs the active role «Руководитель ОО»; in another role the message says how to
    switch (the seed's «Сменить роль»)."""
    school = make_school()
    application = make_application(school=school, group=make_group())
    # The director also teaches and acts as the teacher right now.
    from sreda.core.testing import make_membership
    as_teacher = make_membership(person=school.director.person, role=Role.TEACHER, organisation=school.organisation)
    with pytest.raises(PermissionDenied):  # as a teacher they are nobody to this application
        services.application_transition(actor=active_role_of(school.director, as_teacher),
                                        application_id=application.pk, act=Act.APPROVE)
    own = make_application(school=school, group=make_group(), person=school.director.person, membership=as_teacher)
    with pytest.raises(ValidationError, match="Сменить роль"):
        services.application_transition(actor=active_role_of(school.director, as_teacher),
                                        application_id=own.pk, act=Act.APPROVE)
    own.refresh_from_db()
    assert own.status == Status.NEW


def test_r37_include_respects_capacity():
    """R37: «Включен в группу» only while the group has places."""
    school = make_school()
    group = make_group(region=school.region, capacity=1)
    first = make_application(school=school, group=group, status=Status.APPROVED)
    other = make_school(municipality=school.organisation.municipality)
    second = make_application(school=other, group=group, status=Status.APPROVED)
    centre = make_centre(school.region)
    services.application_transition(actor=centre, application_id=first.pk, act=Act.INCLUDE)
    with pytest.raises(ValidationError, match="нет свободных мест: включено 1 из 1"):
        services.application_transition(actor=centre, application_id=second.pk, act=Act.INCLUDE)
    second.refresh_from_db()
    assert second.status == Status.APPROVED


def test_r37_director_comment_reaches_the_applicant_as_notice_and_comment():
    """R38: the comment left on approval is on «Комментарии» and the applicant gets a notice."""
    school = make_school()
    application = make_application(school=school, group=make_group())
    services.application_transition(actor=school.as_director(), application_id=application.pk, act=Act.APPROVE,
                                    comment="Одобряю, удачи на курсах")
    comment = Comment.objects.get(application=application)
    assert comment.text == "Одобряю, удачи на курсах" and comment.author_role.startswith("Руководитель ОО")
    notice = Notice.objects.get(person=school.teacher.person)
    assert "«Подтверждена руководителем ОО»" in notice.text and "Одобряю" in notice.text


def test_r37_applicant_cancelling_gets_no_notice_of_their_own_step():
    school = make_school()
    application = make_application(school=school, group=make_group())
    services.application_transition(actor=school.as_teacher(), application_id=application.pk, act=Act.CANCEL)
    assert not Notice.objects.exists()
    assert Application.objects.get().status == Status.CANCELLED


def test_r37_mail_to_applicant_with_an_address(smtp_server, django_capture_on_commit_callbacks):
    """Applicants with an e-mail get a letter about the new status (real SMTP server)."""
    school = make_school(teacher_email="voiskovaya@school.ru")
    application = make_application(school=school, group=make_group())
    with django_capture_on_commit_callbacks(execute=True):
        services.application_transition(actor=school.as_director(), application_id=application.pk,
                                        act=Act.APPROVE, comment="Ждём вас")
    [letter] = smtp_server.wait_for(1)
    assert letter["To"] == "voiskovaya@school.ru"
    assert f"№{application.pk}" in letter["Subject"]
    body = letter.get_body(("plain",)).get_content()
    assert "«Подтверждена руководителем ОО»" in body and "Ждём вас" in body and "/dpo/my/" in body


def test_r37_no_mail_without_address(smtp_server, django_capture_on_commit_callbacks):
    school = make_school()
    application = make_application(school=school, group=make_group())
    with django_capture_on_commit_callbacks(execute=True):
        services.application_transition(actor=school.as_director(), application_id=application.pk, act=Act.APPROVE)
    assert smtp_server.wait_for(1, timeout=0.5) == []
    assert Notice.objects.count() == 1


def test_bulk_approve_reports_refusals_and_approves_the_rest():
    school = make_school()
    group = make_group()
    fresh = make_application(school=school, group=group)
    done = make_application(school=school, group=make_group(), status=Status.INCLUDED)
    foreign = make_application(school=make_school(), group=make_group())
    result = services.applications_bulk_approve(actor=school.as_director(),
                                                 application_ids=[fresh.pk, done.pk, foreign.pk])
    assert result.done == [fresh.pk]
    assert {pk for pk, _ in result.refused} == {done.pk, foreign.pk}
    foreign.refresh_from_db()
    assert foreign.status == Status.NEW


def test_r36_apply_once_per_group_and_again_after_cancel():
    school = make_school()
    group = make_group(region=school.region)
    first = services.application_apply(actor=school.as_teacher(), group=group)
    assert first.status == Status.NEW and first.organisation == school.organisation
    with pytest.raises(ValidationError, match="уже подали заявку"):
        services.application_apply(actor=school.as_teacher(), group=group)
    services.application_transition(actor=school.as_teacher(), application_id=first.pk, act=Act.CANCEL)
    second = services.application_apply(actor=school.as_teacher(), group=group)
    assert second.pk != first.pk
    assert [e.act for e in Event.objects.filter(application=first)] == ["apply", "cancel"]


def test_r36_closed_group_and_director_cannot_apply():
    school = make_school()
    group = make_group()
    with pytest.raises(PermissionDenied, match="Слушатель"):
        services.application_apply(actor=school.as_director(), group=group)
    group.status = "closed"
    group.save()
    with pytest.raises(ValidationError, match="закрыт"):
        services.application_apply(actor=school.as_teacher(), group=group)
    assert not Application.objects.exists()


def test_centre_of_another_region_cannot_touch_programs():
    school = make_school()
    group = make_group(region=school.region)
    stranger = make_centre(make_municipality().region)
    with pytest.raises(PermissionDenied):
        services.group_save(actor=stranger, group=group, program=group.program, name="Новая", starts_on=group.starts_on,
                            ends_on=group.ends_on, capacity=5)
