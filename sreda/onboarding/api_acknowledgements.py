"""API of acknowledgements (R23), mounted at /api/v1/: the school's documents, who has and who has not
acknowledged, publishing and asking more people (director, administrator); an employee's own documents, the file
and «Ознакомлен(а)». The same services as the pages. Reading: scope `joining` or `read`; writing: `joining`."""

from datetime import date, datetime
from enum import Enum

from django.http import FileResponse, HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_JOINING, SCOPE_READ
from sreda.api.schemas import ERRORS, Pagination, example
from sreda.core.permissions import Action
from sreda.onboarding import acknowledgements as ack
from sreda.onboarding.api_tracker import api_actor_any
from sreda.orgs.selectors import access_organisation

router = Router(tags=["Ознакомление с документами"])
BINARY = {"schema": {"type": "string", "format": "binary"}}
SCAN_TYPES = "application/pdf, image/jpeg, image/png"  # what the content check lets through (a document's file)

AudienceParam = Enum("Audience", {key.upper(): key for key in ack.Audience.LABELS}, type=str)
AckStateParam = Enum("AckState", {key.upper(): key for key in ack.AckState.LABELS}, type=str)
AUDIENCE_HELP = ("Кого попросить ознакомиться: class_teachers — все классные руководители, teachers — все учителя, "
                 "staff — все сотрудники школы, picked — сотрудники из person_ids.")


DOCUMENT_EXAMPLE = {
    "id": 7, "organisation_id": 42, "title": "Приказ № 192 от 25.04.2024 «Об использовании ЦОС»",
    "instruction": "Прочитайте приказ и нажмите «Ознакомлен(а)».", "file_name": "prikaz-192.pdf",
    "file_type": "application/pdf", "file_size": 184320, "published_at": "2025-11-20T07:15:00Z",
    "due_date": "2025-11-27", "asked": 40, "done": 31, "pending": 9,
}


class DocumentOut(Schema):
    id: int = Field(..., examples=[7])
    organisation_id: int
    title: str = Field(..., examples=["Приказ № 192 от 25.04.2024 «Об использовании ЦОС»"])
    instruction: str = Field(..., description="Что нужно сделать.")
    file_name: str = Field(..., description="Имя файла; пусто — документ без файла.")
    file_type: str = Field(..., description="application/pdf, image/jpeg или image/png.")
    file_size: int | None = None
    published_at: datetime
    due_date: date | None = Field(None, description="Ознакомиться до.")
    asked: int = Field(..., description="Скольких попросили ознакомиться.")
    done: int = Field(..., description="Сколько ознакомились.")
    pending: int = Field(..., description="Сколько ещё не ознакомились.")

    @staticmethod
    def resolve_asked(obj) -> int:
        return obj.asked if hasattr(obj, "asked") else ack.document_counts(obj)["asked"]

    @staticmethod
    def resolve_done(obj) -> int:
        return obj.done if hasattr(obj, "done") else ack.document_counts(obj)["done"]

    @staticmethod
    def resolve_pending(obj) -> int:
        return obj.pending if hasattr(obj, "pending") else ack.document_counts(obj)["pending"]


class AcknowledgementOut(Schema):
    person_id: int
    full_name: str = Field(..., examples=["Петрова Мария Ивановна"])
    requested_at: datetime = Field(..., description="Когда попросили.")
    acknowledged_at: datetime | None = Field(None, description="Когда нажал(а) «Ознакомлен(а)»; null — ещё нет.")

    @staticmethod
    def resolve_full_name(obj) -> str:
        return obj.person.full_name


class MyDocumentOut(Schema):
    model_config = example({
        "document": DOCUMENT_EXAMPLE,
        "requested_at": "2025-11-20T07:15:00Z", "acknowledged_at": "2025-11-21T09:02:00Z",
    })

    document: DocumentOut
    requested_at: datetime
    acknowledged_at: datetime | None = None


class DocumentIn(Schema):
    model_config = example({
        "title": "Приказ № 192 от 25.04.2024 «Об использовании ЦОС»",
        "instruction": "Прочитайте приказ и нажмите «Ознакомлен(а)».", "due_date": "2025-11-27",
        "audience": "teachers", "person_ids": [],
    })

    title: str = Field(..., max_length=ack.TITLE_MAX, description="Название документа.")
    instruction: str = Field("", max_length=ack.INSTRUCTION_MAX, description="Что нужно сделать.")
    due_date: date | None = Field(None, description="Ознакомиться до (ГГГГ-ММ-ДД).")
    audience: AudienceParam = Field(..., description=AUDIENCE_HELP)
    person_ids: list[int] = Field(default_factory=list, description="Для audience=picked: сотрудники школы.")


class AskIn(Schema):
    model_config = example({
        "audience": "picked", "person_ids": [1001, 1002],
    })

    audience: AudienceParam = Field(..., description=AUDIENCE_HELP)
    person_ids: list[int] = Field(default_factory=list, description="Для audience=picked: сотрудники школы.")


class AskOut(Schema):
    model_config = example({
        "added": 2,
        "document": DOCUMENT_EXAMPLE,
    })

    added: int = Field(..., description="Сколько сотрудников добавлено (уже попрошенные не считаются).")
    document: DocumentOut


class AcknowledgementRowFilters(Schema):
    state: AckStateParam | None = Field(None, description="done — ознакомились, pending — ещё нет.")
    q: str = Field("", max_length=200, description="Поиск по ФИО (регистр и «ё» не важны).")


@router.get("/orgs/{int:org_id}/documents", response={200: list[DocumentOut], **ERRORS},
            summary="Документы школы на ознакомление")
