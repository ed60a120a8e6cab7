"""Invitations of employees (R10–R12)."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from sreda.core.text import full_name
from sreda.people.roles import Role

# The roles an invitation can give: a school's employees other than the director, whose record comes
# from the registry and is verified by the regional operator (R6).
INVITABLE_ROLES = (Role.ADMINISTRATOR, Role.TEACHER, Role.STAFF)


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Ожидает ответа"
    ACCEPTED = "accepted", "Принято"
    REPLACED = "replaced", "Заменено новой ссылкой"
    REVOKED = "revoked", "Отозвано"
    # «Истекло» is not stored: a pending invitation past `expires_at` is shown as expired (R11).


class Invitation(models.Model):
    """An invitation to join a school as an employee. Only the SHA-256 of the link's token is kept; the
    link works once and for INVITATION_VALID_DAYS days (R11)."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="invitations", verbose_name="организация"
    )
    surname = models.CharField("фамилия", max_length=100)
    name = models.CharField("имя", max_length=100)
    patronymic = models.CharField("отчество", max_length=100, blank=True)
    email = models.EmailField("e-mail")
    snils = models.CharField("СНИЛС", max_length=11, blank=True)
    role = models.CharField("роль", max_length=32, choices=[(r.value, r.label) for r in INVITABLE_ROLES])
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        "статус", max_length=12, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    sent_at = models.DateTimeField("отправлено", default=timezone.now)
    expires_at = models.DateTimeField("действует до")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="пригласил"
    )
    accepted_at = models.DateTimeField("принято", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="принял",
    )
    membership = models.ForeignKey(
        "people.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations",
        verbose_name="роль, созданная приглашением",
    )
    replaced_by = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaces",
        verbose_name="заменено приглашением",
    )

    class Meta:
        verbose_name = "приглашение"
        verbose_name_plural = "приглашения"
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status", "expires_at"], name="invitation_org_status")]
        constraints = [
            # Accepted ⇔ accepted_at is set: one acceptance, never half of one.
            models.CheckConstraint(
                condition=Q(status="accepted", accepted_at__isnull=False) | ~Q(status="accepted"),
                name="invitation_accepted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} — {self.organisation}"

    @property
    def full_name(self) -> str:
        return full_name(self.surname, self.name, self.patronymic)

    @property
    def is_expired(self) -> bool:
        return self.status == InvitationStatus.PENDING and self.expires_at <= timezone.now()


class InvitationEvent(models.Model):
    """History of an invitation, shown to the administrator: sent, resent, accepted, revoked, refused."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="events", verbose_name="приглашение")
    at = models.DateTimeField("когда", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто"
    )
    kind = models.CharField("событие", max_length=32)
    note = models.TextField("подробности", blank=True)

    class Meta:
        verbose_name = "событие приглашения"
        verbose_name_plural = "история приглашения"
        ordering = ["at", "id"]
