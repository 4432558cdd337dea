"""Settings for duikou. Everything that differs between deployments comes from the environment
(DUIKOU_*); the defaults give the embedded mode: SQLite under ./var, debug off."""

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from duikou.core.env import env_bool, env_decimal, env_hex, env_int, env_list, env_origin, env_path, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env_path("DUIKOU_VAR_DIR", BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATA_DIR = env_path("DUIKOU_DATA_DIR", BASE_DIR / "data")


def _secret_key() -> str:
    """Use DUIKOU_SECRET_KEY; otherwise make one per installation and keep it under var/ (never in the repo)."""
    key = env_str("DUIKOU_SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DUIKOU_DEBUG", False)
ALLOWED_HOSTS = env_list("DUIKOU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DUIKOU_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "duikou.core",
    "duikou.accounts",
    "duikou.geo",
    "duikou.policy",
    "duikou.pairings",
    "duikou.audit",
    "duikou.plans",
    "duikou.projects",
    "duikou.notifications",
    "duikou.indicators",
    "duikou.monitoring",
    "duikou.evaluation",
    "duikou.markets",
    "duikou.publication",
    "duikou.culture",
    "duikou.secondments",
    "duikou",  # the wiring that knows every app: `duikou seed` (duikou/management/commands)
]

MIDDLEWARE = [
    "duikou.core.requestid.RequestIdMiddleware",  # first: every answer and log line of the request carries the id
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, before the session and everything after it
    "csp.middleware.CSPMiddleware",
    "duikou.core.middleware.BadInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "duikou.accounts.middleware.IdleSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "duikou.accounts.middleware.TwoFactorMiddleware",
    "duikou.accounts.middleware.PasswordChangeMiddleware",
    "duikou.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "duikou.audit.middleware.AuditMiddleware",  # auditlog's, with a request address no client can forge
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "duikou.urls"
WSGI_APPLICATION = "duikou.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "duikou" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "duikou.core.context.navigation",
                "duikou.notifications.context.inbox",
            ],
        },
    },
]

_default_db = f"sqlite:///{VAR_DIR / 'duikou.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("DUIKOU_DATABASE_URL", _default_db), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN: concurrent writers queue instead of failing midway.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # Tests use a file too: an in-memory database cannot show how concurrent writers really queue.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-duikou-{os.getpid()}.sqlite3")}
else:
    # A kept connection is checked before each request reuses it: after a database restart the next request
    # connects anew instead of failing on the dead connection.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # One test database per test process, so that two runs on one server never collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "duikou.accounts.validators.CharacterClassValidator"},
]

