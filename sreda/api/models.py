"""API tokens (R29): a system acts in a role of an organisation; the secret is shown once and only its
hash is kept."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from sreda.people.roles import Role

# What a token may be used for. `read` opens the read endpoints; the others are granted to the parts
# that need them (roster import, SCIM provisioning, statistics) as they appear.
SCOPE_READ = "read"
SCOPE_ROSTER_WRITE = "roster:write"
SCOPE_SCIM = "scim"
SCOPE_STATS_READ = "stats:read"
SCOPE_STAFF_WRITE = "staff:write"
SCOPE_STATS_WRITE = "stats:write"
SCOPE_LIBRARY_READ = "library:read"
SCOPE_LIBRARY_WRITE = "library:write"
SCOPE_CHATS = "chats"
SCOPE_JOINING = "joining"
SCOPE_DPO = "dpo"
SCOPES: dict[str, str] = {
    SCOPE_READ: "Чтение справочников, организаций, классов и людей",
    SCOPE_ROSTER_WRITE: "Загрузка контингента",
    SCOPE_SCIM: "Провижининг по SCIM 2.0",
    SCOPE_STATS_READ: "Чтение статистики",
    SCOPE_STAFF_WRITE: "Подтверждение руководителя, педагогов и обучающихся; приглашения; группы доступа",
    SCOPE_STATS_WRITE: "Загрузка событий активности и выгрузок статистики платформ",
    SCOPE_LIBRARY_READ: "Библиотека: доступ педагогов, каталог, расписание, назначения, показатели",
    SCOPE_LIBRARY_WRITE: "Библиотека: расписание и его выгрузка, каталог, назначение уроков",
    SCOPE_CHATS: "Чаты в мессенджере: план, синхронизация, задачи обмена",
    SCOPE_JOINING: "Вступление в школу: заявки, приглашения родителей, подключение классов, ознакомление",
    SCOPE_DPO: "ДПО: программы, группы, заявки на обучение",
}

PREFIX_LENGTH = 8


class ApiToken(models.Model):
    """A bearer token. It acts either as a person's own membership (issued by that person) or as a role of
    an organisation, municipality or region that belongs to no person (issued by an operator or the CLI)."""

    name = models.CharField("название", max_length=200)
    prefix = models.CharField("начало токена", max_length=PREFIX_LENGTH, unique=True,
                              help_text="Первые 8 символов: по ним токен узнают в списках.")
    key_hash = models.CharField("SHA-256 токена", max_length=64, unique=True, editable=False)
    scopes = models.JSONField("области доступа", default=list)
    membership = models.ForeignKey(
        "people.Membership", on_delete=models.CASCADE, null=True, blank=True, related_name="api_tokens",
        verbose_name="роль человека", help_text="Токен, выпущенный человеком для своей роли.",
    )
    role = models.CharField("роль", max_length=32, choices=Role.choices, blank=True)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="api_tokens",
        verbose_name="организация",
    )
    municipality = models.ForeignKey(
        "orgs.Municipality", on_delete=models.CASCADE, null=True, blank=True, related_name="api_tokens",
        verbose_name="муниципалитет",
    )
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.CASCADE, null=True, blank=True, related_name="api_tokens", verbose_name="регион",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="кто выпустил",
    )
    created_at = models.DateTimeField("выпущен", default=timezone.now, editable=False)
    last_used_at = models.DateTimeField("последнее использование", null=True, blank=True)
    revoked_at = models.DateTimeField("отозван", null=True, blank=True)

    class Meta:
        verbose_name = "API-токен"
        verbose_name_plural = "API-токены"
        ordering = ["-created_at", "-id"]
        constraints = [
            # Either a person's membership, or a role with exactly one scope: never both, never neither.
            models.CheckConstraint(
                condition=(
                    Q(membership__isnull=False, role="", organisation__isnull=True, municipality__isnull=True,
                      region__isnull=True)
                    | (
                        Q(membership__isnull=True) & ~Q(role="")
                        & (
                            Q(organisation__isnull=False, municipality__isnull=True, region__isnull=True)
                            | Q(organisation__isnull=True, municipality__isnull=False, region__isnull=True)
                            | Q(organisation__isnull=True, municipality__isnull=True, region__isnull=False)
                        )
                    )
                ),
                name="api_token_acts_as_one_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def scope_organisation(self):
        """The organisation the token's role belongs to, if it is a school role."""
        if self.membership_id:
            return self.membership.organisation
        return self.organisation

    @property
    def role_label(self) -> str:
        if self.membership_id:
            return str(self.membership)
        scope = self.organisation or self.municipality or self.region
        return f"{self.get_role_display()} — {scope}"
