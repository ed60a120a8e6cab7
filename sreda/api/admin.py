"""Operator admin of API tokens: see and revoke; tokens are issued through the CLI or the service, so
that the secret is shown once to the person who asked for it."""
from django.contrib import admin, messages

from sreda.api.models import ApiToken
from sreda.api.services import token_revoke
from sreda.core.active_role import PLATFORM_OPERATOR, ActiveRole


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "role_label", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at", "role"]
    search_fields = ["name", "prefix", "organisation__short_name", "organisation__inn"]
    list_select_related = ["membership__organisation", "membership__person", "organisation", "municipality", "region"]
    readonly_fields = ["name", "prefix", "scopes", "membership", "role", "organisation", "municipality", "region",
                       "created_by", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    @admin.display(description="роль")
    def role_label(self, obj: ApiToken) -> str:
        return obj.role_label

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Revoked tokens stay, so the audit log keeps pointing at something.
        return False

    @admin.action(description="Отозвать выбранные токены")
    def revoke(self, request, queryset):
        actor = ActiveRole(user=request.user, key=PLATFORM_OPERATOR)
        if not request.user.is_superuser:
            self.message_user(request, "Отзывать токены в админке может оператор платформы.", messages.ERROR)
            return
        for token in queryset:
            token_revoke(actor=actor, token=token)
        self.message_user(request, f"Отозвано токенов: {queryset.count()}.")
