from django.urls import path

from mutualis.uploads import views

app_name = "uploads"
urlpatterns = [
    path("", views.upload_collection, name="collection"),
    path("<uuid:pk>", views.upload_resource, name="upload"),
]
