import logging
import re

# Query-string and form parameters whose values are secrets.
_SECRET_PARAMS = re.compile(
    r"(?i)((?:password\d?|passwort|token|key|code|secret|activation_password|sessionid|csrftoken)"
    r"=)[^&\s'\"]+"
)
# Path segments of confirmation, reset and unlock links carry their token.
_SECRET_PATHS = re.compile(r"(/(?:confirm-email|password/reset/key|entsperren)/)[^\s'\"?]+")


def redact(text: str) -> str:
    return _SECRET_PATHS.sub(r"\1[redacted]", _SECRET_PARAMS.sub(r"\1[redacted]", text))


class RedactSecretsFilter(logging.Filter):
    """Keeps tokens, keys and passwords out of every log line, whoever logs them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
