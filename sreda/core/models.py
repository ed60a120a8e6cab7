"""The audit log: who, acting as which role, did what to which object, when."""
from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    created_at = models.DateTimeField("когда", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто"
    )
    actor_role = models.CharField("в роли", max_length=300, blank=True)
    action = models.CharField("действие", max_length=100, db_index=True)
    object_type = models.CharField("тип объекта", max_length=100, blank=True)
    object_id = models.CharField("объект", max_length=64, blank=True)
    object_repr = models.CharField("описание объекта", max_length=300, blank=True)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="организация"
    )
    details = models.JSONField("подробности", default=dict, blank=True)

    class Meta:
        verbose_name = "запись журнала"
        verbose_name_plural = "журнал действий"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.created_at:%d.%m.%Y %H:%M} {self.action} {self.object_repr}"
