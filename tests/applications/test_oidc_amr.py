"""How the user logged in, as the application learns it (amr, acr, auth_time), and the step-up
to a second factor (acr_values) and max_age: end to end against a live server with Authlib and
joserfc, the browser's side driven through the real login and factor forms."""

import base64
import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import KeySet

from meinekammer.sso.authentication import ACR_MFA, ACR_PWD, requested_acr, sign_in_from
from tests.applications.conftest import REDIRECT_URI
from tests.applications.test_oidc_flow import discover, log_in_to_app
from tests.applications.test_oidc_refusals import authorize, code_from, exchange
from tests.conftest import PASSWORD
from tests.totp import totp_code

pytestmark = pytest.mark.django_db(transaction=True)

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def post_form(browser: requests.Session, url: str, data: dict) -> requests.Response:
    page = browser.get(url, timeout=10)
    match = CSRF.search(page.text)
    assert match, page.text[:500]
    return browser.post(
        page.url,
        data={"csrfmiddlewaretoken": match.group(1), **data},
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=10,
    )


def portal_login(base: str, user, secret: str | None = None) -> requests.Session:
    """Log in as a person does: the password, then the code of the authenticator app."""
    browser = requests.Session()
    response = post_form(
        browser, base + reverse("account_login"), {"login": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.text[:500]
    if secret is not None:
        assert reverse("mfa_authenticate") in response.headers["Location"]
        response = post_form(
            browser, base + reverse("mfa_authenticate"), {"code": totp_code(secret)}
        )
        assert response.status_code == 302, response.text[:500]
        assert reverse("mfa_authenticate") not in response.headers["Location"]
    return browser


def id_token_claims(issuer: str, metadata: dict, token: dict) -> dict:
    keys = KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())
    return jwt.decode(token["id_token"], keys, algorithms=["RS256"]).claims


def tokens_for(issuer, browser, **extra) -> tuple[dict, dict, object]:
    app, metadata, verifier, _state, response = log_in_to_app(issuer, browser, **extra)
    assert response.status_code == 302, response.text[:500]
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?"), location
    token = app.fetch_token(
        metadata["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    return token, metadata, app


def with_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


# --- amr, acr, auth_time in the ID token ----------------------------------------------------


def test_a_password_login_is_pwd(issuer, oidc_client, trainer):
    before = int(time.time())
    browser = portal_login(issuer, trainer)
    token, metadata, _app = tokens_for(issuer, browser)
    claims = id_token_claims(issuer, metadata, token)
    assert claims["amr"] == ["pwd"]
    assert claims["acr"] == ACR_PWD
    assert before - 1 <= claims["auth_time"] <= int(time.time()) + 1


def test_password_and_authenticator_app_are_pwd_otp_mfa(issuer, oidc_client, trainer):
    secret = with_totp(trainer)
    browser = portal_login(issuer, trainer, secret)
    token, metadata, _app = tokens_for(issuer, browser)
    claims = id_token_claims(issuer, metadata, token)
    assert set(claims["amr"]) == {"pwd", "otp", "mfa"}
    assert claims["acr"] == ACR_MFA


def test_a_refreshed_id_token_keeps_how_the_user_logged_in(issuer, oidc_client, trainer):
    secret = with_totp(trainer)
    browser = portal_login(issuer, trainer, secret)
    token, metadata, app = tokens_for(issuer, browser)
    first = id_token_claims(issuer, metadata, token)
    time.sleep(1.1)  # a refresh a second later must not move auth_time
    refreshed = app.refresh_token(metadata["token_endpoint"], refresh_token=token["refresh_token"])
    again = id_token_claims(issuer, metadata, refreshed)
    assert again["amr"] == first["amr"] and again["acr"] == ACR_MFA
    assert again["auth_time"] == first["auth_time"]
    twice = app.refresh_token(metadata["token_endpoint"], refresh_token=refreshed["refresh_token"])
    assert id_token_claims(issuer, metadata, twice)["amr"] == first["amr"]


def test_a_later_login_elsewhere_does_not_change_the_first_logins_tokens(
    issuer, oidc_client, trainer
):
    browser = portal_login(issuer, trainer)
    token, metadata, app = tokens_for(issuer, browser)
    first = id_token_claims(issuer, metadata, token)
    time.sleep(1.1)
    portal_login(issuer, trainer)  # another device; DOT's auth_time was the last login
    refreshed = app.refresh_token(metadata["token_endpoint"], refresh_token=token["refresh_token"])
    assert id_token_claims(issuer, metadata, refreshed)["auth_time"] == first["auth_time"]


# --- step-up: acr_values=urn:meinekammer:mfa --------------------------------------------------


def test_acr_mfa_asks_for_the_second_factor_before_the_code(issuer, oidc_client, trainer):
    browser = portal_login(issuer, trainer)  # the password only …
    secret = with_totp(trainer)  # … the factor was set up later in the session
    app, metadata, verifier, _state, response = log_in_to_app(issuer, browser, acr_values=ACR_MFA)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert not location.startswith(REDIRECT_URI), "no code before the second factor"
    assert urlparse(location).path == reverse("mfa_reauthenticate")
    nxt = parse_qs(urlparse(location).query)["next"][0]
    assert nxt.startswith(reverse("oauth2_provider:authorize"))

    # A wrong code: still no code for the application.
    wrong = post_form(browser, issuer + location, {"code": "000000"})
    assert wrong.status_code == 200
    response = post_form(browser, issuer + location, {"code": totp_code(secret)})
    assert response.status_code == 302 and response.headers["Location"] == nxt
    response = browser.get(issuer + nxt, allow_redirects=False, timeout=10)
    assert response.headers["Location"].startswith(REDIRECT_URI + "?")
    token = app.fetch_token(
        metadata["token_endpoint"],
        authorization_response=response.headers["Location"],
        code_verifier=verifier,
    )
    claims = id_token_claims(issuer, metadata, token)
    assert claims["acr"] == ACR_MFA and set(claims["amr"]) == {"pwd", "otp", "mfa"}


def test_acr_mfa_after_a_login_with_the_factor_goes_straight_through(issuer, oidc_client, trainer):
    secret = with_totp(trainer)
    browser = portal_login(issuer, trainer, secret)
    token, metadata, _app = tokens_for(issuer, browser, acr_values=f"{ACR_PWD} {ACR_MFA}")
    assert id_token_claims(issuer, metadata, token)["acr"] == ACR_MFA


@pytest.mark.parametrize("language", ["de", "en"])
def test_acr_mfa_without_any_factor_shows_how_to_set_one_up(issuer, oidc_client, trainer, language):
    trainer.language = language
    trainer.save(update_fields=["language"])
    browser = portal_login(issuer, trainer)
    _app, _metadata, _verifier, _state, response = log_in_to_app(
        issuer, browser, acr_values=ACR_MFA
    )
    assert response.status_code == 403
    assert "code=" not in response.headers.get("Location", "")
    assert f'href="{reverse("mfa_index")}"' in response.text
    expected = "Zweiten Faktor einrichten" if language == "de" else "Set up a second factor"
    assert expected in response.text


def test_acr_mfa_with_prompt_none_answers_an_error_and_no_code(issuer, oidc_client, trainer):
    browser = portal_login(issuer, trainer)
    _app, _metadata, _verifier, state, response = log_in_to_app(
        issuer, browser, acr_values=ACR_MFA, prompt="none"
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    query = parse_qs(urlparse(location).query)
    # The session may log in silently, but the second factor is missing.
    assert query["error"] == ["interaction_required"]
    assert "code" not in query
    assert query["state"] == [state]


def test_max_age_zero_asks_to_log_in_again_with_the_second_factor(issuer, oidc_client, trainer):
    secret = with_totp(trainer)
    browser = portal_login(issuer, trainer, secret)
    _app, _metadata, _verifier, _state, response = log_in_to_app(issuer, browser, max_age="0")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlparse(location).path == reverse("account_login")
    # The session is gone: the password alone is not enough, the factor is asked again.
    nxt = parse_qs(urlparse(location).query)["next"][0]
    assert "max_age" not in nxt and nxt.startswith(reverse("oauth2_provider:authorize"))
    response = post_form(
        browser,
        issuer + location,
        {"login": trainer.email, "password": PASSWORD, "next": nxt},
    )
    assert reverse("mfa_authenticate") in response.headers["Location"]
    response = post_form(
        browser,
        issuer + response.headers["Location"],
        {"code": totp_code(secret, time.time() + 30)},
    )
    assert response.headers["Location"] == nxt
    response = browser.get(issuer + nxt, allow_redirects=False, timeout=10)
    assert response.headers["Location"].startswith(REDIRECT_URI + "?")


def test_discovery_lists_the_levels_and_the_claims(issuer):
    metadata = discover(issuer)
    assert metadata["acr_values_supported"] == [ACR_PWD, ACR_MFA]
    assert {"amr", "acr", "auth_time"} <= set(metadata["claims_supported"])


# --- without the live server: odd input, sessions without records ------------------------------


@pytest.fixture
def logged_in_trainer(client, oidc_client, trainer):
    client.force_login(trainer)
    return client


@pytest.mark.parametrize(
    "acr_values",
    ["", "urn:meinekammer:gold", "x" * 5000, "urn:meinekammer:mfa\x00", "URN:MEINEKAMMER:MFA"],
)
def test_unknown_or_odd_acr_values_ask_for_nothing(logged_in_trainer, acr_values):
    code = code_from(authorize(logged_in_trainer, acr_values=acr_values))
    assert exchange(logged_in_trainer, code).status_code == 200


def test_a_session_without_records_is_pwd_without_amr(logged_in_trainer):
    response = exchange(logged_in_trainer, code_from(authorize(logged_in_trainer)))
    payload = response.json()["id_token"].split(".")[1]
    import json

    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["acr"] == ACR_PWD and "amr" not in claims


def test_a_visitor_asking_for_mfa_is_sent_to_the_login(client, oidc_client):
    response = authorize(client, acr_values=ACR_MFA)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the mapping itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("records", "amr", "acr"),
    [
        ([{"method": "password", "at": 1.0}], ("pwd",), ACR_PWD),
        (
            [{"method": "password", "at": 1.0}, {"method": "mfa", "type": "totp", "at": 2.0}],
            ("pwd", "otp", "mfa"),
            ACR_MFA,
        ),
        (
            [
                {"method": "password", "at": 1.0},
                {"method": "mfa", "type": "recovery_codes", "at": 2.0},
            ],
            ("pwd", "otp", "mfa"),
            ACR_MFA,
        ),
        (
            [{"method": "mfa", "type": "webauthn", "passwordless": True, "at": 2.0}],
            ("hwk",),
            ACR_MFA,
        ),
        ([{"method": "code", "at": 1.0}], (), ACR_PWD),
        ([{"method": "password"}, "junk", None], (), ACR_PWD),
        (None, (), ACR_PWD),
    ],
)
def test_records_become_amr_and_acr(records, amr, acr):
    sign_in = sign_in_from(records)
    assert sign_in.amr == amr and sign_in.acr == acr


def test_auth_time_is_the_latest_step():
    sign_in = sign_in_from(
        [{"method": "password", "at": 100.0}, {"method": "mfa", "type": "totp", "at": 160.0}],
        login_time=150.0,
    )
    assert sign_in.auth_time is not None and sign_in.auth_time.timestamp() == 160.0


def test_requested_acr():
    assert requested_acr(f"{ACR_PWD} {ACR_MFA}") == ACR_MFA
    assert requested_acr(ACR_PWD) == ACR_PWD
    assert requested_acr(None) is None and requested_acr("gold") is None
