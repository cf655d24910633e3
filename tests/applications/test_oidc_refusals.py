"""The refusals of the OAuth 2.0 Security BCP (RFC 9700) and the OpenID Connect profile."""

import base64
import hashlib
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import get_grant_model

from meinekammer.applications.models import OAuthClient
from tests.applications.conftest import REDIRECT_URI, SECRET, issued_families, live_families

pytestmark = pytest.mark.django_db

VERIFIER = "x" * 50


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize(client, **overrides):
    params = {
        "response_type": "code",
        "client_id": "serviceportal",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid companies",
        "state": "st",
        "nonce": "no",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
        **overrides,
    }
    params = {k: v for k, v in params.items() if v is not None}
    return client.get(f"{reverse('oauth2_provider:authorize')}?{urlencode(params)}")


def code_from(response) -> str:
    assert response.status_code == 302, response.content[:500]
    return parse_qs(urlparse(response["Location"]).query)["code"][0]


def exchange(
    client,
    code,
    *,
    verifier=VERIFIER,
    client_id="serviceportal",
    secret=SECRET,
    redirect_uri=REDIRECT_URI,
):
    data = {"grant_type": "authorization_code", "code": code}
    if redirect_uri is not None:
        data["redirect_uri"] = redirect_uri
    if verifier is not None:
        data["code_verifier"] = verifier
    auth = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return client.post(reverse("oauth2_provider:token"), data, HTTP_AUTHORIZATION=f"Basic {auth}")


@pytest.fixture
def logged_in_trainer(client, oidc_client, trainer):
    client.force_login(trainer)
    return client


@pytest.mark.parametrize(
    "redirect_uri",
    [
        REDIRECT_URI + "/",  # trailing slash
        REDIRECT_URI + "?extra=1",  # extra query
        REDIRECT_URI.replace(":8001", ":8002"),  # other port (loopback, too)
        REDIRECT_URI.replace("http://", "https://"),
        "http://evil.example/auth/callback",
    ],
)
def test_redirect_uri_variants_get_an_error_page_and_no_redirect(logged_in_trainer, redirect_uri):
    response = authorize(logged_in_trainer, redirect_uri=redirect_uri)
    assert response.status_code == 400
    assert "Location" not in response
    assert "Anmeldung nicht möglich" in response.content.decode()


def test_an_authorization_request_without_redirect_uri_gets_the_error_page(logged_in_trainer):
    # OpenID Connect Core 3.1.2.1: redirect_uri is required, even for a client with one
    # registered URI (DOT used that one).
    response = authorize(logged_in_trainer, redirect_uri=None)
    assert response.status_code == 400
    assert "Location" not in response
    assert "Anmeldung nicht möglich" in response.content.decode()
    assert not get_grant_model().objects.exists()


def test_a_token_request_without_redirect_uri_is_refused(logged_in_trainer):
    code = code_from(authorize(logged_in_trainer))
    response = exchange(logged_in_trainer, code, redirect_uri=None)
    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_request", "invalid_grant")
    assert "access_token" not in response.json()
    assert not issued_families().exists()
    # The code was not used up by the refused request.
    assert exchange(logged_in_trainer, code).status_code == 200


def test_missing_pkce_is_refused(logged_in_trainer):
    response = authorize(logged_in_trainer, code_challenge=None, code_challenge_method=None)
    assert response.status_code == 302
    assert "error=invalid_request" in response["Location"]
    assert not get_grant_model().objects.exists()


def test_plain_pkce_is_refused(logged_in_trainer):
    response = authorize(logged_in_trainer, code_challenge=VERIFIER, code_challenge_method="plain")
    assert "code=" not in response.get("Location", "")
    assert not get_grant_model().objects.exists()


def test_wrong_verifier_and_pkce_downgrade_are_refused(logged_in_trainer):
    code = code_from(authorize(logged_in_trainer))
    assert exchange(logged_in_trainer, code, verifier="y" * 50).status_code == 400
    code = code_from(authorize(logged_in_trainer))
    # Downgrade: the code was bound to a challenge; leaving the verifier out is refused.
    assert exchange(logged_in_trainer, code, verifier=None).status_code == 400
    assert not issued_families().exists()


