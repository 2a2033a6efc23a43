from django.contrib import admin

from mutualis.trust.models import AcceptedAuthority, TrustedList


@admin.register(TrustedList)
class TrustedListAdmin(admin.ModelAdmin):
    """Read only: lists come in through their import, which checks signatures."""

    list_display = [
        "territory",
        "sequence",
        "issued_at",
        "next_update",
        "imported_at",
        "signer_subject",
    ]
    list_filter = ["territory"]
    exclude = ["xml", "signer_der"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AcceptedAuthority)
class AcceptedAuthorityAdmin(admin.ModelAdmin):
    """Read only: the operator page adds and withdraws them, in the journal."""

    list_display = ["subject", "note", "added_by", "added_at", "withdrawn_at"]
    exclude = ["certificate_der"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
