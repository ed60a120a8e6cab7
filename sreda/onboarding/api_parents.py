"""API of parent confirmation (R21): issue a parent invitation (returns the link), list, accept and reject
the parents' corrections of children's data. Scope `joining`; the same services as the pages.

Opening the link is not here: the parent opens it in a browser, signed in.
"""

from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_JOINING
from sreda.api.schemas import ERRORS, ErrorOut, Pagination, example
from sreda.core.permissions import Action
from sreda.onboarding import parents
from sreda.onboarding.api_joining import conflict_if_decided
from sreda.orgs.models import SchoolClass
from sreda.orgs.selectors import access_organisation
from sreda.people.models import Person

router = Router(tags=["Приглашения родителей"])
CONFLICT = {409: ErrorOut}


class ParentInvitationIn(Schema):
    class_id: int = Field(..., description="Класс ученика.", examples=[12])
    student_id: int = Field(..., description="Ученик (человек), уже вступивший в школу.", examples=[1001])


class ParentInvitationOut(Schema):
    model_config = example({
        "id": 9, "student_id": 1001, "class_id": 12,
        "link": "https://sreda.example/join/parent/9f2c1a7e4b/", "qr_png": "/onboarding/parent-invitations/9/qr.png",
        "qr_svg": "/onboarding/parent-invitations/9/qr.svg", "expires_at": "2025-12-20T07:15:00Z",
    })

    id: int
    student_id: int
    class_id: int
    link: str = Field(..., description="Ссылка для родителя: действует один раз и только для этого ребёнка. "
                                       "Показывается только здесь.")
    qr_png: str = Field(..., description="Адрес QR-кода (PNG) на сайте, для сотрудников школы.")
    qr_svg: str = Field(..., description="Адрес QR-кода (SVG).")
    expires_at: datetime


class ChildCorrectionOut(Schema):
    model_config = example({
        "id": 5, "child_id": 1001, "child_full_name": "Иванов Пётр Сергеевич",
        "parent_full_name": "Иванова Ольга Николаевна",
        "changes": {"name": {"old": "Петр", "new": "Пётр"}, "birth_date": {"old": "2014-03-09", "new": "2014-03-08"}},
        "status": "accepted", "status_label": "Принято", "reject_reason": "",
        "created_at": "2025-11-20T07:15:00Z", "decided_at": "2025-11-21T09:02:00Z",
    })

    id: int
    child_id: int
    child_full_name: str
    parent_full_name: str
    changes: dict = Field(..., description="{поле: {old, new}} — фамилия, имя, отчество, дата рождения, пол.")
    status: str = Field(..., description="pending, accepted, rejected.")
    status_label: str
    reject_reason: str
    created_at: datetime
    decided_at: datetime | None = None

    @staticmethod
    def resolve_child_full_name(obj) -> str:
        return obj.child.full_name

    @staticmethod
    def resolve_parent_full_name(obj) -> str:
        return obj.parent.full_name

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()


class ChildCorrectionFilters(Schema):
    status: str | None = Field("pending", description="pending (по умолчанию), accepted, rejected; all — все.")


class ChildCorrectionRejectIn(Schema):
    model_config = example({
        "reason": "Дата рождения совпадает со свидетельством о рождении, исправление не нужно.",
    })

    reason: str = Field(..., max_length=1000)


@router.post("/orgs/{int:org_id}/parent-invitations", response={201: ParentInvitationOut, **ERRORS},
             summary="Выдать приглашение родителю")
def invitation_issue(request: HttpRequest, org_id: int, payload: ParentInvitationIn):
    """R21: ссылка для родителя вступившего ученика. Выдают администратор, руководитель ОО, классный
    руководитель — для своего класса. Прежняя ссылка этого ребёнка перестаёт действовать. Область `joining`."""
    from django.conf import settings
    from django.urls import reverse

    actor = api_actor(request, SCOPE_JOINING)
    organisation = access_organisation(actor=actor, organisation_id=org_id, action=Action.INVITE_PARENTS)
    school_class = SchoolClass.objects.filter(pk=payload.class_id, organisation=organisation).first()
    if school_class is None:
        raise Http404("Класс не найден в этой школе.")
    school_class = parents.access_class_for_invites(actor=actor, class_id=school_class.pk)
    student = Person.objects.filter(pk=payload.student_id).first()
    if student is None:
        raise Http404("Ученик не найден.")
    issued = parents.parent_invitation_issue(actor=actor, student=student, school_class=school_class)
    qr = lambda fmt: settings.SITE_URL + reverse("onboarding:parent_invitation_qr", args=[issued.token, fmt])
    inv = issued.invitation
    return Status(201, {"id": inv.pk, "student_id": inv.student_id, "class_id": inv.school_class_id,
                        "link": issued.link, "qr_png": qr("png"), "qr_svg": qr("svg"), "expires_at": inv.expires_at})


@router.get("/orgs/{int:org_id}/child-corrections", response={200: list[ChildCorrectionOut], **ERRORS},
            summary="Исправления данных детей")
@paginate(Pagination)
def corrections(request: HttpRequest, org_id: int, filters: Query[ChildCorrectionFilters]):
    """R21: исправления, которые родители внесли при подтверждении. Область `joining`."""
    actor = api_actor(request, SCOPE_JOINING)
    organisation = access_organisation(actor=actor, organisation_id=org_id, action=Action.REVIEW_JOIN_REQUESTS)
    status = filters.status if filters.status != "all" else None
    return parents.correction_list(actor=actor, organisation=organisation, status=status)


@router.post("/child-corrections/{int:correction_id}/accept", response={200: ChildCorrectionOut, **CONFLICT, **ERRORS},
             summary="Принять исправление")
def correction_accept(request: HttpRequest, correction_id: int):
    """R21: новые значения записываются в данные ребёнка. Уже рассмотренное — 409. Область `joining`."""
    actor = api_actor(request, SCOPE_JOINING)
    row = parents.access_correction(actor=actor, correction_id=correction_id)
    return conflict_if_decided(lambda: parents.correction_accept(actor=actor, correction=row))


@router.post("/child-corrections/{int:correction_id}/reject", response={200: ChildCorrectionOut, **CONFLICT, **ERRORS},
             summary="Отклонить исправление")
def correction_reject(request: HttpRequest, correction_id: int, payload: ChildCorrectionRejectIn):
    actor = api_actor(request, SCOPE_JOINING)
    row = parents.access_correction(actor=actor, correction_id=correction_id)
    return conflict_if_decided(lambda: parents.correction_reject(actor=actor, correction=row, reason=payload.reason))
