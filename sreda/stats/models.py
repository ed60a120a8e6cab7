"""Activity events, their rollups, imported platform statistics (the A–Y table), public dashboard links
and roadmap targets (R30–R35)."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from sreda.people.roles import Role


class RoleGroup(models.TextChoices):
    """The three populations the indicators count (R31–R32). Teachers include «Сотрудник»."""

    TEACHERS = "teachers", "Педагоги"
    STUDENTS = "students", "Обучающиеся"
    PARENTS = "parents", "Родители"


# Which role's activity counts for which group; directors and administrators are not counted (R31: X is
# «Учитель» and «Сотрудник»).
ROLE_GROUP: dict[str, str] = {
    Role.TEACHER: RoleGroup.TEACHERS,
    Role.STAFF: RoleGroup.TEACHERS,
    Role.STUDENT: RoleGroup.STUDENTS,
    Role.PARENT: RoleGroup.PARENTS,
}


# ActiveDay rows of this group record a teacher («Учитель»/«Сотрудник») with at least one call that day, for
# R31 column Y (informational). It is not one of the populations the indicators count.
CALLS_GROUP = "calls"


class EventSource(models.TextChoices):
    CHAT = "chat", "Мессенджер"
    LIBRARY = "library", "Библиотека"
    CALL = "call", "Звонок"
    OTHER = "other", "Другое"


class EventChatKind(models.TextChoices):
    """Where a messenger event was written (R30), for events of source «chat»: Sreda's own chats (the values of
    chats.ChatKind), or, from an external bridge, a teacher's group chat or a one-to-one conversation."""

    STAFF = "staff", "Учительская"
    PARENTS = "parents", "Родители класса"
    STUDENTS = "students", "Ученики класса"
    SUBJECT = "subject", "Предметный чат"
    GROUP = "group", "Групповой чат педагога"
    DIRECT = "direct", "Личная переписка"


class ActivityEvent(models.Model):
    """One thing a person did, as reported by a source. Append-only: never updated, never deleted.

    `counts` says whether it is activity under R30 (e.g. a message in a chat of the organisation's space);
    only counting events reach the rollups. `day` is the local date (the region's time zone) of
    `occurred_at`: the 7-day windows of R31 are in local days. `external_id` makes ingest idempotent.
    `chat_kind` says in which kind of chat a messenger event was written (blank for other sources).
    """

    id = models.BigAutoField(primary_key=True)
    # No database FOREIGN KEY constraints on this append-only table and the two rollups: ingest checks that
    # the person held a membership of the organisation (so both exist), Django still cascades deletions,
    # and each constraint check would cost the hot INSERT a lookup per row. The organisation's index is the
    # leading column of `event_org_day`.
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="activity_events", verbose_name="организация",
        db_constraint=False, db_index=False,
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="activity_events", verbose_name="человек",
        db_constraint=False,
    )
    role = models.CharField("роль", max_length=32, choices=Role.choices)
    group = models.CharField("группа", max_length=10, choices=RoleGroup.choices)
    source = models.CharField("источник", max_length=10, choices=EventSource.choices)
    kind = models.CharField("событие", max_length=40)
    # Blank for events outside the messenger. db_default as well: bulk SQL that predates the column still inserts.
    chat_kind = models.CharField("вид чата", max_length=10, choices=EventChatKind.choices, blank=True, default="",
                                 db_default="")
    occurred_at = models.DateTimeField("когда")
    day = models.DateField("день (местное время)")
    counts = models.BooleanField("считается активностью (R30)", default=True)
    external_id = models.CharField("идентификатор у источника", max_length=120, null=True, blank=True)
    received_at = models.DateTimeField("получено", default=timezone.now)

    class Meta:
        verbose_name = "событие активности"
        verbose_name_plural = "события активности"
        indexes = [models.Index(fields=["organisation", "day"], name="event_org_day")]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], condition=Q(external_id__isnull=False),
                                    name="event_once_per_source_id"),
        ]


class ActiveDay(models.Model):
    """Rollup: the person was active (R30) on this local day in this organisation, in this group.
    «Active in the 7 days before D» = distinct persons with a row in [D−7, D−1]."""

    id = models.BigAutoField(primary_key=True)
    # See ActivityEvent: no database constraints; the organisation leads the unique index.
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+",
                                     db_constraint=False, db_index=False)
    group = models.CharField(max_length=10, choices=RoleGroup.choices)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    day = models.DateField()

    class Meta:
        verbose_name = "активный день"
        verbose_name_plural = "активные дни"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "group", "person", "day"], name="active_day_once"),
        ]
        indexes = [models.Index(fields=["day", "organisation", "group", "person"], name="active_day_window")]


class ActiveMonth(models.Model):
    """Rollup: the person was active in this calendar month (`month` is its first day) — R32's monthly
    criterion."""

    id = models.BigAutoField(primary_key=True)
    # See ActivityEvent: no database constraints; the organisation leads the unique index.
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+",
                                     db_constraint=False, db_index=False)
    group = models.CharField(max_length=10, choices=RoleGroup.choices)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    month = models.DateField()

    class Meta:
        verbose_name = "активный месяц"
        verbose_name_plural = "активные месяцы"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "group", "person", "month"], name="active_month_once"),
        ]
        indexes = [models.Index(fields=["month", "organisation", "group"], name="active_month_org")]


