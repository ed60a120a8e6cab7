"""Integrated messenger chats that follow the roster (R24–R30): a school's messenger settings, people's linked
messenger accounts, the chats Sreda keeps and who it put in them, exchange tasks, and the application-service
transactions received from the homeserver."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class MessengerSettings(models.Model):
    """R29: a school's integration with its homeserver, issued by the district."""

    organisation = models.OneToOneField("orgs.Organisation", on_delete=models.CASCADE, related_name="messenger",
                                        verbose_name="организация")
    homeserver_url = models.URLField("адрес сервера Matrix", max_length=300)
    server_name = models.CharField("имя сервера (часть после «:» в @user:server)", max_length=200)
    service_token = models.CharField("токен сервисной учётной записи", max_length=300)
    service_user_id = models.CharField("сервисная учётная запись", max_length=255,
                                       help_text="@sreda_bot:server — администратор комнат школы.")
    group_id = models.CharField("group_id (пространство школы)", max_length=255, blank=True)
    sync_interval_minutes = models.PositiveSmallIntegerField("синхронизация, раз в N минут", default=30)
    enabled = models.BooleanField("синхронизация включена", default=True)
    last_sync_at = models.DateTimeField("последняя синхронизация", null=True, blank=True)
    next_sync_at = models.DateTimeField("следующая синхронизация", null=True, blank=True)
    updated_at = models.DateTimeField("изменено", default=timezone.now)

    class Meta:
        verbose_name = "настройки мессенджера"
        verbose_name_plural = "настройки мессенджера"


class AccountStatus(models.TextChoices):
    PENDING = "pending", "Ожидает кода"
    LINKED = "linked", "Привязан"


class MessengerAccount(models.Model):
    """R27: a person's messenger account, linked once they type the code the service account sent to it."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="messenger_accounts",
                               verbose_name="человек")
    user_id = models.CharField("идентификатор в мессенджере", max_length=255)  # @name:server
    status = models.CharField("состояние", max_length=10, choices=AccountStatus.choices, default=AccountStatus.PENDING)
    code_hash = models.CharField(max_length=128, blank=True)
    code_sent_at = models.DateTimeField("код отправлен", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("попыток ввода", default=0)
    linked_at = models.DateTimeField("привязан", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "учётная запись в мессенджере"
        verbose_name_plural = "учётные записи в мессенджере"
        constraints = [
            # One linked account per person, and a messenger id belongs to one person.
            models.UniqueConstraint(fields=["person"], condition=Q(status="linked"), name="messenger_one_per_person"),
            models.UniqueConstraint(fields=["user_id"], condition=Q(status="linked"), name="messenger_id_once"),
        ]


class ChatKind(models.TextChoices):
    STAFF = "staff", "Учительская"
    PARENTS = "parents", "Родители класса"
    STUDENTS = "students", "Ученики класса"
    SUBJECT = "subject", "Предметный чат"


class Chat(models.Model):
    """A chat Sreda keeps in the messenger (R24). `key` is the plan's stable name for it («staff»,
    «parents:<class id>», «students:<class id>», «subject:<class id>:<subject id>:<teacher id>»); the room
    carries it too (room alias), so an interrupted sync finds the room instead of creating a second one."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="chats",
                                     verbose_name="организация")
    key = models.CharField("ключ", max_length=100)
    kind = models.CharField("вид", max_length=10, choices=ChatKind.choices)
    school_class = models.ForeignKey("orgs.SchoolClass", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="chats", verbose_name="класс")
    subject = models.ForeignKey("orgs.Subject", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name="предмет")
    created_by = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="создал (предметный чат)")
    title = models.CharField("название", max_length=200)
    room_id = models.CharField("комната", max_length=255, blank=True)  # !opaque:server once created
    read_only = models.BooleanField("односторонний: пишут только сотрудники (R28)", default=False)
    # What the room has now (written by the sync after the call succeeded); None — no room yet. The plan
    # compares `read_only` (wanted) with this, so a change made on the plan page reaches the messenger.
    read_only_applied = models.BooleanField("односторонний в мессенджере", null=True, blank=True)
    # Two moments, two meanings: `closed_at` — a teacher closed their subject chat (wanted: out of the plan);
    # `archived_at` — the room is archived in the messenger (written by the sync after the call succeeded, or at
    # once when the chat never had a room). A closed chat with `archived_at` empty is archived by the next sync,
    # like a chat of a class that no longer exists; reopening clears `closed_at` and the sync brings the room back.
    closed_at = models.DateTimeField("закрыт учителем", null=True, blank=True)
    archived_at = models.DateTimeField("в архиве", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "чат"
        verbose_name_plural = "чаты"
        ordering = ["organisation_id", "kind", "title"]
        constraints = [models.UniqueConstraint(fields=["organisation", "key"], name="chat_key_once")]
        indexes = [models.Index(fields=["room_id"], name="chat_room")]

    def __str__(self) -> str:
        return self.title


class ChatMember(models.Model):
    """Sreda's mirror of who is in a room: written by the sync after each call that succeeded and by membership
    events the homeserver pushes (application service). The sync diffs the plan against this mirror, so a
    sync with nothing to do makes no call; `chats sync --reconcile` re-reads the rooms first."""

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="members")
    user_id = models.CharField("идентификатор в мессенджере", max_length=255)
    person = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    via_link = models.BooleanField("вошёл по ссылке-приглашению (R26)", default=False)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "участник чата"
        verbose_name_plural = "участники чатов"
        constraints = [models.UniqueConstraint(fields=["chat", "user_id"], name="chat_member_once")]


