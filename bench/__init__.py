"""Benchmarks of the company directory (bench/README.md): shared set-up.

Each benchmark runs against a database of its own, created fresh and removed afterwards: a
SQLite file under var/bench/ or a PostgreSQL database on the server the tests use. The CSV with
the fictitious directory is generated once and kept under var/bench/.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
CHAMBER = "101"
SEED = 2026


def directory_csv(rows: int, seed: int = SEED) -> Path:
    """The CSV of `rows` generated entries of chamber 101, written once and then reused."""
    path = VAR / f"directory-{CHAMBER}-{rows}-{seed}.csv"
    if path.exists():
        return path
    from meinekammer.chambers.demo_directory import generate_directory_rows, write_directory_csv

    VAR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8", newline="") as target:
        write_directory_csv(generate_directory_rows(CHAMBER, rows, seed), target)
    partial.rename(path)
    print(f"generated {path.relative_to(ROOT)} in {time.perf_counter() - started:.1f} s")
    return path


@contextlib.contextmanager
def fresh_database(kind: str, *, keep: bool = False, redis_url: str | None = None) -> Iterator[str]:
    """Point Django at a new, migrated database of `kind` ("sqlite" or "postgres"), set it up
    and remove it afterwards. Django must not have been set up before in this process. The
    cache is the database's unless `redis_url` is given."""
    import psycopg

    name = f"meinekammer_bench_{os.getpid()}"
    if kind == "sqlite":
        VAR.mkdir(parents=True, exist_ok=True)
        path = VAR / f"{name}.sqlite3"
        url = f"sqlite:///{path}"
    elif kind == "postgres":
        with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = f"{POSTGRES_URL}/{name}"
    else:
        raise ValueError(kind)
    os.environ["DJANGO_SETTINGS_MODULE"] = "meinekammer.settings.test"
    os.environ["DATABASE_URL"] = url
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    try:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        yield url
    finally:
        from django.db import connections

        connections.close_all()
        if keep:
            print(f"kept the database: DATABASE_URL={url}")
        elif kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        else:
            with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def chamber_101():
    from meinekammer.chambers.models import Chamber

    chamber, _created = Chamber.objects.get_or_create(
        number=CHAMBER,
        defaults={
            "name": "IHK Musterstadt",
            "street": "Kammerplatz 1",
            "postal_code": "12345",
            "city": "Musterstadt",
        },
    )
    return chamber


def machine() -> list[str]:
    """What the figures were measured on."""
    lines = [f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"]
    lines.append(f"cores (nproc): {os.cpu_count()}")
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        model = subprocess.run(
            ["/usr/bin/lscpu"], capture_output=True, text=True, check=True
        ).stdout
        lines += [" ".join(line.split()) for line in model.splitlines() if "Model name" in line]
    with contextlib.suppress(OSError):
        meminfo = dict(
            line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines()
        )
        lines.append(
            f"memory: {meminfo['MemTotal'].strip()} total, {meminfo['MemAvailable'].strip()} available"
        )
    lines.append(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    with contextlib.suppress(Exception):
        import psycopg

        with psycopg.connect(f"{POSTGRES_URL}/postgres") as admin:
            row = admin.execute("SHOW server_version").fetchone()
            lines.append(f"PostgreSQL {row[0] if row else '?'}")
    return lines


def run_each_database(script: str, argv: list[str]) -> int:
    """`--database both`: one process per database, one after the other (Django is set up
    once per process, and two benchmarks at once would measure each other)."""
    code = 0
    for kind in ("sqlite", "postgres"):
        code |= subprocess.call([sys.executable, script, *argv, "--database", kind])  # noqa: S603
    return code


def percentile(sorted_values: list[float], share: float) -> float:
    """The nearest-rank percentile of already sorted values."""
    index = max(0, min(len(sorted_values) - 1, round(share * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]
