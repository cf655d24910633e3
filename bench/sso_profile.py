"""Profile of the single sign-on endpoints, in-process: queries and time per request.

    .venv/bin/python bench/sso_profile.py [--database sqlite|postgres] [--cprofile] [--micro]
    .venv/bin/python bench/sso_profile.py [--database sqlite|postgres] --breakdown

Environment: SORT (pstats order, default tottime), TOP (lines, default 12), CALLERS (a pattern:
who called it), SHOW_SQL=1 (each request's statements with their times).

Same settings and data as bench/sso.py (bench.sso_settings, `bench/sso.py prepare`), a fresh
database, Django's test client (no HTTP server). For each request: the number of SQL queries
(CaptureQueriesContext), the median time of 20 calls, and where the time goes (--cprofile).
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import os
import pstats
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import POSTGRES_URL, ROOT
from bench.sso import CLIENT_ID, CLIENT_SECRET, PASSWORD, REDIRECT_URI, SCOPE, pkce


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--micro", action="store_true", help="time single ORM queries as well")
    parser.add_argument(
        "--breakdown", action="store_true", help="where a login's time goes, by library call"
    )
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="mk-sso-profile-"))
    name = f"meinekammer_sso_profile_{os.getpid()}"
    if args.database == "postgres":
        import psycopg

        with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = f"{POSTGRES_URL}/{name}"
    else:
        url = f"sqlite:///{workdir / 'p.sqlite3'}"
    key = workdir / "key.pem"
    os.environ.update(
        {
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "bench.sso_settings",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,testserver",
            "SECURE_SSL_REDIRECT": "false",
            "SITE_URL": "http://127.0.0.1:8000",
            "DATABASE_URL": url,
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
            "OIDC_REDIRECT_URI_SCHEMES": "https,http",
            "MEINEKAMMER_VAR_DIR": str(workdir),
        }
    )
    mk = str(ROOT / ".venv" / "bin" / "meinekammer")
    subprocess.run([mk, "create-signing-key", "--out", str(key)], check=True, capture_output=True)  # noqa: S603
    os.environ["OIDC_SIGNING_KEY_FILE"] = str(key)
    # The access tokens' ES256 key, as bench/sso.py and production have it (without it they
    # are signed with the 3072-bit ID-token key: ~3 ms more per refresh here).
    access_key = workdir / "access-key.pem"
    subprocess.run(  # noqa: S603
        [mk, "create-signing-key", "--access-tokens", "--out", str(access_key)],
        check=True,
        capture_output=True,
    )
    os.environ["OIDC_ACCESS_TOKEN_KEY_FILE"] = str(access_key)
    subprocess.run([mk, "migrate", "--verbosity", "0"], check=True)  # noqa: S603
    bench_sso = str(ROOT / "bench" / "sso.py")
    emails_file = workdir / "emails.txt"
    subprocess.run(  # noqa: S603
        [sys.executable, bench_sso, "prepare", str(emails_file)], check=True, capture_output=True
    )
    try:
        emails = emails_file.read_text().split()
        if args.breakdown:
            return login_breakdown(emails)
        return profile(emails, args.cprofile, args.micro)
    finally:
        from django.db import connections

        connections.close_all()
        if args.database == "postgres":
            import psycopg

            with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def login_breakdown(emails: list[str]) -> int:
    """Wall time of the parts of a login POST, by wrapping the library calls that make it up
    (no cProfile: its overhead would inflate the many small calls against argon2id)."""
    import functools
    from collections import defaultdict

    import django

    django.setup()
    from allauth.account.adapter import DefaultAccountAdapter
    from allauth.core.internal import ratelimit
    from django.contrib.auth.hashers import Argon2PasswordHasher
    from django.core.handlers.base import BaseHandler
    from django.test import Client

    spent: dict[str, float] = defaultdict(float)

    def timed(owner, name: str, label: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - started

        setattr(owner, name, wrapper)

    timed(BaseHandler, "get_response", "the whole request (middleware, view)")
    timed(Argon2PasswordHasher, "verify", "argon2id verification")
    timed(ratelimit, "consume", "allauth rate limits: consume (login, login_failed)")
    timed(ratelimit.RateLimitUsage, "rollback", "allauth rate limits: roll back login_failed")
    timed(DefaultAccountAdapter, "login", "adapter.login: session, signals, audit row")

    def login() -> None:
        response = Client().post("/accounts/login/", {"login": emails[1], "password": PASSWORD})
        assert response.status_code == 302

    for _ in range(5):
        login()
    spent.clear()
    rounds = 40
    for _ in range(rounds):
        login()
    for label, seconds in spent.items():
        print(f"{label:<55} {seconds / rounds * 1000:7.2f} ms")
    return 0


def profile(emails: list[str], with_cprofile: bool, with_micro: bool) -> int:
    import django

    django.setup()
    from django.contrib.auth.hashers import check_password
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from meinekammer.applications.models import OAuthClient

    basic = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    browser = Client(enforce_csrf_checks=False)
    assert (
        browser.post("/accounts/login/", {"login": emails[0], "password": PASSWORD}).status_code
        == 302
    )
    api = Client()
    tokens: list[dict] = []

    def authorize():
        verifier, challenge = pkce()
        response = browser.get(
            "/o/authorize/",
            {
                "response_type": "code",
                "client_id": CLIENT_ID,
                "redirect_uri": REDIRECT_URI,
                "scope": SCOPE,
                "state": "s",
                "nonce": "n",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        assert response.status_code == 302, response.status_code
        code = parse_qs(urlparse(response["Location"]).query)["code"][0]
        return code, verifier

    pending: list[tuple[str, str]] = []

    def token_code():
        code, verifier = pending.pop()
        response = api.post(
            "/o/token/",
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier,
            },
            HTTP_AUTHORIZATION=basic,
        )
        assert response.status_code == 200, response.content
        tokens.append(response.json())

    def refresh():
        token = tokens.pop()
        response = api.post(
            "/o/token/",
            {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
            HTTP_AUTHORIZATION=basic,
        )
        assert response.status_code == 200, response.content
        tokens.insert(0, response.json())

    def userinfo():
        response = api.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens[0]['access_token']}")
        assert response.status_code == 200, response.content

    def introspect():
        response = api.post(
            "/o/introspect/", {"token": tokens[0]["access_token"]}, HTTP_AUTHORIZATION=basic
        )
        assert response.status_code == 200 and response.json()["active"], response.content

    def discovery():  # no database work: what every request costs in Django and the middleware
        assert api.get("/.well-known/openid-configuration").status_code == 200

    def login():
        fresh = Client()
        assert (
            fresh.post("/accounts/login/", {"login": emails[1], "password": PASSWORD}).status_code
            == 302
        )

    def authorize_step():
        pending.append(authorize())

    client_secret_hash = OAuthClient.objects.get(client_id=CLIENT_ID).client_secret
    print(
        f"client secret stored as: {client_secret_hash.split('$')[0]} "
        f"({'$'.join(client_secret_hash.split('$')[1:3])})"
    )
    started = time.perf_counter()
    for _ in range(10):
        check_password(CLIENT_SECRET, client_secret_hash)
    print(f"check_password(client secret): {(time.perf_counter() - started) * 100:.1f} ms")

    steps = [
        ("login POST", login),
        ("authorize", authorize_step),
        ("token (code)", token_code),
        ("token (refresh)", refresh),
        ("userinfo", userinfo),
        ("introspect", introspect),
        ("discovery", discovery),
    ]
    for _ in range(3):  # warm-up (first request, key loading, caches)
        for _label, step in steps:
            if step is token_code and not pending:
                continue
            step()
    print(f"{'request':<16} {'queries':>7} {'median ms':>10}")
    profiles = {}
    for label, step in steps:
        with CaptureQueriesContext(connection) as queries:
            if step is token_code:
                pending.append(authorize())
                queries.initial_queries = len(connection.queries_log)
            step()
        count = len(queries.captured_queries)
        times = []
        for _ in range(20):
            if step is token_code:
                pending.append(authorize())
            started = time.perf_counter()
            step()
            times.append(time.perf_counter() - started)
        print(f"{label:<16} {count:>7} {statistics.median(times) * 1000:>10.1f}")
        if with_cprofile:
            profiler = cProfile.Profile()
            for _ in range(20):
                if step is token_code:
                    pending.append(authorize())
                profiler.enable()
                step()
                profiler.disable()
            profiles[label] = profiler
    if with_cprofile:
        for label, profiler in profiles.items():
            print(f"\n--- {label}: 20 calls")
            stats = pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "tottime"))
            stats.print_stats(int(os.environ.get("TOP", "12")))
            if os.environ.get("CALLERS"):
                stats.print_callers(os.environ["CALLERS"])
    if with_micro:  # where the time of one ORM query goes: building it, the database, the rest
        import hashlib

        from oauth2_provider.models import AccessToken

        checksum = hashlib.sha256(tokens[0]["access_token"].encode()).hexdigest()
        micro = {
            "client by id": lambda: (
                OAuthClient.objects.select_related("connected_application")
                .filter(client_id=CLIENT_ID)
                .first()
            ),
            "token by checksum": lambda: (
                AccessToken.objects.select_related("application", "user")
                .filter(token_checksum=checksum)
                .first()
            ),
            "raw select 1": lambda: connection.cursor().execute("SELECT 1"),
        }
        token_qs = AccessToken.objects.select_related("application", "user").filter(
            token_checksum=checksum
        )[:1]
        sql, params = token_qs.query.get_compiler("default").as_sql()
        micro["token: compile only"] = lambda: (
            AccessToken.objects.select_related("application", "user")
            .filter(token_checksum=checksum)[:1]
            .query.get_compiler("default")
            .as_sql()
        )

        def raw_token():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()

        micro["token: raw SQL"] = raw_token
        if connection.vendor == "postgresql":  # planning against execution of the hot queries
            from django.contrib.auth import get_user_model

            from meinekammer.sso.gate import client_roles

            user = get_user_model().objects.get(email=emails[0])
            client = OAuthClient.objects.get(client_id=CLIENT_ID)
            with CaptureQueriesContext(connection) as roles_query:
                client_roles(user, client)
            for label, statement in [
                ("roles", roles_query.captured_queries[0]["sql"]),
                ("token", sql % tuple(f"'{p}'" for p in params)),
            ]:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, SUMMARY) " + statement)
                    lines = [row[0] for row in cursor.fetchall()]
                print(label, "|", " | ".join(line for line in lines if "Time" in line))
        for label, call in micro.items():
            times = []
            for _ in range(200):
                started = time.perf_counter()
                call()
                times.append(time.perf_counter() - started)
            print(f"{label:<20} {statistics.median(times) * 1000:>8.2f} ms")
    if os.environ.get("SHOW_SQL"):
        for label, step in steps:
            with CaptureQueriesContext(connection) as queries:
                step()
            print(f"\n--- {label}")
            for query in queries.captured_queries:
                print("  ", query["time"], query["sql"][:140])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