def test_a_code_used_twice_is_refused_and_revokes_what_the_first_use_produced(logged_in_trainer):
    code = code_from(authorize(logged_in_trainer))
    first = exchange(logged_in_trainer, code)
    assert first.status_code == 200
    tokens = first.json()
    second = exchange(logged_in_trainer, code)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    assert not live_families().exists()
    refresh = logged_in_trainer.post(
        reverse("oauth2_provider:token"),
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"serviceportal:{SECRET}".encode()).decode(),
    )
    assert refresh.status_code == 400


def test_an_expired_code_is_refused(logged_in_trainer):
    code = code_from(authorize(logged_in_trainer))
    get_grant_model().objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert exchange(logged_in_trainer, code).status_code == 400


def test_a_code_redeemed_by_another_client_is_refused(logged_in_trainer, oidc_client):
    other = OAuthClient(
        connected_application=oidc_client.connected_application,
        name="Andere",
        client_id="andere",
        client_secret="anderes-geheimnis-" + "x" * 20,
        client_type=OAuthClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=OAuthClient.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        algorithm=OAuthClient.RS256_ALGORITHM,
    )
    other.save()
    code = code_from(authorize(logged_in_trainer))
    response = exchange(
        logged_in_trainer, code, client_id="andere", secret="anderes-geheimnis-" + "x" * 20
    )
    assert response.status_code == 400
    assert exchange(logged_in_trainer, code).status_code == 200


def test_a_wrong_client_secret_is_refused(logged_in_trainer):
    code = code_from(authorize(logged_in_trainer))
    response = exchange(logged_in_trainer, code, secret="falsch")
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_prompt_none_without_a_session_answers_login_required(client, oidc_client):
    response = authorize(client, prompt="none")
    assert response.status_code == 302
    assert response["Location"].startswith(REDIRECT_URI)
    assert "error=login_required" in response["Location"]


def test_prompt_none_with_a_session_gives_a_code_silently(logged_in_trainer):
    """Silent login once answered login_required to every logged-in user: oauthlib's request,
    on which the check runs, carries no user."""
    response = authorize(logged_in_trainer, prompt="none")
    assert "error=" not in response["Location"]
    assert exchange(logged_in_trainer, code_from(response)).status_code == 200


def test_prompt_none_without_consent_answers_consent_required(logged_in_trainer, oidc_client):
    oidc_client.first_party = False
    oidc_client.save(update_fields=["first_party"])
    response = authorize(logged_in_trainer, prompt="none")
    assert response.status_code == 302 and response["Location"].startswith(REDIRECT_URI)
    assert "error=consent_required" in response["Location"] and "code=" not in response["Location"]


@pytest.fixture
def factor_required_for_trainer(trainer):
    from datetime import timedelta

    from django.utils import timezone

    from meinekammer.accounts.factors import (
        Requirement,
        register_requirement,
        unregister_requirement,
    )

    def source(user):
        if user.pk == trainer.pk:
            return Requirement(applies_from=timezone.now() - timedelta(days=1), reason="test")
        return None

    register_requirement(source)
    yield
    unregister_requirement(source)


def test_prompt_none_for_an_account_that_must_set_up_a_factor_is_interaction_required(
    logged_in_trainer, factor_required_for_trainer
):
    response = authorize(logged_in_trainer, prompt="none")
    assert response.status_code == 302 and response["Location"].startswith(REDIRECT_URI)
    assert "error=interaction_required" in response["Location"]
    assert "code=" not in response["Location"] and "state=st" in response["Location"]
    # Without prompt=none the same request is led to the set-up.
    response = authorize(logged_in_trainer)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:factor_setup"))


