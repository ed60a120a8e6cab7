"""The demo's joining (R20–R22): in the demo class of the first school, three pending join requests (one
typed exactly as the roster, one with a wrong birth date, one unknown to the roster), one approved request
whose parent confirmed with a correction that waits for the administrator, and an issued parent invitation
for the demo student account. Idempotent: the accounts «joiner1…» mark that it has run."""
from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from sreda.core.active_role import ActiveRole
from sreda.demo.services import demo_class, first_school
from sreda.onboarding import joining, parents
from sreda.onboarding.models import ParentInvitation, ParentInvitationStatus
from sreda.people.models import Membership, Person, User
from sreda.people.roles import Role

MARK = "joiner1"


def _account(username: str, surname: str, name: str, patronymic: str, born: date | None) -> User:
    person = Person.objects.create(surname=surname, name=name, patronymic=patronymic, birth_date=born,
                                   account_confirmed=True)
    return User.objects.create_user(username=username, password=None, person=person)


@transaction.atomic
def ensure(actor: ActiveRole) -> str | None:
    """Add the demo's join requests, a parent's correction and a parent invitation; None if already there
    (or the demo has no class with students yet)."""
    if User.objects.filter(username=MARK).exists():
        return None
    school = first_school()
    school_class = demo_class(school) if school is not None else None
    if school_class is None:
        return None
    roster = list(Membership.objects.active().filter(school_class=school_class, role=Role.STUDENT,
                                                     person__user__isnull=True)
                  .select_related("person").order_by("person__sort_key")[:3])
    if len(roster) < 3:
        return None
    done = []
    # 1. Typed exactly as the roster: approved at once, so that its parent can confirm (R21).
    first = roster[0].person
    born = first.birth_date or date(2014, 9, 1)
    if first.birth_date is None:
        first.birth_date = born
        first.save(update_fields=["birth_date"])
    joiner = _account(MARK, first.surname, first.name, first.patronymic, born)
    req = joining.join_request_send(actor=joining.private_actor(joiner), organisation=school, role=Role.STUDENT,
                                    school_class=school_class, surname=first.surname, name=first.name,
                                    patronymic=first.patronymic, birth_date=born)
    joining.join_request_approve(actor=actor, request=req)
    issued = parents.parent_invitation_issue(actor=actor, student=first, school_class=school_class)
    parent = _account("joiner-parent", first.surname, "Наталья", "Сергеевна", date(1986, 4, 12))
    data = parents.child_data(first)
    parents.parent_confirm(actor=joining.private_actor(parent), token=issued.token,
                           data=parents.ChildData(**{**data.__dict__, "birth_date": born + timedelta(days=1)}),
                           consent=True)
    done.append(f"одобрена заявка {first.full_name}, родитель подтвердил с исправлением даты рождения")
    # 2. Pending: exact, a wrong birth date, unknown to the roster.
    second, third = roster[1].person, roster[2].person
    pending = [
        ("joiner2", second.surname, second.name, second.patronymic, second.birth_date or date(2014, 5, 5)),
        ("joiner3", third.surname, third.name, third.patronymic,
         (third.birth_date or date(2014, 6, 6)) + timedelta(days=31)),
        ("joiner4", "Незнакомова", "Алиса", "Игоревна", date(2014, 2, 2)),
    ]
    for username, surname, name, patronymic, birth in pending:
        user = _account(username, surname, name, patronymic, birth)
        joining.join_request_send(actor=joining.private_actor(user), organisation=school, role=Role.STUDENT,
                                  school_class=school_class, surname=surname, name=name, patronymic=patronymic,
                                  birth_date=birth)
    done.append("3 заявки ждут решения")
    # 3. An issued invitation for the demo student account, if it is in this class.
    student = User.objects.filter(username="student", person__isnull=False).select_related("person").first()
    in_class = student is not None and Membership.objects.active().filter(
        person=student.person, role=Role.STUDENT, school_class=school_class).exists()
    if in_class and not ParentInvitation.objects.filter(student=student.person,
                                                        status=ParentInvitationStatus.PENDING).exists():
        parents.parent_invitation_issue(actor=actor, student=student.person, school_class=school_class)
        done.append(f"выдано приглашение родителю ученика {student.person.short_name}")
    return f"Вступление в школу ({school.short_name}, {school_class.title}): " + "; ".join(done) + "."
