"""A roster import started from the page: the status row the page polls while the task runs."""
from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportStatus(models.TextChoices):
    PENDING = "pending", "ожидает"
    RUNNING = "running", "выполняется"
    DONE = "done", "готово"
    FAILED = "failed", "ошибка"


class RosterImport(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="roster_imports", verbose_name="организация"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто загрузил"
    )
    # The membership the uploader acted in (R1): the task re-checks permissions as that role.
    acting_membership = models.ForeignKey(
        "people.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="в роли"
    )
    file_path = models.CharField("файл", max_length=500)
    original_name = models.CharField("имя файла", max_length=255)
    skip_bad = models.BooleanField("пропускать ошибочные строки", default=False)
    status = models.CharField("состояние", max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    progress = models.PositiveSmallIntegerField("выполнено, %", default=0)
    message = models.CharField("сообщение", max_length=500, blank=True)
    summary = models.JSONField("итог", default=dict, blank=True)
    created_at = models.DateTimeField("загружен", default=timezone.now)
    finished_at = models.DateTimeField("завершён", null=True, blank=True)

    class Meta:
        verbose_name = "импорт контингента"
        verbose_name_plural = "импорты контингента"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-created_at"], name="roster_import_org_recent")]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="roster_import_progress_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)


class RosterHoldSettings(models.Model):
    """The sync hold's thresholds of one school: an import ending or moving more is held for approval."""

    organisation = models.OneToOneField(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="roster_hold_settings", verbose_name="организация"
    )
    percent = models.PositiveSmallIntegerField(
        "порог, % активных ролей", default=10,
        help_text="Импорт удерживается, если завершает или переводит больше этой доли активных ролей школы.",
    )
    people = models.PositiveIntegerField(
        "порог, человек", default=50,
        help_text="Импорт удерживается, если завершает или переводит роли у большего числа людей.",
    )

    class Meta:
        verbose_name = "пороги удержания импорта"
        verbose_name_plural = "пороги удержания импорта"
        constraints = [
            models.CheckConstraint(condition=models.Q(percent__lte=100), name="roster_hold_percent_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.percent}% / {self.people} чел."


class HoldStatus(models.TextChoices):
    HELD = "held", "удержан"
    APPROVED = "approved", "применён"
    REJECTED = "rejected", "отклонён"
    SUPERSEDED = "superseded", "заменён более новым"


class HeldKind(models.TextChoices):
    FILE = "file", "файл"
    SCIM = "scim", "SCIM"


class HeldImport(models.Model):
    """An import that would end or move too many memberships: not applied, kept with its preview (issue #10).

    Either a roster file (kept under `file_path`, re-read on approval) or a SCIM Bulk request (its body in
    `payload`, re-run on approval)."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="held_roster_imports", verbose_name="организация"
    )
    # Every school the file touches whose changes exceed its thresholds (a OneRoster set may hold several).
    organisation_ids = models.JSONField("организации", default=list)
    # The organisation passed to the import (the template's school), None for a OneRoster set.
    target = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="школа шаблона"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто загрузил"
    )
    acting_role = models.CharField("в роли", max_length=200, blank=True)
    kind = models.CharField("источник", max_length=4, choices=HeldKind.choices, default=HeldKind.FILE)
    file_path = models.CharField("файл", max_length=500, blank=True)
    original_name = models.CharField("имя файла", max_length=255, blank=True)
    payload = models.JSONField("запрос SCIM Bulk", null=True, blank=True)
    skip_bad = models.BooleanField("пропускать ошибочные строки", default=False)
    status = models.CharField("состояние", max_length=10, choices=HoldStatus.choices, default=HoldStatus.HELD)
    fingerprint = models.CharField("отпечаток разницы", max_length=64)
    preview = models.JSONField("предпросмотр", default=dict)
    # Totals over the preview's schools: the lists show them without reading the (large) preview.
    ended_count = models.PositiveIntegerField("завершается ролей", default=0)
    moved_count = models.PositiveIntegerField("переводится ролей", default=0)
    created_count = models.PositiveIntegerField("добавляется ролей", default=0)
    created_at = models.DateTimeField("удержан", default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто решил"
    )
    decided_at = models.DateTimeField("решение", null=True, blank=True)

    class Meta:
        verbose_name = "удержанный импорт"
        verbose_name_plural = "удержанные импорты"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status", "-created_at"], name="roster_held_org_status")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(kind="scim") | models.Q(payload__isnull=False),
                                   name="roster_held_scim_has_payload"),
        ]

    def __str__(self) -> str:
        return f"{self.source} ({self.get_status_display()})"

    @property
    def source(self) -> str:
        """What was held, in words: the file's name, or «SCIM Bulk» (a request has no file)."""
        return "SCIM Bulk" if self.kind == HeldKind.SCIM else self.original_name

    @property
    def operations(self) -> int:
        """How many operations the held SCIM Bulk request has (reads the payload)."""
        return len((self.payload or {}).get("Operations") or []) if self.kind == HeldKind.SCIM else 0
