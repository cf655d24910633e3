import json
import logging
import re
from datetime import UTC, datetime

# Query-string and form parameters whose values are secrets or one-time values: any name that
# contains one of these words (access_token, id_token_hint, code_verifier, client_secret, …).
_SECRET_PARAMS = re.compile(
    r"(?i)([\w-]*(?:password|passwort|token|key|code|secret|state|nonce|sessionid|csrf)[\w-]*"
    r"=)[^&\s'\"]+"
)
# The same names as keys of a dict or JSON object ({'code': '…'}: oauthlib's debug lines).
_SECRET_KEYS = re.compile(
    r"(?i)(['\"][\w-]*(?:password|passwort|token|key|code|secret|state|nonce|sessionid|csrf)"
    r"[\w-]*['\"]\s*:\s*['\"])[^'\"]+"
)
# Credentials in an Authorization header that reached a log line.
_SECRET_SCHEMES = re.compile(r"(?i)\b((?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]+")
# Path segments of confirmation, reset and unlock links carry their token.
_SECRET_PATHS = re.compile(r"(/(?:confirm-email|password/reset/key|entsperren)/)[^\s'\"?]+")


def redact(text: str) -> str:
    text = _SECRET_PARAMS.sub(r"\1[redacted]", text)
    text = _SECRET_KEYS.sub(r"\1[redacted]", text)
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


class RequestIdFilter(logging.Filter):
    """Adds `request_id` and `task_id` (ops/requestid.py) to every record; "" outside."""

    def filter(self, record: logging.LogRecord) -> bool:
        from .requestid import request_id, task_id

        record.request_id = request_id.get()
        record.task_id = task_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id,
    task_id, and the traceback as `exc` (redacted like the message)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", ""),
            "task_id": getattr(record, "task_id", ""),
            "process": record.process,
        }
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exc"] = redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)
