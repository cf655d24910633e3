"""Prometheus metrics (prometheus-client); names and meaning in docs/operations.md.

Counters and the latency histogram are counted per request in the web processes; with
several gunicorn workers set PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode:
each worker writes its values to a file there, the scrape adds them up; deploy/gunicorn.conf.py
removes a dead worker's gauges). The queue figures (outbox, task queue) are read from the
database at scrape time only, by `QueueCollector`: they are the same on every node.
"""

import os
import time
from datetime import timedelta
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models import Case, Count, Min, When
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY

REQUESTS = Counter(
    "meinekammer_http_requests",
    "Requests answered, per view (route name), method and status class.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "meinekammer_http_request_duration_seconds",
    "Time from the first middleware to the response, per view (route name).",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LOGINS = Counter("meinekammer_logins", "Successful logins (any method).")
LOGIN_FAILURES = Counter(
    "meinekammer_login_failures", "Failed password logins (wrong password or unknown address)."
)
TOKEN_GRANTS = Counter(
    "meinekammer_token_grants",
    "Tokens issued by the OpenID Connect token endpoint, per grant type.",
    ["grant_type"],
)
TOKEN_REFUSALS = Counter(
    "meinekammer_token_refusals",
    "Token requests refused (4xx) by the token endpoint, per grant type.",
    ["grant_type"],
)
GRANT_TYPES = frozenset({"authorization_code", "refresh_token"})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def grant_type_label(value: str | None) -> str:
    return value if value in GRANT_TYPES else "other"


def _count_login(**kwargs: Any) -> None:
    LOGINS.inc()


def _count_login_failure(**kwargs: Any) -> None:
    LOGIN_FAILURES.inc()


def connect() -> None:
    user_logged_in.connect(_count_login, dispatch_uid="meinekammer-metrics-login")
    user_login_failed.connect(_count_login_failure, dispatch_uid="meinekammer-metrics-failed")


class QueueCollector:
    """Outbox and task queue, from the database, at scrape time."""

    def collect(self):
        from django_tasks_db.models import DBTaskResult, get_date_max

        from meinekammer.notifications.models import EmailStatus, OutboundEmail

        up = GaugeMetricFamily(
            "meinekammer_metrics_database_up", "1 if the queue figures below could be read."
        )
        try:
            now = timezone.now()
            outbox = OutboundEmail.objects.filter(status=EmailStatus.PENDING).aggregate(
                pending=Count("pk"), oldest=Min("created_at")
            )
            failed_mail = OutboundEmail.objects.filter(status=EmailStatus.FAILED).count()
            ready = DBTaskResult.objects.ready().aggregate(
                ready=Count("pk"),
                oldest=Min(
                    Case(
                        When(run_after=get_date_max(), then="enqueued_at"),
                        default="run_after",
                    )
                ),
            )
            hour_ago = now - timedelta(hours=1)
            failed_tasks = DBTaskResult.objects.failed().filter(finished_at__gte=hour_ago).count()
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up

        def age(oldest) -> float:
            return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0

        yield GaugeMetricFamily(
            "meinekammer_outbox_pending", "Mails waiting for delivery.", value=outbox["pending"]
        )
        yield GaugeMetricFamily(
            "meinekammer_outbox_oldest_pending_age_seconds",
            "Age of the oldest undelivered mail (0 when none waits).",
            value=age(outbox["oldest"]),
        )
        yield GaugeMetricFamily(
            "meinekammer_outbox_failed",
            "Mails that failed for good (kept 30 days).",
            value=failed_mail,
        )
        yield GaugeMetricFamily(
            "meinekammer_tasks_ready",
            "Tasks due and not yet taken by a worker.",
            value=ready["ready"],
        )
        yield GaugeMetricFamily(
            "meinekammer_task_queue_lag_seconds",
            "How long the oldest due task has waited for a worker (0 when none waits).",
            value=age(ready["oldest"]),
        )
        yield GaugeMetricFamily(
            "meinekammer_tasks_failed_last_hour",
            "Tasks that failed in the last hour.",
            value=failed_tasks,
        )


class _Exposition:
    def __init__(self, *registries: Any) -> None:
        self.registries = registries

    def collect(self):
        for registry in self.registries:
            yield from registry.collect()


def exposition() -> bytes:
    """The text format for one scrape."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted: Any = CollectorRegistry()
        MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    return generate_latest(_Exposition(counted, QueueCollector()))


# The labelled children, looked up once per label set (labels() takes a lock and builds a key).
_counted: dict[tuple[str, str, int], Any] = {}
_timed: dict[str, Any] = {}


def observe(view: str, method: str, status: int, started: float) -> None:
    """Counts one request: about 5 µs (docs/operations.md, "Metrics")."""
    status_class = status // 100
    counter = _counted.get((view, method, status_class))
    if counter is None:
        label = method if method in METHODS else "other"
        counter = REQUESTS.labels(view, label, f"{status_class}xx")
        _counted[(view, method if method in METHODS else "other", status_class)] = counter
    counter.inc()
    histogram = _timed.get(view)
    if histogram is None:
        histogram = _timed[view] = LATENCY.labels(view)
    histogram.observe(time.perf_counter() - started)
