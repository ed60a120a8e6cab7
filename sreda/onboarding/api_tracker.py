"""API of the onboarding tracker (R23), mounted at /api/v1/: the school's summary per class and the rows of one
class — the same selectors as «Подключение классов». A token of the class teacher (role «Учитель») sees the
class they lead; the school's director or administrator every class. Scope `joining` or `read`."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from sreda.api.models import SCOPE_JOINING, SCOPE_READ, SCOPES
from sreda.api.schemas import ERRORS, example
from sreda.core.active_role import ActiveRole
from sreda.core.permissions import Action
from sreda.onboarding import tracker
from sreda.orgs.selectors import access_organisation

router = Router(tags=["Подключение классов"])


def api_actor_any(request: HttpRequest, *scopes: str) -> ActiveRole:
    """The token's role if it carries one of `scopes`; 403 with the Russian reason otherwise."""
    token = request.auth
    if not any(scope in token.scopes for scope in scopes):
        names = " или ".join(f"«{s}» ({SCOPES.get(s, s)})" for s in scopes)
        raise PermissionDenied(f"Токену не выдана область {names}.")
    return request.active_role


class DeadlineOut(Schema):
    deadline: date = Field(..., description="Срок подключения по приказу школы.")
    order_title: str = Field(..., description="Приказ.", examples=["Приказ № 192 от 25.04.2024"])
    overdue: bool = Field(..., description="Срок прошёл (по времени региона школы).")


COUNTS_EXAMPLE = {"students": 27, "parents": 41, "registered": 60, "joined": 58, "confirmed": 52, "in_chats": 50,
                  "connected": 49, "missing": 19, "percent": 72}


class CountsOut(Schema):
    students: int = Field(..., description="Обучающихся в списке класса.")
    parents: int = Field(..., description="Законных представителей.")
    registered: int = Field(..., description="Из них зарегистрированы (есть учётная запись).")
    joined: int = Field(..., description="В школе (действующая роль в школе).")
    confirmed: int = Field(..., description="Подтверждены (согласие родителя, R21).")
    in_chats: int = Field(..., description="В чатах класса.")
    connected: int = Field(..., description="Подключены полностью.")
    missing: int = Field(..., description="Ещё не подключены.")
    percent: int = Field(..., description="Подключены, % (0–100).")


class ClassSummaryOut(Schema):
    class_id: int = Field(..., examples=[12])
    class_title: str = Field(..., examples=["5А"])
    class_teacher: str = Field(..., description="ФИО классного руководителя; пусто — не назначен.")
    counts: CountsOut


class SummaryOut(Schema):
    model_config = example({
        "organisation_id": 42,
        "deadline": {"deadline": "2025-12-01", "order_title": "Приказ № 192 от 25.04.2024", "overdue": False},
        "classes": [{"class_id": 12, "class_title": "5А", "class_teacher": "Смирнова Мария Ивановна",
                     "counts": COUNTS_EXAMPLE}],
        "total": COUNTS_EXAMPLE,
    })

    organisation_id: int
    deadline: DeadlineOut | None = Field(None, description="Срок по приказу; null — не установлен.")
    classes: list[ClassSummaryOut]
    total: CountsOut


class RowOut(Schema):
    person_id: int = Field(..., examples=[1001])
    full_name: str = Field(..., examples=["Иванов Пётр Сергеевич"])
    role: str = Field(..., description="student — обучающийся, parent — законный представитель.")
    role_label: str = Field(..., examples=["Обучающийся"])
    children: list[str] = Field(..., description="Для родителя: его дети в этом классе.")
    registered: bool = Field(..., description="Зарегистрирован (есть учётная запись).")
    joined: bool = Field(..., description="В школе: действующая роль в школе (обучающийся — в этом классе).")
    confirmed: bool = Field(..., description="Подтверждён: согласие родителя дано (R21).")
    in_chats: bool | None = Field(..., description="В чате класса (родительском или ученическом); null — у класса "
                                                   "нет такого чата.")
    requested: bool = Field(..., description="В списке только по заявке на вступление, ещё не рассмотренной.")
    connected: bool = Field(..., description="Подключён полностью.")
    missing: list[str] = Field(..., description="Чего не хватает, по-русски.", examples=[["не подтверждён"]])


