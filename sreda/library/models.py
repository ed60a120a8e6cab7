"""The content library (УБ ЦОК): the schedule and its publication (R14), the catalogue of courses and their
lessons (R16–R17), favourites and course orders, lessons assigned to classes and their openings (R18).
Access (R15) is computed live from these and the staff tables (library/access.py), never stored."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


# --- schedule (R14) -----------------------------------------------------------------------------------

class LessonSource(models.TextChoices):
    MANUAL = "manual", "Вручную"
    FILE = "file", "Файл CSV/XLSX"
    ONEROSTER = "oneroster", "OneRoster"


class ScheduleLesson(models.Model):
    """One lesson in a school's schedule: date, class, subject, teacher. It reaches the library only once
    published (`published_at`, set by the «Выгрузка МояШкола» task); editing it unpublishes it."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="schedule_lessons",
                                     verbose_name="организация")
    day = models.DateField("дата")
    number = models.PositiveSmallIntegerField("урок №", null=True, blank=True)
    school_class = models.ForeignKey("orgs.SchoolClass", on_delete=models.CASCADE, related_name="schedule_lessons",
                                     verbose_name="класс")
    subject = models.ForeignKey("orgs.Subject", on_delete=models.PROTECT, related_name="schedule_lessons",
                                verbose_name="предмет")
    teacher = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="schedule_lessons",
                                verbose_name="учитель")
    source = models.CharField("источник", max_length=10, choices=LessonSource.choices, default=LessonSource.MANUAL)
    external_id = models.CharField("внешний идентификатор", max_length=100, null=True, blank=True)
    published_at = models.DateTimeField("выгружено в библиотеку", null=True, blank=True)
    created_at = models.DateTimeField("добавлен", default=timezone.now)
    updated_at = models.DateTimeField("изменён", default=timezone.now)

    class Meta:
        verbose_name = "урок расписания"
        verbose_name_plural = "расписание"
        ordering = ["day", "number", "school_class__grade", "school_class__letter", "pk"]
        indexes = [
            models.Index(fields=["teacher", "organisation", "day"], name="lesson_teacher_day"),
            models.Index(fields=["organisation", "day"], name="lesson_org_day"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "external_id"], condition=Q(external_id__isnull=False),
                                    name="lesson_unique_external_id"),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d.%m.%Y} {self.school_class} {self.subject}"


class TaskStatus(models.TextChoices):
    PENDING = "pending", "В очереди"
    RUNNING = "running", "Выполняется"
    DONE = "done", "Завершено"
    FAILED = "failed", "Ошибка"


