"""Exchange health (issue #10, item 3): a run record of every import and sync, and the latest run of each kind
per school — what the district page reads to see which schools' exchanges failed or went silent."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class RunKind(models.TextChoices):
    ROSTER = "roster", "Импорт контингента"
    SCIM = "scim", "SCIM"
    CHAT_SYNC = "chat_sync", "Синхронизация чатов"
    BACKFILL = "backfill", "Догрузка сообщений"
    SCHEDULE_IMPORT = "schedule_import", "Импорт расписания"
    SCHEDULE_PUBLICATION = "schedule_publication", "Выгрузка МояШкола"


class RunSource(models.TextChoices):
    PAGE = "page", "страница"
    CLI = "cli", "командная строка"
    API = "api", "API"
    SCIM = "scim", "SCIM"
    SCHEDULE = "schedule", "по расписанию"
    ROSTER = "roster", "изменился контингент"
    LINK = "link", "привязан мессенджер"
    MANUAL = "manual", "вручную"


class RunStatus(models.TextChoices):
    SUCCESS = "success", "успешно"
    WARNINGS = "warnings", "с предупреждениями"
    ERRORS = "errors", "с ошибками"
    FAILED = "failed", "не выполнен"
    HELD = "held", "удержан"


# A run that did its work (the «last successful run»), and one the district must look at («ошибка»).
DONE_STATUSES = (RunStatus.SUCCESS, RunStatus.WARNINGS)
PROBLEM_STATUSES = (RunStatus.ERRORS, RunStatus.FAILED)


class LinkKind(models.TextChoices):
    """The detailed object a run came from, shown on its own page in the app that made it."""

    ROSTER_IMPORT = "roster_import", "импорт контингента"
    HELD_IMPORT = "held_import", "удержанный импорт"
    CHAT_TASK = "chat_task", "задача обмена с мессенджером"
    SCHEDULE_IMPORT = "schedule_import", "импорт расписания"
    SCHEDULE_PUBLICATION = "schedule_publication", "выгрузка МояШкола"


class ExchangeRun(models.Model):
    """One run of an import or a sync for one school: when, what came of it, each rejected record (errors) and
    each optional value dropped (warnings). The lists keep at most LISTED entries; the counts are complete."""

    LISTED = 1000

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="exchange_runs",
                                     verbose_name="организация")
    kind = models.CharField("вид", max_length=24, choices=RunKind.choices)
    source = models.CharField("запуск", max_length=10, choices=RunSource.choices)
    status = models.CharField("итог", max_length=10, choices=RunStatus.choices)
    title = models.CharField("что", max_length=255, blank=True)  # the file's name, «задача № 12»
    message = models.CharField("сообщение", max_length=500, blank=True)
    started_at = models.DateTimeField("начало", default=timezone.now)
    finished_at = models.DateTimeField("окончание", default=timezone.now)
    counts = models.JSONField("счётчики", default=dict, blank=True)
    errors = models.JSONField("ошибки", default=list, blank=True)  # [{"file", "line", "column", "what", "reason", "hint"}]
    warnings = models.JSONField("предупреждения", default=list, blank=True)
    error_count = models.PositiveIntegerField("ошибок", default=0)
    warning_count = models.PositiveIntegerField("предупреждений", default=0)
    link_kind = models.CharField("подробности", max_length=24, choices=LinkKind.choices, blank=True)
    link_id = models.PositiveBigIntegerField("номер", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="кто запустил")

    class Meta:
        verbose_name = "запуск обмена"
        verbose_name_plural = "журнал обмена"
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-started_at"], name="exchange_run_org_recent"),
            models.Index(fields=["organisation", "kind", "-started_at"], name="exchange_run_org_kind"),
            models.Index(fields=["organisation", "status", "-started_at"], name="exchange_run_org_status"),
            models.Index(fields=["link_kind", "link_id"], name="exchange_run_link"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(finished_at__gte=F("started_at")), name="exchange_run_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_status_display()}"

    @property
    def duration_seconds(self) -> float:
        return max((self.finished_at - self.started_at).total_seconds(), 0.0)

    @property
    def problem(self) -> bool:
        return self.status in PROBLEM_STATUSES

    @property
    def duration_text(self) -> str:
        from sreda.exchange.text import duration_text

        return duration_text(self.duration_seconds)

    @property
    def counts_text(self) -> str:
        from sreda.exchange.text import counts_text

        return counts_text(self.counts)


class ExchangeState(models.Model):
    """The latest finished run of one kind at one school and its latest successful one, kept by the recording
    service in the run's transaction: the district page reads a row per school and kind instead of the runs."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="exchange_states",
                                     verbose_name="организация")
    kind = models.CharField("вид", max_length=24, choices=RunKind.choices)
    last_run = models.ForeignKey(ExchangeRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name="последний запуск")
    last_status = models.CharField("итог последнего", max_length=10, choices=RunStatus.choices)
    last_finished_at = models.DateTimeField("последний запуск")
    last_success_run = models.ForeignKey(ExchangeRun, on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="+", verbose_name="последний успешный")
    last_success_at = models.DateTimeField("последний успешный", null=True, blank=True)

    class Meta:
        verbose_name = "состояние обмена"
        verbose_name_plural = "состояние обмена"
        constraints = [models.UniqueConstraint(fields=["organisation", "kind"], name="exchange_state_once")]
        indexes = [models.Index(fields=["last_status"], name="exchange_state_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_last_status_display()}"
