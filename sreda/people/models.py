"""Persons, accounts, memberships (a role in an organisation), guardianship, consents."""
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from sreda.core.identifiers import validate_snils
from sreda.core.text import fold, full_name, short_name
from sreda.people.roles import ROLE_SCOPE, Role, Scope


class Sex(models.TextChoices):
    MALE = "M", "мужской"
    FEMALE = "F", "женский"


class Person(models.Model):
    """A human being as the school registry knows them; may or may not have an account."""

    surname = models.CharField("фамилия", max_length=100)
    name = models.CharField("имя", max_length=100)
    patronymic = models.CharField("отчество", max_length=100, blank=True)
    birth_date = models.DateField("дата рождения", null=True, blank=True)
    sex = models.CharField("пол", max_length=1, choices=Sex.choices, blank=True)
    snils = models.CharField("СНИЛС", max_length=11, null=True, blank=True, unique=True)
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("телефон", max_length=12, blank=True)
    account_confirmed = models.BooleanField(
        "учётная запись подтверждена", default=False,
        help_text="Подтверждённая учётная запись (Госуслуги/ЕСИА или проверка документов).",
    )
    external_id = models.CharField(
        "идентификатор в школьной ИС", max_length=100, null=True, blank=True, unique=True,
        help_text="sourcedId из OneRoster или ID из шаблона импорта.",
    )
    # fold("Фамилия Имя Отчество"): search ignores case and «ё»; sort by surname, then name.
    sort_key = models.CharField(max_length=310, editable=False, db_index=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "человек"
        verbose_name_plural = "люди"
        ordering = ["sort_key", "id"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return full_name(self.surname, self.name, self.patronymic)

    @property
    def short_name(self) -> str:
        return short_name(self.surname, self.name, self.patronymic)

    def clean(self) -> None:
        if self.snils:
            try:
                self.snils = validate_snils(self.snils)
            except ValidationError as exc:
                raise ValidationError({"snils": exc.messages}) from None

    def save(self, *args, **kwargs):
        self.sort_key = person_sort_key(self.surname, self.name, self.patronymic)
        self.updated_at = timezone.now()
        if self.snils == "":
            self.snils = None
        super().save(*args, **kwargs)


def person_sort_key(surname: str, name: str, patronymic: str) -> str:
    return fold(full_name(surname, name, patronymic))[:310]


class User(AbstractUser):
    """An account to sign in with; tied to one person. Superusers are the platform operators."""

    person = models.OneToOneField(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="user", verbose_name="человек"
    )

    class Meta:
        verbose_name = "учётная запись"
        verbose_name_plural = "учётные записи"

    def __str__(self) -> str:
        return self.person.full_name if self.person_id else self.username


class MembershipOrigin(models.TextChoices):
    ROSTER = "roster", "Импорт из школьной ИС"
    MANUAL = "manual", "Вручную"
    INVITATION = "invitation", "Приглашение"
    JOIN_REQUEST = "join_request", "Заявка на вступление"


class Confirmation(models.TextChoices):
    """Has the school confirmed this role? Directors are confirmed by the regional operator (R6–R7),
    teachers and students by the confirmed director (R9)."""

    PENDING = "pending", "Не подтверждён"
    CONFIRMED = "confirmed", "Подтверждён"
    REJECTED = "rejected", "Отклонён"


class ActiveMembershipQuerySet(models.QuerySet):
    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gt=on), start_date__lte=on)


