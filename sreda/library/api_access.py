"""API of library access (R15), mounted at /api/v1/ by api/ninja_api.py: the school's report (conditions 1–5
for every teacher) and a person's own answer — the same `access_report` and `library_access_for` as the pages.
Scope `library:read`."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_LIBRARY_READ
from sreda.api.schemas import ERRORS, PageOf, Pagination
from sreda.core.permissions import Action, in_scope, require
from sreda.library.access import library_access_for
from sreda.library.access_report import access_rows, report_people
from sreda.library.models import Course
from sreda.orgs.models import Organisation

router = Router(tags=["Библиотека"])

ORGANISATION_NOT_FOUND = "Организация не найдена или недоступна в роли токена."
COURSE_NOT_FOUND = "Курс не найден."
NOT_A_PERSON = ("Токен выпущен для роли организации, а не для человека. Свой доступ к библиотеке проверяет токен, "
                "выпущенный для роли человека (`python -m sreda token create --user ЛОГИН`).")


class ReasonOut(Schema):
    code: str = Field(..., description="Код условия R15: account_not_confirmed, private_person_role, "
                                       "not_in_access_group, not_a_teacher, no_lessons_in_schedule, subject_not_supported.",
                      examples=["not_in_access_group"])
    message: str = Field(..., description="Объяснение по-русски.",
                         examples=["Вас нет в группе доступа «Педагоги. Доступ к УБ ЦОК» в «МБОУ СОШ № 5». …"])
    fixed_by: str = Field(..., description="Кто исправит.", examples=["Администратор ОО"])


class AccessOut(Schema):
    person_id: int = Field(..., description="Идентификатор человека в Среде.", examples=[42])
    full_name: str = Field(..., description="ФИО.", examples=["Петрова Мария Ивановна"])
    allowed: bool = Field(..., description="Доступ к библиотеке открыт.")
    reasons: list[ReasonOut] = Field(..., description="Невыполненные условия в порядке R15; пусто, когда доступ открыт.")


def _school(actor, org_id: int) -> Organisation:
    """The school of the path: 404 when missing or outside the token's scope, 403 when the role may not read it."""
    organisation = Organisation.objects.select_related("municipality__region").filter(pk=org_id).first()
    if organisation is None or not in_scope(actor, organisation):
        raise Http404(ORGANISATION_NOT_FOUND)
    require(actor, Action.VIEW_LIBRARY_ACCESS, organisation)
    return organisation


@router.get("/orgs/{org_id}/library-access", response={200: list[AccessOut], **ERRORS},
            summary="Доступ педагогов школы к библиотеке (R15)")
@paginate(Pagination)
def school_library_access(request: HttpRequest, org_id: int,
                          q: str = Query("", max_length=200, description="Поиск по ФИО (регистр и «ё» не важны).",
                                         examples=["петрова"])):
    """Все учителя школы и сотрудники в группе «Педагоги. Доступ к УБ ЦОК», по ФИО: открыт ли доступ и какие из
    условий 1–5 R15 не выполнены (условие 6 проверяется для курса). Постранично. Руководитель и администратор ОО,
    оператор."""
    actor = api_actor(request, SCOPE_LIBRARY_READ)
    organisation = _school(actor, org_id)
    return PageOf(report_people(organisation, query=q),
                  page=lambda people: [row.as_dict() for row in access_rows(organisation, people)])


@router.get("/library/access", response={200: AccessOut, **ERRORS}, summary="Мой доступ к библиотеке (R15)")
def my_library_access(request: HttpRequest, course_id: int | None = None):
    """Доступ человека, для роли которого выпущен токен, — проверяется заново при каждом запросе. С `course_id` —
    и условие 6: предмет курса есть в списке библиотеки и человек его ведёт."""
    actor = api_actor(request, SCOPE_LIBRARY_READ)
    membership = actor.membership
    person = membership.person if membership is not None and membership.pk and membership.person_id else None
    if person is None:
        raise PermissionDenied(NOT_A_PERSON)
    course = None
    if course_id is not None:
        course = Course.objects.select_related("subject").filter(pk=course_id).first()
        if course is None:
            raise Http404(COURSE_NOT_FOUND)
    result = library_access_for(person, actor, course)
    return {"person_id": person.pk, "full_name": person.full_name, "allowed": result.allowed,
            "reasons": [reason.as_dict() for reason in result.reasons]}
