"""Settings, read from the environment with safe local defaults.

DATABASE_URL      sqlite:///path or postgres://user@host:port/db (default: SQLite under ./var/)
CELERY_BROKER_URL redis://127.0.0.1:6379/0 or amqp://guest:guest@127.0.0.1:5672// (default: none,
                  timers then run in-process in the demo, or through `partyflow run-timers`)
EMAIL_HOST       an SMTP server for reminder emails (default: none, emails are printed on the console)
PARTYFLOW_CHANNELS  JSON: the WeCom, DingTalk and SMS channels (docs/notifications.md); PARTYFLOW_SITE_URL
                 the address in the links messages carry (default http://127.0.0.1:8000)
REDIS_URL        a shared cache for the API processes (token throttle); default: the broker when
                 it is Redis, else each process's local memory
PARTYFLOW_TLS    1 when served behind TLS: secure cookies, HSTS, HTTPS redirect (`check --deploy`)
PARTYFLOW_TOKEN_IDLE_HOURS  API tokens expire after this many idle hours (default 12)
PARTYFLOW_LOCK_TIMEOUT_MS, PARTYFLOW_STATEMENT_TIMEOUT_MS  PostgreSQL waits bounded (5 s, 120 s)
PARTYFLOW_LOGIN_LOCKOUT_MINUTES  an account or address locked after failed logins (30)
SECRET_KEY (required with DEBUG off), DEBUG, ALLOWED_HOSTS, PARTYFLOW_RULE_SET
"""

import datetime as _dt
import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE as CSP_NONCE
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from csp.constants import UNSAFE_INLINE as CSP_UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PARTYFLOW_DATA_DIR", BASE_DIR / "var"))

DEBUG = os.environ.get("DEBUG", "0") == "1"
# With DEBUG off the key must come from the environment: a server never starts on a key from the
# code. `make demo` generates one once and keeps it in DATA_DIR (partyflow/secret.py).
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in the environment when DEBUG is off "
            "(DEBUG=1 for local development; `make demo` generates one)."
        )
    SECRET_KEY = "insecure-local-development-key-change-me"
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")

# A procedure that keeps records of its own is a package with an apps.py (its models and
# migrations): found here, so adding one edits no list.
PROCEDURE_APPS = sorted(
    f"procedures.{p.name}" for p in (BASE_DIR / "procedures").iterdir() if (p / "apps.py").is_file()
)

INSTALLED_APPS = [
    # before the admin: its SessionTicket table (CAS single sign-out) whether or not CAS is on
    "django_cas_ng",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",  # failed logins per account and address (see "Safe in production" below)
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "partyflow",
    "organizations",
    "workflows",
    "notifications",
    "orglife",
    "procedures",
    *PROCEDURE_APPS,
    "oversight",
    "printing",
    "onboarding",
    "api",
    "web",
]

MIDDLEWARE = [
    # First: a request id for every line the request logs, and one JSON line per request.
    "partyflow.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Issue 26 (see "Safe in production" below): static files served by the application, the
    # Content-Security-Policy header, the 503 page when the database is unavailable.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "partyflow.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "web.middleware.WorkplaceLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # The web pages (web/) log in with a session and post forms with CSRF; the API's views are
    # csrf-exempt DRF views authenticated by token, so neither changes the API.
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A request that writes reads the primary, and its person for a while after (issue 32).
    "workflows.replica.ReplicaPinMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # The pages refuse what the API refuses (oversized bodies, control and invisible characters,
    # ids and numbers out of their rules) with a 413 or 400 page naming the field (web/guard.py).
    "web.guard.PageGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # JSON answers under /api/ for what no view answers: oversized bodies, control characters in
    # query parameters, the database briefly unavailable (503 + Retry-After).
    "api.middleware.ApiErrorsMiddleware",
    # Last: turns a lockout into the Chinese lockout page (JSON under /api/).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "partyflow.urls"
WSGI_APPLICATION = "partyflow.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.nav",
            ]
        },
    }
]

_default_db = f"sqlite:///{DATA_DIR / 'partyflow.sqlite3'}"
if not os.environ.get("DATABASE_URL"):
    DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or _default_db, conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# People read Chinese; English is available through Django's i18n (Accept-Language: en).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "partyflow" / "locale"]
