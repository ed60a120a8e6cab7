"""Acknowledgement of school documents (ознакомление под подпись, R23): the administrator publishes an order with
its instruction (a PDF, or a scan as JPEG/PNG) and asks a set of staff to acknowledge it; each asked employee
downloads it and presses «Ознакомлен(а)»; the administrator sees who has and who has not.

Writes (publish, ask more people, acknowledge, open the file) are services with the acting role first; reads
are the selectors below them. The file is checked by its content (people.documents.pdf_or_image), stored by
core.files.store_upload under MEDIA_ROOT/school_documents/ in a random folder, and served only to the school's
leaders and to the staff who were asked — everyone else gets the same «not found» for the document and its file.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.files import store_upload
from sreda.core.permissions import Action, can, require
from sreda.core.text import fold, plural
from sreda.onboarding.models import Acknowledgement, SchoolDocument
from sreda.orgs.models import Organisation
from sreda.people.documents import (
    PDF,
    TYPE_LABELS,
    display_name,
    megabytes,
    pdf_or_image,
)
from sreda.people.models import Membership, Person
from sreda.people.roles import SCHOOL_STAFF_ROLES, Role

SUBDIR = "school_documents"
MAX_BYTES = 20 * 1024 * 1024
ALLOWED = "Загрузите PDF (или скан приказа в JPEG или PNG)."
NOT_FOUND = "Документ не найден или недоступен в текущей роли."
TITLE_MAX = 300
INSTRUCTION_MAX = 5000


class Audience:
    """Whom the administrator asks to acknowledge a document."""

    CLASS_TEACHERS = "class_teachers"
    TEACHERS = "teachers"
    STAFF = "staff"
    PICKED = "picked"
    LABELS = {
        CLASS_TEACHERS: "Все классные руководители",
        TEACHERS: "Все учителя",
        STAFF: "Все сотрудники школы",
        PICKED: "Выбранные сотрудники",
    }


class AckState:
    DONE = "done"
    PENDING = "pending"
    LABELS = {DONE: "Ознакомлены", PENDING: "Не ознакомлены"}


# --- who can be asked -------------------------------------------------------------------------------------

def school_staff(organisation: Organisation) -> QuerySet[Person]:
    """The school's employees (director, administrator, teachers, staff) with an active role, by surname."""
    ids = (Membership.objects.active().filter(organisation=organisation, role__in=SCHOOL_STAFF_ROLES)
           .values("person_id"))
    return Person.objects.filter(pk__in=ids).order_by("sort_key", "pk")


def audience_people(*, organisation: Organisation, audience: str, person_ids=()) -> list[int]:
    """The ids of the school's employees the choice means (picked ones outside the school are dropped)."""
    staff = school_staff(organisation)
    if audience == Audience.STAFF:
        return list(staff.values_list("pk", flat=True))
    if audience == Audience.TEACHERS:
        teachers = (Membership.objects.active().filter(organisation=organisation, role=Role.TEACHER)
                    .values("person_id"))
        return list(staff.filter(pk__in=teachers).values_list("pk", flat=True))
    if audience == Audience.CLASS_TEACHERS:
        from sreda.onboarding.tracker import latest_classes

        leading = {c.class_teacher_id for c in latest_classes(organisation) if c.class_teacher_id}
        return list(staff.filter(pk__in=leading).values_list("pk", flat=True))
    if audience == Audience.PICKED:
        wanted = {int(pk) for pk in person_ids if str(pk).isdigit()}
        return list(staff.filter(pk__in=wanted).values_list("pk", flat=True))
    raise ValidationError({"audience": ["Выберите, кого попросить ознакомиться: всех классных руководителей, всех "
                                        "учителей, всех сотрудников или выбранных сотрудников."]})


