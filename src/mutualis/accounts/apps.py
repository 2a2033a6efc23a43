from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mutualis.accounts"
    label = "accounts"
