"""Settings for Clusterflow, read from the environment.

With nothing set, Clusterflow runs on its embedded default: SQLite and a Celery
worker on a file-system broker (see docs/adr/0002). With DATABASE_URL and REDIS_URL
set, it runs on PostgreSQL and Redis. Debug is off unless DJANGO_DEBUG=true (``make run``
sets it). A site that answers to any host other than this machine's own names
(DJANGO_ALLOWED_HOSTS) with debug off is a production site: it needs DJANGO_SECRET_KEY and
gets the hardening that ``manage.py check --deploy`` asks for.
"""

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import csp.constants
import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# Off unless asked for: a forgotten variable must not show tracebacks and settings to the world.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The names under which only this machine reaches the site (and the test client's).
THIS_MACHINE_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=THIS_MACHINE_HOSTS)
# Production: debug off, served to other machines. Without debug on this machine alone (the
# tests, a local run), plain HTTP and the development key stay usable.
PRODUCTION = not DEBUG and not set(ALLOWED_HOSTS) <= set(THIS_MACHINE_HOSTS)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    # Only a site served to this machine alone may run on this key; production refuses it.
    default="embedded-development-key-not-for-production-use-0123456789abcdef",
)
if PRODUCTION and SECRET_KEY.startswith("embedded-development-key"):
    raise environ.ImproperlyConfigured(
        "Set DJANGO_SECRET_KEY when DJANGO_DEBUG is false and DJANGO_ALLOWED_HOSTS names another host."
    )
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin, open only to sessions that passed the second factor (docs/adr/0023).
    "accounts.admin_apps.SecondFactorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_countries",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI's files, served from the site itself as its policy requires (docs/api.md).
    "drf_spectacular_sidecar",
    "accounts",
    "records",
    "intake",
    "assessment",
    "board",
    "projects",
    "registry",
    "workflow",
    "funder",
    "api",
    "stewardship",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.SignedInNoStoreMiddleware",
    # After the messages, which it uses: holds a signed-in user at the second factor (docs/adr/0023).
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        # Django's, with DRF's template tags imported when its browsable API first loads them (ADR 0063).
        "BACKEND": "config.templates.DjangoTemplates",
        "NAME": "django",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "intake.context_processors.programs",
                "records.context_processors.inbox",
            ],
        },
    },
]

# Django's default form renderer, on the backend above: a form's widgets do not import DRF's tags either.
FORM_RENDERER = "config.templates.FormRenderer"

# --- Database -------------------------------------------------------------------------
if "DATABASE_URL" in env:
    DATABASES = {"default": env.db("DATABASE_URL")}
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No just-in-time compilation of queries (docs/adr/0050): a page's query of a few thousand
        # rows whose estimate crosses PostgreSQL's threshold spent several times its run compiling.
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = " ".join(filter(None, [options.get("options", ""), "-c jit=off"]))
        # Parameters bound by the server and a statement run 5 times on a connection prepared there,
        # so PostgreSQL keeps its plan (docs/adr/0057, 0058); 0 turns it off (a pooler in transaction
        # mode). A statement whose generic plan is bad runs in `records.sql.planned_at_each_run`.
        prepare_after = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
        if prepare_after > 0:
            options.setdefault("server_side_binding", True)
            options.setdefault("prepare_threshold", prepare_after)
