"""Faults with real processes (issue 15, item 5): a task worker killed in the middle of a mail
delivery, SMTP down for ten minutes, Redis down, PostgreSQL restarted under load. Each test
prints its figures: requests tried / failed cleanly / 5xx, mails lost / doubled (the last two
are 0). Run by `make test` in the PostgreSQL suite (real worker processes need a database they
can share with the test); deselected on SQLite. Helpers: tests/ops/processes.py.
"""

import itertools
import time

import pytest
from django.db import transaction

from meinekammer.notifications.models import EmailStatus, OutboundEmail
from meinekammer.notifications.services import queue_email
from meinekammer.ops.scheduling import enqueue_due_jobs
from tests.notifications.conftest import SmtpServer

from .processes import Counting, Process, db_worker, wait_until

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.collector = Counting()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def workers(tmp_path, smtp):
    """start(**options) → a `meinekammer db_worker` process; all are stopped at the end."""
    started: list[Process] = []

    def start(**options) -> Process:
        worker = db_worker(tmp_path / f"worker-{len(started)}.log", smtp_port=smtp.port, **options)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def mail(subject: str, to: str = "anna@beispiel.example") -> OutboundEmail:
    with transaction.atomic():
        email = queue_email(
            to=to, subject=subject, body_text="Hallo", language="de", template="test"
        )
    assert email is not None
    return email


def status(email: OutboundEmail) -> str:
    email.refresh_from_db()
    return email.status


def report(name: str, **figures) -> None:
    print(
        f"\n[faults] {name}: "
        + ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in figures.items())
    )


def test_a_worker_killed_during_a_delivery_leaves_the_mail_to_another_which_sends_it_once(
    workers, smtp
):
    """django-tasks-db claims a task by setting its row RUNNING (committed) and never looks at
    RUNNING rows again: the killed worker's task stays RUNNING for good. The mail's own
    transaction (attempts + 1, SENT) dies with the worker's connection, so the outbox still has
    it PENDING, due since it was queued, and the scheduled job requeue-due-emails (every five
    minutes, for mails due more than five minutes ago) enqueues it again: a second worker,
    whose clock is six minutes on, delivers it once."""
    from django_tasks_db.models import DBTaskResult

    smtp.collector.hold = 30  # the first attempt hangs in the SMTP conversation
    first = workers()
    email = mail("Trotz Absturz")
    wait_until(lambda: smtp.collector.started == 1, what="the first SMTP conversation")

    first.kill()  # SIGKILL: no clean-up, its database connection drops
    smtp.collector.hold = 0
    task = DBTaskResult.objects.get(task_path__endswith="deliver_email")
    assert task.status == "RUNNING"  # left behind by the dead worker, for good

    workers(clock_offset=6 * 60)  # six minutes later
    time.sleep(1)  # ten of its polls
    assert status(email) == EmailStatus.PENDING  # the second worker does not retry the task
    assert smtp.collector.started == 1

    enqueued = enqueue_due_jobs()  # `meinekammer run-schedules`, as from cron
    assert "requeue-due-emails" in enqueued
    wait_until(lambda: status(email) == EmailStatus.SENT, what="the mail to be sent")
    wait_until(lambda: not DBTaskResult.objects.filter(status="READY").exists(), what="the jobs")

    email.refresh_from_db()
    lost, doubled = smtp.collector.figures([email.message_id])
    report(
        "worker killed (SIGKILL) during a delivery",
        mails_queued=1,
        sent=len(smtp.collector.messages),
        lost=lost,
        doubled=doubled,
        path="requeue-due-emails",
        task_rows_left_running=DBTaskResult.objects.filter(status="RUNNING").count(),
    )
    assert (lost, doubled) == (0, 0)
    assert email.attempts == 1  # the killed attempt's transaction was rolled back
    assert DBTaskResult.objects.filter(
        task_path__endswith="requeue_due_emails", status="SUCCESSFUL", return_value=1
    ).exists()


