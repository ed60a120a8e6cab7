"""«Требует внимания» items of «Организация ДПО» (to be added to core/attention.attention_items): the
applicant's unread notices, the director's unprocessed applications, the centre's queue. One query each."""
from __future__ import annotations

from django.urls import reverse

from sreda.core.active_role import ActiveRole
from sreda.core.attention import Attention
from sreda.core.permissions import Action, can
from sreda.core.text import plural
from sreda.dpo.models import Application
from sreda.dpo.selectors import unread_notices
from sreda.dpo.statuses import Status


def attention(active: ActiveRole | None) -> list[Attention]:
    if active is None:
        return []
    items: list[Attention] = []
    organisation = active.organisation
    if organisation is not None and can(active, Action.APPLY_DPO, organisation):
        n = unread_notices(actor=active).count()
        if n:
            items.append(Attention(f"Обучение ДПО: {n} {plural(n, 'новое уведомление', 'новых уведомления', 'новых уведомлений')} "
                                   "о ваших заявках.", reverse("dpo:my")))
    if organisation is not None and can(active, Action.APPROVE_DPO, organisation):
        n = Application.objects.filter(organisation=organisation, status=Status.NEW).count()
        if n:
            items.append(Attention(f"Заявки ДПО: {n} {plural(n, 'заявка ждёт', 'заявки ждут', 'заявок ждут')} решения "
                                   "руководителя («Не обработана»).", reverse("dpo:applications") + "?status=new"))
    if can(active, Action.MANAGE_DPO):
        qs = Application.objects.filter(status=Status.APPROVED)
        if not active.is_platform_operator:
            qs = qs.filter(organisation__municipality__region_id=active.region_id)
        n = qs.count()
        if n:
            items.append(Attention(f"Центр ДПО: {n} {plural(n, 'заявка ждёт', 'заявки ждут', 'заявок ждут')} включения в группу.",
                                   reverse("dpo:centre")))
    return items
