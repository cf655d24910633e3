import logging
import re

# Query-string and form parameters whose values are secrets or one-time values: any name that
# contains one of these words (access_token, id_token_hint, code_verifier, client_secret, …).
_SECRET_PARAMS = re.compile(
    r"(?i)([\w-]*(?:password|passwort|token|key|code|secret|state|nonce|sessionid|csrf)[\w-]*"
    r"=)[^&\s'\"]+"
)
# Credentials in an Authorization header that reached a log line.
_SECRET_SCHEMES = re.compile(r"(?i)\b((?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]+")
# Path segments of confirmation, reset and unlock links carry their token.
_SECRET_PATHS = re.compile(r"(/(?:confirm-email|password/reset/key|entsperren)/)[^\s'\"?]+")


def redact(text: str) -> str:
    text = _SECRET_PARAMS.sub(r"\1[redacted]", text)
    text = _SECRET_SCHEMES.sub(r"\1[redacted]", text)
    return _SECRET_PATHS.sub(r"\1[redacted]", text)


class RedactSecretsFilter(logging.Filter):
    """Keeps tokens, keys and passwords out of every log line, whoever logs them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
