from django.contrib import admin

from sreda.roster.models import RosterImport


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    list_display = ("original_name", "organisation", "status", "progress", "created_at", "finished_at")
    list_filter = ("status",)
    search_fields = ("original_name", "organisation__short_name", "organisation__inn")
    readonly_fields = [f.name for f in RosterImport._meta.fields]
    raw_id_fields = ("organisation", "created_by", "acting_membership")
