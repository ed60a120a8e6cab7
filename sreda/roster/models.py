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