class TaskStatus(models.TextChoices):
    PENDING = "pending", "В очереди"
    RUNNING = "running", "Выполняется"
    DONE = "done", "Завершено"
    FAILED = "failed", "Ошибка"
    RETRYING = "retrying", "Повтор"


class TaskTrigger(models.TextChoices):
    SCHEDULE = "schedule", "По расписанию"
    ROSTER = "roster", "Изменился контингент"
    LINK = "link", "Привязан мессенджер"
    MANUAL = "manual", "Вручную"


class TaskKind(models.TextChoices):
    SYNC = "sync", "Синхронизация чатов"
    BACKFILL = "backfill", "Догрузка сообщений"


class ExchangeTask(models.Model):
    """R29: one run of the chat sync (kind «sync») or of the message backfill (kind «backfill», R30) for a school:
    progress, counts, result and errors with what to do."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="exchange_tasks",
                                     verbose_name="организация")
    kind = models.CharField("вид", max_length=10, choices=TaskKind.choices, default=TaskKind.SYNC)
    trigger = models.CharField("причина", max_length=10, choices=TaskTrigger.choices, default=TaskTrigger.MANUAL)
    status = models.CharField("состояние", max_length=10, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    progress = models.PositiveSmallIntegerField("выполнено, %", default=0)
    dry_run = models.BooleanField("только план", default=False)
    counts = models.JSONField("итог", default=dict, blank=True)  # rooms_created, members_added, members_removed, …
    errors = models.JSONField("ошибки", default=list, blank=True)  # [{"what", "message", "hint"}]
    attempt = models.PositiveSmallIntegerField("попытка", default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField("создана", default=timezone.now)
    started_at = models.DateTimeField("начата", null=True, blank=True)
    finished_at = models.DateTimeField("завершена", null=True, blank=True)
    next_retry_at = models.DateTimeField("повтор", null=True, blank=True)

    class Meta:
        verbose_name = "задача обмена"
        verbose_name_plural = "задачи обмена"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "created_at"], name="exchange_org_created")]


class AppServiceTransaction(models.Model):
    """A transaction the homeserver pushed to Sreda's application service: kept so a redelivery is a no-op."""

    txn_id = models.CharField(max_length=255, unique=True)
    received_at = models.DateTimeField(default=timezone.now)
    events = models.PositiveIntegerField(default=0)
