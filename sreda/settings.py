"""Settings, all from the environment, with defaults that run on a laptop.

Production variables (documented in README, checked by `python -m sreda check --deploy`):
SECRET_KEY, DEBUG=0, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL, EMAIL_URL, SECURE_SSL=1.
"""
import os
import sys
from pathlib import Path

import dj_database_url
import dj_email_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SREDA_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# The development key is useless outside a laptop; `check --deploy` refuses it.
SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-sreda-development-key-not-for-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "huey.contrib.djhuey",
    "sreda.core",
    "sreda.orgs",
    "sreda.people",
    "sreda.roster",
    "sreda.onboarding",
    "sreda.access",
    "sreda.stats",
    "sreda.library",
    "sreda.chats",
    "sreda.dpo",
    "sreda.exchange",
    "sreda.api",
    "sreda.demo",
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
    "django_htmx.middleware.HtmxMiddleware",
    "sreda.core.middleware.ActiveRoleMiddleware",
    "sreda.core.middleware.ConsentRequiredMiddleware",
]

ROOT_URLCONF = "sreda.urls"
WSGI_APPLICATION = "sreda.wsgi.application"

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
                "sreda.core.context_processors.active_role",
            ],
        },
    },
]

# --- database: SQLite file under var/ unless DATABASE_URL says otherwise
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'sreda.sqlite3'}"
# Seconds a worker keeps its connection between requests. `serve` (gunicorn's long-lived workers) sets 60;
# the development server starts a thread per request, so there it stays 0.
CONN_MAX_AGE = int(os.environ.get("CONN_MAX_AGE") or 0)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=CONN_MAX_AGE,
                                              conn_health_checks=CONN_MAX_AGE > 0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the task worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True
# Russian conventions: 20.11.2025, 14:05.
# Grouping is off by default: with it on, every {{ obj.pk }} above 999 renders as «1 234» and breaks form
# values and links. Counts shown to people are grouped explicitly (|intcomma, number_format(force_grouping)).
USE_THOUSAND_SEPARATOR = False
FORMAT_MODULE_PATH = ["sreda.core.formats"]

STATIC_URL = "/static/"
# `collectstatic` fills it for production; whitenoise serves it (with finders in development).
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
# Uploaded files live outside the web root and are served only by views that check permissions.
MEDIA_ROOT = Path(os.environ.get("SREDA_MEDIA_ROOT", VAR_DIR / "uploads"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
ROSTER_UPLOAD_MAX_BYTES = int(os.environ.get("ROSTER_UPLOAD_MAX_BYTES", 200 * 1024 * 1024))

# --- background tasks: SQLite queue by default, Redis when REDIS_URL is set
REDIS_URL = os.environ.get("REDIS_URL", "")
# Under pytest tasks run in-process (huey's immediate mode) unless a test starts a real worker.
TESTING = "pytest" in sys.modules
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", TESTING)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "sreda",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": 2, "max_delay": 1.0},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "sreda",
        "filename": str(VAR_DIR / "tasks.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        # An idle worker polls at most a second apart, so an upload starts within a second.
        "consumer": {"workers": 1, "max_delay": 1.0},
    }

# --- cache: shared through Redis when REDIS_URL is set, else each process keeps its own (the dashboards'
# trend, R31; see stats.indicators.TREND_CACHE_SECONDS)
if REDIS_URL and not TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": "sreda"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sreda"}}

# --- API (issue 9): requests per token per window; 429 with Retry-After above it
SREDA_API_RATE_LIMIT = int(os.environ.get("SREDA_API_RATE_LIMIT", "600"))
SREDA_API_RATE_WINDOW = int(os.environ.get("SREDA_API_RATE_WINDOW", "60"))
# API lists written straight from database rows are checked against their schema row by row (sreda.api.schemas.
# paginate_rows): on while developing (DEBUG) and in the tests, off in production where it would double their cost.
SREDA_API_CHECK_ROWS = env_bool("SREDA_API_CHECK_ROWS", DEBUG)

# --- messenger (R24–R30): the hs_token of Sreda's application-service registration on the homeserver; the
# homeserver sends it with every push to /_matrix/app/v1/transactions. Empty: every push is refused.
SREDA_MATRIX_HS_TOKEN = os.environ.get("SREDA_MATRIX_HS_TOKEN", "")

# --- mail: console in development, SMTP from EMAIL_URL (smtp://user:pass@host:port, submission://…)
EMAIL_URL = os.environ.get("EMAIL_URL", "")
if EMAIL_URL:
    vars().update(dj_email_url.parse(EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Среда <noreply@sreda.local>")

# --- security: strict by default in production
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL", True)
    SESSION_COOKIE_SECURE = env_bool("SECURE_SSL", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_SSL", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Version of the personal-data consent text (R3); bump it when the text changes and everyone
# is asked again.
CONSENT_VERSION = "2025-11-01"

# Links in e-mails (invitations, verification decisions) point here.
SITE_URL = os.environ.get("SREDA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# R11: an invitation link works once, for this many days from sending.
INVITATION_VALID_DAYS = 60
# R7: the regional operator answers a director's verification request within 3–5 days.
VERIFICATION_DUE_DAYS = 5
# R6: scans of documents — PDF, JPEG or PNG, at most this size; kept under MEDIA_ROOT/verification.
VERIFICATION_UPLOAD_MAX_BYTES = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

if TESTING:
    # Tests create hundreds of accounts; PBKDF2's deliberate slowness would dominate the suite. Never
    # outside tests.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
