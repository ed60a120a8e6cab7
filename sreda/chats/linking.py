"""Linking a person's messenger account to the roster (R27).

A person types their Matrix id; the school's service account sends a 6-digit code to it as a direct message;
the person types the code back. The code is kept only as a keyed hash, is valid CODE_TTL and allows
MAX_ATTEMPTS wrong tries. A person has at most one linked id and an id belongs to at most one person (database
constraints on MessengerAccount). Linking and unlinking are audited and trigger the sync of the person's
schools, so their chats appear (R27: linking the director or a class teacher makes their chats appear).
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from sreda.chats.connector import Connector, MessengerError
from sreda.chats.models import (
    AccountStatus,
    MessengerAccount,
    MessengerSettings,
    TaskTrigger,
)
from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.people.models import Membership, Person

CODE_LENGTH = 6
CODE_TTL = timedelta(minutes=15)
MAX_ATTEMPTS = 5
RESEND_INTERVAL = timedelta(seconds=30)  # one code message per half minute: no spamming the person's messenger
# Matrix user id grammar: «@» localpart «:» server name (lower-case localpart of the historical grammar).
USER_ID_RE = re.compile(r"^@(?P<local>[a-z0-9._=\-/+]+):(?P<server>[A-Za-z0-9.\-]+(?::\d{1,5})?)$")

NO_PERSON = "Привязать мессенджер может только человек с учётной записью в Среде."
NO_SETTINGS = ("В ваших школах чаты в мессенджере не подключены: привязать учётную запись пока нельзя. "
               "Обратитесь к администратору школы.")
BAD_ID = "Идентификатор Matrix записывается так: @имя:сервер, например @ivanova:{server}."
OTHER_SERVER = "Идентификатор должен быть на сервере школы: @имя:{server}."
NO_USER = "На сервере {server} нет пользователя {user_id}. Проверьте написание."
ALREADY_YOURS = "У вас уже привязан {user_id}. Чтобы привязать другой идентификатор, сначала отвяжите этот."
TAKEN = "Идентификатор {user_id} уже привязан к другому человеку."
TOO_SOON = "Код уже отправлен. Новый можно запросить через {seconds} с."
NO_CODE = "Сначала укажите идентификатор Matrix: мы отправим на него код."
LOCKED = f"Код введён неверно {MAX_ATTEMPTS} раз. Запросите новый код."
EXPIRED = f"Срок действия кода истёк ({int(CODE_TTL.total_seconds() // 60)} минут). Запросите новый код."
WRONG = "Неверный код. Осталось попыток: {left}."
BAD_CODE = f"Код — {CODE_LENGTH} цифр из сообщения от Среды."
NOT_LINKED = "Учётная запись в мессенджере не привязана."
SEND_FAILED = "Не удалось отправить код: {message}"
NOTICE = ("Код для привязки учётной записи к Среде: {code}. Введите его на странице «Мессенджер» в течение "
          "{minutes} минут. Если вы не запрашивали код, ничего не делайте.")


@dataclass(frozen=True)
class LinkState:
    """What the linking page shows: the linked id, or the id waiting for its code, and where the code goes."""

    linked: MessengerAccount | None
    pending: MessengerAccount | None
    settings: MessengerSettings | None

    @property
    def expires_at(self) -> datetime | None:
        return self.pending.code_sent_at + CODE_TTL if self.pending and self.pending.code_sent_at else None

    @property
    def attempts_left(self) -> int:
        return max(0, MAX_ATTEMPTS - self.pending.attempts) if self.pending else MAX_ATTEMPTS


def person_of(actor: ActiveRole) -> Person:
    person = actor.person if actor is not None else None
    if person is None:
        raise PermissionDenied(NO_PERSON)
    return person


def settings_for(actor: ActiveRole) -> MessengerSettings | None:
    """The school whose homeserver and service account serve the person: the active role's school, else the
    first school (by id) of their active memberships that has messenger settings."""
    if actor.organisation_id:
        found = MessengerSettings.objects.filter(organisation_id=actor.organisation_id).first()
        if found is not None:
            return found
    person = actor.person
    if person is None:
        return None
    schools = Membership.objects.active().filter(person=person, organisation__isnull=False).values("organisation_id")
    return MessengerSettings.objects.filter(organisation_id__in=schools).order_by("organisation_id").first()


def connector_for(settings: MessengerSettings) -> Connector:
    """The real connector of the school's homeserver."""
    from sreda.chats.matrix import MatrixConnector

    return MatrixConnector.from_settings(settings)


