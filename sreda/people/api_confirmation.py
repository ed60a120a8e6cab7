"""API: confirming teachers and students, reports (R8, R9). The same services and selectors as the pages:
the confirmed director of a school reads its table, decides and sends the report; the regional operator
reads every school's report state and the reports."""

from datetime import datetime
from enum import Enum

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_READ, SCOPE_STAFF_WRITE
from sreda.api.schemas import ERRORS, OrganisationRef, Pagination, PersonRef, Ref
from sreda.core.permissions import Action, require
from sreda.orgs.selectors import access_organisation
from sreda.people import confirmation as conf
from sreda.people.api import ClassRef
from sreda.people.models import Confirmation
from sreda.people.roles import Role

router = Router(tags=["Подтверждение педагогов и обучающихся"])


class GroupCode(str, Enum):
    teachers = "teachers"
    students = "students"


class DecisionCode(str, Enum):
    confirmed = "confirmed"
    rejected = "rejected"


class OwesCode(str, Enum):
    yes = "yes"
    no = "no"


def _name(user) -> str | None:
    return str(user) if user is not None else None


class MemberFilterIn(Schema):
    group: GroupCode | None = Field(None, description="«teachers» — педагоги (Учитель, Сотрудник); «students» — обучающиеся.")
    status: Confirmation | None = Field(None, description="Только строки в этом статусе: pending — не подтверждён, "
                                                          "confirmed — подтверждён, rejected — отклонён.")
    class_id: int | None = Field(None, description="Только этот класс.")
    q: str = Field("", max_length=200, description="Поиск по ФИО (регистр и «ё» не важны).", examples=["иванова"])

    def to_filter(self) -> conf.MemberFilter:
        return conf.MemberFilter(group=self.group.value if self.group else "",
                                 status=self.status.value if self.status else "",
                                 class_id=self.class_id, query=self.q.strip())


class ConfirmationMemberOut(Schema):
    id: int = Field(..., description="Идентификатор роли человека в школе — строки таблицы; его передают в "
                                     "`membership_ids`.", examples=[5001])
    person: PersonRef = Field(..., description="Человек.")
    role: Role = Field(..., description="Код роли.", examples=["teacher"])
    role_label: str = Field(..., description="Роль по-русски.", examples=["Учитель"])
    school_class: ClassRef | None = Field(None, description="Класс (для обучающегося).")
    confirmation: Confirmation = Field(..., description="Статус подтверждения.", examples=["pending"])
    confirmation_label: str = Field(..., description="Статус по-русски.", examples=["Не подтверждён"])
    confirmed_at: datetime | None = Field(None, description="Когда подтверждён или отклонён (UTC).")
    confirmed_by: str | None = Field(None, description="Кто подтвердил или отклонил.", examples=["Петрова Мария Ивановна"])

    @staticmethod
    def resolve_role_label(obj) -> str:
        return Role(obj.role).label  # get_FOO_display rebuilds the choices on every call

    @staticmethod
    def resolve_confirmation_label(obj) -> str:
        return Confirmation(obj.confirmation).label

    @staticmethod
    def resolve_confirmed_by(obj) -> str | None:
        return _name(obj.confirmed_by)


class DecideIn(Schema):
    decision: DecisionCode = Field(..., description="«confirmed» — «Подтвердить», «rejected» — «Отклонить».",
                                   examples=["confirmed"])
    membership_ids: list[int] | None = Field(None, max_length=conf.MAX_AT_ONCE,
                                             description="Отмеченные строки (id из списка). Либо они, либо `filter`.",
                                             examples=[[5001, 5002]])
    filter: MemberFilterIn | None = Field(None, description="Все строки по фильтру («выбрать все N по фильтру»). "
                                                            "Либо он, либо `membership_ids`.")
    expected_count: int | None = Field(None, ge=0, description="Сколько строк было по фильтру, когда их выбирали: "
                                                               "если теперь иначе, ничего не меняется и ответ 422.",
                                       examples=[250])


class ReportStateOut(Schema):
    owed: bool = Field(..., description="Нужно ли отправить отчёт: были решения после последнего отчёта (R9).")
    count: int = Field(..., description="Сколько решений войдёт в следующий отчёт.", examples=[3])
    confirmed: int = Field(..., description="Из них «Подтвердить».", examples=[2])
    rejected: int = Field(..., description="Из них «Отклонить».", examples=[1])
    since: datetime | None = Field(None, description="Самое раннее решение без отчёта (UTC).")