class ScheduleImport(models.Model):
    """One upload of lessons (CSV/XLSX or OneRoster-style), processed in the background with progress."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+",
                                     verbose_name="организация")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    file_path = models.CharField("файл", max_length=500)
    original_name = models.CharField("имя файла", max_length=255)
    status = models.CharField("состояние", max_length=10, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    progress = models.PositiveSmallIntegerField("выполнено, %", default=0)
    message = models.CharField("сообщение", max_length=500, blank=True)
    summary = models.JSONField("итог", default=dict, blank=True)  # {"created", "updated", "unchanged", "errors": [...]}
    created_at = models.DateTimeField("загружен", default=timezone.now)
    finished_at = models.DateTimeField("завершён", null=True, blank=True)

    class Meta:
        verbose_name = "импорт расписания"
        verbose_name_plural = "импорты расписания"
        ordering = ["-created_at", "-id"]


class SchedulePublication(models.Model):
    """One run of «Выгрузка МояШкола» (R14): publishes the school's schedule to the library, shows progress
    to 100% or its error and whom to contact."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+",
                                     verbose_name="организация")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    status = models.CharField("состояние", max_length=10, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    progress = models.PositiveSmallIntegerField("выполнено, %", default=0)
    lessons = models.PositiveIntegerField("уроков выгружено", default=0)
    message = models.CharField("сообщение", max_length=500, blank=True)
    contact = models.CharField("к кому обратиться", max_length=500, blank=True)
    created_at = models.DateTimeField("запущена", default=timezone.now)
    finished_at = models.DateTimeField("завершена", null=True, blank=True)

    class Meta:
        verbose_name = "выгрузка МояШкола"
        verbose_name_plural = "выгрузки МояШкола"
        ordering = ["-created_at", "-id"]


# --- catalogue (R16–R17) --------------------------------------------------------------------------------

class ContentType(models.TextChoices):
    """R17. No code is a part of another, so `content_types__contains=code` filters exactly."""

    CLASSWORK = "classwork", "Классная работа"
    HOMEWORK = "homework", "Домашняя работа"
    TRAINER = "trainer", "Тренажёр"
    PRESENTATION = "presentation", "Презентация"
    SUMMARY = "summary", "Конспект"
    OLYMPIAD = "olympiad", "Олимпиадные задания"
    OVZ = "ovz", "Для ОВЗ"
    FOREIGN = "foreign", "Для инофонов"


class Course(models.Model):
    """A course of the catalogue: a subject for one grade, made of lessons (CatalogueItem)."""

    title = models.CharField("название", max_length=300)
    subject = models.ForeignKey("orgs.Subject", on_delete=models.PROTECT, related_name="courses",
                                verbose_name="предмет")
    grade = models.PositiveSmallIntegerField("класс")
    description = models.TextField("описание", blank=True)
    external_id = models.CharField("внешний идентификатор", max_length=100, null=True, blank=True, unique=True)
    created_at = models.DateTimeField("добавлен", default=timezone.now)

    class Meta:
        verbose_name = "курс"
        verbose_name_plural = "курсы"
        ordering = ["subject__name", "grade", "title", "pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.grade} класс)"


class CatalogueItem(models.Model):
    """One lesson of a course in the catalogue, with its content: text/HTML (sanitised on save) or a file."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="items", verbose_name="курс")
    position = models.PositiveSmallIntegerField("урок №", default=1)
    title = models.CharField("название", max_length=300)
    # Copied from the course, so that search and filters need no join.
    grade = models.PositiveSmallIntegerField("класс")
    subject = models.ForeignKey("orgs.Subject", on_delete=models.PROTECT, related_name="+", verbose_name="предмет")
    content_types = models.CharField("типы материалов", max_length=200, blank=True,
                                     help_text="Коды ContentType через пробел.")
    description = models.TextField("описание", blank=True)
    body = models.TextField("содержание (HTML)", blank=True)
    file_path = models.CharField("файл", max_length=500, blank=True)  # under var/uploads/library/, no URL serves it
    file_name = models.CharField("имя файла", max_length=255, blank=True)
    file_type = models.CharField("тип файла", max_length=100, blank=True)
    external_id = models.CharField("внешний идентификатор", max_length=100, null=True, blank=True, unique=True)
    created_at = models.DateTimeField("добавлен", default=timezone.now)

    class Meta:
        verbose_name = "урок каталога"
        verbose_name_plural = "каталог"
        ordering = ["course_id", "position", "pk"]
        indexes = [models.Index(fields=["subject", "grade"], name="item_subject_grade")]

    def __str__(self) -> str:
        return self.title

    @property
    def content_type_codes(self) -> list[str]:
        return self.content_types.split()


class Favourite(models.Model):
    """Избранное (R17): a person's saved catalogue lessons."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="library_favourites")
    item = models.ForeignKey(CatalogueItem, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "избранное"
        verbose_name_plural = "избранное"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["person", "item"], name="favourite_once")]


class OrderStatus(models.TextChoices):
    REQUESTED = "requested", "Заявка отправлена"
    APPROVED = "approved", "Доступен школе"
    REJECTED = "rejected", "Отклонён"
    CANCELLED = "cancelled", "Отменён"


class CourseOrder(models.Model):
    """Заказ (R17): a course ordered for a school, with its status; the platform operator decides."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="course_orders",
                                     verbose_name="организация")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="orders", verbose_name="курс")
    ordered_by = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="заказал")
    status = models.CharField("статус", max_length=10, choices=OrderStatus.choices, default=OrderStatus.REQUESTED)
    comment = models.CharField("комментарий", max_length=500, blank=True)
    created_at = models.DateTimeField("заказан", default=timezone.now)
    decided_at = models.DateTimeField("решение", null=True, blank=True)

    class Meta:
        verbose_name = "заказ курса"
        verbose_name_plural = "заказы курсов"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "course"],
                                    condition=Q(status__in=["requested", "approved"]), name="order_open_once"),
        ]


# --- assignments (R18) ----------------------------------------------------------------------------------

class AssignmentKind(models.TextChoices):
    CLASSWORK = "classwork", "Классная работа"
    HOMEWORK = "homework", "Домашняя работа"


class Assignment(models.Model):
    """A catalogue lesson a teacher assigned to one of their classes for a date (R18)."""

    item = models.ForeignKey(CatalogueItem, on_delete=models.PROTECT, related_name="assignments",
                             verbose_name="урок каталога")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+",
                                     verbose_name="организация")
    school_class = models.ForeignKey("orgs.SchoolClass", on_delete=models.CASCADE, related_name="assignments",
                                     verbose_name="класс")
    teacher = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="library_assignments",
                                verbose_name="учитель")
    kind = models.CharField("вид", max_length=10, choices=AssignmentKind.choices)
    day = models.DateField("на дату")
    created_at = models.DateTimeField("назначено", default=timezone.now)

    class Meta:
        verbose_name = "назначенный урок"
        verbose_name_plural = "назначенные уроки"
        ordering = ["-day", "-id"]
        indexes = [
            models.Index(fields=["school_class", "day"], name="assignment_class_day"),
            models.Index(fields=["organisation", "created_at"], name="assignment_org_created"),
            models.Index(fields=["teacher", "created_at"], name="assignment_teacher_created"),
        ]


class AssignmentView(models.Model):
    """A student opened an assigned lesson (R18): every opening is a row."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="views")
    student = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField("открыт", default=timezone.now)

    class Meta:
        verbose_name = "открытие урока"
        verbose_name_plural = "открытия уроков"
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["organisation", "opened_at"], name="view_org_opened")]


class LibraryVisit(models.Model):
    """A person entered the library with access on a local day (R19: «logged in»): one row a day."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+")
    day = models.DateField("день")

    class Meta:
        verbose_name = "вход в библиотеку"
        verbose_name_plural = "входы в библиотеку"
        constraints = [models.UniqueConstraint(fields=["organisation", "day", "person"], name="visit_once_a_day")]
