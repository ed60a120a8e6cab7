"""API of the roster import and its sync hold (issue #10, item 1; R4, R25), mounted at /api/v1/ by
api/ninja_api.py: the same services as the page and the CLI. Scope `roster:write`; the token's role must
import the school's roster (its director or administrator, or the platform operator)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_ROSTER_WRITE
from sreda.api.schemas import ERRORS, ErrorOut, Pagination
from sreda.core.permissions import Action
from sreda.orgs.selectors import access_organisation
from sreda.roster.hold import held_approve, held_reject
from sreda.roster.models import HeldImport, HoldStatus
from sreda.roster.selectors import access_held_import, held_imports_for
from sreda.roster.uploads import roster_upload_apply

router = Router(tags=["Контингент"])
# What `file` may be (uploads.check_upload decides by content): a OneRoster .zip, the template .xlsx or .csv.
UPLOAD_TYPES = "application/zip, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, text/csv"


class RosterImportIn(Schema):
    skip_bad: bool = Field(False, description="Пропустить строки с ошибками и загрузить остальные (они перечислены "
                                              "в skipped). Без него любая ошибка отменяет загрузку целиком.",
                          examples=[False])
    approve_mass_change: bool = Field(False, description="Применить, даже если импорт завершит или переведёт в "
                                                         "другой класс больше ролей, чем позволяют пороги школы.",
                                     examples=[False])


class RosterProblemOut(Schema):
    file: str = Field(..., description="Файл (для OneRoster — файл внутри архива).", examples=["users.csv"])
    line: int = Field(..., description="Номер строки (0 — файл целиком).", examples=[12])
    column: str = Field("", description="Столбец.", examples=["familyName"])
    reason: str = Field(..., description="Что не так, по-русски.", examples=["пустая фамилия"])


class RosterImportOut(Schema):
    import_id: int | None = Field(None, description="Загрузка в журнале импортов школы (нет — при применении "
                                                    "удержанного импорта).", examples=[31])
    status: str = Field(..., description="applied — применён; rejected — в файле ошибки, ничего не изменено.",
                        examples=["applied"])
    message: str = Field(..., description="Итог по-русски.", examples=["Контингент загружен."])
    created: int = Field(..., description="Новых людей (SCIM: созданных пользователей).", examples=[3])
    updated: int = Field(..., description="Изменённых людей (SCIM: изменённых пользователей).", examples=[40])
    ended: int = Field(..., description="Завершённых ролей (в том числе при переводе в другой класс).", examples=[1])
    unchanged: int = Field(..., description="Людей без изменений.", examples=[800])
    skipped: list[RosterProblemOut] = Field(..., description="Пропущенные строки (skip_bad) или неудавшиеся "
                                                             "операции SCIM Bulk.")
    errors: list[RosterProblemOut] = Field(..., description="Ошибки; если они есть, ничего не загружено.")


class RosterHeldOut(Schema):
    id: int = Field(..., examples=[12])
    kind: str = Field(..., description="file — файл (страница, CLI, API); scim — запрос SCIM Bulk.", examples=["file"])
    source: str = Field(..., description="Имя файла или «SCIM Bulk».", examples=["roster-2026-09-01.zip"])
    status: str = Field(..., description="held — ждёт решения; approved — применён; rejected — отклонён; "
                                         "superseded — заменён более новым импортом.", examples=["held"])
    status_label: str = Field(..., description="Состояние по-русски.", examples=["удержан"])
    ended: int = Field(..., description="Сколько ролей импорт завершил бы.", examples=[40])
    moved: int = Field(..., description="Сколько ролей перевёл бы в другой класс.", examples=[0])
    created: int = Field(..., description="Сколько ролей добавил бы.", examples=[2])
    acting_role: str = Field(..., description="В какой роли (каким токеном) загружен.")
    created_at: datetime = Field(..., description="Когда удержан.")
    decided_at: datetime | None = Field(None, description="Когда принято решение.")
    page_url: str = Field(..., description="Страница предпросмотра для администратора школы.")

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_ended(obj) -> int:
        return obj.ended_count

    @staticmethod
    def resolve_moved(obj) -> int:
        return obj.moved_count

    @staticmethod
    def resolve_created(obj) -> int:
        return obj.created_count

    @staticmethod
    def resolve_page_url(obj, context) -> str:
        path = reverse("roster:held_detail", args=[obj.pk])
        request = (context or {}).get("request")
        return request.build_absolute_uri(path) if request is not None else path


class RosterHeldPersonOut(Schema):
    name: str = Field(..., description="ФИО.", examples=["Иванова Анна Сергеевна"])
    role: str = Field(..., description="Роль по-русски.", examples=["Обучающийся"])
    school_class: str = Field("", description="Класс (пусто — без класса).", examples=["5А"])

    @staticmethod
    def resolve_school_class(obj) -> str:
        return obj.get("class", "")


class RosterHeldMoveOut(Schema):
    name: str = Field(..., description="ФИО.")
    role: str = Field(..., description="Роль по-русски.")
    from_class: str = Field("", description="Из класса.", examples=["5А"])
    to_class: str = Field("", description="В класс.", examples=["5Б"])

    @staticmethod
    def resolve_from_class(obj) -> str:
        return obj.get("from", "")

    @staticmethod
    def resolve_to_class(obj) -> str:
        return obj.get("to", "")


class RosterHeldSchoolOut(Schema):
    organisation_id: int
    name: str = Field(..., description="Школа.")
    active: int = Field(..., description="Активных ролей школы до импорта.")
    people: int = Field(..., description="Скольких людей затрагивают завершения и переводы.")
    ended_count: int
    moved_count: int
    created_count: int
    ended: list[RosterHeldPersonOut] = Field(..., description="Кто завершается (не больше limit).")
    moved: list[RosterHeldMoveOut] = Field(..., description="Кто переводится в другой класс (не больше limit).")
    created: list[RosterHeldPersonOut] = Field(..., description="Кто добавляется (не больше limit).")


class RosterHeldDetailOut(RosterHeldOut):
    limit: int = Field(..., description="Сколько человек каждого вида перечислено в предпросмотре; числа — полные.")
    schools: list[RosterHeldSchoolOut] = Field(..., description="Разница по школам, превысившим порог и нет.")

    @staticmethod
    def resolve_limit(obj) -> int:
        return obj.preview.get("limit", 0)

    @staticmethod
    def resolve_schools(obj) -> list:
        return obj.preview.get("schools", [])


class RosterHeldProblemOut(ErrorOut):
    held: RosterHeldOut = Field(..., description="Удержанный импорт: номер, что он изменил бы, страница решения.")


class RosterHeldFilters(Schema):
    status: HoldStatus | None = Field(None, description="Только в этом состоянии: held, approved, rejected, superseded.")


def _school(request, org_id: int):
    actor = api_actor(request, SCOPE_ROSTER_WRITE)
    return actor, access_organisation(actor=actor, organisation_id=org_id, action=Action.IMPORT_ROSTER)


def _held_problem(held: HeldImport, detail: str):
    return Status(409, {"detail": detail, "held": held})


def _held_detail(held: HeldImport) -> str:
    return (f"Импорт удержан (№ {held.pk}) и не применён: он завершил бы {held.ended_count} и перевёл бы в другой "
            f"класс {held.moved_count} ролей — больше порога школы. Ничего не изменено. Проверьте список "
            f"(GET …/roster/held/{held.pk} или страница page_url) и примените (POST …/roster/held/{held.pk}/approve) "
            f"или отклоните его; либо отправьте файл заново с approve_mass_change=true.")


def _result(result, import_id: int | None = None):
    """An ImportResult as the answer: 200 applied, 409 held, 422 the report of the rows that stopped it."""
    if result.held is not None:
        return _held_problem(result.held, _held_detail(result.held))
    body = {"import_id": import_id, **result.as_dict()}
    if result.applied:
        return Status(200, {**body, "status": "applied", "message": "Контингент загружен."})
    return Status(422, {**body, "status": "rejected",
                        "message": f"Ничего не загружено: ошибок — {len(result.errors)}. Исправьте их или "
                                   f"отправьте файл с skip_bad=true, чтобы пропустить эти строки."})


@router.post("/orgs/{int:org_id}/roster/imports",
             response={200: RosterImportOut, 409: RosterHeldProblemOut, **ERRORS, 422: RosterImportOut},
             summary="Загрузить контингент",
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {
                 "encoding": {"file": {"contentType": UPLOAD_TYPES}}}}}})
def roster_import_create(request: HttpRequest, org_id: int, file: File[UploadedFile], data: Form[RosterImportIn]):
    """R4: файл школьной ИС (multipart/form-data, поле `file`): архив .zip OneRoster 1.1 или шаблон .csv/.xlsx;
    поля формы `skip_bad` и `approve_mass_change`. Выполняется сразу, одной транзакцией. Применён — 200 с
    итогом; ошибки в строках — 422 с их списком (файл, строка, столбец, причина), ничего не изменено;
    неподходящий файл — 422 (problem+json). Импорт, который завершил бы или перевёл в другой класс больше ролей,
    чем позволяют пороги школы (10 % или 50 человек по умолчанию), удерживается — 409 с номером удержанного
    импорта и его итогом; ничего не изменено, чаты не трогаются (R25). Область `roster:write`."""
    actor, organisation = _school(request, org_id)
    row, result = roster_upload_apply(actor=actor, organisation=organisation, upload=file, skip_bad=data.skip_bad,
                                      approve_mass_change=data.approve_mass_change)
    return _result(result, row.pk)


@router.get("/orgs/{int:org_id}/roster/held", response={200: list[RosterHeldOut], **ERRORS},
            summary="Удержанные импорты школы")
@paginate(Pagination)
def roster_held_list(request: HttpRequest, org_id: int, filters: Query[RosterHeldFilters]):
    """Issue #10: импорты (файлы и запросы SCIM Bulk), удержанные порогами школы, новые первыми. Область
    `roster:write`."""
    _, organisation = _school(request, org_id)
    return held_imports_for(organisation=organisation, status=filters.status)


@router.get("/orgs/{int:org_id}/roster/held/{int:held_id}", response={200: RosterHeldDetailOut, **ERRORS},
            summary="Предпросмотр удержанного импорта")
def roster_held_detail(request: HttpRequest, org_id: int, held_id: int):
    """Кто завершился бы, перевёлся бы в другой класс и добавился бы — по школам. Область `roster:write`."""
    actor, organisation = _school(request, org_id)
    return access_held_import(actor=actor, organisation=organisation, held_id=held_id)


@router.post("/orgs/{int:org_id}/roster/held/{int:held_id}/approve",
             response={200: RosterImportOut, 409: RosterHeldProblemOut, **ERRORS, 422: RosterImportOut},
             summary="Применить удержанный импорт")
def roster_held_approve(request: HttpRequest, org_id: int, held_id: int):
    """Применяет удержанный импорт ровно так, как в предпросмотре (200). Если данные школы с тех пор изменились
    и разница другая — не применяет, а удерживает заново: 409 с новым номером. Решение уже принято — 409.
    Область `roster:write`."""
    actor, organisation = _school(request, org_id)
    held = access_held_import(actor=actor, organisation=organisation, held_id=held_id)
    try:
        result = held_approve(actor=actor, held=held)
    except ValidationError as exc:
        return _held_problem(held, " ".join(exc.messages))
    if result.held is not None:
        return _held_problem(result.held, f"Импорт № {held.pk} не применён: данные школы изменились после "
                                          f"удержания, и разница теперь другая. Он удержан заново под № "
                                          f"{result.held.pk} — проверьте новый предпросмотр.")
    return _result(result)


@router.post("/orgs/{int:org_id}/roster/held/{int:held_id}/reject",
             response={200: RosterHeldOut, 409: RosterHeldProblemOut, **ERRORS}, summary="Отклонить удержанный импорт")
def roster_held_reject(request: HttpRequest, org_id: int, held_id: int):
    """Отклоняет удержанный импорт: ничего не меняется. Решение уже принято — 409. Область `roster:write`."""
    actor, organisation = _school(request, org_id)
    held = access_held_import(actor=actor, organisation=organisation, held_id=held_id)
    try:
        return held_reject(actor=actor, held=held)
    except ValidationError as exc:
        return _held_problem(held, " ".join(exc.messages))
