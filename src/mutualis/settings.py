"""Mutualis settings, read from the environment.

The embedded default needs no server: a SQLite file and a local directory under
MUTUALIS_DATA_DIR. Production sets DATABASE_URL, SECRET_KEY and friends; any secret
can instead be read from a file named by the same variable with a `_FILE` suffix.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent


def env(name, default=None):
    """Return the variable `name`, or the content of the file named by `name_FILE`."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = env(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name, default):
    value = env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number, not {value!r}"
        ) from None


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DATA_DIR = Path(env("MUTUALIS_DATA_DIR", Path.cwd() / "var")).resolve()

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not env_bool("MUTUALIS_INSECURE_DEV_KEY"):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set (set SECRET_KEY or SECRET_KEY_FILE, or "
            "MUTUALIS_INSECURE_DEV_KEY=true on a development machine)"
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
MUTUALIS_BASE_URL = env("MUTUALIS_BASE_URL", "http://127.0.0.1:8000")
MUTUALIS_PLATFORM_NAME = env("MUTUALIS_PLATFORM_NAME", "Mutualis")
# OCDS open data. A real publisher registers its OCID prefix with the OCDS Data
# Support Team; "ocds-mutualis" is a placeholder, not a registered prefix.
MUTUALIS_OCID_PREFIX = env("MUTUALIS_OCID_PREFIX", "ocds-mutualis")
MUTUALIS_OCDS_PUBLISHER_SIRET = env("MUTUALIS_OCDS_PUBLISHER_SIRET", "")
MUTUALIS_OCDS_LICENSE = env(
    "MUTUALIS_OCDS_LICENSE", "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "mutualis.core",
    "mutualis.accounts",
    "mutualis.referential",
    "mutualis.tenders",
    "mutualis.uploads",
    "mutualis.bids",
    "mutualis.questions",
    "mutualis.exchange",
    "mutualis.trust",
    "mutualis.alerts",
    "mutualis.vault",
    "mutualis.api",
    "mutualis.web",
    "mutualis.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mutualis.core.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "mutualis.urls"
WSGI_APPLICATION = "mutualis.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "mutualis.web.context.platform",
            ],
        },
    },
]

DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'mutualis.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while a deposit writes; the busy timeout makes writers
    # queue instead of failing at once with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A full-text match of a common word is a bitmap of hundreds of thousands of
    # rows; in Debian's 4 MB it goes lossy and every row is checked again (54 s at a
    # million calls, 1 s with 64 MB; bench/README.md).
    work_mem = env("MUTUALIS_POSTGRESQL_WORK_MEM", "64MB")
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c work_mem={work_mem}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
# French and English first; the partner regions' languages follow.
LANGUAGES = [
    ("fr", _("French")),
    ("en", _("English")),
    ("it", _("Italian")),
    ("cs", _("Czech")),
    ("sv", _("Swedish")),
    ("es", _("Spanish")),
    ("ca", _("Catalan")),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Paris"

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
# Bids live apart from the public media: nothing serves this directory over HTTP.
MUTUALIS_PROTECTED_ROOT = DATA_DIR / "protected"
STATIC_ROOT.mkdir(exist_ok=True)

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    },
    "protected": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(MUTUALIS_PROTECTED_ROOT),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# Portal mode: reading other platforms' OCDS feeds (mutualis follow-feeds).
MUTUALIS_FEED_TIMEOUT = env_int("MUTUALIS_FEED_TIMEOUT", 30)
MUTUALIS_FEED_MAX_BYTES = env_int("MUTUALIS_FEED_MAX_BYTES", 50 * 1024 * 1024)
MUTUALIS_FEED_MAX_PAGES = env_int("MUTUALIS_FEED_MAX_PAGES", 100)
MUTUALIS_MAX_DOCUMENT_SIZE = env_int("MUTUALIS_MAX_DOCUMENT_SIZE", 200 * 1024 * 1024)
MUTUALIS_MAX_BID_FILE_SIZE = env_int("MUTUALIS_MAX_BID_FILE_SIZE", 500 * 1024 * 1024)
MUTUALIS_MAX_BID_FILES = env_int("MUTUALIS_MAX_BID_FILES", 50)
MUTUALIS_MAX_BID_SIZE = env_int("MUTUALIS_MAX_BID_SIZE", 10 * 1024**3)
# Uploads above this size go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = MUTUALIS_MAX_BID_FILES

