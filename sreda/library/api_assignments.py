"""API of the library's assignments part (R18) and its indicators (R19), mounted at /api/v1/ by
api/ninja_api.py. The same functions as the pages (library/assignments.py, library/indicators.py).

Assignments need a token bound to a person's role (a teacher's or a student's own token): a lesson is
assigned and opened by a person, never by a system role."""
import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_LIBRARY_READ, SCOPE_LIBRARY_WRITE, SCOPE_STATS_READ
from sreda.api.schemas import ERRORS, Pagination, example
from sreda.library import assignments as svc
from sreda.library import indicators as ind
from sreda.orgs.models import Municipality, Organisation
from sreda.stats.indicators import scoped_organisations

router = Router(tags=["Библиотека"])

PERSON_TOKEN = ("Назначения доступны только токену, выпущенному человеком от своей роли (учителя или "
                "обучающегося).")


def _actor(request: HttpRequest, *scopes: str):
    """The token's role if it carries one of `scopes` (the first one is named in the refusal)."""
    granted = getattr(request.auth, "scopes", [])
    scope = next((s for s in scopes if s in granted), scopes[0])
    return api_actor(request, scope)


def _person_actor(request: HttpRequest, *scopes: str):
    actor = _actor(request, *scopes)
    if actor.membership is None or not actor.membership.person_id:
        raise PermissionDenied(PERSON_TOKEN)
    return actor


class AssignmentIn(Schema):
    item_id: int = Field(..., description="Урок каталога.", examples=[12])
    class_id: int = Field(..., description="Класс, в котором учитель ведёт уроки (по расписанию).", examples=[5])
    kind: str = Field(..., description="classwork — классная работа, homework — домашняя работа.",
                      examples=["homework"])
    day: dt.date = Field(..., description="На дату (ГГГГ-ММ-ДД), сегодня или позже.", examples=["2025-11-20"])


class AssignmentOut(Schema):
    id: int = Field(..., description="Идентификатор назначения.", examples=[101])
    item_id: int = Field(..., description="Урок каталога.", examples=[12])
    title: str = Field(..., description="Название урока.", examples=["Дроби"])
    subject: str = Field(..., description="Предмет.", examples=["Математика"])
    class_id: int = Field(..., description="Класс.", examples=[5])
    class_title: str = Field(..., description="Класс, как его пишут в школе.", examples=["5А"])
    kind: str = Field(..., description="classwork или homework.", examples=["homework"])
    day: dt.date = Field(..., description="На дату.", examples=["2025-11-20"])
    created_at: dt.datetime = Field(..., description="Когда назначено.")

    @staticmethod
    def resolve_title(obj) -> str:
        return obj.item.title

    @staticmethod
    def resolve_subject(obj) -> str:
        return obj.item.subject.name

    @staticmethod
    def resolve_class_id(obj) -> int:
        return obj.school_class_id

    @staticmethod
    def resolve_class_title(obj) -> str:
        return obj.school_class.title


class TeacherAssignmentOut(AssignmentOut):
    opened: int = Field(..., description="Сколько обучающихся открыли урок.", examples=[12])
    class_size: int = Field(..., description="Обучающихся в классе.", examples=[25])


class StudentAssignmentOut(AssignmentOut):
    opened: bool = Field(..., description="Вы уже открывали этот урок.")


@router.post("/library/assignments", response={201: AssignmentOut, **ERRORS}, summary="Назначить урок классу")
def assignment_create(request: HttpRequest, payload: AssignmentIn):
    """R18: учитель с доступом к библиотеке (R15) назначает урок каталога своему классу как классную или
    домашнюю работу на дату. Область токена `library:write`. Отказ R15 — 403 со всеми причинами."""
    actor = _person_actor(request, SCOPE_LIBRARY_WRITE)
    item = svc.access_item(item_id=payload.item_id)
    assignment = svc.assignment_create(actor=actor, item=item, school_class_id=payload.class_id, kind=payload.kind,
                                       day=payload.day)
    assignment = svc.access_assignment(actor=actor, assignment_id=assignment.pk)
    return Status(201, assignment)


@router.get("/library/assignments", response={200: list[TeacherAssignmentOut], **ERRORS},
            summary="Назначенные мной уроки")
@paginate(Pagination)
def assignment_list(request: HttpRequest,
                    class_id: int | None = Query(None, description="Только этот класс."),
                    day_from: dt.date | None = Query(None, alias="from", description="На даты с (ГГГГ-ММ-ДД)."),
                    day_to: dt.date | None = Query(None, alias="to", description="На даты по (ГГГГ-ММ-ДД).")):
    """Уроки, которые учитель токена назначил своим классам, с числом открывших обучающихся. Область
    `library:read` (или `library:write`)."""
    actor = _person_actor(request, SCOPE_LIBRARY_READ, SCOPE_LIBRARY_WRITE)
    rows = svc.teacher_assignments(actor=actor, class_id=class_id, day_from=day_from, day_to=day_to)
    return rows


