"""The Redis cache backend that keeps one client per pool (meinekammer.ops.cache).

Runs in the PostgreSQL suite, which has Redis as its cache, as production does.
"""

import threading

import pytest
from django.core.cache import cache, caches

from meinekammer.ops.cache import RedisCache

pytestmark = pytest.mark.postgres_only


def test_the_suite_runs_on_the_projects_redis_backend():
    assert isinstance(caches["default"], RedisCache)


def test_one_client_serves_every_call_and_the_cache_works():
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client("any-key") is cache._cache.get_client()

    cache.set("mk-cache-test", {"a": 1}, 30)
    assert cache.get("mk-cache-test") == {"a": 1}
    assert cache.add("mk-cache-test", "other") is False
    cache.delete("mk-cache-test")
    assert cache.get("mk-cache-test") is None


def test_threads_share_the_client_safely():
    backend = RedisCache(cache._cache._servers, {"OPTIONS": {}})
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for n in range(200):
                key = f"mk-cache-thread-{index}-{n}"
                backend.set(key, n, 30)
                assert backend.get(key) == n
                backend.delete(key)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(backend._cache._clients) == 1
