"""The metrics path: access control, names, counters that move."""

import pytest
from django.urls import reverse
from prometheus_client import REGISTRY

from meinekammer.notifications.models import OutboundEmail
from tests.applications.test_oidc_refusals import authorize, code_from, exchange
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

METRICS = "/metrics"
OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}
TOKEN = "metrics-token-for-tests-" + "y" * 20


def value(name: str, labels: dict | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def test_denied_from_outside_and_through_a_proxy(client, settings):
    settings.METRICS_TOKEN = TOKEN
    for extra in (
        OUTSIDE,
        {"HTTP_X_FORWARDED_FOR": "203.0.113.7"},
        {**OUTSIDE, "HTTP_AUTHORIZATION": "Bearer wrong"},
        {**OUTSIDE, "HTTP_AUTHORIZATION": f"Basic {TOKEN}"},
        {**OUTSIDE, "HTTP_AUTHORIZATION": "Bearer "},
    ):
        response = client.get(METRICS, **extra)
        assert response.status_code == 404, extra
        assert b"meinekammer_" not in response.content


def test_no_token_configured_means_no_token_accepted(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get(METRICS, HTTP_AUTHORIZATION="Bearer ", **OUTSIDE).status_code == 404


def test_allowed_with_token_from_anywhere_and_from_allowed_networks(client, settings):
    settings.METRICS_TOKEN = TOKEN
    response = client.get(METRICS, HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **OUTSIDE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert client.get(METRICS).status_code == 200  # loopback
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get(METRICS).status_code == 404
    assert client.get(METRICS, REMOTE_ADDR="10.1.2.3").status_code == 200


def test_metric_names_and_queue_figures(client, user):
    OutboundEmail.objects.create(
        event_key="e",
        recipient="a@example.com",
        language="de",
        template="t",
        subject="s",
        body_text="b",
        body_html="b",
    )
    client.get(reverse("web:home"))
    text = client.get(METRICS).content.decode()
    for name in (
        "meinekammer_http_requests_total",
        "meinekammer_http_request_duration_seconds_bucket",
        "meinekammer_logins_total",
        "meinekammer_login_failures_total",
        "meinekammer_token_grants_total",
        "meinekammer_outbox_pending 1.0",
        "meinekammer_outbox_oldest_pending_age_seconds",
        "meinekammer_outbox_failed 0.0",
        "meinekammer_tasks_ready",
        "meinekammer_task_queue_lag_seconds",
        "meinekammer_tasks_failed_last_hour 0.0",
        "meinekammer_metrics_database_up 1.0",
    ):
        assert name in text, name
    # Per route name, never the raw path.
    assert 'view="web:home"' in text
    assert "/konto/" not in text


def test_requests_are_counted_by_route_name(client):
    labels = {"view": "web:imprint", "method": "GET", "status": "2xx"}
    before = value("meinekammer_http_requests_total", labels)
    client.get(reverse("web:imprint"))
    assert value("meinekammer_http_requests_total", labels) == before + 1
    unmatched = {"view": "unmatched", "method": "GET", "status": "4xx"}
    before = value("meinekammer_http_requests_total", unmatched)
    client.get("/gibt-es-nicht/12345/")
    assert value("meinekammer_http_requests_total", unmatched) == before + 1


def test_logins_and_failed_logins_are_counted(client, user):
    logins, failures = value("meinekammer_logins_total"), value("meinekammer_login_failures_total")
    client.post(reverse("account_login"), {"login": user.email, "password": "falsch falsch"})
    assert value("meinekammer_login_failures_total") == failures + 1
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert value("meinekammer_logins_total") == logins + 1


def test_token_grants_and_refusals_are_counted_per_grant_type(client, oidc_client, trainer):
    code = {"grant_type": "authorization_code"}
    refresh = {"grant_type": "refresh_token"}
    granted = value("meinekammer_token_grants_total", code)
    refused = value("meinekammer_token_refusals_total", code)
    client.force_login(trainer)
    tokens = exchange(client, code_from(authorize(client)))
    assert tokens.status_code == 200
    assert value("meinekammer_token_grants_total", code) == granted + 1
    assert exchange(client, "not-a-code").status_code == 400
    assert value("meinekammer_token_refusals_total", code) == refused + 1

    before = value("meinekammer_token_grants_total", refresh)
    import base64

    from tests.applications.conftest import SECRET

    auth = base64.b64encode(f"serviceportal:{SECRET}".encode()).decode()
    response = client.post(
        reverse("oauth2_provider:token"),
        {"grant_type": "refresh_token", "refresh_token": tokens.json()["refresh_token"]},
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )
    assert response.status_code == 200, response.content
    assert value("meinekammer_token_grants_total", refresh) == before + 1
    # A made-up grant type is one label, not a new series per value.
    client.post(reverse("oauth2_provider:token"), {"grant_type": "x" * 500})
    assert value("meinekammer_token_refusals_total", {"grant_type": "other"}) >= 1
