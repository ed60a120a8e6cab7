"""The demo's «Организация ДПО» (R36–R38): a DPO organisation of the first school's region, four programs with
groups (names from seed 001), and applications of the school's teachers in every status — the demo teacher's
own (account «teacher») on «Моё обучение» with a director's comment, more on the director's «Заявки» and
the centre's queue. Every change goes through the services, so history and notices are real. Idempotent: a
second run finds the DPO organisation and adds nothing."""
from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from sreda.core.active_role import ActiveRole, for_membership, system_operator
from sreda.dpo import services
from sreda.dpo.models import DpoOrganisation, Group, Program, StudyForm
from sreda.dpo.statuses import Act
from sreda.orgs.models import Organisation
from sreda.people.models import Membership, User
from sreda.people.roles import Role

DPO_NAME = "Государственное бюджетное учреждение дополнительного профессионального образования «Институт развития образования»"
DPO_SHORT = "ГБУ ДПО «ИРО» (демо)"
PROGRAMS = [
    ("Диагностика личностно-профессионального развития участников кадрового резерва руководителей "
     "образовательных организаций", "Диагностика. Кадровый резерв руководителей", StudyForm.FULL_TIME, 36,
     "Руководители, заместители руководителей, кадровый резерв", "Управленческие компетенции"),
    ("Экспертная деятельность в сфере оценки качества образования (олимпиады)", "Эксперты олимпиад",
     StudyForm.MIXED, 24, "Учителя-предметники", "Оценка олимпиадных работ"),
    ("Цифровая трансформация как фактор развития информационно-управленческой культуры руководства "
     "образовательной организацией", "Цифровая трансформация", StudyForm.DISTANCE, 72,
     "Руководители и заместители", "Цифровые компетенции"),
    ("Функциональная грамотность: формирование и оценка", "Функциональная грамотность", StudyForm.PART_TIME, 48,
     "Учителя начальных и основных классов", "Формирование функциональной грамотности"),
]
# (group index, steps after applying) for the demo teacher and for other teachers of the school.
TEACHER_PLAN = [(0, [(Act.APPROVE, "director", "Одобряю. Возьмите с собой диплом о профессиональном образовании.")]),
                (1, [(Act.APPROVE, "director", ""), (Act.INCLUDE, "centre", "")]),
                (2, [])]
OTHERS_PLAN = [[], [], [(Act.APPROVE, "director", "")], [(Act.APPROVE, "director", "")],
               [(Act.APPROVE, "director", ""), (Act.INCLUDE, "centre", "")], [(Act.CANCEL, "director", "Повторная заявка")]]


def _role(username: str, role: str, **scope) -> ActiveRole | None:
    user = User.objects.filter(username=username, person__isnull=False).first()
    membership = (Membership.objects.active().filter(person_id=user.person_id, role=role, **scope)
                  .select_related("organisation__municipality__region", "person").first()) if user else None
    return for_membership(membership, user=user) if membership else None


def _director(school: Organisation) -> ActiveRole | None:
    found = _role("director", Role.DIRECTOR, organisation=school)
    if found is not None:
        return found
    membership = (Membership.objects.active().filter(organisation=school, role=Role.DIRECTOR)
                  .select_related("organisation__municipality__region", "person").first())
    return for_membership(membership, user=getattr(membership.person, "user", None)) if membership else None


@transaction.atomic
def ensure(actor: ActiveRole) -> str | None:
    school = Organisation.objects.select_related("municipality__region").order_by("pk").first()
    if school is None or DpoOrganisation.objects.filter(short_name=DPO_SHORT).exists():
        return None
    region = school.municipality.region
    organisation = DpoOrganisation.objects.create(name=DPO_NAME, short_name=DPO_SHORT, region=region)
    start = timezone.localdate() + timedelta(days=21)
    groups: list[Group] = []
    for n, (name, group_name, form, hours, categories, competences) in enumerate(PROGRAMS):
        program = Program.objects.create(organisation=organisation, name=name, study_form=form, hours=hours,
                                         listener_categories=categories, competences=competences,
                                         description=f"Программа повышения квалификации, {hours} ч.")
        for k in range(2 if n < 2 else 1):
            begins = start + timedelta(days=30 * n + 14 * k)
            groups.append(Group.objects.create(program=program, name=f"{group_name}, поток {k + 1}", starts_on=begins,
                                               ends_on=begins + timedelta(days=4), capacity=20 + 5 * n))
    director = _director(school)
    centre = _role("region", Role.REGIONAL_OPERATOR, region=region) or system_operator()
    acting = {"director": director, "centre": centre}
    made = 0

    def run(listener: ActiveRole, group: Group, steps) -> None:
        nonlocal made
        application = services.application_apply(actor=listener, group=group)
        made += 1
        for act, who, comment in steps:
            if acting[who] is not None:
                services.application_transition(actor=acting[who], application_id=application.pk, act=act,
                                                comment=comment)

    teacher = _role("teacher", Role.TEACHER, organisation=school)
    if teacher is not None:
        for index, steps in TEACHER_PLAN:
            run(teacher, groups[index], steps)
    others = (Membership.objects.active().filter(organisation=school, role__in=(Role.TEACHER, Role.STAFF))
              .exclude(person_id=teacher.person.pk if teacher else None)
              .select_related("organisation__municipality__region", "person").order_by("pk")[:len(OTHERS_PLAN)])
    for i, (membership, steps) in enumerate(zip(others, OTHERS_PLAN)):
        run(for_membership(membership, user=getattr(membership.person, "user", None)), groups[i % len(groups)], steps)
    return (f"ДПО: {DPO_SHORT}, программ — {len(PROGRAMS)}, групп — {len(groups)}, заявок — {made} "
            f"({school.short_name}).")
