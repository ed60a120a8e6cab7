"""API: director verification (R6–R8) — the same services and selectors as the pages.

Reads need the `read` scope, writes `staff:write`. A director's request is sent by the director's own
token (a token issued for their role); the regional operator's token reviews the region's queue.
"""
from datetime import date, datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_READ, SCOPE_STAFF_WRITE
from sreda.api.schemas import ERRORS, OrganisationRef, Pagination, PersonRef, Ref, RegionRef
from sreda.core.permissions import DENIED_MESSAGE, Action, can
from sreda.orgs.models import Region
from sreda.people import verification as v
from sreda.people.models import DirectorVerification, VerificationMethod, VerificationStatus
from sreda.people.views_verification import document_response

router = Router(tags=["Подтверждение руководителя"])

class VerificationDocumentOut(Schema):
    name: str = Field(..., description="Имя файла, как его загрузил руководитель.", examples=["справка.pdf"])
    content_type: str = Field(..., description="Тип по содержимому файла: application/pdf, image/jpeg или image/png.",
                              examples=["application/pdf"])
    size: int = Field(..., description="Размер, байт.", examples=[245760])
    url: str = Field(..., description="Скачать (каждое открытие записывается в журнал).",
                     examples=["/api/v1/verifications/7/document"])


class VerificationEventOut(Schema):
    at: datetime = Field(..., description="Когда (UTC).")
    from_status: str = Field(..., description="Было (пусто — заявка подана).", examples=["submitted"])
    to_status: str = Field(..., description="Стало.", examples=["rejected"])
    to_status_label: str = Field(..., description="Стало, по-русски.", examples=["Отклонено"])
    actor: str = Field(..., description="Кто.", examples=["Петров Олег Иванович"])
    note: str = Field(..., description="Комментарий; для отказа — причина.", examples=["Скан нечитаемый"])


class PassportOut(Schema):
    series: str = Field(..., description="Серия (4 цифры).", examples=["4503"])
    number: str = Field(..., description="Номер (6 цифр).", examples=["123456"])
    issued_by: str = Field(..., description="Кем выдан.", examples=["ГУ МВД России по г. Санкт-Петербургу"])
    issue_date: date = Field(..., description="Дата выдачи.", examples=["2015-11-20"])
    department_code: str = Field(..., description="Код подразделения «XXX-XXX».", examples=["780-012"])


class VerificationOut(Schema):
    id: int = Field(..., description="Номер заявки.", examples=[7])
    status: VerificationStatus = Field(..., description="Статус.", examples=["submitted"])
    status_label: str = Field(..., description="Статус по-русски.", examples=["На рассмотрении"])
    method: VerificationMethod = Field(..., description="Способ подтверждения (R6).", examples=["passport_data"])
    method_label: str = Field(..., description="Способ по-русски.", examples=["Паспортные данные (ввести вручную)"])
    director: PersonRef = Field(..., description="Руководитель.")
    organisation: OrganisationRef = Field(..., description="Организация руководителя.")
    municipality: Ref = Field(..., description="Муниципалитет организации.")
    region: RegionRef = Field(..., description="Куда отправлена: регион, чей оператор рассматривает заявку.")
    submitted_at: datetime = Field(..., description="Когда подана (UTC).")
    due_date: date = Field(..., description="Срок рассмотрения (R7: 5 дней; по часовому поясу региона).",
                           examples=["2025-11-25"])
    overdue: bool = Field(..., description="Срок прошёл, а решения нет.")
    reviewed_at: datetime | None = Field(None, description="Когда рассмотрена.")
    reject_reason: str = Field("", description="Причина отказа (для отклонённых).", examples=["Скан нечитаемый"])
    document: VerificationDocumentOut | None = Field(None, description="Скан (для способов со сканом).")
    passport_masked: str | None = Field(None, description="Паспорт, замаскированный: «** ** ****56».",
                                        examples=["** ** ****56"])


class VerificationDetailOut(VerificationOut):
    passport: PassportOut | None = Field(None, description="Паспортные данные полностью — только оператору, "
                                                           "рассматривающему заявку; каждое чтение в журнале.")
    history: list[VerificationEventOut] = Field(..., description="История заявки, от старых к новым.")


class VerificationQueueFilters(Schema):
    status: VerificationStatus | None = Field(None, description="Только этот статус; без него — все.")
    municipality_id: int | None = Field(None, description="Только школы этого муниципалитета.")
    overdue: bool = Field(False, description="true — только просроченные (на рассмотрении, срок прошёл).")
    q: str = Field("", max_length=200, description="Поиск по ФИО руководителя, названию школы или ИНН.",
                   examples=["иванова"])