USE_I18N = True
# Datetimes are stored in UTC; calendar dates (terms, deadlines) are read in China Standard Time.
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"

STATIC_URL = "static/"
# `make install` (and `partyflow demo`) run collectstatic here; git-ignored (/var/). Served by
# whitenoise with hashed names (see "Safe in production" below).
STATIC_ROOT = Path(os.environ.get("PARTYFLOW_STATIC_ROOT", BASE_DIR / "var" / "static"))

# The pages' session user comes with their roles and delegations in one query (web/backends.py);
# django-axes first refuses a locked account or address (web/backends.py, "Safe in production").
AUTHENTICATION_BACKENDS = [
    "web.backends.LockoutBackend",
    "web.backends.ModelBackend",
    # Campus sign-on (web/sso.py), each answering only when its method is on (below).
    "web.sso.CASBackend",
    "web.sso.LDAPBackend",
]

# The web workplace: session login at "/"; each person lands on the page of their role
# (web.selectors.landing: the login view does not read LOGIN_REDIRECT_URL).
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:inbox"
LOGOUT_REDIRECT_URL = "web:login"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# Behind TLS (PARTYFLOW_TLS=1, the proxy setting X-Forwarded-Proto): HTTPS only, cookies only over
# HTTPS, HSTS for a year (`partyflow check --deploy` then reports nothing).
BEHIND_TLS = os.environ.get("PARTYFLOW_TLS", "0") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS else None
SECURE_SSL_REDIRECT = BEHIND_TLS
# Load balancers probe the health endpoints over plain HTTP on the backend (partyflow/health.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = BEHIND_TLS
SECURE_HSTS_SECONDS = (
    int(os.environ.get("PARTYFLOW_HSTS_SECONDS", str(365 * 24 * 3600))) if BEHIND_TLS else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = BEHIND_TLS
SECURE_HSTS_PRELOAD = BEHIND_TLS
X_FRAME_OPTIONS = "DENY"

# A cache every API process shares (the token throttle counts in it): Redis when REDIS_URL is set or
# the Celery broker is Redis; else each process's local memory (one process: `make demo`).
_broker = os.environ.get("CELERY_BROKER_URL", "")
REDIS_URL = os.environ.get("REDIS_URL") or (_broker if _broker.startswith("redis") else "")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "partyflow",
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

REST_FRAMEWORK = {
    # Tokens for programs; the web workplace's session for its export and report links (unsafe
    # methods still need the CSRF token with a session).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    # Refuse control characters and over-deep JSON with a 400 naming the field (api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "api.parsers.FormParser",
        "api.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "partyflow API",
    "DESCRIPTION": "Party-affairs procedures: cases, role inboxes, tasks and their forms.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets served from the sidecar package: no CDN needed.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "ENUM_NAME_OVERRIDES": {
        "MemberStatusEnum": "organizations.models.MemberStatus",
        "CaseStatusEnum": "workflows.models.CaseStatus",
        "TaskStatusEnum": "workflows.models.TaskStatus",
        "TimerStatusEnum": "workflows.models.TimerStatus",
        "MeetingKindEnum": "orglife.models.MeetingKind",
        "OrgKindEnum": "organizations.models.OrgKind",
        "TrainingKindEnum": "orglife.models.TrainingKind",
        "PartnerKindEnum": "orglife.models.PartnerKind",
        "MeetingFileKindEnum": "orglife.models.MeetingFileKind",
    },
    "COMPONENT_SPLIT_REQUEST": True,
}