# The platform's root CA, timestamp authority and seal. Out of the box they are
# generated under this directory on first use; production places its own files
# there and turns generation off, so that a missing file is an error.
MUTUALIS_KEYS_DIR = Path(env("MUTUALIS_KEYS_DIR", DATA_DIR / "keys")).resolve()
MUTUALIS_GENERATE_KEYS = env_bool("MUTUALIS_GENERATE_KEYS", True)
# An RFC 3161 timestamp authority; empty means the in-process one above.
MUTUALIS_TSA_URL = env("MUTUALIS_TSA_URL", "")
MUTUALIS_TSA_USERNAME = env("MUTUALIS_TSA_USERNAME", "")
MUTUALIS_TSA_PASSWORD = env("MUTUALIS_TSA_PASSWORD", "")
# PEM file of the certificates that anchor the configured TSA's tokens.
MUTUALIS_TSA_TRUST_ROOTS = env("MUTUALIS_TSA_TRUST_ROOTS", "")
# Seconds between two timestamps of the audit journal's head; 0 turns them off
# (then only `mutualis stamp-journal` seals it).
MUTUALIS_JOURNAL_SEAL_INTERVAL = env_int("MUTUALIS_JOURNAL_SEAL_INTERVAL", 600)
# The EU list of trusted lists that `mutualis refresh-trusted-lists` fetches;
# empty means lists are imported from files only.
MUTUALIS_TRUSTED_LISTS_URL = env("MUTUALIS_TRUSTED_LISTS_URL", "")
# A PEM file of the certificates that may sign that list; empty: pyHanko's own.
MUTUALIS_LOTL_SIGNERS_FILE = env("MUTUALIS_LOTL_SIGNERS_FILE", "")
# Whether signature validation may fetch CRLs and OCSP answers over the network.
MUTUALIS_REVOCATION_FETCHING = env_bool("MUTUALIS_REVOCATION_FETCHING", False)
# Largest file whose signatures are checked at opening (it is read into memory).
MUTUALIS_MAX_SIGNATURE_CHECK_SIZE = env_int(
    "MUTUALIS_MAX_SIGNATURE_CHECK_SIZE", 200 * 1024 * 1024
)

# Background work through the Django tasks API, queued in the database; a worker
# runs it: `mutualis worker`. A task left running longer than this by a worker that
# died is queued again when a worker starts.
MUTUALIS_TASK_STALE_AFTER = env_int("MUTUALIS_TASK_STALE_AFTER", 3600)
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "mail"],
    }
}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Mutualis <no-reply@mutualis.localhost>")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

MUTUALIS_LOGIN_ATTEMPTS = env_int("MUTUALIS_LOGIN_ATTEMPTS", 5)
MUTUALIS_LOGIN_WINDOW_SECONDS = env_int("MUTUALIS_LOGIN_WINDOW_SECONDS", 900)
MUTUALIS_LOGIN_ATTEMPTS_PER_ADDRESS = env_int("MUTUALIS_LOGIN_ATTEMPTS_PER_ADDRESS", 50)
# The META key a trusted reverse proxy puts the client's address in, such as
# HTTP_X_FORWARDED_FOR; empty, REMOTE_ADDR is the client's. Never set it without
# such a proxy: clients could then name any address they like.
MUTUALIS_CLIENT_ADDRESS_HEADER = env("MUTUALIS_CLIENT_ADDRESS_HEADER", "")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "mutualis_cache",
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
