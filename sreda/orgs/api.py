"""API of regions, municipalities, organisations and classes: the same selectors as the pages (R1, R4, R5)."""
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_READ
from sreda.api.schemas import (ERRORS, OrganisationRef, PageOf, Pagination, PersonRef, Ref, RegionRef, check_rows,
                                json_answer, paginate_rows, person_columns, person_row)
from sreda.core.permissions import Action, require
from sreda.orgs import selectors
from sreda.orgs.models import OrganisationType, class_title

router = Router(tags=["Организации"])


class RegionOut(RegionRef):
    timezone: str = Field(..., description="Часовой пояс региона (IANA).", examples=["Europe/Moscow"])


class MunicipalityOut(Schema):
    id: int = Field(..., description="Идентификатор муниципалитета.", examples=[12])
    name: str = Field(..., description="Название МО / района.", examples=["Василеостровский район"])
    region: RegionRef = Field(..., description="Регион.")


class OrganisationOut(Schema):
    id: int = Field(..., description="Идентификатор организации.", examples=[42])
    full_name: str = Field(..., description="Полное наименование, как в ЕГРЮЛ.",
                           examples=["Государственное бюджетное общеобразовательное учреждение средняя общеобразовательная школа № 5"])
    short_name: str = Field(..., description="Краткое наименование.", examples=["ГБОУ СОШ № 5"])
    kind: OrganisationType = Field(..., description="Тип организации.", examples=["general"])
    kind_label: str = Field(..., description="Тип по-русски.", examples=["Общеобразовательная"])
    inn: str = Field(..., description="ИНН (10 цифр).", examples=["7801234567"])
    ogrn: str = Field(..., description="ОГРН (13 цифр; может быть пустым).", examples=["1027800000000"])
    is_active: bool = Field(..., description="Действует ли организация.")
    municipality: Ref = Field(..., description="Муниципалитет.")
    region: RegionRef = Field(..., description="Регион.")

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_region(obj):
        return obj.municipality.region


class OrganisationFilters(Schema):
    q: str = Field("", max_length=200, description="Поиск по полному или краткому наименованию и ИНН (регистр и «ё» не важны, R5).",
                   examples=["сош 5"])
    municipality_id: int | None = Field(None, description="Только организации этого муниципалитета.")
    region_id: int | None = Field(None, description="Только организации этого региона.")
    kind: OrganisationType | None = Field(None, description="Только организации этого типа.")


class ClassOut(Schema):
    id: int = Field(..., description="Идентификатор класса.", examples=[301])
    title: str = Field(..., description="Класс: параллель и литера.", examples=["5А"])
    grade: int = Field(..., description="Параллель (1–12).", examples=[5])
    letter: str = Field(..., description="Литера.", examples=["А"])
    school_year: str = Field(..., description="Учебный год.", examples=["2025/2026"])
    class_teacher: PersonRef | None = Field(None, description="Классный руководитель.")

    @staticmethod
    def resolve_school_year(obj) -> str:
        return obj.school_year.title


class ClassListOut(ClassOut):
    student_count: int = Field(..., description="Сколько в классе обучающихся сейчас.", examples=[27])


class ClassDetailOut(ClassOut):
    organisation: OrganisationRef = Field(..., description="Организация класса.")
    students: list[PersonRef] = Field(..., description="Обучающиеся класса сейчас, по ФИО.")


KIND_LABELS = {kind.value: kind.label for kind in OrganisationType}
ORGANISATION_COLUMNS = ("id", "full_name", "short_name", "kind", "inn", "ogrn", "is_active", "municipality_id",
                        "municipality__name", "municipality__region_id", "municipality__region__name",
                        "municipality__region__code")
CLASS_COLUMNS = ("id", "grade", "letter", "school_year__title", *person_columns("class_teacher"))


def organisation_row(row: dict) -> dict:
    """OrganisationOut from a `.values(*ORGANISATION_COLUMNS)` row."""
    return {"id": row["id"], "full_name": row["full_name"], "short_name": row["short_name"], "kind": row["kind"],
            "kind_label": KIND_LABELS[row["kind"]], "inn": row["inn"], "ogrn": row["ogrn"],
            "is_active": row["is_active"],
            "municipality": {"id": row["municipality_id"], "name": row["municipality__name"]},
            "region": {"id": row["municipality__region_id"], "name": row["municipality__region__name"],
                       "code": row["municipality__region__code"]}}


