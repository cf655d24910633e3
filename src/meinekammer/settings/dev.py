"""The demo: one machine, zero set-up. SQLite under var/, development mailbox."""

from .base import *  # noqa: F403
from .base import env
from .oidc_keys import demo_key

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="demo-only-not-secret-" + "x" * 40)
DEV_MAILBOX = env.bool("DEV_MAILBOX", default=True)
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND", default="meinekammer.notifications.backends.MailboxBackend"
)
EMAIL_RETRY_BASE_SECONDS = env.int("EMAIL_RETRY_BASE_SECONDS", default=5)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the app folders: no collectstatic needed for the demo.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Clearly fictitious operator for the demo's imprint.
OPERATOR = {
    "name": "Musterkammer-Portalbetrieb (fiktiver Demobetrieb)",
    "street": "Beispielstraße 1",
    "postal_code": "12345",
    "city": "Musterstadt",
    "email": "portal@musterkammer.invalid",
    "phone": "+49 123 456789-0",
    "representative": "Erika Musterfrau",
    "register": "",
    "vat_id": "",
}
# The demo's OpenID Connect signing key, made once under var/ (production reads it from
# OIDC_SIGNING_KEY_FILE; see docs/oidc.md).
if not OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]:  # noqa: F405
    OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"] = demo_key(VAR_DIR / "oidc-signing-key.pem")  # noqa: F405
# The sample application runs on http://127.0.0.1:8001 (loopback, no TLS).
OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"] = ["https", "http"]  # noqa: F405