class DecideOut(Schema):
    decision: DecisionCode = Field(..., description="Решение.")
    selected: int = Field(..., description="Сколько строк выбрано.", examples=[250])
    changed: int = Field(..., description="Сколько изменилось (каждое — решение в следующий отчёт).", examples=[247])
    unchanged: int = Field(..., description="Сколько уже были в этом статусе: для них ничего не записано.", examples=[3])
    message: str = Field(..., description="Итог по-русски, как на странице.",
                         examples=["Подтверждено: 247. Без изменений (уже подтверждены): 3."])
    report: ReportStateOut = Field(..., description="Нужен ли теперь отчёт.")


class ReportOut(Schema):
    id: int = Field(..., description="Идентификатор отчёта.", examples=[12])
    organisation: OrganisationRef = Field(..., description="Школа.")
    sent_at: datetime = Field(..., description="Когда отправлен (UTC).")
    sent_by: str | None = Field(None, description="Кто отправил.", examples=["Петрова Мария Ивановна"])
    confirmed_count: int = Field(..., description="Сколько подтверждено.", examples=[247])
    rejected_count: int = Field(..., description="Сколько отклонено.", examples=[3])

    @staticmethod
    def resolve_sent_by(obj) -> str | None:
        return _name(obj.sent_by)


class DecisionOut(Schema):
    id: int = Field(..., description="Идентификатор решения.", examples=[90001])
    membership_id: int = Field(..., description="Роль человека в школе.", examples=[5001])
    person: PersonRef = Field(..., description="Человек.")
    role: Role = Field(..., description="Код роли.", examples=["student"])
    role_label: str = Field(..., description="Роль по-русски.", examples=["Обучающийся"])
    school_class: ClassRef | None = Field(None, description="Класс (для обучающегося).")
    decision: DecisionCode = Field(..., description="Решение.")
    decision_label: str = Field(..., description="Решение по-русски.", examples=["Подтверждён"])
    decided_at: datetime = Field(..., description="Когда (UTC).")
    decided_by: str | None = Field(None, description="Кто решил.")

    @staticmethod
    def resolve_person(obj):
        return obj.membership.person

    @staticmethod
    def resolve_role(obj) -> str:
        return obj.membership.role

    @staticmethod
    def resolve_role_label(obj) -> str:
        return Role(obj.membership.role).label

    @staticmethod
    def resolve_school_class(obj):
        return obj.membership.school_class

    @staticmethod
    def resolve_decision_label(obj) -> str:
        return obj.get_decision_display()

    @staticmethod
    def resolve_decided_by(obj) -> str | None:
        return _name(obj.decided_by)


class SchoolStateOut(Schema):
    organisation: OrganisationRef = Field(..., description="Школа.")
    municipality: Ref = Field(..., description="Муниципалитет.")
    owed: bool = Field(..., description="Должна ли школа отправить отчёт.")
    unreported_count: int = Field(..., description="Решений без отчёта.", examples=[3])
    unreported_since: datetime | None = Field(None, description="Самое раннее решение без отчёта (UTC).")
    last_report_id: int | None = Field(None, description="Последний отчёт.", examples=[12])
    last_report_at: datetime | None = Field(None, description="Когда отправлен последний отчёт (UTC).")

    @staticmethod
    def resolve_organisation(obj):
        return obj

    @staticmethod
    def resolve_owed(obj) -> bool:
        return obj.unreported_count > 0


class SchoolFilters(Schema):
    q: str = Field("", max_length=200, description="Поиск школы по наименованию или ИНН.", examples=["сош 5"])
    municipality_id: int | None = Field(None, description="Только школы этого муниципалитета.")
    owes: OwesCode | None = Field(None, description="«yes» — только должники; «no» — только те, кому отчёт не нужен.")


def _school(request: HttpRequest, organisation_id: int, scope: str):
    """The director's own school (404 for any other), and the R8 check (403 with the reason)."""
    actor = api_actor(request, scope)
    require(actor, Action.CONFIRM_MEMBERS)
    organisation = access_organisation(actor=actor, organisation_id=organisation_id, action=Action.CONFIRM_MEMBERS)
    conf.require_may_confirm(actor, organisation)
    return actor, organisation


def _state(owed: conf.ReportOwed) -> dict:
    return {"owed": owed.owed, "count": owed.count, "confirmed": owed.confirmed, "rejected": owed.rejected,
            "since": owed.since}


@router.get("/organisations/{organisation_id}/confirmation/members", response={200: list[ConfirmationMemberOut], **ERRORS},
            summary="Педагоги и обучающиеся для подтверждения")