class TrackerClassOut(Schema):
    model_config = example({
        "class_id": 12, "class_title": "5А",
        "deadline": {"deadline": "2025-12-01", "order_title": "Приказ № 192 от 25.04.2024", "overdue": False},
        "counts": COUNTS_EXAMPLE,
        "rows": [{"person_id": 1001, "full_name": "Иванов Пётр Сергеевич", "role": "student",
                  "role_label": "Обучающийся", "children": [], "registered": True, "joined": True, "confirmed": False, "in_chats": False,
                  "requested": False, "connected": False, "missing": ["не подтверждён", "не в чате класса"]}],
    })

    class_id: int
    class_title: str
    deadline: DeadlineOut | None = None
    counts: CountsOut
    rows: list[RowOut]


class TrackerRowFilters(Schema):
    missing: bool = Field(False, description="Только неподключённые.")
    role: str = Field("", description="student или parent; пусто — все.")
    q: str = Field("", max_length=200, description="Поиск по ФИО (регистр и «ё» не важны).")


def _counts(c: tracker.Counts) -> dict:
    return {"students": c.students, "parents": c.parents, "registered": c.registered, "joined": c.joined,
            "confirmed": c.confirmed, "in_chats": c.in_chats, "connected": c.connected, "missing": c.missing,
            "percent": c.percent}


def _deadline(organisation) -> dict | None:
    row = tracker.deadline_of(organisation)
    if row is None:
        return None
    return {"deadline": row.deadline, "order_title": row.order_title,
            "overdue": tracker.is_overdue(row, organisation)}


def _row(r: tracker.TrackerRow) -> dict:
    return {"person_id": r.person_id, "full_name": r.full_name, "role": r.role, "role_label": r.role_label,
            "children": r.children, "registered": r.registered, "joined": r.joined, "confirmed": r.confirmed,
            "in_chats": r.in_chats, "requested": r.requested, "connected": r.connected, "missing": r.missing}


@router.get("/orgs/{int:org_id}/onboarding", response={200: SummaryOut, **ERRORS}, summary="Подключение классов школы")
def onboarding_summary(request: HttpRequest, org_id: int):
    """R23: по каждому классу — сколько обучающихся и родителей зарегистрированы, в школе, подтверждены, в чатах
    класса, % подключённых и сколько ещё нет; срок по приказу. Классному руководителю — только его класс(ы).
    Область `joining` или `read`."""
    actor = api_actor_any(request, SCOPE_JOINING, SCOPE_READ)
    organisation = access_organisation(actor=actor, organisation_id=org_id, action=Action.VIEW_ONBOARDING)
    classes = tracker.visible_classes(actor=actor, organisation=organisation)
    rows = tracker.rows_for(organisation=organisation, classes=classes)
    summary = [tracker.SummaryRow(c, tracker.counts_of(rows[c.pk])) for c in classes]
    return {
        "organisation_id": organisation.pk, "deadline": _deadline(organisation),
        "classes": [{"class_id": s.school_class.pk, "class_title": s.school_class.title,
                     "class_teacher": s.class_teacher, "counts": _counts(s.counts)} for s in summary],
        "total": _counts(tracker.summary_total(summary)),
    }


@router.get("/orgs/{int:org_id}/onboarding/classes/{int:class_id}", response={200: TrackerClassOut, **ERRORS},
            summary="Подключение класса: обучающиеся и родители")
def onboarding_class(request: HttpRequest, org_id: int, class_id: int, filters: Query[TrackerRowFilters]):
    """R23: каждый обучающийся и родитель класса: зарегистрирован, в школе, подтверждён, в чатах класса.
    Счётчики — по всему классу, строки — с фильтрами. Чужой класс или класс, которым учитель не руководит, — 404.
    Область `joining` или `read`."""
    actor = api_actor_any(request, SCOPE_JOINING, SCOPE_READ)
    organisation = access_organisation(actor=actor, organisation_id=org_id, action=Action.VIEW_ONBOARDING)
    school_class = tracker.access_class(actor=actor, organisation=organisation, class_id=class_id)
    rows = tracker.class_rows(actor=actor, organisation=organisation, school_class=school_class)
    shown = tracker.filter_rows(rows, only_missing=filters.missing, role=filters.role, query=filters.q)
    return {"class_id": school_class.pk, "class_title": school_class.title, "deadline": _deadline(organisation),
            "counts": _counts(tracker.counts_of(rows)), "rows": [_row(r) for r in shown]}