SPEED = 120  # simulated seconds per real second: ten minutes in five seconds


def test_smtp_down_for_ten_minutes_the_mails_wait_and_go_out_once_when_it_is_back(workers, smtp):
    """The worker's clock runs 120 times fast (tests/ops/clocked_command.py), with the
    production retry settings (EMAIL_RETRY_BASE_SECONDS 30, EMAIL_MAX_ATTEMPTS 8: retries after
    30 s, 1, 2, 4, 8 min ...): ten minutes of outage take five real seconds."""
    smtp.stop()
    worker = workers(clock_speed=SPEED, EMAIL_RETRY_BASE_SECONDS="30", EMAIL_MAX_ATTEMPTS="8")
    outage_started = time.monotonic()
    emails = [mail(f"Während der Störung {n}", to=f"person{n}@beispiel.example") for n in range(6)]

    time.sleep(10 * 60 / SPEED - (time.monotonic() - outage_started))
    pending = OutboundEmail.objects.filter(pk__in=[e.pk for e in emails])
    during = sorted(pending.values_list("attempts", flat=True))
    assert set(pending.values_list("status", flat=True)) == {EmailStatus.PENDING}
    assert min(during) >= 4  # tried after 0 s, 30 s, 90 s, 210 s (and 450 s) of outage
    smtp.start()  # back after ten minutes

    wait_until(
        lambda: not pending.exclude(status=EmailStatus.SENT).exists(),
        timeout=15,
        what="every mail to be sent after the outage",
    )
    time.sleep(0.5)  # another minute of the worker's time: nothing further arrives
    lost, doubled = smtp.collector.figures(list(pending.values_list("message_id", flat=True)))
    report(
        "SMTP down for 10 minutes (simulated)",
        mails_queued=len(emails),
        sent=len(smtp.collector.messages),
        attempts_during_outage=during,
        failed_for_good=pending.filter(status=EmailStatus.FAILED).count(),
        lost=lost,
        doubled=doubled,
    )
    assert (lost, doubled) == (0, 0)
    assert len(smtp.collector.messages) == len(emails)
    assert "failed for good" not in worker.output()


class Figures:
    """Requests tried / answered / failed cleanly (503 with the portal's page and Retry-After,
    or a clean JSON 503 from the health check) / server errors (any 500, any other 5xx, a page
    that is not the portal's, a traceback)."""

    def __init__(self) -> None:
        self.tried = self.answered = self.failed_cleanly = self.server_errors = 0
        self.bad: list[str] = []

    def count(self, label: str, response) -> None:
        self.tried += 1
        body = response.text
        clean_page = "– meinekammer</title>" in body and "Traceback" not in body
        if response.status_code < 500:
            self.answered += 1
        elif (response.status_code == 503 and "Retry-After" in response.headers and clean_page) or (
            response.status_code == 503 and label.startswith("GET /healthz/")
        ):
            self.failed_cleanly += 1
        else:
            self.server_errors += 1
            self.bad.append(f"{label}: {response.status_code} {body[:300]!r}")

    def as_dict(self) -> dict:
        return {
            "requests_tried": self.tried,
            "answered": self.answered,
            "failed_cleanly": self.failed_cleanly,
            "5xx": self.server_errors,
        }


class Visitor:
    """A browser: a cookie jar and the CSRF token of the last form."""

    def __init__(self, base: str, figures: Figures) -> None:
        import requests

        self.base = base
        self.figures = figures
        self.session = requests.Session()

    def get(self, path: str):
        response = self.session.get(self.base + path, allow_redirects=False, timeout=20)
        self.figures.count(f"GET {path}", response)
        return response

    def post(self, path: str, data: dict, *, form: str | None = None):
        """Submit the form on `form` (default: on `path` itself) to `path`."""
        import re

        page = self.session.get(self.base + (form or path), timeout=20)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        response = self.session.post(
            self.base + path,
            data={"csrfmiddlewaretoken": token.group(1) if token else "", **data},
            headers={"Referer": self.base + path},
            allow_redirects=False,
            timeout=20,
        )
        self.figures.count(f"POST {path}", response)
        return response

    def login(self, email: str, password: str):
        return self.post("/accounts/login/", {"login": email, "password": password})


