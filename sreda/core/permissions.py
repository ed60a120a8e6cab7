"""Every permission check in one place, keyed by the active role (R1).

`ALLOWED` is the matrix: action → the roles that may do it. `can()` adds the scope check: a role
acts only inside its organisation, municipality or region. Tests walk the whole matrix.
"""
from __future__ import annotations

from enum import Enum

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from sreda.core.active_role import PLATFORM_OPERATOR, PRIVATE, ActiveRole
from sreda.orgs.models import Organisation
from sreda.people.roles import Role


class Action(str, Enum):
    SEARCH_ORGANISATIONS = "search_organisations"
    MANAGE_REGIONS = "manage_regions"
    MANAGE_ORGANISATIONS = "manage_organisations"
    VIEW_ORGANISATION = "view_organisation"
    VIEW_ROSTER = "view_roster"
    IMPORT_ROSTER = "import_roster"
    VIEW_PERSONAL_DATA = "view_personal_data"
    VIEW_AUDIT = "view_audit"
    MANAGE_TOKENS = "manage_tokens"
    SUBMIT_VERIFICATION = "submit_verification"
    REVIEW_VERIFICATIONS = "review_verifications"
    CONFIRM_MEMBERS = "confirm_members"
    VIEW_CONFIRMATION_REPORTS = "view_confirmation_reports"
    MANAGE_EMPLOYEES = "manage_employees"
    MANAGE_ACCESS_GROUPS = "manage_access_groups"
    VIEW_STATS = "view_stats"
    IMPORT_STATS = "import_stats"
    MANAGE_PUBLIC_LINKS = "manage_public_links"
    MANAGE_SCHEDULE = "manage_schedule"
    VIEW_LIBRARY_ACCESS = "view_library_access"
    MANAGE_CATALOGUE = "manage_catalogue"
    ORDER_COURSES = "order_courses"
    ASSIGN_LESSONS = "assign_lessons"
    VIEW_ASSIGNMENTS = "view_assignments"
    MANAGE_CHATS = "manage_chats"
    CREATE_SUBJECT_CHAT = "create_subject_chat"
    JOIN_SCHOOL = "join_school"
    REVIEW_JOIN_REQUESTS = "review_join_requests"
    INVITE_PARENTS = "invite_parents"
    VIEW_ONBOARDING = "view_onboarding"
    MANAGE_ACKNOWLEDGEMENTS = "manage_acknowledgements"
    ACKNOWLEDGE_DOCUMENTS = "acknowledge_documents"
    APPLY_DPO = "apply_dpo"
    APPROVE_DPO = "approve_dpo"
    MANAGE_DPO = "manage_dpo"
    RUN_YEAR_TRANSITION = "run_year_transition"
    VIEW_EXCHANGE_HEALTH = "view_exchange_health"


STAFF_OF_SCHOOL = {Role.DIRECTOR, Role.ADMINISTRATOR, Role.TEACHER, Role.STAFF}
OVERSIGHT = {PLATFORM_OPERATOR, Role.REGIONAL_OPERATOR, Role.METHODIST}
EVERYONE = {PRIVATE, PLATFORM_OPERATOR, *Role.values}

