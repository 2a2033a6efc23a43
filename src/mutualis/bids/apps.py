from django.apps import AppConfig


class BidsConfig(AppConfig):
    name = "mutualis.bids"
    label = "bids"
