"""`python -m sreda token create|list|revoke`: API tokens of an organisation, issued by the machine's operator."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sreda.api.models import SCOPES
from sreda.api.selectors import token_by_prefix, token_list
from sreda.api.services import token_create, token_revoke
from sreda.core.active_role import system_operator
from sreda.core.identifiers import digits
from sreda.orgs.models import Organisation
from sreda.people.models import Membership, User
from sreda.people.roles import ROLE_SCOPE, Role, Scope

SCHOOL_ROLES = [role for role in Role.values if ROLE_SCOPE[role] == Scope.ORGANISATION]


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M") if moment else "—"


class Command(BaseCommand):
    help = "API-токены организации: выпустить (секрет показывается один раз), показать, отозвать."

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{create,list,revoke}")
        create = verbs.add_parser("create", help="Выпустить токен и показать его один раз.")
        create.add_argument("--org", required=True, metavar="ИНН", help="ИНН организации.")
        create.add_argument("--scope", action="append", required=True, choices=list(SCOPES), dest="scopes",
                            help="Область доступа; можно указать несколько раз.")
        create.add_argument("--role", default=Role.ADMINISTRATOR, choices=SCHOOL_ROLES,
                            help="Роль, от имени которой действует токен (по умолчанию administrator).")
        create.add_argument("--name", default="", help="Название, например «Школьная ИС».")
        create.add_argument(
            "--user", metavar="ЛОГИН", default="",
            help="Действовать от роли --role этого человека в организации, а не от роли организации. Нужно "
                 "там, где важна личность: подтверждение руководителя, подтверждение педагогов и обучающихся.")
        listing = verbs.add_parser("list", help="Токены организации.")
        listing.add_argument("--org", required=True, metavar="ИНН", help="ИНН организации.")
        revoke = verbs.add_parser("revoke", help="Отозвать токен по первым 8 символам.")
        revoke.add_argument("prefix", help="Первые 8 символов токена (видны в списке).")

    def handle(self, *args, verb: str, **options):
        actor = system_operator()
        try:
            getattr(self, f"handle_{verb}")(actor, **options)
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError(" ".join(messages)) from None

    def _organisation(self, inn: str) -> Organisation:
        organisation = Organisation.objects.select_related("municipality__region").filter(inn=digits(inn)).first()
        if organisation is None:
            raise CommandError(f"Организация с ИНН «{inn}» не найдена.")
        return organisation

    def handle_create(self, actor, *, org: str, scopes: list[str], role: str, name: str, user: str = "", **_):
        organisation = self._organisation(org)
        name = name or f"{organisation.short_name}: {Role(role).label}"
        if user:
            membership = self._membership(user, role, organisation)
            name = name if name != f"{organisation.short_name}: {Role(role).label}" else f"{name} ({user})"
            token, secret = token_create(actor=actor, name=name, scopes=scopes, membership=membership)
        else:
            token, secret = token_create(actor=actor, name=name, scopes=scopes, role=role, organisation=organisation)
        # The explanation goes to stderr and only the secret to stdout, so `TOKEN=$(… token create …)` works.
        self.stderr.write(f"Токен «{token.name}» выпущен: {token.role_label}; области: {', '.join(token.scopes)}.")
        self.stderr.write("Сохраните его сейчас — он показывается один раз и нигде не хранится:")
        self.stdout.write(secret)

    def _membership(self, username: str, role: str, organisation: Organisation) -> Membership:
        account = User.objects.select_related("person").filter(username=username).first()
        if account is None or account.person_id is None:
            raise CommandError(f"Учётная запись «{username}» не найдена или не связана с человеком.")
        membership = (Membership.objects.active().filter(person=account.person, organisation=organisation, role=role)
                      .select_related("organisation__municipality__region", "person").first())
        if membership is None:
            raise CommandError(f"У «{username}» нет действующей роли «{Role(role).label}» в «{organisation.short_name}».")
        return membership

    def handle_list(self, actor, *, org: str, **_):
        organisation = self._organisation(org)
        tokens = list(token_list(actor=actor, organisation=organisation))
        if not tokens:
            self.stdout.write(f"У организации «{organisation.short_name}» нет токенов.")
            return
        self.stdout.write("начало    состояние  выпущен           использован       области  роль  название")
        for token in tokens:
            state = "отозван" if token.is_revoked else "действует"
            self.stdout.write(
                f"{token.prefix}  {state:<9}  {_when(token.created_at):<16}  {_when(token.last_used_at):<16}  "
                f"{','.join(token.scopes)}  {token.role_label}  {token.name}"
            )

    def handle_revoke(self, actor, *, prefix: str, **_):
        token = token_by_prefix(actor=actor, prefix=prefix)
        if token is None:
            raise CommandError(f"Токен, начинающийся на «{prefix}», не найден.")
        already = token.is_revoked
        token = token_revoke(actor=actor, token=token)
        if already:
            self.stdout.write(f"Токен «{token.name}» ({token.prefix}…) уже был отозван {_when(token.revoked_at)}.")
        else:
            self.stdout.write(f"Токен «{token.name}» ({token.prefix}…) отозван.")
