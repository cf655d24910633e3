"""The hourly job purge-ended-grants (applications.grants.purge_ended_grants): what no longer
opens anything goes, what still does stays — through real logins at the endpoints."""

import base64
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from meinekammer.applications.grants import purge_ended_grants
from meinekammer.applications.models import GrantAuthentication, TokenFamily, UsedCode
from tests.applications.conftest import SECRET
from tests.applications.test_oidc_refusals import authorize, code_from, exchange

pytestmark = pytest.mark.django_db

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
IDToken = get_id_token_model()
Grant = get_grant_model()


@pytest.fixture
def time_machine(time_machine):
    from django.utils import timezone

    time_machine.move_to(timezone.now())
    return time_machine


@pytest.fixture
def logged_in_trainer(client, oidc_client, trainer):
    client.force_login(trainer)
    return client


def log_in(client) -> dict:
    response = exchange(client, code_from(authorize(client)))
    assert response.status_code == 200
    return response.json()


def refresh(tokens: dict, scope: str | None = None):
    """The application's back end: no browser session."""
    auth = base64.b64encode(f"serviceportal:{SECRET}".encode()).decode()
    data = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    if scope:
        data["scope"] = scope  # asks for a new ID token
    return Client().post(reverse("oauth2_provider:token"), data, HTTP_AUTHORIZATION=f"Basic {auth}")


def rows() -> dict[str, int]:
    return {
        "families": TokenFamily.objects.count(),
        # django-oauth-toolkit's own token tables: written by nothing any more.
        "access": AccessToken.objects.count(),
        "refresh": RefreshToken.objects.count(),
        "id": IDToken.objects.count(),
        "codes": Grant.objects.count(),
        "used": UsedCode.objects.count(),
        "sign_ins": GrantAuthentication.objects.count(),
    }


def test_a_fresh_login_keeps_everything(logged_in_trainer):
    log_in(logged_in_trainer)
    before = rows()
    assert purge_ended_grants() == dict.fromkeys(
        (
            "codes",
            "token_families",
            "refresh_tokens",
            "access_tokens",
            "id_tokens",
            "used_codes",
            "sign_ins",
        ),
        0,
    )
    assert rows() == before


def test_after_the_access_token_expired_the_refresh_still_works_and_keeps_the_login(
    logged_in_trainer, time_machine
):
    tokens = log_in(logged_in_trainer)
    time_machine.shift(timedelta(hours=2))
    purge_ended_grants()
    # How the user logged in is kept with the family (the code's record has settled and gone).
    assert TokenFamily.objects.get().acr
    response = refresh(tokens, scope="openid")
    assert response.status_code == 200, response.content
    assert "id_token" in response.json()


def test_after_the_refresh_lifetime_nothing_of_the_login_is_left(logged_in_trainer, time_machine):
    tokens = log_in(logged_in_trainer)
    refresh(tokens)  # a rotation: the family's digest moves on, no row is added
    time_machine.shift(timedelta(days=31))
    counts = purge_ended_grants()
    assert counts["token_families"] == 1 and counts["sign_ins"] == 1
    assert rows() == dict.fromkeys(
        ("families", "access", "refresh", "id", "codes", "used", "sign_ins"), 0
    )
    assert set(purge_ended_grants().values()) == {0}  # a second run finds nothing


def test_within_the_refresh_lifetime_the_login_stays_usable(logged_in_trainer, time_machine):
    tokens = log_in(logged_in_trainer)
    time_machine.shift(timedelta(days=29))
    purge_ended_grants()
    assert TokenFamily.objects.count() == 1
    assert refresh(tokens).status_code == 200


def test_a_code_never_exchanged_leaves_nothing_behind(logged_in_trainer, time_machine):
    code_from(authorize(logged_in_trainer))
    assert Grant.objects.count() == 1 and GrantAuthentication.objects.count() == 1
    time_machine.shift(timedelta(minutes=5))
    assert purge_ended_grants()["codes"] == 1
    assert GrantAuthentication.objects.count() == 1  # settling: an exchange may be in flight
    time_machine.shift(timedelta(hours=2))
    assert purge_ended_grants()["sign_ins"] == 1
    assert rows()["sign_ins"] == 0


def test_the_job_runs_from_the_schedule(logged_in_trainer, run_tasks, time_machine):
    from meinekammer.ops.scheduling import enqueue_due_jobs

    log_in(logged_in_trainer)
    time_machine.shift(timedelta(days=31))
    assert "purge-ended-grants" in enqueue_due_jobs()
    run_tasks()
    assert rows()["families"] == 0
