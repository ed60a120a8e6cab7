"""Join requests (R20) and a parent's two requests for a child (R22): send, cancel, approve, reject, bulk
approve of exact matches; the requester's «Мои заявки» and the school's queue.

How approval links a person (the rule):
- The roster entry (a Person the school imported, with its membership in the class) is the school's
  record of the human; the requester's account (User) is theirs. Approval makes the account act on the
  roster entry: `user.person` is pointed to the roster person. Nothing is duplicated: whatever the
  account's previous person held (memberships, guardianships, pending requests) moves to the roster
  person, identity data the roster lacks (СНИЛС, e-mail, phone, confirmed account) is copied to it, and
  the emptied previous person is deleted when nothing else refers to it.
- A roster entry already linked to another account is never taken over: approval is refused.
- With no roster entry in the request's class (or school, for a teacher), approval registers the
  requester's own person in the class: a new membership with origin «Заявка на вступление».
- The membership is looked for, and created, only in the request's school and class; a roster entry
  chosen by hand must belong to them (R20: never another class or school).
- Concurrent approvals of one request: the request row is locked (select_for_update) and re-read; the
  second finds it decided and is told so — one effect.
- R22, both halves of a parent's request for a child must be approved: the parent's half (attach the legal
  representative) is approved only after the child's half (register and attach the student). While the
  child's is pending, approving the parent's is refused with what to do first; once the child's is rejected
  (or withdrawn), the parent's can only be rejected. The child's half is locked before it is read, so a
  concurrent decision on it is seen. The child's half does not wait for the parent's: the child may be
  registered even if the parent is not attached.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from sreda.core.active_role import PRIVATE, ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, can, require
from sreda.core.text import clean_name_parts, fold, plural
from sreda.onboarding.joining_match import (
    Match,
    MatchKind,
    candidates_for,
    match_requests,
)
from sreda.onboarding.models import (
    ChildDataCorrection,
    CorrectionStatus,
    JoinKind,
    JoinRequest,
    JoinRequestEvent,
    JoinRole,
    JoinStatus,
    ParentConsent,
)
from sreda.orgs.models import Organisation, SchoolClass
from sreda.people.models import Guardianship, Membership, MembershipOrigin, Person, User
from sreda.people.roles import TEACHING_ROLES, Role

NOT_FOUND = "Заявка не найдена или недоступна в текущей роли."
EVENT_LABELS = {
    "sent": "Заявка подана",
    "approved": "Заявка одобрена",
    "rejected": "Заявка отклонена",
    "cancelled": "Заявка отозвана заявителем",
    "refused": "Повторное решение отклонено",
}


# --- reads ----------------------------------------------------------------------------------------------

def school_classes(organisation: Organisation) -> QuerySet[SchoolClass]:
    """The school's classes to choose from (R20: the exact class, «5А»), the newest school year first."""
    return (SchoolClass.objects.filter(organisation=organisation).select_related("school_year")
            .order_by("-school_year__start", "grade", "letter"))


def own_requests(*, actor: ActiveRole) -> QuerySet[JoinRequest]:
    """«Мои заявки»: the requests the signed-in person sent (a parent's two for a child included)."""
    user = getattr(actor, "user", None)
    if user is None or not user.pk:
        return JoinRequest.objects.none()
    return (JoinRequest.objects.filter(requester=user)
            .select_related("organisation", "school_class", "pair", "paired_with", "subject")
            .order_by("-created_at", "-id"))


def my_children(*, actor: ActiveRole) -> list[Person]:
    """The children linked to the signed-in parent (Guardianship), with their accounts."""
    person = actor.person if actor is not None else None
    if person is None:
        return []
    return list(Person.objects.filter(parent_links__parent=person).select_related("user").order_by("sort_key", "id"))


def child_problems(*, actor: ActiveRole, child: Person | None) -> list[str]:
    """R22: what must be done before a parent may send a request for this child."""
    parent = actor.person if actor is not None else None
    if child is None:
        return ["Выберите ребёнка."]
    problems = []
    if parent is None or not Guardianship.objects.filter(parent=parent, child=child).exists():
        problems.append(
            "Ребёнок не прикреплён к вашей учётной записи. Сначала прикрепите его (карточка ребёнка в разделе "
            "«Семья и дети» на Госуслугах) — после этого он появится в списке.")
    if not User.objects.filter(person=child).exists():
        problems.append(
            f"У ребёнка ({child.full_name}) нет своей учётной записи. Создайте её из своего личного кабинета "
            "(детям с 14 лет — самостоятельно) и повторите заявку.")
    return problems