# action → role keys (Role values, plus "private" and "operator") allowed to do it, within their scope.
ALLOWED: dict[Action, frozenset[str]] = {
    Action.SEARCH_ORGANISATIONS: frozenset(EVERYONE),  # R5: everyone can find a school
    Action.MANAGE_REGIONS: frozenset({PLATFORM_OPERATOR}),
    Action.MANAGE_ORGANISATIONS: frozenset({PLATFORM_OPERATOR, Role.REGIONAL_OPERATOR}),  # R4
    Action.VIEW_ORGANISATION: frozenset(OVERSIGHT | STAFF_OF_SCHOOL),
    Action.VIEW_ROSTER: frozenset(OVERSIGHT | STAFF_OF_SCHOOL),
    Action.IMPORT_ROSTER: frozenset({PLATFORM_OPERATOR, Role.DIRECTOR, Role.ADMINISTRATOR}),
    Action.VIEW_PERSONAL_DATA: frozenset({PLATFORM_OPERATOR, Role.DIRECTOR, Role.ADMINISTRATOR}),
    Action.VIEW_AUDIT: frozenset({PLATFORM_OPERATOR, Role.REGIONAL_OPERATOR}),
    Action.MANAGE_TOKENS: frozenset({PLATFORM_OPERATOR, Role.DIRECTOR, Role.ADMINISTRATOR, Role.METHODIST}),
    Action.SUBMIT_VERIFICATION: frozenset({Role.DIRECTOR}),  # R6: the director confirms their own identity
    Action.REVIEW_VERIFICATIONS: frozenset({PLATFORM_OPERATOR, Role.REGIONAL_OPERATOR}),  # R7
    # R9: only a *confirmed* director; require_confirmed_director() adds that check (R8).
    Action.CONFIRM_MEMBERS: frozenset({Role.DIRECTOR}),
    Action.VIEW_CONFIRMATION_REPORTS: frozenset({PLATFORM_OPERATOR, Role.REGIONAL_OPERATOR}),
    Action.MANAGE_EMPLOYEES: frozenset({PLATFORM_OPERATOR, Role.DIRECTOR, Role.ADMINISTRATOR}),  # R10–R12
    Action.MANAGE_ACCESS_GROUPS: frozenset({PLATFORM_OPERATOR, Role.DIRECTOR, Role.ADMINISTRATOR}),  # R13
    # R31–R35: the indicators of the schools in scope; a school's leaders see their own school's.
    Action.VIEW_STATS: frozenset(OVERSIGHT | {Role.DIRECTOR, Role.ADMINISTRATOR}),
    Action.IMPORT_STATS: frozenset(OVERSIGHT),  # R35: the platform's A–Y export
    Action.MANAGE_PUBLIC_LINKS: frozenset(OVERSIGHT),  # R35: a municipality's public dashboard link
    # R14: the school's schedule and its publication to the library («Выгрузка МояШкола»).
    Action.MANAGE_SCHEDULE: frozenset({PLATFORM_OPERATOR, Role.DIRECTOR, Role.ADMINISTRATOR}),
    # R15: the school-wide report of who may use the library and why not.
    Action.VIEW_LIBRARY_ACCESS: frozenset({PLATFORM_OPERATOR, Role.DIRECTOR, Role.ADMINISTRATOR}),
    Action.MANAGE_CATALOGUE: frozenset({PLATFORM_OPERATOR}),  # R16–R17: items, supported subjects, orders
    Action.ORDER_COURSES: frozenset({Role.DIRECTOR, Role.ADMINISTRATOR, Role.TEACHER}),  # R17 «Заказ»
    # R18: a teacher with library access (R15) assigns to classes they teach; the class's students open.
    Action.ASSIGN_LESSONS: frozenset({Role.TEACHER}),
    Action.VIEW_ASSIGNMENTS: frozenset({Role.STUDENT}),
    # R24–R29: the school's messenger settings, the plan of its chats, syncs and exchange tasks.
    Action.MANAGE_CHATS: frozenset({PLATFORM_OPERATOR, Role.DIRECTOR, Role.ADMINISTRATOR}),
    Action.CREATE_SUBJECT_CHAT: frozenset({Role.TEACHER}),  # R24: a subject chat with a class, on demand
    # R20: a signed-in person, acting as a private person, asks to join any school; no scope applies.
    Action.JOIN_SCHOOL: frozenset({PRIVATE}),
    Action.REVIEW_JOIN_REQUESTS: frozenset({PLATFORM_OPERATOR, Role.DIRECTOR, Role.ADMINISTRATOR}),  # R20, R22
    # R21: parent invitations; a teacher only for the class they lead (checked by the service).
    Action.INVITE_PARENTS: frozenset({PLATFORM_OPERATOR, Role.DIRECTOR, Role.ADMINISTRATOR, Role.TEACHER}),
    # R23: the tracker; a teacher sees the class they lead, the school's leaders every class.
    Action.VIEW_ONBOARDING: frozenset({PLATFORM_OPERATOR, Role.DIRECTOR, Role.ADMINISTRATOR, Role.TEACHER}),
    Action.MANAGE_ACKNOWLEDGEMENTS: frozenset({PLATFORM_OPERATOR, Role.DIRECTOR, Role.ADMINISTRATOR}),  # R23
    Action.ACKNOWLEDGE_DOCUMENTS: frozenset(STAFF_OF_SCHOOL),  # R23: «Ознакомлен(а)»
    # R36–R38: a teacher or staff member applies as «Слушатель»; the director approves (R1: that role
    # only); the regional centre (the regional operator) runs programs and groups and includes in groups.
    Action.APPLY_DPO: frozenset({Role.TEACHER, Role.STAFF}),
    Action.APPROVE_DPO: frozenset({Role.DIRECTOR}),
    Action.MANAGE_DPO: frozenset({PLATFORM_OPERATOR, Role.REGIONAL_OPERATOR}),
    # Issue #10: the school-year transition — the school's administrator or director, or the district for all
    # of its schools; the run records of every import and sync — the school's leaders and the oversight roles.
    Action.RUN_YEAR_TRANSITION: frozenset({PLATFORM_OPERATOR, Role.METHODIST, Role.DIRECTOR, Role.ADMINISTRATOR}),
    Action.VIEW_EXCHANGE_HEALTH: frozenset(OVERSIGHT | {Role.DIRECTOR, Role.ADMINISTRATOR}),
}

