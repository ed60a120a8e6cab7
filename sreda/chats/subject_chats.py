"""What people change in the plan by hand: a teacher's subject chats with a class (R24), and the one-way setting of
a chat (R28), which survives every sync because the plan reads it from the Chat row."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from sreda.chats.models import Chat, ChatKind
from sreda.chats.plan import current_school_year, school_plan, subject_key
from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.library.models import ScheduleLesson
from sreda.orgs.models import Organisation, SchoolClass, Subject
from sreda.people.models import Membership, Person
from sreda.people.roles import Role

NOT_IN_PLAN = "Такого чата нет в плане школы: обновите страницу."
CLASS_NOT_YOURS = "Выберите класс из списка: предметный чат создаётся с классом, в котором вы ведёте уроки."
SUBJECT_NOT_YOURS = "Выберите предмет из списка: предметы берутся из вашей карточки сотрудника и расписания."
ALREADY_EXISTS = "Такой чат уже есть: «{title}»."
NOT_YOUR_CHAT = "Закрыть предметный чат может только учитель, который его создал."


class SubjectChatError(ValueError):
    """A refusal with a Russian message for the form."""


@dataclass
class TeacherOptions:
    classes: list[SchoolClass]
    subjects: list[Subject]
    from_schedule: bool  # the classes come from the teacher's lessons, not the whole school


def teacher_options(person: Person, organisation: Organisation) -> TeacherOptions:
    """The classes a teacher may open a subject chat with (their classes in the schedule when it has any lessons
    of theirs, else every class of the school this year) and the subjects they teach (their card + schedule)."""
    year = current_school_year()
    classes = SchoolClass.objects.filter(organisation=organisation, school_year=year).order_by("grade", "letter")
    lessons = ScheduleLesson.objects.filter(organisation=organisation, teacher=person, school_class__school_year=year)
    from_schedule = lessons.exists()
    if from_schedule:
        classes = classes.filter(pk__in=lessons.values("school_class_id"))
    card = Membership.objects.active().filter(person=person, organisation=organisation, role=Role.TEACHER)
    subjects = Subject.objects.filter(pk__in=card.values("subjects")) | Subject.objects.filter(
        pk__in=lessons.values("subject_id"))
    return TeacherOptions(classes=list(classes) if year else [], subjects=list(subjects.distinct().order_by("name")),
                          from_schedule=from_schedule)


def create_subject_chat(*, actor: ActiveRole, organisation: Organisation, person: Person, class_id: int | None,
                        subject_id: int | None) -> Chat:
    """R24: a teacher's chat with a class about a subject. Only the Chat row — the next sync creates the room."""
    options = teacher_options(person, organisation)
    school_class = next((c for c in options.classes if c.pk == class_id), None)
    if school_class is None:
        raise SubjectChatError(CLASS_NOT_YOURS)
    subject = next((s for s in options.subjects if s.pk == subject_id), None)
    if subject is None:
        raise SubjectChatError(SUBJECT_NOT_YOURS)
    key = subject_key(school_class.pk, subject.pk, person.pk)
    title = f"{school_class.title} — {subject.name}"
    with transaction.atomic():
        chat = Chat.objects.select_for_update().filter(organisation=organisation, key=key).first()
        if chat is not None and chat.closed_at is None:
            raise SubjectChatError(ALREADY_EXISTS.format(title=chat.title))
        now = timezone.now()
        if chat is not None:  # closed before: open it again; the next sync brings the same room back from the archive
            chat.closed_at, chat.updated_at = None, now
            if not chat.room_id:
                chat.archived_at, chat.title = None, title
            chat.save(update_fields=["closed_at", "archived_at", "title", "updated_at"])
        else:
            try:
                with transaction.atomic():
                    chat = Chat.objects.create(organisation=organisation, key=key, kind=ChatKind.SUBJECT,
                                               school_class=school_class, subject=subject, created_by=person,
                                               title=title)
            except IntegrityError:  # the same teacher pressed twice at once
                raise SubjectChatError(ALREADY_EXISTS.format(title=title)) from None
        audit(actor=actor, action="chats.subject_create", obj=chat, organisation=organisation,
              details={"class": school_class.title, "subject": subject.name})
    return chat


def teacher_subject_chats(person: Person, organisation: Organisation):
    return (Chat.objects.filter(organisation=organisation, kind=ChatKind.SUBJECT, created_by=person)
            .select_related("school_class", "subject").order_by("closed_at", "school_class__grade",
                                                                "school_class__letter", "subject__name"))


def close_subject_chat(*, actor: ActiveRole, organisation: Organisation, person: Person, chat_id: int | None) -> Chat:
    """The teacher closes their subject chat: it leaves the plan; the next sync archives its room the way chats of
    classes that no longer exist are archived (renamed «… (архив)», nobody but the service account writes). A chat
    that never had a room is archived at once."""
    with transaction.atomic():
        chat = (Chat.objects.select_for_update()
                .filter(pk=chat_id, organisation=organisation, kind=ChatKind.SUBJECT, created_by=person).first())
        if chat is None:
            raise SubjectChatError(NOT_YOUR_CHAT)
        if chat.closed_at is None:
            chat.closed_at = chat.updated_at = timezone.now()
            if not chat.room_id:
                chat.archived_at = chat.closed_at
            chat.save(update_fields=["closed_at", "archived_at", "updated_at"])
            audit(actor=actor, action="chats.subject_close", obj=chat, organisation=organisation)
    if chat.room_id:
        from sreda.chats.triggers import roster_changed

        transaction.on_commit(lambda: roster_changed(organisation.pk))  # archive the room within a minute
    return chat


def set_read_only(*, actor: ActiveRole, organisation: Organisation, key: str, read_only: bool) -> Chat:
    """R28: make a planned chat one-way (only staff write) or open it again. Saves the wanted setting on the Chat
    row (created without a room when needed); the sync applies it."""
    planned = next((p for p in school_plan(organisation) if p.key == key), None)
    if planned is None:
        raise SubjectChatError(NOT_IN_PLAN)
    with transaction.atomic():
        chat, _ = Chat.objects.get_or_create(organisation=organisation, key=key, defaults={
            "kind": planned.kind, "title": planned.title, "school_class_id": planned.class_id})
        if chat.read_only != read_only:
            chat.read_only, chat.updated_at = read_only, timezone.now()
            chat.save(update_fields=["read_only", "updated_at"])
            audit(actor=actor, action="chats.read_only", obj=chat, organisation=organisation,
                  details={"key": key, "read_only": read_only})
    return chat
