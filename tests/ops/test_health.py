"""Liveness and readiness (web/ops.py, ops/health.py) against the real database and cache."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

LIVE, READY = "/healthz/live", "/healthz/ready"
OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}


def test_liveness_is_json_and_touches_nothing(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(LIVE, **OUTSIDE)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


def test_readiness_healthy_with_details_for_loopback(client):
    response = client.get(READY)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "migrations": "ok", "signing_key": "ok"},
    }


def test_readiness_tells_the_public_the_status_only(client):
    response = client.get(READY, **OUTSIDE)
    assert response.json() == {"status": "ok"}
    # Relayed by a proxy on loopback: public too.
    assert client.get(READY, HTTP_X_FORWARDED_FOR="203.0.113.7").json() == {"status": "ok"}


def test_endpoints_are_not_redirected_for_a_logged_in_user_who_must_set_up_a_factor(
    client, user, settings
):
    settings.SECURE_SSL_REDIRECT = True
    client.force_login(user)
    for path in (LIVE, READY):
        response = client.get(path, HTTP_HOST="not-an-allowed-host.example")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"


def test_an_unapplied_migration_makes_it_unready(client):
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = 'notifications' AND name = "
            "(SELECT MAX(name) FROM django_migrations WHERE app = 'notifications')"
        )
    response = client.get(READY)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["migrations"].startswith("1 unapplied: notifications.")
    assert client.get(READY, **OUTSIDE).json() == {"status": "unavailable"}


def test_cache_down_makes_it_unready(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "meinekammer.ops.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = client.get(READY)
    assert response.status_code == 503
    assert response.json()["checks"]["cache"].startswith("ConnectionError")
    assert response.json()["checks"]["database"] == "ok"


def test_a_signing_key_that_does_not_load_makes_it_unready(client, settings):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----",
    }
    response = client.get(READY)
    assert response.status_code == 503
    assert response.json()["checks"]["signing_key"].startswith("OIDC signing key does not load")


def test_only_get_and_head(client):
    assert client.post(LIVE).status_code != 200


@pytest.mark.django_db(transaction=False)
def test_database_down_live_but_not_ready():
    """A real process whose PostgreSQL is a closed port."""
    script = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "c = Client()\n"
        "live, ready = c.get('/healthz/live'), c.get('/healthz/ready')\n"
        "public = c.get('/healthz/ready', REMOTE_ADDR='203.0.113.7')\n"
        "print(json.dumps([live.status_code, ready.status_code, ready.json(), public.json()]))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "meinekammer.settings.test",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/none",
        "LOG_LEVEL": "CRITICAL",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
    )
    live, ready, details, public = json.loads(result.stdout.strip().splitlines()[-1])
    assert (live, ready) == (200, 503)
    assert details["checks"]["database"].startswith("OperationalError")
    assert details["checks"]["migrations"] == "not checked: no database"
    assert details["checks"]["cache"] == "ok"
    assert public == {"status": "unavailable"}