def link_state(*, actor: ActiveRole) -> LinkState:
    person = person_of(actor)
    accounts = {a.status: a for a in MessengerAccount.objects.filter(person=person).order_by("created_at", "id")}
    return LinkState(linked=accounts.get(AccountStatus.LINKED), pending=accounts.get(AccountStatus.PENDING),
                     settings=settings_for(actor))


def linked_user_id(person: Person) -> str:
    """The person's linked messenger id, or "" (the person's record, tab «Общая»)."""
    account = MessengerAccount.objects.filter(person=person, status=AccountStatus.LINKED).first()
    return account.user_id if account else ""


def _hash(account_id: int, code: str) -> str:
    return salted_hmac("sreda.chats.link", f"{account_id}:{code}", algorithm="sha256").hexdigest()


def normalise_user_id(value: str) -> str:
    value = (value or "").strip()
    if value and not value.startswith("@"):
        value = "@" + value
    return value


def link_start(*, actor: ActiveRole, user_id: str, connector: Connector | None = None) -> MessengerAccount:
    """Check the id and send a new code to it from the school's service account. Raises ValidationError with a
    Russian message when the id is wrong, taken or unknown, or the code could not be sent (nothing is changed)."""
    person = person_of(actor)
    settings = settings_for(actor)
    if settings is None:
        raise ValidationError(NO_SETTINGS)
    user_id = normalise_user_id(user_id)
    match = USER_ID_RE.match(user_id)
    if match is None:
        raise ValidationError(BAD_ID.format(server=settings.server_name))
    if match["server"].lower() != settings.server_name.lower():
        raise ValidationError(OTHER_SERVER.format(server=settings.server_name))
    mine = MessengerAccount.objects.filter(person=person, status=AccountStatus.LINKED).first()
    if mine is not None:
        raise ValidationError(ALREADY_YOURS.format(user_id=mine.user_id))
    if MessengerAccount.objects.filter(user_id=user_id, status=AccountStatus.LINKED).exists():
        raise ValidationError(TAKEN.format(user_id=user_id))
    now = timezone.now()
    pending = MessengerAccount.objects.filter(person=person, status=AccountStatus.PENDING).first()
    if pending is not None and pending.code_sent_at and now - pending.code_sent_at < RESEND_INTERVAL:
        wait = RESEND_INTERVAL - (now - pending.code_sent_at)
        raise ValidationError(TOO_SOON.format(seconds=max(1, int(wait.total_seconds()))))
    own = connector is None
    connector = connector or connector_for(settings)
    try:
        return _send_code(actor, person, settings, user_id, connector, now)
    finally:
        if own:
            connector.close()


