"""Retries and races at the token endpoint, on PostgreSQL with real concurrent connections.

A client library that times out and retries, or two tabs finishing a login at once, send the
same code or the same refresh token twice at the same moment. At most one of them may get
tokens, and what it gets must work; the others get an OAuth error, never a 500 or empty tokens.
"""

import base64
import threading

import pytest
from django.test import Client
from django.urls import reverse

from tests.applications.conftest import SECRET, issued_families, live_families
from tests.applications.test_oidc_refusals import authorize, code_from, exchange
from tests.concurrency import run_at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

BASIC = "Basic " + base64.b64encode(f"serviceportal:{SECRET}".encode()).decode()


def responses_at_once(call, count):
    """`call` in `count` threads released together; their responses."""
    responses: list = []
    assert run_at_once(lambda: responses.append(call()), count) == []
    return responses


def userinfo_status(token: str) -> int:
    return (
        Client()
        .get(reverse("oauth2_provider:user-info"), HTTP_AUTHORIZATION=f"Bearer {token}")
        .status_code
    )


def refused_as_invalid_grant(response) -> bool:
    return (
        response.status_code == 400
        and response["Content-Type"] == "application/json"
        and response["Cache-Control"] == "no-store"
        and response.json()["error"] == "invalid_grant"
    )


def test_a_code_sent_four_times_at_once_gives_tokens_once(client, oidc_client, trainer):
    client.force_login(trainer)
    code = code_from(authorize(client))

    responses = responses_at_once(lambda: exchange(Client(), code), 4)

    [issued] = [r for r in responses if r.status_code == 200]
    assert issued.json()["access_token"] and issued.json()["refresh_token"]
    assert sum(refused_as_invalid_grant(r) for r in responses) == 3
    # The code was used more than once: what its first use produced is revoked (RFC 6749
    # 4.1.2), and the requests that lost left no tokens behind.
    assert not live_families().exists()
    assert issued_families().count() == 1
    assert userinfo_status(issued.json()["access_token"]) == 401


def test_a_refresh_token_sent_four_times_at_once_is_rotated_once(client, oidc_client, trainer):
    client.force_login(trainer)
    tokens = exchange(client, code_from(authorize(client))).json()

    def refresh(token):
        return Client().post(
            reverse("oauth2_provider:token"),
            {"grant_type": "refresh_token", "refresh_token": token},
            HTTP_AUTHORIZATION=BASIC,
        )

    responses = responses_at_once(lambda: refresh(tokens["refresh_token"]), 4)

    [issued] = [r.json() for r in responses if r.status_code == 200]
    # Never empty strings as tokens (django-oauth-toolkit's grace-period answer under hashed
    # token storage did that).
    assert issued["access_token"] and issued["refresh_token"], issued
    assert sum(refused_as_invalid_grant(r) for r in responses) == 3
    # The old refresh token was presented again: reuse protection ends the whole chain,
    # including the pair the winner received.
    assert not live_families().exists()
    assert refused_as_invalid_grant(refresh(issued["refresh_token"]))


def test_zugriff_widerrufen_clicked_twice_at_once_revokes_and_audits_once(
    client, oidc_client, trainer
):
    from meinekammer.audit.models import AuditAction, AuditEvent

    client.force_login(trainer)
    tokens = exchange(client, code_from(authorize(client))).json()
    url = reverse("applications:revoke_grant", args=[oidc_client.pk])
    browsers = []
    for _ in range(2):
        browser = Client()
        browser.force_login(trainer)
        browsers.append(browser)
    turn = iter(browsers)
    lock = threading.Lock()

    def click():
        with lock:
            browser = next(turn)
        return browser.post(url)

    responses = responses_at_once(click, 2)

    assert [r.status_code for r in responses] == [302, 302]
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.APP_ACCESS_REVOKED, subject_user=trainer
        ).count()
        == 1
    )
    assert userinfo_status(tokens["access_token"]) == 401


def test_concurrent_rotations_of_one_refresh_token_let_exactly_one_win(oidc_client, trainer):
    """The compare-and-set itself, many times over: of four rotations of the same token at
    the same moment exactly one succeeds (it once let two through: the account's check was a
    join, which made PostgreSQL compare the token with the row as it was before the winner's
    update)."""
    import datetime as dt
    import uuid

    from meinekammer.applications import token_store
    from meinekammer.applications.models import TokenFamily
    from meinekammer.sso.gate import role_holders_sql
    from tests.concurrency import at_once

    family = token_store.start_family(
        family_id=uuid.uuid4(),
        client=oidc_client,
        user=trainer,
        scope="openid",
        refresh_digest="d0",
        lifetime=dt.timedelta(hours=1),
    )
    for round_ in range(1, 16):
        presented = f"d{round_ - 1}"

        def rotate(n, presented=presented, round_=round_):
            rotated = token_store.rotate(
                family_id=family.pk,
                client_id=oidc_client.pk,
                presented_digest=presented,
                next_digest=f"d{round_}" if n == 0 else f"d{round_}-{n}",
                lifetime=dt.timedelta(hours=1),
                # The access rule's roles in the same statement, as a refresh checks them.
                role_holders=role_holders_sql(),
                application_id=oidc_client.connected_application_id,
            )
            return rotated is not None

        results, refusals, errors = at_once(*[lambda n=n: rotate(n) for n in range(4)])
        assert not errors and not refusals
        assert sorted(results) == [False, False, False, True], f"round {round_}: {results}"
        winner = TokenFamily.objects.get(pk=family.pk)
        assert winner.generation == family.generation + round_
        if winner.refresh_digest != f"d{round_}":  # another thread won: continue from its token
            TokenFamily.objects.filter(pk=family.pk).update(refresh_digest=f"d{round_}")