# Login lockout (django-axes): 5 failures lock the username for 30 minutes.
AXES_FAILURE_LIMIT = env_int("DUIKOU_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
# Locking by address too would lock out a whole government office behind one NAT gateway.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Two-factor sign-in (等保 三级): TOTP (django-otp) for these roles (and every superuser); the first sign-in enrols
# an authenticator app. Wrong codes count towards the login lockout above and slow down exponentially (1, 2, 4… s).
DUIKOU_2FA_ROLES = env_list("DUIKOU_2FA_ROLES", "approver,system_admin,security_admin,audit_admin")
OTP_TOTP_ISSUER = "duikou"
OTP_TOTP_THROTTLE_FACTOR = 1
# API tokens expire this many days after they are created (a user may choose fewer).
DUIKOU_API_TOKEN_DAYS = env_int("DUIKOU_API_TOKEN_DAYS", 90, minimum=1)

# Sessions end after 30 idle minutes and when the browser closes.
SESSION_COOKIE_AGE = env_int("DUIKOU_SESSION_SECONDS", 1800, minimum=60)
# the idle expiry moves on with use, written at most once a minute (duikou.accounts.middleware.IdleSessionMiddleware)
SESSION_SAVE_EVERY_REQUEST = False
DUIKOU_SESSION_REFRESH_SECONDS = env_int("DUIKOU_SESSION_REFRESH_SECONDS", 60, minimum=1)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

# --- headers and cookies (docs/security.md, "HTTP 响应头与 Cookie") ---
# DUIKOU_HTTPS=yes when users reach the platform over HTTPS: cookies are sent over HTTPS only, browsers are told
# to use nothing else for a year (HSTS), and plain HTTP is redirected.
HTTPS = env_bool("DUIKOU_HTTPS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("DUIKOU_HSTS_SECONDS", 365 * 24 * 3600, minimum=0) if HTTPS else 0
# The probes of the deployment kit call the web process directly over plain HTTP (deploy/, docs/deploy.md).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS  # names below the platform's own host
# Preloading commits the whole registered domain (a government's gov.cn domain, not the platform's to commit).
SILENCED_SYSTEM_CHECKS += ["security.W021"]
# Only a reverse proxy that terminates TLS, sets X-Forwarded-Proto and overwrites any a client sent may be
# believed about the scheme; with DUIKOU_HTTPS=yes behind such a proxy, without this every request looks like
# plain HTTP and is redirected again. Such a proxy is believed about the client's address too: the audit trail and
# the public pages' rate limits take the address it appended to X-Forwarded-For, and otherwise the peer's
# (duikou.core.public.client_address).
DUIKOU_TRUSTED_PROXY = env_bool("DUIKOU_TRUSTED_PROXY", False)
if DUIKOU_TRUSTED_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Where the public pages (no sign-in: household self-declaration, 公示/公告) are reached from outside, e.g.
# https://duikou.example.gov.cn: the links printed on posters and in QR codes start with it (duikou.core.public).
# Empty: the address the request came in on, which is right only when staff and villagers use the same one.
DUIKOU_PUBLIC_BASE_URL = env_origin("DUIKOU_PUBLIC_BASE_URL")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and styles only from the platform's own static files, no inline
# script, on* attribute, javascript: URL, eval or inline style; data: only for the images Bootstrap's CSS draws.
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

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "duikou" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "duikou" / "static"]
# `duikou collectstatic` copies the static files here under names carrying a hash of their content, with gzip and
# brotli copies; WhiteNoise serves them with a far-future Cache-Control (a new version has a new name). Every web
# process needs it: `duikou web` refuses to start without it, `duikou serve` runs it first (docs/deploy.md).
STATIC_ROOT = env_path("DUIKOU_STATIC_ROOT", VAR_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Only the hashed copies are kept (and compressed: half the work), so every static URL is one that may be cached
# for good; source maps, fetched by developer tools only, are not compressed.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
MEDIA_URL = "media/"
MEDIA_ROOT = env_path("DUIKOU_MEDIA_ROOT", VAR_DIR / "media")

AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False
# Each audit entry's correlation id (cid) is the request id (duikou/core/requestid.py): validated, made when the proxy
# sent none, and the same as in the logs; never auditlog's default of whatever a client wrote in a header.
AUDITLOG_CID_GETTER = "duikou.core.requestid.current_request_id"

# Every handler masks ID card and phone numbers (duikou/core/logs.py). Django's own loggers go through the same
# handlers: its error log (tracebacks) and the built-in server's access log (request lines with query strings).
# Logs go to standard error as one JSON object per line (or plain text for reading by eye), each with the request id;
# where they are kept and rotated is the system's business (journald, docs/deploy.md).
_LOG_LEVEL = env_str("DUIKOU_LOG_LEVEL", "WARNING", choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
DUIKOU_LOG_FORMAT = env_str("DUIKOU_LOG_FORMAT", "json", choices=("json", "plain"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "duikou.core.requestid.RequestIdFilter"},
        "personal_data": {"()": "duikou.core.logs.RedactPersonalData"},
    },
    "formatters": {
        "json": {"()": "duikou.core.logs.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": DUIKOU_LOG_FORMAT,
            "filters": ["request_id", "personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": _LOG_LEVEL},
    "loggers": {
        "jieba": {"level": "ERROR"},
        "django": {"handlers": [], "level": _LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

PAGE_SIZE = 50
# Background jobs (docs/operations.md「后台任务、worker 与定时任务」): queued in the database (django-tasks with its
# database backend) and run by `duikou worker` processes on any machine sharing the database and MEDIA_ROOT.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Run background jobs inline, in the request, instead of queueing them for a worker (tests set this).
DUIKOU_JOBS_INLINE = env_bool("DUIKOU_JOBS_INLINE", False)
# An unexpected error is retried: at most this many runs in all, waiting RETRY_SECONDS, then 4× longer each time.
DUIKOU_JOB_MAX_ATTEMPTS = env_int("DUIKOU_JOB_MAX_ATTEMPTS", 3, minimum=1, maximum=20)
DUIKOU_JOB_RETRY_SECONDS = env_int("DUIKOU_JOB_RETRY_SECONDS", 10, minimum=0)
# A running job whose worker has not beaten its heart for this long is taken for dead: retried, or failed.
DUIKOU_JOB_STALE_SECONDS = env_int("DUIKOU_JOB_STALE_SECONDS", 60, minimum=2)
# Province division codes (2 digits, e.g. 41) screened on the 1st of each month with their latest rule set.
DUIKOU_SCREENING_MONTHLY_PROVINCES = env_list("DUIKOU_SCREENING_MONTHLY_PROVINCES")
# Nightly backups (var/backups) kept by the schedule; older archives it made are removed.
DUIKOU_BACKUP_KEEP = env_int("DUIKOU_BACKUP_KEEP", 14, minimum=1)
# The table of scheduled work (a function returning the schedules), named here so that core knows no domain app.
DUIKOU_SCHEDULES = "duikou.schedules.SCHEDULES"
# Slows each row of a project import by this many milliseconds: for the test that kills a worker mid-import only.
DUIKOU_TEST_IMPORT_ROW_DELAY_MS = env_int("DUIKOU_TEST_IMPORT_ROW_DELAY_MS", 0, minimum=0)
# The DuckDB analytics store of indicator values; empty: analytics.duckdb beside the media folder.
DUIKOU_ANALYTICS_PATH = env_str("DUIKOU_ANALYTICS_PATH")
# Who keeps the analytics store in step. "embedded" (one process tree, as `make run`): every process updates and reads
# the store itself under its lock. "published" (several web processes or machines): only `duikou analytics-sync` (one
# per machine) writes the store and publishes a read-only copy every DUIKOU_ANALYTICS_SYNC_SECONDS; pages read the
# latest copy without waiting on any lock and say how many values are still pending.
DUIKOU_ANALYTICS_MODE = env_str("DUIKOU_ANALYTICS_MODE", "embedded", choices=("embedded", "published"))
DUIKOU_ANALYTICS_SYNC_SECONDS = env_int("DUIKOU_ANALYTICS_SYNC_SECONDS", 10, minimum=1, maximum=60)
# The Spark screening engine: local mode on this machine by default; a deployment that outgrows one machine points
# it at an existing cluster (spark://host:7077, yarn, k8s://...) and gives the resources to ask for. DRIVER_HOST is the
# address executors reach this process at (the loopback in local mode). EXTRA: more spark.* settings as key=value.
# the engine screenings started from the page run on: an operator's choice, not a cadre's
DUIKOU_SCREENING_ENGINE = env_str("DUIKOU_SCREENING_ENGINE", "duckdb", choices=("duckdb", "postgres", "spark"))
DUIKOU_SPARK_MASTER = env_str("DUIKOU_SPARK_MASTER", "local[2]")
DUIKOU_SPARK_DRIVER_HOST = env_str("DUIKOU_SPARK_DRIVER_HOST", "127.0.0.1")
DUIKOU_SPARK_DRIVER_MEMORY = env_str("DUIKOU_SPARK_DRIVER_MEMORY", "1g")
DUIKOU_SPARK_EXECUTOR_MEMORY = env_str("DUIKOU_SPARK_EXECUTOR_MEMORY")
DUIKOU_SPARK_EXECUTOR_CORES = env_int("DUIKOU_SPARK_EXECUTOR_CORES", 0, minimum=0)
DUIKOU_SPARK_CORES_MAX = env_int("DUIKOU_SPARK_CORES_MAX", 0, minimum=0)
DUIKOU_SPARK_EXTRA = env_list("DUIKOU_SPARK_EXTRA")
for _item in DUIKOU_SPARK_EXTRA:
    if "=" not in _item or not _item.split("=", 1)[0].startswith("spark."):
        raise ImproperlyConfigured(f"DUIKOU_SPARK_EXTRA：「{_item}」应写作 spark.某项=值，多项以逗号分隔")
# The file holding the key that backups are encrypted under (`duikou backup-key --output PATH` makes one). Kept apart
# from the archives and from the personal-data key (DUIKOU_PII_KEY); without it `duikou backup` refuses to run.
DUIKOU_BACKUP_KEY_FILE = env_str("DUIKOU_BACKUP_KEY_FILE")
# The SM4 key personal identifiers (ID card numbers, phone numbers) are encrypted under: 32 hex characters. Empty: a
# per-installation key is made once as var/pii_key (duikou/core/pii.py); it is never in the repository.
DUIKOU_PII_KEY = env_hex("DUIKOU_PII_KEY", nbytes=16)
# Household monitoring: days allowed for each step of an alert's case. Seed 004 二(一) asks for a 快速发现和响应机制
# but names no number of days, so these are settings (配置值), not official figures. VERIFY_DAYS (核实) is the default
# 响应时限 of every new rule set; a province may set its own in its rule set.
DUIKOU_MONITORING_VERIFY_DAYS = env_int("DUIKOU_MONITORING_VERIFY_DAYS", 15, minimum=1)
DUIKOU_MONITORING_DECIDE_DAYS = env_int("DUIKOU_MONITORING_DECIDE_DAYS", 15, minimum=1)  # 认定、风险消除审定
DUIKOU_MONITORING_ASSIST_DAYS = env_int("DUIKOU_MONITORING_ASSIST_DAYS", 15, minimum=1)  # 纳入后落实帮扶措施
# Indicator reports: a report is due this many days after its period ends (DHIS2's "days after period end to qualify
# for timely submission"). No source document names a number of days, so this is a local rule (配置值), not policy;
# each data set may set its own on the indicator library page, and this is the default of those that do not.
DUIKOU_REPORT_DUE_DAYS = env_int("DUIKOU_REPORT_DUE_DAYS", 15, minimum=0, maximum=366)
# 消费帮扶产品认定: the least annual value (万元) of a certified product. 50 is the 2024 rule as reported by CNR
# (https://www.cnr.cn/gongyi/news/20240319/t20240319_526632151.shtml); a deployment may set another.
DUIKOU_CERTIFICATION_MIN_VALUE_WAN = env_int("DUIKOU_CERTIFICATION_MIN_VALUE_WAN", 50, minimum=0)
# The share (per cent) of a budget unit's food purchases reserved for certified products. 15 is 武汉's local practice
# (a mirrored notice, uncertain); no national percentage was verified, so this is a local rule, not policy.
DUIKOU_CONSUMPTION_RESERVED_SHARE = env_int("DUIKOU_CONSUMPTION_RESERVED_SHARE", 15, minimum=0, maximum=100)
# The household self-declaration page (/declare/<village code>/, public, no sign-in) and its status page are
# rate-limited in the database (duikou.core.public.check_rate), so that a flood is refused without losing the valid
# declarations. A whole village may reach the platform through one carrier address, so the address limit is not the
# only one: each ID number and each village has its own. Counted per fixed hour or day; a refused submission says
# which limit and when to try again. The client address is the proxy's only with DUIKOU_TRUSTED_PROXY=yes.
DUIKOU_DECLARE_ADDRESS_PER_HOUR = env_int("DUIKOU_DECLARE_ADDRESS_PER_HOUR", 30, minimum=1)  # submissions per address
DUIKOU_DECLARE_ID_PER_DAY = env_int("DUIKOU_DECLARE_ID_PER_DAY", 3, minimum=1)  # per ID number (by its digest)
DUIKOU_DECLARE_VILLAGE_PER_DAY = env_int("DUIKOU_DECLARE_VILLAGE_PER_DAY", 100, minimum=1)  # per village
# Look-ups of the status page per address and hour: acknowledgement numbers cannot be tried in bulk.
DUIKOU_DECLARE_STATUS_PER_HOUR = env_int("DUIKOU_DECLARE_STATUS_PER_HOUR", 60, minimum=1)
# The public 公示/公告 pages (/notices/): how often one address (per hour) and one case (per day) may receive an online
# objection, one address may try an appeal with a declaration's acknowledgement number (per hour, wrong numbers
# included) and may look up an objection's answer by its number (per hour). Counted by core.public.check_rate.
DUIKOU_OBJECTION_ADDRESS_LIMIT = env_int("DUIKOU_OBJECTION_ADDRESS_LIMIT", 5, minimum=1)
DUIKOU_OBJECTION_CASE_LIMIT = env_int("DUIKOU_OBJECTION_CASE_LIMIT", 30, minimum=1)
DUIKOU_APPEAL_ADDRESS_LIMIT = env_int("DUIKOU_APPEAL_ADDRESS_LIMIT", 10, minimum=1)
DUIKOU_OBJECTION_LOOKUP_LIMIT = env_int("DUIKOU_OBJECTION_LOOKUP_LIMIT", 30, minimum=1)
SITE_TITLE = _("对口合作平台")
# The public site (/public/: the pairings, their published results, open data and its API). Pages, tables and API
# answers are kept in the cache this many seconds at most (a publication or withdrawal shows at once whatever this
# is: the cache keys carry a generation stored in the database); an edit of an item already published shows within
# it. The public API (/public/api/) and the open-data downloads answer each address so many times per minute; the
# feedback form (公众留言) takes so many messages an hour from one address.
DUIKOU_PUBLIC_CACHE_SECONDS = env_int("DUIKOU_PUBLIC_CACHE_SECONDS", 300, minimum=1, maximum=86400)
DUIKOU_PUBLIC_API_PER_MINUTE = env_int("DUIKOU_PUBLIC_API_PER_MINUTE", 60, minimum=1)
# The red-culture platform's media (duikou/culture/media.py): the largest file of each kind, in MB, and the most
# pixels an image may have (a larger one is refused before it is decoded).
DUIKOU_CULTURE_MAX_MB = {
    "image": env_int("DUIKOU_CULTURE_IMAGE_MAX_MB", 10, minimum=1),
    "audio": env_int("DUIKOU_CULTURE_AUDIO_MAX_MB", 50, minimum=1),
    "video": env_int("DUIKOU_CULTURE_VIDEO_MAX_MB", 200, minimum=1),
    "document": env_int("DUIKOU_CULTURE_DOCUMENT_MAX_MB", 20, minimum=1),
}
DUIKOU_CULTURE_IMAGE_MAX_PIXELS = env_int("DUIKOU_CULTURE_IMAGE_MAX_PIXELS", 40_000_000, minimum=1)
DUIKOU_PUBLIC_FEEDBACK_PER_HOUR = env_int("DUIKOU_PUBLIC_FEEDBACK_PER_HOUR", 5, minimum=1)

# Rectification notices (整改通知): days allowed for each follow-up step. Seed 000 四(四) asks for 整改要求 and
# 督促改进落实 but sets no time limits, so these are configurable working rules, not policy.
DUIKOU_NOTICE_RECEIVE_DAYS = env_int("DUIKOU_NOTICE_RECEIVE_DAYS", 5, minimum=1)  # 签收: days after issue
DUIKOU_NOTICE_VERIFY_DAYS = env_int("DUIKOU_NOTICE_VERIFY_DAYS", 15, minimum=1)  # 核验: days after the report
DUIKOU_NOTICE_CLOSE_DAYS = env_int("DUIKOU_NOTICE_CLOSE_DAYS", 5, minimum=1)  # 销号: days after verification
DUIKOU_NOTICE_NUMBER_PREFIX = env_str("DUIKOU_NOTICE_NUMBER_PREFIX", "对口整改")  # 文号: 对口整改〔2026〕3号
# The evaluation shows what the records add up to (indicators.records) beside the reported values and flags a gap
# when the two differ by more than this share of the reported value: a platform default, not policy.
DUIKOU_EVALUATION_RECORD_GAP_SHARE = env_decimal("DUIKOU_EVALUATION_RECORD_GAP_SHARE", "0.2", minimum="0")
# Plan and indicator report steps (对口合作实施方案 四(二), 指标填报): the seeds set no time limits for agreeing,
# issuing, filing, approving or accepting, so these are this deployment's working rules, shown on pages as 「本地规则」.
DUIKOU_PLAN_RESUBMIT_DAYS = env_int("DUIKOU_PLAN_RESUBMIT_DAYS", 15, minimum=1)  # 退回后重新提交: days after the return
DUIKOU_PLAN_AGREE_DAYS = env_int("DUIKOU_PLAN_AGREE_DAYS", 15, minimum=1)  # 双方确认: days after submission
DUIKOU_PLAN_ISSUE_DAYS = env_int("DUIKOU_PLAN_ISSUE_DAYS", 30, minimum=1)  # 两省印发: days after both cities agreed
DUIKOU_PLAN_FILE_DAYS = env_int("DUIKOU_PLAN_FILE_DAYS", 15, minimum=1)  # 备案: days after the last issuance
DUIKOU_REPORT_RESUBMIT_DAYS = env_int("DUIKOU_REPORT_RESUBMIT_DAYS", 10, minimum=1)  # 退回后重新上报
DUIKOU_REPORT_APPROVE_DAYS = env_int("DUIKOU_REPORT_APPROVE_DAYS", 10, minimum=1)  # 省级审核: days after submission
DUIKOU_REPORT_ACCEPT_DAYS = env_int("DUIKOU_REPORT_ACCEPT_DAYS", 10, minimum=1)  # 国家接收: days after approval
# My to-do (/todo/): things without a workflow step (project milestones, plan tasks, follow-ups) are listed from so many
# days before they are due; each source lists at most so many objects and links to its own list for the rest.
DUIKOU_TODO_HORIZON_DAYS = env_int("DUIKOU_TODO_HORIZON_DAYS", 30, minimum=0)
DUIKOU_TODO_SOURCE_LIMIT = env_int("DUIKOU_TODO_SOURCE_LIMIT", 200, minimum=10)

# --- notifications (docs/notifications.md) -------------------------------------------------------------------------
# Where messages go: "file" (development, the default: var/outbox/, e-mail under var/outbox/mail), "console" (printed),
# or "live" (e-mail by SMTP, the HTTP channels posted to their gateways).
DUIKOU_MESSAGING_BACKEND = env_str("DUIKOU_MESSAGING_BACKEND", "file", choices=("file", "console", "live"))
DUIKOU_MESSAGING_OUTBOX = env_path("DUIKOU_MESSAGING_OUTBOX", VAR_DIR / "outbox")
# The messaging channels besides e-mail that users may choose: any of sms, wecom (企业微信/政务微信 group robot),
# dingtalk (钉钉 group robot). Each posts JSON to its URL; with DUIKOU_MESSAGING_BACKEND=live the URL is required.
DUIKOU_MESSAGING_CHANNELS = env_list("DUIKOU_MESSAGING_CHANNELS")
DUIKOU_SMS_URL = env_str("DUIKOU_SMS_URL")  # the province's SMS gateway: POST {"to": phone, "text": ...}
DUIKOU_SMS_TOKEN = env_str("DUIKOU_SMS_TOKEN")  # sent as "Authorization: Bearer <token>" when set
DUIKOU_WECOM_URL = env_str("DUIKOU_WECOM_URL")  # https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=… (a secret)
DUIKOU_DINGTALK_URL = env_str("DUIKOU_DINGTALK_URL")  # https://oapi.dingtalk.com/robot/send?access_token=… (a secret)
DUIKOU_DINGTALK_SECRET = env_str("DUIKOU_DINGTALK_SECRET")  # the robot's 加签 secret, when it has one
for _channel in DUIKOU_MESSAGING_CHANNELS:
    if _channel not in ("sms", "wecom", "dingtalk"):
        raise ImproperlyConfigured(f"DUIKOU_MESSAGING_CHANNELS：没有渠道「{_channel}」（可选 sms、wecom、dingtalk）")
    if DUIKOU_MESSAGING_BACKEND == "live" and not globals()[f"DUIKOU_{_channel.upper()}_URL"]:
        raise ImproperlyConfigured(f"渠道 {_channel} 已启用，但未设置 DUIKOU_{_channel.upper()}_URL")
DUIKOU_MESSAGING_TIMEOUT = env_int("DUIKOU_MESSAGING_TIMEOUT", 10, minimum=1, maximum=120)  # seconds per gateway call
DUIKOU_MESSAGING_SIGNATURE = env_str("DUIKOU_MESSAGING_SIGNATURE", "对口合作平台")  # 【签名】 before each message
# A message that fails is tried again after RETRY_SECONDS, then 4× longer each time, MAX_ATTEMPTS times in all; then
# it is marked failed (the notification stays in the inbox; an operator may send it again).
DUIKOU_DELIVERY_MAX_ATTEMPTS = env_int("DUIKOU_DELIVERY_MAX_ATTEMPTS", 6, minimum=1, maximum=20)
DUIKOU_DELIVERY_RETRY_SECONDS = env_int("DUIKOU_DELIVERY_RETRY_SECONDS", 60, minimum=1)
# The address links in messages start with, e.g. https://duikou.example.gov.cn; empty: messages carry no link.
DUIKOU_SITE_URL = env_origin("DUIKOU_SITE_URL")
# E-mail by SMTP (with DUIKOU_MESSAGING_BACKEND=live)
EMAIL_HOST = env_str("DUIKOU_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DUIKOU_EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("DUIKOU_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("DUIKOU_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("DUIKOU_EMAIL_USE_TLS", False)  # STARTTLS
EMAIL_USE_SSL = env_bool("DUIKOU_EMAIL_USE_SSL", False)  # SMTPS (port 465)
EMAIL_TIMEOUT = env_int("DUIKOU_EMAIL_TIMEOUT", 10, minimum=1, maximum=120)
DEFAULT_FROM_EMAIL = env_str("DUIKOU_EMAIL_FROM", "duikou@localhost")
# The daily digest (for users who chose it) and the sweep of messages due for another try run at this hour.
DUIKOU_DIGEST_HOUR = env_int("DUIKOU_DIGEST_HOUR", 8, minimum=0, maximum=23)

# --- uploads and the audit trail (docs/security.md) -----------------------------------------------------------


# Every upload (import files, evidence, attachments, departmental files): its size as sent; for .xlsx files (zip
# archives) the decompressed size of each member read whole into memory (all but the worksheets, which are streamed:
# the shared strings above all) and of all members together; rows of one import file.
DUIKOU_UPLOAD_MAX_MB = env_int("DUIKOU_UPLOAD_MAX_MB", 50, minimum=1)
DUIKOU_UPLOAD_MEMBER_MAX_MB = env_int("DUIKOU_UPLOAD_MEMBER_MAX_MB", 50, minimum=1)
DUIKOU_UPLOAD_UNCOMPRESSED_MAX_MB = env_int("DUIKOU_UPLOAD_UNCOMPRESSED_MAX_MB", 200, minimum=1)
DUIKOU_UPLOAD_MAX_ROWS = env_int("DUIKOU_UPLOAD_MAX_ROWS", 100_000, minimum=1)

# Audit entries are kept this many days; `duikou purge-audit` removes only older ones. The Cybersecurity Law
# (网络安全法 第二十一条) asks for network logs to be kept at least six months: six calendar months are up to 184
# days, and on PostgreSQL the database itself refuses to delete younger entries (audit migration 0001).
AUDIT_MIN_RETENTION_DAYS = 184
DUIKOU_AUDIT_RETENTION_DAYS = env_int("DUIKOU_AUDIT_RETENTION_DAYS", 1095)
if DUIKOU_AUDIT_RETENTION_DAYS < AUDIT_MIN_RETENTION_DAYS:
    raise ImproperlyConfigured(
        f"DUIKOU_AUDIT_RETENTION_DAYS={DUIKOU_AUDIT_RETENTION_DAYS}：审计记录至少保存 {AUDIT_MIN_RETENTION_DAYS} 天"
        "（《网络安全法》第二十一条要求网络日志留存不少于六个月）"
    )

# --- the production web process: `duikou web` (gunicorn; duikou/core/gunicorn_conf.py, docs/deploy.md) -----------
DUIKOU_WEB_BIND = env_str("DUIKOU_WEB_BIND", "127.0.0.1:8000")  # address:port, or unix:/run/duikou/web.sock
DUIKOU_WEB_WORKERS = env_int("DUIKOU_WEB_WORKERS", 0, minimum=0)  # processes; 0: 2 × CPU cores + 1
DUIKOU_WEB_THREADS = env_int("DUIKOU_WEB_THREADS", 4, minimum=1)  # threads per process
DUIKOU_WEB_TIMEOUT = env_int("DUIKOU_WEB_TIMEOUT", 120, minimum=10)  # seconds before a stuck request's worker restarts
DUIKOU_WEB_MAX_REQUESTS = env_int("DUIKOU_WEB_MAX_REQUESTS", 0, minimum=0)  # replace workers after N requests; 0: no
