"""«Выгрузка МояШкола» (R14): publish the school's schedule to the library, in batches, with progress
0→100, or fail with a clear message and whom to contact.

A lesson is published when its day lies within a reporting period of the current school year and its
teacher holds the «Учитель» role at the school. Other lessons stay unpublished and are listed as warnings
(`publication_warnings`, computed live, so the list is right after any later fix).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, require
from sreda.core.text import plural
from sreda.exchange.recorders import publication_recorded
from sreda.library.access import current_periods, period_filter
from sreda.library.models import ScheduleLesson, SchedulePublication, TaskStatus
from sreda.orgs.models import Organisation
from sreda.people.models import Membership
from sreda.people.roles import Role

BATCH = 500
STALE = timedelta(hours=1)  # a run older than this is taken as lost (a stopped worker)
NO_PERIODS = ("Нет отчётных периодов текущего учебного года для школы: добавьте их на странице «Расписание» → "
              "«Отчётные периоды» и запустите выгрузку снова.")
NO_LESSONS = "В расписании школы нет уроков: загрузите файл из школьной ИС или добавьте уроки на странице."
NOTHING_FITS = ("Ни один урок нельзя выгрузить: все уроки вне отчётных периодов или у учителей, которые не "
                "числятся учителями школы. Исправьте расписание по списку предупреждений.")
CRASHED = "Выгрузка прервана из-за ошибки на стороне платформы."


def support_contact() -> str:
    return f"Служба поддержки оператора платформы: {settings.DEFAULT_FROM_EMAIL}"


def school_contact(organisation: Organisation) -> str:
    """«Администратор школы …» — the school's administrator (or director) who fixes the schedule."""
    leader = (Membership.objects.active().filter(organisation=organisation,
                                                 role__in=[Role.ADMINISTRATOR, Role.DIRECTOR])
              .select_related("person").order_by("role", "pk").first())
    if leader is None:
        return f"Администратор школы «{organisation.short_name}»; если его нет — {support_contact()}"
    label = "Администратор школы" if leader.role == Role.ADMINISTRATOR else "Руководитель школы"
    email = f", {leader.person.email}" if leader.person.email else ""
    return f"{label} {leader.person.full_name}{email}"


def school_teacher_ids(organisation: Organisation) -> set[int]:
    return set(Membership.objects.active().filter(organisation=organisation, role=Role.TEACHER)
               .values_list("person_id", flat=True))


@dataclass(frozen=True)
class Warning:
    lesson: ScheduleLesson
    reason: str


def publication_warnings(organisation: Organisation, *, on: date | None = None, limit: int = 200) -> list[Warning]:
    """Unpublished lessons that «Выгрузка МояШкола» leaves out, each with why."""
    periods = current_periods(organisation, on or timezone.localdate())
    in_period = period_filter(periods)
    teachers = school_teacher_ids(organisation)
    lessons = (ScheduleLesson.objects.filter(organisation=organisation, published_at__isnull=True)
               .select_related("school_class", "subject", "teacher"))
    bad = ~Q(teacher_id__in=teachers)
    if in_period is not None:
        bad |= ~in_period
    warnings = []
    for lesson in (lessons.filter(bad) if in_period is not None else lessons)[:limit]:
        if in_period is None or not any(p.start <= lesson.day <= p.end for p in periods):
            warnings.append(Warning(lesson, "дата вне отчётных периодов учебного года"))
        else:
            warnings.append(Warning(lesson, f"{lesson.teacher.full_name} не числится учителем школы"))
    return warnings