def _people_or_error(*, organisation, audience, person_ids) -> list[int]:
    people = audience_people(organisation=organisation, audience=audience, person_ids=person_ids)
    if not people:
        message = {
            Audience.CLASS_TEACHERS: "В школе нет классных руководителей с действующей ролью сотрудника.",
            Audience.TEACHERS: "В школе нет учителей с действующей ролью.",
            Audience.STAFF: "В школе нет сотрудников с действующей ролью.",
            Audience.PICKED: "Отметьте хотя бы одного сотрудника школы.",
        }[audience]
        raise ValidationError({"audience" if audience != Audience.PICKED else "people": [message]})
    return people


# --- the file -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    name: str

    @property
    def label(self) -> str:
        return TYPE_LABELS.get(self.content_type, self.content_type)


def too_large(name: str) -> str:
    return f"Файл «{name}» больше {megabytes(MAX_BYTES)}. Сохраните документ в PDF с меньшим разрешением."


def check_file(upload) -> CheckedFile:
    """A PDF (or a JPEG/PNG scan) by its content, not empty, at most MAX_BYTES."""
    name = display_name(getattr(upload, "name", ""))
    size = upload.size or 0
    if size > MAX_BYTES:
        raise ValidationError({"file": [too_large(name)]}, code="too_large")
    if size == 0:
        raise ValidationError({"file": [f"Файл «{name}» пустой. {ALLOWED}"]}, code="empty")
    try:
        found = pdf_or_image(upload, name, size)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    if not found:
        raise ValidationError({"file": [f"Файл «{name}» не является PDF, JPEG или PNG (проверяется содержимое "
                                        f"файла, а не его имя). {ALLOWED}"]}, code="bad_type")
    return CheckedFile(found, size, name)


def files_root() -> Path:
    return Path(settings.MEDIA_ROOT) / SUBDIR


def stored_path(relative: str) -> Path | None:
    """The file on disk, or None when missing or outside the documents folder."""
    if not relative:
        return None
    root = files_root().resolve()
    path = (Path(settings.MEDIA_ROOT) / relative).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


# --- writes ---------------------------------------------------------------------------------------------------

def _clean_text(title: str, instruction: str, errors: dict) -> tuple[str, str]:
    title = " ".join((title or "").split())
    instruction = (instruction or "").strip()
    if not title:
        errors["title"] = ["Укажите название документа, например «Приказ № 192 от 25.04.2024 „Об использовании "
                           "ЦОС“»."]
    elif len(title) > TITLE_MAX:
        errors["title"] = [f"Название — не длиннее {TITLE_MAX} знаков."]
    if len(instruction) > INSTRUCTION_MAX:
        errors["instruction"] = [f"Текст — не длиннее {INSTRUCTION_MAX} знаков."]
    return title, instruction


def _ask(document: SchoolDocument, people: list[int]) -> int:
    before = Acknowledgement.objects.filter(document=document).count()
    now = timezone.now()
    Acknowledgement.objects.bulk_create(
        [Acknowledgement(document=document, person_id=pk, requested_at=now) for pk in people], ignore_conflicts=True)
    return Acknowledgement.objects.filter(document=document).count() - before


def document_publish(*, actor: ActiveRole, organisation: Organisation, title: str, instruction: str = "",
                     upload=None, due_date=None, audience: str, person_ids=()) -> SchoolDocument:
    """R23: publish a school document and ask the chosen employees to acknowledge it. All problems are reported
    at once, by field; on any of them nothing is created and no file is kept."""
    require(actor, Action.MANAGE_ACKNOWLEDGEMENTS, organisation)
    errors: dict[str, list[str]] = {}
    title, instruction = _clean_text(title, instruction, errors)
    checked = None
    if upload is not None:
        try:
            checked = check_file(upload)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    people: list[int] = []
    try:
        people = _people_or_error(organisation=organisation, audience=audience, person_ids=person_ids)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    stored = store_upload(upload, files_root(), f"document.{'pdf' if checked.content_type == PDF else 'jpg'}") \
        if checked is not None else None
    try:
        with transaction.atomic():
            document = SchoolDocument.objects.create(
                organisation=organisation, title=title, instruction=instruction,
                file_path=str(stored.relative_to(settings.MEDIA_ROOT)) if stored else "",
                file_name=checked.name if checked else "", file_type=checked.content_type if checked else "",
                file_size=checked.size if checked else None, due_date=due_date,
                published_by=actor.user if actor.user is not None and getattr(actor.user, "pk", None) else None,
            )
            asked = _ask(document, people)
            audit(actor=actor, action="school_document.publish", obj=document, organisation=organisation,
                  details={"audience": audience, "asked": asked, "file": checked.name if checked else "",
                           "size": checked.size if checked else 0})
    except Exception:
        if stored is not None:
            shutil.rmtree(stored.parent, ignore_errors=True)
        raise
    return document