# Reminder and overdue emails: SMTP when EMAIL_HOST is set, else printed on the console.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "partyflow@localhost")

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TIMEZONE = "UTC"
# A worker process reserves one message at a time: a batch of timers takes a few hundred ms and is
# acknowledged late (`acks_late`), so with Celery's default of 4 one process could hold batches
# that an idle one would have run (Celery's "Prefetch Limits" in its optimizing guide).
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE = {
    "sweep-due-timers": {"task": "workflows.tasks.sweep_timers", "schedule": 60.0},
    "raise-task-alerts": {"task": "notifications.tasks.raise_task_alerts", "schedule": 300.0},
    # Deliveries whose time has come: a retry after its backoff, a message held by quiet hours.
    "send-due-deliveries": {"task": "notifications.tasks.send_due_deliveries", "schedule": 60.0},
    # The daily digest: 08:00 China Standard Time (00:00 UTC), sent on working days only.
    "compose-digests": {
        "task": "notifications.tasks.compose_digests",
        "schedule": crontab(minute=0, hour=0),
    },
    # P4 step 1: the yearly identification of weak branches, on 2 January (the committees' inboxes).
    "identify-weak-branches": {
        "task": "oversight.tasks.identify_weak_branches",
        "schedule": crontab(minute=0, hour=1, day_of_month=2, month_of_year=1),
    },
    # P5: remind branch secretaries of obligations still open before their period closes (daily).
    "compliance-reminders": {
        "task": "oversight.tasks.send_compliance_reminders",
        "schedule": crontab(minute=30, hour=0),
    },
    # Self-lapse detection (CONST Art. 9) once a day; it opens at most one case per member.
    "detect-self-lapse": {
        "task": "procedures.self_lapse.detect_self_lapse",
        "schedule": 24 * 3600.0,
    },
}