@paginate(Pagination)
def document_list(request: HttpRequest, org_id: int, q: str = ""):
    """R23: документы школы, новые сверху, со счётчиками «попросили / ознакомились / нет». Руководитель и
    администратор ОО. Область `joining` или `read`."""
    actor = api_actor_any(request, SCOPE_JOINING, SCOPE_READ)
    organisation = access_organisation(actor=actor, organisation_id=org_id, action=Action.MANAGE_ACKNOWLEDGEMENTS)
    return ack.documents_for(actor=actor, organisation=organisation, query=q[:200])


@router.post("/orgs/{int:org_id}/documents", response={201: DocumentOut, **ERRORS}, summary="Опубликовать документ",
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {
                 "encoding": {"file": {"contentType": SCAN_TYPES}},
                 "example": {"title": "Приказ № 192 от 25.04.2024 «Об использовании ЦОС»",
                             "instruction": "Прочитайте приказ и нажмите «Ознакомлен(а)».", "due_date": "2025-11-27",
                             "audience": "teachers"}}}}})
def document_create(request: HttpRequest, org_id: int, data: Form[DocumentIn], file: File[UploadedFile] = None):
    """R23: multipart/form-data; `file` — PDF (или скан JPEG/PNG) не больше 20 МБ, тип определяется по содержимому.
    Создаёт просьбы ознакомиться выбранным сотрудникам. При любой ошибке — 422 по полям, ничего не создаётся.
    Область `joining`."""
    actor = api_actor(request, SCOPE_JOINING)
    organisation = access_organisation(actor=actor, organisation_id=org_id, action=Action.MANAGE_ACKNOWLEDGEMENTS)
    document = ack.document_publish(actor=actor, organisation=organisation, title=data.title,
                                    instruction=data.instruction, upload=file, due_date=data.due_date,
                                    audience=data.audience.value, person_ids=data.person_ids)
    return Status(201, document)


@router.get("/documents/{int:document_id}", response={200: DocumentOut, **ERRORS}, summary="Документ и счётчики")
def document_detail(request: HttpRequest, document_id: int):
    actor = api_actor_any(request, SCOPE_JOINING, SCOPE_READ)
    return ack.access_document(actor=actor, document_id=document_id, manage=True)


@router.get("/documents/{int:document_id}/acknowledgements", response={200: list[AcknowledgementOut], **ERRORS},
            summary="Кто ознакомился и кто нет")
@paginate(Pagination)
def document_rows(request: HttpRequest, document_id: int, filters: Query[AcknowledgementRowFilters]):
    """R23: попрошенные сотрудники — сначала те, кто ещё не ознакомился, затем по фамилии. Область `joining` или `read`."""
    actor = api_actor_any(request, SCOPE_JOINING, SCOPE_READ)
    document = ack.access_document(actor=actor, document_id=document_id, manage=True)
    return ack.acknowledgement_rows(document=document, state=filters.state.value if filters.state else "",
                                    query=filters.q)


@router.post("/documents/{int:document_id}/ask", response={200: AskOut, **ERRORS},
             summary="Попросить ознакомиться ещё")
def document_ask(request: HttpRequest, document_id: int, data: AskIn):
    """Добавляет сотрудников к документу; уже попрошенные сохраняют своё состояние. Область `joining`."""
    actor = api_actor(request, SCOPE_JOINING)
    document = ack.access_document(actor=actor, document_id=document_id, manage=True)
    added = ack.document_ask_more(actor=actor, document=document, audience=data.audience.value,
                                  person_ids=data.person_ids)
    return {"added": added, "document": document}


@router.get("/documents/{int:document_id}/file", response={200: None, **ERRORS}, summary="Файл документа",
            openapi_extra={"responses": {200: {"description": "Файл документа, как его проверили при загрузке.",
                                               "content": {"application/pdf": BINARY, "image/jpeg": BINARY,
                                                           "image/png": BINARY}}}})
def document_file(request: HttpRequest, document_id: int):
    """Файл — руководству школы и сотрудникам, которых попросили ознакомиться; скачивание записывается в журнал.
    Остальным — 404. Область `joining` или `read`."""
    actor = api_actor_any(request, SCOPE_JOINING, SCOPE_READ)
    document = ack.access_document(actor=actor, document_id=document_id)
    path = ack.document_file_open(actor=actor, document=document)
    response = FileResponse(open(path, "rb"), content_type=document.file_type or "application/octet-stream",
                            as_attachment=True, filename=document.file_name or path.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/my/documents", response={200: list[MyDocumentOut], **ERRORS}, summary="Мои документы на ознакомление")
@paginate(Pagination)
def my_documents(request: HttpRequest):
    """«Документы школы» сотрудника, от имени которого выпущен токен: сначала ждущие ознакомления. Область
    `joining` или `read`."""
    actor = api_actor_any(request, SCOPE_JOINING, SCOPE_READ)
    return ack.my_acknowledgements(actor=actor)


@router.post("/documents/{int:document_id}/acknowledge", response={200: MyDocumentOut, **ERRORS},
             summary="Ознакомлен(а)")
def document_acknowledge(request: HttpRequest, document_id: int):
    """«Ознакомлен(а)»: время сохраняется один раз, повторный вызов ничего не меняет. Документ, с которым сотрудника
    не просили ознакомиться, — 404. Область `joining`."""
    actor = api_actor(request, SCOPE_JOINING)
    document = ack.access_document(actor=actor, document_id=document_id)
    row = ack.document_acknowledge(actor=actor, document=document)
    row.document = document
    return row
