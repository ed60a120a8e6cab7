"""API of people and memberships: the same selectors as the pages; personal data masked unless the role
needs it, and every full read audited (R1, personal-data rules)."""
from collections import defaultdict
from datetime import date

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_READ
from sreda.api.schemas import (ERRORS, OrganisationRef, PageOf, PersonRef, Ref, RegionRef, paginate_rows, person_columns,
                               person_row)
from sreda.core.identifiers import mask_snils
from sreda.core.permissions import OVERSIGHT, Action, require, role_key
from sreda.orgs.models import class_title
from sreda.orgs.selectors import access_organisation
from sreda.people import selectors
from sreda.people.models import Membership
from sreda.people.roles import Role
from sreda.people.services import may_view_personal_data, personal_data_view

router = Router(tags=["Люди"])


class ClassRef(Schema):
    id: int = Field(..., description="Идентификатор класса.", examples=[301])
    title: str = Field(..., description="Класс.", examples=["5А"])


class MembershipOut(Schema):
    id: int = Field(..., description="Идентификатор роли человека в организации.", examples=[5001])
    role: Role = Field(..., description="Код роли.", examples=["teacher"])
    role_label: str = Field(..., description="Роль по-русски.", examples=["Учитель"])
    person: PersonRef = Field(..., description="Человек.")
    organisation_id: int | None = Field(None, description="Организация роли (для ролей школы).")
    municipality_id: int | None = Field(None, description="Муниципалитет роли (для методиста района).")
    region_id: int | None = Field(None, description="Регион роли (для оператора региона).")
    school_class: ClassRef | None = Field(None, description="Класс (для обучающегося).")
    subjects: list[str] = Field(..., description="Предметы, которые ведёт учитель.", examples=[["Математика"]])
    start_date: date = Field(..., description="Начало.")
    end_date: date | None = Field(None, description="Окончание; пусто — роль действует.")

    @staticmethod
    def resolve_role_label(obj) -> str:
        return Role(obj.role).label  # get_FOO_display rebuilds the choices on every call

    @staticmethod
    def resolve_subjects(obj) -> list[str]:
        return [subject.name for subject in obj.subjects.all()]


ROLE_LABELS = {role.value: role.label for role in Role}
MEMBERSHIP_COLUMNS = ("id", "role", *person_columns(), "organisation_id", "municipality_id", "region_id",
                      "school_class_id", "school_class__grade", "school_class__letter", "start_date", "end_date")


def membership_rows(rows: list[dict]) -> list[dict]:
    """MembershipOut rows from `.values(*MEMBERSHIP_COLUMNS)` rows; the teachers' subjects in one query."""
    subjects = defaultdict(list)
    ids = [row["id"] for row in rows]
    if ids:
        for membership_id, name in (Membership.subjects.through.objects.filter(membership_id__in=ids)
                                    .order_by("subject__name").values_list("membership_id", "subject__name")):
            subjects[membership_id].append(name)
    return [{
        "id": row["id"], "role": row["role"], "role_label": ROLE_LABELS[row["role"]], "person": person_row(row),
        "organisation_id": row["organisation_id"], "municipality_id": row["municipality_id"],
        "region_id": row["region_id"],
        "school_class": ({"id": row["school_class_id"],
                          "title": class_title(row["school_class__grade"], row["school_class__letter"])}
                         if row["school_class_id"] else None),
        "subjects": subjects[row["id"]], "start_date": row["start_date"].isoformat(),
        "end_date": row["end_date"].isoformat() if row["end_date"] else None,
    } for row in rows]


def membership_page(queryset) -> PageOf:
    """A selector's memberships as a page of MembershipOut rows: the same rows, scope and order."""
    return PageOf(queryset.prefetch_related(None).values(*MEMBERSHIP_COLUMNS), page=membership_rows)


class PersonMembershipOut(Schema):
    id: int = Field(..., description="Идентификатор роли.", examples=[5001])
    role: Role = Field(..., description="Код роли.", examples=["teacher"])
    role_label: str = Field(..., description="Роль по-русски.", examples=["Учитель"])
    organisation: OrganisationRef | None = Field(None, description="Организация (для ролей школы).")
    municipality: Ref | None = Field(None, description="Муниципалитет (для методиста района).")
    region: RegionRef | None = Field(None, description="Регион (для оператора региона).")
    school_class: ClassRef | None = Field(None, description="Класс (для обучающегося).")
    subjects: list[str] = Field(..., description="Предметы.")
    start_date: date = Field(..., description="Начало.")
    end_date: date | None = Field(None, description="Окончание; пусто — роль действует.")
    is_active: bool = Field(..., description="Действует ли роль сегодня.")

    resolve_role_label = staticmethod(MembershipOut.resolve_role_label)
    resolve_subjects = staticmethod(MembershipOut.resolve_subjects)


