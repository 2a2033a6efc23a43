from django.apps import AppConfig


class TendersConfig(AppConfig):
    name = "mutualis.tenders"
    label = "tenders"

    def ready(self):
        from mutualis.tenders import search_index

        search_index.connect()
