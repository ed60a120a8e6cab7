"""Избранное and Заказ (R17): a person's saved lessons; courses ordered for a school and the operator's decision.

Order statuses move only along `TRANSITIONS` (from → to → who); `order_transition` applies one, under a row
lock, with an audit entry, and refuses anything else with a Russian message. One open order (requested or
approved) per course and school, guarded by the database constraint `order_open_once` as well.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, can, organisations_in_scope, require
from sreda.library.models import CatalogueItem, Course, CourseOrder, Favourite, OrderStatus
from sreda.orgs.models import Organisation
from sreda.people.models import Person

ORDER_NOT_FOUND = "Заказ не найден."
OPEN_STATUSES = (OrderStatus.REQUESTED, OrderStatus.APPROVED)
OPERATOR = "operator"  # decides: MANAGE_CATALOGUE
ORDERER = "orderer"  # the person who sent the request

# (from, to) → who may move an order that way.
TRANSITIONS: dict[tuple[str, str], str] = {
    (OrderStatus.REQUESTED, OrderStatus.APPROVED): OPERATOR,
    (OrderStatus.REQUESTED, OrderStatus.REJECTED): OPERATOR,
    (OrderStatus.REQUESTED, OrderStatus.CANCELLED): ORDERER,
}


# --- favourites ---------------------------------------------------------------------------------------------

def favourites_of(*, person: Person) -> QuerySet[Favourite]:
    return Favourite.objects.filter(person=person).select_related("item__course", "item__subject")


def favourite_ids(*, person: Person | None, item_ids) -> set[int]:
    """Which of these items the person has saved (one query for a page of results)."""
    if person is None:
        return set()
    return set(Favourite.objects.filter(person=person, item_id__in=list(item_ids)).values_list("item_id", flat=True))


def favourite_set(*, person: Person, item: CatalogueItem, on: bool) -> bool:
    """Add the lesson to the person's favourites or take it off; repeating changes nothing. Returns `on`."""
    if on:
        try:
            with transaction.atomic():
                Favourite.objects.get_or_create(person=person, item=item)
        except IntegrityError:  # a second click raced the first: it is there, which is what was asked
            pass
    else:
        Favourite.objects.filter(person=person, item=item).delete()
    return on


def favourite_toggle(*, person: Person, item: CatalogueItem) -> bool:
    """«В избранное» / «Убрать из избранного»: returns whether it is a favourite now."""
    exists = Favourite.objects.filter(person=person, item=item).exists()
    return favourite_set(person=person, item=item, on=not exists)


# --- orders ------------------------------------------------------------------------------------------------

def orders_for(*, actor: ActiveRole, organisation: Organisation) -> QuerySet[CourseOrder]:
    """A school's orders, newest first: its director, administrator and teachers see them."""
    require(actor, Action.ORDER_COURSES, organisation)
    return CourseOrder.objects.filter(organisation=organisation).select_related("course__subject", "ordered_by")


def orders_queue(*, actor: ActiveRole, status: str | None = None) -> QuerySet[CourseOrder]:
    """The operator's list of every school's orders (by default the ones waiting for a decision first)."""
    require(actor, Action.MANAGE_CATALOGUE)
    orders = CourseOrder.objects.select_related("course__subject", "organisation", "ordered_by")
    if status in OrderStatus.values:
        orders = orders.filter(status=status)
    return orders


def access_order(*, actor: ActiveRole, order_id: int) -> CourseOrder:
    """An order the active role may see: the operator any, a school's staff their school's; else 404."""
    order = CourseOrder.objects.select_related("course__subject", "organisation__municipality").filter(
        pk=order_id).first()
    if order is None:
        raise Http404(ORDER_NOT_FOUND)
    if can(actor, Action.MANAGE_CATALOGUE):
        return order
    if not can(actor, Action.ORDER_COURSES, order.organisation):
        raise Http404(ORDER_NOT_FOUND)
    return order


@transaction.atomic
def order_create(*, actor: ActiveRole, organisation: Organisation, course: Course, comment: str = "") -> CourseOrder:
    """Order a course for the school (R17 «Заказ»); a second open order of the same course is refused."""
    require(actor, Action.ORDER_COURSES, organisation)
    if not organisations_in_scope(actor).filter(pk=organisation.pk).exists():
        raise PermissionDenied("Эта организация вне области вашей роли.")
    existing = CourseOrder.objects.filter(organisation=organisation, course=course, status__in=OPEN_STATUSES).first()
    if existing is not None:
        raise ValidationError(f"Курс «{course.title}» уже заказан для школы: {existing.get_status_display().lower()}.")
    try:
        with transaction.atomic():
            order = CourseOrder.objects.create(organisation=organisation, course=course, ordered_by=actor.person,
                                               comment=(comment or "").strip()[:500])
    except IntegrityError:
        raise ValidationError(f"Курс «{course.title}» уже заказан для школы.") from None
    audit(actor=actor, action="library.order.create", obj=order, organisation=organisation,
          details={"course": course.pk})
    return order


def _may(actor: ActiveRole, who: str, order: CourseOrder) -> bool:
    if who == OPERATOR:
        return can(actor, Action.MANAGE_CATALOGUE)
    person = actor.person
    return (person is not None and order.ordered_by_id == person.pk
            and can(actor, Action.ORDER_COURSES, order.organisation))


@transaction.atomic
def order_transition(*, actor: ActiveRole, order_id: int, to: str, comment: str = "") -> CourseOrder:
    """Move an order to `to` if TRANSITIONS allows it for the active role; writes the decision and audit."""
    order = access_order(actor=actor, order_id=order_id)
    order = CourseOrder.objects.select_for_update().select_related("course", "organisation").get(pk=order.pk)
    who = TRANSITIONS.get((order.status, to))
    if who is None:
        raise ValidationError(f"Заказ в статусе «{order.get_status_display()}» нельзя перевести в "
                              f"«{OrderStatus(to).label if to in OrderStatus.values else to}».")
    if not _may(actor, who, order):
        raise PermissionDenied("Решение по заказу принимает оператор платформы." if who == OPERATOR
                               else "Отменить заявку может тот, кто её отправил.")
    comment = (comment or "").strip()[:500]
    if to == OrderStatus.REJECTED and not comment:
        raise ValidationError("Напишите причину отказа: её увидит школа.")
    before = order.status
    order.status = to
    if comment:
        order.comment = comment
    order.decided_at = timezone.now()
    order.save(update_fields=["status", "comment", "decided_at"])
    audit(actor=actor, action=f"library.order.{to}", obj=order, organisation=order.organisation,
          details={"from": before, "to": to, "comment": comment})
    return order
