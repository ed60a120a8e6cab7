from django.contrib import admin

from sreda.exchange.models import ExchangeRun


@admin.register(ExchangeRun)
class ExchangeRunAdmin(admin.ModelAdmin):
    list_display = ("organisation", "kind", "source", "status", "started_at", "finished_at", "error_count",
                    "warning_count")
    list_filter = ("kind", "status", "source")
    search_fields = ("organisation__short_name", "organisation__inn", "title")
    readonly_fields = [f.name for f in ExchangeRun._meta.fields]
    raw_id_fields = ("organisation", "created_by")