def publication_start(*, actor: ActiveRole, organisation: Organisation) -> SchedulePublication:
    """Queue «Выгрузка МояШкола» for the school; the row shows its progress."""
    require(actor, Action.MANAGE_SCHEDULE, organisation)
    running = SchedulePublication.objects.filter(organisation=organisation,
                                                 status__in=[TaskStatus.PENDING, TaskStatus.RUNNING],
                                                 created_at__gte=timezone.now() - STALE).first()
    if running is not None:
        raise ValidationError("Выгрузка уже идёт: дождитесь её завершения.")
    user = actor.user if getattr(actor.user, "pk", None) else None
    row = SchedulePublication.objects.create(organisation=organisation, created_by=user, message="Ожидает запуска")
    audit(actor=actor, action="library.publication_start", obj=row, organisation=organisation)
    from sreda.library.tasks import run_publication

    run_publication(row.pk)  # immediate in tests; queued for the worker otherwise
    row.refresh_from_db()
    return row


def _finish(row: SchedulePublication, *, status: str, message: str, contact: str = "", lessons: int = 0) -> None:
    row.status, row.message, row.contact, row.lessons = status, message[:500], contact[:500], lessons
    row.progress = 100 if status == TaskStatus.DONE else row.progress
    row.finished_at = timezone.now()
    row.save(update_fields=["status", "message", "contact", "lessons", "progress", "finished_at"])
    publication_recorded(row)  # the exchange journal (issue #10)


def publication_run(*, publication_id: int, batch_size: int = BATCH) -> SchedulePublication:
    """The task's body: check the school can publish, then set `published_at` batch by batch."""
    row = SchedulePublication.objects.select_related("organisation").get(pk=publication_id)
    if row.status in (TaskStatus.DONE, TaskStatus.FAILED):
        return row
    SchedulePublication.objects.filter(pk=row.pk).update(status=TaskStatus.RUNNING, message="Выполняется")
    row.status = TaskStatus.RUNNING
    try:
        _publish(row, batch_size)
    except Exception as exc:  # noqa: BLE001 — the page must say what happened whatever it was
        _finish(row, status=TaskStatus.FAILED, message=f"{CRASHED} ({exc.__class__.__name__})",
                contact=support_contact())
    return row


def _publish(row: SchedulePublication, batch_size: int) -> None:
    organisation = row.organisation
    periods = current_periods(organisation, timezone.localdate())
    if not periods:
        return _finish(row, status=TaskStatus.FAILED, message=NO_PERIODS, contact=school_contact(organisation))
    lessons = ScheduleLesson.objects.filter(organisation=organisation)
    if not lessons.exists():
        return _finish(row, status=TaskStatus.FAILED, message=NO_LESSONS, contact=school_contact(organisation))
    fits = lessons.filter(period_filter(periods), teacher_id__in=school_teacher_ids(organisation))
    ids = list(fits.filter(published_at__isnull=True).order_by("pk").values_list("pk", flat=True))
    left_out = lessons.filter(published_at__isnull=True).count() - len(ids)
    if not ids and not fits.exists():
        return _finish(row, status=TaskStatus.FAILED, message=NOTHING_FITS, contact=school_contact(organisation))
    now = timezone.now()
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size]
        ScheduleLesson.objects.filter(pk__in=chunk, published_at__isnull=True).update(published_at=now)
        row.progress = min(99, (start + len(chunk)) * 100 // len(ids))
        SchedulePublication.objects.filter(pk=row.pk).update(progress=row.progress)
    message = f"Выгружено {len(ids)} {plural(len(ids), 'урок', 'урока', 'уроков')} в библиотеку."
    if left_out:
        message += (f" Не выгружено {left_out} {plural(left_out, 'урок', 'урока', 'уроков')}: "
                    "см. предупреждения на странице выгрузки.")
    _finish(row, status=TaskStatus.DONE, message=message, lessons=len(ids),
            contact=school_contact(organisation) if left_out else "")
    audit(actor=None, action="library.publication_done", obj=row, organisation=organisation,
          details={"published": len(ids), "left_out": left_out})


def access_publication(*, actor: ActiveRole, organisation: Organisation, publication_id: int) -> SchedulePublication | None:
    require(actor, Action.MANAGE_SCHEDULE, organisation)
    return SchedulePublication.objects.filter(pk=publication_id, organisation=organisation).first()


def last_publication(organisation: Organisation) -> SchedulePublication | None:
    return SchedulePublication.objects.filter(organisation=organisation).first()