class Membership(models.Model):
    """A person's role in an organisation (or a municipality / region for district and regional roles).

    Ending a membership sets `end_date`; rows are never deleted, so history stays.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships", verbose_name="человек")
    role = models.CharField("роль", max_length=32, choices=Role.choices)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="memberships",
        verbose_name="организация",
    )
    municipality = models.ForeignKey(
        "orgs.Municipality", on_delete=models.CASCADE, null=True, blank=True, related_name="memberships",
        verbose_name="муниципалитет",
    )
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.CASCADE, null=True, blank=True, related_name="memberships", verbose_name="регион"
    )
    school_class = models.ForeignKey(
        "orgs.SchoolClass", on_delete=models.PROTECT, null=True, blank=True, related_name="memberships",
        verbose_name="класс",
    )
    subjects = models.ManyToManyField("orgs.Subject", blank=True, related_name="teachers", verbose_name="предметы")
    start_date = models.DateField("начало", default=timezone.localdate)
    end_date = models.DateField("окончание", null=True, blank=True)
    origin = models.CharField("источник", max_length=20, choices=MembershipOrigin.choices, default=MembershipOrigin.MANUAL)
    confirmation = models.CharField(
        "подтверждение", max_length=12, choices=Confirmation.choices, default=Confirmation.PENDING
    )
    confirmed_at = models.DateTimeField("подтверждено/отклонено", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="кем подтверждено/отклонено",
    )

    objects = ActiveMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "роль в организации"
        verbose_name_plural = "роли в организациях"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["organisation", "role", "end_date"], name="membership_org_role"),
            models.Index(fields=["school_class", "end_date"], name="membership_class"),
            models.Index(fields=["organisation", "confirmation", "role"], name="membership_org_confirmation"),
        ]
        constraints = [
            # Exactly one scope is set: organisation, municipality or region.
            models.CheckConstraint(
                condition=(
                    Q(organisation__isnull=False, municipality__isnull=True, region__isnull=True)
                    | Q(organisation__isnull=True, municipality__isnull=False, region__isnull=True)
                    | Q(organisation__isnull=True, municipality__isnull=True, region__isnull=False)
                ),
                name="membership_exactly_one_scope",
            ),
            # One active membership per (person, organisation, role, class). NULL class is split off
            # because NULLs are distinct in unique indexes.
            models.UniqueConstraint(
                fields=["person", "organisation", "role"],
                condition=Q(end_date__isnull=True, school_class__isnull=True, organisation__isnull=False),
                name="one_active_membership_without_class",
            ),
            models.UniqueConstraint(
                fields=["person", "organisation", "role", "school_class"],
                condition=Q(end_date__isnull=True, school_class__isnull=False),
                name="one_active_membership_in_class",
            ),
            models.UniqueConstraint(
                fields=["person", "role", "municipality"],
                condition=Q(end_date__isnull=True, municipality__isnull=False),
                name="one_active_municipal_membership",
            ),
            models.UniqueConstraint(
                fields=["person", "role", "region"],
                condition=Q(end_date__isnull=True, region__isnull=False),
                name="one_active_regional_membership",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} — {self.scope_name}"

    @property
    def scope_kind(self) -> str:
        return ROLE_SCOPE[self.role]

    @property
    def scope_name(self) -> str:
        if self.organisation_id:
            return self.organisation.short_name
        if self.municipality_id:
            return self.municipality.name
        return self.region.name

    @property
    def is_confirmed(self) -> bool:
        return self.confirmation == Confirmation.CONFIRMED

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        return self.start_date <= today and (self.end_date is None or self.end_date > today)

    def clean(self) -> None:
        scope = ROLE_SCOPE.get(self.role)
        expected = {
            Scope.ORGANISATION: self.organisation_id,
            Scope.MUNICIPALITY: self.municipality_id,
            Scope.REGION: self.region_id,
        }
        if scope and not expected[scope]:
            raise ValidationError(f"Для роли «{self.get_role_display()}» укажите {Scope(scope).label}.")
        if self.role == Role.STUDENT and not self.school_class_id:
            raise ValidationError("Для обучающегося укажите класс, например «5А».")


class Guardianship(models.Model):
    """A legal representative (parent) of a child."""

    parent = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="children_links", verbose_name="законный представитель")
    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="parent_links", verbose_name="ребёнок")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "законное представительство"
        verbose_name_plural = "законные представительства"
        constraints = [
            models.UniqueConstraint(fields=["parent", "child"], name="guardianship_unique"),
            models.CheckConstraint(condition=~Q(parent=models.F("child")), name="guardianship_not_self"),
        ]


class ConsentKind(models.TextChoices):
    PERSONAL_DATA = "personal_data", "Согласие на обработку персональных данных"


class Consent(models.Model):
    """A consent given by an account holder (R3): which text version, when, from where."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=32, choices=ConsentKind.choices, default=ConsentKind.PERSONAL_DATA)
    text_version = models.CharField("версия текста", max_length=32)
    given_at = models.DateTimeField("дано", default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = "согласие"
        verbose_name_plural = "согласия"
        constraints = [models.UniqueConstraint(fields=["user", "kind", "text_version"], name="consent_once_per_version")]


# --- director verification (R6–R8) -------------------------------------------------------------------

class VerificationMethod(models.TextChoices):
    """R6: the director proves identity by exactly one of these."""

    EMPLOYMENT_CERTIFICATE = "employment_certificate", "Скан справки с места работы"
    PASSPORT_SCAN = "passport_scan", "Скан или фото паспорта"
    PASSPORT_DATA = "passport_data", "Паспортные данные (ввести вручную)"


class VerificationStatus(models.TextChoices):
    SUBMITTED = "submitted", "На рассмотрении"
    APPROVED = "approved", "Подтверждено"
    REJECTED = "rejected", "Отклонено"
    WITHDRAWN = "withdrawn", "Отозвано"


class DirectorVerification(models.Model):
    """A director's request to be confirmed (R6), reviewed by the regional operator (R7).

    The scan, if any, lives under MEDIA_ROOT/verification (outside the web root) and is served only to the
    reviewing operators and the owner, every view audited.
    """

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="verifications", verbose_name="роль руководителя"
    )
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="verifications",
        verbose_name="куда отправлено (оператор региона)",
    )
    method = models.CharField("способ подтверждения", max_length=32, choices=VerificationMethod.choices)
    document = models.FileField("документ", upload_to="verification/%Y/%m/", blank=True)
    document_name = models.CharField("имя файла", max_length=255, blank=True)
    document_type = models.CharField("тип файла", max_length=50, blank=True)
    document_size = models.PositiveIntegerField("размер файла, байт", null=True, blank=True)
    passport_series = models.CharField("серия паспорта", max_length=4, blank=True)
    passport_number = models.CharField("номер паспорта", max_length=6, blank=True)
    passport_issued_by = models.CharField("кем выдан", max_length=300, blank=True)
    passport_issue_date = models.DateField("дата выдачи", null=True, blank=True)
    passport_department_code = models.CharField("код подразделения", max_length=7, blank=True)
    consent_given_at = models.DateTimeField("согласие на обработку ПДн дано")
    status = models.CharField(
        "статус", max_length=12, choices=VerificationStatus.choices, default=VerificationStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField("подано", default=timezone.now)
    due_date = models.DateField("срок рассмотрения")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="подал"
    )
    reviewed_at = models.DateTimeField("рассмотрено", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="рассмотрел",
    )
    reject_reason = models.TextField("причина отказа", blank=True)

    class Meta:
        verbose_name = "подтверждение руководителя"
        verbose_name_plural = "подтверждения руководителей"
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["region", "status", "due_date"], name="verification_queue")]
        constraints = [
            # One open request per director role at a time.
            models.UniqueConstraint(
                fields=["membership"], condition=Q(status="submitted"), name="one_open_verification"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership} — {self.get_status_display()}"


class VerificationEvent(models.Model):
    """The history of a verification request the director and the operator both see."""

    verification = models.ForeignKey(
        DirectorVerification, on_delete=models.CASCADE, related_name="events", verbose_name="заявка"
    )
    at = models.DateTimeField("когда", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто"
    )
    from_status = models.CharField("было", max_length=12, blank=True)
    to_status = models.CharField("стало", max_length=12)
    note = models.TextField("комментарий", blank=True)

    class Meta:
        verbose_name = "событие подтверждения"
        verbose_name_plural = "история подтверждения"
        ordering = ["at", "id"]


# --- confirming teachers and students, and the report owed afterwards (R9) ---------------------------

class ConfirmationReport(models.Model):
    """«Отправить отчет»: the decisions made since the previous report, sent to the regional operator."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="confirmation_reports", verbose_name="организация"
    )
    sent_at = models.DateTimeField("отправлен", default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="отправил"
    )
    confirmed_count = models.PositiveIntegerField("подтверждено", default=0)
    rejected_count = models.PositiveIntegerField("отклонено", default=0)

    class Meta:
        verbose_name = "отчёт о подтверждении"
        verbose_name_plural = "отчёты о подтверждении"
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["organisation", "sent_at"], name="confirmation_report_org")]


class MembershipDecision(models.Model):
    """One «Подтвердить» / «Отклонить» of a teacher or student by the director. Decisions without a report
    are what the next report will carry; while any exist, a report is owed (R9)."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="membership_decisions", verbose_name="организация"
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="decisions", verbose_name="роль"
    )
    decision = models.CharField("решение", max_length=12, choices=Confirmation.choices)
    decided_at = models.DateTimeField("когда", default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="кто"
    )
    report = models.ForeignKey(
        ConfirmationReport, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions",
        verbose_name="отчёт",
    )

    class Meta:
        verbose_name = "решение о подтверждении"
        verbose_name_plural = "решения о подтверждении"
        ordering = ["decided_at", "id"]
        indexes = [models.Index(fields=["organisation", "report"], name="decision_org_report")]
