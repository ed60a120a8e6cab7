from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from sreda.people.models import Consent, Guardianship, Membership, Person, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("role", "organisation", "municipality", "region", "school_class", "start_date", "end_date", "origin")
    autocomplete_fields = ("organisation", "municipality", "region", "school_class")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("full_name", "birth_date", "email", "account_confirmed")
    list_filter = ("account_confirmed", "sex")
    # The sort key is the folded ФИО, so search ignores case and «ё».
    search_fields = ("sort_key", "surname", "email", "snils", "external_id")
    inlines = [MembershipInline]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "person", "email", "is_active", "is_superuser", "last_login")
    list_select_related = ("person",)
    search_fields = ("username", "email", "person__sort_key")
    autocomplete_fields = ("person",)
    fieldsets = DjangoUserAdmin.fieldsets + (("Человек", {"fields": ("person",)}),)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("person", "role", "organisation", "municipality", "region", "school_class", "start_date", "end_date")
    list_filter = ("role", "origin", "end_date")
    search_fields = ("person__sort_key", "organisation__short_name", "organisation__inn")
    list_select_related = ("person", "organisation", "municipality", "region", "school_class")
    autocomplete_fields = ("person", "organisation", "municipality", "region", "school_class")
    filter_horizontal = ("subjects",)


@admin.register(Guardianship)
class GuardianshipAdmin(admin.ModelAdmin):
    list_display = ("parent", "child", "created_at")
    search_fields = ("parent__sort_key", "child__sort_key")
    list_select_related = ("parent", "child")
    autocomplete_fields = ("parent", "child")


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "text_version", "given_at", "ip_address")
    list_filter = ("kind", "text_version")
    search_fields = ("user__username", "user__person__sort_key")
    list_select_related = ("user__person",)
    readonly_fields = ("user", "kind", "text_version", "given_at", "ip_address")