else:
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.str("SQLITE_PATH", default=str(VAR_DIR / "clusterflow.sqlite3")),
            # Persistent connections: opening SQLite and setting its pragmas per request
            # made submissions several times slower.
            "CONN_MAX_AGE": None,
            "OPTIONS": {
                # Take the write lock at BEGIN so two writers queue instead of failing
                # with "database is locked" when one upgrades a read lock.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
            "TEST": {"NAME": env.str("SQLITE_TEST_PATH", default=str(VAR_DIR / "test.sqlite3"))},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's own authentication; loading a request's user also reads its roles.
AUTHENTICATION_BACKENDS = ["records.backends.InboxBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "home"
# Failed sign-ins allowed per email address, and per client address, within a window that
# starts with the first failure; at the limit, sign-ins are refused until it ends (docs/adr/0013).
LOGIN_THROTTLE_EMAIL_FAILURES = env.int("LOGIN_THROTTLE_EMAIL_FAILURES", default=5)
LOGIN_THROTTLE_ADDRESS_FAILURES = env.int("LOGIN_THROTTLE_ADDRESS_FAILURES", default=30)
LOGIN_THROTTLE_WINDOW_SECONDS = env.int("LOGIN_THROTTLE_WINDOW_SECONDS", default=15 * 60)
# The most messages a member sends through the directory's relay in 24 hours (docs/directory.md).
DIRECTORY_RELAY_DAILY_LIMIT = env.int("DIRECTORY_RELAY_DAILY_LIMIT", default=20)
# Sessions end after this long without a request (idle), and this long after signing in
# (absolute), whatever happens in between (docs/adr/0011). Staff (program staff and the
# admin's users) see every proposal, so their limits are shorter.
SESSION_IDLE_TIMEOUT_STAFF_SECONDS = env.int("SESSION_IDLE_TIMEOUT_STAFF_SECONDS", default=30 * 60)
SESSION_IDLE_TIMEOUT_SECONDS = env.int("SESSION_IDLE_TIMEOUT_SECONDS", default=8 * 60 * 60)
SESSION_ABSOLUTE_TIMEOUT_STAFF_SECONDS = env.int("SESSION_ABSOLUTE_TIMEOUT_STAFF_SECONDS", default=12 * 60 * 60)
SESSION_ABSOLUTE_TIMEOUT_SECONDS = env.int("SESSION_ABSOLUTE_TIMEOUT_SECONDS", default=7 * 24 * 60 * 60)
# The cookie and the session's row last no longer than the longest absolute timeout.
SESSION_COOKIE_AGE = max(SESSION_ABSOLUTE_TIMEOUT_STAFF_SECONDS, SESSION_ABSOLUTE_TIMEOUT_SECONDS)
# How long a browser in which its owner signed in (or reset the password by the emailed link)
# keeps its own count of failures, so that a stranger's failures do not lock it out (docs/adr/0017).
LOGIN_DEVICE_COOKIE_AGE_SECONDS = env.int("LOGIN_DEVICE_COOKIE_AGE_SECONDS", default=365 * 24 * 3600)
# Sign-up and password-reset requests served per email address, and per client address, in
# the same window; over either, the form refuses and sends no email (docs/adr/0017).
ACCOUNT_EMAIL_THROTTLE_PER_EMAIL = env.int("ACCOUNT_EMAIL_THROTTLE_PER_EMAIL", default=3)
ACCOUNT_EMAIL_THROTTLE_PER_CLIENT = env.int("ACCOUNT_EMAIL_THROTTLE_PER_CLIENT", default=20)
# Second factor (docs/adr/0023): wrong codes allowed per user in the sign-in throttle's window.
SECOND_FACTOR_THROTTLE_FAILURES = env.int("SECOND_FACTOR_THROTTLE_FAILURES", default=5)
# The name authenticator apps show beside the code.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Clusterflow")
# django-otp's own per-device delays are off: the throttle above counts every wrong code, and its
# doubling delays refused right codes typed a second after a typo.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# How many proxies in front of the site append the client's address to X-Forwarded-For
# (0: clients connect directly, and REMOTE_ADDR is the client).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalization -------------------------------------------------------------
LANGUAGE_CODE = "en"
# One long and one short format for dates and times per language (config/formats).
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]


def _file_storage() -> dict[str, Any]:
    """Return where uploads are kept: the local disk (MEDIA_ROOT), or an S3-compatible bucket (ADR 0025).

    Objects in the bucket are private (no public read, short presigned URLs if any code ever
    asks for one), encrypted at rest by the server, and never overwritten; the site itself
    streams them only through its permission-checked views.
    """
    backend = env.str("STORAGE_BACKEND", default="filesystem")
    if backend == "filesystem":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if backend != "s3":
        raise ImproperlyConfigured(f"STORAGE_BACKEND is {backend!r}: choose 'filesystem' or 's3'.")
    encryption = env.str("AWS_S3_SSE", default="AES256")
    parameters: dict[str, str] = {"ServerSideEncryption": encryption} if encryption else {}
    if encryption == "aws:kms" and env.str("AWS_S3_SSE_KMS_KEY_ID", default=""):
        parameters["SSEKMSKeyId"] = env.str("AWS_S3_SSE_KMS_KEY_ID")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            # Empty: boto3 finds the credentials itself (instance role, ~/.aws, its own variables).
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "location": env.str("AWS_S3_PREFIX", default=""),
            # "private" unless set empty, for a bucket whose ACLs are disabled (private by its owner).
            "default_acl": env.str("AWS_DEFAULT_ACL", default="private") or None,
            "object_parameters": parameters,
            "querystring_auth": True,
            "querystring_expire": 30,
            "file_overwrite": False,
            # A download is read into a temporary file that moves to disk past 2 MiB, not kept in memory.
            "max_memory_size": 2 * 1024 * 1024,
        },
    }


