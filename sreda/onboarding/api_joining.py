"""API of join requests (R20, R22): the same services and selectors as the pages. Scope `joining`.

- A person's own token (issued for one of their roles) acts for that person as a private person for their
  own requests: `GET/POST /joining/my-requests` (R20 is done as a private person, R1).
- A school's token (administrator, director; or the platform operator) reviews the queue.
"""

from datetime import date, datetime
from enum import Enum

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_JOINING
from sreda.api.schemas import ERRORS, ErrorOut, OrganisationRef, Pagination, example
from sreda.core.permissions import Action
from sreda.onboarding import joining
from sreda.onboarding.joining_match import MatchKind
from sreda.onboarding.models import JoinRole, JoinStatus
from sreda.orgs.models import Organisation, SchoolClass
from sreda.orgs.selectors import access_organisation
from sreda.people.models import Person

router = Router(tags=["Вступление в школу"])
CONFLICT = {409: ErrorOut}

JoinRoleParam = Enum("JoinRole", {r.name: r.value for r in JoinRole}, type=str)
JoinStatusParam = Enum("JoinStatus", {s.name: s.value for s in JoinStatus}, type=str)
MatchParam = Enum("MatchKind", {k.upper(): k for k in MatchKind.LABELS}, type=str)


class JoinFieldCheckOut(Schema):
    field: str = Field(..., examples=["birth_date"])
    label: str = Field(..., examples=["Дата рождения"])
    typed: str = Field(..., description="Значение в заявке.", examples=["01.04.2014"])
    roster: str = Field(..., description="Значение в контингенте.", examples=["08.03.2014"])
    ok: bool = Field(..., description="Совпадает ли поле.")


class JoinMatchOut(Schema):
    kind: str = Field(..., description="exact — совпадает, partial — есть расхождения, ambiguous — несколько "
                                       "совпадений, none — нет в контингенте.", examples=["exact"])
    label: str = Field(..., examples=["Совпадает с контингентом"])
    roster_person_id: int | None = Field(None, description="Запись контингента (человек), с которой сверено.")
    roster_full_name: str | None = None
    taken: bool = Field(..., description="Запись контингента уже связана с другой учётной записью.")
    checks: list[JoinFieldCheckOut]


class JoinRequestOut(Schema):
    id: int = Field(..., examples=[501])
    organisation: OrganisationRef
    kind: str = Field(..., description="self — вступление, representative — прикрепить законного представителя, "
                                       "child — зарегистрировать и прикрепить обучающегося (R22).")
    kind_label: str
    role: str = Field(..., examples=["student"])
    role_label: str = Field(..., examples=["Обучающийся"])
    class_id: int | None = None
    class_title: str | None = Field(None, examples=["5А"])
    surname: str
    name: str
    patronymic: str
    birth_date: date | None = None
    status: str = Field(..., description="pending, approved, rejected, cancelled.")
    status_label: str = Field(..., examples=["На рассмотрении"])
    reject_reason: str = Field("", description="Причина отказа — её видит заявитель.")
    pair_id: int | None = Field(None, description="Связанная заявка (R22).")
    created_at: datetime
    decided_at: datetime | None = None
    match: JoinMatchOut | None = Field(None, description="Сверка с контингентом (в очереди школы).")

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_role_label(obj) -> str:
        return obj.get_role_display()

    @staticmethod
    def resolve_class_id(obj):
        return obj.school_class_id

    @staticmethod
    def resolve_class_title(obj):
        return obj.school_class.title if obj.school_class_id else None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_pair_id(obj):
        return obj.pair_id

    @staticmethod
    def resolve_match(obj):
        match = getattr(obj, "_match", None)
        if match is None:
            return None
        return {"kind": match.kind, "label": match.label, "taken": match.taken,
                "roster_person_id": match.entry.person_id if match.entry else None,
                "roster_full_name": match.entry.full_name if match.entry else None,
                "checks": [c.__dict__ for c in match.checks]}


