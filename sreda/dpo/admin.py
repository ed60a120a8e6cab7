from django.contrib import admin

from sreda.dpo.models import Application, Comment, DpoOrganisation, Event, Group, Notice, Program


@admin.register(DpoOrganisation)
class DpoOrganisationAdmin(admin.ModelAdmin):
    list_display = ("short_name", "name", "region")
    search_fields = ("name", "short_name")


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "study_form", "hours")
    search_fields = ("name",)
    list_select_related = ("organisation",)


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("name", "program", "starts_on", "ends_on", "capacity", "status")
    list_filter = ("status",)
    list_select_related = ("program",)


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor_name", "actor_role", "act", "from_status", "to_status", "outcome", "comment", "reason")
    exclude = ("actor",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read-only: statuses change only through the status machine (services.application_transition)."""

    list_display = ("id", "applicant", "organisation", "group", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("=id", "search_text")
    list_select_related = ("applicant", "organisation", "group")
    raw_id_fields = ("applicant", "membership", "organisation", "group")
    readonly_fields = ("status", "status_changed_at", "search_text")
    inlines = [EventInline]


admin.site.register(Comment)
admin.site.register(Notice)
