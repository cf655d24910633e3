from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from meinekammer.accounts import services
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.core.actor import Actor
from tests.accounts.factories import UserFactory
from tests.conftest import PASSWORD, links_in

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


def test_login_and_logout_are_recorded(client, user):
    response = client.post(
        LOGIN,
        {"login": user.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="TestBrowser/1.0",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert (event.subject_user, event.ip_address, event.user_agent) == (
        user,
        "203.0.113.9",
        "TestBrowser/1.0",
    )
    client.post(reverse("account_logout"))
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, subject_user=user).exists()
    assert "_auth_user_id" not in client.session


def test_login_is_case_insensitive_for_the_address(client, user):
    response = client.post(LOGIN, {"login": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302


def test_a_wrong_password_gives_one_message_and_records_a_failed_login(client, user):
    response = client.post(LOGIN, {"login": user.email, "password": "falsch falsch falsch"})
    assert response.status_code == 200
    wrong_password = response.context["form"].non_field_errors()
    response = client.post(
        LOGIN, {"login": "niemand@nirgends.example", "password": "falsch falsch falsch"}
    )
    unknown_account = response.context["form"].non_field_errors()
    # The same message for an unknown address: no enumeration.
    assert wrong_password == unknown_account
    assert "E-Mail-Adresse und/oder das Passwort sind nicht korrekt" in wrong_password[0]
    assert (
        AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, subject_user=user).count() == 1
    )
    assert "_auth_user_id" not in client.session


def test_failed_logins_are_rate_limited(client, user):
    for _ in range(5):
        client.post(LOGIN, {"login": user.email, "password": "falsch falsch falsch"})
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "zu viele" in response.content.decode().lower()
    assert "_auth_user_id" not in client.session


def test_an_unconfirmed_account_cannot_log_in_and_gets_a_new_link(client, outbox):
    user = UserFactory(verified=False)
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    [message] = outbox()
    assert "confirm-email" in message.body


def test_a_locked_account_cannot_log_in_and_is_told_how_to_unlock(client, user):
    user.locked_at = user.date_joined
    user.save()
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD}, follow=True)
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "gesperrt" in page
    assert reverse("accounts:unlock_request") in page


def test_a_deleted_account_cannot_log_in(client, user):
    services.delete_account(Actor.of(user))
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_needs_post(logged_in):
    response = logged_in.get(reverse("account_logout"))
    assert response.status_code == 200
    assert "_auth_user_id" in logged_in.session


def test_the_login_redirect_refuses_other_hosts(client, user):
    response = client.post(
        LOGIN + "?next=https://evil.example/", {"login": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_password_reset_says_the_same_for_known_and_unknown_addresses(client, user, outbox):
    url = reverse("account_reset_password")
    known = client.post(url, {"email": user.email})
    unknown = client.post(url, {"email": "niemand@nirgends.example"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    messages = outbox()
    assert {m.to[0] for m in messages} == {user.email, "niemand@nirgends.example"}


def test_password_reset_sets_a_new_password(client, user, outbox):
    client.post(reverse("account_reset_password"), {"email": user.email})
    [message] = outbox()
    link = next(link for link in message.body.split() if "/password/reset/key/" in link)
    path = urlsplit(link).path
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else path
    new = "Drei Birken am stillen See"
    response = client.post(form_url, {"password1": new, "password2": new})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET, subject_user=user).exists()
    # The link is single use.
    again = client.get(path, follow=True)
    assert "abgelaufen" in again.content.decode()


def test_password_reset_is_rate_limited(client, user):
    url = reverse("account_reset_password")
    codes = [client.post(url, {"email": user.email}).status_code for _ in range(5)]
    assert 429 in codes


def test_the_password_reset_link_comes_from_site_url_whatever_the_host_header(
    client, user, outbox, settings
):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
    client.post(reverse("account_reset_password"), {"email": user.email}, HTTP_HOST="evil.example")
    [message] = outbox()
    link = next(link for link in links_in(message) if "/password/reset/key/" in link)
    assert link.startswith(settings.SITE_URL + "/")
    assert "evil.example" not in message.body