class JoinRequestIn(Schema):
    model_config = example({
        "org_id": 42, "role": "student", "class_id": 12, "surname": "Петров", "name": "Пётр",
        "patronymic": "Сергеевич", "birth_date": "2014-03-08", "child_id": None,
    })

    org_id: int = Field(..., description="Школа (найдите её: GET /orgs?q=название или ИНН).")
    role: JoinRoleParam = Field(..., description="student — «Обучающийся», teacher — «Учитель», parent — «Законный "
                                                 "представитель» (тогда нужен child_id; будет две заявки, R22).")
    class_id: int | None = Field(None, description="Класс этой школы полностью («5А», не «5»); учителю не нужен.")
    surname: str = Field("", max_length=100)
    name: str = Field("", max_length=100)
    patronymic: str = Field("", max_length=100)
    birth_date: date | None = None
    child_id: int | None = Field(None, description="Ребёнок, прикреплённый к заявителю (только для parent).")


class JoinQueueFilters(Schema):
    status: JoinStatusParam | None = Field(JoinStatus.PENDING.value, description="Статус; по умолчанию pending.")
    class_id: int | None = None
    role: JoinRoleParam | None = None
    match: MatchParam | None = None
    q: str = Field("", max_length=200, description="ФИО или номер заявки.")


class JoinApproveIn(Schema):
    model_config = example({
        "roster_person_id": 1001,
    })

    roster_person_id: int | None = Field(None, description="Запись контингента класса заявки, если данные "
                                                           "расходятся и администратор выбирает её явно.")


class JoinRejectIn(Schema):
    model_config = example({
        "reason": "В 5А такого обучающегося нет: проверьте класс и подайте заявку заново.",
    })

    reason: str = Field(..., max_length=1000, description="Причина отказа — обязательна, её увидит заявитель.")


class JoinBulkOut(Schema):
    model_config = example({
        "approved": [311, 312],
        "skipped": [{"id": 313, "reason": "Данные заявки расходятся с контингентом класса: рассмотрите её отдельно."}],
        "message": "Одобрено заявок: 2; пропущено: 1.",
    })

    approved: list[int]
    skipped: list[dict]
    message: str


def _own_actor(request: HttpRequest):
    actor = api_actor(request, SCOPE_JOINING)
    if actor.user is None:
        raise PermissionDenied("Свои заявки доступны только по токену человека (выпущенному им для своей роли).")
    return joining.private_actor(actor.user)


def _school(request, org_id: int):
    actor = api_actor(request, SCOPE_JOINING)
    return actor, access_organisation(actor=actor, organisation_id=org_id, action=Action.REVIEW_JOIN_REQUESTS)


def _with_match(requests):
    requests = list(requests)
    matches = joining.matches_for(requests)
    for req in requests:
        req._match = matches[req.pk]
    return requests


@router.get("/joining/my-requests", response={200: list[JoinRequestOut], **ERRORS}, summary="Мои заявки")
@paginate(Pagination)
def my_requests(request: HttpRequest):
    """R20: заявки человека-владельца токена: статус и причина отказа. Область `joining`."""
    return joining.own_requests(actor=_own_actor(request))


@router.post("/joining/my-requests", response={201: list[JoinRequestOut], **ERRORS},
             summary="Подать заявку на вступление")
def my_request_create(request: HttpRequest, payload: JoinRequestIn):
    """R20: роль и точный класс; для законного представителя — две связанные заявки (R22), если ребёнок
    прикреплён к заявителю и у него есть своя учётная запись. Область `joining`."""
    actor = _own_actor(request)
    organisation = Organisation.objects.filter(pk=payload.org_id, is_active=True).first()
    if organisation is None:
        from django.http import Http404

        raise Http404("Школа не найдена.")
    school_class = SchoolClass.objects.filter(pk=payload.class_id or 0).select_related("school_year").first()
    if payload.class_id and school_class is None:
        raise ValidationError("Класс не найден: выберите класс из списка классов школы.")
    role = _v(payload.role)
    if role == JoinRole.PARENT:
        child = Person.objects.filter(pk=payload.child_id or 0).first()
        made = joining.join_request_send_for_child(actor=actor, organisation=organisation, school_class=school_class,
                                                   child=child)
    else:
        made = [joining.join_request_send(actor=actor, organisation=organisation, role=role,
                                          school_class=school_class, surname=payload.surname, name=payload.name,
                                          patronymic=payload.patronymic, birth_date=payload.birth_date)]
    return Status(201, list(made))


