"""Second factors on allauth.mfa: the authenticator app, security keys and recovery codes.

TOTP codes are computed here from the secret the page shows, as an authenticator app does.
"""

import base64
import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts import services
from meinekammer.accounts.factors import (
    Requirement,
    register_requirement,
    unregister_requirement,
)
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.core.actor import Actor
from tests.accounts.factories import UserFactory
from tests.conftest import PASSWORD
from tests.totp import totp_code

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
INDEX = reverse("mfa_index")
ACTIVATE = reverse("mfa_activate_totp")
DEACTIVATE = reverse("mfa_deactivate_totp")
AUTHENTICATE = reverse("mfa_authenticate")
CODES = reverse("mfa_view_recovery_codes")
GENERATE = reverse("mfa_generate_recovery_codes")
DOWNLOAD = reverse("mfa_download_recovery_codes")


def password_login(client, user) -> object:
    return client.post(LOGIN, {"login": user.email, "password": PASSWORD})


def reauthenticate(client) -> None:
    """The password again, as allauth asks before a factor is added or removed."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]


def english(client, user) -> None:
    user.language = "en"
    user.save()
    client.cookies["meinekammer_language"] = "en"


def secret_on(page: str) -> str:
    match = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page)
    assert match, "the secret is shown for manual entry"
    return match.group(1)


def with_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def with_key(user, name: str = "Laptop") -> Authenticator:
    return Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.WEBAUTHN,
        # A passkey: the browser reported a resident (discoverable) credential.
        data={"name": name, "credential": {"clientExtensionResults": {"credProps": {"rk": True}}}},
    )


@pytest.fixture
def reauthenticated(client, user):
    """Logged in with the password just now, as the factor pages ask."""
    assert password_login(client, user).status_code == 302
    reauthenticate(client)
    return client


@pytest.fixture
def required():
    """Every account must have a second factor, as chamber staff must."""

    def source(user):
        return Requirement(applies_from=timezone.now() - timedelta(days=1), reason="Test")

    register_requirement(source)
    yield source
    unregister_requirement(source)


# --- who may see the pages ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url", [INDEX, ACTIVATE, DEACTIVATE, CODES, GENERATE, reverse("mfa_add_webauthn")]
)
def test_a_visitor_is_sent_to_the_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_locked_account_cannot_reach_the_pages(client, user):
    assert password_login(client, user).status_code == 302
    services.lock_account(Actor.of(user))
    response = client.get(INDEX)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    # Nor can it log in again to reach them.
    response = password_login(client, user)
    assert response["Location"] == reverse("accounts:locked")


def test_a_locked_account_cannot_pass_the_second_step(client, user):
    secret = with_totp(user)
    password_login(client, user)
    user.locked_at = timezone.now()
    user.save()
    response = client.post(AUTHENTICATE, {"code": totp_code(secret)})
    assert "_auth_user_id" not in client.session
    assert response["Location"] == reverse("accounts:locked")


# --- the account page and the overview -------------------------------------------------------


def test_the_account_page_links_to_the_factors_in_german_and_english(client, user):
    client.force_login(user)
    page = client.get(reverse("accounts:overview")).content.decode()
    assert "Zwei-Faktor-Authentisierung" in page
    assert INDEX in page
    english(client, user)
    page = client.get(reverse("accounts:overview")).content.decode()
    assert "Two-factor authentication" in page


def test_the_index_lists_the_factors(client, user):
    with_totp(user)
    with_key(user, "Arbeits-Laptop")
    RecoveryCodes.activate(user)
    client.force_login(user)
    page = client.get(INDEX).content.decode()
    assert "Eine Authenticator-App ist eingerichtet" in page
    assert "Arbeits-Laptop" in page
    assert '<td class="kern-table__cell">Passkey</td>' in page
    assert "10 Wiederherstellungscodes sind noch übrig" in page
    key = Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
    assert reverse("mfa_edit_webauthn", kwargs={"pk": key.pk}) in page
    assert reverse("mfa_remove_webauthn", kwargs={"pk": key.pk}) in page


def test_the_index_in_english(client, user):
    client.force_login(user)
    english(client, user)
    page = client.get(INDEX).content.decode()
    assert "Two-factor authentication" in page
    assert "No authenticator app is set up." in page
    assert "Set up authenticator app" in page


def test_the_login_page_offers_the_passkey(client):
    page = client.get(LOGIN).content.decode()
    assert "Mit Passkey anmelden" in page
    assert reverse("mfa_login_webauthn") in page
    # allauth's scripts, no inline script: only src= and JSON data blocks.
    for script in re.findall(r"<script[^>]*>", page):
        assert "src=" in script or 'type="application/json"' in script
    client.cookies["meinekammer_language"] = "en"
    assert "Log in with a passkey" in client.get(LOGIN).content.decode()


# --- setting up the authenticator app ----------------------------------------------------


def test_setting_up_asks_for_the_password_again(client, user):
    client.force_login(user)
    response = client.get(ACTIVATE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_the_set_up_page_shows_the_qr_code_and_the_secret(reauthenticated):
    response = reauthenticated.get(ACTIVATE)
    page = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    secret = secret_on(page)
    svg = base64.b64decode(re.search(r"base64,([^\"]+)", page).group(1)).decode()
    assert "<svg" in svg
    assert "otpauth://totp/" in unquote(response.context["totp_url"])
    assert f"secret={secret}" in response.context["totp_url"]
    assert "issuer=meinekammer" in response.context["totp_url"]
    assert "img-src 'self' data:" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "code",
    ["", "000000", "1" * 21, "12\x0034", "12\n34", "abcdef", "1234567890" * 100],
)
def test_a_wrong_code_sets_nothing_up(reauthenticated, user, code):
    reauthenticated.get(ACTIVATE)
    response = reauthenticated.post(ACTIVATE, {"code": code})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "Bitte korrigieren Sie" in response.content.decode() or response.context["form"].errors
    assert not Authenticator.objects.filter(user=user).exists()


def test_the_right_code_sets_up_the_app_and_shows_recovery_codes_once(
    reauthenticated, user, django_capture_on_commit_callbacks, outbox
):
    secret = secret_on(reauthenticated.get(ACTIVATE).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        response = reauthenticated.post(ACTIVATE, {"code": totp_code(secret)})
    assert response["Location"] == CODES
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    event = AuditEvent.objects.get(action=AuditAction.TOTP_ACTIVATED)
    assert event.subject_user == user and event.actor == user
    assert AuditEvent.objects.filter(action=AuditAction.RECOVERY_CODES_GENERATED).exists()
    [mail] = [m for m in outbox() if "Authenticator" in m.subject]
    assert mail.to == [user.email]
    # The codes are shown once ...
    page = reauthenticated.get(CODES).content.decode()
    codes = re.findall(r"<li><code>(\d+)</code></li>", page)
    assert len(codes) == 10
    assert "10 von 10 Wiederherstellungscodes sind noch übrig." in page
    assert "data:text/plain;charset=utf-8," + "%0A".join(codes) in page
    # ... and never again, neither on the page nor as allauth's download.
    again = reauthenticated.get(CODES).content.decode()
    assert not set(codes) & set(re.findall(r"\d{8}", again))
    assert reauthenticated.get(DOWNLOAD).status_code == 403


def test_the_code_that_set_up_the_app_cannot_log_in(reauthenticated, user, client):
    secret = secret_on(reauthenticated.get(ACTIVATE).content.decode())
    code = totp_code(secret)
    reauthenticated.post(ACTIVATE, {"code": code})
    reauthenticated.post(reverse("account_logout"))
    password_login(client, user)
    response = client.post(AUTHENTICATE, {"code": code})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


# --- logging in with the second factor ----------------------------------------------------


def test_login_with_password_then_code(client, user):
    secret = with_totp(user)
    response = password_login(client, user)
    assert response["Location"] == AUTHENTICATE
    assert "_auth_user_id" not in client.session
    page = client.get(AUTHENTICATE).content.decode()
    assert "Anmeldung bestätigen" in page
    assert 'autocomplete="one-time-code"' in page
    response = client.post(AUTHENTICATE, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_second_step_in_english(client, user):
    with_totp(user)
    english(client, user)
    password_login(client, user)
    page = client.get(AUTHENTICATE).content.decode()
    assert "Confirm login" in page
    assert "Your account is protected by a second factor." in page


def test_a_used_code_cannot_log_in_again(client, user):
    secret = with_totp(user)
    code = totp_code(secret)
    password_login(client, user)
    assert client.post(AUTHENTICATE, {"code": code}).status_code == 302
    client.post(reverse("account_logout"))
    password_login(client, user)
    response = client.post(AUTHENTICATE, {"code": code})
    assert response.status_code == 200
    assert "bereits verwendet" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("code", ["", "123", "1" * 500, "12\x0034", "\x1b[31m"])
def test_bad_input_at_the_second_step_is_refused(client, user, code):
    with_totp(user)
    password_login(client, user)
    response = client.post(AUTHENTICATE, {"code": code})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_wrong_codes_are_rate_limited(client, user):
    secret = with_totp(user)
    password_login(client, user)
    for _ in range(5):
        client.post(AUTHENTICATE, {"code": "000000" if totp_code(secret) != "000000" else "1"})
    # Even the right code is refused now.
    response = client.post(AUTHENTICATE, {"code": totp_code(secret)})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    assert "zu viele" in response.content.decode().lower()


def test_recovery_codes_log_in_once_each(client, user):
    with_totp(user)
    codes = RecoveryCodes.activate(user).get_unused_codes()
    password_login(client, user)
    assert client.post(AUTHENTICATE, {"code": codes[0]}).status_code == 302
    client.post(reverse("account_logout"))
    password_login(client, user)
    response = client.post(AUTHENTICATE, {"code": codes[0]})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.post(AUTHENTICATE, {"code": codes[1]}).status_code == 302
    client.force_login(user)
    page = client.get(INDEX).content.decode()
    assert "8 Wiederherstellungscodes sind noch übrig" in page


def test_new_recovery_codes_replace_the_old(
    reauthenticated, user, django_capture_on_commit_callbacks
):
    with_totp(user)
    old = RecoveryCodes.activate(user).get_unused_codes()
    assert "Neue Wiederherstellungscodes erzeugen" in reauthenticated.get(GENERATE).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = reauthenticated.post(GENERATE)
    assert response["Location"] == CODES
    page = reauthenticated.get(CODES).content.decode()
    new = re.findall(r"<li><code>(\d+)</code></li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    assert AuditEvent.objects.filter(
        action=AuditAction.RECOVERY_CODES_GENERATED, subject_user=user
    ).exists()


def test_recovery_codes_need_a_factor_first(reauthenticated, user):
    response = reauthenticated.post(GENERATE)
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=user).exists()


# --- removing factors ---------------------------------------------------------------------


def test_removing_the_app_asks_for_the_password_again(client, user):
    with_totp(user)
    client.force_login(user)
    response = client.get(DEACTIVATE)
    # With a factor, allauth asks for it (a code).
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    page = client.get(response["Location"]).content.decode()
    assert "Bestätigen Sie, dass Sie es sind" in page


def test_removing_the_app(reauthenticated, user, client, outbox):
    secret = with_totp(user)
    client.post(AUTHENTICATE, {"code": totp_code(secret)})
    reauthenticate(client)
    response = client.post(DEACTIVATE)
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.AUTHENTICATOR_REMOVED, subject_user=user, data__authenticator_type="totp"
    ).exists()
    assert any("Authenticator" in m.subject for m in outbox())


def test_the_last_factor_stays_when_one_is_required(client, user, required):
    secret = with_totp(user)
    password_login(client, user)
    client.post(AUTHENTICATE, {"code": totp_code(secret)})
    reauthenticate(client)
    page = client.get(DEACTIVATE).content.decode()
    assert "Sie können Ihren letzten zweiten Faktor nicht entfernen" in page
    response = client.post(DEACTIVATE)
    assert response.status_code == 200
    assert "Sie können Ihren letzten zweiten Faktor nicht entfernen" in response.content.decode()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.AUTHENTICATOR_REMOVED).exists()
    english(client, user)
    page = client.get(DEACTIVATE).content.decode()
    assert "You cannot remove your last second factor" in page


def test_the_last_key_stays_when_one_is_required(client, user, required):
    secret = with_totp(user)
    key = with_key(user)
    password_login(client, user)
    client.post(AUTHENTICATE, {"code": totp_code(secret)})
    reauthenticate(client)
    # With the app beside it, the key may go ...
    url = reverse("mfa_remove_webauthn", kwargs={"pk": key.pk})
    assert client.post(url).status_code == 302
    assert not Authenticator.objects.filter(pk=key.pk).exists()
    # ... but the app, now the last factor, may not; nor a last key.
    key = with_key(user)
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    url = reverse("mfa_remove_webauthn", kwargs={"pk": key.pk})
    response = client.post(url)
    assert response.status_code == 200
    assert "Sie können Ihren letzten zweiten Faktor nicht entfernen" in response.content.decode()
    assert Authenticator.objects.filter(pk=key.pk).exists()


def test_without_a_requirement_the_last_factor_may_go(client, user):
    password_login(client, user)
    reauthenticate(client)
    key = with_key(user)
    response = client.post(reverse("mfa_remove_webauthn", kwargs={"pk": key.pk}))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.AUTHENTICATOR_REMOVED, data__authenticator_type="webauthn"
    ).exists()


def test_another_accounts_key_is_not_found(client, user):
    other = with_key(UserFactory())
    password_login(client, user)
    reauthenticate(client)
    with_key(user)
    for name in ("mfa_remove_webauthn", "mfa_edit_webauthn"):
        assert client.post(reverse(name, kwargs={"pk": other.pk})).status_code == 404
    assert Authenticator.objects.filter(pk=other.pk).exists()


# --- keys: rename, bad names ----------------------------------------------------------------


def test_renaming_a_key(client, user):
    password_login(client, user)
    reauthenticate(client)
    key = with_key(user)
    url = reverse("mfa_edit_webauthn", kwargs={"pk": key.pk})
    assert "Schlüssel umbenennen" in client.get(url).content.decode()
    response = client.post(url, {"name": "Dienst-Smartphone"})
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.wrap().name == "Dienst-Smartphone"


@pytest.mark.parametrize("name", ["", "x" * 61, "Lap\x00top", "Lap\x07top"])
def test_a_bad_key_name_is_refused(client, user, name):
    password_login(client, user)
    reauthenticate(client)
    key = with_key(user)
    response = client.post(reverse("mfa_edit_webauthn", kwargs={"pk": key.pk}), {"name": name})
    assert response.status_code == 200
    key.refresh_from_db()
    assert key.wrap().name == "Laptop"


def test_the_add_key_page_passes_its_data_without_inline_script(client, user):
    password_login(client, user)
    reauthenticate(client)
    response = client.get(reverse("mfa_add_webauthn"))
    page = response.content.decode()
    assert "Als Passkey verwenden" in page
    assert '<script id="js_data" type="application/json">' in page
    assert "script-src 'self'" in response["Content-Security-Policy"]
    for script in re.findall(r"<script[^>]*>", page):
        assert "src=" in script or 'type="application/json"' in script


def test_an_account_with_a_factor_can_still_change_its_address(client, user, outbox):
    secret = with_totp(user)
    password_login(client, user)
    client.post(AUTHENTICATE, {"code": totp_code(secret)})
    reauthenticate(client)
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "neu@beispiel.example"}
    )
    assert response.status_code == 302
    assert any("neu@beispiel.example" in m.to for m in outbox())


@pytest.mark.parametrize(
    "credential", ["", "null", "{}", '{"id": "x"}', "[1, 2]", "nicht json", '"\\u0000"']
)
def test_a_forged_key_is_refused_without_an_error_page(client, user, credential):
    password_login(client, user)
    reauthenticate(client)
    response = client.post(
        reverse("mfa_add_webauthn"), {"name": "Laptop", "credential": credential}
    )
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=user).exists()


@pytest.mark.parametrize("credential", ["", "{}", '{"id": "x", "response": {}}', "nicht json"])
def test_a_forged_passkey_does_not_log_in(client, user, credential):
    response = client.post(reverse("mfa_login_webauthn"), {"credential": credential})
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("credential", ["{}", '{"id": "x", "response": {}}', "[1]"])
def test_a_forged_key_at_the_second_step_does_not_log_in(client, user, credential):
    with_totp(user)
    password_login(client, user)
    response = client.post(AUTHENTICATE, {"credential": credential})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_passkey_login_hands_out_a_challenge_only_to_scripts(client):
    url = reverse("mfa_login_webauthn")
    assert client.get(url)["Location"] == LOGIN
    response = client.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    options = response.json()["request_options"]["publicKey"]
    assert options["rpId"] == "testserver"
    assert options["challenge"]


def test_adding_a_key_is_recorded_for_its_owner(rf, user):
    """allauth's signal for a new key (sent by its add flow) becomes an audit event."""
    from allauth.mfa import signals

    key = with_key(user, "Dienst-Laptop")
    request = rf.post("/", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="TestBrowser/1.0")
    request.user = user
    signals.authenticator_added.send(
        sender=Authenticator, request=request, user=user, authenticator=key
    )
    event = AuditEvent.objects.get(action=AuditAction.WEBAUTHN_ADDED)
    assert (event.subject_user, event.actor, event.ip_address) == (user, user, "203.0.113.7")
    assert event.data == {
        "authenticator_type": "webauthn",
        "name": "Dienst-Laptop",
        "kind": "passkey",
    }
    assert event in AuditEvent.objects.security_events_for(user)
