"""Complete settings for meinekammer; dev.py, test.py and prod.py only override.

Everything an operator may change is read from the environment with a safe embedded default:
SQLite under var/, database cache, database task queue, development mailbox off.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from .oidc_keys import access_token_seconds_for, read_keys

PACKAGE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

VAR_DIR = Path(env.str("MEINEKAMMER_VAR_DIR", default=str(Path.cwd() / "var"))).resolve()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
# The previous key during a rotation (docs/operations.md, "Key rotation").
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Public base URL, used in e-mails sent outside of a request (worker, scheduled jobs).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "meinekammer.web",
    "meinekammer.ops",
    "meinekammer.demo",
    "meinekammer.accounts",
    "meinekammer.audit",
    "meinekammer.notifications",
    "meinekammer.chambers",
    "meinekammer.companies",
    "meinekammer.applications",
    "meinekammer.integration",
    "ninja",
    "oauth2_provider",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # First: the request id, the metrics, and the health and metrics endpoints (web/ops.py).
    "meinekammer.web.ops.OpsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The token endpoints and their kin answer here, without the browsers' middleware below.
    "meinekammer.web.sso.endpoints.MachineEndpointsMiddleware",
    # The REST API likewise (api/middleware.py).
    "meinekammer.api.middleware.ApiMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "meinekammer.web.i18n.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Before UserSessionsMiddleware: the idle warning's status request is no activity.
    "meinekammer.web.accounts.idle.IdleTimeoutMiddleware",
    # allauth records a session's activity at most once a minute (web/accounts/activity.py).
    "meinekammer.web.accounts.activity.ActivityThrottleMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # Leads an account that must have a second factor and has none to the set-up.
    "meinekammer.web.accounts.required_factor.RequiredFactorMiddleware",
    # Leads an account that has not accepted the current Informationspflichten to them.
    "meinekammer.web.accounts.privacy_notice.PrivacyNoticeMiddleware",
    "meinekammer.web.middleware.SecurityHeadersMiddleware",
    # A use case's NotFound is the 404 page, whichever view it came from.
    "meinekammer.web.actors.DomainErrorMiddleware",
    # After CSPMiddleware: lets the login and consent forms end at the client's redirect URI.
    "meinekammer.web.sso.middleware.ClientFormActionMiddleware",
]

ROOT_URLCONF = "meinekammer.urls"
WSGI_APPLICATION = "meinekammer.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "meinekammer.web.context_processors.site",
            ],
        },
    }
]
FORM_RENDERER = "meinekammer.web.forms.KernFormRenderer"

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    # An empty DATABASE_URL means "not set": the embedded SQLite file.
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'meinekammer.sqlite3'}"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the task worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # Prepared statements (docs/operations.md, "PostgreSQL"): psycopg prepares a statement on
    # the server once it has run DB_PREPARE_THRESHOLD times on a connection, and PostgreSQL
    # then stops planning it anew (the token endpoints' statements: bench/README.md). Django
    # passes prepare_threshold=None unless it is set here. 0 switches it off (a pooler in
    # transaction mode without prepared-statement support: PgBouncer before 1.21).
    _prepare_threshold = env.int("DB_PREPARE_THRESHOLD", default=5)
    if _prepare_threshold > 0:
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": _prepare_threshold}
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, sessions) ---------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "meinekammer.ops.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "meinekammer",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "meinekammer_cache",
            # Not Django's 300: culling would drop rate-limit counts (docs/security.md).
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Background work: the task queue is the outbox -----------------------------------------
# TASKS_BACKEND: "database" (PostgreSQL or SQLite, the default; workers: `meinekammer
# db_worker`) or "celery" (RabbitMQ at CELERY_BROKER_URL; workers: `celery -A
# meinekammer.ops.celery_queue worker`, ops/celery_queue.py), or a backend's dotted path.
TASK_BACKENDS = {
    "database": "meinekammer.ops.taskqueue.DatabaseBackend",
    "celery": "meinekammer.ops.celery_queue.CeleryBackend",
}
TASKS_BACKEND = env.str("TASKS_BACKEND", default="database")
TASKS = {
    "default": {
        "BACKEND": TASK_BACKENDS.get(TASKS_BACKEND, TASKS_BACKEND),
        "QUEUES": ["default"],
    }
}
if TASKS["default"]["BACKEND"] == TASK_BACKENDS["celery"]:
    INSTALLED_APPS.append("django_tasks_fennel")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="amqp://guest:guest@127.0.0.1:5672//")
CELERY_RESULT_BACKEND = None
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ACKS_LATE = True  # a message is done when its task ran, not when it was taken
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # a killed worker's task goes to another
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # the workers log as configured below
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True

# --- Accounts --------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Hashes made with other argon2 parameters verify with the same hasher and are upgraded on login.
PASSWORD_HASHERS = [
    "meinekammer.accounts.hashers.Argon2idHasher",
    # Only for OAUTH2_PROVIDER's CLIENT_SECRET_HASHER (see its docstring); never the default.
    "meinekammer.accounts.hashers.ClientSecretHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "meinekammer.accounts.validators.MaximumLengthValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.CommonPasswordValidator",
        "OPTIONS": {
            "password_list_path": str(PACKAGE_DIR / "accounts" / "data" / "common-passwords.txt.gz")
        },
    },
    {"NAME": "meinekammer.accounts.validators.PersonalDataValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("first_name", "last_name", "email")},
    },
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

ACCOUNT_ADAPTER = "meinekammer.web.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_CONFIRMATION_HMAC = True  # confirmation keys are signed, never stored
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_PREVENT_ENUMERATION = True
# "Anmeldecode per E-Mail": the owner's way in that no stranger's wrong passwords can block.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_MAX_EMAIL_ADDRESSES = 2
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "meinekammer: "
ACCOUNT_FORMS = {
    "signup": "meinekammer.web.accounts.forms.RegistrationForm",
    "login": "meinekammer.web.accounts.forms.LoginForm",
    "change_password": "meinekammer.web.accounts.forms.ChangePasswordForm",
    "reset_password": "meinekammer.web.accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "meinekammer.web.accounts.forms.ResetPasswordKeyForm",
    "add_email": "meinekammer.web.accounts.forms.AddEmailForm",
    "reauthenticate": "meinekammer.web.accounts.forms.ReauthenticateForm",
    "request_login_code": "meinekammer.web.accounts.forms.RequestLoginCodeForm",
    "confirm_login_code": "meinekammer.web.accounts.forms.ConfirmLoginCodeForm",
}
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # Wrong second-factor codes (allauth.mfa, key: the account). Wrong passwords count per
    # account and source instead (web/accounts/throttling.py, docs/security.md):
    "login_failed": "10/m/ip,5/5m/key",
    "login_failed_ip": "10/m/ip,100/h/ip",
    "login_failed_source": "5/5m/key,10/h/key,20/d/key",
    "login_failed_account": "100/d/key",
    # "Anmeldecode per E-Mail": per address and source, and a cap per address against mail floods.
    "request_login_code": "10/m/ip,3/15m/key",
    "request_login_code_account": "20/d/key",
    # Per source address: a class registering from a school's one address may need more
    # (SIGNUP_RATE_LIMIT, allauth's syntax).
    "signup": env.str("SIGNUP_RATE_LIMIT", default="10/m/ip,30/h/ip"),
    "reset_password": "10/m/ip,3/10m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    # Our own flows, consumed through allauth's rate limiter.
    "unlock_account": "10/m/ip,3/10m/key",
    "resend_confirmation": "5/m/ip,20/h/ip",
    "delete_account": "5/m/user",
    "activate_company": "10/h/user,30/h/ip",
    "join_company": "10/h/user,30/h/ip",
    "invite_member": "60/h/user",
    "open_invitation": "30/m/ip",
    # "Meine Daten herunterladen" (web/accounts/export_views.py).
    "export_data": "10/h/user",
    # The REST API (api/): wrong client credentials, per source address and per client id;
    # requests per service account (API_RATE_LIMIT, allauth's syntax).
    "api_token": "30/m/ip,10/m/key",
    "api_request": env.str("API_RATE_LIMIT", default="1200/m/key"),
}
# Lifetime of a service account's access token (POST /api/v1/token).
API_TOKEN_SECONDS = env.int("API_TOKEN_SECONDS", default=300)
# Change events to connected applications (integration/delivery.py): the pause after the n-th
# failed attempt is EVENT_RETRY_BASE_SECONDS · 2^(n-1), at most EVENT_RETRY_MAX_SECONDS; after
# EVENT_MAX_ATTEMPTS (about two days with the defaults) the event is failed.
# Production: events go to https addresses only; the demo and the tests add http for loopback.
EVENT_ENDPOINT_SCHEMES = env.list("EVENT_ENDPOINT_SCHEMES", default=["https"])
EVENT_TIMEOUT_SECONDS = env.int("EVENT_TIMEOUT_SECONDS", default=10)
EVENT_RETRY_BASE_SECONDS = env.int("EVENT_RETRY_BASE_SECONDS", default=30)
EVENT_RETRY_MAX_SECONDS = env.int("EVENT_RETRY_MAX_SECONDS", default=6 * 3600)
EVENT_MAX_ATTEMPTS = env.int("EVENT_MAX_ATTEMPTS", default=16)
# Sensitive actions (e-mail, password, factors, deleting the account or a company, handing out
# admin rights) ask for the second factor again, or the password for an account without one,
# when the session's last check is older than this (web.decorators.recently_checked, which
# allauth's own re-authentication asks too, through the account adapter). docs/accounts.md.
RECHECK_SECONDS = env.int("RECHECK_SECONDS", default=600)
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = RECHECK_SECONDS
# No "code" by e-mail: a mailbox is not a second factor.
ACCOUNT_REAUTHENTICATION_METHODS = ["password", "mfa"]
PRIVACY_NOTICE_VERSION_REQUIRED = True

# --- Second factor (allauth.mfa) and sessions (allauth.usersessions) ----------------------------
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="meinekammer")
MFA_TOTP_TOLERANCE = 1
MFA_RECOVERY_CODE_COUNT = 10
MFA_RECOVERY_CODES_SHOW_ONCE = True
MFA_WEBAUTHN_USER_VERIFICATION = "preferred"
# Plain-HTTP origins for WebAuthn only where the site itself is on http (demo, tests).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = SITE_URL.startswith("http://")
MFA_ADAPTER = "meinekammer.web.accounts.mfa_adapter.MFAAdapter"
MFA_FORMS = {
    "activate_totp": "meinekammer.web.accounts.mfa_forms.ActivateTOTPForm",
    "authenticate": "meinekammer.web.accounts.mfa_forms.AuthenticateForm",
    "reauthenticate": "meinekammer.web.accounts.mfa_forms.ReauthenticateForm",
    "add_webauthn": "meinekammer.web.accounts.mfa_forms.AddWebAuthnForm",
    "edit_webauthn": "meinekammer.web.accounts.mfa_forms.EditWebAuthnForm",
    "authenticate_webauthn": "meinekammer.web.accounts.mfa_forms.AuthenticateWebAuthnForm",
    "login_webauthn": "meinekammer.web.accounts.mfa_forms.LoginWebAuthnForm",
    "reauthenticate_webauthn": "meinekammer.web.accounts.mfa_forms.ReauthenticateWebAuthnForm",
}
# Wrong codes count against ACCOUNT_RATE_LIMITS["login_failed"] (per account, key
# "mfa-auth-user-<id>"); a used TOTP code is refused for its whole validity window (cache).
# Removing or adding a factor asks for re-authentication (allauth's default, kept explicit).
MFA_REAUTHENTICATION_REQUIRED = True
# allauth refuses to add an e-mail address to an account with a factor (and a factor to an
# account with an unconfirmed address), guarding sites where an unconfirmed account can log in.
# Here none can (ACCOUNT_EMAIL_VERIFICATION mandatory), and without this an account with a
# factor could never change its address (ACCOUNT_CHANGE_EMAIL).
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_RATE_LIMITS = {"webauthn_login": "10/m/ip"}
USERSESSIONS_TRACK_ACTIVITY = True
# A session without activity for this long is logged out (web/accounts/idle.py); the page warns
# SESSION_IDLE_WARNING seconds before. 0 switches the idle timeout off.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_IDLE_WARNING = env.int("SESSION_IDLE_WARNING", default=2 * 60)
# Where a second factor becomes required with a date (a new company admin, a chamber or a
# company switching it on), it applies this many days after the notice mail.
MFA_REQUIRED_NOTICE_DAYS = env.int("MFA_REQUIRED_NOTICE_DAYS", default=14)

# --- E-mail ------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="meinekammer <noreply@meinekammer.invalid>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=15)
# The development mailbox stores delivered mail in the database and shows it at /dev/mailbox/.
DEV_MAILBOX = env.bool("DEV_MAILBOX", default=False)
# Delivery retries: attempt n waits EMAIL_RETRY_BASE_SECONDS * 2**(n-1), at most this many tries.
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=8)
EMAIL_RETRY_BASE_SECONDS = env.int("EMAIL_RETRY_BASE_SECONDS", default=30)

# --- Internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
# The first path wins: overrides/ replaces allauth's informal German ("du") with formal "Sie".
LOCALE_PATHS = [PACKAGE_DIR / "overrides" / "locale", PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "meinekammer_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(VAR_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Security --------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "meinekammer.web.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- Logging: never log secrets (request bodies, tokens); see web/logging.py -----------------
# LOG_FORMAT: "plain" (default here) or "json" (default in production: one object per line,
# fields in docs/operations.md). ACCESS_LOG: one line per request (method, route, status, time).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
ACCESS_LOG = env.bool("ACCESS_LOG", default=False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "meinekammer.ops.logging.RedactSecretsFilter"},
        "request_id": {"()": "meinekammer.ops.logging.RequestIdFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "meinekammer.ops.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

ADMIN_URL = env.str("ADMIN_URL", default="operator/")

# --- Health and metrics (web/ops.py, docs/operations.md "Health and metrics") -----------------
HEALTH_LIVE_PATH = env.str("HEALTH_LIVE_PATH", default="/healthz/live")
HEALTH_READY_PATH = env.str("HEALTH_READY_PATH", default="/healthz/ready")
METRICS_PATH = env.str("METRICS_PATH", default="/metrics")
# Who may read the metrics and the readiness details: a bearer token, or a direct (not proxied)
# request from these networks. Empty token: by network only.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])

# --- The operator, for the imprint and the accessibility statement -----------------------------
OPERATOR = {
    "name": env.str("OPERATOR_NAME", default=""),
    "street": env.str("OPERATOR_STREET", default=""),
    "postal_code": env.str("OPERATOR_POSTAL_CODE", default=""),
    "city": env.str("OPERATOR_CITY", default=""),
    "email": env.str("OPERATOR_EMAIL", default=""),
    "phone": env.str("OPERATOR_PHONE", default=""),
    "representative": env.str("OPERATOR_REPRESENTATIVE", default=""),
    "register": env.str("OPERATOR_REGISTER", default=""),
    "vat_id": env.str("OPERATOR_VAT_ID", default=""),
}

# --- Companies ---------------------------------------------------------------------------------
# Manual ch. 3: the activation password comes by post; it expires after this many days.
ACTIVATION_PASSWORD_VALIDITY_DAYS = env.int("ACTIVATION_PASSWORD_VALIDITY_DAYS", default=60)
# "Unternehmen aktivieren": the letter's password is void after ACTIVATION_MAX_WRONG_TRIES
# wrong tries; an account (or a network address) that tries more different companies within a
# day than ACTIVATION_COMPANIES_PER_DAY (..._PER_ADDRESS) is blocked for ACTIVATION_BLOCK_HOURS.
# The chamber's staff see and lift blocks under "Aktivierungssperren". A tax adviser's office
# activating many client companies a day needs the limits raised.
ACTIVATION_MAX_WRONG_TRIES = env.int("ACTIVATION_MAX_WRONG_TRIES", default=5)
ACTIVATION_COMPANIES_PER_DAY = env.int("ACTIVATION_COMPANIES_PER_DAY", default=5)
ACTIVATION_COMPANIES_PER_DAY_PER_ADDRESS = env.int(
    "ACTIVATION_COMPANIES_PER_DAY_PER_ADDRESS", default=ACTIVATION_COMPANIES_PER_DAY
)
ACTIVATION_BLOCK_HOURS = env.int("ACTIVATION_BLOCK_HOURS", default=24)
# "Benutzer hinzufügen": how long a join link stays valid (manual ch. 4).
INVITATION_VALIDITY_DAYS = env.int("INVITATION_VALIDITY_DAYS", default=14)
# "Mehrere Personen einladen" (CSV file): rows and bytes per file, and the invitations a company
# may send in an hour (single and from files together; a file beyond it is refused whole).
BULK_INVITATION_MAX_ROWS = env.int("BULK_INVITATION_MAX_ROWS", default=500)
BULK_INVITATION_MAX_BYTES = env.int("BULK_INVITATION_MAX_BYTES", default=512 * 1024)
INVITATIONS_PER_COMPANY_PER_HOUR = env.int("INVITATIONS_PER_COMPANY_PER_HOUR", default=200)
# The result list of a file stays this long after its invitations were sent (job
# tidy-invitation-batches), then its rows (names and addresses) are deleted.
BULK_INVITATION_KEEP_DAYS = env.int("BULK_INVITATION_KEEP_DAYS", default=30)
# "Verzeichnis hochladen" (chamber area): the largest directory CSV accepted, and how many rows
# the job writes per transaction; its progress is saved after each of them.
DIRECTORY_UPLOAD_MAX_BYTES = env.int("DIRECTORY_UPLOAD_MAX_BYTES", default=200 * 1024 * 1024)
DIRECTORY_UPLOAD_PROGRESS_ROWS = env.int("DIRECTORY_UPLOAD_PROGRESS_ROWS", default=10_000)
# "Nicht verwendete Aktivierungsbriefe": a sent letter not used after this many days is listed
# for the chamber's staff and its applicant is reminded once by the job remind-unused-letters
# (off with ACTIVATION_REMINDER_AUTOMATIC=false); reminders to one company at most once in
# ACTIVATION_REMINDER_INTERVAL_DAYS.
ACTIVATION_LETTER_UNUSED_DAYS = env.int("ACTIVATION_LETTER_UNUSED_DAYS", default=14)
ACTIVATION_REMINDER_INTERVAL_DAYS = env.int("ACTIVATION_REMINDER_INTERVAL_DAYS", default=7)
ACTIVATION_REMINDER_AUTOMATIC = env.bool("ACTIVATION_REMINDER_AUTOMATIC", default=True)

# --- Retention (GDPR Art. 5(1)(e)): the daily job apply-retention, ops/retention.py ------------
# Audit events (who did what, with address and browser) are deleted after this many days,
# except those a pending company deletion, a current company admin or an account's first and
# last login still need.
RETENTION_AUDIT_EVENT_DAYS = env.int("RETENTION_AUDIT_EVENT_DAYS", default=730)
# Delivered or given-up mail (outbox row with address and body) after this many days; a mail
# still waiting for delivery is never deleted. The privacy information names this period.
RETENTION_DELIVERED_EMAIL_DAYS = env.int("RETENTION_DELIVERED_EMAIL_DAYS", default=30)
# Expired, revoked or followed invitations and refused, withdrawn or cancelled requests, this
# many days after they ended.
RETENTION_ENDED_RECORD_DAYS = env.int("RETENTION_ENDED_RECORD_DAYS", default=90)
# Rows deleted per transaction.
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=1000)

# --- Single sign-on (OpenID Connect provider, django-oauth-toolkit) ----------------------------
OAUTH2_PROVIDER_APPLICATION_MODEL = "applications.OAuthClient"
ACCESS_TOKEN_SECONDS = env.int("ACCESS_TOKEN_SECONDS", default=300)
REFRESH_TOKEN_SECONDS = env.int("REFRESH_TOKEN_SECONDS", default=30 * 24 * 3600)
OIDC_SIGNING_KEY = env.str("OIDC_SIGNING_KEY", default="") or "".join(
    read_keys([env.str("OIDC_SIGNING_KEY_FILE", default="")])
)
# Access tokens (signed JWTs, sso/tokens.py): an EC P-256 key (ES256); without one they are
# signed with the ID-token key (RS256). See docs/oidc.md, "Keys".
OIDC_ACCESS_TOKEN_KEY = env.str("OIDC_ACCESS_TOKEN_KEY", default="") or "".join(
    read_keys([env.str("OIDC_ACCESS_TOKEN_KEY_FILE", default="")])
)
OIDC_ACCESS_TOKEN_PUBLISHED_KEYS = read_keys(
    env.list("OIDC_ACCESS_TOKEN_PUBLISHED_KEY_FILES", default=[])
)
# How long userinfo answers from the claims cached with a token family at most, and how long a
# client is cached for the token endpoints (sso/bearer.py, applications/client_cache.py).
CLAIMS_CACHE_SECONDS = env.int("CLAIMS_CACHE_SECONDS", default=300)
CLIENT_CACHE_SECONDS = env.int("CLIENT_CACHE_SECONDS", default=60)
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": OIDC_SIGNING_KEY,
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": read_keys(env.list("OIDC_PUBLISHED_KEY_FILES", default=[])),
    "OIDC_ISS_ENDPOINT": SITE_URL,
    "OAUTH2_VALIDATOR_CLASS": "meinekammer.sso.validator.Validator",
    "CLIENT_SECRET_HASHER": "pbkdf2_sha256_client",
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Name and language",
        "email": "E-mail address",
        "companies": "Companies and roles",
    },
    "DEFAULT_SCOPES": ["openid"],
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    "PKCE_REQUIRED": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": access_token_seconds_for(ACCESS_TOKEN_SECONDS),
    "ID_TOKEN_EXPIRE_SECONDS": ACCESS_TOKEN_SECONDS,
    "REFRESH_TOKEN_EXPIRE_SECONDS": REFRESH_TOKEN_SECONDS,
    # The lean token path (docs/decisions/0006-lean-token-store.md).
    "ACCESS_TOKEN_GENERATOR": "meinekammer.sso.tokens.access_token_generator",
    "REFRESH_TOKEN_GENERATOR": "meinekammer.sso.tokens.refresh_token_generator",
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "REQUEST_APPROVAL_PROMPT": "auto",
    # Production: https only (RFC 9700 2.1). The demo and the tests add http for loopback.
    "ALLOWED_REDIRECT_URI_SCHEMES": env.list("OIDC_REDIRECT_URI_SCHEMES", default=["https"]),
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "OIDC_RP_INITIATED_LOGOUT_DELETE_TOKENS": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}
