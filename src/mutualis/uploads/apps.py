from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "mutualis.uploads"
    label = "uploads"