PARTYFLOW = {
    # Rule set new cases run under (a case keeps the one it started with).
    "RULE_SET": os.environ.get("PARTYFLOW_RULE_SET", "cpc-2014"),
    # 党内统计: the points the domain file marks unverified or inferred, each said on the page
    # (docs/statistics.md): the day a new member counts (S3: "approval" or "vote") and the
    # occupation row of staff ("professional", "management" or "worker").
    "STATISTICS": {
        "admission_counted_on": os.environ.get("PARTYFLOW_STATS_ADMISSION", "approval"),
        "staff_occupation": os.environ.get("PARTYFLOW_STATS_STAFF_OCCUPATION", "professional"),
    },
    "BPMN_DIR": BASE_DIR / "bpmn",
    "FORMS_DIR": BASE_DIR / "forms" / "schemas",
    # Seconds between in-process timer sweeps in `partyflow demo`.
    "DEMO_TIMER_INTERVAL": int(os.environ.get("PARTYFLOW_TIMER_INTERVAL", "60")),
    # Cases per Celery message when the sweep hands due timers to the workers; each message is fired
    # in one transaction (workflows.services.timers_fire_batch). 200 measured 1,171–1,230 timers/s
    # with 2 workers on 2 cores (50: 928/s, 100: 1,041/s); a batch holds its cases' locks ≈ 0.2 s.
    "TIMER_BATCH": int(os.environ.get("PARTYFLOW_TIMER_BATCH", "200")),
    # The archive of closed years (workflows.services.archive, docs/scaling.md): unset, off; N, each
    # 15 January the cases closed before (this year − N) move to the archive tables (N = 1 keeps
    # last year's closed cases live beside this year's). `partyflow archive-closed` runs it by hand.
    "ARCHIVE_KEEP_YEARS": (
        int(os.environ["PARTYFLOW_ARCHIVE_KEEP_YEARS"])
        if os.environ.get("PARTYFLOW_ARCHIVE_KEEP_YEARS")
        else None
    ),
    # POST /api/auth/token/: attempts per client address (DRF rate syntax), against password guessing.
    "TOKEN_RATE": os.environ.get("PARTYFLOW_TOKEN_RATE", "10/minute"),
    # API tokens expire after this long without use (seconds; None: never), and on logout, password
    # change or deactivation (api/authentication.py).
    "TOKEN_IDLE_SECONDS": int(float(os.environ.get("PARTYFLOW_TOKEN_IDLE_HOURS", "12")) * 3600),
    # Case documents (evidence): largest file accepted and the content types accepted, sniffed from
    # the file's magic bytes (the client's Content-Type is not trusted).
    "UPLOAD_MAX_BYTES": int(os.environ.get("PARTYFLOW_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024))),
    # Largest request body accepted under /api/ (an upload plus its form fields); larger: JSON 413.
    "MAX_BODY_BYTES": int(os.environ.get("PARTYFLOW_MAX_BODY_BYTES", str(11 * 1024 * 1024))),
    # Deepest JSON accepted in a request body (forms nest a few levels); deeper: 400 json_too_deep.
    "JSON_MAX_DEPTH": int(os.environ.get("PARTYFLOW_JSON_MAX_DEPTH", "32")),
    # Longest string accepted in a task's form data where its JSON Schema sets no maxLength.
    "FORM_STRING_MAX": int(os.environ.get("PARTYFLOW_FORM_STRING_MAX", "5000")),
    # Seconds a client is told to wait (Retry-After) when the database is briefly unavailable.
    "RETRY_AFTER_SECONDS": int(os.environ.get("PARTYFLOW_RETRY_AFTER", "5")),
    "UPLOAD_CONTENT_TYPES": [
        "application/pdf",
        "image/png",
        "image/jpeg",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ],
    # Printed documents (printing/): a directory where a university drops its own template under the
    # shipped name (member_record.docx, publication_notice.html …); unset: the shipped templates.
    "DOCUMENT_TEMPLATES_DIR": os.environ.get("PARTYFLOW_DOCUMENT_TEMPLATES_DIR", ""),
    # How to object to a 公示 (printed on every notice); the contact's name defaults to the branch secretary.
    "NOTICE_CONTACT": {
        "phone": os.environ.get("PARTYFLOW_NOTICE_PHONE", ""),
        "email": os.environ.get("PARTYFLOW_NOTICE_EMAIL", ""),
        "address": os.environ.get("PARTYFLOW_NOTICE_ADDRESS", ""),
    },
    # P6 standard sets added by this university (files or directories of *.json, validated on load
    # and by `partyflow deploy-bpmn`), besides the built-in ones in engine/standards/.
    # Env: paths separated by ":".
    "STANDARD_SETS": [p for p in os.environ.get("PARTYFLOW_STANDARD_SETS", "").split(":") if p],
    # Holidays and make-up working days for a year the package chinesecalendar does not cover yet
    # (or overrides, per year): a JSON file copied from the State Council's notice, format in
    # docs/holidays-example.json, checked by `partyflow calendar --check`. Unset: the package only.
    "HOLIDAYS_FILE": os.environ.get("PARTYFLOW_HOLIDAYS_FILE", ""),
    # Days ahead the working-day calendar must cover before /readyz, `partyflow status` and the
    # organization department's overview warn (engine.calendar.calendar_coverage). 45: the State
    # Council publishes next year's arrangement in November or December (国务院办公厅关于…年部分节假日
    # 安排的通知), so from mid-November on, a warning means the year's file is due.
    "CALENDAR_HORIZON_DAYS": int(os.environ.get("PARTYFLOW_CALENDAR_HORIZON_DAYS", "45")),
    # The academic calendar (semesters are periods of the standards): each semester starts on
    # start (MM-DD) of a year and ends on end (MM-DD), in the next year when end is before start.
    # Env PARTYFLOW_ACADEMIC_CALENDAR: the same list as JSON.
    "SEMESTERS": json.loads(os.environ.get("PARTYFLOW_ACADEMIC_CALENDAR", "null"))
    or [
        {"code": "spring", "label": "春季学期", "start": "02-15", "end": "07-15"},
        {"code": "autumn", "label": "秋季学期", "start": "09-01", "end": "01-20"},
    ],
    # Links in messages that leave the system (e-mail, WeCom, DingTalk, SMS) start with this.
    "SITE_URL": os.environ.get("PARTYFLOW_SITE_URL", "http://127.0.0.1:8000").rstrip("/"),
    # Delivery channels besides e-mail, each optional (docs/notifications.md). Env
    # PARTYFLOW_CHANNELS: JSON, e.g. {"dingtalk_robot": {"webhook": "https://oapi.dingtalk.com/robot/
    # send?access_token=…", "secret": "SEC…"}, "wecom_robot": {"webhook": "…"}, "wecom_app":
    # {"corp_id": "…", "secret": "…", "agent_id": 1000002}, "sms": {"backend": "dotted.path.Class"}}.
    "CHANNELS": json.loads(os.environ.get("PARTYFLOW_CHANNELS", "null")) or {},
    # A delivery is tried this many times, waiting DELIVERY_BACKOFF_SECONDS × 2^(n-1) after the
    # n-th failure; then it is failed and its channel reported to the organization department.
    "DELIVERY_MAX_ATTEMPTS": int(os.environ.get("PARTYFLOW_DELIVERY_MAX_ATTEMPTS", "5")),
    "DELIVERY_BACKOFF_SECONDS": int(os.environ.get("PARTYFLOW_DELIVERY_BACKOFF", "60")),
    # Deliveries handed to one worker job.
    "DELIVERY_BATCH": int(os.environ.get("PARTYFLOW_DELIVERY_BATCH", "200")),
}

# The yearly archive of closed years, when PARTYFLOW["ARCHIVE_KEEP_YEARS"] is set (off by default):
# 15 January 03:00 China Standard Time (19:00 UTC on the 14th), after the year's reports are drawn.
if PARTYFLOW["ARCHIVE_KEEP_YEARS"] is not None:
    CELERY_BEAT_SCHEDULE["archive-closed-years"] = {
        "task": "workflows.tasks.archive_closed_years",
        "schedule": crontab(minute=0, hour=19, day_of_month=14, month_of_year=1),
    }

# One JSON object per line (python-json-logger) on standard error, for journald or a log shipper:
# time, level, logger, message, and request_id / user_id / case_id from partyflow.logs (null outside
# a request); ID numbers and phone numbers masked in every line. PARTYFLOW_LOG_FORMAT=text for
# plain lines on a developer's terminal.
LOG_FORMAT = os.environ.get("PARTYFLOW_LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "partyflow.logs.ContextFilter"},
        "personal_data": {"()": "partyflow.logs.PersonalDataFilter"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s "
            "%(request_id)s %(user_id)s %(case_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "text" if LOG_FORMAT == "text" else "json",
            "filters": ["context", "personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "partyflow": {"level": os.environ.get("LOG_LEVEL", "INFO")},
        # Where each report read (workflows/replica.py logs its choice at DEBUG): on by itself with
        # PARTYFLOW_REPLICA_LOG_LEVEL=DEBUG (make bench-province counts the lines).
        "partyflow.replica": {
            "level": os.environ.get(
                "PARTYFLOW_REPLICA_LOG_LEVEL", os.environ.get("LOG_LEVEL", "INFO")
            )
        },
        # SpiffWorkflow logs every task state change at INFO.
        "spiff": {"level": "WARNING"},
        "spiff.metrics": {"level": "WARNING"},
        "spiff.task": {"level": "WARNING"},
    },
}


# ---------------------------------------------------------------------------------------------
# Safe in production (issue 26): static files, login lockout, Content-Security-Policy, database
# waits bounded. The README's "Deployment" section and partyflow/gunicorn.conf.py go with these.
# ---------------------------------------------------------------------------------------------

# Static files from the application (whitenoise): `collectstatic` writes them to STATIC_ROOT under
# content-hashed names, compressed (gzip, brotli), served with a year's Cache-Control; every page
# then finds its CSS, htmx and the bpmn-js viewer under gunicorn with DEBUG off.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Only the hashed copies are kept (and compressed), and source maps (devtools only, 7 of the 12 MB)
# are not compressed: collectstatic then takes a fraction of the time.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# Password guessing: the web login (which is also the admin's) and POST /api/auth/token/ count
# failures together, per account and per address (django-axes, in the database so the organization
# department sees and lifts a lock in 组织管理 → 登录锁定). The number agrees with the token
# throttle: PARTYFLOW["TOKEN_RATE"] allows N attempts per period from an address, and N failures
# lock the account and the address (web.lockout.failure_limit reads N from the same setting).
AXES_FAILURE_LIMIT = "web.lockout.failure_limit"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = _dt.timedelta(
    minutes=int(os.environ.get("PARTYFLOW_LOGIN_LOCKOUT_MINUTES", "30"))
)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "partyflow.middleware.lockout_response"
AXES_VERBOSE = False
# Behind the TLS proxy the client's address is the last hop it adds to X-Forwarded-For.
if BEHIND_TLS:
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

# Content-Security-Policy (django-csp 4): scripts only from this site's static files (no inline
# script or event handler in any page: web/static/web/app.js wires them); <style> elements only
# with the response's nonce (the HTML case report); style attributes allowed (the SVG charts and
# bpmn-js set them; an attribute cannot run script). htmx's own indicator <style> is switched off
# (meta htmx-config in web/base.html; the rules are in app.css).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF, CSP_NONCE],
        "style-src-attr": [CSP_UNSAFE_INLINE],
        # bpmn-js draws its bpmn.io watermark from a data: URI; the Swagger UI its icons.
        "img-src": [CSP_SELF, "data:"],
        "font-src": [CSP_SELF, "data:"],
        "connect-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    }
}

# A statement or lock wait has a bound, so a held lock cannot tie up every gunicorn worker: a page
# or API request that would wait longer answers 503 with Retry-After (partyflow/middleware.py).
# The statement bound is sized for the longest legitimate statement (a year's compliance report,
# a 30,000-member import's batches); 0 turns a bound off (e.g. for a long migration).
PARTYFLOW["LOCK_TIMEOUT_MS"] = int(os.environ.get("PARTYFLOW_LOCK_TIMEOUT_MS", "5000"))
PARTYFLOW["STATEMENT_TIMEOUT_MS"] = int(os.environ.get("PARTYFLOW_STATEMENT_TIMEOUT_MS", "120000"))
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c lock_timeout={PARTYFLOW['LOCK_TIMEOUT_MS']} "
        f"-c statement_timeout={PARTYFLOW['STATEMENT_TIMEOUT_MS']}"
    )

# ---------------------------------------------------------------------------------------------
# Beyond one database server (issue 32, docs/scaling.md): a read replica and PgBouncer
# ---------------------------------------------------------------------------------------------
# PARTYFLOW_REPLICA_URL: a streaming replica of the primary (postgres://…); unset, everything reads
# the primary as before. Only the read paths marked `reads_from_replica` (workflows/replica.py: the
# committee dashboard, compliance, statistics, the standards matrix, case search, roster, exports)
# read it, and only while it lags at most PARTYFLOW_REPLICA_MAX_LAG seconds (measured at most every
# PARTYFLOW_REPLICA_CHECK seconds per process); a person who wrote reads the primary for
# PARTYFLOW_REPLICA_PIN seconds after it (at least the max lag, so their own change is there).
PARTYFLOW["REPLICA"] = {
    "MAX_LAG_SECONDS": float(os.environ.get("PARTYFLOW_REPLICA_MAX_LAG", "5")),
    "PIN_SECONDS": float(os.environ.get("PARTYFLOW_REPLICA_PIN", "15")),
    "CHECK_SECONDS": float(os.environ.get("PARTYFLOW_REPLICA_CHECK", "1")),
}
if PARTYFLOW["REPLICA"]["PIN_SECONDS"] < PARTYFLOW["REPLICA"]["MAX_LAG_SECONDS"]:
    raise ImproperlyConfigured(
        "PARTYFLOW_REPLICA_PIN must be at least PARTYFLOW_REPLICA_MAX_LAG: a person's own change "
        "could otherwise be read from a replica that has not replayed it yet"
    )
if os.environ.get("PARTYFLOW_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["PARTYFLOW_REPLICA_URL"], conn_max_age=60, conn_health_checks=True
    )
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "connect_timeout": 2,  # a replica that does not answer falls back to the primary quickly
    }
    # The test run reads the test database through this alias (Django's MIRROR).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["workflows.replica.ReplicaRouter"]

