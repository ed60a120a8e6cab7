"""The catalogue (R16–R17): search and filters for teachers, items and supported subjects for the operator.

Reads: `CatalogueFilters` (parsed from a query string), `catalogue_search`, `access_item`.
Writes (operator, MANAGE_CATALOGUE): `item_save`, `subject_set_supported`, `subject_add`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, require
from sreda.core.school import parse_int
from sreda.core.text import fold
from sreda.library import search
from sreda.library.models import CatalogueItem, ContentType, Course
from sreda.library.sanitize import sanitize_html
from sreda.orgs.models import Subject

GRADES = tuple(range(1, 12))
ITEM_NOT_FOUND = "Урок каталога не найден."
LABEL_OF = dict(ContentType.choices)


def type_labels(codes: str | list[str]) -> list[str]:
    """«classwork homework» → [«Классная работа», «Домашняя работа»] (unknown codes are skipped)."""
    items = codes.split() if isinstance(codes, str) else codes
    return [LABEL_OF[code] for code in items if code in LABEL_OF]


@dataclass
class CatalogueFilters:
    """What the teacher asked for: title words, «Класс», «Предмет», «Урок» and the content-type chips."""

    q: str = ""
    grade: int | None = None
    subject_id: int | None = None
    lesson: int | None = None
    content_types: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, data) -> CatalogueFilters:
        """From request.GET (or any mapping with getlist); nonsense values are ignored, never an error page."""
        getlist = data.getlist if hasattr(data, "getlist") else (lambda key: data.get(key) or [])
        grade = parse_int(data.get("grade"))
        types = getlist("content_type")
        if isinstance(types, str):
            types = [types]
        return cls(
            q=(data.get("q") or "").strip()[:200],
            grade=grade if grade in GRADES else None,
            subject_id=parse_int(data.get("subject") or data.get("subject_id")),
            lesson=parse_int(data.get("lesson")),
            content_types=[code for code in dict.fromkeys(types) if code in LABEL_OF],
        )

    @property
    def any(self) -> bool:
        return bool(self.q or self.grade or self.subject_id or self.lesson or self.content_types)


def catalogue_search(*, filters: CatalogueFilters, supported_only: bool = True) -> QuerySet[CatalogueItem]:
    """Items matching every filter, in course order. Content types: an item with any of the chosen ones.
    Teachers see courses of supported subjects only (R16); the operator's list passes supported_only=False."""
    items = CatalogueItem.objects.select_related("course", "subject")
    if supported_only:
        items = items.filter(subject__supported=True)
    if filters.grade:
        items = items.filter(grade=filters.grade)
    if filters.subject_id:
        items = items.filter(subject_id=filters.subject_id)
    if filters.lesson:
        items = items.filter(position=filters.lesson)
    if filters.content_types:
        # R17 codes are never a part of one another, so «contains» is exact (see ContentType).
        condition = None
        for code in filters.content_types:
            one = Q(content_types__contains=code)
            condition = one if condition is None else condition | one
        items = items.filter(condition)
    return search.title_search(items, filters.q)


def access_item(*, item_id: int, supported_only: bool = False) -> CatalogueItem:
    """One catalogue item with its course and subject; one «not found» for missing and hidden."""
    item = CatalogueItem.objects.select_related("course", "subject").filter(pk=item_id).first()
    if item is None or (supported_only and not item.subject.supported):
        raise Http404(ITEM_NOT_FOUND)
    return item


def supported_subjects() -> QuerySet[Subject]:
    return Subject.objects.filter(supported=True).order_by("name")


# --- the operator's writes ---------------------------------------------------------------------------------

@dataclass
class ItemData:
    """A lesson as the operator's form, the API or a file line gives it."""

    course: Course
    position: int
    title: str
    content_types: list[str]
    description: str = ""
    body: str = ""
    external_id: str | None = None


def _clean(data: ItemData) -> dict:
    errors: dict[str, str] = {}
    title = " ".join((data.title or "").split())
    if not title:
        errors["title"] = "Укажите название урока."
    elif len(title) > 300:
        errors["title"] = "Название урока — не длиннее 300 знаков."
    if not 1 <= (data.position or 0) <= 999:
        errors["position"] = "Номер урока — целое число от 1 до 999."
    unknown = [code for code in data.content_types if code not in LABEL_OF]
    if unknown:
        errors["content_types"] = f"Неизвестные типы материалов: {', '.join(unknown)}."
    if errors:
        raise ValidationError(errors)
    return {
        "course": data.course, "position": data.position, "title": title,
        "grade": data.course.grade, "subject": data.course.subject,
        "content_types": " ".join(code for code in ContentType.values if code in data.content_types),
        "description": (data.description or "").strip(), "body": sanitize_html(data.body),
        "external_id": (data.external_id or "").strip() or None,
    }


@transaction.atomic
def item_save(*, actor: ActiveRole, data: ItemData, item: CatalogueItem | None = None, file=None,
              remove_file: bool = False) -> CatalogueItem:
    """Create or change a catalogue lesson (R17): body HTML sanitised, grade and subject from the course;
    an uploaded file is checked by content and replaces the old one."""
    from sreda.library import uploads

    require(actor, Action.MANAGE_CATALOGUE)
    values = _clean(data)
    if values["external_id"]:
        clash = CatalogueItem.objects.filter(external_id=values["external_id"])
        if item is not None:
            clash = clash.exclude(pk=item.pk)
        if clash.exists():
            raise ValidationError({"external_id": "Урок с таким внешним ID уже есть в каталоге."})
    old_file = item.file_path if item is not None else ""
    if file is not None:
        relative, checked = uploads.store_item_file(file)
        values.update(file_path=relative, file_name=checked.name, file_type=checked.content_type)
    elif remove_file:
        values.update(file_path="", file_name="", file_type="")
    created = item is None
    if created:
        item = CatalogueItem.objects.create(**values)
    else:
        for name, value in values.items():
            setattr(item, name, value)
        item.save()
    if old_file and old_file != item.file_path:
        transaction.on_commit(lambda: uploads.remove_stored(old_file))
    audit(actor=actor, action="library.item." + ("create" if created else "update"), obj=item,
          details={"course": item.course_id, "file": bool(item.file_path)})
    return item


@transaction.atomic
def subject_set_supported(*, actor: ActiveRole, subject: Subject, supported: bool) -> Subject:
    """R16: the supported list is data; the operator adds a subject to it or takes one off."""
    require(actor, Action.MANAGE_CATALOGUE)
    if subject.supported != supported:
        subject.supported = supported
        subject.save(update_fields=["supported"])
        audit(actor=actor, action="library.subject." + ("support" if supported else "unsupport"), obj=subject)
    return subject


@transaction.atomic
def subject_add(*, actor: ActiveRole, name: str, supported: bool = True) -> Subject:
    """A new subject (R16), on the supported list unless said otherwise; a name that exists is an error."""
    require(actor, Action.MANAGE_CATALOGUE)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError("Укажите название предмета.")
    if len(name) > 200:
        raise ValidationError("Название предмета — не длиннее 200 знаков.")
    # The list is short; compared in Python because SQLite folds the case of Latin letters only.
    if any(fold(existing) == fold(name) for existing in Subject.objects.values_list("name", flat=True)):
        raise ValidationError(f"Предмет «{name}» уже есть в списке.")
    subject = Subject.objects.create(name=name, supported=supported)
    audit(actor=actor, action="library.subject.add", obj=subject)
    return subject
