from django.contrib import admin

from sreda.core.models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the operator may read but not add, change or delete: only services write them, with their
    permission checks and audit (the audit log, histories, group membership)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit log is evidence: readable, never editable, not even by the operator."""

    list_display = ("created_at", "actor", "actor_role", "action", "object_repr", "organisation")
    list_filter = ("action", "created_at")
    search_fields = ("action", "actor__username", "actor_role", "object_repr", "object_id")
    date_hierarchy = "created_at"
    list_select_related = ("actor__person", "organisation")
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