# Actions that are not about one organisation: the role alone decides.
UNSCOPED = {Action.SEARCH_ORGANISATIONS, Action.JOIN_SCHOOL}

DENIED_MESSAGE = {
    Action.MANAGE_REGIONS: "Регионы ведёт оператор платформы.",
    Action.MANAGE_ORGANISATIONS: "Организации региона ведёт оператор региона.",
    Action.IMPORT_ROSTER: "Импорт контингента доступен администратору ОО и руководителю ОО. Смените роль.",
    Action.VIEW_ROSTER: "Состав школы видят сотрудники этой школы. Смените роль.",
    Action.VIEW_PERSONAL_DATA: "Персональные данные видят руководитель и администратор ОО.",
    Action.MANAGE_TOKENS: "Токены выпускают администратор ОО, руководитель ОО и методист района.",
    Action.SUBMIT_VERIFICATION: "Подтвердить личность руководителя может только сам руководитель ОО.",
    Action.REVIEW_VERIFICATIONS: "Заявки руководителей рассматривает оператор региона.",
    Action.CONFIRM_MEMBERS: "Подтверждать педагогов и обучающихся может руководитель ОО. Смените роль.",
    Action.VIEW_CONFIRMATION_REPORTS: "Отчёты школ о подтверждении получает оператор региона.",
    Action.MANAGE_EMPLOYEES: "Сотрудников приглашают и редактируют руководитель и администратор ОО.",
    Action.MANAGE_ACCESS_GROUPS: "Группами доступа управляют руководитель и администратор ОО.",
    Action.VIEW_STATS: "Показатели видят методист района, оператор региона и руководство школы.",
    Action.IMPORT_STATS: "Выгрузку статистики платформы загружают методист района и оператор региона.",
    Action.MANAGE_PUBLIC_LINKS: "Публичные ссылки на показатели выпускают методист района и оператор региона.",
    Action.MANAGE_SCHEDULE: "Расписание ведут администратор и руководитель ОО.",
    Action.VIEW_LIBRARY_ACCESS: "Отчёт о доступе к библиотеке видят администратор и руководитель ОО.",
    Action.MANAGE_CATALOGUE: "Каталог библиотеки ведёт оператор платформы.",
    Action.ORDER_COURSES: "Заказывать курсы для школы могут руководитель, администратор и учителя ОО.",
    Action.ASSIGN_LESSONS: "Назначать уроки классам может учитель. Смените роль на «Учитель».",
    Action.VIEW_ASSIGNMENTS: "Назначенные уроки видят обучающиеся класса.",
    Action.MANAGE_CHATS: "Чатами школы в мессенджере управляют руководитель и администратор ОО.",
    Action.CREATE_SUBJECT_CHAT: "Предметный чат с классом создаёт учитель. Смените роль на «Учитель».",
    Action.JOIN_SCHOOL: "Заявку на вступление в школу подают как частное лицо. Смените роль на «Частное лицо».",
    Action.REVIEW_JOIN_REQUESTS: "Заявки на вступление рассматривают администратор и руководитель ОО.",
    Action.INVITE_PARENTS: "Приглашения родителям выдают администратор, руководитель ОО и классный руководитель.",
    Action.VIEW_ONBOARDING: "Подключение класса видят классный руководитель, администратор и руководитель ОО.",
    Action.MANAGE_ACKNOWLEDGEMENTS: "Документы на ознакомление публикуют администратор и руководитель ОО.",
    Action.ACKNOWLEDGE_DOCUMENTS: "Документы школы на ознакомление получают её сотрудники.",
    Action.APPLY_DPO: "Заявку на обучение подаёт педагог в роли «Слушатель» (учитель или сотрудник ОО). Смените роль.",
    Action.APPROVE_DPO: (
        "Подтверждать заявки может только роль «Руководитель ОО». Нажмите на своё имя в правом верхнем углу, "
        "выберите «Сменить роль» и роль «Руководитель ОО»."
    ),
    Action.MANAGE_DPO: "Программами, группами и зачислением в группы ДПО управляет центр (оператор региона).",
    Action.RUN_YEAR_TRANSITION: "Переход на новый учебный год выполняют администратор и руководитель ОО или методист района.",
    Action.VIEW_EXCHANGE_HEALTH: "Журнал обмена видят руководство школы, методист района и оператор региона.",
}

