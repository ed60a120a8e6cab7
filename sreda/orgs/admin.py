from django.contrib import admin

from sreda.orgs.models import (
    Municipality, Organisation, OrganisationStatistics, ReportingPeriod, Region, SchoolClass, SchoolYear, Subject,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "timezone")
    search_fields = ("name", "code")


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("name", "region")
    list_filter = ("region",)
    search_fields = ("name",)
    list_select_related = ("region",)


class StatisticsInline(admin.TabularInline):
    model = OrganisationStatistics
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("short_name", "inn", "kind", "municipality", "is_active")
    list_filter = ("kind", "is_active", "municipality__region")
    search_fields = ("short_name", "full_name", "inn", "ogrn", "external_id")
    list_select_related = ("municipality",)
    autocomplete_fields = ("municipality",)
    inlines = [StatisticsInline]


@admin.register(SchoolYear)
class SchoolYearAdmin(admin.ModelAdmin):
    list_display = ("title", "start", "end")
    search_fields = ("title",)


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ("title", "school_year", "organisation", "start", "end")
    list_filter = ("school_year",)
    search_fields = ("title", "organisation__short_name")
    list_select_related = ("school_year", "organisation")
    autocomplete_fields = ("organisation",)


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ("name", "supported")
    list_filter = ("supported",)
    search_fields = ("name",)


@admin.register(SchoolClass)
class SchoolClassAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "school_year", "class_teacher")
    list_filter = ("school_year", "grade")
    search_fields = ("organisation__short_name", "organisation__inn", "external_id")
    list_select_related = ("organisation", "school_year", "class_teacher")
    autocomplete_fields = ("organisation", "class_teacher")