@pytest.fixture
def redis_and_app(tmp_path):
    """A private Redis and a gunicorn using it as REDIS_URL (cache, rate limits, sessions)."""
    from .processes import app_server, database_url, free_port, redis_server

    redis_port, app_port = free_port(), free_port()
    started: list[Process] = []
    redis = redis_server(tmp_path / "redis.log", redis_port)
    started.append(redis)
    try:
        app = app_server(
            tmp_path / "app.log",
            app_port,
            DATABASE_URL=database_url(),
            REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        )
        started.append(app)

        def restart_redis() -> Process:
            again = redis_server(tmp_path / "redis-again.log", redis_port)
            started.append(again)
            return again

        yield redis, app, f"http://127.0.0.1:{app_port}", restart_redis
    finally:
        for process in reversed(started):
            process.kill()


def test_redis_down_the_public_pages_work_logins_fail_closed_with_a_clear_page(redis_and_app):
    from tests.accounts.factories import UserFactory
    from tests.conftest import PASSWORD

    redis, _app, base, restart_redis = redis_and_app
    user = UserFactory(password=PASSWORD)
    figures = Figures()
    anna = Visitor(base, figures)
    assert anna.login(user.email, PASSWORD).status_code == 302
    assert anna.get("/konto/").status_code == 200

    redis.kill()  # SIGKILL: every cache call now fails to connect
    down = Figures()
    anna.figures = down
    visitor = Visitor(base, down)
    for path in ("/", "/accounts/login/", "/impressum/", "/datenschutz/", "/healthz/live"):
        assert visitor.get(path).status_code == 200, path
    ready = visitor.get("/healthz/ready")
    assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
    # The session lived in Redis: Django's cache sessions read a failure as "no session".
    assert anna.get("/konto/").status_code == 302  # to the login page: logged out
    # Rate limits live in Redis: no login without them, neither right nor wrong passwords.
    for password in (PASSWORD, "falsch", "falsch", "falsch", "falsch", "falsch", PASSWORD):
        refused = visitor.login(user.email, password)
        assert refused.status_code == 503
        assert "Vorübergehend nicht verfügbar" in refused.text
        assert "sessionid" not in refused.cookies
    assert visitor.post("/accounts/password/reset/", {"email": user.email}).status_code == 503

    restart_redis()  # empty, as after a restart without persistence
    after = Figures()
    anna.figures = after
    assert anna.login(user.email, PASSWORD).status_code == 302  # no restart of the app
    assert anna.get("/konto/").status_code == 200

    report(
        "Redis down",
        **down.as_dict(),
        after_restart=after.as_dict(),
    )
    assert down.server_errors == 0 and after.server_errors == 0, down.bad + after.bad
    assert "Traceback" not in "".join(down.bad)


