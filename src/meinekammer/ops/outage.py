"""Is an exception an outage of a service the portal depends on (PostgreSQL, Redis) rather than
a bug? Then a request that hit it gets "temporarily unavailable" (503, Retry-After) instead of
"something went wrong" (500): the client may try again, and nothing was half-written (every
request is one transaction, ATOMIC_REQUESTS). See docs/operations.md, "When Redis is down"."""

from django.db import InterfaceError, OperationalError

try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError:  # pragma: no cover - redis is a dependency
    RedisConnectionError = RedisTimeoutError = OperationalError  # type: ignore[misc,assignment]

OUTAGES: tuple[type[BaseException], ...] = (
    OperationalError,  # the database is unreachable, restarting, or ended the connection
    InterfaceError,  # the connection is closed
    RedisConnectionError,
    RedisTimeoutError,
)

RETRY_AFTER_SECONDS = 30


def is_outage(exception: BaseException | None) -> bool:
    """The exception or one of its causes is a backing service's outage."""
    seen = 0
    while exception is not None and seen < 10:
        if isinstance(exception, OUTAGES):
            return True
        exception = exception.__cause__ or exception.__context__
        seen += 1
    return False