STORAGES = {
    "default": _file_storage(),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads live outside the web root and are served only through permission-checked views.
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# The largest attachment accepted, per file (20 MiB unless set).
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
# A period's claim is due this many days after the period ends; partners are reminded these many days
# before it is due (docs/claims.md).
CLAIM_DUE_DAYS = env.int("CLAIM_DUE_DAYS", default=30)
CLAIM_REMINDER_DAYS = tuple(env.list("CLAIM_REMINDER_DAYS", cast=int, default=[14, 3]))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email ----------------------------------------------------------------------------
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
elif "EMAIL_FILE_PATH" in env:
    # One file per message in this directory: how a test sees what a worker process sent.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH")
else:
    # Subject, recipients and text part only: the full HTML would bury the terminal (config/email.py).
    EMAIL_BACKEND = "config.email.ConsoleTextEmailBackend"
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Clusterflow <noreply@clusterflow.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# How long a sender owns a notification email it claimed before the relay may hand it to another.
NOTIFICATION_CLAIM_SECONDS = env.int("NOTIFICATION_CLAIM_SECONDS", default=300)

# --- Celery ---------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# The suite's parallel processes (pytest-xdist names each in PYTEST_XDIST_WORKER: gw0, gw1, ...) each
# take a Redis database of their own after the configured one, and a broker folder of their own, as
# pytest-django gives each its own SQL database: they never share throttle counters, cached sessions
# or queued files. Outside the suite the variable is unset and nothing changes.
_TEST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _TEST_WORKER.startswith("gw") and _TEST_WORKER[2:].isdigit():
    _worker = int(_TEST_WORKER[2:])
    if REDIS_URL:
        _parts = urlsplit(REDIS_URL)
        _base = int(_parts.path.strip("/") or 0)
        REDIS_URL = urlunsplit(_parts._replace(path=f"/{(_base + 1 + _worker) % 16}"))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Sessions are read from Redis and written through to the database (docs/adr/0011):
    # a page then reads no session row. Without Redis each process would keep its own
    # copy, and a session ended in one would live on in the others, so they stay in the database.
    # The cache is optional: with Redis down, sessions come from the database and the login
    # throttle counts in each process; the short timeouts keep a request from hanging on it.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": "clusterflow",
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}  # fmt: skip
    SESSION_ENGINE = "accounts.sessions"
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600}
else:
    # Embedded default: a real worker on kombu's file-system transport (docs/adr/0002).
    _broker_dir = Path(env.str("CELERY_FILESYSTEM_BROKER_DIR", default=str(VAR_DIR / "broker")))
    if _TEST_WORKER:
        _broker_dir = _broker_dir / _TEST_WORKER
    (_broker_dir / "queue").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Without it kombu keeps its exchange tables in ./control, wherever the process starts.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
