"""Who may use the library, and why not (R15).

`library_access_for(person, active, course=None)` answers for one person on every request (nothing is
cached: «каждое обновление делает новый запрос»). It gathers the facts in a handful of queries and hands
them to `decide`, a pure function that lists every failing condition in the order of R15:

1. `account_not_confirmed`  — the person's account is not confirmed (Госуслуги/ЕСИА or documents, as for
                              invitations, R10), or the school has not confirmed their role (R9);
2. `private_person_role`    — the active role is not an employee of a school (R1);
3. `not_in_access_group`    — not in «Педагоги. Доступ к УБ ЦОК» of that school (R13);
4. `not_a_teacher`          — not recognised as a teacher of that school;
5. `no_lessons_in_schedule` — no lesson of theirs published in the schedule within a reporting period (R14);
6. `subject_not_supported`  — for a course: its subject is not one they teach, or not supported (R16).

The school is the active role's school when it is a school role, otherwise the person's first school where
they are a teacher (so a teacher signed in as a private person still learns what else to fix).
School-wide reports gather the same facts for all the school's people at once (`school_records`, a fixed
number of queries) and call the same `facts_for` and `decide`: one person and the report never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
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
RECHECK_HINT = ("Доступ проверяется заново при каждом обновлении страницы: когда причина устранена, "
                "обновите страницу.")


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
    active_label: str = ""  # how the active role reads in the header («Обучающийся — МБОУ СОШ № 5»); "" — private
    account_confirmed: bool | None = None  # Person.account_confirmed; None: no person


def decide(facts: Facts) -> AccessResult:
    """The failing conditions of R15, in order, each with its explanation and who fixes it."""
    reasons: list[Reason] = []
    at = f" в «{facts.organisation.short_name}»" if facts.organisation else ""
    role_label = Role(facts.active_role).label if facts.active_role in Role.values else ""
    if facts.account_confirmed is False:
        reasons.append(Reason(ACCOUNT_NOT_CONFIRMED,
                              "Ваша учётная запись не подтверждена. Подтвердите её через Госуслуги (ЕСИА) или "
                              "обратитесь в школу — там проверят ваши документы.", BY_YOURSELF))
    if facts.membership_confirmed is False:
        reasons.append(Reason(ACCOUNT_NOT_CONFIRMED,
                              f"Ваша роль{at} ещё не подтверждена. Её подтверждает руководитель школы "
                              "в разделе «Педагоги и обучающиеся».", BY_DIRECTOR))
    if not facts.active_is_school_role:
        who = f"как «{facts.active_label}»" if facts.active_label else "как частное лицо"
        reasons.append(Reason(PRIVATE_PERSON_ROLE,
                              f"Вы вошли {who}, а не как сотрудник школы. Смените роль: выберите "
                              "«Учитель» вашей школы.", BY_YOURSELF))
    if not facts.in_access_group:
        reasons.append(Reason(NOT_IN_ACCESS_GROUP,
                              f"Вас нет в группе доступа «Педагоги. Доступ к УБ ЦОК»{at}. Это обязательное "
                              "условие: попросите администратора школы добавить вас в группу.", BY_ADMINISTRATOR))
    acting_other_role = facts.active_is_school_role and facts.active_role != Role.TEACHER
    if not facts.is_teacher_there:
        if acting_other_role:
            message = (f"Вы вошли как «{role_label}» и не числитесь учителем{at}. Если вы ведёте уроки, "
                       "руководитель школы добавит вам роль «Учитель» в разделе «Сотрудники»; затем смените роль "
                       "на «Учитель».")
        else:
            message = (f"Вы не числитесь учителем{at}. Руководитель школы добавляет роль «Учитель» в разделе "
                       "«Сотрудники»; если роль уже есть, выйдите и войдите снова как учитель этой школы.")
        reasons.append(Reason(NOT_A_TEACHER, message, BY_DIRECTOR))
    elif acting_other_role:
        reasons.append(Reason(NOT_A_TEACHER,
                              f"Вы вошли как «{role_label}», а не как учитель. Смените роль на «Учитель» этой школы "
                              "и обновите страницу.", BY_YOURSELF))
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


# --- facts for the people of one school ---------------------------------------------------------------------

def applicable_periods(organisation: Organisation, on: date) -> QuerySet[ReportingPeriod]:
    """The reporting periods of the school year containing `on` that apply to the school (its own and the
    common ones)."""
    return ReportingPeriod.objects.filter(Q(organisation=organisation) | Q(organisation__isnull=True),
                                          school_year__start__lte=on, school_year__end__gte=on)


def current_periods(organisation: Organisation, on: date) -> list[ReportingPeriod]:
    return list(applicable_periods(organisation, on))


def period_filter(periods: list[ReportingPeriod], field_name: str = "day") -> Q | None:
    """`day` within any of the periods; None when there is none (then no lesson can count)."""
    condition = None
    for period in periods:
        one = Q(**{f"{field_name}__gte": period.start, f"{field_name}__lte": period.end})
        condition = one if condition is None else condition | one
    return condition


@dataclass
class StaffRecord:
    """What the school knows of one person for R15: their staff roles there and the rest of the facts."""

    person: Person
    memberships: list[Membership] = field(default_factory=list)  # active staff memberships at the school
    in_group: bool = False
    published: int = 0  # published lessons within a reporting period
    drafts: int = 0  # lessons not yet published
    subjects: dict[int, Subject] = field(default_factory=dict)  # taught: their roles' subjects and lessons'

    @property
    def teacher_memberships(self) -> list[Membership]:
        return [m for m in self.memberships if m.role == Role.TEACHER and m.confirmation != Confirmation.REJECTED]


def school_records(organisation: Organisation, *, on: date, person_ids: list[int] | None = None,
                   with_subjects: bool = False) -> dict[int, StaffRecord]:
    """The R15 facts of the school's staff and the members of its «Педагоги. Доступ к УБ ЦОК» (or only of
    `person_ids`), by person id. Three queries whatever the number of people (six with subjects)."""
    from sreda.library.models import ScheduleLesson

    def only(qs, name: str):
        return qs if person_ids is None else qs.filter(**{f"{name}__in": person_ids})

    records: dict[int, StaffRecord] = {}
    memberships = only(Membership.objects.active(on).filter(organisation=organisation, role__in=SCHOOL_STAFF_ROLES),
                       "person_id").select_related("person").order_by("pk")
    for membership in memberships:
        membership.organisation = organisation
        records.setdefault(membership.person_id, StaffRecord(membership.person)).memberships.append(membership)
    members = only(AccessGroupMember.objects.filter(group__code=UB_TSOK_GROUP_CODE, organisation=organisation,
                                                    removed_at__isnull=True), "person_id").select_related("person")
    for member in members:
        records.setdefault(member.person_id, StaffRecord(member.person)).in_group = True
    # A lesson counts when a reporting period of the current school year that applies to the school holds its
    # day: a correlated EXISTS, so the periods cost no query of their own.
    in_period = Exists(applicable_periods(organisation, on)
                       .filter(start__lte=OuterRef("day"), end__gte=OuterRef("day")))
    published = Count("pk", filter=Q(in_period, published_at__isnull=False))
    lessons = only(ScheduleLesson.objects.filter(organisation=organisation), "teacher_id")
    for row in (lessons.order_by().values("teacher_id")
                .annotate(published=published, drafts=Count("pk", filter=Q(published_at__isnull=True)))):
        record = records.get(row["teacher_id"])
        if record is not None:
            record.published, record.drafts = row["published"], row["drafts"]
    if with_subjects:
        _add_subjects(records, organisation, lessons)
    return records


def _add_subjects(records: dict[int, StaffRecord], organisation: Organisation, lessons) -> None:
    """Subjects taught: those of the teacher roles (not rejected) and of their lessons at the school."""
    by_membership = {m.pk: record for record in records.values() for m in record.teacher_memberships}
    through = Membership.subjects.through.objects.filter(membership_id__in=list(by_membership)).select_related("subject")
    for link in through:
        by_membership[link.membership_id].subjects[link.subject_id] = link.subject
    taught = lessons.order_by().values_list("teacher_id", "subject_id").distinct()
    pairs = [(t, s) for t, s in taught if t in records]
    subjects = Subject.objects.in_bulk({s for _, s in pairs})
    for teacher_id, subject_id in pairs:
        records[teacher_id].subjects.setdefault(subject_id, subjects[subject_id])


def facts_for(record: StaffRecord | None, *, organisation: Organisation | None, acting: Membership | None,
              active_label: str = "", course_subject: Subject | None = None, person: Person | None = None) -> Facts:
    """R15 facts of a person at `organisation`, acting as `acting` (their membership there; None — not as an
    employee of a school)."""
    active_is_school_role = bool(acting is not None and acting.organisation_id and acting.role in SCHOOL_STAFF_ROLES)
    teacher = record.teacher_memberships if record is not None else []
    relevant = acting if active_is_school_role else (teacher[0] if teacher else None)
    return Facts(
        active_is_school_role=active_is_school_role,
        active_role=acting.role if acting is not None else None,
        organisation=organisation,
        membership_confirmed=None if relevant is None else relevant.confirmation == Confirmation.CONFIRMED,
        is_teacher_there=bool(teacher),
        in_access_group=bool(record and record.in_group),
        published_lessons_in_period=record.published if record else 0,
        draft_lessons=record.drafts if record else 0,
        taught_subject_ids=set(record.subjects) if record else set(),
        course_subject=course_subject,
        active_label=active_label,
        account_confirmed=(person or (record.person if record else None)).account_confirmed
        if (person or record) else None,
    )


def library_access_for(person: Person | None, active: ActiveRole | None, course=None, *,
                       on: date | None = None) -> AccessResult:
    """R15 for `person` acting in `active` (and, when given, for `course`). Three indexed queries (four as a private
    person, three more with a course)."""
    on = on or timezone.localdate()
    membership = active.membership if active is not None else None
    label = active.label if active is not None and not active.is_private else ""
    active_is_school_role = bool(membership and membership.organisation_id and membership.role in SCHOOL_STAFF_ROLES)
    subject = course.subject if course is not None else None
    if person is None:
        return decide(facts_for(None, organisation=None, acting=membership, active_label=label, course_subject=subject))
    if active_is_school_role:
        organisation = membership.organisation
    else:
        first = (Membership.objects.active(on).filter(person=person, role=Role.TEACHER, organisation__isnull=False)
                 .exclude(confirmation=Confirmation.REJECTED).select_related("organisation").order_by("pk").first())
        organisation = first.organisation if first else None
    record = None
    if organisation is not None:
        record = school_records(organisation, on=on, person_ids=[person.pk], with_subjects=course is not None)
        record = record.get(person.pk)
    return decide(facts_for(record, organisation=organisation, acting=membership, active_label=label,
                            course_subject=subject, person=person))
