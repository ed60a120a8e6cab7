"""API of the library's schedule part (R14), mounted at /api/v1/: the same services as the page and the CLI.
The token's role must be the school's director or administrator (or the platform operator)."""
from datetime import date, datetime

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_LIBRARY_READ, SCOPE_LIBRARY_WRITE
from sreda.api.schemas import ERRORS, Pagination, example
from sreda.core.permissions import Action
from sreda.exchange.recorders import schedule_write_recorded
from sreda.library import publication as pub
from sreda.library.schedule import lessons_for, lessons_from_ids, lessons_upsert
from sreda.orgs.selectors import access_organisation

router = Router(tags=["Библиотека"])


class LessonOut(Schema):
    id: int = Field(..., examples=[101])
    day: date = Field(..., description="Дата урока.")
    number: int | None = Field(None, description="Урок №.", examples=[3])
    class_id: int = Field(..., description="Класс.", examples=[12])
    class_title: str = Field(..., description="Класс по-русски.", examples=["5А"])
    subject_id: int = Field(..., examples=[7])
    subject: str = Field(..., examples=["Математика"])
    teacher_id: int = Field(..., description="Человек-учитель.", examples=[501])
    teacher: str = Field(..., description="ФИО учителя.", examples=["Петрова Мария Ивановна"])
    external_id: str | None = Field(None, description="Идентификатор урока в школьной ИС.")
    published_at: datetime | None = Field(None, description="Когда выгружен в библиотеку; null — ещё не выгружен.")
    updated_at: datetime = Field(..., description="Когда урок изменён последний раз.")

    @staticmethod
    def resolve_class_id(obj) -> int:
        return obj.school_class_id

    @staticmethod
    def resolve_class_title(obj) -> str:
        return obj.school_class.title

    @staticmethod
    def resolve_subject(obj) -> str:
        return obj.subject.name

    @staticmethod
    def resolve_teacher(obj) -> str:
        return obj.teacher.full_name


class ScheduleFilters(Schema):
    from_: date | None = Field(None, alias="from", description="С даты (включительно).")
    to: date | None = Field(None, description="По дату (включительно).")
    class_id: int | None = Field(None, description="Только этот класс.")
    teacher_id: int | None = Field(None, description="Только этот учитель.")


class LessonIn(Schema):
    day: date = Field(..., description="Дата урока, ГГГГ-ММ-ДД.")
    number: int | None = Field(None, description="Урок № (0–20), необязательно.", examples=[2])
    class_id: int = Field(..., description="Класс этой школы.", examples=[12])
    subject_id: int = Field(..., description="Предмет.", examples=[7])
    teacher_id: int = Field(..., description="Учитель этой школы (человек с ролью «Учитель»).", examples=[501])
    external_id: str | None = Field(None, max_length=100, description="Идентификатор в школьной ИС: по нему урок "
                                                                      "находится при повторной отправке.")


class LessonError(Schema):
    index: int = Field(..., description="Номер урока в запросе, с 0.")
    field: str = Field(..., description="Поле.", examples=["teacher_id"])
    reason: str = Field(..., description="Что не так, по-русски.")


class WriteOut(Schema):
    model_config = example({
        "created": 12, "updated": 3, "unchanged": 40, "errors": [],
    })

    created: int
    updated: int
    unchanged: int
    errors: list[LessonError] = Field(..., description="Ошибки; если они есть, ничего не сохранено.")


class PublicationOut(Schema):
    model_config = example({
        "id": 31, "status": "done", "progress": 100, "lessons": 55, "message": "Выгружено уроков: 55.", "contact": "",
        "created_at": "2025-11-20T07:15:00Z", "finished_at": "2025-11-20T07:15:40Z",
    })

    id: int
    status: str = Field(..., description="pending, running, done, failed.")
    progress: int = Field(..., description="Выполнено, % (0–100).")
    lessons: int = Field(..., description="Сколько уроков выгружено этим запуском.")
    message: str = Field(..., description="Итог или ошибка по-русски.")
    contact: str = Field(..., description="К кому обратиться, если выгрузка не удалась или часть уроков не выгружена.")
    created_at: datetime
    finished_at: datetime | None = None


def _school(request, org_id: int, scope: str):
    actor = api_actor(request, scope)
    return actor, access_organisation(actor=actor, organisation_id=org_id, action=Action.MANAGE_SCHEDULE)


@router.get("/orgs/{int:org_id}/schedule", response={200: list[LessonOut], **ERRORS}, summary="Расписание школы")
@paginate(Pagination)
def schedule_list(request: HttpRequest, org_id: int, filters: Query[ScheduleFilters]):
    """R14: уроки школы за период, по классу и учителю. Нужна область `library:read`."""
    _, organisation = _school(request, org_id, SCOPE_LIBRARY_READ)
    return lessons_for(organisation=organisation, start=filters.from_, end=filters.to, class_id=filters.class_id,
                       teacher_id=filters.teacher_id)


@router.post("/orgs/{int:org_id}/schedule", response={200: WriteOut, 400: WriteOut, **ERRORS},
             summary="Загрузить уроки в расписание")
def schedule_write(request: HttpRequest, org_id: int, lessons: list[LessonIn]):
    """R14: список уроков. Урок находится по external_id, иначе по (дата, урок №, класс, предмет, учитель);
    изменённый урок снимается с публикации. При любой ошибке ничего не сохраняется (400). Область `library:write`."""
    actor, organisation = _school(request, org_id, SCOPE_LIBRARY_WRITE)
    started = timezone.now()
    items, errors = lessons_from_ids(organisation=organisation, items=[item.dict() for item in lessons])
    if errors:
        schedule_write_recorded(actor=actor, organisation=organisation, started_at=started, errors=errors)
        return Status(400, {"created": 0, "updated": 0, "unchanged": 0, "errors": errors})
    result = lessons_upsert(actor=actor, organisation=organisation, items=items)
    schedule_write_recorded(actor=actor, organisation=organisation, started_at=started, result=result)  # issue #10
    return result.as_dict()


@router.post("/orgs/{int:org_id}/schedule/publish", response={202: PublicationOut, 409: ERRORS[403], **ERRORS},
             summary="Выгрузка МояШкола")
def schedule_publish(request: HttpRequest, org_id: int):
    """R14: запускает выгрузку расписания школы в библиотеку; ход — GET …/schedule/publications/{id}.
    Область `library:write`."""
    from django.core.exceptions import ValidationError

    actor, organisation = _school(request, org_id, SCOPE_LIBRARY_WRITE)
    try:
        row = pub.publication_start(actor=actor, organisation=organisation)
    except ValidationError as exc:
        return Status(409, {"detail": exc.messages[0]})
    return Status(202, row)


@router.get("/orgs/{int:org_id}/schedule/publications/{int:publication_id}",
            response={200: PublicationOut, **ERRORS}, summary="Ход и итог выгрузки МояШкола")
def schedule_publication(request: HttpRequest, org_id: int, publication_id: int):
    """Состояние выгрузки: прогресс, итог или ошибка и к кому обратиться. Область `library:read`."""
    actor, organisation = _school(request, org_id, SCOPE_LIBRARY_READ)
    row = pub.access_publication(actor=actor, organisation=organisation, publication_id=publication_id)
    if row is None:
        raise Http404("Выгрузка не найдена.")
    return row
