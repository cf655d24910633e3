#!/usr/bin/env python3
"""`make test`: every suite this machine can run, and a loud word about any it cannot.

Suites:
  sqlite    the unit and integration suite on SQLite (always)
  postgres  the same suite on PostgreSQL with Redis as cache, plus the concurrency tests
            (needs PostgreSQL at TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432,
            and Redis at TEST_REDIS_URL, default redis://127.0.0.1:6379/15)
  celery    the task queue's tests on Celery (TASKS_BACKEND=celery) with real worker processes
            (needs PostgreSQL and RabbitMQ at TEST_CELERY_BROKER_URL, default
            amqp://guest:guest@127.0.0.1:5672//)
  browser   the Playwright tests in e2e/ on Debian's chromium (needs /usr/bin/chromium)
  load      the load run's CI version (loadtest/test_load.py: 100 virtual users for 60 s
            against two app servers, two workers, nginx, PostgreSQL and Redis; bench/README.md,
            "The load run"); needs nginx, PostgreSQL and Redis

With CI=true a suite that cannot run is a failure, not a skip.
The sqlite and postgres suites run side by side (one process each, the machine's two cores);
the postgres suite's output is kept in var/test-results/postgres.log and printed when it ends.
TEST_SUITES_IN_PARALLEL=0 runs them one after the other. The browser suite runs last, without
another suite beside it (its stories wait for pages and would only get slower), in two pytest-xdist
workers (TEST_BROWSER_WORKERS, default 2; 1 for one process): each starts its own app, database and
chromium and takes whole files of e2e/ as it gets free (--dist loadfile). Much of a story's time
is waiting for the browser, the server or the clock, so two of them fill the two cores better
than one. The load suite runs after it, alone (it wants the whole machine).
Extra arguments are passed to pytest, e.g. `make test ARGS="-k lock"` via scripts/run-tests.py -k lock.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
RESULTS = ROOT / "var" / "test-results"


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2
        ):
            return True
    except OSError:
        return False


def banner(text: str) -> None:
    print(f"\n{'=' * 78}\n{text}\n{'=' * 78}", flush=True)


PARALLEL = os.environ.get("TEST_SUITES_IN_PARALLEL", "1").lower() not in {"0", "false", "no"}
BROWSER_WORKERS = max(1, int(os.environ.get("TEST_BROWSER_WORKERS", "2")))


class Suite:
    """One pytest run: in the foreground (output to the terminal) or in the background (output
    to var/test-results/<name>.log, printed by `wait`)."""

    def __init__(
        self,
        name: str,
        paths: list[str],
        env: dict[str, str],
        extra: list[str],
        *,
        background: bool,
    ) -> None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.junit = RESULTS / f"{name}.xml"
        self.junit.unlink(missing_ok=True)
        self.log = RESULTS / f"{name}.log" if background else None
        command = [PYTHON, "-m", "pytest", *paths, f"--junitxml={self.junit}", "-q", *extra]
        where = f" (in the background, output in {self.log.relative_to(ROOT)})" if self.log else ""
        banner(f"suite {name}{where}: {' '.join(command[2:])}")
        self.started = time.monotonic()
        output = self.log.open("w") if self.log else None
        self.process = subprocess.Popen(  # noqa: S603
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
        )

    def wait(self) -> tuple[int, dict]:
        code = self.process.wait()
        seconds = time.monotonic() - self.started
        if self.log:
            banner(f"suite {self.name}: its output")
            print(self.log.read_text(errors="replace"), flush=True)
        return result(self.name, code, self.junit, seconds)


def run_suite(
    name: str, paths: list[str], env: dict[str, str], extra: list[str]
) -> tuple[int, dict]:
    return Suite(name, paths, env, extra, background=False).wait()


def result(name: str, code: int, junit: Path, seconds: float) -> tuple[int, dict]:
    counts = {
        "tests": 0,
        "failures": 0,
        "errors": 0,
        "skipped": 0,
        "seconds": seconds,
    }
    if junit.exists():
        for suite in ET.parse(junit).getroot().iter("testsuite"):  # noqa: S314 - our own file
            for key in ("tests", "failures", "errors", "skipped"):
                counts[key] += int(suite.get(key, 0))
    if code == 5:  # pytest: no tests collected
        print(f"suite {name}: no tests were collected", flush=True)
        code = 1
    return code, counts


def main() -> int:
    extra = sys.argv[1:]
    results: dict[str, tuple[int, dict]] = {}
    skipped: list[str] = []

    postgres: Suite | None = None
    postgres_env: dict[str, str] = {}
    if reachable(POSTGRES_URL, 5432) and reachable(REDIS_URL, 6379):
        database_url = POSTGRES_URL.rstrip("/") + f"/meinekammer_{os.getpid()}"
        postgres_env = {"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL}
        if PARALLEL:
            postgres = Suite("postgres", ["tests"], postgres_env, extra, background=True)
    else:
        skipped.append(
            f"postgres: PostgreSQL ({POSTGRES_URL}) or Redis ({REDIS_URL}) is not reachable; "
            "the PostgreSQL suite and the concurrency tests did not run"
        )

    results["sqlite"] = run_suite("sqlite", ["tests"], {"DATABASE_URL": ""}, extra)
    if postgres is not None:
        results["postgres"] = postgres.wait()
    elif postgres_env:
        results["postgres"] = run_suite("postgres", ["tests"], postgres_env, extra)

    if postgres_env and reachable(BROKER_URL, 5672):
        celery_env = {
            **postgres_env,
            "DATABASE_URL": POSTGRES_URL.rstrip("/") + f"/meinekammer_celery_{os.getpid()}",
            "TASKS_BACKEND": "celery",
            "CELERY_BROKER_URL": BROKER_URL,
        }
        results["celery"] = run_suite("celery", ["tests"], celery_env, extra)
    else:
        skipped.append(
            f"celery: PostgreSQL ({POSTGRES_URL}) or RabbitMQ ({BROKER_URL}) is not reachable; "
            "the task queue's tests on Celery did not run"
        )

    if Path(CHROMIUM).exists() or shutil.which("chromium"):
        workers = ["-n", str(BROWSER_WORKERS), "--dist", "loadfile"] if BROWSER_WORKERS > 1 else []
        results["browser"] = run_suite("browser", ["e2e"], {"DATABASE_URL": ""}, [*workers, *extra])
    else:
        skipped.append(
            f"browser: {CHROMIUM} is missing (apt-get install chromium); the browser tests did not run"
        )

    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if postgres_env and nginx:
        load_env = {"DATABASE_URL": "", "BENCH_POSTGRES_URL": POSTGRES_URL}
        results["load"] = run_suite("load", ["loadtest/test_load.py"], load_env, extra)
    else:
        skipped.append(
            f"load: nginx (apt-get install nginx-light), PostgreSQL ({POSTGRES_URL}) or Redis "
            f"({REDIS_URL}) is missing; the load run did not run"
        )

    banner("make test: summary")
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for name, (code, counts) in results.items():
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        print(
            f"  {name:<9} {status:<18} {counts['tests']} tests, {counts['failures'] + counts['errors']} failed, "
            f"{counts['skipped']} skipped, {counts['seconds']:.0f} s"
        )
        for key in total:
            total[key] += counts[key]
    for reason in skipped:
        print(f"\n  !!! SKIPPED SUITE — {reason}")
    failed = total["failures"] + total["errors"]
    passed = total["tests"] - failed - total["skipped"]
    print(f"\ntests: {passed} passed, {failed} failed, {total['skipped']} skipped", flush=True)
    if any(code != 0 for code, _ in results.values()):
        return 1
    if skipped and CI:
        print("CI=true: a suite that cannot run is a failure.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