class QueueFilters:
    STATUS_LABELS = dict(JoinStatus.choices)
    ROLE_LABELS = dict(JoinRole.choices)
    MATCH_LABELS = MatchKind.LABELS


def join_queue(*, actor: ActiveRole, organisation: Organisation, status: str | None = JoinStatus.PENDING,
               class_id: int | None = None, role: str | None = None, query: str = "",
               match: str | None = None) -> QuerySet[JoinRequest]:
    """The school's requests with the filters of the queue page; `match` (exact / partial / ambiguous /
    none) is evaluated over the filtered requests of this school only."""
    if not can(actor, Action.REVIEW_JOIN_REQUESTS, organisation):
        return JoinRequest.objects.none()
    qs = JoinRequest.objects.filter(organisation=organisation)
    if status in QueueFilters.STATUS_LABELS:
        qs = qs.filter(status=status)
    if class_id:
        qs = qs.filter(school_class_id=class_id)
    if role in QueueFilters.ROLE_LABELS:
        qs = qs.filter(role=role)
    words = fold(query).split()
    if words:
        qs = qs.filter(pk__in=_matching_ids(qs, words))
    if match in MatchKind.LABELS:
        rows = list(qs.only("pk", "organisation_id", "role", "kind", "school_class_id", "requester_id", "subject_id",
                            "surname", "name", "patronymic", "birth_date"))
        matches = match_requests(rows)
        qs = qs.filter(pk__in=[pk for pk, m in matches.items() if m.kind == match])
    return (qs.select_related("school_class", "requester__person", "subject", "decided_by__person", "pair")
            .order_by("-created_at", "-id"))


def _matching_ids(qs: QuerySet[JoinRequest], words: list[str]) -> list[int]:
    """ФИО or number, ignoring case and «ё» (no folded column; one narrow query over one school)."""
    rows = qs.values_list("pk", "surname", "name", "patronymic")
    found = []
    for pk, *text in rows:
        haystack = fold(" ".join(text)) + f" №{pk} {pk}"
        if all(word.lstrip("№") in haystack for word in words):
            found.append(pk)
    return found


def queue_counts(*, actor: ActiveRole, organisation: Organisation) -> dict[str, int]:
    if not can(actor, Action.REVIEW_JOIN_REQUESTS, organisation):
        return dict.fromkeys(QueueFilters.STATUS_LABELS, 0)
    return JoinRequest.objects.filter(organisation=organisation).aggregate(
        **{s: Count("pk", filter=Q(status=s)) for s in QueueFilters.STATUS_LABELS})


def access_join_request(*, actor: ActiveRole, request_id: int) -> JoinRequest:
    """The request for its school's reviewers, or for the one who sent it; one «not found» otherwise."""
    req = (JoinRequest.objects.select_related("organisation__municipality__region", "school_class", "requester__person",
                                              "subject", "decided_by__person", "pair", "roster_person", "membership")
           .filter(pk=request_id).first())
    if req is None:
        raise Http404(NOT_FOUND)
    user = getattr(actor, "user", None)
    if can(actor, Action.REVIEW_JOIN_REQUESTS, req.organisation):
        return req
    if user is not None and user.pk and req.requester_id == user.pk:
        return req
    raise Http404(NOT_FOUND)


def request_events(*, request: JoinRequest) -> QuerySet[JoinRequestEvent]:
    return request.events.select_related("actor__person").order_by("at", "id")


def partner_of(request: JoinRequest) -> JoinRequest | None:
    """The other half of a parent's request for a child (R22)."""
    if request.pair_id:
        return request.pair
    return getattr(request, "paired_with", None) if _has_paired(request) else None


def _has_paired(request: JoinRequest) -> bool:
    try:
        return request.paired_with is not None
    except JoinRequest.DoesNotExist:
        return False


def matches_for(requests) -> dict[int, Match]:
    return match_requests(requests)


# --- input ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Typed:
    surname: str
    name: str
    patronymic: str
    birth_date: date | None