@router.get("/library/my-assignments", response={200: list[StudentAssignmentOut], **ERRORS},
            summary="Уроки, назначенные моему классу")
@paginate(Pagination)
def my_assignments(request: HttpRequest):
    """R18: уроки, назначенные классу обучающегося токена, сначала на поздние даты; открывал ли он их."""
    actor = _person_actor(request, SCOPE_LIBRARY_READ, SCOPE_LIBRARY_WRITE)
    return svc.student_assignments(actor=actor)


# --- R19 -------------------------------------------------------------------------------------------------


class LibraryFigureOut(Schema):
    total: int | None = Field(..., description="Всего (учителей или обучающихся на конец периода); null — не считается.",
                              examples=[40])
    active: int | None = Field(..., description="Учителя: вошли в библиотеку и назначили урок; обучающиеся: открыли "
                                                "назначенный урок.", examples=[25])
    share: float | None = Field(..., description="Доля 0–1, без округления; null при всего 0.", examples=[0.625])
    meets: bool | None = Field(..., description="Цель R19 выполнена (60 % / 30 %; ровно цель — выполнена).")


class OrgOut(Schema):
    org_id: int = Field(..., examples=[42])
    inn: str = Field(..., examples=["7801234567"])
    short_name: str = Field(..., examples=["ГБОУ СОШ № 5"])
    municipality: str = Field(..., examples=["Адмиралтейский район"])
    teachers: LibraryFigureOut
    students: LibraryFigureOut = Field(..., description="У дошкольных организаций не считаются (total null).")
    meets_all: bool | None = Field(..., description="Обе цели выполнены; null — что-то неизвестно.")


class LibraryMunicipalityOut(Schema):
    name: str = Field(..., examples=["Адмиралтейский район"])
    organisations: int = Field(..., description="Организаций.", examples=[40])
    known: int = Field(..., description="Из них с известными показателями.", examples=[38])
    meeting_all: int = Field(..., description="Выполняют обе цели.", examples=[12])
    share: float | None = Field(..., description="meeting_all / known, 0–1.", examples=[0.3158])
    teachers_share: float | None = Field(..., description="Σ активных учителей / Σ учителей.")
    students_share: float | None = Field(..., description="Σ просмотревших / Σ обучающихся (без дошкольных).")


class LibraryIndicatorsOut(Schema):
    model_config = example({
        "from": "2025-11-01", "to": "2025-11-30",
        "organisations": [{"org_id": 42, "inn": "7801234567", "short_name": "ГБОУ СОШ № 5",
                           "municipality": "Адмиралтейский район",
                           "teachers": {"total": 40, "active": 25, "share": 0.625, "meets": True},
                           "students": {"total": 900, "active": 300, "share": 0.3333, "meets": True},
                           "meets_all": True}],
        "municipalities": [{"name": "Адмиралтейский район", "organisations": 40, "known": 38, "meeting_all": 12,
                            "share": 0.3158, "teachers_share": 0.5, "students_share": 0.4211}],
    })

    from_: dt.date = Field(..., alias="from", description="Начало периода.")
    to: dt.date = Field(..., description="Конец периода.")
    organisations: list[OrgOut]
    municipalities: list[LibraryMunicipalityOut]


@router.get("/library/indicators", response={200: LibraryIndicatorsOut, **ERRORS}, by_alias=True,
            summary="Показатели библиотеки (R19) за период")
def indicators(request: HttpRequest,
               date_from: dt.date | None = Query(None, alias="from", description="Начало периода; по умолчанию — 1-е число текущего месяца."),
               date_to: dt.date | None = Query(None, alias="to", description="Конец периода; по умолчанию — сегодня."),
               municipality_id: int | None = Query(None, description="Только организации этого муниципалитета.")):
    """R19 по каждой организации в области роли токена: доля педагогов, которые вошли в библиотеку и назначили
    хотя бы один урок (цель 60 %), и доля обучающихся, открывших назначенный урок (цель 30 %); по районам —
    сколько организаций выполняют обе цели. Область `library:read` или `stats:read`."""
    actor = _actor(request, SCOPE_LIBRARY_READ, SCOPE_STATS_READ)
    default_from, default_to = ind.default_period(dt.date.today())
    date_from, date_to = date_from or default_from, date_to or default_to
    problem = ind.period_check(date_from, date_to)
    if problem:
        from django.core.exceptions import ValidationError

        raise ValidationError(problem)
    organisations = scoped_organisations(actor=actor)
    if municipality_id is not None:
        if not Municipality.objects.filter(pk=municipality_id, organisations__in=organisations.values("pk")).exists():
            raise Http404
        organisations = Organisation.objects.filter(municipality_id=municipality_id)
    rows = ind.library_indicators(actor=actor, date_from=date_from, date_to=date_to, organisations=organisations)
    return ind.indicators_json(date_from=date_from, date_to=date_to, rows=rows)
