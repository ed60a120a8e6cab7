"""Systems, their access groups and the employees in them (R13)."""
from django.conf import settings
from django.db import models
from django.utils import timezone

from sreda.core.text import fold


class System(models.Model):
    """An information system whose access is managed by groups, e.g. «Госуслуги Моя школа».

    The owner is usually a federal or regional body, not a school, so it is named here rather than being
    an Organisation row; `owner_organisation` links it when the owner is an organisation of the platform.
    """

    name = models.CharField("система", max_length=250)
    owner_name = models.CharField("организация-владелец", max_length=500)
    owner_inn = models.CharField("ИНН владельца", max_length=12, blank=True)
    owner_organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="systems",
        verbose_name="организация-владелец на платформе",
    )
    code = models.SlugField("код", max_length=64, unique=True)

    class Meta:
        verbose_name = "система"
        verbose_name_plural = "системы"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AccessGroup(models.Model):
    """A group of a system; membership in it opens the system to an employee (R13)."""

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="groups", verbose_name="система")
    name = models.CharField("группа доступа", max_length=250)
    description = models.TextField("описание", blank=True)
    code = models.SlugField("код", max_length=64, unique=True)
    # fold() of owner, system and group names: the advanced search looks here (ignores case and «ё»).
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = "группа доступа"
        verbose_name_plural = "группы доступа"
        ordering = ["system__name", "name"]
        constraints = [models.UniqueConstraint(fields=["system", "name"], name="access_group_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.system.name})"

    def save(self, *args, **kwargs):
        self.search_text = fold(" ".join([self.system.owner_name, self.system.name, self.name]))
        super().save(*args, **kwargs)


class AccessGroupMember(models.Model):
    """An employee of a school in an access group. Removing ends the row (`removed_at`), keeping history."""

    group = models.ForeignKey(AccessGroup, on_delete=models.CASCADE, related_name="members", verbose_name="группа")
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="access_group_members", verbose_name="организация"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="access_groups", verbose_name="сотрудник"
    )
    added_at = models.DateTimeField("добавлен", default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="добавил"
    )
    removed_at = models.DateTimeField("исключён", null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="исключил",
    )

    class Meta:
        verbose_name = "участник группы доступа"
        verbose_name_plural = "участники групп доступа"
        ordering = ["id"]
        indexes = [models.Index(fields=["group", "organisation", "removed_at"], name="access_member_group_org")]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "organisation", "person"], condition=models.Q(removed_at__isnull=True),
                name="access_member_once",
            ),
        ]