class PersonDetailOut(PersonRef):
    personal_data_masked: bool = Field(..., description="Скрыты ли персональные данные: их видят руководитель и "
                                                          "администратор ОО и сам человек; каждое чтение — в журнале.")
    snils: str | None = Field(None, description="СНИЛС: полностью «XXX-XXX-XXX YY» или замаскированный «***-***-XXX **».",
                              examples=["***-***-789 **"])
    birth_date: date | None = Field(None, description="Дата рождения; пусто, когда скрыта.")
    email: str | None = Field(None, description="E-mail; пусто, когда скрыт.")
    phone: str | None = Field(None, description="Телефон «+7 (XXX) XXX-XX-XX»; пусто, когда скрыт.")
    memberships: list[PersonMembershipOut] = Field(..., description="Роли человека в организациях области токена.")


class PeopleFilters(Schema):
    role: Role | None = Field(None, description="Только эта роль.")
    class_id: int | None = Field(None, description="Только этот класс.")
    q: str = Field("", max_length=200, description="Поиск по ФИО (регистр и «ё» не важны).", examples=["иванова"])


class MembershipFilters(Schema):
    organisation_id: int | None = Field(None, description="Организация; без неё роли всех организаций области выдаются "
                                                          "только операторам и методисту района.")
    role: Role | None = Field(None, description="Только эта роль.")
    active: bool = Field(True, description="true — только действующие роли; false — вместе с завершёнными.")


@router.get("/organisations/{organisation_id}/people", response={200: list[MembershipOut], **ERRORS},
            summary="Люди организации", tags=["Люди"])
@paginate_rows(MembershipOut)
def organisation_people(request: HttpRequest, organisation_id: int, filters: Query[PeopleFilters]):
    """Люди организации с ролями, классами и предметами, по ФИО; по строке на каждую роль человека."""
    actor = api_actor(request, SCOPE_READ)
    require(actor, Action.VIEW_ROSTER)
    organisation = access_organisation(actor=actor, organisation_id=organisation_id, action=Action.VIEW_ROSTER)
    return membership_page(selectors.organisation_memberships(
        actor=actor, organisation=organisation, role=filters.role.value if filters.role else None,
        query=filters.q, school_class_id=filters.class_id,
    ))


@router.get("/people/{person_id}", response={200: PersonDetailOut, **ERRORS}, summary="Человек и его роли")
def person_detail(request: HttpRequest, person_id: int):
    """Карточка человека. СНИЛС и дата рождения полностью — только руководителю и администратору ОО и самому
    человеку, и каждое такое чтение записывается в журнал; остальным — замаскированы."""
    actor = api_actor(request, SCOPE_READ)
    person = selectors.access_person(actor=actor, person_id=person_id)
    result = {
        "id": person.pk, "surname": person.surname, "name": person.name, "patronymic": person.patronymic,
        "full_name": person.full_name, "memberships": list(selectors.person_memberships(actor=actor, person=person)),
    }
    if may_view_personal_data(actor=actor, person=person):
        personal = personal_data_view(actor=actor, person=person)
        result.update(personal_data_masked=False, snils=personal.snils or None, birth_date=personal.birth_date,
                      email=personal.email or None, phone=personal.phone or None)
    else:
        result.update(personal_data_masked=True, snils=mask_snils(person.snils) if person.snils else None)
    return result


@router.get("/memberships", response={200: list[MembershipOut], **ERRORS}, summary="Роли людей")
@paginate_rows(MembershipOut)
def membership_list(request: HttpRequest, filters: Query[MembershipFilters]):
    """Роли людей в организации (`organisation_id`); операторам и методисту района — и без неё, по всем
    организациям их области, по порядку выдачи."""
    actor = api_actor(request, SCOPE_READ)
    require(actor, Action.VIEW_ROSTER)
    role = filters.role.value if filters.role else None
    if filters.organisation_id is None:
        if role_key(actor) not in OVERSIGHT:
            raise ValidationError("Укажите organisation_id: роли людей выдаются по одной организации.")
        return membership_page(selectors.membership_list(actor=actor, role=role, include_ended=not filters.active))
    organisation = access_organisation(actor=actor, organisation_id=filters.organisation_id, action=Action.VIEW_ROSTER)
    return membership_page(selectors.organisation_memberships(actor=actor, organisation=organisation, role=role,
                                                              include_ended=not filters.active))