SETUP_PRIVATE_DATABASE = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.accounts.factories import UserFactory
UserFactory(email="last@beispiel.example", password=PASSWORD, language="de")
"""


@pytest.fixture
def private_postgres(tmp_path):
    """A private PostgreSQL cluster with a migrated database and one account, and gunicorn on
    it (sessions in the database, CONN_MAX_AGE 60 with health checks, as configured)."""
    import subprocess
    import sys

    from tests.conftest import PASSWORD

    from .processes import ROOT, PostgresCluster, app_server, free_port, project_env

    cluster = PostgresCluster()
    app = None
    try:
        cluster.run(
            [
                "createdb",
                "-h",
                "127.0.0.1",
                "-p",
                str(cluster.port),
                "-U",
                "postgres",
                "meinekammer",
            ]
        )
        subprocess.run(
            [sys.executable, "-c", f"PASSWORD = {PASSWORD!r}\n" + SETUP_PRIVATE_DATABASE],
            env=project_env(DATABASE_URL=cluster.url("meinekammer"), LOG_LEVEL="WARNING"),
            cwd=ROOT,
            check=True,
        )
        port = free_port()
        app = app_server(tmp_path / "app.log", port, DATABASE_URL=cluster.url("meinekammer"))
        yield cluster, app, f"http://127.0.0.1:{port}"
    finally:
        if app is not None:
            app.kill()
        cluster.destroy()


def test_postgresql_restarted_under_load_requests_fail_cleanly_and_the_app_recovers(
    private_postgres,
):
    """Three clients keep sending requests (a logged-in account changing its language: a state
    change and its audit event in one transaction; the same account reading its page; an
    anonymous visitor) while PostgreSQL stops (fast: open transactions roll back), stays down
    for a second and starts again. Requests in flight and during the outage get the portal's
    503 page; the app server, not restarted, answers again; every language change that
    committed has its audit event and no event lacks its change."""
    import threading

    import psycopg

    from tests.conftest import PASSWORD

    cluster, app, base = private_postgres
    figures = Figures()
    lock = threading.Lock()

    class Counted(Figures):
        def count(self, label, response):
            with lock:
                figures.count(label, response)

    counted = Counted()
    writer, reader, anonymous = (Visitor(base, counted) for _ in range(3))
    assert writer.login("last@beispiel.example", PASSWORD).status_code == 302
    assert reader.login("last@beispiel.example", PASSWORD).status_code == 302
    stop = threading.Event()
    last_status: dict[str, list[int]] = {"writer": [], "reader": [], "anonymous": []}

    def keep_going(name, step):
        import requests

        n = 0
        while not stop.is_set():
            try:
                last_status[name].append(step(n).status_code)
            except requests.RequestException as exc:  # no answer at all counts as a 5xx
                with lock:
                    figures.tried += 1
                    figures.server_errors += 1
                    figures.bad.append(f"{name}: {exc}")
            n += 1

    def change_language(n):
        language = "en" if n % 2 == 0 else "de"
        return writer.post("/sprache/", {"language": language, "next": "/"}, form="/konto/")

    steps = {
        "writer": change_language,
        "reader": lambda n: reader.get("/konto/"),
        "anonymous": lambda n: anonymous.get("/"),
    }
    threads = [threading.Thread(target=keep_going, args=item) for item in steps.items()]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.5)
        before = figures.tried
        cluster.pg_ctl("stop", "-m", "fast")
        time.sleep(1)
        cluster.start()
        time.sleep(2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)

    with psycopg.connect(cluster.url("meinekammer"), autocommit=True) as db:
        (language,) = db.execute(
            "SELECT language FROM accounts_user WHERE email = 'last@beispiel.example'"
        ).fetchone()
        events = [
            row[0]
            for row in db.execute(
                "SELECT data->>'language' FROM audit_auditevent"
                " WHERE action = 'account.language_changed' ORDER BY id"
            )
        ]
    report(
        "PostgreSQL restarted under load",
        **figures.as_dict(),
        requests_before_the_restart=before,
        language_changes_committed=len(events),
    )
    assert figures.server_errors == 0, figures.bad
    assert figures.failed_cleanly > 0  # the outage was seen, and answered cleanly
    for name, statuses in last_status.items():  # recovered without a restart of the app
        assert statuses[-3:] and all(status < 500 for status in statuses[-3:]), (name, statuses)
    # No half-written state: the changes alternate (de → en → de ...), each with its event,
    # and the account's language is the last event's.
    assert events and all(a != b for a, b in itertools.pairwise(events))
    assert events[0] == "en" and language == events[-1]
    assert app.process.poll() is None
