"""The step into the next school year (issue #10, item 2), as one dated step with a preview and an undo.

Classes of the school's latest school year advance a grade into the next year (the 11th graduate); every open
class-bound role (students, parents of the class) ends on the transition date and, where the class advances,
starts again in the new class on the same date. Staff roles are not class-bound and do not change. The chats
follow by themselves: the old year's class chats are no longer planned, so the next sync archives them read-only
under a title with the year («5А — родители (2025/2026)»), and the new classes get chats once their class teacher
is linked (R24, R27). `roster_applied` is sent after commit, so that sync comes within a minute (R25).

A transition can be undone until the first import of the school's roster after it (`locked_at`, set by the
receiver at the bottom): the undo deletes exactly the classes and roles the step made and reopens the roles it
ended.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, can, organisations_in_scope, require
from sreda.core.text import full_name, plural
from sreda.orgs.models import Organisation, SchoolClass, SchoolYear, TransitionStatus, YearTransition
from sreda.orgs.school_year import school_year_title
from sreda.people.models import Membership
from sreda.people.roles import Role
from sreda.roster.engine.memberships import org_today
from sreda.roster.engine.people import chunks
from sreda.roster.signals import roster_applied

LAST_GRADE = 11  # «11th graduate»: a class of this grade (or above) leaves the school


def _day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


@dataclass
class ClassStep:
    """One class of the old year and what becomes of it."""

    class_id: int
    title: str
    new_title: str | None  # None — the class graduates
    class_teacher: str
    students: int
    others: int  # other class-bound roles (parents of the class)


@dataclass
class TransitionPreview:
    organisation: Organisation
    from_year: SchoolYear | None
    to_year: SchoolYear | None  # None — the year does not exist yet and the run creates it
    to_title: str
    to_start: date | None
    to_end: date | None
    day: date | None
    today: date
    steps: list[ClassStep] = field(default_factory=list)
    chats_to_archive: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    current: YearTransition | None = None  # the school's transition into its latest year, if any

    @property
    def can_run(self) -> bool:
        return not self.problems

    @property
    def advancing(self) -> list[ClassStep]:
        return [s for s in self.steps if s.new_title]

    @property
    def graduating(self) -> list[ClassStep]:
        return [s for s in self.steps if not s.new_title]

    @property
    def students_moving(self) -> int:
        return sum(s.students for s in self.advancing)

    @property
    def students_graduating(self) -> int:
        return sum(s.students for s in self.graduating)

    @property
    def roles_ending(self) -> int:
        return sum(s.students + s.others for s in self.steps)

    @property
    def roles_starting(self) -> int:
        return sum(s.students + s.others for s in self.advancing)

    def summary(self) -> dict:
        return {
            "from_year": self.from_year.title if self.from_year else None, "to_year": self.to_title,
            "date": self.day.isoformat() if self.day else None,
            "classes_advancing": len(self.advancing), "classes_graduating": len(self.graduating),
            "students_moving": self.students_moving, "students_graduating": self.students_graduating,
            "roles_ending": self.roles_ending, "roles_starting": self.roles_starting,
            "chats_to_archive": len(self.chats_to_archive),
        }

    def as_dict(self) -> dict:
        """The API/CLI shape of the preview."""
        return {
            "organisation_id": self.organisation.pk, "organisation": self.organisation.short_name,
            **self.summary(), "can_run": self.can_run, "problems": self.problems,
            "classes": [{"class_id": s.class_id, "title": s.title, "new_title": s.new_title,
                         "graduates": s.new_title is None, "class_teacher": s.class_teacher,
                         "students": s.students, "other_roles": s.others} for s in self.steps],
            "chats_to_archive_titles": self.chats_to_archive,
            "current_transition": transition_dict(self.current) if self.current else None,
        }


def transition_dict(t: YearTransition) -> dict:
    return {"id": t.pk, "status": t.status, "status_label": t.get_status_display(),
            "from_year": t.from_year.title, "to_year": t.to_year.title, "date": t.date.isoformat(),
            "created_at": t.created_at.isoformat() if t.created_at else None,
            "locked_at": t.locked_at.isoformat() if t.locked_at else None,
            "undone_at": t.undone_at.isoformat() if t.undone_at else None,
            "can_undo": t.can_undo, "summary": t.summary}


# --- reading ------------------------------------------------------------------------------------------------

def latest_year(organisation: Organisation) -> SchoolYear | None:
    """The school year of the school's newest classes: the year it lives in now."""
    cls = (SchoolClass.objects.filter(organisation=organisation).select_related("school_year")
           .order_by("-school_year__start").first())
    return cls.school_year if cls else None


