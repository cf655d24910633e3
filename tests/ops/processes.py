"""Real processes for the fault tests (tests/ops/test_faults.py): task workers (`meinekammer
db_worker`) on the test's PostgreSQL database, an SMTP server that counts what it receives, a
private Redis, an app server (gunicorn), a private PostgreSQL cluster. Each is stopped by its
fixture, killed if it does not stop."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float = 30, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def database_url(settings_dict=None) -> str:
    database = settings_dict or connection.settings_dict
    return (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


class Counting:
    """An aiosmtpd handler that keeps every message and can hold the first one for `hold`
    seconds and then refuse it (its sender is gone by then, killed mid-conversation)."""

    def __init__(self, hold: float = 0) -> None:
        self.hold = hold
        self.messages: list = []
        self.started = 0

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        self.started += 1
        if self.started == 1 and self.hold:
            await asyncio.sleep(self.hold)
            return "451 Requested action aborted"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def figures(self, expected_message_ids: list[str]) -> tuple[int, int]:
        """(lost, doubled) of the mails with these Message-IDs."""
        received = Counter(str(message["Message-ID"]) for message in self.messages)
        lost = sum(1 for message_id in expected_message_ids if not received[message_id])
        doubled = sum(count - 1 for count in received.values() if count > 1)
        return lost, doubled


class Process:
    """A subprocess in a session of its own (killpg reaches its children), output in a file."""

    def __init__(self, command: list[str], log: Path, env: dict[str, str]) -> None:
        self.log = log
        self.process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{self.log.name}: no {text!r} in its output:\n{self.output()}")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def project_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "meinekammer.settings.test",
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "INFO",
    }
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def db_worker(
    log: Path, *, smtp_port: int, clock_offset: float = 0, clock_speed: float = 1, **extra: str
) -> Process:
    """`meinekammer db_worker` on the test database, delivering to the SMTP server on
    `smtp_port`, its clock `clock_offset` seconds ahead and running `clock_speed` times fast."""
    env = project_env(
        DATABASE_URL=database_url(),
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        EMAIL_TIMEOUT="5",
        FAULTS_CLOCK_OFFSET=str(clock_offset),
        FAULTS_CLOCK_SPEED=str(clock_speed),
        **extra,
    )
    worker = Process(
        [
            sys.executable,
            "-m",
            "tests.ops.clocked_command",
            "db_worker",
            "--interval=0.1",
            "--no-startup-delay",
            "--no-reload",
        ],
        log,
        env,
    )
    worker.wait_for("Starting worker")
    return worker


def which(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed")
    return path


def redis_server(log: Path, port: int) -> Process:
    """A private redis-server on `port`, nothing written to disk."""
    server = Process(
        [
            which("redis-server"),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        log,
        dict(os.environ),
    )
    server.wait_for("Ready to accept connections")
    return server


def app_server(log: Path, port: int, **extra: str) -> Process:
    """gunicorn (as in deploy/) with the test settings, sessions in the cache as in production
    (tests/ops/faults_settings.py); `extra` sets DATABASE_URL, REDIS_URL and the like."""
    env = project_env(DJANGO_SETTINGS_MODULE="tests.ops.faults_settings", **extra)
    server = Process(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "meinekammer.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
        ],
        log,
        env,
    )
    server.wait_for("Booting worker")
    import requests

    def live() -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{port}/healthz/live", timeout=2).ok
        except requests.RequestException:
            return False

    wait_until(live, timeout=60, what="the app server")
    return server


class PostgresCluster:
    """A private PostgreSQL cluster (initdb + pg_ctl) on a free port in a temporary directory,
    never the shared server: it can be restarted under load. PostgreSQL refuses to run as root;
    as root the cluster belongs to the user `postgres` (runuser)."""

    def __init__(self) -> None:
        import glob
        import tempfile

        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not versions:
            pytest.fail("no /usr/lib/postgresql/*/bin/initdb")
        self.bin = Path(versions[-1]).parent
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="mk-faults-pg-"))
        self.data = self.dir / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.run(["initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"])
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.dir}'\nfsync = off\n"
                "synchronous_commit = off\nfull_page_writes = off\nmax_connections = 50\n"
            )
        self.start()

    def run(self, command: list[str]) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / command[0]), *command[1:]],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=self.dir,
        )

    def pg_ctl(self, *args: str) -> None:
        self.run(["pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", *args])

    def start(self) -> None:
        self.pg_ctl("start")

    def restart(self) -> None:
        """Fast shutdown (every connection ends, open transactions roll back), then start."""
        self.pg_ctl("restart", "-m", "fast")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
