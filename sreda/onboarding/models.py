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


# ---------------------------------------------------------------------------------------------------
# Joining a school (R20–R22)
# ---------------------------------------------------------------------------------------------------

class JoinRole(models.TextChoices):
    STUDENT = Role.STUDENT.value, "Обучающийся"
    PARENT = Role.PARENT.value, "Законный представитель"
    TEACHER = Role.TEACHER.value, "Учитель"


class JoinKind(models.TextChoices):
    """What approving the request does. A parent's request for a child is two linked requests (R22)."""

    SELF = "self", "Вступление в школу"
    REPRESENTATIVE = "representative", "Прикрепить законного представителя"
    CHILD = "child", "Зарегистрировать и прикрепить обучающегося"


class JoinStatus(models.TextChoices):
    PENDING = "pending", "На рассмотрении"
    APPROVED = "approved", "Одобрена"
    REJECTED = "rejected", "Отклонена"
    CANCELLED = "cancelled", "Отозвана заявителем"


class JoinRequest(models.Model):
    """A signed-in person's request to join a school in a role and an exact class (R20).

    The data typed by the requester (ФИО, birth date; for a CHILD request the child's) are kept as typed,
    so the administrator compares them field by field with the roster entry they match.
    """

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="join_requests", verbose_name="организация"
    )
    kind = models.CharField("вид заявки", max_length=16, choices=JoinKind.choices, default=JoinKind.SELF)
    role = models.CharField("роль", max_length=32, choices=JoinRole.choices)
    school_class = models.ForeignKey(
        "orgs.SchoolClass", on_delete=models.PROTECT, null=True, blank=True, related_name="join_requests",
        verbose_name="класс",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests", verbose_name="заявитель"
    )
    # Whom the request is about: the requester's own person (SELF, REPRESENTATIVE) or the child (CHILD).
    subject = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="join_requests", verbose_name="о ком заявка"
    )
    surname = models.CharField("фамилия", max_length=100)
    name = models.CharField("имя", max_length=100)
    patronymic = models.CharField("отчество", max_length=100, blank=True)
    birth_date = models.DateField("дата рождения", null=True, blank=True)
    # R22: the other half of a parent's request for a child.
    pair = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="paired_with",
        verbose_name="связанная заявка",
    )
    status = models.CharField("статус", max_length=12, choices=JoinStatus.choices, default=JoinStatus.PENDING)
    created_at = models.DateTimeField("подана", default=timezone.now)
    decided_at = models.DateTimeField("рассмотрена", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="рассмотрел",
    )
    reject_reason = models.TextField("причина отказа", blank=True)
    # The roster entry the request was matched to on approval, and the membership approval created.
    roster_person = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="запись контингента",
    )
    membership = models.ForeignKey(
        "people.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="join_requests",
        verbose_name="созданная роль",
    )

    class Meta:
        verbose_name = "заявка на вступление"
        verbose_name_plural = "заявки на вступление"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status", "created_at"], name="joinrequest_org_status")]
        constraints = [
            # One open request per person, school, role, kind and class: a second click is not a second request.
            models.UniqueConstraint(
                fields=["subject", "organisation", "role", "kind", "school_class"],
                condition=Q(status="pending"),
                name="joinrequest_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True) | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="joinrequest_decided_has_time",
            ),
            # R20: a student or a parent names the exact class.
            models.CheckConstraint(
                condition=Q(role="teacher") | Q(school_class__isnull=False),
                name="joinrequest_class_for_student_and_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"№ {self.pk}: {self.full_name} — {self.get_role_display()}"

    @property
    def full_name(self) -> str:
        return full_name(self.surname, self.name, self.patronymic)


class JoinRequestEvent(models.Model):
    """History of a join request: sent, approved, rejected, cancelled, a concurrent attempt refused."""

    request = models.ForeignKey(JoinRequest, on_delete=models.CASCADE, related_name="events", verbose_name="заявка")
    at = models.DateTimeField("когда", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто"
    )
    kind = models.CharField("событие", max_length=32)
    note = models.TextField("подробности", blank=True)

    class Meta:
        verbose_name = "событие заявки на вступление"
        verbose_name_plural = "история заявки на вступление"
        ordering = ["at", "id"]


class ParentInvitationStatus(models.TextChoices):
    PENDING = "pending", "Ожидает родителя"
    USED = "used", "Использовано"
    REVOKED = "revoked", "Отозвано"


class ParentInvitation(models.Model):
    """A link (and its QR code) with which a parent completes a student's joining (R21). Only the SHA-256
    of the token is kept; it works once and only for this child."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="parent_invitations", verbose_name="организация"
    )
    student = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="parent_invitations", verbose_name="обучающийся"
    )
    school_class = models.ForeignKey(
        "orgs.SchoolClass", on_delete=models.PROTECT, related_name="parent_invitations", verbose_name="класс"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        "статус", max_length=12, choices=ParentInvitationStatus.choices, default=ParentInvitationStatus.PENDING
    )
    created_at = models.DateTimeField("выдано", default=timezone.now)
    expires_at = models.DateTimeField("действует до")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="выдал"
    )
    used_at = models.DateTimeField("использовано", null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="родитель",
    )

    class Meta:
        verbose_name = "приглашение родителя"
        verbose_name_plural = "приглашения родителей"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["school_class", "status"], name="parentinv_class_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="used", used_at__isnull=False) | ~Q(status="used"),
                name="parentinv_used_has_time",
            ),
        ]

    @property
    def is_expired(self) -> bool:
        return self.status == ParentInvitationStatus.PENDING and self.expires_at <= timezone.now()


class ParentConsent(models.Model):
    """R21: «Я даю согласие на использование платформы моим ребёнком», given by a parent for a child in a
    school. Its existence is what «ребёнок подтверждён» means on the onboarding tracker (R23)."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="parent_consents", verbose_name="организация"
    )
    child = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="consents_as_child", verbose_name="ребёнок"
    )
    parent = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="consents_as_parent", verbose_name="законный представитель"
    )
    invitation = models.ForeignKey(
        ParentInvitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="consents",
        verbose_name="приглашение",
    )
    text_version = models.CharField("версия текста", max_length=32)
    given_at = models.DateTimeField("дано", default=timezone.now)

    class Meta:
        verbose_name = "согласие родителя"
        verbose_name_plural = "согласия родителей"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "child", "parent"], name="parentconsent_unique"),
        ]


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", "Ожидает решения"
    ACCEPTED = "accepted", "Принято"
    REJECTED = "rejected", "Отклонено"