# PARTYFLOW_PGBOUNCER=1: DATABASE_URL names PgBouncer in transaction pooling mode. Server-side
# cursors (QuerySet.iterator) do not survive it, and PgBouncer refuses the `options` startup
# parameter, so the lock and statement bounds above must come from the server: give them to the
# role or database (ALTER ROLE … SET lock_timeout …) or to PgBouncer's connect_query.
if os.environ.get("PARTYFLOW_PGBOUNCER", "") not in ("", "0"):
    for _alias in DATABASES.values():
        _alias["DISABLE_SERVER_SIDE_CURSORS"] = True
        _alias.get("OPTIONS", {}).pop("options", None)


# ---------------------------------------------------------------------------------------------
# Campus sign-on (issue 30): which login methods are on, CAS and LDAP (web/sso.py, docs/operations.md)
# ---------------------------------------------------------------------------------------------
# PARTYFLOW_AUTH_METHODS: comma-separated among password, cas, ldap (default: password). Without
# "password", the password form still signs in the break-glass accounts: superusers and
# PARTYFLOW_BREAK_GLASS_USERS (comma-separated usernames, e.g. the organization department's).
PARTYFLOW["AUTH_METHODS"] = [
    m.strip()
    for m in os.environ.get("PARTYFLOW_AUTH_METHODS", "password").split(",")
    if m.strip() in ("password", "cas", "ldap")
]
# PARTYFLOW_SSO_ROOT: the 党组织编码 of the root organization (university) whose 学工号 the campus
# server vouches for; needed when one installation serves several universities (issue 32).
PARTYFLOW["SSO_ROOT"] = os.environ.get("PARTYFLOW_SSO_ROOT", "").strip()
PARTYFLOW["BREAK_GLASS_USERS"] = [
    u.strip() for u in os.environ.get("PARTYFLOW_BREAK_GLASS_USERS", "").split(",") if u.strip()
]
# CAS 2.0/3.0 (django-cas-ng): the campus server's URL, e.g. https://cas.example.edu.cn/cas/
CAS_SERVER_URL = os.environ.get("PARTYFLOW_CAS_SERVER_URL", "")
CAS_VERSION = os.environ.get("PARTYFLOW_CAS_VERSION", "3")
CAS_CREATE_USER = False  # a CAS user is matched to a member by 学工号, never created
# The user is found by web.sso.user_for_campus_id (学工号 at PARTYFLOW["SSO_ROOT"]'s university),
# whose id CASBackend.clean_username hands to django-cas-ng.
CAS_LOCAL_NAME_FIELD = "pk"
CAS_LOGOUT_COMPLETELY = True  # logout ends the CAS session too
CAS_REDIRECT_URL = "/"  # then the login page sends each person to the page of their role
CAS_LOGIN_MSG = None
CAS_LOGGED_MSG = None
CAS_STORE_NEXT = True
CAS_RENAME_ATTRIBUTES: dict = {}
if CAS_SERVER_URL:
    # The logout form's redirect goes on to the CAS server: the CSP's form-action must allow it.
    _cas = urlsplit(CAS_SERVER_URL)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(f"{_cas.scheme}://{_cas.netloc}")
