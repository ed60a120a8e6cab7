"""Regions, municipalities, organisations (R4), school years, classes and subjects (R16)."""
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from sreda.core.identifiers import validate_ogrn, validate_org_inn
from sreda.core.text import fold


class Region(models.Model):
    """A subject of the Federation, with its two-digit code and its time zone."""

    name = models.CharField("название", max_length=200, unique=True)
    code = models.CharField("код региона", max_length=3, unique=True)
    timezone = models.CharField("часовой пояс", max_length=64, default="Europe/Moscow")
    external_id = models.CharField("внешний идентификатор", max_length=100, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = "регион"
        verbose_name_plural = "регионы"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Municipality(models.Model):
    """A municipal district or city district (МО / район) of a region."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="municipalities", verbose_name="регион")
    name = models.CharField("название", max_length=200)
    external_id = models.CharField("внешний идентификатор", max_length=100, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = "муниципалитет"
        verbose_name_plural = "муниципалитеты"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="municipality_unique_name_in_region")]

    def __str__(self) -> str:
        return self.name


class OrganisationType(models.TextChoices):
    GENERAL = "general", "Общеобразовательная"
    PRESCHOOL = "preschool", "Дошкольная"
    VOCATIONAL = "vocational", "СПО"
    ADDITIONAL = "additional", "Дополнительное образование"


class Organisation(models.Model):
    """An educational organisation as in ЕГРЮЛ (R4)."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="organisations", verbose_name="муниципалитет"
    )
    full_name = models.CharField("полное наименование", max_length=500)
    short_name = models.CharField("краткое наименование", max_length=250)
    kind = models.CharField("тип", max_length=20, choices=OrganisationType.choices, default=OrganisationType.GENERAL)
    inn = models.CharField("ИНН", max_length=10, unique=True)
    ogrn = models.CharField("ОГРН", max_length=13, blank=True)
    external_id = models.CharField(
        "идентификатор в школьной ИС", max_length=100, null=True, blank=True, unique=True,
        help_text="sourcedId из OneRoster или код организации в «Параграфе»/«Сетевом городе».",
    )
    messenger_org_id = models.CharField("идентификатор в мессенджере", max_length=100, blank=True)
    is_active = models.BooleanField("действует", default=True)
    # fold(full_name + short_name + inn): one indexed column makes R5 search a single LIKE.
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = "организация"
        verbose_name_plural = "организации"
        ordering = ["short_name"]
        indexes = [models.Index(fields=["municipality", "short_name"], name="org_municipality_name")]

    def __str__(self) -> str:
        return self.short_name

    def clean(self) -> None:
        errors = {}
        try:
            self.inn = validate_org_inn(self.inn)
        except ValidationError as exc:
            errors["inn"] = exc.messages
        if self.ogrn:
            try:
                self.ogrn = validate_ogrn(self.ogrn)
            except ValidationError as exc:
                errors["ogrn"] = exc.messages
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.search_text = organisation_search_text(self.full_name, self.short_name, self.inn)
        super().save(*args, **kwargs)

    @property
    def region(self) -> Region:
        return self.municipality.region


def organisation_search_text(full_name: str, short_name: str, inn: str) -> str:
    return fold(f"{full_name} | {short_name} | {inn}")


class SchoolYear(models.Model):
    """A school year, «2025/2026», from 1 September to 31 August by default."""

    title = models.CharField("учебный год", max_length=20, unique=True)
    start = models.DateField("начало")
    end = models.DateField("окончание")
    external_id = models.CharField("внешний идентификатор", max_length=100, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = "учебный год"
        verbose_name_plural = "учебные годы"
        ordering = ["-start"]
        constraints = [models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="school_year_start_before_end")]

    def __str__(self) -> str:
        return self.title


