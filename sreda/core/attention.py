"""«Требует внимания» on the home page: what the active role should do next, each with a link.

The director learns here why the teachers-and-students functions are missing (R8) and that a report is
owed (R9); the administrator sees invitations waiting or expired (R10–R11); the regional operator sees
the verification queue and the schools that owe a report (R7, R9). Each item costs one query at most.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.formats import date_format

from sreda.core.active_role import ActiveRole
from sreda.core.permissions import Action, can
from sreda.core.text import plural


@dataclass(frozen=True)
class Attention:
    text: str
    url: str
    urgent: bool = False


def attention_items(active: ActiveRole | None) -> list[Attention]:
    if active is None:
        return []
    items: list[Attention] = []
    organisation = active.organisation
    if organisation is not None and can(active, Action.SUBMIT_VERIFICATION, organisation):
        items += _director(active)
    if organisation is not None and can(active, Action.MANAGE_EMPLOYEES, organisation):
        items += _invitations(active)
    if can(active, Action.REVIEW_VERIFICATIONS):
        items += _operator(active)
    if organisation is not None and can(active, Action.ACKNOWLEDGE_DOCUMENTS, organisation):
        from sreda.onboarding.acknowledgements import attention as documents_waiting  # R23

        items += documents_waiting(active)
    from sreda.onboarding.joining import attention as join_requests_waiting  # R20–R22

    items += join_requests_waiting(active)
    from sreda.roster.hold import attention as held_roster_imports  # issue 10: the sync hold

    items += held_roster_imports(active)
    from sreda.dpo.attention import attention as dpo_notices  # R37: applications waiting, notices to applicants

    items += dpo_notices(active)
    return items


def _director(active: ActiveRole) -> list[Attention]:
    from sreda.people.confirmation import member_status_counts, report_owed
    from sreda.people.models import Confirmation
    from sreda.people.verification import own_verifications

    if not active.membership.is_confirmed:
        current = own_verifications(actor=active).first()
        if current is not None and current.status == "submitted":
            text = (f"Заявка на подтверждение руководителя у оператора региона; срок рассмотрения — "
                    f"{date_format(current.due_date, 'DATE_FORMAT')}. До решения функции «Педагогические "
                    "работники и обучающиеся» недоступны (R8).")
            return [Attention(text, reverse("people:verification"))]
        text = ("Подтвердите личность руководителя: без этого недоступны функции «Педагогические работники "
                "и обучающиеся» (R8).")
        if current is not None and current.status == "rejected":
            text = f"Заявка на подтверждение отклонена: {current.reject_reason} Отправьте новую."
        return [Attention(text, reverse("people:verification"), urgent=True)]
    items = []
    owed = report_owed(actor=active, organisation=active.organisation)
    if owed.owed:
        items.append(Attention(
            f"Отчёт не отправлен: {owed.decisions_label} с {date_format(owed.since, 'DATE_FORMAT')}. "
            "Нажмите «Отправить отчет».", reverse("people:confirmation"), urgent=True))
    pending = member_status_counts(actor=active, organisation=active.organisation).get(Confirmation.PENDING, 0)
    if pending:
        items.append(Attention(f"Ждут подтверждения педагоги и обучающиеся: {pending}.",
                               reverse("people:confirmation")))
    return items


def _invitations(active: ActiveRole) -> list[Attention]:
    from sreda.onboarding.selectors import invitation_counts

    counts = invitation_counts(actor=active, organisation=active.organisation)
    url = reverse("onboarding:invitations")
    items = []
    if counts.get("pending"):
        n = counts["pending"]
        items.append(Attention(f"Приглашения ждут ответа: {n}.", f"{url}?state=pending"))
    if counts.get("expired"):
        n = counts["expired"]
        items.append(Attention(
            f"{plural(n, 'Истекло', 'Истекли', 'Истекли')} {n} {plural(n, 'приглашение', 'приглашения', 'приглашений')}: "
            "отправьте повторно, если сотрудник ещё нужен.", f"{url}?state=expired"))
    return items


def _operator(active: ActiveRole) -> list[Attention]:
    from sreda.people.confirmation import Owes, school_overview
    from sreda.people.verification import verification_counts

    items = []
    counts = verification_counts(actor=active)
    if counts["submitted"]:
        text = f"Заявок руководителей на рассмотрении: {counts['submitted']}"
        if counts["overdue"]:
            text += f", из них просрочено: {counts['overdue']}"
        items.append(Attention(text + ".", reverse("people:verification_queue"), urgent=bool(counts["overdue"])))
    if can(active, Action.VIEW_CONFIRMATION_REPORTS):
        owing = school_overview(actor=active, owes=Owes.YES).count()
        if owing:
            items.append(Attention(f"Школ, которые должны отправить отчёт о подтверждении: {owing}.",
                                   reverse("people:confirmation_reports") + "?owes=yes"))
    return items