class ChildDataCorrection(models.Model):
    """A parent's correction of the child's data (R21), sent to the administrator as a difference:
    `changes` = {field: {"old": ..., "new": ...}} for ФИО, birth date and sex."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="child_corrections", verbose_name="организация"
    )
    child = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="corrections", verbose_name="ребёнок"
    )
    parent = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", verbose_name="законный представитель"
    )
    invitation = models.ForeignKey(
        ParentInvitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="corrections",
        verbose_name="приглашение",
    )
    changes = models.JSONField("исправления")
    status = models.CharField("статус", max_length=12, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING)
    created_at = models.DateTimeField("отправлено", default=timezone.now)
    decided_at = models.DateTimeField("рассмотрено", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="рассмотрел",
    )
    reject_reason = models.TextField("причина отказа", blank=True)

    class Meta:
        verbose_name = "исправление данных ребёнка"
        verbose_name_plural = "исправления данных детей"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status"], name="correction_org_status")]


# ---------------------------------------------------------------------------------------------------
# The onboarding tracker and acknowledgements (R23)
# ---------------------------------------------------------------------------------------------------

class OnboardingDeadline(models.Model):
    """The date by which the school's order wants every student and parent on board (R23)."""

    organisation = models.OneToOneField(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="onboarding_deadline", verbose_name="организация"
    )
    deadline = models.DateField("срок")
    order_title = models.CharField("приказ", max_length=300, blank=True)
    updated_at = models.DateTimeField("изменено", default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="изменил",
    )

    class Meta:
        verbose_name = "срок подключения"
        verbose_name_plural = "сроки подключения"


class SchoolDocument(models.Model):
    """A school document (an order with its instruction) that staff acknowledge (ознакомление, R23).
    The file is kept by core.files.store_upload under a random name; only its metadata lives here."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="school_documents", verbose_name="организация"
    )
    title = models.CharField("название", max_length=300)
    instruction = models.TextField("что нужно сделать", blank=True)
    file_path = models.CharField("файл", max_length=300, blank=True)
    file_name = models.CharField("имя файла", max_length=255, blank=True)
    file_type = models.CharField("тип файла", max_length=50, blank=True)
    file_size = models.PositiveIntegerField("размер файла, байт", null=True, blank=True)
    published_at = models.DateTimeField("опубликован", default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="опубликовал"
    )
    due_date = models.DateField("ознакомиться до", null=True, blank=True)

    class Meta:
        verbose_name = "документ школы"
        verbose_name_plural = "документы школы"
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Acknowledgement(models.Model):
    """One employee asked to acknowledge one document; `acknowledged_at` is set when they press
    «Ознакомлен(а)» and never unset."""

    document = models.ForeignKey(
        SchoolDocument, on_delete=models.CASCADE, related_name="acknowledgements", verbose_name="документ"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="acknowledgements", verbose_name="сотрудник"
    )
    requested_at = models.DateTimeField("запрошено", default=timezone.now)
    acknowledged_at = models.DateTimeField("ознакомлен(а)", null=True, blank=True)

    class Meta:
        verbose_name = "ознакомление"
        verbose_name_plural = "ознакомления"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["document", "person"], name="acknowledgement_unique")]
        indexes = [models.Index(fields=["person", "acknowledged_at"], name="ack_person_pending")]
