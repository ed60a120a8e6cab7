"""Persons, accounts, memberships (a role in an organisation), guardianship, consents."""
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

    objects = ActiveMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "роль в организации"
        verbose_name_plural = "роли в организациях"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["organisation", "role", "end_date"], name="membership_org_role"),
            models.Index(fields=["school_class", "end_date"], name="membership_class"),
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