def _send_code(actor, person, settings, user_id, connector, now) -> MessengerAccount:
    try:
        if not connector.user_exists(user_id):
            raise ValidationError(NO_USER.format(server=settings.server_name, user_id=user_id))
    except MessengerError as exc:
        raise ValidationError(SEND_FAILED.format(message=_explain(exc))) from exc
    code = f"{secrets.randbelow(10 ** CODE_LENGTH):0{CODE_LENGTH}d}"
    with transaction.atomic():
        MessengerAccount.objects.filter(person=person, status=AccountStatus.PENDING).delete()
        account = MessengerAccount.objects.create(person=person, user_id=user_id, status=AccountStatus.PENDING,
                                                  code_sent_at=now, attempts=0, created_at=now)
        account.code_hash = _hash(account.pk, code)
        account.save(update_fields=["code_hash"])
        try:
            # Sent inside the transaction on purpose: a code that never reached the person must not be stored.
            connector.send_notice(user_id, NOTICE.format(code=code, minutes=int(CODE_TTL.total_seconds() // 60)))
        except MessengerError as exc:
            raise ValidationError(SEND_FAILED.format(message=_explain(exc))) from exc
        audit(actor=actor, action="chats.messenger_code_sent", obj=account, organisation=settings.organisation,
              details={"user_id": user_id})
    return account


def _explain(exc: MessengerError) -> str:
    return f"{exc.message} {exc.hint}".strip()


def link_confirm(*, actor: ActiveRole, code: str) -> MessengerAccount:
    """Check the typed code; the right one links the id (R27) and schedules the sync of the person's schools."""
    person = person_of(actor)
    code = re.sub(r"\s+", "", code or "")
    if not re.fullmatch(rf"\d{{{CODE_LENGTH}}}", code):
        raise ValidationError(BAD_CODE)
    error = None
    with transaction.atomic():
        account = (MessengerAccount.objects.select_for_update()
                   .filter(person=person, status=AccountStatus.PENDING).first())
        if account is None:
            raise ValidationError(NO_CODE)
        if account.attempts >= MAX_ATTEMPTS:
            raise ValidationError(LOCKED)
        if account.code_sent_at is None or timezone.now() > account.code_sent_at + CODE_TTL:
            raise ValidationError(EXPIRED)
        if not constant_time_compare(account.code_hash, _hash(account.pk, code)):
            account.attempts += 1
            account.save(update_fields=["attempts"])
            left = MAX_ATTEMPTS - account.attempts
            error = WRONG.format(left=left) if left else LOCKED
        else:
            error = _link(actor, account)
    if error:
        raise ValidationError(error)
    return account


def _link(actor: ActiveRole, account: MessengerAccount) -> str | None:
    """Mark the account linked; a message instead when the id was linked to someone else meanwhile."""
    account.status = AccountStatus.LINKED
    account.linked_at = timezone.now()
    account.code_hash = ""
    try:
        with transaction.atomic():
            account.save(update_fields=["status", "linked_at", "code_hash"])
    except IntegrityError:
        account.status = AccountStatus.PENDING
        return TAKEN.format(user_id=account.user_id)
    schools = _schools_of(account.person_id)
    audit(actor=actor, action="chats.messenger_link", obj=account, organisation=actor.organisation,
          details={"user_id": account.user_id, "schools": schools})
    transaction.on_commit(lambda: _trigger_sync(schools))
    return None


def link_remove(*, actor: ActiveRole) -> MessengerAccount:
    """Unlink the person's messenger id; the next sync takes them out of the chats."""
    person = person_of(actor)
    with transaction.atomic():
        account = (MessengerAccount.objects.select_for_update()
                   .filter(person=person, status=AccountStatus.LINKED).first())
        if account is None:
            raise ValidationError(NOT_LINKED)
        MessengerAccount.objects.filter(person=person).delete()
        schools = _schools_of(person.pk)
        audit(actor=actor, action="chats.messenger_unlink", obj=account, organisation=actor.organisation,
              details={"user_id": account.user_id, "schools": schools})
        transaction.on_commit(lambda: _trigger_sync(schools))
    return account


def _schools_of(person_id: int) -> list[int]:
    """The schools with chats in which the person has an active role: their syncs decide the person's chats."""
    schools = Membership.objects.active().filter(person_id=person_id, organisation__isnull=False)
    return sorted(set(MessengerSettings.objects.filter(organisation_id__in=schools.values("organisation_id"))
                      .values_list("organisation_id", flat=True)))


def _trigger_sync(schools: list[int]) -> None:
    try:
        from sreda.chats.triggers import roster_changed
    except ImportError:  # the sync part is not installed: the scheduled sync picks the change up
        return
    for organisation_id in schools:
        roster_changed(organisation_id, trigger=TaskTrigger.LINK)