def _clean_typed(*, surname, name, patronymic, birth_date, birth_required: bool) -> Typed:
    errors: dict[str, list[str]] = {}
    surname, name, patronymic = clean_name_parts(surname, name, patronymic, errors)
    if birth_date is None and birth_required:
        errors["birth_date"] = ["Укажите дату рождения: по ней школа сверяет заявку со своим контингентом."]
    elif birth_date is not None and not (date(1900, 1, 1) <= birth_date <= timezone.localdate()):
        errors["birth_date"] = ["Дата рождения должна быть в прошлом, не раньше 1900 года."]
    if errors:
        raise ValidationError(errors)
    return Typed(surname, name, patronymic, birth_date)


def _check_class(organisation: Organisation, role: str, school_class: SchoolClass | None) -> None:
    if role not in JoinRole.values:
        labels = ", ".join(f"«{label}»" for label in JoinRole.labels)
        raise ValidationError({"role": [f"Выберите роль: {labels}."]})
    if school_class is None:
        if role != JoinRole.TEACHER:
            raise ValidationError({"school_class": [
                "Укажите класс полностью — с буквой, например «5А», а не только параллель «5» (R20)."]})
        return
    if school_class.organisation_id != organisation.pk:
        raise ValidationError({"school_class": ["Этот класс не из выбранной школы: выберите класс из её списка."]})


def _own_person(actor: ActiveRole, typed: Typed) -> Person:
    """The requester's person; an account without one gets a person from what they typed."""
    user = actor.user
    if user.person_id:
        return user.person
    person = Person.objects.create(surname=typed.surname, name=typed.name, patronymic=typed.patronymic,
                                   birth_date=typed.birth_date)
    user.person = person
    user.save(update_fields=["person"])
    return person


def _event(req: JoinRequest, actor: ActiveRole | None, kind: str, note: str = "") -> None:
    user = getattr(actor, "user", None)
    JoinRequestEvent.objects.create(request=req, actor=user if user is not None and user.pk else None,
                                    kind=kind, note=note)


def _require_signed_in(actor: ActiveRole | None) -> None:
    if actor is None or actor.user is None or not actor.user.is_authenticated:
        raise PermissionDenied("Чтобы подать заявку, войдите в свою учётную запись.")
    require(actor, Action.JOIN_SCHOOL)


DUPLICATE = ("Такая заявка уже подана и ждёт решения школы — повторять её не нужно. Её состояние видно в "
             "«Мои заявки».")


def _create(**fields) -> JoinRequest:
    try:
        with transaction.atomic():
            return JoinRequest.objects.create(**fields)
    except IntegrityError:
        raise ValidationError(DUPLICATE, code="duplicate") from None


# --- sending --------------------------------------------------------------------------------------------

@transaction.atomic
def join_request_send(*, actor: ActiveRole, organisation: Organisation, role: str,
                      school_class: SchoolClass | None, surname: str, name: str, patronymic: str = "",
                      birth_date: date | None = None) -> JoinRequest:
    """R20: a signed-in private person asks to join a school as a student or a teacher, in the exact class.
    A parent's request goes through `join_request_send_for_child` (R22)."""
    _require_signed_in(actor)
    if role == JoinRole.PARENT:
        raise ValidationError({"child": ["Законный представитель подаёт заявку за ребёнка: выберите ребёнка."]})
    _check_class(organisation, role, school_class)
    if not organisation.is_active:
        raise ValidationError("Эта организация больше не действует: выберите другую школу.")
    typed = _clean_typed(surname=surname, name=name, patronymic=patronymic, birth_date=birth_date,
                         birth_required=True)
    person = _own_person(actor, typed)
    req = _create(organisation=organisation, kind=JoinKind.SELF, role=role, school_class=school_class,
                  requester=actor.user, subject=person, surname=typed.surname, name=typed.name,
                  patronymic=typed.patronymic, birth_date=typed.birth_date)
    _event(req, actor, "sent", f"Роль «{req.get_role_display()}»" + (f", класс {school_class.title}" if school_class else ""))
    audit(actor=actor, action="join_request.send", obj=req, organisation=organisation,
          details={"role": role, "class": school_class.pk if school_class else None})
    return req


