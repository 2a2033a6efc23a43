from django.contrib import admin

from mutualis.referential.models import CpvCode, NutsCode, Threshold


class ReadOnlyAdmin(admin.ModelAdmin):
    """Reference data comes from the shipped files: the admin only shows it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Labels are searched through their key: JSON text may escape accented letters.
LABEL_SEARCH = ["labels__en", "labels__fr"]


@admin.register(CpvCode)
class CpvCodeAdmin(ReadOnlyAdmin):
    list_display = ["code", "label", "level"]
    list_filter = ["level"]
    search_fields = ["code", *LABEL_SEARCH]
    list_select_related = False


@admin.register(NutsCode)
class NutsCodeAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "country", "level"]
    list_filter = ["country"]
    search_fields = ["code", "name", *LABEL_SEARCH]


@admin.register(Threshold)
class ThresholdAdmin(ReadOnlyAdmin):
    list_display = [
        "directive",
        "article",
        "scope",
        "value",
        "currency",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["directive", "valid_from"]
    search_fields = ["directive", "article", "scope"]