@paginate(Pagination)
def member_list(request: HttpRequest, organisation_id: int, filters: Query[MemberFilterIn]):
    """Таблица подтверждённого руководителя (R9): педагоги и обучающиеся школы с действующими ролями, по ФИО.
    Неподтверждённому руководителю — 403 с объяснением (R8)."""
    actor, organisation = _school(request, organisation_id, SCOPE_READ)
    return conf.member_table(actor=actor, organisation=organisation, member_filter=filters.to_filter())


@router.post("/organisations/{organisation_id}/confirmation/decisions", response={200: DecideOut, **ERRORS},
             summary="Подтвердить или отклонить")
def decide(request: HttpRequest, organisation_id: int, payload: DecideIn):
    """«Подтвердить» / «Отклонить» отмеченные строки (`membership_ids`) или все строки по фильтру (`filter`).
    Строки, уже бывшие в этом статусе, не меняются. После решений нужен отчёт. Область токена — `staff:write`."""
    actor, organisation = _school(request, organisation_id, SCOPE_STAFF_WRITE)
    result = conf.members_decide(
        actor=actor, organisation=organisation, decision=payload.decision.value,
        membership_ids=payload.membership_ids,
        member_filter=payload.filter.to_filter() if payload.filter is not None else None,
        expected_count=payload.expected_count,
    )
    return {"decision": result.decision, "selected": result.selected, "changed": result.changed,
            "unchanged": result.unchanged, "message": result.message,
            "report": _state(conf.report_owed(actor=actor, organisation=organisation))}


@router.get("/organisations/{organisation_id}/confirmation/state", response={200: ReportStateOut, **ERRORS},
            summary="Нужен ли отчёт")
def report_state(request: HttpRequest, organisation_id: int):
    """Сколько решений ждут отчёта и с какого времени. Руководителю школы и оператору региона."""
    actor = api_actor(request, SCOPE_READ)
    organisation = conf.access_school(actor=actor, organisation_id=organisation_id)
    return _state(conf.report_owed(actor=actor, organisation=organisation))


@router.post("/organisations/{organisation_id}/confirmation/reports", response={201: ReportOut, **ERRORS},
             summary="Отправить отчет")
def send_report(request: HttpRequest, organisation_id: int):
    """Все решения после прошлого отчёта — в один новый отчёт оператору региона. Если отправлять нечего — 422.
    Область токена — `staff:write`."""
    actor, organisation = _school(request, organisation_id, SCOPE_STAFF_WRITE)
    return Status(201, conf.report_send(actor=actor, organisation=organisation))


@router.get("/organisations/{organisation_id}/confirmation/reports", response={200: list[ReportOut], **ERRORS},
            summary="Отчёты школы")
@paginate(Pagination)
def school_reports(request: HttpRequest, organisation_id: int):
    """Отчёты школы, новые первыми. Руководителю школы и оператору региона."""
    actor = api_actor(request, SCOPE_READ)
    organisation = conf.access_school(actor=actor, organisation_id=organisation_id)
    return conf.report_list(actor=actor, organisation=organisation)


@router.get("/confirmation/schools", response={200: list[SchoolStateOut], **ERRORS},
            summary="Школы региона: кто должен отчёт")
@paginate(Pagination)
def school_overview(request: HttpRequest, filters: Query[SchoolFilters]):
    """Все школы области роли (оператору региона — свой регион): последний отчёт, нужен ли новый, сколько решений
    без отчёта и с какого времени. Должники с самыми давними решениями — первыми."""
    actor = api_actor(request, SCOPE_READ)
    return conf.school_overview(actor=actor, query=filters.q, municipality_id=filters.municipality_id,
                                owes=filters.owes.value if filters.owes else "")


@router.get("/confirmation/reports/{report_id}", response={200: ReportOut, **ERRORS}, summary="Отчёт")
def report_detail(request: HttpRequest, report_id: int):
    """Отчёт школы: когда, кто отправил, сколько подтверждено и отклонено. Люди — в `/decisions`."""
    actor = api_actor(request, SCOPE_READ)
    return conf.access_report(actor=actor, report_id=report_id)


@router.get("/confirmation/reports/{report_id}/decisions", response={200: list[DecisionOut], **ERRORS},
            summary="Кто подтверждён и отклонён в отчёте")
@paginate(Pagination)
def report_decision_list(request: HttpRequest, report_id: int,
                         decision: DecisionCode | None = Query(None, description="Только это решение.")):
    """Решения, вошедшие в отчёт: человек, роль, класс, решение, когда и кто."""
    actor = api_actor(request, SCOPE_READ)
    report = conf.access_report(actor=actor, report_id=report_id)
    return conf.report_decisions(report=report, decision=decision.value if decision else "")
