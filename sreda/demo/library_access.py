"""The demo's library access (R15): the demo teacher (account «teacher») is in «Педагоги. Доступ к УБ ЦОК» of
their school with a confirmed teacher role, so they get in once the demo schedule is published; every other
teacher of that school stays out of the group, so «Доступ к библиотеке» shows refusals too. Idempotent."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from sreda.access.models import AccessGroup
from sreda.access.selectors import UB_TSOK_GROUP_CODE, is_in_access_group
from sreda.access.services import group_members_add
from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.people.models import Confirmation, Membership, User
from sreda.people.roles import Role

DEMO_TEACHER = "teacher"


@transaction.atomic
def ensure(actor: ActiveRole) -> str | None:
    """Put the demo teacher into the group and confirm their teacher role; None when nothing had to change
    (or there is no demo teacher or group yet)."""
    user = User.objects.select_related("person").filter(username=DEMO_TEACHER, person__isnull=False).first()
    group = AccessGroup.objects.select_related("system").filter(code=UB_TSOK_GROUP_CODE).first()
    if user is None or group is None:
        return None
    person = user.person
    membership = (Membership.objects.active().filter(person=person, role=Role.TEACHER, organisation__isnull=False)
                  .select_related("organisation").order_by("pk").first())
    if membership is None:
        return None
    school = membership.organisation
    done = []
    if membership.confirmation != Confirmation.CONFIRMED:
        membership.confirmation, membership.confirmed_at = Confirmation.CONFIRMED, timezone.now()
        membership.save(update_fields=["confirmation", "confirmed_at"])
        audit(actor=actor, action="demo.library_teacher_confirm", obj=membership, organisation=school)
        done.append("роль учителя подтверждена")
    if not is_in_access_group(person=person, organisation=school):
        group_members_add(actor=actor, group=group, person_ids=[person.pk], organisation=school)
        done.append("добавлен в «Педагоги. Доступ к УБ ЦОК»")
    if not done:
        return None
    return f"Библиотека: демо-учитель {person.short_name} ({school.short_name}) — {', '.join(done)}."
