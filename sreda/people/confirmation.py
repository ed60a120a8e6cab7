"""Confirming teachers and students, and the report owed afterwards (R8, R9).

The confirmed director marks rows «Подтвердить» / «Отклонить» (hundreds at once: by ids or by the
filter the page shows); every change is a MembershipDecision row plus an audit row. Decisions without a
report are what the next «Отправить отчет» carries; while any exist, a report is owed. The regional
operator sees every school of the region: who owes a report, since when, and each report's people.

Services write (acting role first, permission, lock, change, history, audit); selectors read, scoped by
the active role, with one «not found» for missing and forbidden objects.
"""
from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from django.db.models import (
    Case, CharField, Count, DateTimeField, Exists, F, IntegerField, JSONField, Min, OuterRef, Q, QuerySet, Subquery,
    Value, When,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.http import Http404
from django.utils import timezone
from django.utils.formats import number_format

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.models import AuditEntry
from sreda.core.permissions import Action, can, organisations_in_scope, require, require_confirmed_director
from sreda.core.text import fold, plural
from sreda.orgs.models import Organisation, SchoolClass
from sreda.people.models import Confirmation, ConfirmationReport, Membership, MembershipDecision
from sreda.people.roles import TEACHING_ROLES, Role

C = Confirmation
MEMBER_ROLES = (*TEACHING_ROLES, Role.STUDENT)
# One decision covers at most this many rows: a school is a few thousand people; more means a filter
# that is too wide (and SQLite takes ~32,000 variables a statement).
MAX_AT_ONCE = 5000
REPORT_NOT_FOUND = "Отчёт не найден или недоступен в текущей роли."


class Group:
    """The role groups of the table: «педагоги» (Учитель, Сотрудник) and «обучающиеся»."""

    TEACHERS = "teachers"
    STUDENTS = "students"
    CHOICES = ((TEACHERS, "Педагоги"), (STUDENTS, "Обучающиеся"))
    ROLES = {TEACHERS: TEACHING_ROLES, STUDENTS: (Role.STUDENT,)}


# --- the status machine: (from, to) → the audit action. Nothing goes back to «Не подтверждён». ---------
TRANSITIONS: dict[tuple[str, str], str] = {
    (C.PENDING, C.CONFIRMED): "membership.confirm",
    (C.REJECTED, C.CONFIRMED): "membership.confirm",
    (C.PENDING, C.REJECTED): "membership.reject",
    (C.CONFIRMED, C.REJECTED): "membership.reject",
}
DECISIONS = {to for _, to in TRANSITIONS}
FROM_STATES = {to: tuple(frm for frm, t in TRANSITIONS if t == to) for to in DECISIONS}
DONE_WORD = {C.CONFIRMED: "Подтверждено", C.REJECTED: "Отклонено"}
STATUS_PLURAL = {C.PENDING: "Не подтверждены", C.CONFIRMED: "Подтверждены", C.REJECTED: "Отклонены"}
ALREADY_WORD = {C.CONFIRMED: "уже подтверждены", C.REJECTED: "уже отклонены"}


def _n(value: int) -> str:
    return number_format(value, force_grouping=True)


def rows_label(n: int) -> str:
    """«1 строка», «4 строки», «250 строк»."""
    return f"{_n(n)} {plural(n, 'строка', 'строки', 'строк')}"


def region_zone(organisation: Organisation) -> str:
    """The time zone of the organisation's region (dates are shown in it); Moscow if it is unknown."""
    name = organisation.municipality.region.timezone
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return settings.TIME_ZONE
    return name


# --- the table's filter -----------------------------------------------------------------------------

@dataclass(frozen=True)
class MemberFilter:
    """What the director narrowed the table to; the same filter selects «все N по фильтру»."""

    group: str = ""
    status: str = ""
    class_id: int | None = None
    query: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> MemberFilter:
        """From a page's query string: unknown values are ignored (the table shows everything)."""
        group = params.get("group", "")
        status = params.get("status", "")
        try:
            class_id = int(params.get("class") or 0) or None
        except (TypeError, ValueError):
            class_id = None
        return cls(group=group if group in Group.ROLES else "", status=status if status in C.values else "",
                   class_id=class_id, query=(params.get("q") or "").strip()[:200])

    def as_params(self) -> dict[str, str]:
        params = {"group": self.group, "status": self.status, "class": str(self.class_id or ""), "q": self.query}
        return {key: value for key, value in params.items() if value}

    def describe(self) -> dict:
        return {key: value for key, value in
                {"group": self.group, "status": self.status, "class_id": self.class_id, "q": self.query}.items() if value}

    def apply(self, qs: QuerySet[Membership]) -> QuerySet[Membership]:
        if self.group:
            qs = qs.filter(role__in=Group.ROLES[self.group])
        if self.status:
            qs = qs.filter(confirmation=self.status)
        if self.class_id:
            qs = qs.filter(school_class_id=self.class_id)
        for word in fold(self.query).split():  # Person.sort_key is folded: case and «ё» do not matter
            qs = qs.filter(person__sort_key__contains=word)
        return qs


def _members(organisation: Organisation) -> QuerySet[Membership]:
    """Teachers (Учитель, Сотрудник) and students of the school whose roles are in force today."""
    return Membership.objects.active().filter(organisation=organisation, role__in=MEMBER_ROLES)


def may_confirm(actor: ActiveRole | None, organisation: Organisation | None) -> bool:
    """R8/R9: the director of this school, confirmed by the regional operator."""
    return (can(actor, Action.CONFIRM_MEMBERS, organisation) and actor.membership is not None
            and actor.membership.is_confirmed)


# --- services -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DecisionResult:
    decision: str
    selected: int
    changed: int

    @property
    def unchanged(self) -> int:
        return self.selected - self.changed

    @property
    def message(self) -> str:
        """«Подтверждено: 250.» and, when some rows already were, «Без изменений (уже подтверждены): 3.»"""
        text = f"{DONE_WORD[self.decision]}: {_n(self.changed)}."
        if self.unchanged:
            text += f" Без изменений ({ALREADY_WORD[self.decision]}): {_n(self.unchanged)}."
        return text


def members_decide(*, actor: ActiveRole, organisation: Organisation, decision: str,
                   membership_ids: Iterable[int] | None = None, member_filter: MemberFilter | None = None,
                   expected_count: int | None = None) -> DecisionResult:
    """«Подтвердить» / «Отклонить» the selected teachers and students (R9): the rows given by id, or every
    row of the filter. A row already in that state is left alone (no decision row, no audit row).

    The number of SQL statements does not depend on the number of rows: one locking read, one
    conditional UPDATE, one INSERT … SELECT of the decisions, one of the audit rows per previous state.
    """
    require_confirmed_director(actor, organisation)
    if decision not in DECISIONS:
        raise ValidationError("Выберите решение: «Подтвердить» или «Отклонить».")
    if (membership_ids is None) == (member_filter is None):
        raise ValidationError("Отметьте строки в таблице или выберите все по фильтру.")
    ids = sorted({int(pk) for pk in membership_ids}) if membership_ids is not None else []
    if membership_ids is not None and not ids:
        raise ValidationError("Отметьте хотя бы одну строку в таблице.")
    if len(ids) > MAX_AT_ONCE:
        raise ValidationError(f"За один раз можно отметить не больше {_n(MAX_AT_ONCE)} строк; отмечено: {_n(len(ids))}.")

    user = actor.user if actor.user is not None and getattr(actor.user, "pk", None) else None
    with transaction.atomic():
        selected = _members(organisation).filter(pk__in=ids) if ids else member_filter.apply(_members(organisation))
        # Lock in id order: two directors deciding on overlapping rows queue up instead of deadlocking,
        # and the second one sees the first one's result (PostgreSQL; SQLite serialises the transactions).
        rows = list(selected.select_for_update(of=("self",)).order_by("pk").values_list("pk", "confirmation"))
        if ids and len(rows) != len(ids):
            missing = len(ids) - len(rows)
            raise ValidationError(
                f"Среди педагогов и обучающихся школы не найдено отмеченных строк: {_n(missing)}. Возможно, роль "
                "завершилась или строка относится к другой школе. Обновите страницу и повторите — ничего не изменено."
            )
        if member_filter is not None:
            if len(rows) > MAX_AT_ONCE:
                raise ValidationError(
                    f"По фильтру {rows_label(len(rows))}, а за один раз можно обработать не больше {_n(MAX_AT_ONCE)}. "
                    "Сузьте фильтр: по группе, классу или статусу.")
            if expected_count is not None and expected_count != len(rows):
                raise ValidationError(
                    f"Список изменился: по фильтру теперь {rows_label(len(rows))}, а на странице было {_n(expected_count)}. "
                    "Проверьте список и повторите — ничего не изменено.")
        if member_filter is not None and not rows:
            raise ValidationError("По этому фильтру никого нет — ничего не изменено.")

        changing: dict[str, list[int]] = {}
        for pk, state in rows:
            if (state, decision) in TRANSITIONS:
                changing.setdefault(state, []).append(pk)
        changed_ids = sorted(pk for pks in changing.values() for pk in pks)
        if changed_ids:
            now = timezone.now()
            updated = (Membership.objects.filter(pk__in=changed_ids, confirmation__in=FROM_STATES[decision])
                       .update(confirmation=decision, confirmed_at=now, confirmed_by=user))
            if updated != len(changed_ids):  # cannot happen under the lock; never record what did not change
                raise ValidationError("Список изменился во время сохранения. Повторите — ничего не изменено.")
            _insert_decisions(organisation=organisation, ids=changed_ids, decision=decision, at=now, user=user)
            batch = uuid.uuid4().hex
            for state, pks in changing.items():
                _insert_audit_rows(actor=actor, user=user, organisation=organisation, ids=pks, at=now,
                                   action=TRANSITIONS[(state, decision)],
                                   details={"from": state, "to": decision, "batch": batch})
            audit(actor=actor, action="membership.decide_batch", obj=organisation, organisation=organisation,
                  details={"decision": decision, "batch": batch, "changed": len(changed_ids),
                           "unchanged": len(rows) - len(changed_ids),
                           "by": "filter" if member_filter is not None else "ids",
                           **({"filter": member_filter.describe()} if member_filter is not None else {})})
    return DecisionResult(decision=decision, selected=len(rows), changed=len(changed_ids))


def _insert_select(model, fields: list[str], queryset: QuerySet) -> int:
    """INSERT INTO model (fields) SELECT …: one statement however many rows. (bulk_create would split
    the rows into batches of 999 variables on SQLite, so the query count would grow with the rows.)
    Django 5.2 keeps the order of values_list() in the SELECT, which the column list relies on."""
    connection = connections[queryset.db]
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    qn = connection.ops.quote_name
    columns = ", ".join(qn(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {qn(model._meta.db_table)} ({columns}) {sql}", params)
        return cursor.rowcount


def _insert_decisions(*, organisation: Organisation, ids: list[int], decision: str, at: datetime, user) -> None:
    rows = Membership.objects.filter(pk__in=ids).order_by().annotate(
        _org=Value(organisation.pk, output_field=IntegerField()),
        _decision=Value(decision, output_field=CharField()),
        _at=Value(at, output_field=DateTimeField()),
        _by=Value(user.pk if user else None, output_field=IntegerField()),
    ).values_list("_org", "pk", "_decision", "_at", "_by")
    _insert_select(MembershipDecision, ["organisation", "membership", "decision", "decided_at", "decided_by"], rows)


def _insert_audit_rows(*, actor: ActiveRole, user, organisation: Organisation, ids: list[int], at: datetime,
                       action: str, details: dict) -> None:
    """One audit row per membership: «Иванова Анна Петровна — Учитель», what it was and what it became."""
    role_label = Case(*(When(role=value, then=Value(label)) for value, label in Role.choices), default=F("role"),
                      output_field=CharField())
    patronymic = Case(When(person__patronymic="", then=Value("")),
                      default=Concat(Value(" "), "person__patronymic"), output_field=CharField())
    rows = Membership.objects.filter(pk__in=ids).order_by().annotate(
        _at=Value(at, output_field=DateTimeField()),
        _actor=Value(user.pk if user else None, output_field=IntegerField()),
        _role=Value(actor.label[:300], output_field=CharField()),
        _action=Value(action, output_field=CharField()),
        _type=Value(Membership._meta.label_lower, output_field=CharField()),
        _id=Cast("pk", output_field=CharField()),
        _repr=Concat("person__surname", Value(" "), "person__name", patronymic, Value(" — "), role_label,
                     output_field=CharField()),
        _org=Value(organisation.pk, output_field=IntegerField()),
        _details=Value(details, output_field=JSONField()),
    ).values_list("_at", "_actor", "_role", "_action", "_type", "_id", "_repr", "_org", "_details")
    _insert_select(AuditEntry, ["created_at", "actor", "actor_role", "action", "object_type", "object_id",
                                "object_repr", "organisation", "details"], rows)


NOTHING_OWED = ("Отправлять нечего: все решения уже вошли в отправленный отчёт. Отчёт понадобится после "
                "следующего «Подтвердить» или «Отклонить».")


def report_send(*, actor: ActiveRole, organisation: Organisation) -> ConfirmationReport:
    """«Отправить отчет» (R9): every decision not yet reported goes into one new report for the regional
    operator. Pressed twice at once, one report is made and the other press is told nothing is owed."""
    require_confirmed_director(actor, organisation)
    user = actor.user if actor.user is not None and getattr(actor.user, "pk", None) else None
    with transaction.atomic():
        report = ConfirmationReport.objects.create(organisation=organisation, sent_at=timezone.now(), sent_by=user)
        # The conditional UPDATE is the guard: a concurrent sender waits for these rows and then finds
        # none left with report IS NULL, so its report is rolled back with the error below.
        attached = (MembershipDecision.objects.filter(organisation=organisation, report__isnull=True)
                    .update(report=report))
        if not attached:
            raise ValidationError(NOTHING_OWED)
        counts = report.decisions.aggregate(confirmed=Count("pk", filter=Q(decision=C.CONFIRMED)),
                                            rejected=Count("pk", filter=Q(decision=C.REJECTED)))
        report.confirmed_count, report.rejected_count = counts["confirmed"], counts["rejected"]
        report.save(update_fields=["confirmed_count", "rejected_count"])
        audit(actor=actor, action="confirmation_report.send", obj=report, organisation=organisation,
              details={"decisions": attached, "confirmed": report.confirmed_count, "rejected": report.rejected_count})
    return report


# --- selectors: the director's table ------------------------------------------------------------------

def member_table(*, actor: ActiveRole, organisation: Organisation,
                 member_filter: MemberFilter = MemberFilter()) -> QuerySet[Membership]:
    """The teachers and students of the school with their confirmation, by ФИО; one query a page."""
    if not may_confirm(actor, organisation):
        return Membership.objects.none()
    return (
        member_filter.apply(_members(organisation))
        .select_related("person", "school_class", "confirmed_by__person")
        .order_by("person__sort_key", "person_id", "role", "pk")
    )


def member_status_counts(*, actor: ActiveRole, organisation: Organisation, group: str = "") -> dict[str, int]:
    """How many of the school's teachers / students are not confirmed, confirmed, rejected; one query."""
    if not may_confirm(actor, organisation):
        return {}
    qs = MemberFilter(group=group).apply(_members(organisation))
    counts = {row["confirmation"]: row["n"] for row in qs.values("confirmation").annotate(n=Count("pk")).order_by()}
    return {value: counts.get(value, 0) for value in C.values}


def school_classes(*, organisation: Organisation) -> QuerySet[SchoolClass]:
    return (SchoolClass.objects.filter(organisation=organisation).select_related("school_year")
            .order_by("-school_year__start", "grade", "letter"))


@dataclass(frozen=True)
class ReportOwed:
    """The decisions the next report will carry (R9)."""

    count: int
    confirmed: int
    rejected: int
    since: datetime | None

    @property
    def owed(self) -> bool:
        return self.count > 0

    @property
    def decisions_label(self) -> str:
        return f"{_n(self.count)} {plural(self.count, 'решение', 'решения', 'решений')}"


def report_owed(*, actor: ActiveRole, organisation: Organisation) -> ReportOwed:
    """Is a report owed, for how many decisions, since when; one query."""
    if not (may_confirm(actor, organisation) or can(actor, Action.VIEW_CONFIRMATION_REPORTS, organisation)):
        raise Http404("Организация не найдена или недоступна в текущей роли.")
    row = MembershipDecision.objects.filter(organisation=organisation, report__isnull=True).aggregate(
        count=Count("pk"), confirmed=Count("pk", filter=Q(decision=C.CONFIRMED)),
        rejected=Count("pk", filter=Q(decision=C.REJECTED)), since=Min("decided_at"),
    )
    return ReportOwed(**row)


# --- selectors: reports -------------------------------------------------------------------------------

def may_view_reports(actor: ActiveRole | None, organisation: Organisation) -> bool:
    """The regional operator of the school's region (and the platform operator), or the school's
    confirmed director."""
    return can(actor, Action.VIEW_CONFIRMATION_REPORTS, organisation) or may_confirm(actor, organisation)


def report_list(*, actor: ActiveRole, organisation: Organisation) -> QuerySet[ConfirmationReport]:
    """The reports a school has sent, newest first."""
    if not may_view_reports(actor, organisation):
        return ConfirmationReport.objects.none()
    return (ConfirmationReport.objects.filter(organisation=organisation)
            .select_related("sent_by__person", "organisation__municipality__region")
            .order_by("-sent_at", "-pk"))


def access_report(*, actor: ActiveRole, report_id: int) -> ConfirmationReport:
    """A report the active role may read; one «not found» for a missing report and someone else's."""
    report = (ConfirmationReport.objects.select_related("organisation__municipality__region", "sent_by__person")
              .filter(pk=report_id).first())
    if report is None or not may_view_reports(actor, report.organisation):
        raise Http404(REPORT_NOT_FOUND)
    return report


def report_decisions(*, report: ConfirmationReport, decision: str = "") -> QuerySet[MembershipDecision]:
    """Who was confirmed or rejected in a report, by decision and then ФИО; one query a page."""
    qs = report.decisions.all()
    if decision in DECISIONS:
        qs = qs.filter(decision=decision)
    return (qs.select_related("membership__person", "membership__school_class", "decided_by__person")
            .order_by("decision", "membership__person__sort_key", "membership_id", "pk"))


class Owes:
    """The operator's filter over schools."""

    YES = "yes"
    NO = "no"
    CHOICES = ((YES, "Должны отправить отчёт"), (NO, "Отчёт не нужен"))


def school_overview(*, actor: ActiveRole, query: str = "", owes: str = "",
                    municipality_id: int | None = None) -> QuerySet[Organisation]:
    """Every school in the operator's scope with its report state: the last report, the number and the
    oldest date of decisions not yet reported. Schools that owe the longest come first. One query a page
    (the subqueries use the indexes on (organisation, report) and (organisation, sent_at))."""
    require(actor, Action.VIEW_CONFIRMATION_REPORTS)
    unreported = MembershipDecision.objects.filter(organisation=OuterRef("pk"), report__isnull=True)
    last_report = ConfirmationReport.objects.filter(organisation=OuterRef("pk")).order_by("-sent_at", "-pk")
    qs = (
        organisations_in_scope(actor).filter(is_active=True)
        .select_related("municipality__region")
        .annotate(
            unreported_count=Coalesce(Subquery(
                unreported.order_by().values("organisation").annotate(n=Count("pk")).values("n")[:1],
                output_field=IntegerField()), 0),
            unreported_since=Subquery(unreported.order_by("decided_at").values("decided_at")[:1],
                                      output_field=DateTimeField()),
            last_report_id=Subquery(last_report.values("pk")[:1], output_field=IntegerField()),
            last_report_at=Subquery(last_report.values("sent_at")[:1], output_field=DateTimeField()),
        )
    )
    for word in fold(query).split():
        qs = qs.filter(search_text__contains=word)
    if municipality_id:
        qs = qs.filter(municipality_id=municipality_id)
    if owes == Owes.YES:
        qs = qs.filter(Exists(unreported))
    elif owes == Owes.NO:
        qs = qs.filter(~Exists(unreported))
    return qs.order_by(F("unreported_since").asc(nulls_last=True), "short_name", "pk")


def access_school(*, actor: ActiveRole, organisation_id: int) -> Organisation:
    """A school whose reports the active role may read; one «not found» for missing and forbidden."""
    organisation = Organisation.objects.select_related("municipality__region").filter(pk=organisation_id).first()
    if organisation is None or not may_view_reports(actor, organisation):
        raise Http404("Организация не найдена или недоступна в текущей роли.")
    return organisation


def require_may_confirm(actor: ActiveRole | None, organisation: Organisation | None) -> None:
    """PermissionDenied with the reason (R8 for an unconfirmed director) unless `may_confirm`."""
    if organisation is None:
        raise PermissionDenied("Педагогов и обучающихся подтверждает руководитель ОО: выберите роль руководителя.")
    require_confirmed_director(actor, organisation)
