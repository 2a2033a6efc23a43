from django.contrib import admin

from mutualis.exchange.models import FeedSource, ImportedNotice


@admin.register(ImportedNotice)
class ImportedNoticeAdmin(admin.ModelAdmin):
    """The register of imported notices: written by the importer, only read here."""

    list_display = [
        "publication_id",
        "notice_type",
        "consultation",
        "issued_at",
        "imported_at",
    ]
    list_filter = ["notice_type"]
    search_fields = ["notice_id", "publication_id", "consultation__reference"]
    list_select_related = ["consultation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FeedSource)
class FeedSourceAdmin(admin.ModelAdmin):
    """The followed platforms; their readings are on the operator's sources page."""

    list_display = ["name", "feed_url", "country", "is_active"]
    list_filter = ["is_active", "country"]
    search_fields = ["name", "feed_url"]
    readonly_fields = ["resume_url"]
