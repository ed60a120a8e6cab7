"""API of «Организация ДПО» (R36–R38): the same services and selectors as the pages, area `dpo`.

A refused status change answers 409 with the reason (403 when the status allows it but the token's role
does not); every refused attempt is in the application's history, as on the site."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status as HttpStatus
from ninja.errors import HttpError
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_DPO
from sreda.api.schemas import ERRORS, ErrorOut, Pagination, example
from sreda.core.permissions import DENIED_MESSAGE, Action, can, require
from sreda.dpo import selectors, services
from sreda.dpo.exports import applications_xlsx
from sreda.dpo.models import GroupStatus, StudyForm
from sreda.dpo.statuses import Act, Status

router = Router(tags=["ДПО"])
CONFLICT = {409: ErrorOut}


# --- schemas ------------------------------------------------------------------------------------------------

class DpoProgramOut(Schema):
    id: int = Field(..., description="Идентификатор программы.")
    name: str = Field(..., description="Программа.", examples=["Цифровая трансформация образовательной организации"])
    description: str = Field(..., description="Описание.")
    competences: str = Field(..., description="Совершенствуемые компетенции.")
    listener_categories: str = Field(..., description="Категория(и) слушателей.")
    study_form: str = Field(..., description="Форма обучения: full_time, mixed, part_time, distance или пусто.")
    study_form_label: str = Field(..., description="Форма обучения по-русски («Не указано», если пусто).")
    hours: int | None = Field(None, description="Объём, часов.")
    organisation_id: int = Field(..., description="Организация ДПО.")
    organisation: str = Field(..., description="Организация ДПО, краткое наименование.")

    @staticmethod
    def resolve_study_form_label(obj) -> str:
        return obj.get_study_form_display() or "Не указано"

    @staticmethod
    def resolve_organisation(obj) -> str:
        return str(obj.organisation)


class DpoGroupOut(Schema):
    id: int = Field(..., description="Идентификатор группы.")
    name: str = Field(..., description="Группа.", examples=["Диагностика. Кадровый резерв руководителей"])
    description: str = Field(..., description="Описание группы.")
    starts_on: date = Field(..., description="Начало обучения.")
    ends_on: date = Field(..., description="Окончание обучения.")
    capacity: int = Field(..., description="Мест в группе.")
    status: GroupStatus = Field(..., description="Набор: open — открыт, closed — закрыт.")
    included: int | None = Field(None, description="Сколько уже «Включен в группу».")
    program: DpoProgramOut = Field(..., description="Программа группы.")


class DpoCommentOut(Schema):
    author_name: str = Field(..., description="Автор.")
    author_role: str = Field(..., description="Роль автора.", examples=["Руководитель ОО — МБОУ СОШ № 5"])
    text: str = Field(..., description="Комментарий (виден заявителю).")
    created_at: datetime = Field(..., description="Когда (UTC).")


class DpoEventOut(Schema):
    at: datetime = Field(..., description="Когда (UTC).")
    actor_name: str = Field(..., description="Кто.")
    actor_role: str = Field(..., description="В какой роли.")
    act: str = Field(..., description="apply, approve, cancel, include, comment.")
    from_status: str = Field(..., description="Статус до (пусто при подаче).")
    to_status: str = Field(..., description="Статус после (пусто у отказа).")
    outcome: str = Field(..., description="done — выполнено, refused — отказано.")
    comment: str = Field(..., description="Комментарий.")
    reason: str = Field(..., description="Почему отказано.")


class DpoApplicationOut(Schema):
    id: int = Field(..., description="Номер заявки.", examples=[39744])
    status: Status = Field(..., description="new — «Не обработана», approved — «Подтверждена руководителем ОО», "
                                            "cancelled — «Отменена», included — «Включен в группу».")
    status_label: str = Field(..., description="Статус по-русски.", examples=["Не обработана"])
    applicant: str = Field(..., description="Заявитель (ФИО).", examples=["Войсковая Юлия Олеговна"])
    organisation_id: int = Field(..., description="Образовательная организация, от которой подана.")
    organisation: str = Field(..., description="ОО, краткое наименование.")
    program_id: int = Field(..., description="Программа.")
    program: str = Field(..., description="Программа, название.")
    group_id: int = Field(..., description="Группа.")
    group: str = Field(..., description="Группа, название.")
    created_at: datetime = Field(..., description="Подана (UTC).")
    status_changed_at: datetime = Field(..., description="Статус изменён (UTC).")

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_applicant(obj) -> str:
        return obj.applicant.full_name

    @staticmethod
    def resolve_organisation(obj) -> str:
        return obj.organisation.short_name

    @staticmethod
    def resolve_program_id(obj) -> int:
        return obj.group.program_id

    @staticmethod
    def resolve_program(obj) -> str:
        return obj.group.program.name

    @staticmethod
    def resolve_group(obj) -> str:
        return obj.group.name


class DpoApplicationDetailOut(DpoApplicationOut):
    group_detail: DpoGroupOut = Field(..., description="Общие сведения о группе и программе.")
    comments: list[DpoCommentOut] = Field(..., description="«Комментарии», от старых к новым.")
    events: list[DpoEventOut] = Field(..., description="«История действий», включая отказанные попытки.")
    documents: list[str] = Field(..., description="Имена приложенных документов.")

    @staticmethod
    def resolve_group_detail(obj):
        return obj.group

    @staticmethod
    def resolve_comments(obj):
        return list(selectors.application_comments(application=obj))

    @staticmethod
    def resolve_events(obj):
        return list(selectors.application_events(application=obj))

    @staticmethod
    def resolve_documents(obj):
        return [d.name for d in obj.documents.all()]


class DpoApplicationFilters(Schema):
    q: str = Field("", max_length=200, description="Номер заявки, ФИО заявителя или часть названия программы "
                                                  "(регистр и «ё» не важны).")
    status: Status | None = Field(None, description="Только этот статус.")
    program_id: int | None = Field(None, description="Только эта программа.")
    date_from: date | None = Field(None, description="Поданы не раньше этой даты.")
    date_to: date | None = Field(None, description="Поданы не позже этой даты.")
    organisation_id: int | None = Field(None, description="Только эта ОО (для центра).")

    def selector(self) -> selectors.ApplicationFilters:
        return selectors.ApplicationFilters(query=self.q, status=self.status.value if self.status else "",
                                            program_id=self.program_id, date_from=self.date_from,
                                            date_to=self.date_to, organisation_id=self.organisation_id)


class DpoGroupFilters(Schema):
    q: str = Field("", max_length=200, description="Группа, программа или компетенция.")
    program_id: int | None = Field(None, description="Только эта программа.")
    study_form: StudyForm | None = Field(None, description="Форма обучения.")
    date_from: date | None = Field(None, description="Начало обучения не раньше.")
    date_to: date | None = Field(None, description="Начало обучения не позже.")


class DpoApplyIn(Schema):
    model_config = example({
        "group_id": 7,
    })

    group_id: int = Field(..., description="Группа, в которую подаётся заявка.")


class DpoStepIn(Schema):
    model_config = example({
        "comment": "Согласовано, обучение в свободные от уроков дни.", "seen_status": "new",
    })

    comment: str = Field("", max_length=2000, description="Комментарий (по желанию), виден заявителю.")
    seen_status: Status | None = Field(None, description="Статус, который видел пользователь: если заявку уже "
                                                         "изменили, действие не выполняется (409).")


class DpoCommentIn(Schema):
    model_config = example({
        "text": "Уточните, пожалуйста, даты очной части.",
    })

    text: str = Field(..., min_length=1, max_length=2000, description="Комментарий, виден заявителю.")


class DpoBulkIn(Schema):
    model_config = example({
        "ids": [101, 102, 103], "comment": "Согласовано",
    })

    ids: list[int] = Field(..., min_length=1, max_length=500, description="Номера заявок.")
    comment: str = Field("", max_length=2000, description="Комментарий для всех (по желанию).")


class DpoRefusal(Schema):
    id: int = Field(..., description="Номер заявки.")
    reason: str = Field(..., description="Почему не одобрена.")


class DpoBulkOut(Schema):
    model_config = example({
        "done": [101, 102], "refused": [{"id": 103, "reason": "Заявка №103 не найдена в вашей школе."}],
    })

    done: list[int] = Field(..., description="Одобренные заявки.")
    refused: list[DpoRefusal] = Field(..., description="Неодобренные, с причиной.")


class DpoProgramIn(Schema):
    model_config = example({
        "organisation_id": 3, "name": "Диагностика личностно-профессионального развития",
        "description": "Программа для участников кадрового резерва", "competences": "Управленческие компетенции",
        "listener_categories": "Руководители и заместители", "study_form": "mixed", "hours": 36,
    })

    organisation_id: int = Field(..., description="Организация ДПО.")
    name: str = Field(..., min_length=1, max_length=500, description="Программа.")
    description: str = Field("", description="Описание.")
    competences: str = Field("", description="Совершенствуемые компетенции.")
    listener_categories: str = Field("", description="Категория(и) слушателей.")
    study_form: StudyForm | None = Field(None, description="Форма обучения.")
    hours: int | None = Field(None, ge=1, le=10000, description="Объём, часов.")


class DpoGroupIn(Schema):
    model_config = example({
        "name": "Диагностика. Кадровый резерв, поток 2", "description": "", "starts_on": "2026-01-19",
        "ends_on": "2026-01-23", "capacity": 25, "status": "open",
    })

    name: str = Field(..., min_length=1, max_length=300, description="Группа.")
    description: str = Field("", description="Описание.")
    starts_on: date = Field(..., description="Начало обучения.")
    ends_on: date = Field(..., description="Окончание обучения.")
    capacity: int = Field(25, ge=1, le=10000, description="Мест.")
    status: GroupStatus = Field(GroupStatus.OPEN, description="Набор: open или closed.")


# --- helpers ------------------------------------------------------------------------------------------------

def _step(actor, application_id: int, act: str, payload: DpoStepIn):
    selectors.access_application(actor=actor, application_id=application_id)
    try:
        services.application_transition(actor=actor, application_id=application_id, act=act,
                                        comment=payload.comment,
                                        seen_status=payload.seen_status.value if payload.seen_status else None)
    except services.TransitionRefused as refused:
        raise HttpError(403 if refused.forbidden else 409, " ".join(refused.messages)) from None
    return selectors.access_application(actor=actor, application_id=application_id)


def _director(request):
    actor = api_actor(request, SCOPE_DPO)
    organisation = actor.organisation
    if organisation is None or not can(actor, Action.APPROVE_DPO, organisation):
        raise PermissionDenied(DENIED_MESSAGE[Action.APPROVE_DPO])
    return actor, organisation


def _listener(request):
    actor = api_actor(request, SCOPE_DPO)
    if actor.organisation is None or not can(actor, Action.APPLY_DPO, actor.organisation):
        raise PermissionDenied(DENIED_MESSAGE[Action.APPLY_DPO])
    if selectors.person_of(actor) is None:
        raise PermissionDenied("Заявки подаёт человек: нужен токен, выпущенный слушателем для своей роли.")
    return actor


def _centre(request):
    actor = api_actor(request, SCOPE_DPO)
    require(actor, Action.MANAGE_DPO)
    return actor


# --- the teacher --------------------------------------------------------------------------------------------

@router.get("/dpo/groups", response={200: list[DpoGroupOut], **ERRORS}, summary="Открытые группы ДПО")
@paginate(Pagination)
def groups_open(request: HttpRequest, filters: Query[DpoGroupFilters]):
    """Группы, в которые слушатель может подать заявку (R36): набор открыт, обучение не закончилось."""
    actor = _listener(request)
    return selectors.open_groups(actor=actor, filters=selectors.GroupFilters(
        query=filters.q, program_id=filters.program_id, study_form=filters.study_form.value if filters.study_form else "",
        date_from=filters.date_from, date_to=filters.date_to))


class DpoMyFilters(Schema):
    status: Status | None = Field(None, description="Только заявки в этом статусе: new — не обработана, approved — "
                                                    "подтверждена руководителем ОО, cancelled — отменена, included — "
                                                    "включен в группу.")


@router.get("/dpo/my/applications", response={200: list[DpoApplicationDetailOut], **ERRORS}, summary="Моё обучение")
@paginate(Pagination)
def my_applications(request: HttpRequest, filters: Query[DpoMyFilters]):
    """Заявки слушателя со статусами, комментариями и историей (R37); по статусу."""
    return selectors.my_applications(actor=_listener(request), status=filters.status.value if filters.status else None)


@router.post("/dpo/my/applications", response={201: DpoApplicationOut, **ERRORS}, summary="Подать заявку")
def my_apply(request: HttpRequest, payload: DpoApplyIn):
    """Заявка в открытую группу (R36); одна действующая заявка на группу — иначе 422 с объяснением."""
    actor = _listener(request)
    group = selectors.access_group(actor=actor, group_id=payload.group_id)
    application = services.application_apply(actor=actor, group=group)
    return HttpStatus(201, selectors.access_application(actor=actor, application_id=application.pk))


@router.post("/dpo/my/applications/{application_id}/cancel", response={200: DpoApplicationOut, **ERRORS, **CONFLICT},
             summary="Отменить свою заявку")
def my_cancel(request: HttpRequest, application_id: int, payload: DpoStepIn):
    """Слушатель отменяет свою заявку, пока она не «Включен в группу» (R37)."""
    return _step(_listener(request), application_id, Act.CANCEL, payload)


# --- the director -------------------------------------------------------------------------------------------

@router.get("/dpo/applications", response={200: list[DpoApplicationOut], **ERRORS}, summary="Заявки школы")
@paginate(Pagination)
def applications(request: HttpRequest, filters: Query[DpoApplicationFilters]):
    """«Заявки» руководителя ОО (R38): поиск по номеру, заявителю, программе; фильтры по статусу, программе, датам."""
    actor, organisation = _director(request)
    return selectors.director_applications(actor=actor, organisation=organisation, filters=filters.selector())


XLSX_DOWNLOAD = {"responses": {200: {"description": "Файл Excel (.xlsx) со строками списка и теми же фильтрами.",
                                      "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                                          "schema": {"type": "string", "format": "binary"}}}}}}


@router.get("/dpo/applications/export", response={200: None, **ERRORS}, summary="Заявки школы (.xlsx)",
            openapi_extra=XLSX_DOWNLOAD)
def applications_export(request: HttpRequest, filters: Query[DpoApplicationFilters]):
    """Тот же список файлом XLSX."""
    actor, organisation = _director(request)
    return applications_xlsx(selectors.director_applications(actor=actor, organisation=organisation,
                                                             filters=filters.selector()), "dpo-zayavki")


@router.post("/dpo/applications/bulk-approve", response={200: DpoBulkOut, **ERRORS}, summary="Одобрить выбранные")
def applications_bulk_approve(request: HttpRequest, payload: DpoBulkIn):
    """«Одобрить» сразу несколько заявок; неодобренные возвращаются с причиной."""
    actor, _ = _director(request)
    result = services.applications_bulk_approve(actor=actor, application_ids=payload.ids, comment=payload.comment)
    return {"done": result.done, "refused": [{"id": pk, "reason": reason} for pk, reason in result.refused]}


@router.get("/dpo/applications/{application_id}", response={200: DpoApplicationDetailOut, **ERRORS},
            summary="Карточка заявки")
def application_detail(request: HttpRequest, application_id: int):
    """«Сведения о заявке», «Комментарии» и «История действий» (R38). Видят заявитель, руководитель ОО школы и центр."""
    actor = api_actor(request, SCOPE_DPO)
    return selectors.access_application(actor=actor, application_id=application_id)


@router.post("/dpo/applications/{application_id}/approve", response={200: DpoApplicationOut, **ERRORS, **CONFLICT},
             summary="Одобрить")
def application_approve(request: HttpRequest, application_id: int, payload: DpoStepIn):
    """«Не обработана» → «Подтверждена руководителем ОО»; только роль «Руководитель ОО» (R37, R1)."""
    return _step(api_actor(request, SCOPE_DPO), application_id, Act.APPROVE, payload)


@router.post("/dpo/applications/{application_id}/cancel", response={200: DpoApplicationOut, **ERRORS, **CONFLICT},
             summary="Отменить")
def application_cancel(request: HttpRequest, application_id: int, payload: DpoStepIn):
    """«Отменена»: заявитель или руководитель ОО — из «Не обработана»; заявитель или центр — и из «Подтверждена
    руководителем ОО» (R37)."""
    return _step(api_actor(request, SCOPE_DPO), application_id, Act.CANCEL, payload)


@router.post("/dpo/applications/{application_id}/include", response={200: DpoApplicationOut, **ERRORS, **CONFLICT},
             summary="Включить в группу")
def application_include(request: HttpRequest, application_id: int, payload: DpoStepIn):
    """«Подтверждена руководителем ОО» → «Включен в группу»; только центр, пока в группе есть места (R37)."""
    return _step(api_actor(request, SCOPE_DPO), application_id, Act.INCLUDE, payload)


@router.post("/dpo/applications/{application_id}/comments", response={201: DpoCommentOut, **ERRORS},
             summary="Добавить комментарий")
def application_comment(request: HttpRequest, application_id: int, payload: DpoCommentIn):
    actor = api_actor(request, SCOPE_DPO)
    application = selectors.access_application(actor=actor, application_id=application_id)
    return HttpStatus(201, services.comment_add(actor=actor, application=application, text=payload.text))


# --- the centre ---------------------------------------------------------------------------------------------

@router.get("/dpo/centre/applications", response={200: list[DpoApplicationOut], **ERRORS},
            summary="Заявки школ региона")
@paginate(Pagination)
def centre_applications(request: HttpRequest, filters: Query[DpoApplicationFilters]):
    """Заявки школ региона центра; `status=approved` — очередь на включение в группу (R37)."""
    return selectors.centre_applications(actor=_centre(request), filters=filters.selector())


@router.get("/dpo/centre/applications/export", response={200: None, **ERRORS}, summary="Заявки школ региона (.xlsx)",
            openapi_extra=XLSX_DOWNLOAD)
def centre_applications_export(request: HttpRequest, filters: Query[DpoApplicationFilters]):
    return applications_xlsx(selectors.centre_applications(actor=_centre(request), filters=filters.selector()),
                             "dpo-centr")


@router.get("/dpo/programs", response={200: list[DpoProgramOut], **ERRORS}, summary="Программы ДПО центра")
@paginate(Pagination)
def programs(request: HttpRequest, q: str = ""):
    return selectors.centre_programs(actor=_centre(request), query=q[:200])


def _program_data(actor, payload: DpoProgramIn) -> dict:
    organisation = selectors.centre_dpo_organisations(actor=actor).filter(pk=payload.organisation_id).first()
    if organisation is None:
        raise HttpError(404, "Организация ДПО не найдена или относится к другому региону.")
    data = payload.dict()
    data.pop("organisation_id")
    data["study_form"] = payload.study_form.value if payload.study_form else ""
    return {"organisation": organisation, **data}


@router.post("/dpo/programs", response={201: DpoProgramOut, **ERRORS}, summary="Добавить программу")
def program_create(request: HttpRequest, payload: DpoProgramIn):
    actor = _centre(request)
    return HttpStatus(201, services.program_save(actor=actor, **_program_data(actor, payload)))


@router.put("/dpo/programs/{program_id}", response={200: DpoProgramOut, **ERRORS}, summary="Изменить программу")
def program_update(request: HttpRequest, program_id: int, payload: DpoProgramIn):
    actor = _centre(request)
    program = selectors.access_program(actor=actor, program_id=program_id)
    return services.program_save(actor=actor, program=program, **_program_data(actor, payload))


@router.get("/dpo/programs/{program_id}/groups", response={200: list[DpoGroupOut], **ERRORS}, summary="Группы программы")
@paginate(Pagination)
def program_groups(request: HttpRequest, program_id: int):
    actor = _centre(request)
    return selectors.program_groups(program=selectors.access_program(actor=actor, program_id=program_id)) \
        .select_related("program__organisation")


@router.post("/dpo/programs/{program_id}/groups", response={201: DpoGroupOut, **ERRORS}, summary="Добавить группу")
def group_create(request: HttpRequest, program_id: int, payload: DpoGroupIn):
    actor = _centre(request)
    program = selectors.access_program(actor=actor, program_id=program_id)
    data = {**payload.dict(), "status": payload.status.value}
    return HttpStatus(201, services.group_save(actor=actor, program=program, **data))


@router.put("/dpo/groups/{group_id}", response={200: DpoGroupOut, **ERRORS}, summary="Изменить группу")
def group_update(request: HttpRequest, group_id: int, payload: DpoGroupIn):
    actor = _centre(request)
    group = selectors.access_group(actor=actor, group_id=group_id, for_centre=True)
    data = {**payload.dict(), "status": payload.status.value}
    return services.group_save(actor=actor, group=group, program=group.program, **data)


@router.delete("/dpo/groups/{group_id}", response={204: None, **ERRORS}, summary="Удалить группу")
def group_delete(request: HttpRequest, group_id: int):
    """Только группу, в которую ещё не подавали заявок; иначе 422 — закройте набор."""
    actor = _centre(request)
    services.group_delete(actor=actor, group=selectors.access_group(actor=actor, group_id=group_id, for_centre=True))
    return HttpStatus(204, None)