@router.get("/orgs/{int:org_id}/join-requests", response={200: list[JoinRequestOut], **ERRORS},
            summary="Заявки на вступление в школу")
@paginate(Pagination)
def queue(request: HttpRequest, org_id: int, filters: Query[JoinQueueFilters]):
    """R20: очередь школы со сверкой ФИО и даты рождения с контингентом класса по полям. Область `joining`."""
    actor, organisation = _school(request, org_id)
    qs = joining.join_queue(actor=actor, organisation=organisation,
                            status=_v(filters.status), class_id=filters.class_id, role=_v(filters.role),
                            query=filters.q, match=_v(filters.match))
    return _MatchedList(qs)


def _v(value):
    """An enum parameter's value (ninja may hand over the enum or its string)."""
    return getattr(value, "value", value) or None


class _MatchedList:
    """A queryset whose page gets its roster matches in one go (pagination slices it first)."""

    def __init__(self, qs):
        self.qs = qs

    def __getitem__(self, item):
        return _with_match(self.qs[item])

    def count(self):
        return self.qs.count()

    def __len__(self):
        return self.qs.count()


def _access(request, request_id: int):
    actor = api_actor(request, SCOPE_JOINING)
    req = joining.access_join_request(actor=actor, request_id=request_id)
    from sreda.core.permissions import can

    if not can(actor, Action.REVIEW_JOIN_REQUESTS, req.organisation):
        from django.http import Http404

        raise Http404(joining.NOT_FOUND)
    return actor, req


def conflict_if_decided(call):
    """Run a decision; one already taken (ValidationError code «decided»), or the parent's half of a pair whose
    child's half is not approved (R22, «pair_not_approved»), answers 409 with its message."""
    try:
        return call()
    except ValidationError as exc:
        if getattr(exc, "code", None) in ("decided", "pair_not_approved"):
            return Status(409, {"detail": " ".join(exc.messages)})
        raise


@router.post("/join-requests/{int:request_id}/approve", response={200: JoinRequestOut, **CONFLICT, **ERRORS},
             summary="Одобрить заявку")
def approve(request: HttpRequest, request_id: int, payload: JoinApproveIn):
    """R20: связывает учётную запись с записью контингента класса заявки и даёт роль. Уже рассмотренная
    заявка — 409. R22: заявку «Прикрепить законного представителя» одобряют только после одобрения связанной
    заявки на регистрацию ребёнка; пока та не одобрена — 409 с объяснением (отклонённая заявка ребёнка
    оставляет только отказ). Область `joining`."""
    actor, req = _access(request, request_id)
    result = conflict_if_decided(lambda: joining.join_request_approve(actor=actor, request=req,
                                                          roster_person_id=payload.roster_person_id))
    if isinstance(result, Status):
        return result
    return _with_match([joining.access_join_request(actor=actor, request_id=request_id)])[0]


@router.post("/join-requests/{int:request_id}/reject", response={200: JoinRequestOut, **CONFLICT, **ERRORS},
             summary="Отклонить заявку")
def reject(request: HttpRequest, request_id: int, payload: JoinRejectIn):
    """R20: с причиной (обязательна). Область `joining`."""
    actor, req = _access(request, request_id)
    result = conflict_if_decided(lambda: joining.join_request_reject(actor=actor, request=req, reason=payload.reason))
    if isinstance(result, Status):
        return result
    return _with_match([result])[0]


@router.post("/orgs/{int:org_id}/join-requests/approve-matching", response={200: JoinBulkOut, **ERRORS},
             summary="Одобрить все точные совпадения")
def approve_matching(request: HttpRequest, org_id: int):
    """R20: одобряет все ожидающие заявки школы, ФИО и дата рождения которых совпадают ровно с одной записью
    контингента их класса. Область `joining`."""
    actor, organisation = _school(request, org_id)
    result = joining.join_requests_approve_matching(actor=actor, organisation=organisation)
    return {"approved": result.approved, "skipped": [{"id": pk, "reason": why} for pk, why in result.skipped],
            "message": result.message}

