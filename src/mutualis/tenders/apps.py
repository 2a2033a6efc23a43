from django.apps import AppConfig


class TendersConfig(AppConfig):
    name = "mutualis.tenders"
    label = "tenders"
