"""OpenCXM settings. Every value comes from the environment (see docs/configuration.md)."""

from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from opencxm.config.env import data_dir, env_bool, env_int, env_list, env_str, secret_key

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = data_dir()

SECRET_KEY = secret_key(DATA_DIR)
OPENCXM_PSEUDONYM_KEY = env_str("OPENCXM_PSEUDONYM_KEY") or f"pseudonym:{SECRET_KEY}"
DEBUG = env_bool("OPENCXM_DEBUG", False)
# The address users reach OpenCXM at, for links in e-mails (alerts, notifications).
OPENCXM_BASE_URL = env_str("OPENCXM_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env_list("OPENCXM_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("OPENCXM_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "opencxm.accounts",  # before django.contrib.auth so our registration templates win
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "axes",
    "django_tasks_db",
    "opencxm.core",
    "opencxm.touchpoints",
    "opencxm.journeys",
    "opencxm.feedback",
    "opencxm.analytics",
    "opencxm.events",
    "opencxm.cases",
    "opencxm.textanalytics",
    "opencxm.insights",
    "opencxm.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "opencxm.core.middleware.LoginRequiredPagesMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "opencxm.config.urls"
WSGI_APPLICATION = "opencxm.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "opencxm.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'opencxm.sqlite3'}",
        conn_max_age=env_int("OPENCXM_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded mode: WAL lets readers and one writer work side by side; wait instead of failing on a lock.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("OPENCXM_SQLITE_TIMEOUT", 20),
    }
DATABASES["default"]["TEST"] = {"NAME": env_str("OPENCXM_TEST_DATABASE_NAME") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env_bool("OPENCXM_FAST_PASSWORD_HASHER", False):  # test runs only: Argon2 costs ~50 ms per hash
    PASSWORD_HASHERS.insert(0, "django.contrib.auth.hashers.MD5PasswordHasher")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes, state in the database so it holds across processes and machines).
AXES_FAILURE_LIMIT = env_int("OPENCXM_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("OPENCXM_LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("OPENCXM_LOGIN_THROTTLING", True)

LANGUAGE_CODE = env_str("OPENCXM_LANGUAGE", "de")
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS: list = []  # each app carries its own locale/ directory
TIME_ZONE = env_str("OPENCXM_TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("OPENCXM_STATIC_ROOT") or DATA_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

# Request bodies other than files (forms, API JSON: a 10,000-record feedback batch is a few MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("OPENCXM_REQUEST_MAX_BYTES", 32 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # larger uploads stream to a temporary file
OPENCXM_UPLOAD_MAX_BYTES = env_int("OPENCXM_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)  # touchpoint files
# Text analytics: keep the original comment beside the redacted one (False: enrichment replaces it).
OPENCXM_STORE_RAW_COMMENTS = env_bool("OPENCXM_STORE_RAW_COMMENTS", True)
OPENCXM_TEXT_ENGINE = env_str("OPENCXM_TEXT_ENGINE", "fast")  # "fast", "quality" or "transformer" (see docs)
# The transformer engine: a local directory with an ONNX export of a sequence-classification model (never
# downloaded) and where to run it: "auto" (CUDA when onnxruntime offers it, else CPU), "cpu" or "cuda".
OPENCXM_TRANSFORMER_MODEL = env_str("OPENCXM_TRANSFORMER_MODEL")
OPENCXM_TRANSFORMER_DEVICE = env_str("OPENCXM_TRANSFORMER_DEVICE", "auto")
# Feedback files (web upload streams to disk; the command line reads the file directly).
OPENCXM_IMPORT_MAX_BYTES = env_int("OPENCXM_IMPORT_MAX_BYTES", 2 * 1024**3)

# E-mail: SMTP when OPENCXM_EMAIL_HOST is set, else printed to the console (Django 6.1 mailers).
_email_host = env_str("OPENCXM_EMAIL_HOST")
_email_port = env_int("OPENCXM_EMAIL_PORT", 587)
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": _email_port,
                "username": env_str("OPENCXM_EMAIL_USER") or None,
                "password": env_str("OPENCXM_EMAIL_PASSWORD") or None,
                "use_tls": env_bool("OPENCXM_EMAIL_USE_TLS", _email_port == 587),
                "use_ssl": env_bool("OPENCXM_EMAIL_USE_SSL", _email_port == 465),
                "timeout": env_int("OPENCXM_EMAIL_TIMEOUT", 30),
            },
        }
        if _email_host
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
DEFAULT_FROM_EMAIL = env_str("OPENCXM_EMAIL_FROM", "OpenCXM <opencxm@localhost>")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Periodic jobs that `opencxm worker` enqueues when due (opencxm/core/scheduler.py); 0 minutes turns one off.
OPENCXM_ESCALATION_EVERY_MINUTES = env_int("OPENCXM_ESCALATION_EVERY_MINUTES", 5)
OPENCXM_DIGEST_HOUR = env_int("OPENCXM_DIGEST_HOUR", 7)  # local hour (OPENCXM_TIME_ZONE); negative: no digest
OPENCXM_EMAIL_RETRY_EVERY_MINUTES = env_int("OPENCXM_EMAIL_RETRY_EVERY_MINUTES", 15)
OPENCXM_ALERTS_EVERY_MINUTES = env_int("OPENCXM_ALERTS_EVERY_MINUTES", 60)
OPENCXM_WEBHOOK_SWEEP_EVERY_MINUTES = env_int("OPENCXM_WEBHOOK_SWEEP_EVERY_MINUTES", 5)

# Security headers. The CSP allows only our own scripts and styles; no inline code anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("OPENCXM_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("OPENCXM_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("OPENCXM_BEHIND_PROXY") else None

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("OPENCXM_LOG_LEVEL", "WARNING")},
}
