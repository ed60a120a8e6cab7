"""The operator's view of invitations. Read-only: a status changes only through the services (send, resend,
revoke, accept), which write the history and the audit log."""
from django.contrib import admin

from sreda.core.admin import ReadOnlyAdmin
from sreda.onboarding.models import Invitation, InvitationEvent


class InvitationEventInline(admin.TabularInline):
    model = InvitationEvent
    extra = 0
    fields = ("at", "kind", "actor", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("full_name", "organisation", "role", "email", "status", "sent_at", "expires_at", "accepted_at")
    list_filter = ("status", "role")
    search_fields = ("surname", "name", "email", "organisation__short_name", "organisation__inn")
    list_select_related = ("organisation",)
    date_hierarchy = "sent_at"
    inlines = [InvitationEventInline]
    # The token's hash is never shown: it is the key to nothing, but there is no reason to expose it.
    exclude = ("token_hash",)


@admin.register(InvitationEvent)
class InvitationEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "invitation", "kind", "actor", "note")
    list_filter = ("kind",)
    search_fields = ("invitation__surname", "invitation__email", "note")
    list_select_related = ("invitation__organisation", "actor__person")
