import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hashing a password properly takes half a second; these tests make hundreds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