def test_prompt_login_and_max_age_ask_for_the_password_again(logged_in_trainer):
    response = authorize(logged_in_trainer, prompt="login")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = authorize(logged_in_trainer, max_age="0")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_parameters_are_ignored(logged_in_trainer):
    code = code_from(authorize(logged_in_trainer, frobnicate="1", ui_locales="de"))
    assert exchange(logged_in_trainer, code).status_code == 200


def test_implicit_and_hybrid_and_password_grants_are_refused(logged_in_trainer):
    for response_type in ("token", "id_token", "code id_token", "id_token token"):
        response = authorize(logged_in_trainer, response_type=response_type)
        assert "access_token=" not in response.get("Location", "")
        assert "id_token=" not in response.get("Location", "")
    password = logged_in_trainer.post(
        reverse("oauth2_provider:token"),
        {"grant_type": "password", "username": "x", "password": "y"},
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"serviceportal:{SECRET}".encode()).decode(),
    )
    assert password.status_code == 400 and "access_token" not in password.json()


def test_alg_none_is_never_accepted(logged_in_trainer, client):
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=").decode()
    body = (
        base64.urlsafe_b64encode(json.dumps({"sub": "x", "aud": "serviceportal"}).encode())
        .rstrip(b"=")
        .decode()
    )
    forged = f"{header}.{body}."
    response = client.get(
        reverse("oauth2_provider:rp-initiated-logout"),
        {"id_token_hint": forged, "post_logout_redirect_uri": "http://evil.example/"},
    )
    assert response.status_code == 400 or "evil.example" not in response.get("Location", "")
    userinfo = client.get(
        reverse("oauth2_provider:user-info"), HTTP_AUTHORIZATION=f"Bearer {forged}"
    )
    assert userinfo.status_code == 401
    discovery = client.get("/.well-known/openid-configuration").json()
    assert "none" not in discovery["id_token_signing_alg_values_supported"]


def test_max_age_lets_a_recent_login_through(logged_in_trainer):
    # force_login sends user_logged_in: the session knows when the password was proved.
    code = code_from(authorize(logged_in_trainer, max_age="3600"))
    assert exchange(logged_in_trainer, code).status_code == 200


# --- An account that may no longer act (accounts.rules.may_act) --------------------------------
# Set without the side effects of locking or erasing (which revoke the tokens), as a session or
# a token that outlived them would be.

ENDED = {
    "inactive": {"is_active": False},
    "locked": {"locked_at": timezone.now},
    "erased": {"deleted_at": timezone.now},
}


def end_account(user, how):
    from meinekammer.accounts.models import User

    User.objects.filter(pk=user.pk).update(
        **{field: value() if callable(value) else value for field, value in ENDED[how].items()}
    )


@pytest.mark.parametrize("how", list(ENDED))
def test_the_access_token_of_an_account_that_may_not_act_is_refused(
    logged_in_trainer, trainer, how
):
    tokens = exchange(logged_in_trainer, code_from(authorize(logged_in_trainer))).json()
    end_account(trainer, how)
    userinfo = logged_in_trainer.get(
        reverse("oauth2_provider:user-info"), HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"
    )
    assert userinfo.status_code == 401


@pytest.mark.parametrize("how", list(ENDED))
def test_the_code_of_an_account_that_may_not_act_gives_no_tokens(logged_in_trainer, trainer, how):
    code = code_from(authorize(logged_in_trainer))
    end_account(trainer, how)
    response = exchange(logged_in_trainer, code)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert not issued_families().exists()


@pytest.mark.parametrize("how", list(ENDED))
def test_prompt_none_is_login_required_for_an_account_that_may_not_act(trainer, how):
    from types import SimpleNamespace

    from meinekammer.sso.validator import Validator

    end_account(trainer, how)
    trainer.refresh_from_db()
    # The oauthlib request of the authorization endpoint, with the session's account.
    assert Validator().validate_silent_login(SimpleNamespace(user=trainer)) is False


def test_prompt_none_is_fine_for_an_account_that_may_act(trainer):
    from types import SimpleNamespace

    from meinekammer.sso.validator import Validator

    assert Validator().validate_silent_login(SimpleNamespace(user=trainer)) is True
