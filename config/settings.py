"""Koers settings: one file, driven by the environment (STYLE.md §12; README "Configuration").

`DEBUG` defaults to off. Only with `DEBUG` on do the embedded defaults apply (SQLite under
`var/`, kombu's file broker, local-memory cache, console e-mail); with it off, the required
variables must be set and every malformed value stops the start with a message naming it.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path, PurePath
from urllib.parse import urlsplit

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import (
    broker_url,
    cache_url,
    database_url,
    email_url,
    env_bool,
    env_int,
    env_list,
    env_months,
    env_rate,
    env_required,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# GENERAL
DEBUG = env_bool("DEBUG", False)
_REQUIRED = "when DEBUG is off (see the README, Configuration)"


def _setting(name: str, debug_default: str) -> str:
    """Required with DEBUG off; the embedded default only with DEBUG on."""
    if DEBUG:
        return env_str(name, debug_default) or debug_default
    return env_required(name, why=_REQUIRED)


SECRET_KEY = _setting("SECRET_KEY", "django-insecure-koers-development-only-never-use-in-production")
if not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(f"ALLOWED_HOSTS is required {_REQUIRED}.")

SITE_URL = _setting("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.netloc:
    raise ImproperlyConfigured(f"SITE_URL must be an absolute http(s) URL; got {SITE_URL!r}.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "csp",
    "axes",
    "register",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Outermost but for the HTTPS redirect, so an API request's logged duration covers the rest.
    "api.access_log.ApiAccessLogMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a signed-in user's language preference beats the browser's.
    "register.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: it answers a locked-out sign-in (django-axes, SECURITY below).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "register.User"
# django-axes first (it refuses a locked-out sign-in before a password is checked), then Django's
# ModelBackend with a person's permissions read in one query (register/backends.py).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "register.backends.OneQueryModelBackend"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# DATABASE
# With DEBUG on and no DATABASE_URL: SQLite under var/ in WAL mode, so web, worker and beat can
# share it (shared/notes/embedded-dev-stack.md measured these options).
DATABASES = {
    "default": database_url(
        "DATABASE_URL", _setting("DATABASE_URL", f"sqlite:///{VAR_DIR / 'koers.sqlite3'}")
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer is a clean 503 within this many seconds (api/errors.py),
    # not a request hanging until gunicorn's worker timeout.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "DATABASE_CONNECT_TIMEOUT", 5, minimum=1, maximum=60
    )
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# CACHE AND E-MAIL
CACHES = {"default": cache_url("CACHE_URL", _setting("CACHE_URL", "locmemcache://koers"))}
_email_config = email_url("EMAIL_URL", _setting("EMAIL_URL", "consolemail://"))
EMAIL_BACKEND = _email_config["EMAIL_BACKEND"]
EMAIL_HOST = _email_config.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email_config.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email_config.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email_config.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email_config.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_email_config.get("EMAIL_USE_SSL", False))
if EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":
    # filemail:////absolute/folder (django-environ drops one slash of the path).
    EMAIL_FILE_PATH = _email_config.get("EMAIL_FILE_PATH") or ""
    if not PurePath(EMAIL_FILE_PATH).is_absolute():
        raise ImproperlyConfigured(
            "EMAIL_URL must name an absolute folder for the file backend, like filemail:////var/mail; "
            f"got {EMAIL_FILE_PATH!r}."
        )
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"Koers <noreply@{_site.hostname}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
KOERS_COMMITTEE_EMAIL = env_str("KOERS_COMMITTEE_EMAIL", "")

# INTERNATIONALISATION AND TIME
# Dates people see ("the day", "overdue") are judged in this zone; the database stores UTC.
TIME_ZONE = env_str("TIME_ZONE", "Europe/Amsterdam") or "Europe/Amsterdam"
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE is not a known time zone; got {TIME_ZONE!r}.") from None
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
KOERS_SEND_HOUR = env_int("KOERS_SEND_HOUR", 8, minimum=0, maximum=23)
# The "upcoming" reminder goes this many days before a review is due.
KOERS_REMINDER_UPCOMING_DAYS = env_int("KOERS_REMINDER_UPCOMING_DAYS", 14, minimum=1, maximum=90)
# Months between reviews per tier (PRODUCT.md: high-risk 3, limited 6, minimal 12), e.g.
# KOERS_REVIEW_CADENCE_MONTHS="high_risk=2,limited=6"; a prohibited use-case is never scheduled.
KOERS_REVIEW_CADENCE_MONTHS = env_months(
    "KOERS_REVIEW_CADENCE_MONTHS",
    {"high_risk": 3, "limited": 6, "minimal": 12, "out_of_scope": 12},
    keys=frozenset({"high_risk", "limited", "minimal", "out_of_scope"}),
)
# An extra review (serious incident, vendor model change, missed goal, tier changed by a new
# ruleset) falls due within this many days.
KOERS_EXTRA_REVIEW_DAYS = env_int("KOERS_EXTRA_REVIEW_DAYS", 14, minimum=1, maximum=90)
# How often beat runs the sweep (seconds): hourly; tests and demos may shorten it.
KOERS_SWEEP_INTERVAL = env_int("KOERS_SWEEP_INTERVAL", 3600, minimum=1, maximum=86400)
# The committee's policy: may the owner of a use-case tick off its duties, or must someone else?
KOERS_OBLIGATION_FOUR_EYES = env_bool("KOERS_OBLIGATION_FOUR_EYES", False)
# Unit webhooks (register/webhooks.py): seconds to wait for the receiver; loopback (and plain http
# to it) only for tests and local receivers, never in production.
KOERS_WEBHOOK_TIMEOUT = env_int("KOERS_WEBHOOK_TIMEOUT", 10, minimum=1, maximum=60)
KOERS_WEBHOOK_ALLOW_LOOPBACK = env_bool("KOERS_WEBHOOK_ALLOW_LOOPBACK", False)

# STATIC FILES
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # The manifest needs `collectstatic`; only a deployment (DEBUG off) has run it.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# SECURITY
# SECURE_SSL_REDIRECT says "people reach Koers over HTTPS"; the cookie and HSTS settings follow
# it, so benchmarks over plain HTTP on 127.0.0.1 can turn it off in one place.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_SSL_REDIRECT
CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if SECURE_SSL_REDIRECT else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes inside the cluster speak HTTP
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content Security Policy on every response (django-csp): scripts, styles, fonts and images from
# Koers itself only, nothing inline (pages, the admin and the API docs are built without any),
# no plug-ins, no framing, forms posted to Koers only. `data:` images: the admin's and the API
# docs' icons, and the empty favicon.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# The proxies in front of Koers that append to X-Forwarded-For (register/client.py): 0 reads the
# peer's address; behind a TLS proxy, 1, or every person would share the proxy's address.
KOERS_PROXY_COUNT = env_int("KOERS_PROXY_COUNT", 0, minimum=0, maximum=5)
# Sign-in throttling (django-axes): after KOERS_LOGIN_FAILURE_LIMIT failed attempts for one
# username from one address (register.client, as the question form's limit), that pair is refused
# for KOERS_LOGIN_COOLOFF_MINUTES from the attempt that paused it (attempts during the pause do
# not make it longer, or anyone could keep someone else out). Counted in the shared cache (Redis
# in production), so every web process counts the same attempts.
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = env_int("KOERS_LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("KOERS_LOGIN_COOLOFF_MINUTES", 15, minimum=1, maximum=1440))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "register.client.client_address"
AXES_LOCKOUT_CALLABLE = "register.views.sign_in_locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False  # its tables stay empty: attempts are counted in the cache
if DEBUG and "locmem" in CACHES["default"]["BACKEND"].lower():
    # The embedded local-memory cache counts per process: fine for one developer's server, which
    # is what DEBUG's defaults are for; with DEBUG off CACHE_URL (Redis) is required.
    SILENCED_SYSTEM_CHECKS = ["axes.W001"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [f"{_site.scheme}://{_site.netloc}"])
# Behind a TLS-terminating proxy: SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto (README).
_proxy_header = env_str("SECURE_PROXY_SSL_HEADER")
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# CELERY
# With DEBUG on and no CELERY_BROKER_URL: kombu's file broker under var/broker/. Its in- and
# out-folders must be the same folder, or nothing is consumed (embedded-dev-stack.md).
CELERY_BROKER_URL = broker_url("CELERY_BROKER_URL", _setting("CELERY_BROKER_URL", "filesystem://localhost/"))
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "control", "processed"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True  # nothing reads results; work reports through the database
CELERY_RESULT_BACKEND = None
# Late acks only because every task's work is claimed in the database first (STYLE.md §8, §9).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# REST FRAMEWORK (STYLE.md §13)
REST_FRAMEWORK = {
    # Token first, so a request without credentials gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StrictCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.KoersAutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "PAGE_SIZE": 100,
    # Counted in the default cache (CACHE_URL: Redis in production, so every web process shares
    # the counts); the rates are the two settings below. Too many requests: 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonThrottle", "api.throttling.UserThrottle"],
}
# Requests per person (token or session) and per anonymous address, like "2000/hour" or "10/min".
# Questions one address may send through the public transparency page's form per hour.
# Retention (register/retention.py, `apply_retention`): API requests kept this many days; people
# who left kept by name this many days after their deactivation, then pseudonymised.
KOERS_RETENTION_API_ACCESS_DAYS = env_int("KOERS_RETENTION_API_ACCESS_DAYS", 365, minimum=30, maximum=3650)
KOERS_RETENTION_LEAVERS_DAYS = env_int("KOERS_RETENTION_LEAVERS_DAYS", 90, minimum=0, maximum=3650)
# Who asked a question on the public page, and how to reach them: kept this many days after the answer.
KOERS_RETENTION_ASKERS_DAYS = env_int("KOERS_RETENTION_ASKERS_DAYS", 365, minimum=30, maximum=3650)
KOERS_TRANSPARENCY_ASKS_PER_HOUR = env_int("KOERS_TRANSPARENCY_ASKS_PER_HOUR", 5, minimum=1, maximum=1000)
KOERS_API_THROTTLE_USER = env_rate("KOERS_API_THROTTLE_USER", "2000/hour")
KOERS_API_THROTTLE_ANON = env_rate("KOERS_API_THROTTLE_ANON", "60/hour")
# Every API request authenticated by a token gets a row in the access log (api/access_log.py).
# Always on in a deployment; tests that count a view's queries switch it off
# (tests/api/access_log_helpers.py).
KOERS_API_ACCESS_LOG = True
DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    # An unreachable database: 503 with Retry-After, as outside the API (api/errors.py).
    "EXCEPTION_HANDLER_CLASS": "api.errors.KoersExceptionHandler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Koers API",
    "DESCRIPTION": "Read-only API of the Koers AI use-case register (README, API).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        name: f"drf_standardized_errors.openapi_serializers.{name}.choices"
        for name in [
            "ValidationErrorEnum",
            "ClientErrorEnum",
            "ServerErrorEnum",
            "ErrorCode401Enum",
            "ErrorCode403Enum",
            "ErrorCode404Enum",
            "ErrorCode405Enum",
            "ErrorCode406Enum",
            "ErrorCode415Enum",
            "ErrorCode429Enum",
            "ErrorCode500Enum",
        ]
    }
    # The register's own choice sets, one name each wherever a field uses them.
    | {
        f"{name}Enum": f"register.choices.{name}.choices"
        for name in [
            "RiskTier",
            "WorkflowStatus",
            "YesNoUnknown",
            "ObligationStatus",
            "DeliveryStatus",
            "AssessmentKind",
            "DecisionKind",
        ]
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "api.schema.answers_closed",
        "api.schema.query_values_not_empty",
    ],
}

# LOGGING: to stdout, one line per record; the level from LOG_LEVEL.
LOG_LEVEL = (env_str("LOG_LEVEL", "INFO") or "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL; got {LOG_LEVEL!r}."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
}