class StatsImport(models.Model):
    """One upload of a platform's A–Y export (R35), with what happened to every line."""

    file_name = models.CharField("файл", max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("загружен", default=timezone.now)
    imported = models.PositiveIntegerField("загружено строк", default=0)
    unchanged = models.PositiveIntegerField("без изменений", default=0)
    # Who may see it in the list: the actor's region, municipality or school (imports.scope_key).
    scope = models.CharField("область", max_length=40, db_index=True, default="")
    result = models.JSONField("результат", default=dict)  # {"unmatched": [...], "errors": [...]}

    class Meta:
        verbose_name = "импорт статистики"
        verbose_name_plural = "импорты статистики"
        ordering = ["-created_at", "-id"]


class StatsSnapshot(models.Model):
    """One organisation's A–Y row for one report date, as the platform exported it (R31, R35).
    Column letters are in the field names' verbose names; the figures are the platform's own."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="stats_snapshots", verbose_name="организация"
    )
    report_date = models.DateField("A. Дата")
    short_name = models.CharField("B. Краткое название", max_length=250, blank=True)
    org_type = models.CharField("C. Тип ОО", max_length=100, blank=True)
    municipality_name = models.CharField("D. МО", max_length=250, blank=True)
    region_name = models.CharField("E. Субъект", max_length=250, blank=True)
    region_code = models.CharField("F. Код региона", max_length=10, blank=True)
    link = models.CharField("G. Ссылка", max_length=500, blank=True)
    platform_org_id = models.CharField("H. ID организации", max_length=100, blank=True)
    is_active = models.BooleanField("I. Активна", null=True)
    people_total = models.PositiveIntegerField("J. Учителей, учеников и родителей всего", null=True)
    teachers_total = models.PositiveIntegerField("K. Учителей всего", null=True)
    students_total = models.PositiveIntegerField("L. Учеников всего", null=True)
    parents_total = models.PositiveIntegerField("M. Родителей всего", null=True)
    registrations_total = models.PositiveIntegerField("N. Регистраций всего", null=True)
    teachers_registered = models.PositiveIntegerField("O. Учителей зарегистрировано", null=True)
    teachers_linked = models.PositiveIntegerField("P. Учителей связали ЭЖД", null=True)
    students_registered = models.PositiveIntegerField("Q. Учеников зарегистрировано", null=True)
    students_linked = models.PositiveIntegerField("R. Учеников связали ЭЖД", null=True)
    parents_registered = models.PositiveIntegerField("S. Родителей зарегистрировано", null=True)
    parents_linked = models.PositiveIntegerField("T. Родителей связали ЭЖД", null=True)
    students_active = models.PositiveIntegerField("U. Активные ученики", null=True)
    parents_active = models.PositiveIntegerField("V. Активные родители", null=True)
    inn = models.CharField("W. ИНН", max_length=12, blank=True)
    teachers_active = models.PositiveIntegerField("X. Активных учителей", null=True)
    teachers_with_calls = models.PositiveIntegerField("Y. Учителей со звонком за неделю", null=True)
    stats_import = models.ForeignKey(
        StatsImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="snapshots",
        verbose_name="импорт",
    )

    class Meta:
        verbose_name = "строка статистики платформы"
        verbose_name_plural = "статистика платформы"
        ordering = ["-report_date", "organisation_id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "report_date"], name="snapshot_once_per_date"),
        ]
        indexes = [models.Index(fields=["report_date", "organisation"], name="snapshot_date_org")]


class PublicDashboardLink(models.Model):
    """A secret, revocable link to a municipality's read-only dashboard without personal data (R35).
    Only the SHA-256 of the token is stored."""

    municipality = models.ForeignKey(
        "orgs.Municipality", on_delete=models.CASCADE, related_name="public_links", verbose_name="муниципалитет"
    )
    label = models.CharField("название", max_length=200, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="создал"
    )
    created_at = models.DateTimeField("создана", default=timezone.now)
    revoked_at = models.DateTimeField("отозвана", null=True, blank=True)
    last_opened_at = models.DateTimeField("последний просмотр", null=True, blank=True)

    class Meta:
        verbose_name = "публичная ссылка на показатели"
        verbose_name_plural = "публичные ссылки на показатели"
        ordering = ["-created_at"]


class RoadmapStage(models.Model):
    """A dated target of the regional roadmap (R33), e.g. «stage 2 by 30.12.2025: ≥75% of staff weekly»."""

    region = models.ForeignKey("orgs.Region", on_delete=models.CASCADE, related_name="roadmap", verbose_name="регион")
    number = models.PositiveSmallIntegerField("этап")
    title = models.CharField("этап", max_length=300)
    due_date = models.DateField("срок")
    group = models.CharField("кого касается", max_length=10, choices=RoleGroup.choices, blank=True)
    target_share = models.DecimalField("цель, доля", max_digits=5, decimal_places=4, null=True, blank=True)
    note = models.TextField("как считается", blank=True)

    class Meta:
        verbose_name = "этап дорожной карты"
        verbose_name_plural = "дорожная карта"
        ordering = ["region", "due_date", "number"]
        constraints = [models.UniqueConstraint(fields=["region", "number"], name="roadmap_stage_once")]