# The queue tasks go to and workers read unless told otherwise.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = env.str("CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule"))
# Sweeps read deadlines from the database; this is how often they look.
SWEEP_INTERVAL_SECONDS = env.int("SWEEP_INTERVAL_SECONDS", default=300)
# How often beat runs the health check that records outages on its own (0: never).
HEALTH_CHECK_SECONDS = env.int("HEALTH_CHECK_SECONDS", default=60)
# Every periodic sweep, declared in this one place; each reads its deadlines from the database.
CELERY_BEAT_SCHEDULE = {
    "expire-overdue-proposals": {
        "task": "workflow.tasks.expire_overdue_proposals",
        "schedule": float(SWEEP_INTERVAL_SECONDS),
    },
    "send-deadline-reminders": {
        "task": "workflow.tasks.send_deadline_reminders",
        "schedule": float(SWEEP_INTERVAL_SECONDS),
    },
    "send-review-reminders": {
        "task": "workflow.tasks.send_review_reminders",
        "schedule": float(SWEEP_INTERVAL_SECONDS),
    },
    "send-board-vote-reminders": {
        "task": "workflow.tasks.send_board_vote_reminders",
        "schedule": float(SWEEP_INTERVAL_SECONDS),
    },
    # Claims due soon and overdue (docs/claims.md).
    "send-claim-reminders": {"task": "workflow.tasks.send_claim_reminders", "schedule": float(SWEEP_INTERVAL_SECONDS)},
    "escalate-overdue-claims": {
        "task": "workflow.tasks.escalate_overdue_claims",
        "schedule": float(SWEEP_INTERVAL_SECONDS),
    },
    # The funded projects' reports due and overdue, and projects whose last milestone is due (docs/reports.md).
    "send-report-reminders": {
        "task": "workflow.tasks.send_report_reminders",
        "schedule": float(SWEEP_INTERVAL_SECONDS),
    },
    "start-closing-due-projects": {"task": "workflow.tasks.start_closing_due_projects", "schedule": 3600.0},
    # The proposals' search documents a change wrote without them (docs/search.md).
    "refresh-proposal-search": {"task": "workflow.tasks.refresh_proposal_search", "schedule": 300.0},
    "relay-unsent-notifications": {"task": "records.tasks.relay_unsent_notifications", "schedule": 60.0},
    "seal-audit-trail": {"task": "records.tasks.seal_audit_trail", "schedule": 60.0},
    # Disposes of the unsuccessful proposals past their retention (docs/retention.md).
    "dispose-due-proposals": {"task": "workflow.tasks.dispose_due_proposals", "schedule": 86400.0},
    "purge-sign-in-history": {"task": "accounts.tasks.purge_sign_in_history", "schedule": 3600.0},
    # Licence requests waiting too long, to the IP manager; once a day per IP manager whatever the interval.
    "escalate-licence-requests": {
        "task": "workflow.tasks.escalate_licence_requests",
        "schedule": float(SWEEP_INTERVAL_SECONDS),
    },
    # Records outages of the database on its own (docs/outages.md); 0 turns it off.
    **(
        {
            "check-service-health": {
                "task": "workflow.tasks.check_service_health",
                "schedule": float(HEALTH_CHECK_SECONDS),
            }
        }
        if HEALTH_CHECK_SECONDS
        else {}
    ),
}
# The audit trail's hash chain (docs/adr/0016): its key, kept out of the database (by default
# derived from DJANGO_SECRET_KEY: set it on its own so that rotating the secret key keeps the
# chain verifiable), and how old an unsealed record may be before it counts as inserted.
AUDIT_CHAIN_KEY = env.str("AUDIT_CHAIN_KEY", default="")
AUDIT_SEAL_GRACE_SECONDS = env.int("AUDIT_SEAL_GRACE_SECONDS", default=3600)
# How many days a sign-in (time and client address) is kept in the person's sign-in history (docs/privacy.md).
# A licence request open this many days is escalated to the program's IP manager (docs/registry.md).
REGISTRY_ESCALATE_AFTER_DAYS = env.int("REGISTRY_ESCALATE_AFTER_DAYS", default=14)
SIGN_IN_HISTORY_DAYS = env.int("SIGN_IN_HISTORY_DAYS", default=90)
# Personal access tokens of the REST API (docs/api.md): the longest a token may last, in days, and the
# form's suggestion.
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)
# How long the emailed link that confirms closing an account works, in seconds.
ACCOUNT_CLOSURE_TIMEOUT = env.int("ACCOUNT_CLOSURE_TIMEOUT", default=24 * 60 * 60)
# An assessor whose total is further than this (points out of 100) from the others' mean is flagged.
ASSESSMENT_OUTLIER_POINTS = env.float("ASSESSMENT_OUTLIER_POINTS", default=20.0)
# Each proposal's chance of funding (docs/decision-quality.md): the draws, their recorded seed, and the
# chances at or above which a proposal is "always" funded and at or below which "never".
ASSESSMENT_CHANCE_DRAWS = env.int("ASSESSMENT_CHANCE_DRAWS", default=1000)
ASSESSMENT_CHANCE_SEED = env.int("ASSESSMENT_CHANCE_SEED", default=20140101)
ASSESSMENT_CHANCE_ALWAYS = env.float("ASSESSMENT_CHANCE_ALWAYS", default=0.95)
ASSESSMENT_CHANCE_NEVER = env.float("ASSESSMENT_CHANCE_NEVER", default=0.05)
# Days an unsuccessful proposal is kept after its decision when its program sets none (docs/retention.md).
RETENTION_UNSUCCESSFUL_DAYS = env.int("RETENTION_UNSUCCESSFUL_DAYS", default=730)
# The fewest proposals, and approved projects, a figure shown to a funder may be drawn from (docs/funder.md).
FUNDER_MIN_PROJECTS = env.int("FUNDER_MIN_PROJECTS", default=5)
# A project's report of a period is due this many days after the period ends; its people are
# reminded from this many days before (docs/reports.md).
REPORT_DUE_DAYS = env.int("REPORT_DUE_DAYS", default=30)
REPORT_REMINDER_DAYS = env.int("REPORT_REMINDER_DAYS", default=14)

