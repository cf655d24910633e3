import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from tests.accounts.factories import UserFactory, give_factor

# Chambers, companies, admins, roles and staff, shared by the chamber, company and API tests.
pytest_plugins = ["tests.company_fixtures"]

PASSWORD = "ein langes Testkennwort 2026"


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests are deselected, not skipped, on SQLite: they run in that suite.
    Celery-only tests run in the suite celery (TASKS_BACKEND=celery), and only they."""
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    on_celery = settings.TASKS_BACKEND == "celery"
    selected, deselected = [], []
    for item in items:
        wanted = (on_postgres or not item.get_closest_marker("postgres_only")) and (
            on_celery == bool(item.get_closest_marker("celery_only"))
        )
        (selected if wanted else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def run_tasks(monkeypatch):
    """Run the queued background tasks with the real worker (outbox delivery and more).

    The worker drops connections that are inside a transaction, which is where every test
    runs; inside tests it must keep the test's connection.
    """
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run() -> None:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    return run


@pytest.fixture
def outbox(run_tasks):
    """Deliver what is queued and return the delivered mail (Django's locmem backend)."""

    def deliver():
        run_tasks()
        return mail.outbox

    return deliver


def links_in(message) -> list[str]:
    return re.findall(r"https?://[^\s<>\"]+", message.body)


@pytest.fixture
def user(db):
    return UserFactory(password=PASSWORD)


@pytest.fixture
def admin_user(db):
    """pytest-django's operator (admin_client), with the second factor operators must have."""
    user = UserFactory(is_staff=True, is_superuser=True, email="admin@example.com")
    give_factor(user)
    return user


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def receiver(tmp_path):
    """A connected application's server as a process of its own (tests/receiving.py)."""
    from tests.receiving import Receiver

    running = Receiver(tmp_path / "received.jsonl")
    running.start()
    yield running
    running.stop()