@transaction.atomic
def join_request_send_for_child(*, actor: ActiveRole, organisation: Organisation, school_class: SchoolClass | None,
                                child: Person | None) -> tuple[JoinRequest, JoinRequest]:
    """R22: a parent's request for their child: two linked requests — attach the legal representative, and
    register and attach the student. The child must be linked to the parent and have an own account."""
    _require_signed_in(actor)
    _check_class(organisation, JoinRole.STUDENT, school_class)
    problems = child_problems(actor=actor, child=child)
    if problems:
        raise ValidationError({"child": problems})
    parent = actor.person
    parent_typed = Typed(parent.surname, parent.name, parent.patronymic, parent.birth_date)
    child_typed = _clean_typed(surname=child.surname, name=child.name, patronymic=child.patronymic,
                               birth_date=child.birth_date, birth_required=False)
    common = {"organisation": organisation, "school_class": school_class, "requester": actor.user}
    representative = _create(kind=JoinKind.REPRESENTATIVE, role=JoinRole.PARENT, subject=parent,
                             **parent_typed.__dict__, **common)
    student = _create(kind=JoinKind.CHILD, role=JoinRole.STUDENT, subject=child, pair=representative,
                      **child_typed.__dict__, **common)
    representative.pair = student
    representative.save(update_fields=["pair"])
    for req in (representative, student):
        _event(req, actor, "sent", f"{req.get_kind_display()}: {child.full_name}, класс {school_class.title}")
        audit(actor=actor, action="join_request.send", obj=req, organisation=organisation,
              details={"role": req.role, "kind": req.kind, "class": school_class.pk, "child": child.pk})
    return representative, student


@transaction.atomic
def join_request_cancel(*, actor: ActiveRole, request: JoinRequest) -> JoinRequest:
    """The requester takes back a pending request (and its pair, R22)."""
    user = getattr(actor, "user", None)
    if user is None or request.requester_id != user.pk:
        raise Http404(NOT_FOUND)
    current = _lock(request)
    if current.status != JoinStatus.PENDING:
        raise ValidationError(_decided(current), code="decided")
    for req in [current] + ([p] if (p := _pending_partner(current)) else []):
        _set_status(req, JoinStatus.CANCELLED, actor)
        _event(req, actor, "cancelled")
        audit(actor=actor, action="join_request.cancel", obj=req, organisation=req.organisation)
    return current


def _pending_partner(req: JoinRequest) -> JoinRequest | None:
    partner = JoinRequest.objects.select_for_update().filter(
        Q(pair=req) | Q(pk=req.pair_id or 0), status=JoinStatus.PENDING).exclude(pk=req.pk).first()
    return partner


# --- deciding -------------------------------------------------------------------------------------------

def _lock(request: JoinRequest) -> JoinRequest:
    """Re-read the request under a row lock (PostgreSQL; SQLite serialises writing transactions)."""
    # Lock the bare row, then read it with its relations: a locking join would let PostgreSQL drop the row
    # when a concurrent approval has just re-pointed (and deleted) its subject.
    JoinRequest.objects.select_for_update().filter(pk=request.pk).values_list("pk", flat=True).get()
    return (JoinRequest.objects
            .select_related("organisation", "school_class", "subject", "requester", "decided_by__person")
            .get(pk=request.pk))


def _decided(req: JoinRequest) -> str:
    when = timezone.localtime(req.decided_at).strftime("%d.%m.%Y %H:%M") if req.decided_at else ""
    who = f" ({req.decided_by})" if req.decided_by_id else ""
    if req.status == JoinStatus.APPROVED:
        return f"Заявка № {req.pk} уже одобрена {when}{who}: повторять решение не нужно."
    if req.status == JoinStatus.REJECTED:
        return f"Заявка № {req.pk} уже отклонена {when}{who}."
    return f"Заявка № {req.pk} отозвана заявителем {when}: решать по ней нечего."


def _set_status(req: JoinRequest, status: str, actor: ActiveRole | None, **fields) -> None:
    user = getattr(actor, "user", None)
    req.status = status
    req.decided_at = timezone.now()
    req.decided_by = user if status != JoinStatus.CANCELLED and user is not None and user.pk else None
    for name, value in fields.items():
        setattr(req, name, value)
    req.save(update_fields=["status", "decided_at", "decided_by", *fields])


@dataclass
class Decided:
    request: JoinRequest
    linked: str = ""  # what happened to the person, in Russian


@transaction.atomic
def join_request_approve(*, actor: ActiveRole, request: JoinRequest, roster_person_id: int | None = None) -> Decided:
    """R20: approve. Links the account to the roster entry of the request's class (or school, for a
    teacher) and gives the membership; see the module's docstring for the rule."""
    require(actor, Action.REVIEW_JOIN_REQUESTS, request.organisation)
    current = _lock(request)
    if current.status != JoinStatus.PENDING:
        _event(current, actor, "refused", "Попытка одобрить уже рассмотренную заявку")
        raise ValidationError(_decided(current), code="decided")
    return _approve_locked(actor, current, roster_person_id)