class PassportIn(Schema):
    method: Literal["passport_data"] = Field("passport_data", description="Способ: паспортные данные текстом. "
                                             "Сканы загружаются запросом multipart на /verifications/upload.")
    region_id: int = Field(..., description="Куда отправить: регион школы (его оператор рассмотрит заявку).",
                           examples=[1])
    consent: bool = Field(..., description="Согласие на обработку персональных данных; без него заявку не принять.",
                          examples=[True])
    passport_series: str = Field("", max_length=10, description="Серия, 4 цифры.", examples=["45 03"])
    passport_number: str = Field("", max_length=10, description="Номер, 6 цифр.", examples=["123456"])
    passport_issued_by: str = Field("", max_length=400, description="Кем выдан.",
                                    examples=["ГУ МВД России по г. Санкт-Петербургу"])
    passport_issue_date: str = Field("", max_length=20, description="Дата выдачи: ДД.ММ.ГГГГ или ГГГГ-ММ-ДД.",
                                     examples=["20.11.2015"])
    passport_department_code: str = Field("", max_length=10, description="Код подразделения, 6 цифр.",
                                          examples=["780-012"])


class ScanIn(Schema):
    method: str = Field(..., description="employment_certificate — справка с места работы; passport_scan — скан "
                                         "или фото паспорта.", examples=["employment_certificate"])
    region_id: int = Field(..., description="Куда отправить: регион школы.", examples=[1])
    consent: bool = Field(False, description="Согласие на обработку персональных данных.", examples=[True])
    passport_series: str = Field("", max_length=10,
                                 description="Не заполнять: файл и паспортные данные вместе не принимаются.")
    passport_number: str = Field("", max_length=10, description="Не заполнять.")


class VerificationRejectIn(Schema):
    reason: str = Field(..., max_length=v.REASON_MAX, description="Причина отказа: её увидит руководитель.",
                        examples=["Скан нечитаемый: загрузите более чёткий"])


def _out(verification: DirectorVerification, *, passport=None, history=None) -> dict:
    organisation = verification.membership.organisation
    data = {
        "id": verification.pk, "status": verification.status, "status_label": verification.get_status_display(),
        "method": verification.method, "method_label": verification.get_method_display(),
        "director": verification.membership.person, "organisation": organisation,
        "municipality": organisation.municipality, "region": verification.region,
        "submitted_at": verification.submitted_at, "due_date": verification.due_date,
        "overdue": bool(getattr(verification, "overdue", False)), "reviewed_at": verification.reviewed_at,
        "reject_reason": verification.reject_reason,
        "document": {
            "name": verification.document_name, "content_type": verification.document_type,
            "size": verification.document_size or 0, "url": f"/api/v1/verifications/{verification.pk}/document",
        } if verification.document else None,
        "passport_masked": v.passport_of(verification).masked or None,
    }
    if history is not None:
        data["history"] = [
            {"at": e.at, "from_status": e.from_status, "to_status": e.to_status, "to_status_label": e.status_label,
             "actor": e.actor_name, "note": e.note} for e in history
        ]
        data["passport"] = passport.__dict__ if passport is not None else None
    return data


def _region(region_id: int) -> Region | None:
    return Region.objects.filter(pk=region_id).first()


def _detail(actor, verification_id: int) -> dict:
    verification = v.access_verification(actor=actor, verification_id=verification_id)
    passport = v.verification_passport_view(actor=actor, verification=verification) \
        if v.may_review(actor, verification) else None
    return _out(verification, passport=passport, history=v.verification_history(verifications=[verification.pk]))


@router.get("/verifications", response={200: list[VerificationOut], **ERRORS}, summary="Заявки руководителей")
@paginate(Pagination)
def verification_list(request: HttpRequest, filters: Query[VerificationQueueFilters]):
    """Оператору региона — очередь заявок школ региона по сроку рассмотрения, с фильтрами и поиском (R7);
    руководителю ОО — его собственные заявки, новые первыми."""
    actor = api_actor(request, SCOPE_READ)
    if can(actor, Action.REVIEW_VERIFICATIONS):
        rows = v.verification_queue(
            actor=actor, status=filters.status.value if filters.status else None,
            municipality_id=filters.municipality_id, overdue=filters.overdue, query=filters.q,
        )
    elif can(actor, Action.SUBMIT_VERIFICATION, actor.organisation):
        rows = v.own_verifications(actor=actor)
    else:
        raise PermissionDenied(DENIED_MESSAGE[Action.REVIEW_VERIFICATIONS])
    return _Mapped(rows)


class _Mapped:
    """A queryset that the paginator slices and counts, handing out API dicts."""

    def __init__(self, queryset):
        self.queryset = queryset

    def __getitem__(self, item):
        return [_out(row) for row in self.queryset[item]]

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()


