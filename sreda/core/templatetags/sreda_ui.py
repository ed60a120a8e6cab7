"""Shared UI parts: the role-aware menu, pagination summary, masked identifiers."""
from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.formats import number_format

from sreda.core.identifiers import format_phone, format_snils, mask_snils
from sreda.core.permissions import Action, can
from sreda.people.roles import SCHOOL_STAFF_ROLES, Role

register = template.Library()


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str
    active: bool


def menu_items(request) -> list[MenuItem]:
    """The navigation for the active role: only links the role can use (R1)."""
    active = getattr(request, "active_role", None)
    user = getattr(request, "user", None)
    if active is None or user is None or not user.is_authenticated:
        return []
    organisation = active.organisation
    entries: list[tuple[str, str]] = [("Главная", reverse("home"))]
    if can(active, Action.SEARCH_ORGANISATIONS):
        entries.append(("Организации", reverse("orgs:search")))
    if organisation is not None and can(active, Action.VIEW_ROSTER, organisation):
        entries.append(("Классы", reverse("orgs:classes", args=[organisation.pk])))
        entries.append(("Люди", reverse("orgs:people", args=[organisation.pk])))
    membership = active.membership
    if organisation is not None and can(active, Action.CONFIRM_MEMBERS, organisation):
        # R8: until the director is confirmed the function is absent; its place shows the way to confirmation.
        if membership.is_confirmed:
            _add(entries, "Педагоги и обучающиеся", "people:confirmation")  # R9
        else:
            _add(entries, "Подтверждение руководителя", "people:verification")  # R6–R7
    if organisation is not None and can(active, Action.MANAGE_EMPLOYEES, organisation):
        _add(entries, "Сотрудники", "people:employees")  # R12
        _add(entries, "Приглашения", "onboarding:invitations")  # R10–R11
    if organisation is not None and can(active, Action.MANAGE_ACCESS_GROUPS, organisation):
        _add(entries, "Группы доступа", "access:groups")  # R13
    if can(active, Action.IMPORT_ROSTER, organisation):
        _add(entries, "Импорт контингента", "roster:upload")
    if can(active, Action.RUN_YEAR_TRANSITION, organisation):  # issue #10: the school year's step
        if organisation is not None:
            _add(entries, "Новый учебный год", "orgs:year_transition")
        else:
            _add(entries, "Новый учебный год в районе", "orgs:year_transition_district")
    if can(active, Action.VIEW_EXCHANGE_HEALTH, organisation):  # issue #10: exchange health
        if organisation is not None:
            _add(entries, "Журнал обмена", "exchange:runs")
        else:
            _add(entries, "Состояние обмена", "exchange:health")
    if can(active, Action.REVIEW_VERIFICATIONS):
        _add(entries, "Заявки руководителей", "people:verification_queue")  # R7
    if can(active, Action.VIEW_CONFIRMATION_REPORTS):
        _add(entries, "Отчёты школ", "people:confirmation_reports")  # R9
    if can(active, Action.VIEW_STATS, organisation):
        _add(entries, "Показатели", "stats:dashboard")  # R31–R35
        _add(entries, "Таблица A–Y", "stats:table")  # R31
    if can(active, Action.IMPORT_STATS):
        _add(entries, "Загрузка статистики", "stats:import")  # R35
    if can(active, Action.MANAGE_PUBLIC_LINKS):
        _add(entries, "Публичные ссылки", "stats:public_links")  # R35
    if active.is_private or (organisation is not None and membership.role in (*SCHOOL_STAFF_ROLES, Role.STUDENT)):
        _add(entries, "Библиотека", "library:home")  # R15–R18: a refusal is explained there
    if organisation is not None and can(active, Action.MANAGE_SCHEDULE, organisation):
        _add(entries, "Расписание", "library:schedule")  # R14
    if organisation is not None and can(active, Action.VIEW_LIBRARY_ACCESS, organisation):
        _add(entries, "Доступ к библиотеке", "library:access_report")  # R15
    if can(active, Action.MANAGE_CATALOGUE):
        _add(entries, "Каталог библиотеки", "library:catalogue_manage")  # R16–R17
    if can(active, Action.VIEW_STATS, organisation):
        _add(entries, "Показатели библиотеки", "library:indicators")  # R19
    if organisation is not None and can(active, Action.MANAGE_CHATS, organisation):
        _add(entries, "Чаты", "chats:plan")  # R24–R29
        _add(entries, "Задачи обмена", "chats:tasks")  # R29
    if organisation is not None and can(active, Action.CREATE_SUBJECT_CHAT, organisation):
        _add(entries, "Предметные чаты", "chats:subject_list")  # R24
    if can(active, Action.JOIN_SCHOOL):
        _add(entries, "Моя школа", "onboarding:join")  # R20, R22: requests to join a school
    if organisation is not None and can(active, Action.REVIEW_JOIN_REQUESTS, organisation):
        _add(entries, "Заявки на вступление", "onboarding:join_requests")  # R20–R22
        _add(entries, "Исправления данных детей", "onboarding:parent_corrections")  # R21
    if organisation is not None and can(active, Action.INVITE_PARENTS, organisation):
        _add(entries, "Приглашения родителям", "onboarding:parent_invitations")  # R21
    if organisation is not None and can(active, Action.VIEW_ONBOARDING, organisation):
        _add(entries, "Подключение классов", "onboarding:tracker")  # R21, R23
    if organisation is not None and can(active, Action.MANAGE_ACKNOWLEDGEMENTS, organisation):
        _add(entries, "Ознакомление с документами", "onboarding:documents")  # R23
    if organisation is not None and can(active, Action.ACKNOWLEDGE_DOCUMENTS, organisation):
        _add(entries, "Документы школы", "onboarding:my_documents")  # R23
    if organisation is not None and can(active, Action.APPLY_DPO, organisation):
        _add(entries, "Программы ДПО", "dpo:groups")  # R36
        _add(entries, "Моё обучение", "dpo:my")  # R37
    if organisation is not None and can(active, Action.APPROVE_DPO, organisation):
        _add(entries, "Заявки ДПО", "dpo:applications")  # R38
    if can(active, Action.MANAGE_DPO):
        _add(entries, "Центр ДПО", "dpo:centre")  # R36–R37
    if getattr(user, "person_id", None):
        _add(entries, "Мессенджер", "chats:link")  # R27: link one's own messenger account
    if can(active, Action.MANAGE_TOKENS, organisation) and (organisation is not None or active.municipality_id
                                                            or active.is_platform_operator):
        _add(entries, "API-токены", "tokens:list")  # R29
    if can(active, Action.MANAGE_ORGANISATIONS):
        entries.append(("Регионы и муниципалитеты", reverse("orgs:regions")))
    if user.is_superuser:
        entries.append(("Администрирование", reverse("admin:index")))
    # The most specific link that the current page lies under is highlighted.
    path = request.path
    matching = [url for _, url in entries if path == url or (url != "/" and path.startswith(url))]
    current = max(matching, key=len, default=None)
    return [MenuItem(label, url, url == current) for label, url in entries]


def _add(entries: list[tuple[str, str]], label: str, url_name: str) -> None:
    try:
        entries.append((label, reverse(url_name)))
    except NoReverseMatch:  # a part whose pages are not installed adds no link
        pass


@register.inclusion_tag("core/_menu.html", takes_context=True)
def main_menu(context):
    request = context.get("request")
    return {"items": menu_items(request) if request is not None else []}


@register.simple_tag
def page_summary(page) -> str:
    """«Показано 1–25 из 312» (numbers with the Russian thousands separator)."""
    total = page.paginator.count
    if total == 0:
        return "Ничего не найдено"
    start, end = page.start_index(), page.end_index()
    return f"Показано {number_format(start, force_grouping=True)}–{number_format(end, force_grouping=True)} из {number_format(total, force_grouping=True)}"


@register.filter
def snils_masked(value: str | None) -> str:
    return mask_snils(value) if value else "—"


@register.filter
def snils_full(value: str | None) -> str:
    return format_snils(value) if value else "—"


@register.filter
def phone(value: str | None) -> str:
    return format_phone(value) if value else "—"