def approval_blocked(req: JoinRequest, *, lock: bool = False) -> str:
    """R22: why the parent's half of a two-request pair cannot be approved yet («» when it can, and for every
    other request). `lock` takes the child's half's row lock first (inside the approving transaction)."""
    if req.kind != JoinKind.REPRESENTATIVE:
        return ""
    halves = JoinRequest.objects.filter(Q(pk=req.pair_id or 0) | Q(pair_id=req.pk), kind=JoinKind.CHILD)
    if lock:
        list(halves.select_for_update().values_list("pk", flat=True))
    child = halves.order_by("pk").first()
    if child is None:
        return ("Связанной заявки на регистрацию ребёнка больше нет, а прикрепить законного представителя можно "
                "только вместе с ней (R22): эту заявку можно только отклонить, указав причину.")
    if child.status == JoinStatus.APPROVED:
        return ""
    if child.status == JoinStatus.PENDING:
        return (f"Сначала одобрите заявку на регистрацию ребёнка (№ {child.pk}, {child.full_name}): законного "
                "представителя прикрепляют к уже зарегистрированному обучающемуся — одобрены должны быть обе "
                "заявки (R22).")
    closed = "отклонена" if child.status == JoinStatus.REJECTED else "отозвана"
    return (f"Заявка на регистрацию ребёнка (№ {child.pk}, {child.full_name}) {closed}, а без неё прикрепить "
            "законного представителя нельзя (R22): эту заявку можно только отклонить, указав причину.")


def _approve_locked(actor: ActiveRole, req: JoinRequest, roster_person_id: int | None) -> Decided:
    blocked = approval_blocked(req, lock=True)
    if blocked:
        raise ValidationError(blocked, code="pair_not_approved")
    target = _choose_roster_person(req, roster_person_id)
    subject = req.subject
    merged = subject.pk if target is not None and target.pk != subject.pk else None
    if target is None:
        person, linked = subject, f"{subject.full_name} добавлен(а) в контингент"
    else:
        person = _link(subject=subject, roster=target)
        req.subject = person  # the request moved with everything else the subject held
        linked = f"учётная запись связана с записью контингента «{target.full_name}»"
    membership = _membership_for(req, person)
    _set_status(req, JoinStatus.APPROVED, actor, roster_person=target, membership=membership)
    note = linked + (f", класс {req.school_class.title}" if req.school_class_id else "")
    _event(req, actor, "approved", note)
    audit(actor=actor, action="join_request.approve", obj=req, organisation=req.organisation,
          details={"roster_person": target.pk if target else None, "membership": membership.pk,
                   "class": req.school_class_id, "merged_account_person": merged})
    return Decided(req, note)


def _choose_roster_person(req: JoinRequest, roster_person_id: int | None) -> Person | None:
    candidates = candidates_for(req)
    if roster_person_id:
        chosen = next((entry for entry, _ in candidates if entry.person_id == roster_person_id), None)
        if chosen is None:
            where = f"класса {req.school_class.title}" if req.school_class_id else f"школы {req.organisation.short_name}"
            raise ValidationError(
                f"Выбранная запись не из контингента {where} или не похожа на заявителя: одобрение привязывает "
                "только к классу и школе заявки (R20).", code="wrong_roster")
        entry = chosen
    else:
        match = match_requests([req])[req.pk]
        if match.kind == MatchKind.NONE:
            return None
        if match.kind != MatchKind.EXACT:
            raise ValidationError(
                "ФИО или дата рождения расходятся с контингентом (или совпадений несколько): выберите запись "
                "контингента явно — или отклоните заявку с причиной.", code="not_exact")
        entry = match.entry
    person = Person.objects.select_for_update().get(pk=entry.person_id)
    owner = User.objects.filter(person=person).first()
    subject_owner = User.objects.filter(person=req.subject).first()
    if owner is not None and person.pk != req.subject_id and (subject_owner is None or owner.pk != subject_owner.pk):
        raise ValidationError(
            f"Запись контингента «{person.full_name}» уже связана с другой учётной записью. Проверьте заявку: "
            "возможно, это другой человек с теми же данными.", code="taken")
    return person