@router.get("/verifications/{int:verification_id}", response={200: VerificationDetailOut, **ERRORS},
            summary="Заявка руководителя")
def verification_detail(request: HttpRequest, verification_id: int):
    """Заявка с историей. Паспортные данные полностью — только оператору, рассматривающему заявку
    (чтение записывается в журнал); руководителю — замаскированные."""
    actor = api_actor(request, SCOPE_READ)
    return _detail(actor, verification_id)


@router.post("/verifications", response={201: VerificationDetailOut, **ERRORS},
             summary="Подать заявку: паспортные данные")
def verification_submit_passport(request: HttpRequest, data: PassportIn):
    """R6: руководитель подтверждает личность паспортными данными текстом, с согласием на обработку ПДн.
    Срок рассмотрения — 5 дней. Неверные данные — 422 с причиной по каждому полю; ничего не сохраняется."""
    actor = api_actor(request, SCOPE_STAFF_WRITE)
    passport = data.dict(include={"passport_series", "passport_number", "passport_issued_by", "passport_issue_date",
                                  "passport_department_code"})
    verification = v.verification_submit(actor=actor, method=data.method, region=_region(data.region_id),
                                         consent=data.consent, passport=passport)
    return Status(201, _detail(actor, verification.pk))


@router.post("/verifications/upload", response={201: VerificationDetailOut, **ERRORS},
             summary="Подать заявку: скан документа",
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {"encoding": {"file": {
                 "contentType": "application/pdf, image/jpeg, image/png"}}}}}})
def verification_submit_scan(request: HttpRequest, data: Form[ScanIn], file: File[UploadedFile] = None):
    """R6: скан справки с места работы или скан/фото паспорта (multipart/form-data, поле `file`): PDF, JPEG
    или PNG не больше 10 МБ, тип определяется по содержимому файла. Ничего не сохраняется при ошибке."""
    actor = api_actor(request, SCOPE_STAFF_WRITE)
    passport = {"passport_series": data.passport_series, "passport_number": data.passport_number}
    verification = v.verification_submit(actor=actor, method=data.method, region=_region(data.region_id),
                                         consent=data.consent, document=file, passport=passport)
    return Status(201, _detail(actor, verification.pk))


@router.post("/verifications/{int:verification_id}/approve", response={200: VerificationDetailOut, **ERRORS},
             summary="Подтвердить руководителя")
def verification_approve(request: HttpRequest, verification_id: int):
    """R7: оператор региона подтверждает руководителя; руководитель получает письмо. Повторное решение — 422."""
    actor = api_actor(request, SCOPE_STAFF_WRITE)
    verification = v.access_verification(actor=actor, verification_id=verification_id, reviewer_only=True)
    v.verification_approve(actor=actor, verification=verification)
    return _detail(actor, verification_id)


@router.post("/verifications/{int:verification_id}/reject", response={200: VerificationDetailOut, **ERRORS},
             summary="Отклонить заявку")
def verification_reject(request: HttpRequest, verification_id: int, data: VerificationRejectIn):
    """R7: оператор региона отклоняет заявку с причиной; руководитель видит причину и получает письмо."""
    actor = api_actor(request, SCOPE_STAFF_WRITE)
    verification = v.access_verification(actor=actor, verification_id=verification_id, reviewer_only=True)
    v.verification_reject(actor=actor, verification=verification, reason=data.reason)
    return _detail(actor, verification_id)


@router.post("/verifications/{int:verification_id}/withdraw", response={200: VerificationDetailOut, **ERRORS},
             summary="Отозвать заявку")
def verification_withdraw(request: HttpRequest, verification_id: int):
    """Руководитель отзывает заявку, которая ещё на рассмотрении."""
    actor = api_actor(request, SCOPE_STAFF_WRITE)
    verification = v.access_verification(actor=actor, verification_id=verification_id)
    v.verification_withdraw(actor=actor, verification=verification)
    return _detail(actor, verification_id)


BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.get("/verifications/{int:verification_id}/document", response=ERRORS, summary="Скан заявки",
            openapi_extra={"responses": {"200": {"description": "Файл, как его проверили при загрузке.", "content": {
                "application/pdf": BINARY, "image/jpeg": BINARY, "image/png": BINARY}}}})
def verification_document(request: HttpRequest, verification_id: int):
    """Файл заявки — только оператору, рассматривающему заявку, и самому руководителю; каждое открытие
    записывается в журнал. Остальным — 404."""
    actor = api_actor(request, SCOPE_READ)
    verification = v.access_verification(actor=actor, verification_id=verification_id)
    return document_response(v.verification_document_open(actor=actor, verification=verification))
