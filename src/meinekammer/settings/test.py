"""Tests: the same settings, a fast hasher, local cache, no outside mail."""

import os

from .base import *  # noqa: F403
from .base import OIDC_ACCESS_TOKEN_KEY, env
from .oidc_keys import new_ec_private_key_pem, new_private_key_pem

SECRET_KEY = "test-only-" + "x" * 50
DEBUG = False
# Tests hash thousands of passwords; the production hasher's cost is measured in bench/.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "meinekammer.accounts.hashers.ClientSecretHasher",
]
# No culling at Django's 300 entries: rate-limit counts must not vanish mid-test.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# EMAIL_BACKEND: the Celery suite's worker processes deliver to a real SMTP server.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
DEV_MAILBOX = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if not env.str("DATABASE_URL", default=""):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": ":memory:",
            "ATOMIC_REQUESTS": True,
            "TEST": {"NAME": ":memory:"},
        }
    }
LOGGING["root"]["level"] = env.str("LOG_LEVEL", default="WARNING")  # type: ignore[index]  # noqa: F405
OPERATOR = {
    "name": "Testbetrieb",
    "street": "Teststraße 1",
    "postal_code": "12345",
    "city": "Teststadt",
    "email": "portal@test.invalid",
    "phone": "",
    "representative": "",
    "register": "",
    "vat_id": "",
}

# The PostgreSQL suite runs with Redis as the cache, as in production (scripts/run-tests.py).
if env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "meinekammer.ops.cache.RedisCache",
            "LOCATION": env.str("REDIS_URL"),
            "KEY_PREFIX": f"meinekammer-test-{os.getpid()}",
        }
    }

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# A throwaway signing key for the OpenID Connect provider, made once per test process.
if not OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]:  # noqa: F405
    OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"] = new_private_key_pem(2048)  # noqa: F405
if not OIDC_ACCESS_TOKEN_KEY:
    OIDC_ACCESS_TOKEN_KEY = new_ec_private_key_pem()
# The sample application runs on http://127.0.0.1:8001 (loopback, no TLS).
OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"] = ["https", "http"]  # noqa: F405
EVENT_ENDPOINT_SCHEMES = ["https", "http"]
