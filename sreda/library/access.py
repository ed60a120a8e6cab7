"""Who may use the library, and why not (R15).

`library_access_for(person, active, course=None)` answers for one person on every request (nothing is
cached: «каждое обновление делает новый запрос»). It gathers the facts in a handful of queries and hands
them to `decide`, a pure function that lists every failing condition in the order of R15:

1. `account_not_confirmed`  — the school has not confirmed the person's role (R9);
2. `private_person_role`    — the active role is not an employee of a school (R1);
3. `not_in_access_group`    — not in «Педагоги. Доступ к УБ ЦОК» of that school (R13);
4. `not_a_teacher`          — not recognised as a teacher of that school;
5. `no_lessons_in_schedule` — no lesson of theirs published in the schedule within a reporting period (R14);
6. `subject_not_supported`  — for a course: its subject is not one they teach, or not supported (R16).

The school is the active role's school when it is a school role, otherwise the person's first school where
they are a teacher (so a teacher signed in as a private person still learns what else to fix).
School-wide reports gather the same `Facts` for many people at once and call the same `decide`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import timezone

from sreda.access.models import AccessGroupMember
from sreda.access.selectors import UB_TSOK_GROUP_CODE
from sreda.core.active_role import ActiveRole
from sreda.orgs.models import Organisation, ReportingPeriod, Subject
from sreda.people.models import Confirmation, Membership, Person
from sreda.people.roles import SCHOOL_STAFF_ROLES, Role

ACCOUNT_NOT_CONFIRMED = "account_not_confirmed"
PRIVATE_PERSON_ROLE = "private_person_role"
NOT_IN_ACCESS_GROUP = "not_in_access_group"
NOT_A_TEACHER = "not_a_teacher"
NO_LESSONS_IN_SCHEDULE = "no_lessons_in_schedule"
SUBJECT_NOT_SUPPORTED = "subject_not_supported"
CODES = (ACCOUNT_NOT_CONFIRMED, PRIVATE_PERSON_ROLE, NOT_IN_ACCESS_GROUP, NOT_A_TEACHER, NO_LESSONS_IN_SCHEDULE,
         SUBJECT_NOT_SUPPORTED)

# Who fixes it.
BY_DIRECTOR = "Руководитель ОО"
BY_ADMINISTRATOR = "Администратор ОО"
BY_YOURSELF = "Вы сами"
BY_OPERATOR = "Оператор платформы"

NO_ACCESS = "У вас нет доступа к платформе"


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    fixed_by: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "fixed_by": self.fixed_by}


@dataclass(frozen=True)
class AccessResult:
    allowed: bool
    reasons: tuple[Reason, ...]
    organisation: Organisation | None = None

    @property
    def codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]


@dataclass
class Facts:
    """What R15 looks at, for one person and one school."""

    active_is_school_role: bool  # the active role is a membership at a school (not private/operator/district)
    active_role: str | None  # that membership's role
    organisation: Organisation | None  # the school the checks are about
    membership_confirmed: bool | None  # None: no membership at that school
    is_teacher_there: bool  # holds an active «Учитель» membership at that school
    in_access_group: bool
    published_lessons_in_period: int
    draft_lessons: int  # lessons of theirs in the schedule not yet published («Выгрузка МояШкола»)
    taught_subject_ids: set[int] = field(default_factory=set)
    course_subject: Subject | None = None  # only when a course is asked about


def decide(facts: Facts) -> AccessResult:
    """The failing conditions of R15, in order, each with its explanation and who fixes it."""
    reasons: list[Reason] = []
    school = facts.organisation.short_name if facts.organisation else "школы"
    if facts.membership_confirmed is False:
        reasons.append(Reason(ACCOUNT_NOT_CONFIRMED,
                              f"Ваша роль в «{school}» ещё не подтверждена. Её подтверждает руководитель школы "
                              "в разделе «Педагоги и обучающиеся».", BY_DIRECTOR))
    if not facts.active_is_school_role:
        reasons.append(Reason(PRIVATE_PERSON_ROLE,
                              "Вы вошли как частное лицо, а не как сотрудник школы. Смените роль: выберите "
                              "«Учитель» вашей школы.", BY_YOURSELF))
    if not facts.in_access_group:
        reasons.append(Reason(NOT_IN_ACCESS_GROUP,
                              f"Вас нет в группе доступа «Педагоги. Доступ к УБ ЦОК» в «{school}». Это обязательное "
                              "условие: попросите администратора школы добавить вас в группу.", BY_ADMINISTRATOR))
    if not facts.is_teacher_there:
        reasons.append(Reason(NOT_A_TEACHER,
                              f"Вы не числитесь учителем в «{school}». Руководитель школы добавляет роль «Учитель» "
                              "в разделе «Сотрудники».", BY_DIRECTOR))
    elif facts.active_is_school_role and facts.active_role != Role.TEACHER:
        reasons.append(Reason(NOT_A_TEACHER,
                              "Вы вошли не как учитель. Смените роль на «Учитель» этой школы и обновите страницу.",
                              BY_YOURSELF))
    if not facts.published_lessons_in_period:
        if facts.draft_lessons:
            message = ("Ваши уроки есть в расписании, но оно не выгружено в библиотеку. Администратор школы "
                       "запускает «Выгрузка МояШкола» на странице «Расписание».")
        else:
            message = ("К вашим классам не добавлено расписание: нужен хотя бы один ваш урок в отчётном периоде. "
                       "Попросите администратора школы проверить расписание.")
        reasons.append(Reason(NO_LESSONS_IN_SCHEDULE, message, BY_ADMINISTRATOR))
    subject = facts.course_subject
    if subject is not None:
        if not subject.supported:
            reasons.append(Reason(SUBJECT_NOT_SUPPORTED,
                                  f"Предмета «{subject.name}» нет в списке предметов библиотеки.", BY_OPERATOR))
        elif subject.pk not in facts.taught_subject_ids:
            reasons.append(Reason(SUBJECT_NOT_SUPPORTED,
                                  f"По нашим данным вы не ведёте «{subject.name}»: курс доступен учителям этого "
                                  "предмета. Администратор школы уточняет ваши предметы в расписании.",
                                  BY_ADMINISTRATOR))
    return AccessResult(allowed=not reasons, reasons=tuple(reasons), organisation=facts.organisation)


# --- facts for one person ----------------------------------------------------------------------------------

def current_periods(organisation: Organisation, on: date) -> list[ReportingPeriod]:
    """The reporting periods of the school year containing `on` that apply to the school (its own and the
    common ones)."""
    return list(ReportingPeriod.objects.filter(
        Q(organisation=organisation) | Q(organisation__isnull=True),
        school_year__start__lte=on, school_year__end__gte=on,
    ))


def period_filter(periods: list[ReportingPeriod], field_name: str = "day") -> Q | None:
    """`day` within any of the periods; None when there is none (then no lesson can count)."""
    condition = None
    for period in periods:
        one = Q(**{f"{field_name}__gte": period.start, f"{field_name}__lte": period.end})
        condition = one if condition is None else condition | one
    return condition


def library_access_for(person: Person | None, active: ActiveRole | None, course=None, *,
                       on: date | None = None) -> AccessResult:
    """R15 for `person` acting in `active` (and, when given, for `course`). A few indexed queries."""
    from sreda.library.models import ScheduleLesson

    on = on or timezone.localdate()
    membership = active.membership if active is not None else None
    active_is_school_role = bool(membership and membership.organisation_id and membership.role in SCHOOL_STAFF_ROLES)
    if person is None:
        return decide(Facts(False, None, None, None, False, False, 0, 0))
    if active_is_school_role:
        organisation = membership.organisation
    else:
        first = (Membership.objects.active(on).filter(person=person, role=Role.TEACHER, organisation__isnull=False)
                 .exclude(confirmation=Confirmation.REJECTED).select_related("organisation").order_by("pk").first())
        organisation = first.organisation if first else None
    if organisation is None:
        facts = Facts(active_is_school_role, membership.role if membership else None, None, None, False, False, 0, 0,
                      course_subject=course.subject if course is not None else None)
        return decide(facts)

    school_memberships = list(Membership.objects.active(on).filter(person=person, organisation=organisation,
                                                                   role__in=SCHOOL_STAFF_ROLES)
                              .prefetch_related("subjects"))
    teacher = [m for m in school_memberships if m.role == Role.TEACHER and m.confirmation != Confirmation.REJECTED]
    relevant = membership if active_is_school_role else (teacher[0] if teacher else None)
    confirmed = None if relevant is None else relevant.confirmation == Confirmation.CONFIRMED
    in_group = AccessGroupMember.objects.filter(group__code=UB_TSOK_GROUP_CODE, organisation=organisation,
                                                person=person, removed_at__isnull=True).exists()
    lessons = ScheduleLesson.objects.filter(teacher=person, organisation=organisation)
    in_period = period_filter(current_periods(organisation, on))
    published = lessons.filter(in_period, published_at__isnull=False).exists() if in_period is not None else False
    drafts = 0 if published else lessons.filter(published_at__isnull=True).count()
    taught: set[int] = set()
    subject = None
    if course is not None:
        subject = course.subject
        taught = {s.pk for m in teacher for s in m.subjects.all()}
        taught |= set(lessons.values_list("subject_id", flat=True).distinct())
    return decide(Facts(
        active_is_school_role=active_is_school_role,
        active_role=membership.role if membership else None,
        organisation=organisation,
        membership_confirmed=confirmed,
        is_teacher_there=bool(teacher),
        in_access_group=in_group,
        published_lessons_in_period=int(published),
        draft_lessons=drafts,
        taught_subject_ids=taught,
        course_subject=subject,
    ))