def next_year_of(year: SchoolYear) -> tuple[SchoolYear | None, str, date, date]:
    """The school year after `year`: the existing one, or the title and dates the run will create it with."""
    found = SchoolYear.objects.filter(start__gt=year.start).order_by("start").first()
    if found is not None:
        return found, found.title, found.start, found.end
    start = year.start.year + 1
    return None, school_year_title(start), date(start, 9, 1), date(start + 1, 8, 31)


def _class_roles(organisation: Organisation, year: SchoolYear):
    """The open class-bound roles of the old year's classes (students and parents of a class)."""
    return Membership.objects.filter(organisation=organisation, school_class__school_year=year, end_date__isnull=True)


def transition_preview(*, actor: ActiveRole, organisation: Organisation, day: date | None = None) -> TransitionPreview:
    """What the step would do for the school, and every reason it cannot run now (a fixed number of queries)."""
    require(actor, Action.RUN_YEAR_TRANSITION, organisation)
    today = org_today(organisation)
    from_year = latest_year(organisation)
    current = (YearTransition.objects.filter(organisation=organisation).select_related("from_year", "to_year")
               .order_by("-created_at", "-id").first())
    if from_year is None:
        return TransitionPreview(organisation, None, None, "", None, None, day, today, current=current,
                                 problems=["В школе нет классов: переводить на новый учебный год некого. "
                                           "Загрузите контингент («Импорт контингента»)."])
    to_year, to_title, to_start, to_end = next_year_of(from_year)
    day = day or to_start
    preview = TransitionPreview(organisation, from_year, to_year, to_title, to_start, to_end, day, today,
                                current=current)
    classes = list(SchoolClass.objects.filter(organisation=organisation, school_year=from_year)
                   .select_related("class_teacher").order_by("grade", "letter")
                   .annotate(students=Count("memberships", filter=Q(memberships__end_date__isnull=True,
                                                                     memberships__role=Role.STUDENT)),
                             others=Count("memberships", filter=Q(memberships__end_date__isnull=True)
                                          & ~Q(memberships__role=Role.STUDENT))))
    for c in classes:
        teacher = c.class_teacher
        preview.steps.append(ClassStep(
            class_id=c.pk, title=c.title, new_title=None if c.grade >= LAST_GRADE else f"{c.grade + 1}{c.letter}",
            class_teacher=full_name(teacher.surname, teacher.name, teacher.patronymic) if teacher else "",
            students=c.students, others=c.others))
    from sreda.chats.models import Chat  # the chats app builds on orgs, not the other way round

    preview.chats_to_archive = list(Chat.objects.filter(
        organisation=organisation, school_class__school_year=from_year, archived_at__isnull=True)
        .order_by("title").values_list("title", flat=True))
    preview.problems = _problems(preview)
    return preview


def _problems(p: TransitionPreview) -> list[str]:
    # The old year is the school's latest with classes, so the new one never has any yet: a school that already
    # has classes of the new year (the step done, or the new year's roster imported) lives in it, and its next
    # step is into the year after — refused below until that year comes.
    problems = []
    if not (p.to_start <= p.day <= p.to_end):
        problems.append(f"Дата перехода должна быть в {p.to_title} учебном году: "
                        f"с {_day(p.to_start)} по {_day(p.to_end)}.")
    elif p.day > p.today:
        problems.append(f"Дата перехода {_day(p.day)} ещё не наступила: переход можно выполнить "
                        f"начиная с этого дня (сегодня {_day(p.today)}).")
    late = _class_roles(p.organisation, p.from_year).filter(start_date__gt=p.day).count()
    if late:
        problems.append(f"{late} {plural(late, 'роль начинается', 'роли начинаются', 'ролей начинаются')} "
                        f"в классах {p.from_year.title} позже даты перехода {_day(p.day)}: "
                        f"выберите более позднюю дату или исправьте даты начала.")
    return problems