def _membership_for(req: JoinRequest, person: Person) -> Membership:
    """The role approval gives, only in the request's school (and class)."""
    org = req.organisation
    active = Membership.objects.active().filter(person=person, organisation=org, end_date__isnull=True)
    if req.role == JoinRole.TEACHER:
        existing = active.filter(role__in=TEACHING_ROLES).order_by("id").first()
        if existing is not None:
            return existing
        return Membership.objects.create(person=person, role=Role.TEACHER, organisation=org,
                                         origin=MembershipOrigin.JOIN_REQUEST)
    existing = active.filter(role=req.role, school_class=req.school_class).order_by("id").first()
    if existing is not None:
        return existing
    membership = Membership.objects.create(person=person, role=req.role, organisation=org,
                                           school_class=req.school_class, origin=MembershipOrigin.JOIN_REQUEST)
    if req.role == JoinRole.PARENT and req.pair_id:
        child = JoinRequest.objects.filter(pk=req.pair_id).values_list("subject_id", flat=True).first()
        if child and child != person.pk:
            Guardianship.objects.get_or_create(parent=person, child_id=child)
    return membership


# --- linking an account to the roster entry (the rule in the module docstring) ---------------------------

COPIED = ("snils", "email", "phone", "sex", "birth_date")


def _link(*, subject: Person, roster: Person) -> Person:
    if subject.pk == roster.pk:
        return roster
    user = User.objects.select_for_update().filter(person=subject).first()
    if user is not None:
        user.person = None
        user.save(update_fields=["person"])
    changed = []
    snils = subject.snils
    if snils and not roster.snils:
        Person.objects.filter(pk=subject.pk).update(snils=None)
        roster.snils = snils
        changed.append("snils")
    for name in COPIED[1:]:
        if getattr(subject, name) and not getattr(roster, name):
            setattr(roster, name, getattr(subject, name))
            changed.append(name)
    if subject.account_confirmed and not roster.account_confirmed:
        roster.account_confirmed = True
        changed.append("account_confirmed")
    if changed:
        roster.save()
    _move_relations(subject, roster)
    if user is not None:
        user.person = roster
        user.save(update_fields=["person"])
    _delete_if_unreferenced(subject)
    return roster


def _move_relations(source: Person, target: Person) -> None:
    for membership in Membership.objects.filter(person=source, end_date__isnull=True):
        twin = Membership.objects.filter(person=target, role=membership.role, organisation=membership.organisation_id,
                                         municipality=membership.municipality_id, region=membership.region_id,
                                         school_class=membership.school_class_id, end_date__isnull=True).exists()
        if twin:
            membership.end_date = timezone.localdate()
            membership.save(update_fields=["end_date"])
        else:
            membership.person = target
            membership.save(update_fields=["person"])
    Membership.objects.filter(person=source).update(person=target)
    for link in Guardianship.objects.filter(Q(parent=source) | Q(child=source)):
        parent_id = target.pk if link.parent_id == source.pk else link.parent_id
        child_id = target.pk if link.child_id == source.pk else link.child_id
        if parent_id == child_id or Guardianship.objects.filter(parent_id=parent_id, child_id=child_id).exists():
            link.delete()
        else:
            Guardianship.objects.filter(pk=link.pk).update(parent_id=parent_id, child_id=child_id)
    JoinRequest.objects.filter(subject=source).exclude(status=JoinStatus.PENDING).update(subject=target)
    for req in JoinRequest.objects.filter(subject=source, status=JoinStatus.PENDING):
        try:
            with transaction.atomic():
                JoinRequest.objects.filter(pk=req.pk).update(subject=target)
        except IntegrityError:  # the roster person has the same pending request: the copy is moot
            JoinRequest.objects.filter(pk=req.pk).update(status=JoinStatus.CANCELLED, decided_at=timezone.now())
    for model, fields in ((ParentConsent, ("child", "parent")), (ChildDataCorrection, ("child", "parent"))):
        for name in fields:
            for row in model.objects.filter(**{name: source}):
                try:
                    with transaction.atomic():
                        model.objects.filter(pk=row.pk).update(**{name: target})
                except IntegrityError:
                    pass


