import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

import meinekammer
from meinekammer.demo.seed import (
    API_CLIENT_ID,
    API_CLIENT_SECRET,
    DEMO_PASSWORD,
    SERVICEPORTAL_CLIENT_ID,
    SERVICEPORTAL_CLIENT_SECRET,
    SERVICEPORTAL_EVENTS_SECRET,
    seed_demo_data,
)

# The sample connected application, in the source checkout (not part of the installed package).
SAMPLE_APP = (
    Path(meinekammer.__file__).resolve().parents[2] / "examples" / "serviceportal" / "app.py"
)
# gunicorn's access log without query strings and referrers: they carry OpenID Connect
# parameters (state, nonce, id_token_hint) that have no place in a log.
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'


class Process(NamedTuple):
    name: str
    argv: list[str]
    env: dict[str, str]


# WebAuthn (passkeys, security keys) takes the site's host name as its relying party, and an
# IP address is never one: the demo binds to the loopback address but is reached as localhost.
LOOPBACK_NAMES = {"127.0.0.1": "localhost", "::1": "localhost"}


def netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def public_netloc(host: str, port: int) -> str:
    return netloc(LOOPBACK_NAMES.get(host, host), port)


def demo_addresses(
    host: str, port: int, environ: Mapping[str, str] = os.environ
) -> tuple[str, str]:
    """The portal's address (its SITE_URL: the OpenID Connect issuer and the base of the links in
    mails) and the sample application's (the port after the portal's), for the demo on
    `host:port`. SITE_URL and SERVICEPORTAL_URL set in the environment win (e.g. behind a proxy).
    """
    site_url = environ.get("SITE_URL") or f"http://{public_netloc(host, port)}"
    sample_url = environ.get("SERVICEPORTAL_URL") or f"http://{public_netloc(host, port + 1)}"
    return site_url.rstrip("/"), sample_url.rstrip("/")


def demo_processes(
    *,
    host: str,
    port: int,
    site_url: str,
    sample_url: str,
    environ: Mapping[str, str] = os.environ,
) -> list[Process]:
    """The web server, the task worker, the scheduler and the sample application, each with the
    environment it needs: the settings of every portal process derive SITE_URL and the issuer
    from SITE_URL, the sample application takes the issuer and its own address."""
    python = sys.executable
    gunicorn = shutil.which("gunicorn", path=str(Path(python).parent)) or "gunicorn"
    env = {**environ, "SITE_URL": site_url}
    processes = [
        Process(
            "web",
            [
                gunicorn,
                "meinekammer.wsgi",
                "--bind",
                netloc(host, port),
                "--workers",
                "2",
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--access-logformat",
                ACCESS_LOG_FORMAT,
                "--log-level",
                "warning",
                # No shared control socket in ~/.gunicorn: several demos may run side by side.
                "--no-control-socket",
            ],
            env,
        ),
        Process(
            "worker",
            [python, "-m", "meinekammer", "db_worker", "--no-reload", "--interval", "1"],
            env,
        ),
        Process("scheduler", [python, "-m", "meinekammer", "run-schedules", "--loop"], env),
    ]
    if SAMPLE_APP.exists():
        sample_env = {
            **env,
            "MEINEKAMMER_ISSUER": site_url,
            "SERVICEPORTAL_CLIENT_ID": SERVICEPORTAL_CLIENT_ID,
            "SERVICEPORTAL_CLIENT_SECRET": SERVICEPORTAL_CLIENT_SECRET,
            "SERVICEPORTAL_EVENTS_SECRET": SERVICEPORTAL_EVENTS_SECRET,
            "SERVICEPORTAL_URL": sample_url,
        }
        processes.append(Process("sample", [python, str(SAMPLE_APP)], sample_env))
    return processes


class Command(BaseCommand):
    help = (
        "Set up the demo (SQLite under var/, fictitious data) and run the web server, the task "
        "worker and the scheduler until Ctrl-C. Running it again keeps the data."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="Start afresh: delete the demo database first."
        )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--port",
            type=int,
            default=8000,
            help="The portal's port (default 8000); the sample application runs on the next one.",
        )
        parser.add_argument(
            "--setup-only",
            action="store_true",
            help="Prepare the database and data, start nothing.",
        )

    def handle(self, *args, reset: bool, host: str, port: int, setup_only: bool, **options) -> None:
        database = settings.DATABASES["default"]
        if database["ENGINE"] != "django.db.backends.sqlite3":
            raise CommandError("The demo runs on SQLite only; unset DATABASE_URL.")
        db_path = Path(database["NAME"])
        db_path.parent.mkdir(parents=True, exist_ok=True)
        if reset:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db_path}{suffix}").unlink(missing_ok=True)
            self.stdout.write("Demo database deleted; starting afresh.")

        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        site_url, sample_url = demo_addresses(host, port)
        logins = seed_demo_data(serviceportal_url=sample_url)
        self._print_banner(site_url, sample_url, logins)
        if setup_only:
            return
        self._run_processes(
            demo_processes(host=host, port=port, site_url=site_url, sample_url=sample_url)
        )

    def _print_banner(self, base: str, sample_url: str, logins: list[tuple[str, str]]) -> None:
        out = self.stdout.write
        out("")
        out(self.style.SUCCESS("meinekammer demo"))
        out(f"  Portal:               {base}/")
        out(f"  Development mailbox:  {base}/dev/mailbox/")
        out(f"  Operator (admin):     {base}/{settings.ADMIN_URL}")
        if SAMPLE_APP.exists():
            out(f"  Sample application:   {sample_url}/  (Serviceportal Bildung, OpenID Connect)")
        out(f"  REST API reference:   {base}/api/v1/docs")
        out(
            f"  API token (IHK):      curl -u {API_CLIENT_ID}:{API_CLIENT_SECRET} "
            f"-d grant_type=client_credentials {base}/api/v1/token"
        )
        out("")
        out(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, role in logins:
            out(f"    {email:<50} {role}")
        out("")
        out("  All demo data is fictitious. Stop with Ctrl-C.")
        out("")

    def _run_processes(self, commands: list[Process]) -> None:
        processes = [
            subprocess.Popen(command.argv, env=command.env)  # noqa: S603
            for command in commands
        ]
        stopping = False

        def stop(*_args) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                if any(p.poll() is not None for p in processes):
                    self.stderr.write("A demo process ended unexpectedly; stopping the demo.")
                    break
                time.sleep(0.5)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stdout.write(
            f"Demo stopped. The data is kept in {settings.VAR_DIR}; the next start continues with it."
        )
