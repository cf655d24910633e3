"""Several of allauth's rate limits counted in one Redis round trip.

allauth counts each rate (`ACCOUNT_RATE_LIMITS`, e.g. "5/5m/key,10/h/key,20/d/key") under a
lock of its own: add the lock, read the history, write it back, delete the lock — four round
trips per rate, and as many again to roll a hit back. A password login counts six or seven rates
(web/accounts/throttling.py) and rolls them back when the password is right: some fifty round
trips around one argon2id check (bench/README.md). Here the same sliding windows (a hit counts
for the rate's duration; a hit is allowed while fewer than the rate's amount are counted), under
the same cache keys (`allauth.core.internal.ratelimit.get_cache_key`, so that allauth's `clear`
and the chamber's and operator's unblocking still find them), are checked and counted by one Lua
script: all rates or none, atomically, so that concurrent attempts cannot slip past a limit.

Only with the project's Redis cache on one server; with another cache (the demo's local memory,
the database) allauth's own `consume` counts, as before.
"""

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from allauth.core.internal import ratelimit
from django.core.cache import cache, caches
from django.http import HttpRequest

from meinekammer.ops.cache import RedisCache

# KEYS: the rate keys; ARGV: now, the hit's member, then duration and amount per key.
# Returns 0 when every rate allows the hit (then it is counted in all), else the index of the
# first rate that refuses it (then it is counted in none).
_CONSUME = """
local now = tonumber(ARGV[1])
local member = ARGV[2]
for i = 1, #KEYS do
  local kind = redis.call('TYPE', KEYS[i]).ok
  if kind ~= 'zset' and kind ~= 'none' then redis.call('DEL', KEYS[i]) end
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - tonumber(ARGV[1 + 2 * i]))
  if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[2 + 2 * i]) then return i end
end
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now, member)
  redis.call('PEXPIRE', KEYS[i], math.ceil(tonumber(ARGV[1 + 2 * i]) * 1000))
end
return 0
"""


@dataclass
class Usage:
    """The counted hit of `consume`; `rollback` takes it back from every rate."""

    keys: list[str] = field(default_factory=list)
    member: str = ""
    fallback: list[Any] = field(default_factory=list)

    def rollback(self) -> None:
        for usage in self.fallback:
            usage.rollback()
        self.fallback = []
        if self.keys:
            client = _client()
            if client is not None:
                pipe = client.pipeline(transaction=False)
                for key in self.keys:
                    pipe.zrem(key, self.member)
                pipe.execute()
            self.keys = []


def _backend() -> Any:
    return caches["default"]


def _client() -> Any:
    """The raw Redis client of the default cache, if it is the project's Redis cache on one
    server (a script's keys must live on one server)."""
    backend = _backend()
    # Django's RedisCache internals (unknown to django-stubs): its servers and its client.
    if not isinstance(backend, RedisCache) or len(backend._servers) != 1:  # type: ignore[attr-defined]
        return None
    return backend._cache.get_client(write=True)  # type: ignore[attr-defined]


def consume(
    request: HttpRequest, *, app: str, counters: Iterable[tuple[str, str | None]]
) -> Usage | None:
    """Count one hit against every rate of every `(action, key)`; None (and nothing counted) if
    one of them refuses it. GET requests are not counted, as in allauth."""
    counters = list(counters)
    if request.method == "GET":
        return Usage()
    client = _client()
    if client is None:
        return _consume_with_allauth(request, app=app, counters=counters)
    keys: list[str] = []
    args: list[Any] = [time.time(), uuid.uuid4().hex]
    backend = _backend()
    for action, key in counters:
        for rate in ratelimit.get_rates(app=app, action=action):
            cache_key = ratelimit.get_cache_key(request, app=app, action=action, rate=rate, key=key)
            keys.append(backend.make_and_validate_key(cache_key))
            args.extend([rate.duration, rate.amount])
    if not keys:
        return Usage()
    refused = client.eval(_CONSUME, len(keys), *keys, *args)
    if refused:
        return None
    return Usage(keys=keys, member=str(args[1]))


def clear(request: HttpRequest, *, app: str, counters: Iterable[tuple[str, str | None]]) -> None:
    """Forget the hits of these rates (one round trip; allauth's `clear` takes a lock each)."""
    keys = [
        ratelimit.get_cache_key(request, app=app, action=action, rate=rate, key=key)
        for action, key in counters
        for rate in ratelimit.get_rates(app=app, action=action)
    ]
    if keys:
        cache.delete_many(keys)


def _consume_with_allauth(
    request: HttpRequest, *, app: str, counters: list[tuple[str, str | None]]
) -> Usage | None:
    usage = Usage()
    for action, key in counters:
        counted = ratelimit.consume(request, app=app, action=action, key=key)
        if counted is None:
            usage.rollback()
            return None
        usage.fallback.append(counted)
    return usage
