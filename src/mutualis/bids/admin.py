"""Bids in the admin: read-only, after the deadline only, and never their content.

A superuser is no exception to the rule that nobody sees a bid before its
deadline, so the querysets themselves leave those bids out.
"""

from django.contrib import admin

from mutualis.bids import access
from mutualis.bids.models import Bid, BidFile, OpeningEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BidFileInline(admin.TabularInline):
    model = BidFile
    # The stored name stays out too: metadata only, no way to the bytes.
    fields = ["position", "name", "size", "sha256"]
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    list_display = [
        "receipt_number",
        "consultation",
        "lot",
        "bidder",
        "received_at",
        "is_late",
        "state",
    ]
    search_fields = ["receipt_number"]
    fields = [
        "receipt_number",
        "consultation",
        "lot",
        "bidder",
        "deposited_by",
        "state",
        "sealing",
        "started_at",
        "received_at",
        "deadline",
        "is_late",
        "replaces",
        "opened_at",
        "opened_by",
    ]
    inlines = [BidFileInline]

    def get_queryset(self, request):
        return access.past_deadline(super().get_queryset(request)).select_related(
            "consultation", "lot", "bidder"
        )


@admin.register(OpeningEvent)
class OpeningEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "consultation", "action", "user", "bid", "bid_file"]
    list_select_related = ["consultation", "user", "bid", "bid_file"]

    def get_queryset(self, request):
        return access.past_deadline(super().get_queryset(request))