class ReportingPeriod(models.Model):
    """A reporting period (отчётный период: четверть, триместр, полугодие) of a school year (R14)."""

    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="periods", verbose_name="учебный год")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="reporting_periods",
        verbose_name="организация", help_text="Пусто — период общий для всех организаций.",
    )
    title = models.CharField("название", max_length=100)
    start = models.DateField("начало")
    end = models.DateField("окончание")
    external_id = models.CharField("внешний идентификатор", max_length=100, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = "отчётный период"
        verbose_name_plural = "отчётные периоды"
        ordering = ["start"]
        constraints = [models.CheckConstraint(condition=Q(start__lte=models.F("end")), name="period_start_not_after_end")]

    def __str__(self) -> str:
        return f"{self.title} ({self.school_year})"


class OrganisationStatistics(models.Model):
    """Totals from form ОО-1 / СПО-1 for a school year (R4); parents total = students total."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="statistics")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    teachers_total = models.PositiveIntegerField("педагогов по ОО-1")
    students_total = models.PositiveIntegerField("обучающихся по ОО-1")

    class Meta:
        verbose_name = "показатели ОО-1"
        verbose_name_plural = "показатели ОО-1"
        constraints = [models.UniqueConstraint(fields=["organisation", "school_year"], name="one_oo1_per_year")]

    @property
    def parents_total(self) -> int:
        # "1 обучающийся = 1 родитель" (R4)
        return self.students_total


class Subject(models.Model):
    """A school subject; the 24 of R16 are seeded as supported by the library."""

    name = models.CharField("предмет", max_length=200, unique=True)
    supported = models.BooleanField("поддерживается УБ ЦОК", default=False)

    class Meta:
        verbose_name = "предмет"
        verbose_name_plural = "предметы"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def class_title(grade: int, letter: str) -> str:
    """«5А»: a class's grade and letter, as everyone writes it."""
    return f"{grade}{letter}"


class SchoolClass(models.Model):
    """A class of a school in a school year: grade 1–11 and a letter, «5А»."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="classes", verbose_name="организация")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="classes", verbose_name="учебный год")
    grade = models.PositiveSmallIntegerField("параллель")
    letter = models.CharField("литера", max_length=10)
    class_teacher = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="homerooms",
        verbose_name="классный руководитель",
    )
    external_id = models.CharField("внешний идентификатор", max_length=100, null=True, blank=True)

    class Meta:
        verbose_name = "класс"
        verbose_name_plural = "классы"
        ordering = ["grade", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "school_year", "grade", "letter"], name="class_unique_in_year"),
            models.UniqueConstraint(fields=["organisation", "external_id"], name="class_unique_external_id"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=12), name="class_grade_1_12"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return class_title(self.grade, self.letter)


class TransitionStatus(models.TextChoices):
    DONE = "done", "выполнен"
    UNDONE = "undone", "отменён"


class YearTransition(models.Model):
    """A school's step into the next school year (issue #10): classes advance a grade (11th graduate) and the
    memberships of the old year end on `date`. `record` keeps exactly what the step made and ended, so that it
    can be undone until the first import of the new year (`locked_at`)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="year_transitions",
                                     verbose_name="организация")
    from_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name="из учебного года")
    to_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name="в учебный год")
    date = models.DateField("дата перехода")
    status = models.CharField("состояние", max_length=10, choices=TransitionStatus.choices, default=TransitionStatus.DONE)
    # The district's run for all its schools shares one batch id; a school's own run has none.
    batch = models.CharField("пакет района", max_length=32, blank=True, db_index=True)
    summary = models.JSONField("итог", default=dict)
    # {"classes": [new class ids], "ended": [membership ids], "started": [membership ids]}
    record = models.JSONField("что сделано", default=dict)
    created_by = models.ForeignKey("people.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name="кто выполнил")
    acting_role = models.CharField("в роли", max_length=200, blank=True)
    created_at = models.DateTimeField("выполнен", auto_now_add=True)
    locked_at = models.DateTimeField("первый импорт нового года", null=True, blank=True)
    undone_at = models.DateTimeField("отменён", null=True, blank=True)
    undone_by = models.ForeignKey("people.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                  verbose_name="кто отменил")

    class Meta:
        verbose_name = "переход на новый учебный год"
        verbose_name_plural = "переходы на новый учебный год"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "to_year"], condition=Q(status="done"),
                                    name="one_year_transition_per_school_year"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.to_year}"

    @property
    def can_undo(self) -> bool:
        return self.status == TransitionStatus.DONE and self.locked_at is None
