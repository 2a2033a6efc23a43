from django.contrib import admin
from django.urls import include, path

from mutualis.api.site import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("", include("mutualis.web.urls")),
]

handler403 = "mutualis.web.views.errors.permission_denied"