def class_row(row: dict) -> dict:
    """ClassOut (and ClassListOut, with `student_count` in the row) from a `.values(*CLASS_COLUMNS)` row."""
    answer = {"id": row["id"], "title": class_title(row["grade"], row["letter"]), "grade": row["grade"],
              "letter": row["letter"], "school_year": row["school_year__title"],
              "class_teacher": person_row(row, "class_teacher")}
    if "student_count" in row:
        answer["student_count"] = row["student_count"]
    return answer


@router.get("/regions", response={200: list[RegionOut], **ERRORS}, summary="Регионы")
@paginate(Pagination)
def region_list(request: HttpRequest):
    """Регионы в области роли токена: все — оператору платформы, свой — оператору региона."""
    return selectors.region_list(actor=api_actor(request, SCOPE_READ))


@router.get("/municipalities", response={200: list[MunicipalityOut], **ERRORS}, summary="Муниципалитеты")
@paginate(Pagination)
def municipality_list(request: HttpRequest,
                      region_id: int | None = Query(None, description="Только муниципалитеты этого региона.")):
    """Муниципалитеты в области роли токена, по названию."""
    return selectors.municipality_list(actor=api_actor(request, SCOPE_READ), region_id=region_id)


@router.get("/organisations", response={200: list[OrganisationOut], **ERRORS}, summary="Поиск организаций")
@paginate_rows(OrganisationOut)
def organisation_list(request: HttpRequest, filters: Query[OrganisationFilters]):
    """Поиск школы по наименованию или ИНН (R5) — доступен любой роли; только действующие организации."""
    actor = api_actor(request, SCOPE_READ)
    require(actor, Action.SEARCH_ORGANISATIONS)
    found = selectors.organisation_search(
        actor=actor, query=filters.q, municipality_id=filters.municipality_id, region_id=filters.region_id,
        kind=filters.kind.value if filters.kind else None,
    )
    return PageOf(found.values(*ORGANISATION_COLUMNS), organisation_row)


@router.get("/organisations/{organisation_id}", response={200: OrganisationOut, **ERRORS}, summary="Организация")
def organisation_detail(request: HttpRequest, organisation_id: int):
    """Карточка организации в области роли токена; чужая и несуществующая отвечают одинаково — 404."""
    actor = api_actor(request, SCOPE_READ)
    require(actor, Action.VIEW_ORGANISATION)
    return selectors.access_organisation(actor=actor, organisation_id=organisation_id)


@router.get("/organisations/{organisation_id}/classes", response={200: list[ClassListOut], **ERRORS},
            summary="Классы организации")
@paginate_rows(ClassListOut)
def organisation_classes(request: HttpRequest, organisation_id: int,
                         school_year_id: int | None = Query(None, description="Только классы этого учебного года.")):
    """Классы организации по параллели и литере, с классным руководителем и числом обучающихся."""
    actor = api_actor(request, SCOPE_READ)
    require(actor, Action.VIEW_ROSTER)
    organisation = selectors.access_organisation(actor=actor, organisation_id=organisation_id, action=Action.VIEW_ROSTER)
    classes = selectors.class_list(actor=actor, organisation=organisation, school_year_id=school_year_id)
    return PageOf(classes.values(*CLASS_COLUMNS, "student_count"), class_row)


@router.get("/classes/{class_id}", response={200: ClassDetailOut, **ERRORS}, summary="Класс и его обучающиеся")
def class_detail(request: HttpRequest, class_id: int):
    """Класс с его обучающимися (только ФИО; персональные данные — в карточке человека)."""
    actor = api_actor(request, SCOPE_READ)
    require(actor, Action.VIEW_ROSTER)
    school_class = selectors.access_class(actor=actor, class_id=class_id)
    organisation = school_class.organisation
    teacher = school_class.class_teacher
    answer = {
        "id": school_class.pk, "title": school_class.title, "grade": school_class.grade, "letter": school_class.letter,
        "school_year": school_class.school_year.title,
        "class_teacher": None if teacher is None else {
            "id": teacher.pk, "surname": teacher.surname, "name": teacher.name, "patronymic": teacher.patronymic,
            "full_name": teacher.full_name},
        "organisation": {"id": organisation.pk, "short_name": organisation.short_name, "inn": organisation.inn},
        "students": [person_row(row) for row in
                     selectors.class_members(actor=actor, school_class=school_class).values(*person_columns())],
    }
    check_rows(ClassDetailOut, [answer])
    return json_answer(answer)
