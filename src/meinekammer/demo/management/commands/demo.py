import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

import meinekammer
from meinekammer.demo.seed import (
    DEMO_PASSWORD,
    SERVICEPORTAL_CLIENT_ID,
    SERVICEPORTAL_CLIENT_SECRET,
    seed_demo_data,
)

# The sample connected application, in the source checkout (not part of the installed package).
SAMPLE_APP = (
    Path(meinekammer.__file__).resolve().parents[2] / "examples" / "serviceportal" / "app.py"
)


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
        parser.add_argument("--port", type=int, default=8000)
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
        # The sample application: next to the portal, or where SERVICEPORTAL_URL says.
        sample_url = os.environ.get("SERVICEPORTAL_URL") or f"http://{host}:{port + 1}"
        sample_url = sample_url.rstrip("/")
        logins = seed_demo_data(serviceportal_url=sample_url)
        base = f"http://{host}:{port}"
        self._print_banner(base, sample_url, logins)
        if setup_only:
            return
        self._run_processes(host, port, sample_url)

    def _print_banner(self, base: str, sample_url: str, logins: list[tuple[str, str]]) -> None:
        out = self.stdout.write
        out("")
        out(self.style.SUCCESS("meinekammer demo"))
        out(f"  Portal:               {base}/")
        out(f"  Development mailbox:  {base}/dev/mailbox/")
        out(f"  Operator (admin):     {base}/{settings.ADMIN_URL}")
        if SAMPLE_APP.exists():
            out(f"  Sample application:   {sample_url}/  (Serviceportal Bildung, OpenID Connect)")
        out("")
        out(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, role in logins:
            out(f"    {email:<50} {role}")
        out("")
        out("  All demo data is fictitious. Stop with Ctrl-C.")
        out("")

    def _run_processes(self, host: str, port: int, sample_url: str) -> None:
        python = sys.executable
        gunicorn = shutil.which("gunicorn", path=str(Path(python).parent)) or "gunicorn"
        commands = [
            [
                gunicorn,
                "meinekammer.wsgi",
                "--bind",
                f"{host}:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--log-level",
                "warning",
                # No shared control socket in ~/.gunicorn: several demos may run side by side.
                "--no-control-socket",
            ],
            [python, "-m", "meinekammer", "db_worker", "--no-reload", "--interval", "1"],
            [python, "-m", "meinekammer", "run-schedules", "--loop"],
        ]
        processes = [subprocess.Popen(command) for command in commands]  # noqa: S603
        if SAMPLE_APP.exists():
            sample_env = {
                **os.environ,
                "MEINEKAMMER_ISSUER": settings.SITE_URL,
                "SERVICEPORTAL_CLIENT_ID": SERVICEPORTAL_CLIENT_ID,
                "SERVICEPORTAL_CLIENT_SECRET": SERVICEPORTAL_CLIENT_SECRET,
                "SERVICEPORTAL_URL": sample_url,
            }
            processes.append(
                subprocess.Popen([python, str(SAMPLE_APP)], env=sample_env)  # noqa: S603
            )
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
