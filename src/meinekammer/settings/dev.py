"""The demo: one machine, zero set-up. SQLite under var/, development mailbox."""

from .base import *  # noqa: F403
from .base import OIDC_ACCESS_TOKEN_KEY, env
from .oidc_keys import demo_key

# Off, as in production: the portal's own error pages, not Django's technical ones (a 404 listing
# every URL pattern, a 500 with the settings). Static files (WhiteNoise, below) and the
# development mailbox (DEV_MAILBOX) do not need DEBUG; DEBUG=1 turns it on while developing.
DEBUG = env.bool("DEBUG", default=False)
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
if not OIDC_ACCESS_TOKEN_KEY:
    OIDC_ACCESS_TOKEN_KEY = demo_key(VAR_DIR / "oidc-access-token-key.pem", "ec")  # noqa: F405
# The sample application runs on the port after the portal's, e.g. http://localhost:8001 (no TLS).
OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"] = ["https", "http"]  # noqa: F405
EVENT_ENDPOINT_SCHEMES = ["https", "http"]
