"""Builders for the invitation tests: a school with its director and administrator, an invitee, links."""
from __future__ import annotations

from dataclasses import dataclass

from sreda.core.testing import active_role_of, make_member, make_organisation, make_person, make_user
from sreda.onboarding import services
from sreda.orgs.models import Organisation
from sreda.people.models import Membership, User
from sreda.people.roles import Role


@dataclass
class School:
    organisation: Organisation
    admin: User
    admin_membership: Membership
    director: User
    director_membership: Membership

    @property
    def admin_role(self):
        return active_role_of(self.admin, self.admin_membership)

    @property
    def director_role(self):
        return active_role_of(self.director, self.director_membership)


def make_school(**kw) -> School:
    organisation = make_organisation(**kw)
    director, director_membership = make_member(
        role=Role.DIRECTOR, organisation=organisation, confirmation="confirmed",
        person=make_person(surname="Кузнецова", name="Ольга", patronymic="Сергеевна"),
    )
    admin, admin_membership = make_member(
        role=Role.ADMINISTRATOR, organisation=organisation,
        person=make_person(surname="Соколов", name="Пётр", patronymic="Андреевич"),
    )
    return School(organisation, admin, admin_membership, director, director_membership)


def make_invitee(*, confirmed: bool = True, consented: bool = True, **person) -> User:
    """A person with an account who will open the link; confirmed (Госуслуги/ЕСИА) unless said otherwise."""
    defaults = {"surname": "Петрова", "name": "Мария", "patronymic": "Ивановна", "account_confirmed": confirmed}
    defaults.update(person)
    return make_user(person=make_person(**defaults), consented=consented)


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[-1]


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def invite(school: School, *, invitee: User | None = None, role: str = Role.TEACHER, snils: str = "",
           email: str = "petrova@school.ru", actor=None) -> services.Sent:
    """The administrator invites `invitee` (or a Петрова Мария Ивановна) by the service."""
    person = invitee.person if invitee is not None else None
    return services.invitation_send(
        actor=actor or school.admin_role, organisation=school.organisation,
        surname=person.surname if person else "Петрова", name=person.name if person else "Мария",
        patronymic=person.patronymic if person else "Ивановна", email=email, snils=snils, role=role,
    )
