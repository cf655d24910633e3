"""Readiness: can this process serve? The database, the cache, the migrations, the keys.

Each check returns "" when it passes, else a short reason (an exception's class and first
line). web/ops.py shows the reasons only to callers allowed to see the metrics.
"""

import secrets
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from jwcrypto import jwk


def _reason(exc: BaseException) -> str:
    first_line = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return _reason(exc)
    return ""


def check_cache() -> str:
    key = f"readiness:{secrets.token_hex(8)}"
    try:
        cache.set(key, "1", timeout=5)
        found = cache.get(key)
        cache.delete(key)
    except Exception as exc:
        return _reason(exc)
    return "" if found == "1" else "the cache did not return the value just stored"


@lru_cache(maxsize=1)
def _migrations_on_disk() -> frozenset[tuple[str, str]]:
    """The migrations this code ships (read once per process: loading the graph takes time)."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def check_migrations() -> str:
    try:
        applied = set(MigrationRecorder(connection).applied_migrations())
    except Exception as exc:
        return _reason(exc)
    missing = sorted(_migrations_on_disk() - applied)
    if missing:
        names = ", ".join(f"{app}.{name}" for app, name in missing[:5])
        return f"{len(missing)} unapplied: {names}"
    return ""


@lru_cache(maxsize=8)
def _loadable(pem: str) -> bool:
    jwk.JWK.from_pem(pem.encode())
    return True


def check_signing_keys() -> str:
    """The key that signs ID tokens (and the access-token key, if one is set) loads."""
    keys = {"OIDC signing key": settings.OAUTH2_PROVIDER.get("OIDC_RSA_PRIVATE_KEY", "")}
    if getattr(settings, "OIDC_ACCESS_TOKEN_KEY", ""):
        keys["access-token key"] = settings.OIDC_ACCESS_TOKEN_KEY
    for name, pem in keys.items():
        if not pem:
            return f"no {name}"
        try:
            _loadable(pem)
        except Exception as exc:
            return f"{name} does not load: {type(exc).__name__}"
    return ""


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "migrations": check_migrations,
    "signing_key": check_signing_keys,
}


def readiness() -> dict[str, str]:
    """Every check's outcome: "ok" or its reason."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "migrations" and results["database"] != "ok":
            results[name] = "not checked: no database"
            continue
        results[name] = check() or "ok"
    return results
