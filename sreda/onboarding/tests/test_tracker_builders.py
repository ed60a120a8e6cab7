"""Builders for the tracker and acknowledgement tests (R23), shared with the browser tests and the bench: a school
with a class 5А, its class teacher, administrator and director, students from the roster each with a parent.
No tests here."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from sreda.chats.models import (
    AccountStatus,
    Chat,
    ChatKind,
    ChatMember,
    MessengerAccount,
)
from sreda.core.testing import (
    active_role_of,
    make_class,
    make_member,
    make_membership,
    make_organisation,
    make_person,
    make_user,
)
from sreda.onboarding.models import ParentConsent
from sreda.orgs.models import Organisation, SchoolClass
from sreda.people.models import Guardianship, Membership, MembershipOrigin, Person, User
from sreda.people.roles import Role

# A whole PDF: header, one empty page, cross-reference table, trailer, «startxref» and «%%EOF».
TINY_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\nxref\n0 4\n0000000000 65535 f \n"
            b"0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\n"
            b"startxref\n164\n%%EOF\n")


@dataclass
class TrackerSchool:
    organisation: Organisation
    school_class: SchoolClass
    teacher: User
    teacher_membership: Membership
    admin: User
    admin_membership: Membership
    director: User
    director_membership: Membership
    students: list[Person] = field(default_factory=list)
    parents: list[Person] = field(default_factory=list)

    @property
    def teacher_role(self):
        return active_role_of(self.teacher, self.teacher_membership)

    @property
    def admin_role(self):
        return active_role_of(self.admin, self.admin_membership)

    @property
    def director_role(self):
        return active_role_of(self.director, self.director_membership)


def add_student(school_class: SchoolClass, *, surname: str = "Ученик", name: str = "Пётр",
                parent_surname: str | None = None) -> tuple[Person, Person]:
    """A student of the roster (membership in the class) with a parent (Guardianship + class-less parent
    membership, as the roster import makes them)."""
    child = make_person(surname=surname, name=name, patronymic="")
    make_membership(person=child, role=Role.STUDENT, organisation=school_class.organisation, school_class=school_class,
                    origin=MembershipOrigin.ROSTER)
    parent = make_person(surname=parent_surname or surname, name="Ольга", patronymic="")
    Guardianship.objects.create(parent=parent, child=child)
    make_membership(person=parent, role=Role.PARENT, organisation=school_class.organisation,
                    origin=MembershipOrigin.ROSTER)
    return child, parent


def make_tracker_school(*, students: int = 3, short_name: str = "МБОУ СОШ № 7", letter: str = "А",
                        teacher_username: str | None = None) -> TrackerSchool:
    organisation = make_organisation(short_name=short_name)
    teacher, teacher_membership = make_member(
        role=Role.TEACHER, organisation=organisation, confirmation="confirmed",
        person=make_person(surname="Смирнова", name="Мария", patronymic="Ивановна"),
        **({"username": teacher_username} if teacher_username else {}))
    admin, admin_membership = make_member(
        role=Role.ADMINISTRATOR, organisation=organisation,
        person=make_person(surname="Соколов", name="Пётр", patronymic="Андреевич"))
    director, director_membership = make_member(
        role=Role.DIRECTOR, organisation=organisation, confirmation="confirmed",
        person=make_person(surname="Кузнецова", name="Ольга", patronymic="Сергеевна"))
    school_class = make_class(organisation=organisation, grade=5, letter=letter, class_teacher=teacher.person)
    school = TrackerSchool(organisation, school_class, teacher, teacher_membership, admin, admin_membership,
                           director, director_membership)
    add_students(school, students)
    return school


def add_students(school: TrackerSchool, count: int) -> None:
    start = len(school.students)
    for i in range(start, start + count):
        child, parent = add_student(school.school_class, surname=f"Ученик{i:03d}")
        school.students.append(child)
        school.parents.append(parent)


def register(person: Person, **kw) -> User:
    """The person gets an account (R23 «зарегистрирован»)."""
    return make_user(person=person, **kw)


def consent(school: TrackerSchool, child: Person, parent: Person) -> ParentConsent:
    """R21: the parent confirmed the child."""
    return ParentConsent.objects.create(organisation=school.organisation, child=child, parent=parent,
                                        text_version=getattr(settings, "CONSENT_VERSION", "1"))


def class_chat(school: TrackerSchool, kind: str) -> Chat:
    return Chat.objects.create(organisation=school.organisation, key=f"{kind}:{school.school_class.pk}", kind=kind,
                               school_class=school.school_class, title=f"{school.school_class.title} — {kind}")


def in_chat(chat: Chat, person: Person, *, by_account: bool = False) -> ChatMember:
    """Put the person into the chat's mirror: by the person link, or only by their linked messenger id."""
    user_id = f"@p{person.pk}:sreda.test"
    if by_account:
        MessengerAccount.objects.create(person=person, user_id=user_id, status=AccountStatus.LINKED)
        return ChatMember.objects.create(chat=chat, user_id=user_id)
    return ChatMember.objects.create(chat=chat, user_id=user_id, person=person)


def connect_fully(school: TrackerSchool, child: Person, parent: Person, *, students_chat: Chat,
                  parents_chat: Chat) -> None:
    register(child)
    register(parent)
    consent(school, child, parent)
    in_chat(students_chat, child)
    in_chat(parents_chat, parent)


__all__ = [
    "TINY_PDF",
    "ChatKind",
    "TrackerSchool",
    "add_student",
    "add_students",
    "class_chat",
    "connect_fully",
    "consent",
    "in_chat",
    "make_tracker_school",
    "register",
]
