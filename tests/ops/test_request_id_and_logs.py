"""Request ids (echoed, carried into enqueued tasks and their worker's log lines) and the JSON
log format (parses, carries the id, keeps secrets out)."""

import io
import json
import logging

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from meinekammer.ops.logging import JsonFormatter, RedactSecretsFilter, RequestIdFilter
from tests.accounts.test_registration import register
from tests.applications.conftest import SECRET
from tests.applications.test_oidc_refusals import authorize, code_from, exchange
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log():
    """Everything logged meanwhile, through the production handler's filters and format."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactSecretsFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_well_formed_request_id_is_echoed(client):
    response = client.get(reverse("web:home"), HTTP_X_REQUEST_ID="lb-4711-abcdef")
    assert response["X-Request-ID"] == "lb-4711-abcdef"


@pytest.mark.parametrize(
    "hostile", ["", "short", "a b c d e f g h", "x" * 129, "abc\r\nSet-Cookie: x=1", "<script>1"]
)
def test_a_missing_or_malformed_request_id_is_replaced(client, hostile):
    response = client.get("/healthz/live", HTTP_X_REQUEST_ID=hostile)
    assert response["X-Request-ID"] != hostile
    assert len(response["X-Request-ID"]) == 32
    other = client.get("/healthz/live", HTTP_X_REQUEST_ID=hostile)
    assert other["X-Request-ID"] != response["X-Request-ID"]


def test_the_request_id_reaches_the_enqueued_task_and_the_worker_log(
    client, json_log, monkeypatch, mailoutbox
):
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    response = register(client, HTTP_X_REQUEST_ID="req-from-the-proxy-01")
    assert response.status_code == 302
    queued = DBTaskResult.objects.get(task_path__endswith="deliver_email")
    assert queued.args_kwargs["request_id"] == "req-from-the-proxy-01"

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=1)
    assert len(mailoutbox) == 1
    lines = [line for line in json_log() if line["task_id"] == str(queued.id)]
    assert lines, "the worker logged nothing for the task"
    assert all(line["request_id"] == "req-from-the-proxy-01" for line in lines)
    # django-tasks' own started and finished lines ("state=" is redacted as an OAuth state).
    started_and_finished = [line for line in lines if line["logger"] == "django_tasks"]
    assert len(started_and_finished) == 2
    # After the task, the worker is outside any request again.
    logging.getLogger("after").warning("after the task")
    assert json_log()[-1]["request_id"] == "" and json_log()[-1]["task_id"] == ""


def test_json_lines_parse_and_carry_the_fields(client, json_log, settings):
    settings.ACCESS_LOG = True
    client.get(reverse("web:imprint"), HTTP_X_REQUEST_ID="access-line-0001")
    line = next(entry for entry in json_log() if entry["logger"] == "meinekammer.access")
    assert set(line) >= {"time", "level", "logger", "message", "request_id", "task_id"}
    assert line["request_id"] == "access-line-0001"
    assert line["message"].startswith("GET web:imprint 200 ")
    try:
        raise ValueError("code=123456 in a traceback")
    except ValueError:
        logging.getLogger("x").exception("failed with password=hunter2hunter2")
    last = json_log()[-1]
    assert "hunter2" not in json.dumps(last) and "123456" not in last["exc"]


def test_no_password_token_or_code_in_any_log_line(client, user, json_log, settings):
    settings.ACCESS_LOG = True
    client.post(reverse("account_login"), {"login": user.email, "password": "falsch falsch 1"})
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    client.post(
        reverse("oauth2_provider:token"),
        {"grant_type": "refresh_token", "refresh_token": "leaked-refresh-token-value"},
    )
    text = json.dumps(json_log())
    assert json_log(), "nothing was logged"
    for secret in (PASSWORD, "falsch falsch 1", "leaked-refresh-token-value"):
        assert secret not in text


def test_no_code_or_token_of_a_code_exchange_in_the_log(
    client,
    oidc_client,
    trainer,
    json_log,
    settings,
):
    settings.ACCESS_LOG = True
    client.force_login(trainer)
    code = code_from(authorize(client))
    tokens = exchange(client, code).json()
    exchange(client, code)  # a second use, refused and logged as a warning
    text = json.dumps(json_log())
    assert "oauth2_provider:token" in text
    for secret in (code, tokens["access_token"], tokens["refresh_token"], SECRET):
        assert secret not in text, [e for e in json_log() if secret in json.dumps(e)]