def district_previews(*, actor: ActiveRole, municipality_id: int | None = None,
                      day: date | None = None) -> list[TransitionPreview]:
    """The preview of every school in the active role's scope (the district's page), schools by name."""
    schools = organisations_in_scope(actor).select_related("municipality__region").order_by("short_name")
    if municipality_id:
        schools = schools.filter(municipality_id=municipality_id)
    return [transition_preview(actor=actor, organisation=o, day=day) for o in schools]


def require_district(actor: ActiveRole) -> None:
    """The district's run over all its schools is for a role above the schools (the methodologist, the platform
    operator); a school's own role moves its school on its own page."""
    if actor is None or actor.organisation is not None or not can(actor, Action.RUN_YEAR_TRANSITION):
        raise PermissionDenied("Переход всех школ района выполняет методист района (или оператор платформы). "
                               "Школа переводит себя сама на странице «Новый учебный год».")


def access_transition(*, actor: ActiveRole, organisation: Organisation, transition_id: int) -> YearTransition:
    """The school's transition, for a role that may run transitions there; one «not found» otherwise."""
    require(actor, Action.RUN_YEAR_TRANSITION, organisation)
    found = (YearTransition.objects.select_related("from_year", "to_year", "organisation")
             .filter(pk=transition_id, organisation=organisation).first())
    if found is None:
        raise YearTransition.DoesNotExist("Переход не найден.")
    return found


# --- writing ------------------------------------------------------------------------------------------------

def transition_run(*, actor: ActiveRole, organisation: Organisation, day: date | None = None,
                   batch: str = "") -> YearTransition:
    """Move the school into the next school year on `day` (default: the new year's 1 September)."""
    require(actor, Action.RUN_YEAR_TRANSITION, organisation)
    with transaction.atomic():
        # One step at a time per school: a second click, or the district's run, waits here and then sees the
        # first one's classes (a problem, nothing done twice).
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        preview = transition_preview(actor=actor, organisation=organisation, day=day)
        if not preview.can_run:
            raise ValidationError(preview.problems)
        day = preview.day
        to_year = preview.to_year or SchoolYear.objects.get_or_create(
            title=preview.to_title, defaults={"start": preview.to_start, "end": preview.to_end})[0]
        old = {c.pk: c for c in SchoolClass.objects.filter(organisation=organisation, school_year=preview.from_year)}
        made = {}
        for step in preview.advancing:
            c = old[step.class_id]
            made[c.pk] = SchoolClass(organisation=organisation, school_year=to_year, grade=c.grade + 1,
                                     letter=c.letter, class_teacher_id=c.class_teacher_id)
        SchoolClass.objects.bulk_create(list(made.values()))
        rows = list(_class_roles(organisation, preview.from_year).values(
            "pk", "person_id", "role", "school_class_id", "origin", "confirmation", "confirmed_at",
            "confirmed_by_id"))
        ended = [r["pk"] for r in rows]
        for batch_ids in chunks(ended):
            Membership.objects.filter(pk__in=batch_ids).update(end_date=day)
        started = Membership.objects.bulk_create([
            Membership(person_id=r["person_id"], organisation=organisation, role=r["role"],
                       school_class_id=made[r["school_class_id"]].pk, origin=r["origin"], start_date=day,
                       confirmation=r["confirmation"], confirmed_at=r["confirmed_at"],
                       confirmed_by_id=r["confirmed_by_id"])
            for r in rows if r["school_class_id"] in made])
        record = {"classes": sorted(c.pk for c in made.values()), "ended": sorted(ended),
                  "started": sorted(m.pk for m in started)}
        if not all(record["classes"]) or not all(record["started"]):
            # bulk_create gives back primary keys on PostgreSQL and on SQLite ≥ 3.35; without them no undo.
            raise RuntimeError("База данных не вернула идентификаторы созданных записей: переход не выполнен.")
        transition = YearTransition.objects.create(
            organisation=organisation, from_year=preview.from_year, to_year=to_year, date=day, batch=batch,
            summary=preview.summary(), record=record, created_by=_user(actor), acting_role=(actor.label or "")[:200])
        audit(actor=actor, action="orgs.year_transition", obj=transition, organisation=organisation,
              details=preview.summary())
        transaction.on_commit(lambda: roster_applied.send(sender=YearTransition, organisation_ids=[organisation.pk]))
    return transition