# --- The REST API (docs/api.md, docs/adr/0040) ---------------------------------------------
# Each route of /api/v1/ sets its authentication, permissions, throttle, pages and error handler
# itself (api/v1/views.py); the schema is generated from the code, never written by hand.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Never DRF's default HTTP Basic: a password checked on every request would bypass the sign-in's
    # throttle and second factor. A view that needs a person says how (api/v1/authentication.py).
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Clusterflow API",
    "DESCRIPTION": "Programs, calls, proposals, decisions, funded projects and the IP registry (docs/api.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Each set of states and kinds its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ProposalStateEnum": "intake.states.ProposalState",
        "ClaimStateEnum": "projects.models.claims.ClaimState",
        "AssignmentStateEnum": "assessment.choices.AssignmentState",
        "AssetStateEnum": "registry.choices.AssetState",
        "AttachmentKindEnum": "intake.choices.AttachmentType",
        "StageKindEnum": "intake.choices.VersionKind",
    },
}
# Requests a token (or a signed-in person) may make, and an anonymous address, per period (n/second,
# minute, hour or day), counted in the cache.
API_RATE = env.str("API_RATE", default="600/minute")
API_ANONYMOUS_RATE = env.str("API_ANONYMOUS_RATE", default="60/minute")

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs each step of every PDF it lays out at INFO (records/pdf.py): only its warnings matter.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}

# --- Content-Security-Policy (django-csp 4; docs/adr/0021) ------------------------------
# Every response says: only this site's own scripts, styles, images and fonts; no inline
# script or style (templates keep none: tests/security/test_content_security_policy.py),
# no plugin, no framing, no form posted elsewhere. Bootstrap's stylesheet draws its form
# controls' icons as ``data:`` SVG images, hence ``img-src data:``.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.constants.SELF],
        "script-src": [csp.constants.SELF],
        "style-src": [csp.constants.SELF],
        "img-src": [csp.constants.SELF, "data:"],
        "object-src": [csp.constants.NONE],
        "base-uri": [csp.constants.SELF],
        "form-action": [csp.constants.SELF],
        "frame-ancestors": [csp.constants.NONE],
    },
}

# --- Production hardening (check --deploy passes with DJANGO_DEBUG=false and a real host) -
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Cookies only over HTTPS. DJANGO_SECURE_COOKIES=false is for a local stack served over
    # plain http://localhost (docker-compose.yml), where secure cookies would never come back.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# The board's portfolio (docs/portfolio.md): seconds each exact solve may take, and seconds for the
# reasons of the excluded proposals (one solve each) before the rest are given without their figures.
PORTFOLIO_TIME_LIMIT = env.float("PORTFOLIO_TIME_LIMIT", default=10.0)
PORTFOLIO_EXPLAIN_BUDGET = env.float("PORTFOLIO_EXPLAIN_BUDGET", default=20.0)
