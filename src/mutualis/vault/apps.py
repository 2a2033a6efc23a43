from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "mutualis.vault"
    label = "vault"