UNCONFIRMED_DIRECTOR = (
    "Функции «Педагогические работники и обучающиеся» откроются, когда оператор региона подтвердит "
    "руководителя: сначала подтвердите личность (шаг 1), затем дождитесь решения (шаг 2)."
)


def role_key(active: ActiveRole | None) -> str | None:
    if active is None:
        return None
    if active.membership is not None:
        return active.membership.role
    return active.key


def organisations_in_scope(active: ActiveRole) -> QuerySet[Organisation]:
    """Organisations the active role can see at all: everything for the operator, own scope otherwise."""
    qs = Organisation.objects.all()
    if active.is_platform_operator:
        return qs
    if active.membership is None:
        return qs.none()
    if active.region_id:
        return qs.filter(municipality__region_id=active.region_id)
    if active.municipality_id:
        return qs.filter(municipality_id=active.municipality_id)
    return qs.filter(pk=active.organisation_id)


def in_scope(active: ActiveRole, organisation: Organisation | None) -> bool:
    if organisation is None or active.is_platform_operator:
        return True
    if active.membership is None:
        return False
    if active.region_id:
        return organisation.municipality.region_id == active.region_id
    if active.municipality_id:
        return organisation.municipality_id == active.municipality_id
    return organisation.pk == active.organisation_id


def can(active: ActiveRole | None, action: Action, organisation: Organisation | None = None) -> bool:
    """May the active role do `action` (to something of `organisation`, when given)?"""
    key = role_key(active)
    if key is None or key not in ALLOWED[action]:
        return False
    if action in UNSCOPED:
        return True
    return in_scope(active, organisation)


def require(active: ActiveRole | None, action: Action, organisation: Organisation | None = None) -> None:
    """Raise PermissionDenied with a Russian explanation unless `can()`."""
    if not can(active, action, organisation):
        if active is not None and role_key(active) in ALLOWED[action]:
            raise PermissionDenied("Эта организация вне области вашей роли.")
        raise PermissionDenied(DENIED_MESSAGE.get(action, "Недостаточно прав для этого действия в текущей роли."))


def require_confirmed_director(active: ActiveRole | None, organisation: Organisation | None = None) -> None:
    """R8/R9: confirming teachers and students needs the director role *and* a confirmed director."""
    require(active, Action.CONFIRM_MEMBERS, organisation)
    if active.membership is None or not active.membership.is_confirmed:
        raise PermissionDenied(UNCONFIRMED_DIRECTOR)
