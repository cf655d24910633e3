from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.lifecycle import register_deletion_blocker, unregister_deletion_blocker
from meinekammer.accounts.models import User
from meinekammer.audit.models import AuditAction, AuditEvent
from tests.accounts.factories import UserFactory
from tests.conftest import PASSWORD, links_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Zwei Möwen über der Elbe"


def lock(client):
    return client.post(reverse("accounts:lock"), {"confirm": "on"})


def test_locking_needs_confirmation(logged_in, user):
    response = logged_in.post(reverse("accounts:lock"), {})
    assert response.status_code == 200
    assert "confirm" in response.context["form"].errors
    user.refresh_from_db()
    assert not user.is_locked


def test_locking_ends_every_session_at_once(user, outbox):
    here, elsewhere = Client(), Client()
    here.force_login(user)
    elsewhere.force_login(user)
    response = lock(here)
    assert response["Location"] == reverse("accounts:locked")
    user.refresh_from_db()
    assert user.is_locked
    for client in (here, elsewhere):
        assert client.get(reverse("accounts:overview")).status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED, subject_user=user).count() == 1
    [message] = outbox()
    assert message.to == [user.email]
    assert "gesperrt" in message.subject


def test_unlocking_needs_the_link_and_a_new_password(client, user, outbox):
    client.force_login(user)
    lock(client)
    outbox().clear()
    response = client.post(reverse("accounts:unlock_request"), {"email": user.email})
    assert response.status_code == 200
    [message] = outbox()
    link = next(link for link in links_in(message) if "/konto/entsperren/" in link)
    path = urlsplit(link).path
    assert client.get(path).status_code == 200
    response = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response["Location"] == reverse("account_login")
    user.refresh_from_db()
    assert not user.is_locked
    assert user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action=AuditAction.UNLOCKED, subject_user=user).exists()
    # The link works once.
    assert client.get(path).status_code == 400
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_the_unlock_request_says_the_same_whatever_the_address(client, user, outbox):
    unlocked_account = client.post(reverse("accounts:unlock_request"), {"email": user.email})
    unknown = client.post(reverse("accounts:unlock_request"), {"email": "niemand@nirgends.example"})
    assert unlocked_account.content == unknown.content or (
        unlocked_account.templates[0].name == unknown.templates[0].name
    )
    assert outbox() == []  # no mail: neither address belongs to a locked account


@pytest.mark.parametrize(
    "mangle",
    [
        lambda path: path.replace("/entsperren/", "/entsperren/zz"),
        lambda path: path.rstrip("/") + "x/",
        lambda path: "/konto/entsperren/99999999/abc-def/",
    ],
)
def test_tampered_unlock_links_are_refused(client, user, outbox, mangle):
    client.force_login(user)
    lock(client)
    outbox().clear()
    client.post(reverse("accounts:unlock_request"), {"email": user.email})
    link = next(link for link in links_in(outbox()[0]) if "/konto/entsperren/" in link)
    path = mangle(urlsplit(link).path)
    response = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 400
    assert "Entsperrlink ungültig" in response.content.decode()
    user.refresh_from_db()
    assert user.is_locked


def test_an_expired_unlock_link_is_refused(client, user, outbox, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    client.force_login(user)
    lock(client)
    client.post(reverse("accounts:unlock_request"), {"email": user.email})
    link = next(
        link
        for m in outbox()
        for link in links_in(m)
        if "/konto/entsperren/" in link and link.count("/") > 6
    )
    time_machine.shift(timedelta(days=4))
    response = client.get(urlsplit(link).path)
    assert response.status_code == 400


def test_unlock_with_a_weak_password_changes_nothing(client, user, outbox):
    client.force_login(user)
    lock(client)
    outbox().clear()
    client.post(reverse("accounts:unlock_request"), {"email": user.email})
    link = next(link for link in links_in(outbox()[0]) if "/konto/entsperren/" in link)
    path = urlsplit(link).path
    response = client.post(path, {"password1": "passwort1234", "password2": "passwort1234"})
    assert response.status_code == 200
    assert response.context["form"].errors
    user.refresh_from_db()
    assert user.is_locked


def test_unlock_requests_are_rate_limited(client, user):
    codes = [
        client.post(reverse("accounts:unlock_request"), {"email": user.email}).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [200, 200, 200]
    assert 429 in codes


def test_delete_needs_the_password(logged_in, user):
    response = logged_in.post(reverse("accounts:delete"), {"password": "falsch falsch falsch"})
    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    user.refresh_from_db()
    assert not user.is_deleted


def test_delete_erases_personal_data_and_keeps_pseudonymous_events(logged_in, user, outbox):
    email, name = user.email, user.last_name
    response = logged_in.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert response.status_code == 200
    assert "gelöscht" in response.content.decode()
    user.refresh_from_db()
    assert user.is_deleted and not user.is_active
    assert email not in user.email and user.first_name == "" and user.last_name == ""
    assert not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not User.objects.filter(email=email).exists()
    event = AuditEvent.objects.get(action=AuditAction.DELETED)
    assert event.subject_user_id == user.pk
    assert email not in str(event.data) and name not in str(event.data)
    assert logged_in.get(reverse("accounts:overview")).status_code == 302
    [message] = outbox()
    assert message.to == [email]
    # The address can register again, as a new account.
    assert not User.objects.filter(email__iexact=email).exists()


def test_deletion_is_refused_while_a_blocker_objects(logged_in, user):
    def only_admin(candidate):
        return (
            [
                "Sie sind der einzige Unternehmensadministrator von Beispiel GmbH. Ernennen Sie zuerst einen weiteren Administrator."
            ]
            if candidate.pk == user.pk
            else []
        )

    register_deletion_blocker(only_admin)
    try:
        page = logged_in.get(reverse("accounts:delete")).content.decode()
        assert "einzige Unternehmensadministrator" in page
        response = logged_in.post(reverse("accounts:delete"), {"password": PASSWORD})
        assert "einzige Unternehmensadministrator" in response.content.decode()
        user.refresh_from_db()
        assert not user.is_deleted
        assert AuditEvent.objects.filter(action=AuditAction.DELETION_REFUSED).exists()
    finally:
        unregister_deletion_blocker(only_admin)


def test_other_users_are_untouched_by_a_deletion(logged_in):
    other = UserFactory()
    logged_in.post(reverse("accounts:delete"), {"password": PASSWORD})
    other.refresh_from_db()
    assert not other.is_deleted and other.email


def test_the_lock_and_unlock_mails_link_to_site_url_whatever_the_host_header(
    client, user, outbox, settings
):
    # A lax ALLOWED_HOSTS lets another Host header through; the mails must not follow it.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
    client.force_login(user)
    client.post(reverse("accounts:lock"), {"confirm": "on"}, HTTP_HOST="evil.example")
    client.post(reverse("accounts:unlock_request"), {"email": user.email}, HTTP_HOST="evil.example")
    messages = outbox()
    assert [m.subject for m in messages] and len(messages) == 2
    links = [link for message in messages for link in links_in(message)]
    assert any("/konto/entsperren/" in link and link.count("/") > 6 for link in links)
    assert all(link.startswith(settings.SITE_URL + "/") for link in links)
    assert not any("evil.example" in message.body for message in messages)