def transition_undo(*, actor: ActiveRole, transition: YearTransition) -> YearTransition:
    """Undo a transition: the classes and roles it made are deleted, the roles it ended are open again."""
    organisation = transition.organisation
    require(actor, Action.RUN_YEAR_TRANSITION, organisation)
    with transaction.atomic():
        t = YearTransition.objects.select_for_update().select_related("to_year", "from_year").get(pk=transition.pk)
        if t.status != TransitionStatus.DONE:
            raise ValidationError("Этот переход уже отменён.")
        if t.locked_at is not None:
            raise ValidationError(
                f"Переход нельзя отменить: {timezone.localtime(t.locked_at):%d.%m.%Y} после него загружен "
                f"контингент школы. Исправьте данные новым импортом.")
        classes, started, ended = t.record.get("classes", []), t.record.get("started", []), t.record.get("ended", [])
        added = Membership.objects.filter(school_class_id__in=classes).exclude(pk__in=started).count()
        if added:
            raise ValidationError(
                f"В классах {t.to_year.title} после перехода {plural(added, 'добавлена', 'добавлены', 'добавлено')} "
                f"{added} {plural(added, 'роль', 'роли', 'ролей')}: отмена удалила бы {plural(added, 'её', 'их', 'их')}. "
                f"Завершите эти роли или оставьте переход.")
        for batch_ids in chunks(started):
            Membership.objects.filter(pk__in=batch_ids).delete()
        blockers = _class_dependents(classes)
        if blockers:
            raise ValidationError("Отмена удалила бы данные классов нового года: " + ", ".join(blockers)
                                  + ". Переход оставлен.")
        for batch_ids in chunks(ended):
            Membership.objects.filter(pk__in=batch_ids, end_date=t.date).update(end_date=None)
        SchoolClass.objects.filter(pk__in=classes).delete()
        t.status, t.undone_at, t.undone_by = TransitionStatus.UNDONE, timezone.now(), _user(actor)
        t.save(update_fields=["status", "undone_at", "undone_by"])
        audit(actor=actor, action="orgs.year_transition_undone", obj=t, organisation=organisation,
              details={"to_year": t.to_year.title, "date": t.date.isoformat()})
        transaction.on_commit(lambda: roster_applied.send(sender=YearTransition, organisation_ids=[organisation.pk]))
    return t


def _class_dependents(class_ids: list[int]) -> list[str]:
    """What else refers to these classes and would be deleted with them (chats only lose the link: SET_NULL)."""
    from django.db.models import SET_NULL

    found = []
    for rel in SchoolClass._meta.related_objects:
        if rel.on_delete is SET_NULL or rel.many_to_many:
            continue
        if rel.related_model.objects.filter(**{f"{rel.field.name}__in": class_ids}).exists():
            found.append(str(rel.related_model._meta.verbose_name_plural))
    return found


def district_run(*, actor: ActiveRole, previews: list[TransitionPreview]) -> tuple[list[YearTransition], list[tuple]]:
    """Run the step for every school of the list that can run; each school in its own transaction.
    Returns (done, skipped as (school, reasons))."""
    batch = uuid.uuid4().hex
    done, skipped = [], []
    for p in previews:
        if not p.can_run:
            skipped.append((p.organisation, p.problems))
            continue
        try:
            done.append(transition_run(actor=actor, organisation=p.organisation, day=p.day, batch=batch))
        except ValidationError as exc:
            skipped.append((p.organisation, exc.messages))
    return done, skipped


def _user(actor: ActiveRole):
    return actor.user if getattr(actor.user, "pk", None) else None


# --- the first import of the new year ends the undo --------------------------------------------------------

def lock_on_import(sender, organisation_ids=(), **kwargs) -> None:
    """A roster import (file or SCIM) changed the school after its transition: the undo is no longer offered,
    since it could not tell the import's changes from the transition's."""
    if sender is YearTransition or not organisation_ids:
        return
    YearTransition.objects.filter(organisation_id__in=list(organisation_ids), status=TransitionStatus.DONE,
                                  locked_at__isnull=True).update(locked_at=timezone.now())


def connect() -> None:
    roster_applied.connect(lock_on_import, dispatch_uid="sreda.orgs.transition.lock_on_import")
