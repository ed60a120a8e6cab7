"""Django admin for the catalogue (R16–R17): courses and their lessons, for the platform operator."""
from django.contrib import admin

from sreda.library.models import CatalogueItem, Course
from sreda.library.sanitize import sanitize_html


class ItemInline(admin.TabularInline):
    model = CatalogueItem
    fields = ("position", "title", "content_types", "external_id")
    extra = 0
    show_change_link = True


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "subject", "grade", "external_id")
    list_filter = ("grade", "subject")
    search_fields = ("title", "external_id")
    inlines = [ItemInline]


@admin.register(CatalogueItem)
class CatalogueItemAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "grade", "subject", "position", "content_types")
    list_filter = ("grade", "subject")
    search_fields = ("title", "external_id")
    raw_id_fields = ("course",)
    readonly_fields = ("grade", "subject", "file_path", "file_name", "file_type")

    def save_model(self, request, obj, form, change):
        # The same rules as the operator's pages: grade and subject from the course, body HTML sanitised.
        obj.grade, obj.subject = obj.course.grade, obj.course.subject
        obj.body = sanitize_html(obj.body)
        super().save_model(request, obj, form, change)
