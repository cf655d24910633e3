"""The request id: one per request, carried into the tasks that request enqueues.

The web middleware (web/ops.py) sets it for the request; the task queue (ops/taskqueue.py)
stores it with every task enqueued meanwhile and sets it again while the worker runs that
task. Log lines read it through `RequestIdFilter` (ops/logging.py).
"""

import re
import secrets
from contextvars import ContextVar

# Accepted from a caller (X-Request-ID) only in this shape: no spaces, quotes or line breaks.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,128}")

request_id: ContextVar[str] = ContextVar("request_id", default="")
task_id: ContextVar[str] = ContextVar("task_id", default="")


def new_request_id() -> str:
    return secrets.token_hex(16)


def accepted(incoming: str | None) -> str:
    """The caller's id if it is well-formed, else a new one."""
    if incoming and _WELL_FORMED.fullmatch(incoming):
        return incoming
    return new_request_id()
