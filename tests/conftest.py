import pytest
from django.utils import translation


def relocated(store, location):
    return {**store, "OPTIONS": {**store.get("OPTIONS", {}), "location": str(location)}}


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path):
    """Each test writes its files under its own temporary directory."""
    stores = settings.STORAGES
    settings.STORAGES = {
        **stores,
        "default": relocated(stores["default"], tmp_path / "media"),
        "protected": relocated(stores["protected"], tmp_path / "protected"),
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Hashing with a million PBKDF2 rounds would make up most of the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_unless_asked(settings):
    """Tests read English unless they ask for another language (Accept-Language)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