@transaction.atomic
def document_ask_more(*, actor: ActiveRole, document: SchoolDocument, audience: str, person_ids=()) -> int:
    """Ask more employees later; those already asked keep their state. Returns how many were added."""
    require(actor, Action.MANAGE_ACKNOWLEDGEMENTS, document.organisation)
    people = _people_or_error(organisation=document.organisation, audience=audience, person_ids=person_ids)
    added = _ask(document, people)
    audit(actor=actor, action="school_document.ask", obj=document, organisation=document.organisation,
          details={"audience": audience, "added": added})
    return added


@transaction.atomic
def document_acknowledge(*, actor: ActiveRole, document: SchoolDocument) -> Acknowledgement:
    """«Ознакомлен(а)»: the time is stored once; pressing again (or twice at once) changes nothing."""
    require(actor, Action.ACKNOWLEDGE_DOCUMENTS, document.organisation)
    person = person_of(actor)
    row = Acknowledgement.objects.filter(document=document, person=person).first() if person is not None else None
    if row is None:
        raise Http404(NOT_FOUND)
    now = timezone.now()
    changed = Acknowledgement.objects.filter(pk=row.pk, acknowledged_at__isnull=True).update(acknowledged_at=now)
    row.refresh_from_db(fields=["acknowledged_at"])
    if changed:
        audit(actor=actor, action="school_document.acknowledge", obj=document, organisation=document.organisation,
              details={"person": person.pk})
    return row


@transaction.atomic
def document_file_open(*, actor: ActiveRole, document: SchoolDocument) -> Path:
    """The document's file on disk for someone allowed to see it (access_document first); the download is
    audited."""
    path = stored_path(document.file_path)
    if path is None:
        raise Http404("Файл не найден.")
    audit(actor=actor, action="school_document.download", obj=document, organisation=document.organisation,
          details={"file": document.file_name})
    return path


def person_of(actor: ActiveRole | None) -> Person | None:
    """The employee acting: the signed-in person, or the person of an API token's role."""
    if actor is None:
        return None
    membership = actor.membership
    if membership is not None and membership.person_id:
        return membership.person
    return actor.person


# --- reads ----------------------------------------------------------------------------------------------------

def documents_for(*, actor: ActiveRole, organisation: Organisation, query: str = "") -> QuerySet[SchoolDocument]:
    """The school's documents, newest first, with how many were asked and how many acknowledged."""
    if not can(actor, Action.MANAGE_ACKNOWLEDGEMENTS, organisation):
        return SchoolDocument.objects.none()
    qs = SchoolDocument.objects.filter(organisation=organisation)
    words = fold(query).split()
    if words:
        # SQLite's lower() knows only ASCII: fold here, over one school's titles (one narrow query).
        ids = [pk for pk, title in qs.values_list("pk", "title") if all(w in fold(title) for w in words)]
        qs = qs.filter(pk__in=ids)
    return (qs.annotate(asked=Count("acknowledgements"),
                        done=Count("acknowledgements", filter=Q(acknowledgements__acknowledged_at__isnull=False)),
                        pending=Count("acknowledgements", filter=Q(acknowledgements__acknowledged_at__isnull=True)))
            .select_related("published_by__person").order_by("-published_at", "-id"))


