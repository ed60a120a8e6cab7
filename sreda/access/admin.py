"""Operator admin of systems and access groups (R13). Members are read-only here: they change only
through the services, which check the school and write the audit log."""
from django.contrib import admin
from django.db import transaction

from sreda.access.models import AccessGroup, AccessGroupMember, System
from sreda.core.admin import ReadOnlyAdmin
from sreda.core.audit import audit


def _audit_admin(request, action: str, obj) -> None:
    audit(actor=getattr(request, "active_role", None), action=action, obj=obj,
          details={"via": "admin", "repr": str(obj)[:200]})


class AccessGroupInline(admin.TabularInline):
    model = AccessGroup
    extra = 0
    fields = ("name", "code", "description")
    show_change_link = True


@admin.register(System)
class SystemAdmin(admin.ModelAdmin):
    list_display = ("name", "owner_name", "owner_inn", "code")
    search_fields = ("name", "owner_name", "owner_inn", "code")
    autocomplete_fields = ("owner_organisation",)
    inlines = [AccessGroupInline]

    @transaction.atomic
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        system = form.instance
        # The groups' search column holds the owner's and the system's names: renaming either refreshes it.
        for group in system.groups.all():
            group.system = system
            group.save(update_fields=["search_text"])
        _audit_admin(request, "access_system.change" if change else "access_system.create", system)

    @transaction.atomic
    def delete_model(self, request, obj):
        _audit_admin(request, "access_system.delete", obj)
        super().delete_model(request, obj)


@admin.register(AccessGroup)
class AccessGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "system", "owner", "code")
    list_filter = ("system",)
    search_fields = ("name", "code", "system__name", "system__owner_name")
    list_select_related = ("system",)
    autocomplete_fields = ("system",)

    @admin.display(description="организация-владелец", ordering="system__owner_name")
    def owner(self, obj):
        return obj.system.owner_name

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _audit_admin(request, "access_group.change" if change else "access_group.create", obj)

    @transaction.atomic
    def delete_model(self, request, obj):
        _audit_admin(request, "access_group.delete", obj)
        super().delete_model(request, obj)


@admin.register(AccessGroupMember)
class AccessGroupMemberAdmin(ReadOnlyAdmin):
    list_display = ("person", "group", "organisation", "added_at", "removed_at")
    list_filter = ("group", ("removed_at", admin.EmptyFieldListFilter))
    search_fields = ("person__sort_key", "organisation__short_name", "organisation__inn", "group__name")
    list_select_related = ("person", "group__system", "organisation")
    raw_id_fields = ("person", "organisation", "added_by", "removed_by")
