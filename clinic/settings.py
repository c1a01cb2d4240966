"""WalkRx settings: one module, configured from the environment (see .env.example)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

INSECURE_DEFAULT_SECRET_KEY = "insecure-dev-only-walkrx-secret-key-change-me"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", default=INSECURE_DEFAULT_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Production processes (gunicorn via wsgi/asgi, Celery worker and beat) refuse to start on
# this key unless DEBUG is on: clinic.conf.refuse_insecure_secret_key.

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "axes",
    "clinic",
    "patients",
    "programs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # An API method the resource does not support: 405 before DRF asks for credentials.
    "clinic.api.methods.MethodNotAllowedFirstMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'walkrx.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the worker and beat share the embedded database.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if not env.bool("DATABASE_JIT", default=False):
        # PostgreSQL's JIT compiled the caseload lists' plans (estimated costly: a
        # subquery per column and row) for over a second to run them in 0.25 s.
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = DEBUG

LOGIN_URL = "/admin/login/"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="WalkRx <noreply@walkrx.local>")

# --- REST framework -------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies only (the step import declares multipart itself): a form post is a 415,
    # and a missing yes/no answer is never read as "no".
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "clinic.api.filters.StrictQueryParamsFilter",
        "django_filters.rest_framework.DjangoFilterBackend",
    ],
    "DEFAULT_SCHEMA_CLASS": "clinic.api.schema.StrictAutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "WalkRx API",
    "DESCRIPTION": "Prescribed walking for low back pain: patient portal and therapist API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Celery ---------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(env("CELERY_FILESYSTEM_BROKER_DIR", default=str(VAR_DIR / "broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
else:
    # Task time limits stay well below this, so a killed worker's task is redelivered
    # only after it could no longer be running.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# acks_late is safe only because every task is idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 900
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Clinical defaults (configurable; see shared domain notes) ------------
WALKRX = {
    "WALK_BACKDATE_DAYS": env.int("WALKRX_WALK_BACKDATE_DAYS", default=14),
    "WALK_EDIT_WINDOW": timedelta(hours=env.int("WALKRX_WALK_EDIT_HOURS", default=24)),
    "ADHERENT_RATIO": env.float("WALKRX_ADHERENT_RATIO", default=0.8),
    "LOW_ADHERENCE_RATIO": env.float("WALKRX_LOW_ADHERENCE_RATIO", default=0.5),
    "MISSED_DAYS": env.int("WALKRX_MISSED_DAYS", default=3),
    "PAIN_RISE_POINTS": env.float("WALKRX_PAIN_RISE_POINTS", default=2.0),
    "PAIN_SEVERE_SCORE": env.int("WALKRX_PAIN_SEVERE_SCORE", default=8),
    "PAIN_IMPROVEMENT_RATIO": env.float("WALKRX_PAIN_IMPROVEMENT_RATIO", default=0.3),
    "BOOSTER_RATIO": env.float("WALKRX_BOOSTER_RATIO", default=0.6),
    "STEPS_IMPORT_HISTORY_DAYS": env.int("WALKRX_STEPS_HISTORY_DAYS", default=730),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
# WeasyPrint (report PDFs) and fontTools log every layout step at INFO.
LOGGING["loggers"] = {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}}

# --- API: bearer tokens, throttling, error shapes (issue 3) ---------------
API_TOKEN_TTL = timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=12))
REST_FRAMEWORK.update(
    {
        # Bearer first: its challenge makes unauthenticated requests 401, not 403.
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "clinic.api.authentication.BearerTokenAuthentication",
            *REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"],
        ],
        "DEFAULT_THROTTLE_CLASSES": [
            "clinic.api.throttles.AnonThrottle",
            "clinic.api.throttles.UserThrottle",
        ],
        "DEFAULT_THROTTLE_RATES": {
            "anon": env("API_THROTTLE_ANON", default="60/min"),
            "user": env("API_THROTTLE_USER", default="600/min"),
            "login": env("API_LOGIN_THROTTLE", default="10/min"),
        },
        "EXCEPTION_HANDLER": "clinic.api.exceptions.api_exception_handler",
        "TEST_REQUEST_DEFAULT_FORMAT": "json",
    }
)
SPECTACULAR_SETTINGS.update(
    {
        "COMPONENT_SPLIT_REQUEST": True,
        "SCHEMA_PATH_PREFIX": r"/api/v1",
        "ENUM_NAME_OVERRIDES": {
            "WalkKindEnum": "programs.models.WalkLog.Kind",
            "TalkTestEnum": "programs.models.WalkLog.TalkTest",
            "AlertKindEnum": "patients.models.Alert.Kind",
            "AlertStatusEnum": "patients.models.Alert.Status",
            "PatientStatusEnum": "patients.models.Patient.Status",
            "ProgramStatusEnum": "programs.models.WalkingProgram.Status",
        },
    }
)
# The set-password pages of patient invitations (clinic/templates/registration/) win over
# the admin's versions of the same templates.
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "clinic" / "templates"]

# --- Sign-in lockout (django-axes): the portal and API logins share it ---
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# Lock a username only from the address that guessed, so nobody can lock a patient out
# by guessing from elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "patients/portal/locked_out.html"
# Behind a proxy, set AXES_IPWARE_META_PRECEDENCE_ORDER (see the django-axes docs).
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# Step-data imports (README "Step data imports"): the largest file accepted, in MB.
WALKRX_IMPORT_MAX_MB = env.int("WALKRX_IMPORT_MAX_MB", default=512)
# --- Audit trail (see README "Audit trail and patient rights") ---
# Trust the last N X-Forwarded-For hops for the client address (0: REMOTE_ADDR only).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Audit events older than this many days are deleted by the daily prune (6 years).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=2190)
# --- Faults survived (issue 8) ---------------------------------------------
# Task limits and the redis visibility timeout can be set from the environment (the
# fault tests shorten them); the hard limit must stay below the visibility timeout, so a
# message is redelivered only once the worker that took it can no longer be running it.
CELERY_TASK_SOFT_TIME_LIMIT = env.int(
    "CELERY_TASK_SOFT_TIME_LIMIT", default=CELERY_TASK_SOFT_TIME_LIMIT
)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=CELERY_TASK_TIME_LIMIT)
# A publisher (a web request's after-commit publish) never waits on a dead broker:
# one connection attempt, then the task stays in the outbox (clinic.outbox).
WALKRX_REDIS_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "max_retries": 0,
    "socket_connect_timeout": 2,
}
if not CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS.update(WALKRX_REDIS_TRANSPORT_OPTIONS)
    if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= CELERY_TASK_TIME_LIMIT:
        raise ImproperlyConfigured(
            "CELERY_TASK_TIME_LIMIT must be below the broker's visibility timeout."
        )
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# An email backend other than EMAIL_URL's (the fault tests count emails in files).
EMAIL_BACKEND = env("EMAIL_BACKEND", default=EMAIL_CONFIG["EMAIL_BACKEND"])
# Database outages answer 503 + Retry-After instead of a 500 (outermost, catches all views).
MIDDLEWARE.insert(0, "clinic.middleware.DatabaseUnavailableMiddleware")
# --- Security hardening (issue 8): secure defaults whenever DEBUG is false ---
# Argon2 first; older hashes still verify and are upgraded at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# Behind a TLS-terminating proxy: SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) if len(_proxy_ssl_header) == 2 else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = env("SECURE_REFERRER_POLICY", default="same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = env(
    "PERMISSIONS_POLICY",
    default="camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
)
# Request bodies above this many bytes are refused with 400 (the API has no uploads).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
# Staff (therapists, admins) are signed out after this many idle minutes; patients are not.
STAFF_SESSION_IDLE_MINUTES = env.int("STAFF_SESSION_IDLE_MINUTES", default=15)

# Content-Security-Policy (django-csp): every script is served from this site, including
# Swagger UI's (drf-spectacular-sidecar). Inline styles stay allowed: htmx, Chart.js and the
# admin set them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SPECTACULAR_SETTINGS.update(
    {
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
    }
)

# CORS (django-cors-headers): only the API, only the configured portal origins.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"

INSTALLED_APPS = [*INSTALLED_APPS, "corsheaders", "csp", "drf_spectacular_sidecar"]
_after_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE = [
    *MIDDLEWARE[:_after_security],
    "corsheaders.middleware.CorsMiddleware",  # before anything that can answer
    "clinic.security.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    *MIDDLEWARE[_after_security:],
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "clinic.security.StaffSessionIdleMiddleware",
)
# JSON 429 + Retry-After for the API login, the lockout page for the portal and admin.
AXES_LOCKOUT_CALLABLE = "clinic.security.axes_lockout_response"
# --- Benchmark (issue 7): bare twin views under /bench/, never on by default ---
WALKRX_BENCH_TWINS = env.bool("WALKRX_BENCH_TWINS", default=False)
