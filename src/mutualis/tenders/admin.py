from django.contrib import admin

from mutualis.tenders.models import (
    Award,
    Consultation,
    ConsultationText,
    Document,
    Download,
    Lot,
)


class LotInline(admin.TabularInline):
    model = Lot
    extra = 0
    raw_id_fields = ["main_cpv"]


class TextInline(admin.TabularInline):
    model = ConsultationText
    extra = 0


class DocumentInline(admin.TabularInline):
    model = Document
    extra = 0
    fields = ["name", "size", "sha256", "uploaded_at", "uploaded_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "buyer", "procedure", "state"]
    list_filter = ["state", "procedure", "nature"]
    search_fields = ["reference", "title", "buyer__name"]
    raw_id_fields = ["buyer", "main_cpv", "extra_cpv", "nuts", "created_by"]
    # The state moves only through tenders.actions, which checks the transitions.
    readonly_fields = ["state", "published_at", "opened_at", "awarded_at"]
    inlines = [LotInline, TextInline, DocumentInline]

    # Every change goes through tenders.actions (permission, rules, journal); the
    # admin only shows. Adding would set a buyer's dates from outside its staff;
    # deleting would also list the bids of a consultation.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Download)
class DownloadAdmin(admin.ModelAdmin):
    list_display = ["at", "consultation", "document", "user", "organisation"]
    raw_id_fields = ["consultation", "document", "user", "organisation"]
    date_hierarchy = "at"

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    list_display = ["consultation", "lot", "winner", "value", "decided_on"]
    raw_id_fields = ["consultation", "lot", "winner"]