def _delete_if_unreferenced(person: Person) -> None:
    """Delete the emptied person unless anything of any app still refers to it."""
    collector = Collector(using="default", origin=person)
    try:
        collector.collect([person])
    except (ProtectedError, RestrictedError):
        return
    for model, instances in collector.data.items():
        if model is not Person and instances:
            return
    for qs in collector.fast_deletes:
        if getattr(qs, "model", None) is not Person and qs.exists():
            return
    person.delete()


@transaction.atomic
def join_request_reject(*, actor: ActiveRole, request: JoinRequest, reason: str) -> JoinRequest:
    """R20: reject with a reason the requester sees (required)."""
    require(actor, Action.REVIEW_JOIN_REQUESTS, request.organisation)
    reason = " ".join((reason or "").split())[:1000]
    if not reason:
        raise ValidationError({"reason": ["Укажите причину отказа: заявитель увидит её в «Мои заявки»."]})
    current = _lock(request)
    if current.status != JoinStatus.PENDING:
        _event(current, actor, "refused", "Попытка отклонить уже рассмотренную заявку")
        raise ValidationError(_decided(current), code="decided")
    _set_status(current, JoinStatus.REJECTED, actor, reject_reason=reason)
    _event(current, actor, "rejected", reason)
    audit(actor=actor, action="join_request.reject", obj=current, organisation=current.organisation,
          details={"reason": reason})
    return current


@dataclass
class BulkResult:
    approved: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)

    @property
    def message(self) -> str:
        n = len(self.approved)
        text = f"Одобрено {n} {plural(n, 'заявка', 'заявки', 'заявок')} с точным совпадением."
        if self.skipped:
            text += f" Не одобрено: {len(self.skipped)} (причины — в истории заявок)."
        return text


def join_requests_approve_matching(*, actor: ActiveRole, organisation: Organisation,
                                   ids: list[int] | None = None) -> BulkResult:
    """R20: «Одобрить все точные совпадения» — every pending request of the school whose ФИО and birth
    date agree with exactly one roster entry of its class. Each approval is its own transaction."""
    require(actor, Action.REVIEW_JOIN_REQUESTS, organisation)
    pending = JoinRequest.objects.filter(organisation=organisation, status=JoinStatus.PENDING)
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    # A child's half before its parent's (R22: the parent's waits for it), so one run approves both.
    rows = sorted(pending.order_by("pk"), key=lambda r: (r.kind == JoinKind.REPRESENTATIVE, r.pk))
    matches = match_requests(rows)
    result = BulkResult()
    for req in rows:
        if not matches[req.pk].is_exact:
            continue
        try:
            with transaction.atomic():
                current = _lock(req)
                if current.status != JoinStatus.PENDING:
                    raise ValidationError(_decided(current))
                _approve_locked(actor, current, None)
        except ValidationError as exc:
            result.skipped.append((req.pk, " ".join(exc.messages)))
        else:
            result.approved.append(req.pk)
    audit(actor=actor, action="join_request.approve_matching", organisation=organisation,
          details={"approved": len(result.approved), "skipped": len(result.skipped)})
    return result


# --- «Требует внимания» ---------------------------------------------------------------------------------

def attention(active: ActiveRole | None) -> list:
    """The administrator's «N заявок на вступление ждут решения» and «N исправлений данных ждут решения»."""
    from sreda.core.attention import Attention

    organisation = getattr(active, "organisation", None) if active is not None else None
    if organisation is None or not can(active, Action.REVIEW_JOIN_REQUESTS, organisation):
        return []
    counts = JoinRequest.objects.filter(organisation=organisation, status=JoinStatus.PENDING).aggregate(n=Count("pk"))
    fixes = ChildDataCorrection.objects.filter(organisation=organisation, status=CorrectionStatus.PENDING).count()
    items = []
    if counts["n"]:
        n = counts["n"]
        items.append(Attention(
            f"{n} {plural(n, 'заявка', 'заявки', 'заявок')} на вступление {plural(n, 'ждёт', 'ждут', 'ждут')} решения.",
            reverse("onboarding:join_requests")))
    if fixes:
        items.append(Attention(
            f"{fixes} {plural(fixes, 'исправление', 'исправления', 'исправлений')} данных "
            f"{plural(fixes, 'ждёт', 'ждут', 'ждут')} решения.", reverse("onboarding:parent_corrections")))
    return items


def private_actor(user: User) -> ActiveRole:
    """The person acting for themselves (R20 is done as a private person)."""
    return ActiveRole(user=user, key=PRIVATE)