# LDAP (django-auth-ldap): the uid is the 学工号; the user's DN from a template, or found by a
# search (with a service account) when PARTYFLOW_LDAP_SEARCH_BASE is set.
AUTH_LDAP_SERVER_URI = os.environ.get("PARTYFLOW_LDAP_URI", "")
AUTH_LDAP_USER_DN_TEMPLATE = os.environ.get("PARTYFLOW_LDAP_USER_DN", "") or None
AUTH_LDAP_BIND_DN = os.environ.get("PARTYFLOW_LDAP_BIND_DN", "")
AUTH_LDAP_BIND_PASSWORD = os.environ.get("PARTYFLOW_LDAP_BIND_PASSWORD", "")
AUTH_LDAP_START_TLS = os.environ.get("PARTYFLOW_LDAP_START_TLS", "0") == "1"
AUTH_LDAP_NO_NEW_USERS = True
AUTH_LDAP_ALWAYS_UPDATE_USER = False
if os.environ.get("PARTYFLOW_LDAP_SEARCH_BASE"):
    import ldap as _ldap
    from django_auth_ldap.config import LDAPSearch

    AUTH_LDAP_USER_SEARCH = LDAPSearch(
        os.environ["PARTYFLOW_LDAP_SEARCH_BASE"], _ldap.SCOPE_SUBTREE, "(uid=%(user)s)"
    )