def may_manage(actor: ActiveRole | None, document: SchoolDocument) -> bool:
    return can(actor, Action.MANAGE_ACKNOWLEDGEMENTS, document.organisation)


def access_document(*, actor: ActiveRole, document_id: int, manage: bool = False) -> SchoolDocument:
    """The document for the school's leaders, or (unless `manage`) for an employee of that school who was asked;
    one «not found» for missing and forbidden."""
    document = (SchoolDocument.objects.select_related("organisation__municipality__region", "published_by__person")
                .filter(pk=document_id).first())
    if document is None:
        raise Http404(NOT_FOUND)
    if may_manage(actor, document):
        return document
    person = person_of(actor)
    if not manage and person is not None and can(actor, Action.ACKNOWLEDGE_DOCUMENTS, document.organisation) \
            and Acknowledgement.objects.filter(document=document, person=person).exists():
        return document
    raise Http404(NOT_FOUND)


def document_counts(document: SchoolDocument) -> dict[str, int]:
    return Acknowledgement.objects.filter(document=document).aggregate(
        asked=Count("pk"), done=Count("pk", filter=Q(acknowledged_at__isnull=False)),
        pending=Count("pk", filter=Q(acknowledged_at__isnull=True)))


def acknowledgement_rows(*, document: SchoolDocument, state: str = "", query: str = "") -> QuerySet[Acknowledgement]:
    """Who was asked, with when they acknowledged: not yet acknowledged first, then by surname."""
    qs = Acknowledgement.objects.filter(document=document).select_related("person")
    if state == AckState.DONE:
        qs = qs.filter(acknowledged_at__isnull=False)
    elif state == AckState.PENDING:
        qs = qs.filter(acknowledged_at__isnull=True)
    for word in fold(query).split()[:5]:
        qs = qs.filter(person__sort_key__contains=word)
    return qs.order_by(_done_last(), "person__sort_key", "pk")


def _done_last() -> ExpressionWrapper:
    return ExpressionWrapper(Q(acknowledged_at__isnull=False), output_field=BooleanField())


def my_acknowledgements(*, actor: ActiveRole) -> QuerySet[Acknowledgement]:
    """«Документы школы»: the documents the active role's school asked this employee to acknowledge; waiting
    ones first."""
    organisation = actor.organisation if actor is not None else None
    person = person_of(actor)
    if organisation is None or person is None or not can(actor, Action.ACKNOWLEDGE_DOCUMENTS, organisation):
        return Acknowledgement.objects.none()
    return (Acknowledgement.objects.filter(person=person, document__organisation=organisation)
            .select_related("document").order_by(_done_last(), "-document__published_at", "-pk"))


def pending_count(active: ActiveRole | None) -> int:
    return my_acknowledgements(actor=active).filter(acknowledged_at__isnull=True).count() if active else 0


def attention(active: ActiveRole | None) -> list:
    """«Требует внимания» for an employee: «N документов ждут ознакомления» (one query)."""
    from sreda.core.attention import Attention

    n = pending_count(active)
    if not n:
        return []
    text = (f"{n} {plural(n, 'документ ждёт', 'документа ждут', 'документов ждут')} ознакомления: откройте и "
            "нажмите «Ознакомлен(а)».")
    return [Attention(text, reverse("onboarding:my_documents"))]


ROWS_HEAD = ["ФИО", "Ознакомлен(а)", "Когда", "Запрошено"]


def row_cells(row: Acknowledgement, organisation: Organisation) -> list:
    from sreda.onboarding.selectors import local_date

    return [row.person.full_name, "да" if row.acknowledged_at else "нет",
            _local_time(row.acknowledged_at, organisation) if row.acknowledged_at else "",
            local_date(row.requested_at, organisation)]


def _local_time(moment, organisation) -> str:
    from zoneinfo import ZoneInfo

    try:
        zone = ZoneInfo(organisation.municipality.region.timezone)
    except (LookupError, ValueError, AttributeError):
        zone = None
    return timezone.localtime(moment, zone).strftime("%d.%m.%Y %H:%M")
