"""Rate limits counted in one Redis round trip (meinekammer.web.ratelimit), on the project's Redis
cache as production runs it: the same windows and keys as allauth's, all rates or none, and no
way past a limit with concurrent attempts.

Runs in the PostgreSQL suite (Redis as cache); the SQLite suite's local-memory cache takes
allauth's own path, which tests/accounts/test_login_throttling.py covers in both suites.
"""

import threading

import pytest
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.core.cache import caches
from django.test import RequestFactory

from meinekammer.web import ratelimit

pytestmark = pytest.mark.postgres_only

APP = "allauth.account"


@pytest.fixture
def rates(settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_source": "3/5m/key,5/h/key",
        "login_failed_ip": "100/m/ip",
    }
    from allauth.account import app_settings

    # allauth reads its settings at each call; nothing to reload.
    return app_settings


def post(ip="192.0.2.10"):
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR=ip)


def redis():
    backend = caches["default"]
    return backend, backend._cache.get_client(write=True)


def test_the_fast_path_is_used_and_keys_are_allauths(rates):
    counters = [("login_failed_source", "anna@firma.example")]
    assert ratelimit.consume(post(), app=APP, counters=counters) is not None
    backend, client = redis()
    rate = allauth_ratelimit.get_rates(app=APP, action="login_failed_source")[0]
    key = allauth_ratelimit.get_cache_key(
        post(), app=APP, action="login_failed_source", rate=rate, key="anna@firma.example"
    )
    assert client.type(backend.make_and_validate_key(key)) == b"zset"
    assert client.zcard(backend.make_and_validate_key(key)) == 1
    # allauth's clear (the chamber's and the operator's unblocking) finds the same keys.
    allauth_ratelimit.clear(post(), app=APP, action="login_failed_source", key="anna@firma.example")
    assert client.exists(backend.make_and_validate_key(key)) == 0


def test_all_rates_or_none_and_rollback(rates):
    counters = [("login_failed_source", "tom@firma.example"), ("login_failed_ip", None)]
    used = [ratelimit.consume(post(), app=APP, counters=counters) for _ in range(3)]
    assert all(u is not None for u in used)
    assert ratelimit.consume(post(), app=APP, counters=counters) is None  # 3 in 5 minutes
    # The refused attempt was counted in no rate: the per-IP rate holds three hits.
    backend, client = redis()
    ip_rate = allauth_ratelimit.get_rates(app=APP, action="login_failed_ip")[0]
    ip_key = allauth_ratelimit.get_cache_key(
        post(), app=APP, action="login_failed_ip", rate=ip_rate
    )
    assert client.zcard(backend.make_and_validate_key(ip_key)) == 3
    used[0].rollback()
    assert ratelimit.consume(post(), app=APP, counters=counters) is not None
    # Another key (web/accounts/throttling.py keys on account and source) is not affected.
    other = [("login_failed_source", "tom@firma.example|198.51.100.7")]
    assert ratelimit.consume(post("198.51.100.7"), app=APP, counters=other) is not None


def test_an_old_allauth_history_under_the_key_is_replaced(rates):
    backend, _client = redis()
    rate = allauth_ratelimit.get_rates(app=APP, action="login_failed_source")[0]
    key = allauth_ratelimit.get_cache_key(
        post(), app=APP, action="login_failed_source", rate=rate, key="alt@firma.example"
    )
    backend.set(key, [1.0, 2.0], 60)  # allauth's format before the upgrade
    counters = [("login_failed_source", "alt@firma.example")]
    assert ratelimit.consume(post(), app=APP, counters=counters) is not None


def test_concurrent_attempts_cannot_pass_the_limit(rates):
    counters = [("login_failed_source", "race@firma.example")]
    results: list[object] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def attempt() -> None:
        barrier.wait()
        usage = ratelimit.consume(post(), app=APP, counters=counters)
        with lock:
            results.append(usage)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for r in results if r is not None) == 3


def test_get_requests_are_not_counted(rates):
    request = RequestFactory().get("/accounts/login/")
    counters = [("login_failed_source", "get@firma.example")]
    for _ in range(5):
        assert ratelimit.consume(request, app=APP, counters=counters) is not None
