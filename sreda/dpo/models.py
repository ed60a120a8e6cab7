"""«Организация ДПО» (R36–R38): DPO organisations, programs, groups, applications with comments, history
and the applicant's notices. The status machine is in statuses.py; every change goes through services.py."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from sreda.core.text import fold
from sreda.dpo.statuses import ACTIVE_STATUSES, Status


class StudyForm(models.TextChoices):
    FULL_TIME = "full_time", "Очная"
    MIXED = "mixed", "Очно-заочная"
    PART_TIME = "part_time", "Заочная"
    DISTANCE = "distance", "Дистанционная"


class DpoOrganisation(models.Model):
    """An organisation of additional professional education that runs programs (R36)."""

    name = models.CharField("наименование", max_length=500)
    short_name = models.CharField("краткое наименование", max_length=250)
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name="регион", help_text="Центр региона ведёт организации своего региона.")

    class Meta:
        verbose_name = "организация ДПО"
        verbose_name_plural = "организации ДПО"
        ordering = ["short_name", "id"]

    def __str__(self) -> str:
        return self.short_name or self.name


class Program(models.Model):
    """A program of professional development (R36)."""

    organisation = models.ForeignKey(DpoOrganisation, on_delete=models.PROTECT, related_name="programs",
                                     verbose_name="организация ДПО")
    name = models.CharField("программа", max_length=500)
    description = models.TextField("описание", blank=True)
    competences = models.TextField("совершенствуемые компетенции", blank=True)
    listener_categories = models.TextField("категория(и) слушателей", blank=True)
    study_form = models.CharField("форма обучения", max_length=20, choices=StudyForm.choices, blank=True)
    hours = models.PositiveIntegerField("объём, часов", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # fold(name · competences): search ignores case and «ё» (SQLite's LIKE folds only ASCII).
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = "программа ДПО"
        verbose_name_plural = "программы ДПО"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_text = fold(f"{self.name} · {self.competences}")
        super().save(*args, **kwargs)
        # A group's search text includes its program's: keep them in step.
        for group in self.groups.all():
            group.program = self
            group.save(update_fields=["search_text"])


class GroupStatus(models.TextChoices):
    OPEN = "open", "Набор открыт"
    CLOSED = "closed", "Набор закрыт"


class Group(models.Model):
    """A group of a program with its dates and capacity; teachers apply to a group (R36)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="groups", verbose_name="программа")
    name = models.CharField("группа", max_length=300)
    description = models.TextField("описание", blank=True)
    starts_on = models.DateField("начало обучения")
    ends_on = models.DateField("окончание обучения")
    capacity = models.PositiveIntegerField("мест", default=25)
    status = models.CharField("набор", max_length=10, choices=GroupStatus.choices, default=GroupStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = "группа ДПО"
        verbose_name_plural = "группы ДПО"
        ordering = ["starts_on", "name", "id"]
        indexes = [models.Index(fields=["status", "starts_on"], name="dpo_group_status_start")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="dpo_group_dates_ordered"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="dpo_group_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_text = fold(f"{self.name} · {self.program.search_text}")
        super().save(*args, **kwargs)

    @property
    def dates_label(self) -> str:
        return f"{self.starts_on:%d.%m.%Y} - {self.ends_on:%d.%m.%Y}"


class Application(models.Model):
    """A teacher's application to a group (R36–R37). Its number for people is its id («Заявка №39744»)."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="applications", verbose_name="группа")
    applicant = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="dpo_applications",
                                  verbose_name="заявитель")
    membership = models.ForeignKey("people.Membership", on_delete=models.PROTECT, related_name="+",
                                   verbose_name="роль заявителя", help_text="Роль «Слушатель», от имени которой подана.")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="dpo_applications",
                                     verbose_name="образовательная организация")
    status = models.CharField("статус", max_length=12, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField("подана", default=timezone.now)
    status_changed_at = models.DateTimeField("статус изменён", default=timezone.now)
    # fold(«ФИО заявителя · программа»): the search of «Заявки» ignores case and «ё».
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = "заявка ДПО"
        verbose_name_plural = "заявки ДПО"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation", "-id"], name="dpo_app_org"),
            models.Index(fields=["organisation", "status", "-id"], name="dpo_app_org_status"),
            models.Index(fields=["organisation", "created_at"], name="dpo_app_org_created"),
            # The search scans only this narrow index, not the table rows (a third of the time on SQLite).
            models.Index(fields=["organisation", "search_text"], name="dpo_app_org_search"),
            models.Index(fields=["status", "-id"], name="dpo_app_status"),
            models.Index(fields=["applicant", "-id"], name="dpo_app_applicant"),
            models.Index(fields=["group", "status"], name="dpo_app_group_status"),
        ]
        constraints = [
            # One live application per person and group (cancelled ones may be followed by a new one).
            models.UniqueConstraint(fields=["applicant", "group"], condition=Q(status__in=ACTIVE_STATUSES),
                                    name="dpo_one_active_application_per_group"),
        ]

    def __str__(self) -> str:
        return f"Заявка №{self.pk}"

    @property
    def number(self) -> int:
        return self.pk

    def fill_search_text(self, *, applicant_name: str, program_name: str) -> None:
        self.search_text = fold(f"{applicant_name} · {program_name}")


class ApplicationDocument(models.Model):
    """A document the applicant attached (PDF, JPEG or PNG, checked by content); served only to those who
    may see the application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField("файл", upload_to="dpo/%Y/%m/")
    name = models.CharField("название", max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "документ заявки ДПО"
        verbose_name_plural = "документы заявок ДПО"
        ordering = ["id"]


class Comment(models.Model):
    """A comment on an application, visible to the applicant (R38)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    author_name = models.CharField("автор", max_length=310)
    author_role = models.CharField("роль автора", max_length=300)
    text = models.TextField("комментарий")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "комментарий к заявке ДПО"
        verbose_name_plural = "комментарии к заявкам ДПО"
        ordering = ["created_at", "id"]


class EventOutcome(models.TextChoices):
    DONE = "done", "Выполнено"
    REFUSED = "refused", "Отказано"


class Event(models.Model):
    """«История действий» (R38): who, in which role, when, from → to, the comment; refused attempts too."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    actor_name = models.CharField("кто", max_length=310)
    actor_role = models.CharField("роль", max_length=300)
    act = models.CharField("действие", max_length=20)
    from_status = models.CharField("было", max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField("стало", max_length=12, choices=Status.choices, blank=True)
    outcome = models.CharField("итог", max_length=10, choices=EventOutcome.choices, default=EventOutcome.DONE)
    comment = models.TextField("комментарий", blank=True)
    reason = models.TextField("причина отказа", blank=True)
    at = models.DateTimeField("когда", default=timezone.now)

    class Meta:
        verbose_name = "действие с заявкой ДПО"
        verbose_name_plural = "история заявок ДПО"
        ordering = ["at", "id"]


class Notice(models.Model):
    """An in-app notice for the applicant: a status changed or a comment was left (shown on «Моё обучение»)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="dpo_notices")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notices")
    text = models.TextField("уведомление")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "уведомление ДПО"
        verbose_name_plural = "уведомления ДПО"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "read_at"], name="dpo_notice_unread")]
